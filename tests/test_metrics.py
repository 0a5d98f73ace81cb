"""The metrics registry: each metric against a count made another way, the status rule, and flat query counts."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker.org.models import OrgUnit
from tracker.quotas import metrics
from tracker.quotas.metrics import METRICS, QuotaStatus, overall_status, quota_status
from tracker.quotas.models import Quota
from tracker.roster.models import Volunteer
from tracker.work.models.menus import MenuMatch
from tracker.work.models.platforms import Activity, WorkPlatform

from .factories import (
    ActivityFactory,
    InstitutionFactory,
    MenuMatchFactory,
    OrgUnitFactory,
    QuotaEntryFactory,
    QuotaFactory,
    VolunteerFactory,
    WorkPlatformFactory,
    college,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2021, 6, 30)
LAST_YEAR = dt.date(2020, 12, 31)


@dataclass
class Small:
    institution: object
    party: OrgUnit
    committee: OrgUnit
    member_unit: OrgUnit
    mining: OrgUnit
    chemistry: OrgUnit
    empty: OrgUnit
    colleges: list


@pytest.fixture
def small(db) -> Small:
    institution = InstitutionFactory(name="中国矿业大学", code="cumt")
    party = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.PARTY_COMMITTEE, name="学校党委")
    committee = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.SCHOOL_COMMITTEE, name="校关工委")
    member_unit = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.MEMBER_UNIT, name="离退休工作处")
    mining = college(institution, "矿业工程学院", order=1)
    chemistry = college(institution, "化工学院", order=2)
    empty = college(institution, "马克思主义学院", order=3)
    return Small(institution, party, committee, member_unit, mining, chemistry, empty, [mining, chemistry, empty])


def compute(key, small, quota=None):
    return METRICS[key].compute(small.institution, small.colleges, TODAY, quota)


def value(readings, key):
    return readings[key].value


# --- Roster ---------------------------------------------------------------------------------------


def _roster(small):
    v = VolunteerFactory
    # 矿业工程学院: 5 eligible and active (3 participating, 1 of them backbone), 1 not eligible,
    # 1 participating backbone who left last year, 1 participating who starts next year.
    v(unit=small.mining, participating=True, backbone=True)
    v(unit=small.mining, participating=True, active_from=dt.date(2019, 1, 1), active_to=TODAY)
    v(unit=small.mining, participating=True, active_from=TODAY)
    v(unit=small.mining)
    v(unit=small.mining)
    v(unit=small.mining, eligible=False)
    v(unit=small.mining, participating=True, backbone=True, active_to=LAST_YEAR)
    v(unit=small.mining, participating=True, active_from=dt.date(2022, 1, 1))
    # 化工学院: 4 eligible, nobody participating yet.
    for _ in range(4):
        v(unit=small.chemistry)
    # Not counted for any college: a member unit's volunteer, and another institution's college.
    v(unit=small.member_unit, participating=True)
    v(unit=college(InstitutionFactory(code="suda"), "文学院"), participating=True)


def _count_by_hand(unit, numerator, denominator):
    """The same rate counted volunteer by volunteer in Python, from the roster rows."""
    people = [p for p in Volunteer.objects.filter(unit=unit) if p.is_active_on(TODAY)]
    top = sum(1 for p in people if getattr(p, numerator))
    bottom = sum(1 for p in people if getattr(p, denominator))
    return top, bottom


def test_participation_rate_is_participating_over_eligible_active_volunteers(small):
    _roster(small)
    readings = compute("participation_rate", small)
    assert (readings[small.mining.pk].numerator, readings[small.mining.pk].denominator) == (3, 5)
    assert value(readings, small.mining.pk) == Decimal(60)
    for unit in (small.mining, small.chemistry):
        top, bottom = _count_by_hand(unit, "participating", "eligible")
        assert (readings[unit.pk].numerator, readings[unit.pk].denominator) == (top, bottom)
    assert value(readings, small.chemistry.pk) == 0
    assert (readings[None].numerator, readings[None].denominator) == (3, 9)


def test_participation_rate_of_college_without_eligible_volunteers_is_no_data(small):
    _roster(small)
    VolunteerFactory(unit=small.empty, eligible=False)
    reading = compute("participation_rate", small)[small.empty.pk]
    assert reading.value is None and reading.denominator == 0
    assert quota_status(reading.value, "gte", Decimal(60)) == QuotaStatus.NO_DATA


def test_backbone_rate_is_backbone_among_participating(small):
    _roster(small)
    readings = compute("backbone_rate", small)
    top, bottom = _count_by_hand(small.mining, "backbone", "participating")
    assert (readings[small.mining.pk].numerator, readings[small.mining.pk].denominator) == (top, bottom) == (1, 3)
    assert round(value(readings, small.mining.pk), 2) == Decimal("33.33")
    assert value(readings, small.chemistry.pk) is None  # nobody participating: no data, not 0 %


def test_rate_readings_link_to_the_colleges_roster(small):
    readings = compute("participation_rate", small)
    assert readings[small.mining.pk].records == ("tracker:volunteer-list", {"unit": small.mining.pk})


# --- Platforms ------------------------------------------------------------------------------------


def _platforms(small):
    p = WorkPlatformFactory
    school = WorkPlatform.Level.SCHOOL
    p(owner=small.committee, level=school, brand=WorkPlatform.Brand.HIGHER)
    p(owner=small.committee, level=school, brand=WorkPlatform.Brand.SCHOOL)
    p(owner=small.committee, level=school, brand=WorkPlatform.Brand.SCHOOL, active_to=LAST_YEAR)  # ended
    p(owner=small.committee, level=school, active_from=dt.date(2022, 1, 1))  # not started
    p(owner=small.mining, brand=WorkPlatform.Brand.HIGHER)
    p(owner=small.mining, brand=WorkPlatform.Brand.SCHOOL)
    p(owner=small.mining, active_to=LAST_YEAR)
    p(owner=small.chemistry)
    other = InstitutionFactory(code="suda")
    p(owner=OrgUnitFactory(institution=other, kind=OrgUnit.Kind.SCHOOL_COMMITTEE), level=school,
      brand=WorkPlatform.Brand.HIGHER)


def _active(**filters):
    return sum(1 for p in WorkPlatform.objects.filter(**filters) if p.is_active_on(TODAY))


def test_platform_metrics_count_active_platforms_of_the_institution(small):
    _platforms(small)
    mine = {"institution": small.institution}
    assert value(compute("school_platforms", small), None) == _active(level="school", **mine) == 2
    assert value(compute("recognised_brands", small), None) == _active(brand="higher", **mine) == 2
    assert value(compute("school_brands", small), None) == _active(brand="school", **mine) == 2
    per_college = compute("college_platforms", small)
    assert value(per_college, small.mining.pk) == _active(level="college", owner=small.mining) == 2
    assert value(per_college, small.chemistry.pk) == 1
    assert value(per_college, small.empty.pk) == 0
    assert per_college[small.mining.pk].records == ("tracker:platform-list", {"owner": small.mining.pk})


# --- Ledger ---------------------------------------------------------------------------------------


def _ledger(small):
    a = partial(ActivityFactory, kind=Activity.Kind.PARTY_REPORT)  # a party report unless the row says otherwise
    a(unit=small.party, date=dt.date(2021, 3, 1))
    a(unit=small.committee, date=dt.date(2021, 12, 31))
    a(unit=small.party, date=LAST_YEAR)  # last year
    a(unit=small.mining, date=dt.date(2021, 1, 1))
    a(unit=small.mining, date=dt.date(2021, 5, 1))
    a(unit=small.mining, date=dt.date(2021, 5, 2), kind=Activity.Kind.MEETING)  # another kind
    a(unit=small.member_unit, date=dt.date(2021, 5, 2))  # neither the school nor a college
    a(unit=small.committee, date=dt.date(2021, 10, 20), kind=Activity.Kind.TRAINING)
    a(unit=small.committee, date=dt.date(2020, 10, 20), kind=Activity.Kind.TRAINING)
    a(unit=small.mining, date=dt.date(2021, 10, 20), kind=Activity.Kind.TRAINING)  # a college's own course


def _entries(kind, units, year=TODAY.year):
    return Activity.objects.filter(kind=kind, unit__in=units, date__gte=dt.date(year, 1, 1),
                                   date__lte=dt.date(year, 12, 31)).count()


def test_party_reports_this_year_for_the_institution_and_each_college(small):
    _ledger(small)
    readings = compute("party_reports_this_year", small)
    assert value(readings, None) == _entries("party_report", [small.party, small.committee]) == 2
    assert value(readings, small.mining.pk) == _entries("party_report", [small.mining]) == 2
    assert value(readings, small.chemistry.pk) == 0
    assert readings[small.mining.pk].records == (
        "tracker:activity-list",
        {"unit": small.mining.pk, "kind": "party_report", "date_from": "2021-01-01", "date_to": "2021-12-31"},
    )


def test_training_courses_this_year_count_the_school_committees_courses(small):
    _ledger(small)
    readings = compute("training_courses_this_year", small)
    assert value(readings, None) == _entries("training", [small.committee]) == 1
    assert readings[None].records[1]["unit"] == small.committee.pk


# --- Double menus ---------------------------------------------------------------------------------


def test_menus_matched_needs_both_menus_and_a_delivered_match(small):
    delivered = MenuMatch.Status.DELIVERED
    # 矿业工程学院: a need, a resource of its own volunteer, a delivered match: 1.
    MenuMatchFactory(need__unit=small.mining, status=delivered)
    # 化工学院: both menus but the match is only agreed: 0.
    MenuMatchFactory(need__unit=small.chemistry, status=MenuMatch.Status.AGREED)
    # 马克思主义学院: a delivered match on its need, but the offer is a 矿业 volunteer's and it has none: 0.
    MenuMatchFactory(need__unit=small.empty, resource__volunteer__unit=small.mining, status=delivered)
    readings = compute("menus_matched", small)
    assert [value(readings, c.pk) for c in small.colleges] == [1, 0, 0]
    assert [count for _label, count in readings[small.empty.pk].parts] == [1, 0, 1]
    assert None not in readings


def test_menus_matched_ignores_items_taken_off_the_menu(small):
    match = MenuMatchFactory(need__unit=small.mining, status=MenuMatch.Status.DELIVERED)
    assert value(compute("menus_matched", small), small.mining.pk) == 1
    match.need.active = False
    match.need.save()
    assert value(compute("menus_matched", small), small.mining.pk) == 0


# --- Values entered by hand -----------------------------------------------------------------------


def test_manual_metric_takes_the_latest_entry_per_college(small):
    quota = QuotaFactory(institution=small.institution, metric="manual", comparator="eq", target=1)
    QuotaEntryFactory(quota=quota, unit=small.mining, value=0)
    QuotaEntryFactory(quota=quota, unit=small.mining, value=1)
    QuotaEntryFactory(quota=quota, unit=small.chemistry, value=0)
    QuotaEntryFactory(unit=small.empty, value=1)  # another quota's value
    readings = compute("manual", small, quota)
    assert [value(readings, c.pk) for c in small.colleges] == [1, 0, None]


def test_manual_metric_for_the_institution(small):
    quota = QuotaFactory(institution=small.institution, metric="manual", scope=Quota.Scope.INSTITUTION)
    assert value(compute("manual", small, quota), None) is None
    QuotaEntryFactory(quota=quota, value=Decimal("12.5"))
    assert value(compute("manual", small, quota), None) == Decimal("12.5")


# --- Status rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "comparator", "target", "expected"),
    [
        (Decimal(60), "gte", Decimal(60), QuotaStatus.MET),
        (Decimal("59.99"), "gte", Decimal(60), QuotaStatus.AT_RISK),
        (Decimal(48), "gte", Decimal(60), QuotaStatus.AT_RISK),
        (Decimal("47.99"), "gte", Decimal(60), QuotaStatus.NOT_MET),
        (Decimal(8), "gte", Decimal(10), QuotaStatus.AT_RISK),
        (Decimal(7), "gte", Decimal(10), QuotaStatus.NOT_MET),
        (Decimal(0), "gte", Decimal(0), QuotaStatus.MET),
        (None, "gte", Decimal(60), QuotaStatus.NO_DATA),
        (Decimal(10), "lte", Decimal(10), QuotaStatus.MET),
        (Decimal("12.5"), "lte", Decimal(10), QuotaStatus.AT_RISK),
        (Decimal("12.6"), "lte", Decimal(10), QuotaStatus.NOT_MET),
        (Decimal(1), "eq", Decimal(1), QuotaStatus.MET),
        (Decimal(0), "eq", Decimal(1), QuotaStatus.NOT_MET),
        (None, "eq", Decimal(1), QuotaStatus.NO_DATA),
    ],
)
def test_quota_status_boundaries(value, comparator, target, expected):
    assert quota_status(value, comparator, target) == expected


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], QuotaStatus.NO_DATA),
        ([QuotaStatus.NO_DATA, QuotaStatus.NO_DATA], QuotaStatus.NO_DATA),
        ([QuotaStatus.MET, QuotaStatus.MET], QuotaStatus.MET),
        ([QuotaStatus.MET, QuotaStatus.NOT_MET, QuotaStatus.AT_RISK], QuotaStatus.NOT_MET),
        ([QuotaStatus.MET, QuotaStatus.AT_RISK], QuotaStatus.AT_RISK),
        ([QuotaStatus.MET, QuotaStatus.NO_DATA], QuotaStatus.AT_RISK),
    ],
)
def test_overall_status_of_a_per_college_quota(statuses, expected):
    assert overall_status(statuses) == expected


# --- Evaluation and query counts ------------------------------------------------------------------


def test_evaluate_marks_per_college_rows_and_overdue_deadlines(small):
    _roster(small)
    quota = QuotaFactory(institution=small.institution, deadline=dt.date(2020, 9, 30))
    (result,) = metrics.evaluate([quota], {small.institution.pk: small.colleges}, TODAY)
    assert [row.status for row in result.rows] == [QuotaStatus.MET, QuotaStatus.NOT_MET, QuotaStatus.NO_DATA]
    assert result.colleges_met == 1 and result.status == QuotaStatus.NOT_MET and result.overdue


def test_evaluate_shows_no_data_for_an_unknown_metric(small):
    quota = QuotaFactory(institution=small.institution, metric="no_such_metric")
    (result,) = metrics.evaluate([quota], {}, TODAY)
    assert result.status == QuotaStatus.NO_DATA and result.metric is None


def _add_colleges(small, count):
    for n in range(count):
        unit = college(small.institution, f"新增学院{n}", order=10 + n)
        small.colleges.append(unit)
        VolunteerFactory(unit=unit, participating=True)
        WorkPlatformFactory(owner=unit)
        ActivityFactory(unit=unit, date=dt.date(2021, 2, 1), kind=Activity.Kind.PARTY_REPORT)
        MenuMatchFactory(need__unit=unit, status=MenuMatch.Status.DELIVERED)


def _queries(callable_):
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


@pytest.mark.parametrize("key", sorted(METRICS))
def test_each_metric_runs_the_same_number_of_queries_at_2_and_40_colleges(small, key):
    quota = QuotaFactory(institution=small.institution, metric=key)
    del small.colleges[2:]
    before = _queries(lambda: compute(key, small, quota))
    _add_colleges(small, 38)
    assert len(small.colleges) == 40
    assert _queries(lambda: compute(key, small, quota)) == before
    assert before <= 3  # menus_matched: needs, resources, deliveries; every other metric: one


def test_a_metric_shared_by_two_quotas_is_computed_once(small):
    quotas = [
        QuotaFactory(institution=small.institution, metric="party_reports_this_year", scope="institution", target=1),
        QuotaFactory(institution=small.institution, metric="party_reports_this_year", target=1),
    ]
    colleges = {small.institution.pk: small.colleges}
    assert _queries(lambda: metrics.evaluate(quotas, colleges, TODAY)) == 1
