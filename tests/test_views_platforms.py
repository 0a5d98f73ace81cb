"""The work platform pages through the test client: list and totals, detail, create and edit."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tracker.org.models import OrgUnit
from tracker.work.models.platforms import WorkPlatform

from .conftest import client_for
from .factories import ActivityFactory, OrgUnitFactory, VolunteerFactory, WorkPlatformFactory

pytestmark = pytest.mark.django_db


def committee_of(world) -> OrgUnit:
    return OrgUnit.objects.get(institution=world.institution, kind=OrgUnit.Kind.SCHOOL_COMMITTEE)


def school_platform(world, **fields) -> WorkPlatform:
    fields.setdefault("host", world.member_unit)
    return WorkPlatformFactory(owner=committee_of(world), level=WorkPlatform.Level.SCHOOL, **fields)


def platform_data(owner, **fields) -> dict:
    data = {
        "name": "青蓝工程平台", "level": "college", "owner": owner.pk, "host": "", "serving_leader": "刘院长",
        "volunteer_leader": "", "description": "老教师结对青年教师。", "brand": "none", "recognised_by": "",
        "recognised_on": "", "active_from": "2021-03-01", "active_to": "", "has_substance": "on", "has_goals": "on",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def html_of(response) -> str:
    return response.content.decode()


# --- The list ----------------------------------------------------------------------------------


def test_list_shows_each_platform_with_its_columns(world, staff):
    leader = VolunteerFactory(unit=world.college, name="赵老师")
    platform = school_platform(world, name="理想信念教育平台", serving_leader="孙部长", volunteer_leader=leader,
                               has_substance=True, has_goals=True, has_plan=True, institutionalised=True,
                               standardised=True, brand=WorkPlatform.Brand.HIGHER, recognised_by="江苏省教育系统关工委",
                               recognised_on=dt.date(2021, 6, 1))
    platform.volunteers.set([leader, VolunteerFactory(unit=world.other_college)])
    html = html_of(client_for(staff).get(reverse("tracker:platform-list")))
    row = html[html.index('id="platform-'):]
    for text in ("理想信念教育平台", "离退休工作处", "孙部长", "赵老师", "5/6", "江苏省教育系统关工委", "2021-06-01",
                 "2020-01-01", str(_("Branded (品牌化)"))):
        assert text in row, text
    assert '<td class="number">2</td>' in row


def test_totals_count_running_platforms_by_level_and_brand(world, staff):
    for n in range(3):
        school_platform(world, name=f"校级平台{n}")
    school_platform(world, name="上级认可一", brand="higher", recognised_by="江苏省教育系统关工委",
                    recognised_on=dt.date(2020, 1, 1))
    school_platform(world, name="十佳品牌", brand="school")
    school_platform(world, name="已结束的品牌", brand="higher", recognised_by="省关工委",
                    recognised_on=dt.date(2019, 1, 1), active_to=dt.date(2020, 12, 31))
    WorkPlatformFactory(owner=world.college, name="学院平台")
    foreign = OrgUnitFactory(institution=world.other_institution, kind="school_committee", name="外校关工委")
    WorkPlatformFactory(owner=foreign, level="school", name="外校平台")
    response = client_for(staff).get(reverse("tracker:platform-list"))
    totals = [value for value in response.context["totals"] if value.institution == world.institution]
    assert [(t.school_active, t.college_active, t.recognised_higher, t.school_brands) for t in totals] == [
        (5, 1, 1, 1)
    ]
    html = html_of(response)
    assert '<dd class="total">5</dd>' in html and "外校平台" not in html and "已结束的品牌" in html


def test_list_filters_by_level_owner_and_brand(world, staff):
    school_platform(world, name="校级十佳", brand="school")
    school_platform(world, name="校级普通")
    WorkPlatformFactory(owner=world.college, name="机电学院平台")
    WorkPlatformFactory(owner=world.other_college, name="化工学院平台")
    client = client_for(staff)
    url = reverse("tracker:platform-list")
    college_level = html_of(client.get(url, {"level": "college"}))
    assert "机电学院平台" in college_level and "化工学院平台" in college_level and "校级普通" not in college_level
    by_owner = html_of(client.get(url, {"owner": world.college.pk}))
    assert "机电学院平台" in by_owner and "化工学院平台" not in by_owner
    by_brand = html_of(client.get(url, {"brand": "school"}))
    assert "校级十佳" in by_brand and "校级普通" not in by_brand


def test_unknown_filter_is_reported_and_everything_shown(world, staff):
    WorkPlatformFactory(owner=world.college, name="机电学院平台")
    html = html_of(client_for(staff).get(reverse("tracker:platform-list"), {"owner": 99999}))
    assert _("A filter was not understood, so every platform is shown.") in html and "机电学院平台" in html


def test_other_institution_sees_none_of_these_platforms(world, other_staff):
    WorkPlatformFactory(owner=world.college, name="机电学院平台")
    html = html_of(client_for(other_staff).get(reverse("tracker:platform-list")))
    assert "机电学院平台" not in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_query_count_is_the_same_at_2_and_40_colleges(world, staff):
    # session, user, profile, platforms (+owner, host, co-leader, volunteer count), institutions, may-create check
    client = client_for(staff)
    url = reverse("tracker:platform-list")
    WorkPlatformFactory(owner=world.college, volunteer_leader=VolunteerFactory(unit=world.college))
    before = _queries(client, url)
    committee = committee_of(world)
    for n in range(38):
        college = OrgUnitFactory(institution=world.institution, kind="college", name=f"新学院{n}", parent=committee)
        host = OrgUnitFactory(institution=world.institution, kind="member_unit", name=f"委员单位{n}")
        for m in range(2):
            platform = WorkPlatformFactory(owner=college, host=host, volunteer_leader=VolunteerFactory(unit=college))
            platform.volunteers.set([VolunteerFactory(unit=college) for _ in range(m + 1)])
    assert _queries(client, url) == before
    assert before <= 7


# --- The detail page ---------------------------------------------------------------------------


def test_detail_names_only_people_the_reader_may_see_and_counts_the_others(world, staff, secretary):
    platform = school_platform(world, name="成长导师平台", has_goals=True)
    platform.volunteers.set([VolunteerFactory(unit=world.college, name="本院老师"),
                             VolunteerFactory(unit=world.other_college, name="他院老师")])
    mine = html_of(client_for(secretary).get(platform.get_absolute_url()))
    assert "本院老师" in mine and "他院老师" not in mine
    assert ngettext("And %(counter)s volunteer from other units.", "And %(counter)s volunteers from other units.",
                    1) % {"counter": 1} in mine
    everyone = client_for(staff).get(platform.get_absolute_url())
    assert "他院老师" in html_of(everyone) and everyone.context["others"] == 0
    assert str(_("Has goals (有目标)")) in html_of(everyone)


def test_detail_lists_recent_entries_the_reader_may_see(world, secretary):
    platform = school_platform(world, name="关爱帮扶平台")
    ActivityFactory(unit=world.college, platform=platform, title="本院走访慰问")
    ActivityFactory(unit=world.other_college, platform=platform, title="他院走访慰问")
    html = html_of(client_for(secretary).get(platform.get_absolute_url()))
    assert "本院走访慰问" in html and "他院走访慰问" not in html


def test_platform_of_other_institution_is_404(world, other_staff):
    platform = WorkPlatformFactory(owner=world.college)
    assert client_for(other_staff).get(platform.get_absolute_url()).status_code == 404
    assert client_for(other_staff).get(reverse("tracker:platform-update", args=[platform.pk])).status_code == 404


# --- Creating ----------------------------------------------------------------------------------


def test_staff_creates_a_school_level_platform_with_volunteers(world, staff):
    volunteer = VolunteerFactory(unit=world.college, name="钱老师")
    data = platform_data(committee_of(world), name="校史文化传承平台", level="school", host=world.member_unit.pk,
                         volunteer_leader=volunteer.pk, volunteers=[volunteer.pk], brand="higher",
                         recognised_by="江苏省教育系统关工委", recognised_on="2022-05-01")
    response = client_for(staff).post(reverse("tracker:platform-create"), data)
    assert response.status_code == 302
    platform = WorkPlatform.objects.get(name="校史文化传承平台")
    assert response["Location"] == platform.get_absolute_url()
    assert (platform.institution, platform.host, platform.volunteer_leader) == (
        world.institution, world.member_unit, volunteer)
    assert list(platform.volunteers.all()) == [volunteer] and platform.checklist_score == 2
    assert platform.history.first().history_user == staff


def test_secretary_is_offered_only_her_college_and_her_people(world, secretary):
    VolunteerFactory(unit=world.college, name="本院老师")
    VolunteerFactory(unit=world.other_college, name="他院老师")
    response = client_for(secretary).get(reverse("tracker:platform-create"))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["owner"].queryset) == [world.college]
    html = html_of(response)
    assert "本院老师" in html and "他院老师" not in html and 'name="volunteers"' in html


def test_secretary_creates_her_colleges_platform(world, secretary):
    response = client_for(secretary).post(reverse("tracker:platform-create"), platform_data(world.college))
    assert response.status_code == 302
    assert WorkPlatform.objects.get().owner == world.college


def test_secretary_cannot_create_for_another_college_or_at_school_level(world, secretary):
    client = client_for(secretary)
    other = client.post(reverse("tracker:platform-create"), platform_data(world.other_college))
    assert other.status_code == 400 and "owner" in other.context["form"].errors
    school = client.post(reverse("tracker:platform-create"), platform_data(world.college, level="school"))
    assert school.status_code == 400
    assert _("A school-level platform belongs to the school committee.") in html_of(school)
    assert not WorkPlatform.objects.exists()


@pytest.mark.parametrize("persona", ["leader", "liaison"])
def test_who_keeps_no_owning_unit_cannot_create(world, request, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("tracker:platform-create")).status_code == 403
    assert client.post(reverse("tracker:platform-create"), platform_data(world.college)).status_code == 403
    assert not WorkPlatform.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"level": "college", "owner": "@committee"}, "owner", "A college-level platform belongs to a college."),
        ({"host": "@college"}, "host", None),  # not offered; the service's own rule is tested in test_work.py
        ({"brand": "higher"}, "recognised_by", "Name the body that recognised the brand."),
        ({"brand": "higher", "recognised_by": "省关工委"}, "recognised_on", "Give the date the brand was recognised."),
        ({"active_from": "2022-01-01", "active_to": "2021-12-31"}, "active_to",
         "The active period cannot end before it starts."),
        ({"name": ""}, "name", None),
    ],
)
def test_bad_platform_is_refused_with_a_message_and_nothing_stored(world, staff, fields, field, message):
    units = {"@committee": committee_of(world).pk, "@college": world.college.pk}
    data = platform_data(world.college)
    data.update({key: units.get(value, value) for key, value in fields.items()})
    response = client_for(staff).post(reverse("tracker:platform-create"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    html = html_of(response)
    assert _("Please correct the errors below. Nothing was saved.") in html
    if message:
        assert _(message) in html
    assert not WorkPlatform.objects.exists()


def test_host_of_another_institution_is_refused(world, admin_user):
    foreign_host = OrgUnitFactory(institution=world.other_institution, kind="member_unit", name="外校团委")
    data = platform_data(world.college, host=foreign_host.pk)
    response = client_for(admin_user).post(reverse("tracker:platform-create"), data)
    assert response.status_code == 400 and "host" in response.context["form"].errors
    assert not WorkPlatform.objects.exists()


def test_duplicate_name_in_the_institution_is_refused(world, staff):
    WorkPlatformFactory(owner=world.college, name="青蓝工程平台")
    response = client_for(staff).post(reverse("tracker:platform-create"), platform_data(world.college))
    assert response.status_code == 400 and WorkPlatform.objects.count() == 1


# --- Editing -----------------------------------------------------------------------------------


def test_secretary_edits_her_platform_and_people_she_cannot_see_stay(world, secretary):
    platform = WorkPlatformFactory(owner=world.college, name="旧名称")
    hidden = VolunteerFactory(unit=world.other_college, name="他院老师")
    platform.volunteers.set([hidden])
    mine = VolunteerFactory(unit=world.college)
    client = client_for(secretary)
    page = client.get(reverse("tracker:platform-update", args=[platform.pk]))
    assert page.status_code == 200 and "旧名称" in html_of(page) and "他院老师" not in html_of(page)
    response = client.post(reverse("tracker:platform-update", args=[platform.pk]),
                           platform_data(world.college, name="新名称", version=1, volunteers=[mine.pk]))
    assert response.status_code == 302
    platform.refresh_from_db()
    assert platform.name == "新名称" and platform.version == 2
    assert set(platform.volunteers.all()) == {hidden, mine}


def test_stale_edit_is_refused_and_keeps_what_the_user_typed(world, staff, secretary):
    platform = WorkPlatformFactory(owner=world.college, name="原名称")
    url = reverse("tracker:platform-update", args=[platform.pk])
    assert client_for(staff).post(url, platform_data(world.college, name="同事改的名称", version=1)).status_code == 302
    response = client_for(secretary).post(url, platform_data(world.college, name="我基于旧页面的名称", version=1))
    assert response.status_code == 409
    html = html_of(response)
    assert _("Someone else changed this platform after you opened it. Your input is kept below; "
             "look at their changes, then save again.") in html
    assert "我基于旧页面的名称" in html and 'name="version" value="2"' in html
    assert WorkPlatform.objects.get().name == "同事改的名称"
    assert response.context["stale_changes"][0].history_user == staff
    again = client_for(secretary).post(url, platform_data(world.college, name="我基于旧页面的名称", version=2))
    assert again.status_code == 302 and WorkPlatform.objects.get().name == "我基于旧页面的名称"


def test_secretary_cannot_edit_another_colleges_platform(world, other_secretary):
    platform = WorkPlatformFactory(owner=world.college, name="原名称")
    client = client_for(other_secretary)
    url = reverse("tracker:platform-update", args=[platform.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, platform_data(world.college, name="被改", version=1)).status_code == 403
    assert WorkPlatform.objects.get().name == "原名称"


def test_detail_offers_edit_only_to_those_who_may(world, secretary, other_secretary, leader):
    platform = WorkPlatformFactory(owner=world.college)
    edit = reverse("tracker:platform-update", args=[platform.pk])
    assert edit in html_of(client_for(secretary).get(platform.get_absolute_url()))
    assert edit not in html_of(client_for(other_secretary).get(platform.get_absolute_url()))
    assert edit not in html_of(client_for(leader).get(platform.get_absolute_url()))


def test_leader_reads_but_cannot_edit(world, leader):
    platform = school_platform(world, name="原名称")
    client = client_for(leader)
    assert client.get(platform.get_absolute_url()).status_code == 200
    url = reverse("tracker:platform-update", args=[platform.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, platform_data(committee_of(world), level="school", version=1)).status_code == 403
    assert WorkPlatform.objects.get().name == "原名称"


def test_liaison_edits_a_platform_his_unit_hosts(world, liaison):
    platform = school_platform(world, name="原名称", host=world.member_unit)
    data = platform_data(committee_of(world), level="school", host=world.member_unit.pk, name="团委改名", version=1)
    response = client_for(liaison).post(reverse("tracker:platform-update", args=[platform.pk]), data)
    assert response.status_code == 302 and WorkPlatform.objects.get().name == "团委改名"


def test_edit_without_the_loaded_version_is_refused(world, staff):
    platform = WorkPlatformFactory(owner=world.college, name="原名称")
    response = client_for(staff).post(reverse("tracker:platform-update", args=[platform.pk]),
                                      platform_data(world.college, name="新名称"))
    assert response.status_code == 400
    assert _("The page was incomplete: open it again from the list and retry.") in html_of(response)
    assert WorkPlatform.objects.get().name == "原名称"


def test_a_platform_co_leader_of_another_college_is_not_named_to_a_secretary(world, secretary, staff, leader):
    """Access rule (access.may_name_volunteer): a platform's volunteer co-leader is named only to those who may
    see that volunteer on the roster; a secretary of another college reads only that the co-leader is someone of
    another unit, as every other page counts other colleges' people instead of naming them."""
    other_leader = VolunteerFactory(institution=world.institution, unit=world.other_college, name="赵其他")
    own_leader = VolunteerFactory(institution=world.institution, unit=world.college, name="钱本院")
    theirs = WorkPlatformFactory(owner=world.other_college, name="化工成长平台", volunteer_leader=other_leader)
    ours = WorkPlatformFactory(owner=world.college, name="机电成长平台", volunteer_leader=own_leader)
    secretary_client = client_for(secretary)
    listing = html_of(secretary_client.get(reverse("tracker:platform-list")))
    detail = html_of(secretary_client.get(reverse("tracker:platform-detail", args=[theirs.pk])))
    for page in (listing, detail):
        assert "赵其他" not in page and _("A volunteer of another unit") in page
    assert "钱本院" in listing
    assert "钱本院" in html_of(secretary_client.get(reverse("tracker:platform-detail", args=[ours.pk])))
    for reader in (staff, leader):
        assert "赵其他" in html_of(client_for(reader).get(reverse("tracker:platform-detail", args=[theirs.pk])))
