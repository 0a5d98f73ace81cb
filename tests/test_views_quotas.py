"""The quota pages through the test client: values, statuses, drill-down links, values entered by hand, and
query counts that do not grow with the number of colleges."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from tracker.org.models import EvidenceFile, OrgUnit
from tracker.quotas.metrics import METRICS
from tracker.quotas.models import Quota, QuotaEntry
from tracker.work.models.menus import MenuMatch
from tracker.work.models.platforms import Activity, WorkPlatform

from .conftest import client_for
from .factories import (
    PDF_BYTES,
    ActivityFactory,
    MenuMatchFactory,
    OrgUnitFactory,
    QuotaEntryFactory,
    QuotaFactory,
    VolunteerFactory,
    WorkPlatformFactory,
    college,
    pdf_upload,
)

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().replace(month=1, day=1)


def zh(message: str, **values) -> str:
    """A message as the page shows it (Chinese, whether or not the catalogue has it yet)."""
    with translation.override("zh-hans"):
        text = _(message)
    return text % values if values else text


def link(name: str, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return escape(f"{reverse(name)}?{query}")


def participation(world, **kwargs):
    return QuotaFactory(institution=world.institution, plan=world.plan, name="二级关工委有条件老同志参与率",
                        **kwargs)


def rules(world):
    return QuotaFactory(institution=world.institution, name="二级关工委工作制度健全", metric="manual",
                        comparator="eq", target=1)


def roster(unit, eligible: int, participating: int, backbone: int = 0) -> None:
    for n in range(eligible):
        VolunteerFactory(unit=unit, participating=n < participating, backbone=n < backbone)


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- The list ---------------------------------------------------------------------------------------


def test_list_shows_target_value_status_deadline_and_source(world, staff):
    roster(world.college, eligible=5, participating=3)
    roster(world.other_college, eligible=4, participating=1)
    quota = participation(world, deadline=dt.date(2020, 9, 30))
    platforms = QuotaFactory(institution=world.institution, name="校级工作平台", metric="school_platforms",
                             scope="institution", target=10, source_clause="二.4")
    committee = OrgUnit.objects.get(institution=world.institution, kind="school_committee")
    for _n in range(8):
        WorkPlatformFactory(owner=committee, level=WorkPlatform.Level.SCHOOL)
    html = get(client_for(staff), reverse("tracker:quota-list"))
    assert quota.name in html and platforms.name in html
    assert zh("%(met)s of %(total)s colleges met", met=1, total=2) in html
    row = html[html.index(f'id="quota-{platforms.pk}"'):]
    assert "≥ 10" in row and ">8" in row and "badge--at_risk" in row[:row.index("</tr>")]
    row = html[html.index(f'id="quota-{quota.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "badge--not_met" in row and "2020-09-30" in row and "badge--overdue" in row
    assert "苏州大学《推进关工委优质化建设工作的具体安排》 二.3" in row


def test_list_shows_only_the_users_institution(world, staff, admin_user):
    mine = participation(world)
    theirs = QuotaFactory(institution=world.other_institution, name="苏大校级工作平台", metric="school_platforms",
                          scope="institution", target=10)
    html = get(client_for(staff), reverse("tracker:quota-list"))
    assert mine.name in html and theirs.name not in html
    html = get(client_for(admin_user), reverse("tracker:quota-list"))
    assert mine.name in html and theirs.name in html and "苏州大学" in html


def test_list_without_quotas_says_what_to_do(world, staff):
    html = get(client_for(staff), reverse("tracker:quota-list"))
    assert "seed_plans" in html


# --- The detail: a row per college with the records behind the number --------------------------------


def test_detail_has_a_row_per_college_with_fraction_status_and_roster_link(world, leader):
    roster(world.college, eligible=5, participating=3)
    roster(world.other_college, eligible=0, participating=0)
    VolunteerFactory(unit=world.other_college, eligible=False)
    quota = participation(world)
    html = get(client_for(leader), quota.get_absolute_url())
    mine = html[html.index(f'id="unit-{world.college.pk}"'):]
    mine = mine[:mine.index("</tr>")]
    assert "60" in mine and "3 / 5" in mine and "badge--met" in mine
    assert link("tracker:volunteer-list", unit=world.college.pk) in mine
    empty = html[html.index(f'id="unit-{world.other_college.pk}"'):]
    empty = empty[:empty.index("</tr>")]
    assert "badge--no_data" in empty and zh("No data") in empty and "0 / 0" in empty
    assert zh("%(met)s of %(total)s colleges met", met=1, total=2) in html


@pytest.mark.parametrize(
    ("metric", "records"),
    [
        ("college_platforms", lambda unit: link("tracker:platform-list", owner=unit.pk)),
        ("party_reports_this_year", lambda unit: link(
            "tracker:activity-list", unit=unit.pk, kind="party_report", date_from=f"{THIS_YEAR.year}-01-01",
            date_to=f"{THIS_YEAR.year}-12-31",
        )),
        ("menus_matched", lambda unit: link("tracker:menu-board", unit=unit.pk)),
        ("backbone_rate", lambda unit: link("tracker:volunteer-list", unit=unit.pk)),
    ],
)
def test_each_college_row_links_to_the_records_behind_its_number(world, staff, metric, records):
    quota = QuotaFactory(institution=world.institution, metric=metric, target=1)
    html = get(client_for(staff), quota.get_absolute_url())
    for unit in (world.college, world.other_college):
        assert records(unit) in html


def test_drill_down_pages_exist_and_list_the_records_counted(world, staff):
    """The links lead somewhere real: each list page answers and shows the college's record."""
    report = Activity.Kind.PARTY_REPORT
    ActivityFactory(unit=world.college, date=THIS_YEAR, kind=report, title="学院党委听取关工委工作汇报（本年）")
    WorkPlatformFactory(owner=world.college, name="机电学院成长导师工作室")
    person = VolunteerFactory(unit=world.college, name="钱学林")
    client = client_for(staff)
    last_year = THIS_YEAR.replace(year=THIS_YEAR.year - 1)
    ActivityFactory(unit=world.college, date=last_year, kind=report, title="去年的汇报")
    year = THIS_YEAR.year
    ledger = get(client, f"{reverse('tracker:activity-list')}?unit={world.college.pk}&kind=party_report"
                         f"&date_from={year}-01-01&date_to={year}-12-31")
    assert "学院党委听取关工委工作汇报（本年）" in ledger and "去年的汇报" not in ledger
    assert "机电学院成长导师工作室" in get(client, f"{reverse('tracker:platform-list')}?owner={world.college.pk}")
    assert person.name in get(client, f"{reverse('tracker:volunteer-list')}?unit={world.college.pk}")


def test_menus_row_names_what_is_missing(world, staff):
    MenuMatchFactory(need__unit=world.college, status=MenuMatch.Status.AGREED)
    quota = QuotaFactory(institution=world.institution, metric="menus_matched", comparator="eq", target=1)
    html = get(client_for(staff), quota.get_absolute_url())
    row = html[html.index(f'id="unit-{world.college.pk}"'):]
    row = row[:row.index("</tr>")]
    assert zh("No") in row and "badge--not_met" in row
    assert f"{zh('matches delivered')} 0" in row and f"{zh('needs on the menu')} 1" in row


def test_institution_quota_shows_value_and_records_link(world, staff):
    party = OrgUnitFactory(institution=world.institution, kind=OrgUnit.Kind.PARTY_COMMITTEE, name="学校党委")
    ActivityFactory(unit=party, date=THIS_YEAR, kind=Activity.Kind.PARTY_REPORT)
    ActivityFactory(unit=party, date=THIS_YEAR - dt.timedelta(days=1), kind=Activity.Kind.PARTY_REPORT)  # last year
    quota = QuotaFactory(institution=world.institution, metric="party_reports_this_year", scope="institution",
                         target=1, name="学校党委听取关工委工作汇报（每年）")
    html = get(client_for(staff), quota.get_absolute_url())
    assert 'class="value">1' in html and "badge--met" in html
    assert link("tracker:activity-list", kind="party_report", date_from=f"{THIS_YEAR.year}-01-01",
                date_to=f"{THIS_YEAR.year}-12-31") in html


def test_quota_of_another_institution_is_404(world, staff):
    theirs = QuotaFactory(institution=world.other_institution)
    client = client_for(staff)
    assert client.get(theirs.get_absolute_url()).status_code == 404
    response = client.post(reverse("tracker:quota-entry-create", args=[theirs.pk]), {"value": "1"})
    assert response.status_code == 404


# --- Values entered by hand ---------------------------------------------------------------------------


def post_entry(client, quota, **fields):
    data = {"unit": fields.pop("unit", None), "value": "1", "note": "已印发《机电工程学院关工委工作制度》。",
            "evidence": pdf_upload("机电学院关工委工作制度.pdf")}
    data.update(fields)
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(reverse("tracker:quota-entry-create", args=[quota.pk]), data)


def test_staff_enters_a_value_with_evidence_and_sees_who_entered_it(world, staff, other_staff):
    quota = rules(world)
    client = client_for(staff)
    response = post_entry(client, quota, unit=world.college.pk)
    assert response.status_code == 302
    entry = QuotaEntry.objects.get()
    assert (entry.unit, entry.value, entry.entered_by) == (world.college, Decimal(1), staff)
    assert entry.evidence.original_name == "机电学院关工委工作制度.pdf" and entry.evidence.uploaded_by == staff
    html = get(client, response["Location"])
    assert staff.first_name in html and "机电学院关工委工作制度.pdf" in html
    row = html[html.index(f'id="unit-{world.college.pk}"'):]
    assert "badge--met" in row[:row.index("</tr>")]
    assert client.get(entry.evidence.get_absolute_url()).status_code == 200
    assert client_for(other_staff).get(entry.evidence.get_absolute_url()).status_code == 404


def test_latest_entry_counts_and_history_keeps_every_entry(world, staff):
    quota = rules(world)
    client = client_for(staff)
    post_entry(client, quota, unit=world.college.pk, value="1", note="第一次录入")
    post_entry(client, quota, unit=world.college.pk, value="0", note="制度废止，重新修订中")
    html = get(client, quota.get_absolute_url())
    row = html[html.index(f'id="unit-{world.college.pk}"'):]
    assert "badge--not_met" in row[:row.index("</tr>")]
    assert "第一次录入" in html and "制度废止，重新修订中" in html


def test_institution_manual_quota_takes_a_number(world, staff):
    quota = QuotaFactory(institution=world.institution, metric="manual", scope="institution", target=5,
                         name="校外辅导站")
    response = post_entry(client_for(staff), quota, value="6.5")
    assert response.status_code == 302
    assert QuotaEntry.objects.get().unit is None and QuotaEntry.objects.get().value == Decimal("6.5")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"evidence": None}, "This field is required."),
        ({"evidence": SimpleUploadedFile("伪装.pdf", b"MZ\x90\x00binary")}, None),
        ({"evidence": SimpleUploadedFile("宏.exe", b"MZ\x90\x00")}, None),
        ({"value": "2"}, None),  # a yes/no quota takes 1 or 0
        ({"unit": None}, "This field is required."),
    ],
)
def test_bad_entry_gets_a_message_and_stores_nothing(world, staff, fields, message):
    fields.setdefault("unit", world.college.pk)
    response = post_entry(client_for(staff), rules(world), **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert zh("Please correct the errors below. Nothing was saved.") in html
    if message:
        assert zh(message) in html
    assert QuotaEntry.objects.count() == 0 and EvidenceFile.objects.count() == 0


@pytest.mark.parametrize("value", ["-1", "abc", "1234567890"])
def test_number_out_of_range_or_not_a_number_is_refused(world, staff, value):
    quota = QuotaFactory(institution=world.institution, metric="manual", scope="institution", target=5)
    response = post_entry(client_for(staff), quota, value=value)
    assert response.status_code == 400 and QuotaEntry.objects.count() == 0
    assert 'class="error"' in response.content.decode()


def test_oversized_evidence_is_refused(world, staff, settings):
    settings.EVIDENCE_MAX_BYTES = 50
    response = post_entry(client_for(staff), rules(world), unit=world.college.pk,
                          evidence=SimpleUploadedFile("大.pdf", PDF_BYTES + b"0" * 100))
    assert response.status_code == 400 and QuotaEntry.objects.count() == 0


def test_computed_quota_takes_no_value_by_hand(world, staff):
    quota = participation(world)
    client = client_for(staff)
    assert 'name="evidence"' not in get(client, quota.get_absolute_url())
    response = post_entry(client, quota, unit=world.college.pk)
    assert response.status_code == 400
    message = zh("This quota is computed from the portal's records; it takes no value by hand.")
    assert escape(message) in response.content.decode()
    assert QuotaEntry.objects.count() == 0


def test_secretary_enters_for_her_college_only(world, secretary):
    quota = rules(world)
    client = client_for(secretary)
    html = get(client, quota.get_absolute_url())
    assert f'<option value="{world.college.pk}"' in html and f'<option value="{world.other_college.pk}"' not in html
    assert post_entry(client, quota, unit=world.other_college.pk).status_code == 400
    assert post_entry(client, quota, unit=world.college.pk).status_code == 302
    assert QuotaEntry.objects.get().unit == world.college


def test_leader_and_liaison_see_values_but_no_form(world, leader, liaison):
    quota = rules(world)
    QuotaEntryFactory(quota=quota, unit=world.college)
    for person in (leader, liaison):
        client = client_for(person)
        html = get(client, quota.get_absolute_url())
        assert "学院关工委工作制度汇编.pdf" in html and 'name="evidence"' not in html
        assert post_entry(client, quota, unit=world.college.pk).status_code == 403
    assert QuotaEntry.objects.count() == 1


# --- Query counts -----------------------------------------------------------------------------------


def _every_metric(world) -> list[Quota]:
    quotas = []
    for key, metric in sorted(METRICS.items()):
        scope = Quota.Scope.EACH_COLLEGE if metric.per_college else Quota.Scope.INSTITUTION
        quotas.append(QuotaFactory(institution=world.institution, metric=key, scope=scope, target=1))
    quotas.append(QuotaFactory(institution=world.institution, metric="party_reports_this_year",
                               scope="institution", target=1))
    return quotas


def _fill(unit: OrgUnit, quotas: list[Quota]) -> None:
    """Records of every kind for one college, so each metric has something to count."""
    VolunteerFactory(unit=unit, participating=True, backbone=True)
    VolunteerFactory(unit=unit)
    WorkPlatformFactory(owner=unit)
    ActivityFactory(unit=unit, date=THIS_YEAR, kind=Activity.Kind.PARTY_REPORT)
    ActivityFactory(unit=unit, date=THIS_YEAR, kind=Activity.Kind.TRAINING)
    MenuMatchFactory(need__unit=unit, status=MenuMatch.Status.DELIVERED)
    for quota in quotas:
        if quota.metric == "manual":
            QuotaEntryFactory(quota=quota, unit=unit)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_quota_list_query_count_is_the_same_at_2_and_40_colleges(world, staff):
    # session, user, profile, quotas(+plan, institution), colleges, then one query per metric (menus: three)
    # and one for each hand-entered quota: none of them per college.
    quotas = _every_metric(world)
    for unit in (world.college, world.other_college):
        _fill(unit, quotas)
    client = client_for(staff)
    url = reverse("tracker:quota-list")
    before = _queries(client, url)
    for n in range(38):
        _fill(college(world.institution, f"新增学院{n}", order=10 + n), quotas)
    assert OrgUnit.objects.filter(institution=world.institution, kind="college").count() == 40
    assert _queries(client, url) == before
    assert before <= 6 + len(METRICS) + 2


@pytest.mark.parametrize("metric", ["participation_rate", "menus_matched", "manual", "party_reports_this_year"])
def test_quota_detail_query_count_is_the_same_at_2_and_40_colleges(world, staff, metric):
    # session, user, profile, quota(+plan, institution), colleges, the metric (menus: three), and for a
    # hand-entered quota its values (+unit, who, evidence) and the metric's read of them.
    quotas = [QuotaFactory(institution=world.institution, metric=metric, target=1)]
    for unit in (world.college, world.other_college):
        _fill(unit, quotas)
    client = client_for(staff)
    url = quotas[0].get_absolute_url()
    before = _queries(client, url)
    for n in range(38):
        _fill(college(world.institution, f"新增学院{n}", order=10 + n), quotas)
    assert _queries(client, url) == before
    assert before <= 10
