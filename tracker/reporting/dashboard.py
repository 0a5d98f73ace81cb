"""The leaders' dashboard: where the programme stands against every deadline and quota, today or as of a past day.

`build_dashboard` gathers everything the page shows into plain dataclasses (numbers, labels, dates, links), so the
same page can be drawn again from a frozen snapshot's JSON (`to_json` / `from_json`) exactly as it was reported.
A constant number of queries whatever the data size: tasks with their latest update (4), quotas (their metrics),
rectifications (1–2), review steps (1), the current round, its named units and its assessments (3).

As of a past day: a task's status is the one its latest update dated on or before that day recorded; a
rectification's is taken from its recorded history; an assessment's from its workflow log, by the day each step
happened (`occurred_on`: a filing on paper entered later counts from its own day); quotas are computed over the
records dated (or active) on that day.

A round that names its units (a pilot, a batch) expects only those: the filing figures count them, and a college
page shows the latest round that college takes part in.

Built dashboards are kept for a short while (`DASHBOARD_CACHE_SECONDS`, 30 by default, is the cache timeout; 0
turns keeping off) in Django's cache (`CACHE_ALIAS`: Redis shared by every server when REDIS_URL or CACHE_URL names
one; else a file cache shared by one server's workers, or each process's memory under DEBUG and in the tests), with
the page's drawn body beside each (`kept_body`: the same key plus ":body"), so that any server reuses what another
built and drew. The key holds the state of the data: one query reads the newest history record of every model the
dashboard reads (`data_version`; every change the portal makes writes one, in the same transaction), so a change
committed through any server is seen by the next request to any other. The key also holds the institution (and its
name), the college (and its name), the day, today, the language, the URL prefix and URLconf, and the shape of the
kept dataclasses (`_shape`, so servers running other code never read each other's pickles); it is hashed to 32
hexadecimal digits (cache servers limit key lengths). A build inside a transaction neither reads nor fills the
cache: it may see its own uncommitted writes, which a rollback would undo (and on SQLite a rolled-back id is
reused). The time limit bounds what the key cannot see: a change committed after a later one that a request had
already read, rows loaded from fixtures (`loaddata` writes no history), and a body drawn by a server running
another version of the templates; each shows once the kept dashboard expires. Every caller gets a Dashboard of its
own (the cache hands out unpickled copies), so nothing a page or an export does to it reaches the kept one. If the
cache cannot be reached (Redis stopped), every request builds and draws anew, and django-redis logs a warning.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import typing
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tracker.assessments.models.assessments import (
    Assessment,
    AssessmentRound,
    AssessmentTransition,
    Rectification,
    Review,
    ReviewStep,
)
from tracker.assessments.models.standards import Standard
from tracker.org.jsondata import dataclass_from_json
from tracker.org.models import Institution, OrgUnit
from tracker.plans.models import Phase, Plan, Stage, Task, TaskParty, TaskUpdate
from tracker.plans.timeline import TimelinePlan, timeline_from_plan
from tracker.quotas import metrics
from tracker.quotas.models import Quota, QuotaEntry
from tracker.roster.models import Volunteer
from tracker.work.models.menus import MenuMatch, NeedItem, ResourceItem
from tracker.work.models.platforms import Activity, WorkPlatform

UPCOMING_DAYS = 30
NOT_TAKING_PART = "not_taking_part"  # a college's filing status in a round that names other units
LIST_LIMIT = 50  # rows of the overdue and upcoming lists the page shows (the exports hold them all)


@functools.lru_cache(maxsize=4096)
def _path(name: str, args: tuple, urlconf: str, prefix: str) -> str:
    """A reversed path, remembered: a dashboard links a few hundred cells to a few dozen distinct paths. A function
    of the URLconf and the prefix (both in the arguments), never of the data, so each process may keep its own."""
    try:
        return reverse(name, args=args, urlconf=urlconf)
    except NoReverseMatch:
        return ""


def url(name: str, *args, **params) -> str:
    path = _path(name, args, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    if not path:
        return ""
    query = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{path}?{urlencode(query)}" if query else path


# --- What the page shows ------------------------------------------------------------------------


@dataclass
class Figure:
    key: str
    label: str
    value: int
    total: int | None
    url: str
    tone: str = "neutral"  # ok · warn · bad · neutral


@dataclass
class DueItem:
    kind: str  # task · rectification · review_step
    kind_label: str
    code: str
    title: str
    unit: str
    due: dt.date
    days: int  # days left (≥ 0) or overdue (< 0)
    url: str
    plan: str = ""  # a task's plan (an institution may run several at once); empty for the other kinds
    work_area: str = ""  # a task's work area (队伍建设 …), where its plan has them
    milestone: bool = False  # a task that is a single dated event: `due` is its date

    @property
    def late(self) -> int:
        return -self.days


@dataclass
class QuotaCell:
    status: str
    status_label: str
    value: str
    url: str


@dataclass
class QuotaColumn:
    name: str
    target: str
    status: str
    status_label: str
    url: str


@dataclass
class CollegeRow:
    unit_id: int
    name: str
    url: str
    cells: list[QuotaCell]
    filing_status: str
    filing_label: str
    filing_url: str
    open_rectifications: int
    overdue_rectifications: int


@dataclass
class InstitutionQuota:
    name: str
    target: str
    value: str
    status: str
    status_label: str
    url: str
    records_url: str


@dataclass
class Filing:
    round_name: str
    url: str
    due: dt.date
    expected: int
    filed: int
    accepted: int
    returned: int
    not_started: int


@dataclass
class Dashboard:
    institution_id: int
    institution: str
    as_of: dt.date
    live: bool
    unit_id: int | None
    unit: str
    figures: list[Figure]
    timelines: list[TimelinePlan]
    upcoming: list[DueItem]
    upcoming_total: int
    overdue: list[DueItem]
    overdue_total: int
    quota_columns: list[QuotaColumn]
    college_rows: list[CollegeRow]
    institution_quotas: list[InstitutionQuota]
    filing: Filing | None
    upcoming_days: int = UPCOMING_DAYS

    def figure(self, key: str) -> Figure:
        return next(figure for figure in self.figures if figure.key == key)

    @property
    def with_work_areas(self) -> bool:
        """Whether the due lists show a work-area column: some task listed has one."""
        return any(item.work_area for item in self.overdue + self.upcoming)

    @property
    def work_areas(self) -> list[str]:
        """The work areas of the tasks listed, in the order they first come: the choices of the lists' filter."""
        return list(dict.fromkeys(item.work_area for item in self.overdue + self.upcoming if item.work_area))

    def in_work_area(self, name: str) -> Dashboard:
        """A copy whose overdue and due-soon lists hold only the tasks of one work area (never filtered in place:
        the caller may draw the whole one too); figures, timelines and tables stay whole. The copy of a kept
        dashboard is kept under a key of its own, so its drawn body is reused too (`kept_body`)."""
        overdue = [item for item in self.overdue if item.work_area == name]
        upcoming = [item for item in self.upcoming if item.work_area == name]
        copy = dataclasses.replace(self, overdue=overdue, overdue_total=len(overdue), upcoming=upcoming,
                                   upcoming_total=len(upcoming))
        key = self.__dict__.get(_KEY)
        if key:
            copy.__dict__[_KEY] = f"{key}:area:{_digest(name)}"
        return copy


# --- Snapshots: the dashboard as JSON and back ---------------------------------------------------


def from_json(data: dict) -> Dashboard:
    """The dashboard a snapshot froze, rebuilt with the same types the live page uses."""
    return dataclass_from_json(Dashboard, data)


# --- Gathering ----------------------------------------------------------------------------------


def _task_state(task: Task, as_of: dt.date, live: bool) -> None:
    """Put the task's status as of `as_of` on the object (from its latest update on or before it)."""
    if live:
        return
    latest = task.latest_updates[0] if task.latest_updates else None
    task.status = latest.status if latest else Task.Status.NOT_STARTED
    task.progress = latest.progress if latest else 0
    if task.done_on and task.done_on > as_of:
        task.done_on = None


def _rectifications(institution: Institution, as_of: dt.date, live: bool, unit: OrgUnit | None) -> list:
    """Rectifications as they stood on `as_of` (history records then; the rows themselves when live)."""
    if live:
        rows = Rectification.objects.filter(institution=institution).select_related("unit").only(
            "id", "unit_id", "problem", "deadline", "status", "unit__name", "unit__short_name")
    else:
        end = timezone.make_aware(dt.datetime.combine(as_of, dt.time.max))
        rows = Rectification.history.as_of(end).filter(institution=institution).select_related("unit")
    if unit is not None:
        rows = rows.filter(unit=unit)
    return list(rows)


def _current_round(institution: Institution, as_of: dt.date, unit: OrgUnit | None = None) -> AssessmentRound | None:
    """The latest college-level round opened on or before `as_of` (else the latest of any level); for a college
    page, the latest the college takes part in. Its named units come with it (one query more)."""
    end = timezone.make_aware(dt.datetime.combine(as_of, dt.time.max))
    rounds = AssessmentRound.objects.filter(institution=institution, created_at__lte=end).select_related("standard")
    if unit is not None:
        rounds = rounds.filter(Q(units=unit) | Q(units__isnull=True)).distinct()
    rounds = rounds.prefetch_related(Prefetch("units", queryset=OrgUnit.objects.only("pk")))
    return (rounds.filter(standard__level=Standard.Level.COLLEGE).order_by("-due_on", "-id").first()
            or rounds.order_by("-due_on", "-id").first())


def _assessment_states(assessment_round: AssessmentRound, as_of: dt.date, live: bool) -> dict[int, tuple[str, int]]:
    """unit id → (status, assessment id) in the round, as of `as_of` (from the workflow log when past: the latest
    step that happened on or before that day, and a draft started by then or filed on a day before it)."""
    assessments = Assessment.objects.filter(round=assessment_round)
    if live:
        return {a.unit_id: (a.status, a.pk) for a in assessments.only("pk", "unit_id", "status")}
    end = timezone.make_aware(dt.datetime.combine(as_of, dt.time.max))
    last = AssessmentTransition.objects.filter(assessment=OuterRef("pk"), occurred_on__lte=as_of).order_by(
        "-occurred_on", "-at", "-id")
    states = assessments.filter(Q(created_at__lte=end) | Exists(last)).annotate(
        then=Subquery(last.values("to_status")[:1]))
    return {a.unit_id: (a.then or Assessment.Status.DRAFT, a.pk) for a in states.only("pk", "unit_id")}


def _status_label(status: str) -> str:
    return str(metrics.QuotaStatus(status).label)


def _target_text(result: metrics.QuotaResult) -> str:
    quota = result.quota
    unit = result.metric.unit if result.metric else ""
    if result.yes_no:
        return _("Yes")
    return f"{quota.get_comparator_display()} {quota.target.normalize():f}{unit}"


def _reading_text(reading: metrics.Reading | None, result: metrics.QuotaResult) -> str:
    if reading is None or reading.value is None:
        return _("No data")
    if result.yes_no:
        return _("Yes") if reading.value else _("No")
    unit = result.metric.unit if result.metric else ""
    value = reading.value.quantize(1) if reading.is_rate else reading.value.normalize()
    return f"{value:f}{unit}"


def _records_url(reading: metrics.Reading | None) -> str:
    if reading is None or reading.records is None:
        return ""
    name, params = reading.records
    return url(name, **params)


def _due_item(kind: str, code: str, title: str, unit: str, due: dt.date, as_of: dt.date, link: str) -> DueItem:
    labels = {"task": _("Task"), "rectification": _("Rectification"), "review_step": _("Review step")}
    return DueItem(kind, labels[kind], code, title, unit, due, (due - as_of).days, link)


# --- Kept dashboards: Django's cache, shared by every server process -----------------------------------

# Every model build_dashboard reads, by its history (the as-of views read the history itself). An assessment's
# workflow step is saved with the assessment; an institution has no history, so its name is part of the key.
WATCHED = (Task, TaskUpdate, TaskParty, Plan, Phase, Stage, Rectification, Review, ReviewStep, Quota, QuotaEntry,
           Volunteer, WorkPlatform, Activity, NeedItem, ResourceItem, MenuMatch, AssessmentRound, Assessment,
           OrgUnit, Standard)
CACHE_ALIAS = "default"  # settings.CACHES: Redis for several servers, else a file cache or the process's memory
KEY_PREFIX = "dashboard:"
_KEY = "_kept_key"  # where a kept Dashboard carries its cache key (in its __dict__: not a field, never in a snapshot)
_BODY = "_rendered_body"  # its drawn body, once drawn in this process


@functools.cache
def _version_sql(vendor: str) -> str:
    """The SQL of `data_version` for a database vendor: a function of the code (the watched tables), not of the
    data, so it is worked out once per process."""
    quote = connection.ops.quote_name
    # `_meta.simple_history_manager_attribute` names the history manager; its model is the historical table's.
    tables = [getattr(model, model._meta.simple_history_manager_attribute).model._meta.db_table for model in WATCHED]
    return "SELECT " + ", ".join(f"(SELECT MAX({quote('history_id')}) FROM {quote(table)})" for table in tables)


def data_version() -> tuple:
    """The newest history record of every watched model: one query (each part an index lookup)."""
    with connection.cursor() as cursor:
        cursor.execute(_version_sql(connection.vendor))
        return tuple(cursor.fetchone())


@functools.cache
def _shape() -> str:
    """The shape of what is kept: every dataclass a Dashboard holds, by its module, name and fields' types. Part of
    every key, so that a server running other code (a rolling upgrade sharing one Redis) never reads a Dashboard
    pickled with another shape. A function of the code only, worked out once per process."""
    seen: dict[str, str] = {}

    def walk(kind) -> None:
        for arg in typing.get_args(kind):
            walk(arg)
        if dataclasses.is_dataclass(kind) and kind.__qualname__ not in seen:
            hints = typing.get_type_hints(kind)
            seen[kind.__qualname__] = f"{kind.__module__}:" + ",".join(
                f"{f.name}={hints[f.name]}" for f in dataclasses.fields(kind))
            for f in dataclasses.fields(kind):
                walk(hints[f.name])

    walk(Dashboard)
    return ";".join(seen.values())


def _cache_seconds() -> float:
    return float(getattr(settings, "DASHBOARD_CACHE_SECONDS", 30))


def _digest(parts) -> str:
    """A short, fixed-length cache key for any parts (memcached allows 250 characters, and Redis keys are best
    short): 32 hexadecimal digits of their BLAKE2b hash."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def kept_key(institution: Institution, as_of: dt.date | None, unit: OrgUnit | None) -> str:
    """The cache key of a dashboard: the data's version (one query) and everything else the dashboard and its drawn
    body depend on."""
    today = timezone.localdate()
    return KEY_PREFIX + _digest((
        _shape(), data_version(), institution.pk, institution.name, unit.pk if unit else None,
        unit.name if unit else "", as_of or today, today, translation.get_language(), get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF))


def clear_kept() -> None:
    """Empty the cache the dashboards are kept in (the benchmark scripts call it before timing a first build;
    tests call Django's `cache.clear()`). Everything else kept there goes too (rate-limit counts)."""
    caches[CACHE_ALIAS].clear()


def build_dashboard(institution: Institution, as_of: dt.date | None = None, *,
                    unit: OrgUnit | None = None) -> Dashboard:
    """Everything the dashboard (or, with `unit`, one college's page) shows, as of a day (today when None).

    Kept in Django's cache for DASHBOARD_CACHE_SECONDS under the data's version (see the module's notes); built
    anew otherwise. Each call returns a Dashboard of its own (a kept one is a fresh copy from the cache)."""
    seconds = _cache_seconds()
    if seconds <= 0 or connection.in_atomic_block:
        return _build(institution, as_of, unit=unit)
    key = kept_key(institution, as_of, unit)
    cache = caches[CACHE_ALIAS]
    dashboard = cache.get(key)
    if not isinstance(dashboard, Dashboard):  # not kept (or the cache is unreachable: then built every time)
        dashboard = _build(institution, as_of, unit=unit)
        cache.set(key, dashboard, seconds)
    dashboard.__dict__[_KEY] = key  # after set(): the key is not stored with the dashboard
    return dashboard


def kept_body(dashboard: Dashboard, draw: Callable[[Dashboard], str]) -> str:
    """The page's body for a dashboard, `draw(dashboard)`, drawn once per kept dashboard: kept in the cache beside
    it (under its key, for as long), so every server process reuses it while the data stays as it is. A dashboard
    that is not kept (a snapshot's, one built inside a transaction) is drawn each time it is asked for."""
    body = dashboard.__dict__.get(_BODY)
    if body is not None:
        return body
    key = dashboard.__dict__.get(_KEY)
    cache = caches[CACHE_ALIAS]
    body = cache.get(f"{key}:body") if key else None
    if not isinstance(body, str):
        body = draw(dashboard)
        if key:
            cache.set(f"{key}:body", body, _cache_seconds())
    dashboard.__dict__[_BODY] = body
    return body


def _build(institution: Institution, as_of: dt.date | None = None, *, unit: OrgUnit | None = None) -> Dashboard:
    today = timezone.localdate()
    as_of = as_of or today
    live = as_of >= today

    # Tasks, with the latest update on or before the day when looking back.
    tasks = Task.objects.filter(stage__phase__plan__institution=institution)
    if unit is not None:
        tasks = tasks.for_unit(unit)
    tasks = list(tasks.for_report(updates_until=None if live else as_of))
    for task in tasks:
        _task_state(task, as_of, live)
    plans = list(Plan.objects.filter(institution=institution).prefetch_related("phases__stages")
                 .order_by("-issued_on", "id"))
    by_plan: dict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        by_plan[task.stage.phase.plan_id].append(task)
    timelines = [timeline_from_plan(plan, by_plan[plan.pk], as_of) for plan in plans if by_plan[plan.pk]]
    plan_titles = {plan.pk: plan.title for plan in plans}

    done = sum(1 for task in tasks if task.is_done)
    overdue_tasks = [task for task in tasks if task.is_overdue_on(as_of)]
    horizon = as_of + dt.timedelta(days=UPCOMING_DAYS)
    upcoming_tasks = [task for task in tasks
                      if not task.is_done and task.due is not None and as_of <= task.due <= horizon]

    # Rectifications, review steps.
    rectifications = _rectifications(institution, as_of, live, unit)
    open_rectifications = [r for r in rectifications if r.status not in Rectification.CLOSED]
    overdue_rectifications = [r for r in open_rectifications if r.deadline < as_of]
    steps = []
    if unit is None:
        steps = list(ReviewStep.objects.filter(review__institution=institution, planned_on__isnull=False)
                     .filter(Q(done_on__isnull=True) | Q(done_on__gt=as_of)).select_related("review"))

    overdue: list[DueItem] = []
    upcoming: list[DueItem] = []
    for task in overdue_tasks + upcoming_tasks:
        lead = "、".join(str(party.label) for party in task.lead_parties)
        item = _due_item("task", task.code, task.title, lead, task.due, as_of, task.get_absolute_url())
        item.plan = plan_titles.get(task.stage.phase.plan_id, "")
        item.work_area = task.work_area.name if task.work_area_id else ""  # joined by for_report: no query
        item.milestone = task.milestone
        (overdue if item.days < 0 else upcoming).append(item)
    for rectification in open_rectifications:
        if rectification.deadline <= as_of + dt.timedelta(days=UPCOMING_DAYS):
            item = _due_item("rectification", "", rectification.problem, rectification.unit.label,
                             rectification.deadline, as_of, url("tracker:rectification-detail", rectification.pk))
            (overdue if item.days < 0 else upcoming).append(item)
    for step in steps:
        if step.planned_on <= as_of + dt.timedelta(days=UPCOMING_DAYS):
            item = _due_item("review_step", str(step.number), f"{step.review.name} · {step.get_kind_display()}",
                             "", step.planned_on, as_of, url("tracker:review-detail", step.review_id))
            (overdue if item.days < 0 else upcoming).append(item)
    overdue.sort(key=lambda item: (item.due, item.kind, item.code))
    upcoming.sort(key=lambda item: (item.due, item.kind, item.code))

    # Quotas: per-college ones as the columns of the colleges table, the others as a list.
    quotas = list(Quota.objects.filter(institution=institution).select_related("plan", "institution")
                  .order_by("order", "id"))
    colleges = metrics.colleges_by_institution([institution.pk], on=as_of)
    if unit is not None:
        colleges = {institution.pk: [college for college in colleges.get(institution.pk, []) if college.pk == unit.pk]}
    results = metrics.evaluate(quotas, colleges, as_of)
    per_college = [result for result in results if result.per_college]
    institution_quotas = [
        InstitutionQuota(result.quota.name, _target_text(result), _reading_text(result.reading, result),
                         result.status, _status_label(result.status), url("tracker:quota-detail", result.quota.pk),
                         _records_url(result.reading))
        for result in results if not result.per_college
    ] if unit is None else []
    columns = [QuotaColumn(result.quota.name, _target_text(result), result.status, _status_label(result.status),
                           url("tracker:quota-detail", result.quota.pk)) for result in per_college]

    # The current self-assessment round: the units it names file in it, else every college (or the school).
    assessment_round = _current_round(institution, as_of, unit)
    states = _assessment_states(assessment_round, as_of, live) if assessment_round else {}
    filing = None
    chosen = assessment_round.chosen_unit_ids if assessment_round else frozenset()
    if assessment_round is not None:
        expected = [c for c in colleges.get(institution.pk, []) if not chosen or c.pk in chosen] if (
            assessment_round.unit_kind == OrgUnit.Kind.COLLEGE) else []
        counted = Counter(states.get(c.pk, (None, None))[0] for c in expected) if expected else Counter(
            status for status, _pk in states.values())
        filing = Filing(
            assessment_round.name, url("tracker:round-board", assessment_round.pk), assessment_round.due_on,
            expected=len(expected) or len(states),
            filed=sum(counted[s] for s in (Assessment.Status.SUBMITTED, Assessment.Status.RESUBMITTED,
                                           Assessment.Status.ACCEPTED)),
            accepted=counted[Assessment.Status.ACCEPTED], returned=counted[Assessment.Status.RETURNED],
            not_started=counted[None],
        )

    open_by_unit = Counter(r.unit_id for r in open_rectifications)
    overdue_by_unit = Counter(r.unit_id for r in overdue_rectifications)
    status_labels = dict(Assessment.Status.choices)
    rows = []
    by_college = [{row.unit.pk: row for row in result.rows} for result in per_college]
    for college in colleges.get(institution.pk, []):
        cells = []
        for result, result_rows in zip(per_college, by_college, strict=True):
            row = result_rows.get(college.pk)
            reading = row.reading if row else None
            status = row.status if row else metrics.QuotaStatus.NO_DATA
            cells.append(QuotaCell(status, _status_label(status), _reading_text(reading, result),
                                   _records_url(reading) or url("tracker:quota-detail", result.quota.pk)))
        state, assessment_pk = states.get(college.pk, (None, None))
        if state is None and chosen and college.pk not in chosen:  # not in the round: nothing to file
            filing_status, filing_label = NOT_TAKING_PART, _("Not in this round")
        else:
            filing_status, filing_label = state or "not_started", str(status_labels.get(state, _("Not started")))
        rows.append(CollegeRow(
            college.pk, college.label, url("tracker:dashboard-college", college.pk), cells,
            filing_status, filing_label,
            url("tracker:assessment-detail", assessment_pk) if assessment_pk else "",
            open_by_unit[college.pk], overdue_by_unit[college.pk],
        ))

    quota_met = sum(1 for result in results if result.status == metrics.QuotaStatus.MET)
    unit_param = {"unit": unit.pk} if unit is not None else {}
    first_plan = plans[0].pk if plans else None
    plan_url = url("tracker:plan-detail", first_plan) if first_plan else url("tracker:plan-list")
    figures = [
        Figure("tasks_done", _("Tasks done"), done, len(tasks),
               f"{plan_url}?{urlencode({'status': Task.Status.DONE, **unit_param})}" if first_plan else plan_url,
               "ok" if tasks and done == len(tasks) else "neutral"),
        Figure("tasks_overdue", _("Tasks overdue"), len(overdue_tasks), None,
               f"{plan_url}?{urlencode({'status': 'overdue', **unit_param})}" if first_plan else plan_url,
               "bad" if overdue_tasks else "ok"),
        Figure("quotas_met", _("Quotas met"), quota_met, len(results), url("tracker:quota-list"),
               "ok" if results and quota_met == len(results) else "warn"),
        Figure("rectifications_open", _("Open rectifications"), len(open_rectifications), len(rectifications),
               url("tracker:rectification-list", status="", **unit_param),
               "bad" if overdue_rectifications else ("warn" if open_rectifications else "ok")),
    ]
    if filing is not None:
        figures.insert(3, Figure("filed", _("Colleges filed"), filing.filed, filing.expected, filing.url,
                                 "ok" if filing.expected and filing.filed == filing.expected else "warn"))
        figures.insert(4, Figure("accepted", _("Self-assessments accepted"), filing.accepted, filing.expected,
                                 filing.url, "ok" if filing.expected and filing.accepted == filing.expected
                                 else "neutral"))

    return Dashboard(
        institution_id=institution.pk, institution=institution.name, as_of=as_of, live=live,
        unit_id=unit.pk if unit else None, unit=unit.name if unit else "",
        figures=figures, timelines=timelines,
        upcoming=upcoming, upcoming_total=len(upcoming), overdue=overdue, overdue_total=len(overdue),
        quota_columns=columns, college_rows=rows, institution_quotas=institution_quotas, filing=filing,
    )
