"""The quotas' metrics: functions over live data (roster, platforms, ledger, menus) and the met / at-risk rule.

Each metric answers for the whole institution, for every college of it, or both, in a constant number of
queries whatever the number of colleges: it groups by unit in the database (`values("unit").annotate(...)`)
instead of asking once per college. That keeps the quota pages as fast at 40 colleges as at 2.

A metric's `compute(institution, colleges, today, quota)` returns a `Reading` per key: a college's id, or
None for the whole institution. `quota` is the quota being evaluated; only metrics whose values belong to
one quota (values entered by hand) use it.

Several metrics read the same grouped counts (participation and backbone rates the roster's; the platform and
brand counts the platforms'; the Party hearings and the training courses the ledger's). While `evaluate` runs,
each of those queries is asked once and shared (`_once`); a metric computed on its own asks it itself.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tracker.org.models import Institution, OrgUnit
from tracker.quotas.models import Quota, QuotaEntry
from tracker.roster.models import Volunteer
from tracker.work.models.menus import MenuMatch, NeedItem, ResourceItem
from tracker.work.models.platforms import Activity, WorkPlatform

PERCENT = "%"
ITEMS = pgettext_lazy("unit of measure", "items")
TIMES = pgettext_lazy("unit of measure", "times")


@dataclass(frozen=True)
class Reading:
    """One computed value. `value` None means no data (a rate over nobody), never zero.

    A rate carries its numerator and denominator so a page can show "18 / 25"; `parts` names the counts
    behind a yes/no; `records` is (URL name, query parameters) of the list that holds the records counted.
    """

    value: Decimal | None
    numerator: int | None = None
    denominator: int | None = None
    parts: tuple[tuple[str, int], ...] = ()
    records: tuple[str, dict[str, str | int]] | None = None

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None


Readings = dict[int | None, Reading]


@dataclass(frozen=True)
class Metric:
    """A named way to compute a quota's current value from live data."""

    label: str
    unit: str
    per_college: bool
    compute: Callable[[Institution, Sequence[OrgUnit], dt.date, Quota | None], Readings]
    # Whether the metric also has one value for the whole institution.
    institution: bool = True
    # A yes/no metric: 1 means yes, 0 means no.
    boolean: bool = False
    # Values typed in with evidence rather than computed.
    manual: bool = False

    def supports(self, scope: str) -> bool:
        """Whether a quota of this scope can use the metric."""
        if scope == Quota.Scope.EACH_COLLEGE:
            return self.per_college
        return self.institution


def _count(value: int) -> Reading:
    return Reading(Decimal(value))


def _rate(numerator: int, denominator: int, records: tuple | None = None) -> Reading:
    """A percentage, or no data when the denominator is zero."""
    if not denominator:
        return Reading(None, numerator, denominator, records=records)
    return Reading(Decimal(numerator) * 100 / Decimal(denominator), numerator, denominator, records=records)


def _ids(colleges: Sequence[OrgUnit]) -> list[int]:
    return [college.pk for college in colleges]


# Grouped counts shared by the metrics while `evaluate` runs (None: not inside `evaluate`, nothing is kept).
_shared: contextvars.ContextVar[dict | None] = contextvars.ContextVar("metrics_shared", default=None)


def _once(key: tuple, compute: Callable[[], object]):
    """`compute()`, asked once per `evaluate` for the same key."""
    memo = _shared.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


# --- Roster ----------------------------------------------------------------------------------------


def _roster_counts(institution: Institution, colleges: Sequence[OrgUnit], today: dt.date) -> dict[int, dict]:
    """Eligible, participating and backbone volunteers active today, per college: one grouped query (shared by
    the participation and backbone rates)."""
    ids = _ids(colleges)

    def query() -> dict[int, dict]:
        rows = (
            Volunteer.objects.active_on(today)
            .filter(institution=institution, unit__in=ids)
            .order_by()
            .values("unit")
            .annotate(
                eligible=Count("pk", filter=Q(eligible=True)),
                participating=Count("pk", filter=Q(participating=True)),
                backbone=Count("pk", filter=Q(backbone=True)),
            )
        )
        return {row["unit"]: row for row in rows}

    return _once(("roster", institution.pk, tuple(ids), today), query)


def _roster_rate(numerator: str, denominator: str) -> Callable:
    def compute(institution: Institution, colleges: Sequence[OrgUnit], today: dt.date,
                quota: Quota | None = None) -> Readings:
        counts = _roster_counts(institution, colleges, today)
        empty = {numerator: 0, denominator: 0}
        readings: Readings = {}
        for college in colleges:
            row = counts.get(college.pk, empty)
            readings[college.pk] = _rate(row[numerator], row[denominator],
                                         ("tracker:volunteer-list", {"unit": college.pk}))
        total_num = sum(row[numerator] for row in counts.values())
        total_den = sum(row[denominator] for row in counts.values())
        readings[None] = _rate(total_num, total_den, ("tracker:volunteer-list", {}))
        return readings

    return compute


# Participating ÷ eligible (有条件) among volunteers on the roster today. Participating implies eligible.
participation_rate = _roster_rate("participating", "eligible")
# Backbone ÷ participating: Soochow's "工作骨干参与人数比例" counts backbone volunteers among those taking part.
backbone_rate = _roster_rate("backbone", "participating")


# --- Platforms -------------------------------------------------------------------------------------


def _active_platforms(institution: Institution, today: dt.date) -> models.QuerySet[WorkPlatform]:
    return WorkPlatform.objects.filter(institution=institution).active_on(today)


def _platform_counts(institution: Institution, today: dt.date) -> list[tuple[str, str, int, int]]:
    """(level, brand, owner id, number) of the platforms active today: one grouped query (shared by the platform
    and brand metrics)."""
    def query() -> list[tuple[str, str, int, int]]:
        return list(
            _active_platforms(institution, today).order_by().values("level", "brand", "owner")
            .annotate(total=Count("pk")).values_list("level", "brand", "owner", "total")
        )

    return _once(("platforms", institution.pk, today), query)


def school_platforms(institution: Institution, colleges: Sequence[OrgUnit], today: dt.date,
                     quota: Quota | None = None) -> Readings:
    total = sum(n for level, _brand, _owner, n in _platform_counts(institution, today)
                if level == WorkPlatform.Level.SCHOOL)
    return {None: Reading(Decimal(total), records=("tracker:platform-list", {"level": WorkPlatform.Level.SCHOOL}))}


def college_platforms(institution: Institution, colleges: Sequence[OrgUnit], today: dt.date,
                      quota: Quota | None = None) -> Readings:
    ids = set(_ids(colleges))
    counts: dict[int, int] = defaultdict(int)
    for level, _brand, owner, n in _platform_counts(institution, today):
        if level == WorkPlatform.Level.COLLEGE and owner in ids:
            counts[owner] += n
    readings: Readings = {
        college.pk: Reading(
            Decimal(counts.get(college.pk, 0)), records=("tracker:platform-list", {"owner": college.pk}),
        )
        for college in colleges
    }
    readings[None] = Reading(Decimal(sum(counts.values())),
                             records=("tracker:platform-list", {"level": WorkPlatform.Level.COLLEGE}))
    return readings


def _brand(brand: str) -> Callable:
    def compute(institution: Institution, colleges: Sequence[OrgUnit], today: dt.date,
                quota: Quota | None = None) -> Readings:
        total = sum(n for _level, platform_brand, _owner, n in _platform_counts(institution, today)
                    if platform_brand == brand)
        return {None: Reading(Decimal(total), records=("tracker:platform-list", {"brand": brand}))}

    return compute


recognised_brands = _brand(WorkPlatform.Brand.HIGHER)
school_brands = _brand(WorkPlatform.Brand.SCHOOL)


# --- Ledger ----------------------------------------------------------------------------------------

# The units whose Party committee hearing counts for the whole institution: the Party committee itself, and
# the school committee, under which ledgers often file the 党委常委会 hearing of the committee's report.
INSTITUTION_REPORT_KINDS = (OrgUnit.Kind.PARTY_COMMITTEE, OrgUnit.Kind.SCHOOL_COMMITTEE)


def _year(today: dt.date) -> dict[str, str]:
    """The ledger's date filter for the calendar year of `today`."""
    return {"date_from": f"{today.year}-01-01", "date_to": f"{today.year}-12-31"}


def _ledger_counts(institution: Institution, year: int) -> list[dict]:
    """Party committee hearings and training courses of the calendar year, per unit: one grouped query (shared
    by the two ledger metrics)."""
    def query() -> list[dict]:
        return list(
            Activity.objects.filter(
                unit__institution=institution, kind__in=[Activity.Kind.PARTY_REPORT, Activity.Kind.TRAINING],
                date__year=year,
            ).order_by().values("unit", "unit__kind", "kind").annotate(total=Count("pk"))
        )

    return _once(("ledger", institution.pk, year), query)


def party_reports_this_year(institution: Institution, colleges: Sequence[OrgUnit], today: dt.date,
                            quota: Quota | None = None) -> Readings:
    """Ledger entries of kind party_report dated this calendar year, per unit: one grouped query."""
    rows = [row for row in _ledger_counts(institution, today.year) if row["kind"] == Activity.Kind.PARTY_REPORT]
    per_unit = {row["unit"]: row["total"] for row in rows}
    institution_total = sum(row["total"] for row in rows if row["unit__kind"] in INSTITUTION_REPORT_KINDS)
    kind = Activity.Kind.PARTY_REPORT
    readings: Readings = {
        college.pk: Reading(Decimal(per_unit.get(college.pk, 0)),
                            records=("tracker:activity-list", {"unit": college.pk, "kind": kind, **_year(today)}))
        for college in colleges
    }
    readings[None] = Reading(Decimal(institution_total),
                             records=("tracker:activity-list", {"kind": kind, **_year(today)}))
    return readings


def training_courses_this_year(institution: Institution, colleges: Sequence[OrgUnit], today: dt.date,
                               quota: Quota | None = None) -> Readings:
    """Training courses (骨干人员培训班) the school committee held this calendar year."""
    per_unit = {
        row["unit"]: row["total"] for row in _ledger_counts(institution, today.year)
        if row["kind"] == Activity.Kind.TRAINING and row["unit__kind"] == OrgUnit.Kind.SCHOOL_COMMITTEE
    }
    records: dict[str, str | int] = {"kind": Activity.Kind.TRAINING, **_year(today)}
    if len(per_unit) == 1:
        (records["unit"],) = per_unit
    return {None: Reading(Decimal(sum(per_unit.values())), records=("tracker:activity-list", records))}


# --- Double menus ----------------------------------------------------------------------------------


def _per_unit(queryset: models.QuerySet, unit_path: str) -> dict[int, int]:
    return dict(queryset.order_by().values(unit_path).annotate(total=Count("pk")).values_list(unit_path, "total"))


MENU_PARTS = (_("needs on the menu"), _("resources offered"), _("matches delivered"))


def menus_matched(institution: Institution, colleges: Sequence[OrgUnit], today: dt.date,
                  quota: Quota | None = None) -> Readings:
    """1 for a college with an active need, an active resource of one of its volunteers and a delivered match
    on one of its needs; else 0. Three grouped queries, whatever the number of colleges."""
    ids = _ids(colleges)
    needs = _per_unit(NeedItem.objects.filter(unit__in=ids, active=True), "unit")
    resources = _per_unit(ResourceItem.objects.filter(volunteer__unit__in=ids, active=True), "volunteer__unit")
    delivered = _per_unit(
        MenuMatch.objects.filter(need__unit__in=ids, status=MenuMatch.Status.DELIVERED), "need__unit",
    )
    readings: Readings = {}
    for college in colleges:
        counts = (needs.get(college.pk, 0), resources.get(college.pk, 0), delivered.get(college.pk, 0))
        readings[college.pk] = Reading(
            Decimal(1 if all(counts) else 0),
            parts=tuple(zip(MENU_PARTS, counts, strict=True)),
            records=("tracker:menu-board", {"unit": college.pk}),
        )
    return readings


# --- Values entered by hand -------------------------------------------------------------------------


def manual(institution: Institution, colleges: Sequence[OrgUnit], today: dt.date,
           quota: Quota | None = None) -> Readings:
    """The latest value entered by hand for the quota: per college for a per-college quota."""
    if quota is None:
        raise ValueError("the manual metric reads the values of one quota")
    latest: dict[int | None, Decimal] = {}
    for unit_id, value in (
        QuotaEntry.objects.filter(quota=quota).order_by("unit_id", "-entered_at", "-id").values_list("unit_id", "value")
    ):
        latest.setdefault(unit_id, value)
    if quota.scope == Quota.Scope.EACH_COLLEGE:
        return {college.pk: Reading(latest.get(college.pk)) for college in colleges}
    return {None: Reading(latest.get(None))}


METRICS: dict[str, Metric] = {
    "participation_rate": Metric(
        _("Participation rate: participating ÷ eligible volunteers on the roster"), PERCENT, True,
        participation_rate,
    ),
    "backbone_rate": Metric(
        _("Backbone volunteers among those participating: backbone ÷ participating"), PERCENT, True, backbone_rate,
    ),
    "school_platforms": Metric(_("Active school-level work platforms"), ITEMS, False, school_platforms),
    "college_platforms": Metric(_("Active college-level work platforms the college owns"), ITEMS, True,
                                college_platforms),
    "recognised_brands": Metric(_("Active platforms with a brand recognised by a higher level"), ITEMS, False,
                                recognised_brands),
    "school_brands": Metric(_("Active platforms with a school brand (十佳)"), ITEMS, False, school_brands),
    "party_reports_this_year": Metric(
        _("Reports heard by the Party committee this year (ledger)"), TIMES, True, party_reports_this_year,
    ),
    "training_courses_this_year": Metric(
        _("Training courses held by the school committee this year (ledger)"), TIMES, False,
        training_courses_this_year,
    ),
    "menus_matched": Metric(
        _("Both menus set up and at least one match delivered"), "", True, menus_matched,
        institution=False, boolean=True,
    ),
    "manual": Metric(_("Value entered by hand, with evidence"), "", True, manual, manual=True),
}


# --- Met, at risk, not met ---------------------------------------------------------------------------


class QuotaStatus(models.TextChoices):
    MET = "met", _("Met")
    AT_RISK = "at_risk", _("At risk")
    NOT_MET = "not_met", _("Not met")
    NO_DATA = "no_data", _("No data")


AT_RISK_SHARE = Decimal("0.8")


def quota_status(value: Decimal | None, comparator: str, target: Decimal) -> QuotaStatus:
    """Whether one value meets a quota's target: met, at risk, not met, or no data.

    - no data: there is no value (a rate over nobody, a value nobody has entered);
    - met: the comparison holds: value ≥ target ("gte"), value ≤ target ("lte"), value = target ("eq");
    - at risk: not met, but within 80 % of the target. For "gte": value ≥ 80 % of the target (48 % against
      ≥ 60 %; 8 platforms against ≥ 10). For "lte", the mirror: the target is ≥ 80 % of the value. An "eq"
      target is a yes/no (rules in force, menus matched) and is never "at risk": it is met or not;
    - not met: everything else.
    """
    if value is None:
        return QuotaStatus.NO_DATA
    if comparator == Quota.Comparator.AT_LEAST:
        if value >= target:
            return QuotaStatus.MET
        return QuotaStatus.AT_RISK if value >= target * AT_RISK_SHARE else QuotaStatus.NOT_MET
    if comparator == Quota.Comparator.AT_MOST:
        if value <= target:
            return QuotaStatus.MET
        return QuotaStatus.AT_RISK if target >= value * AT_RISK_SHARE else QuotaStatus.NOT_MET
    return QuotaStatus.MET if value == target else QuotaStatus.NOT_MET


def overall_status(statuses: Iterable[QuotaStatus]) -> QuotaStatus:
    """A per-college quota's status for the whole institution, from its colleges' statuses.

    Met only when every college meets it; not met as soon as one college does not; no data when no college
    has data (or there are no colleges); otherwise (some colleges at risk or without data) at risk.
    """
    statuses = list(statuses)
    if not statuses or all(status == QuotaStatus.NO_DATA for status in statuses):
        return QuotaStatus.NO_DATA
    if all(status == QuotaStatus.MET for status in statuses):
        return QuotaStatus.MET
    if QuotaStatus.NOT_MET in statuses:
        return QuotaStatus.NOT_MET
    return QuotaStatus.AT_RISK


# --- Evaluating quotas -------------------------------------------------------------------------------


def is_yes_no(quota: Quota, metric: Metric | None = None) -> bool:
    """Whether the quota's values read as yes / no: a yes/no metric, or a value by hand against "= 1"
    (are the college's rules in force?)."""
    metric = metric or METRICS.get(quota.metric)
    if metric is not None and metric.boolean:
        return True
    return quota.comparator == Quota.Comparator.EQUAL and quota.target == 1


@dataclass
class CollegeResult:
    unit: OrgUnit
    reading: Reading
    status: QuotaStatus


@dataclass
class QuotaResult:
    """A quota with its current value (institution scope) or one row per college (per-college scope)."""

    quota: Quota
    metric: Metric | None
    status: QuotaStatus
    reading: Reading | None = None
    rows: list[CollegeResult] = field(default_factory=list)
    overdue: bool = False

    @property
    def per_college(self) -> bool:
        return self.quota.scope == Quota.Scope.EACH_COLLEGE

    @property
    def yes_no(self) -> bool:
        return is_yes_no(self.quota, self.metric)

    @property
    def colleges_met(self) -> int:
        return sum(1 for row in self.rows if row.status == QuotaStatus.MET)


def colleges_by_institution(institution_ids: Iterable[int], *, on: dt.date | None = None) -> dict[int, list[OrgUnit]]:
    """The colleges (二级关工委) of each institution in service (on the day `on`, today if None), in their order: one
    query. A retired college leaves the quotas and the dashboard; its records stay."""
    colleges: dict[int, list[OrgUnit]] = defaultdict(list)
    in_service = OrgUnit.objects.in_service(on)
    for unit in in_service.filter(institution__in=list(institution_ids), kind=OrgUnit.Kind.COLLEGE).order_by(
        "institution_id", "order", "name"
    ):
        colleges[unit.institution_id].append(unit)
    return colleges


def evaluate(quotas: Iterable[Quota], colleges: dict[int, list[OrgUnit]], today: dt.date) -> list[QuotaResult]:
    """Current value and status of each quota. Each computed metric runs once per institution, whatever the
    number of quotas using it (the Party committee's hearings serve the institution and the colleges), and the
    grouped counts several metrics share are asked once (`_once`)."""
    token = _shared.set({})
    try:
        return _evaluate(quotas, colleges, today)
    finally:
        _shared.reset(token)


def _evaluate(quotas: Iterable[Quota], colleges: dict[int, list[OrgUnit]], today: dt.date) -> list[QuotaResult]:
    cache: dict[tuple[str, int], Readings] = {}
    results = []
    for quota in quotas:
        metric = METRICS.get(quota.metric)
        institution_colleges = colleges.get(quota.institution_id, [])
        if metric is None or not metric.supports(quota.scope):
            # A quota edited in Administration to name a metric that does not exist (or not for its scope).
            results.append(QuotaResult(quota, None, QuotaStatus.NO_DATA))
            continue
        if metric.manual:
            readings = metric.compute(quota.institution, institution_colleges, today, quota)
        else:
            key = (quota.metric, quota.institution_id)
            if key not in cache:
                cache[key] = metric.compute(quota.institution, institution_colleges, today, None)
            readings = cache[key]
        if quota.scope == Quota.Scope.EACH_COLLEGE:
            rows = [
                CollegeResult(college, readings[college.pk],
                              quota_status(readings[college.pk].value, quota.comparator, quota.target))
                for college in institution_colleges
            ]
            result = QuotaResult(quota, metric, overall_status(row.status for row in rows), rows=rows)
        else:
            reading = readings[None]
            result = QuotaResult(quota, metric, quota_status(reading.value, quota.comparator, quota.target),
                                 reading=reading)
        result.overdue = bool(quota.deadline and quota.deadline < today and result.status != QuotaStatus.MET)
        results.append(result)
    return results
