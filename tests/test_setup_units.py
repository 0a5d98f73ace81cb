"""Units set up in the portal (tracker/setup): the list by kind, add, rename, reorder, retire and bring back, each
change recorded with who and when and refused when made against an older version; another institution's unit is a
404; a retired unit leaves the quotas, the dashboard and the boards but its records stay readable."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tracker.org.history import changes_for
from tracker.org.models import OrgUnit, Profile
from tracker.org.services import profile_assign_role
from tracker.org.versions import StaleEditError
from tracker.quotas import metrics
from tracker.reporting.dashboard import build_dashboard
from tracker.setup.services import units as services
from tracker.setup.services.units import UnitData

from .conftest import client_for, make_person
from .factories import (
    AssessmentRoundFactory,
    OrgUnitFactory,
    QuotaFactory,
    UserFactory,
    VolunteerFactory,
)
from .test_chinese_only import english_left

pytestmark = pytest.mark.django_db
Kind = OrgUnit.Kind


def zh(message: str, **values) -> str:
    with translation.override("zh-hans"):
        text = _(message)
    return text % values if values else text


@pytest.fixture
def units(world):
    """Units of our own making: two colleges and a member unit without e-mail, the Party committee with one."""
    party = OrgUnitFactory(institution=world.institution, kind=Kind.PARTY_COMMITTEE, name="中共测试大学委员会",
                           email="dangwei@example.edu.cn", order=1)
    survey = OrgUnitFactory(institution=world.institution, kind=Kind.COLLEGE, name="测绘与地理信息学院",
                            short_name="测绘学院", order=5)
    mining = OrgUnitFactory(institution=world.institution, kind=Kind.COLLEGE, name="资源与安全学院", order=6)
    library = OrgUnitFactory(institution=world.institution, kind=Kind.MEMBER_UNIT, name="图书馆", order=3)
    return {"party": party, "survey": survey, "mining": mining, "library": library}


def unit_list(client, institution=None) -> str:
    url = reverse("tracker:setup-unit-list") + (f"?institution={institution.pk}" if institution else "")
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, kind: str) -> str:
    part = html[html.index(f'id="kind-{kind}"'):]
    return part[:part.index("</section>")]


# --- The list ----------------------------------------------------------------------------------------


def test_staff_sees_own_units_grouped_by_kind_in_order(world, staff, units):
    html = unit_list(client_for(staff))
    colleges = section(html, Kind.COLLEGE)
    assert colleges.index("测绘与地理信息学院") < colleges.index("资源与安全学院")
    assert "图书馆" in section(html, Kind.MEMBER_UNIT) and "图书馆" not in colleges
    assert "dangwei@example.edu.cn" in section(html, Kind.PARTY_COMMITTEE)
    for kind in (Kind.PARTY_COMMITTEE, Kind.SCHOOL_COMMITTEE, Kind.COLLEGE, Kind.MEMBER_UNIT):
        assert f"<h2>{zh(Kind(kind).label)}</h2>" in html
    assert english_left(html) == []


def test_staff_of_another_institution_sees_none_of_these_units(world, other_staff, units):
    html = unit_list(client_for(other_staff))
    assert "测绘与地理信息学院" not in html and "图书馆" not in html
    assert zh("Units of %(name)s", name=world.other_institution.name) in html


def test_administrator_chooses_the_institution(world, admin_user, units):
    client = client_for(admin_user)
    assert "测绘与地理信息学院" in unit_list(client, world.institution)
    assert "测绘与地理信息学院" not in unit_list(client, world.other_institution)


@pytest.mark.parametrize("persona", ["secretary", "liaison", "leader"])
def test_other_roles_may_not_open_the_set_up(request, world, persona):
    client = client_for(request.getfixturevalue(persona))
    for name in ("tracker:setup", "tracker:setup-unit-list", "tracker:setup-unit-create"):
        assert client.get(reverse(name)).status_code == 403


# --- Add, rename, reorder ----------------------------------------------------------------------------


def test_staff_adds_a_college_without_e_mail_under_the_school_committee(world, staff, units):
    response = client_for(staff).post(reverse("tracker:setup-unit-create"), {
        "kind": Kind.COLLEGE, "name": "地球科学与测绘工程学院", "short_name": "地测学院", "email": "", "order": ""})
    assert response.status_code == 302
    unit = OrgUnit.objects.get(institution=world.institution, name="地球科学与测绘工程学院")
    assert unit.kind == Kind.COLLEGE and unit.email == "" and unit.parent == world.committee
    assert unit.order == 7  # after the last college (资源与安全学院, 6)
    assert unit.version == 1 and unit.retired_on is None
    created = changes_for(unit)[0]
    assert created.kind == "created" and created.who == staff.get_full_name()
    assert "地球科学与测绘工程学院" in unit_list(client_for(staff))


def test_a_name_already_taken_is_refused_in_chinese_and_nothing_is_added(world, staff, units):
    before = OrgUnit.objects.count()
    response = client_for(staff).post(reverse("tracker:setup-unit-create"), {
        "kind": Kind.MEMBER_UNIT, "name": "图书馆", "order": ""})
    assert response.status_code == 400
    assert zh("There is already a unit called “%(name)s”.", name="图书馆") in response.content.decode()
    assert OrgUnit.objects.count() == before


def test_a_name_of_a_retired_unit_says_to_bring_it_back(world, staff, units):
    OrgUnit.objects.filter(pk=units["library"].pk).update(retired_on=timezone.localdate())
    with pytest.raises(Exception) as refused:
        services.unit_create(actor=staff, institution=world.institution, data=UnitData(Kind.MEMBER_UNIT, "图书馆"))
    assert zh("There is already a retired unit called “%(name)s”; bring it back instead of adding it again.",
              name="图书馆") in refused.value.messages


def test_staff_renames_a_unit_and_the_history_says_who_and_what(world, staff, units):
    survey = units["survey"]
    client = client_for(staff)
    form = client.get(reverse("tracker:setup-unit-update", args=[survey.pk]))
    assert form.status_code == 200 and 'name="version" value="1"' in form.content.decode()
    response = client.post(reverse("tracker:setup-unit-update", args=[survey.pk]), {
        "version": 1, "name": "测绘与空间信息学院", "short_name": "测绘学院", "email": "chxy@example.edu.cn",
        "order": 5})
    assert response.status_code == 302
    survey.refresh_from_db()
    assert (survey.name, survey.email, survey.version, survey.kind) == (
        "测绘与空间信息学院", "chxy@example.edu.cn", 2, Kind.COLLEGE)
    change = changes_for(survey)[0]
    assert change.who == staff.get_full_name()
    assert {(c.old, c.new) for c in change.changes} >= {("测绘与地理信息学院", "测绘与空间信息学院")}
    page = client.get(reverse("tracker:setup-unit-update", args=[survey.pk])).content.decode()
    assert "测绘与地理信息学院" in page and staff.get_full_name() in page  # the history on the edit page


def test_an_edit_made_against_an_older_version_is_refused_and_keeps_the_input(world, staff, units):
    survey = units["survey"]
    colleague = make_person("colleague", Profile.Role.STAFF, world.institution)
    services.unit_update(actor=colleague, unit=survey, loaded_version=1,
                         data=UnitData(Kind.COLLEGE, "测绘学院（新）", order=5))
    response = client_for(staff).post(reverse("tracker:setup-unit-update", args=[survey.pk]), {
        "version": 1, "name": "我的改名", "short_name": "", "email": "", "order": 5})
    assert response.status_code == 409
    html = response.content.decode()
    assert zh("Someone else changed this unit after you opened the page. Your input is kept below; look at the unit "
              "as it is now, then save again.") in html
    assert 'value="我的改名"' in html and 'name="version" value="2"' in html
    assert colleague.get_full_name() in html  # who saved in between
    survey.refresh_from_db()
    assert survey.name == "测绘学院（新）" and survey.version == 2


def test_move_up_and_down_renumbers_the_kind_and_refuses_a_stale_move(world, staff, units):
    client = client_for(staff)
    mining = units["mining"]
    ordered = lambda: list(OrgUnit.objects.in_service().filter(  # noqa: E731
        institution=world.institution, kind=Kind.COLLEGE).order_by("order", "name").values_list("name", flat=True))
    assert ordered() == ["化工学院", "机电工程学院", "测绘与地理信息学院", "资源与安全学院"]
    response = client.post(reverse("tracker:setup-unit-move", args=[mining.pk]), {"version": 1, "direction": "up"})
    assert response.status_code == 302
    assert ordered() == ["化工学院", "机电工程学院", "资源与安全学院", "测绘与地理信息学院"]
    mining.refresh_from_db()
    assert mining.order == 3 and mining.version == 2
    stale = client.post(reverse("tracker:setup-unit-move", args=[mining.pk]), {"version": 1, "direction": "up"})
    assert stale.status_code == 409
    assert zh("Someone else changed this unit after you opened the page. Your input is kept below; look at the unit "
              "as it is now, then save again.") in stale.content.decode()
    assert ordered() == ["化工学院", "机电工程学院", "资源与安全学院", "测绘与地理信息学院"]
    client.post(reverse("tracker:setup-unit-move", args=[mining.pk]), {"version": 2, "direction": "down"})
    assert ordered()[-1] == "资源与安全学院"


# --- Another institution: 404 -------------------------------------------------------------------------


def test_staff_of_another_institution_gets_404_on_every_unit_page(world, other_staff, units):
    client = client_for(other_staff)
    survey = units["survey"]
    for name in ("tracker:setup-unit-update", "tracker:setup-unit-retire"):
        assert client.get(reverse(name, args=[survey.pk])).status_code == 404
    posts = {
        "tracker:setup-unit-update": {"version": 1, "name": "改名", "order": 1},
        "tracker:setup-unit-move": {"version": 1, "direction": "up"},
        "tracker:setup-unit-retire": {"version": 1},
        "tracker:setup-unit-restore": {"version": 1},
    }
    for name, data in posts.items():
        assert client.post(reverse(name, args=[survey.pk]), data).status_code == 404, name
    created = client.post(reverse("tracker:setup-unit-create"), {
        "institution": world.institution.pk, "kind": Kind.COLLEGE, "name": "越权学院"})
    assert created.status_code == 404
    assert client.get(reverse("tracker:setup-unit-list") + f"?institution={world.institution.pk}").status_code == 404
    survey.refresh_from_db()
    assert survey.name == "测绘与地理信息学院" and survey.version == 1
    assert not OrgUnit.objects.filter(name="越权学院").exists()


def test_the_service_refuses_another_institution_too(world, other_staff, units):
    with pytest.raises(PermissionDenied):
        services.unit_create(actor=other_staff, institution=world.institution, data=UnitData(Kind.COLLEGE, "越权学院"))
    with pytest.raises(PermissionDenied):
        services.unit_retire(actor=other_staff, unit=units["survey"], loaded_version=1)


# --- Retire and bring back ---------------------------------------------------------------------------


def test_retiring_asks_for_confirmation_then_retires_and_brings_back(world, staff, units):
    client = client_for(staff)
    mining = units["mining"]
    confirm = client.get(reverse("tracker:setup-unit-retire", args=[mining.pk]))
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert zh("Yes, retire %(name)s", name="资源与安全学院") in html and english_left(html) == []
    mining.refresh_from_db()
    assert mining.retired_on is None  # opening the page retires nothing
    assert client.post(reverse("tracker:setup-unit-retire", args=[mining.pk]), {"version": 1}).status_code == 302
    mining.refresh_from_db()
    assert mining.retired_on == timezone.localdate() and mining.version == 2
    listed = unit_list(client)
    assert "资源与安全学院" not in section(listed, Kind.COLLEGE)
    retired = listed[listed.index('id="retired"'):]
    assert "资源与安全学院" in retired
    assert changes_for(mining)[0].who == staff.get_full_name()
    assert client.post(reverse("tracker:setup-unit-restore", args=[mining.pk]), {"version": 2}).status_code == 302
    mining.refresh_from_db()
    assert mining.retired_on is None and mining.version == 3
    assert "资源与安全学院" in section(unit_list(client), Kind.COLLEGE)


def test_a_unit_with_an_active_account_bound_to_it_is_not_retired(world, staff, units):
    person = UserFactory(username="chx_secretary", first_name="周文静")
    profile_assign_role(user=person, role=Profile.Role.SECRETARY, institution=world.institution,
                        unit=units["survey"])
    client = client_for(staff)
    page = client.get(reverse("tracker:setup-unit-retire", args=[units["survey"].pk])).content.decode()
    assert "周文静" in page and zh("Yes, retire %(name)s", name="测绘与地理信息学院") not in page
    response = client.post(reverse("tracker:setup-unit-retire", args=[units["survey"].pk]), {"version": 1})
    assert response.status_code == 400
    assert zh("These accounts still work for this unit: %(names)s. Bind them to another unit or deactivate them "
              "first, then retire the unit.", names="周文静") in response.content.decode()
    units["survey"].refresh_from_db()
    assert units["survey"].retired_on is None
    person.is_active = False
    person.save()
    assert client.post(reverse("tracker:setup-unit-retire", args=[units["survey"].pk]),
                       {"version": 1}).status_code == 302


def test_a_stale_retirement_is_refused(world, staff, units):
    services.unit_update(actor=staff, unit=units["library"], loaded_version=1,
                         data=UnitData(Kind.MEMBER_UNIT, "图书馆", email="lib@example.edu.cn", order=3))
    with pytest.raises(StaleEditError):
        services.unit_retire(actor=staff, unit=units["library"], loaded_version=1)
    response = client_for(staff).post(reverse("tracker:setup-unit-retire", args=[units["library"].pk]),
                                      {"version": 1})
    assert response.status_code == 409
    units["library"].refresh_from_db()
    assert units["library"].retired_on is None


def test_a_retired_college_leaves_the_dashboard_and_quotas_but_its_records_stay(world, staff, leader, units):
    mining = units["mining"]
    VolunteerFactory.create_batch(3, unit=mining, participating=True)
    person = VolunteerFactory(unit=mining, name="贾老师")
    QuotaFactory(institution=world.institution, plan=world.plan, name="二级关工委有条件老同志参与率")
    before = build_dashboard(world.institution)
    assert mining.pk in {row.unit_id for row in before.college_rows}
    services.unit_retire(actor=staff, unit=mining, loaded_version=1)

    after = build_dashboard(world.institution)
    assert mining.pk not in {row.unit_id for row in after.college_rows}
    assert {row.unit_id for row in after.college_rows} == {world.college.pk, world.other_college.pk,
                                                           units["survey"].pk}
    assert mining not in metrics.colleges_by_institution([world.institution.pk])[world.institution.pk]
    quota = world.institution.quotas.get()
    quota_page = client_for(leader).get(quota.get_absolute_url()).content.decode()
    assert f'id="unit-{mining.pk}"' not in quota_page and f'id="unit-{units["survey"].pk}"' in quota_page
    dashboard = client_for(leader).get(reverse("tracker:dashboard")).content.decode()
    assert "资源与安全学院" not in dashboard
    # Its records stay readable: the roster entry, and the college's own page.
    assert client_for(staff).get(person.get_absolute_url()).status_code == 200
    assert client_for(leader).get(reverse("tracker:dashboard-college", args=[mining.pk])).status_code == 200
    # Looking back to a day before it was retired, it is still counted.
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    assert mining in metrics.colleges_by_institution([world.institution.pk], on=yesterday)[world.institution.pk]


def test_a_retired_college_leaves_the_filing_board(world, staff, units):
    from tracker.assessments.services.assessments import filing_units

    assessment_round = AssessmentRoundFactory(institution=world.institution)
    assert units["mining"] in list(filing_units(assessment_round))
    services.unit_retire(actor=staff, unit=units["mining"], loaded_version=1)
    assert units["mining"] not in list(filing_units(assessment_round))
    board = client_for(staff).get(reverse("tracker:round-board", args=[assessment_round.pk])).content.decode()
    assert f'id="unit-{units["mining"].pk}"' not in board and f'id="unit-{units["survey"].pk}"' in board


def test_a_retired_unit_is_not_reminded_of_what_its_kind_has_due(world, staff, units):
    from tracker.reporting import reminders

    today = timezone.localdate()
    world.college_task.due_date = today + timezone.timedelta(days=3)
    world.college_task.save()
    reminded = lambda: {mailing.unit.pk for mailing in reminders.mailings(today=today, days=7)}  # noqa: E731
    assert {units["survey"].pk, units["mining"].pk} <= reminded()
    services.unit_retire(actor=staff, unit=units["mining"], loaded_version=1)
    assert units["survey"].pk in reminded() and units["mining"].pk not in reminded()


def test_the_unit_list_asks_the_same_queries_for_4_units_and_24(world, staff, units):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(staff)
    client.get(reverse("tracker:setup-unit-list"))  # the session and the profile, read once
    with CaptureQueriesContext(connection) as small:
        unit_list(client)
    for n in range(20):
        OrgUnitFactory(institution=world.institution, kind=Kind.COLLEGE if n % 2 else Kind.MEMBER_UNIT,
                       name=f"新建单位{n}", retired_on=timezone.localdate() if n % 5 == 0 else None)
    with CaptureQueriesContext(connection) as large:
        html = unit_list(client)
    assert "新建单位19" in html
    # session, user, profile, the institutions (frame), the units: the same however many units there are
    assert len(large) == len(small), [q["sql"][:100] for q in large.captured_queries]
