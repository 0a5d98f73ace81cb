"""Plain data for the reports: rows and figures gathered in a fixed number of queries, whatever the data size.

The documents (`plan_xlsx`, `docx`) only lay these out; they run no query. Every function here asks the
database a set number of times: tasks, their parties and their latest update are three queries for any number
of tasks; quotas go through `tracker.quotas.metrics`, which groups by unit; assessments, entries, rectifications,
ledger counts and evidence files are one query each.

Labels are rendered under the Chinese catalogue here, once, so the dataclasses carry plain text.

Dates: a report of a past year is drawn up as of the year's last day (`as_of`): a task's status then is the
status its latest update on or before that day recorded (the services change status only through a dated
update), and quotas are evaluated on that day, so that "hearings this year" means that year. For the current
year, `as_of` is today and every figure is the live one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, Sum
from django.template.defaultfilters import filesizeformat, floatformat
from django.utils import timezone, translation
from django.utils.translation import gettext

from tracker.assessments.models.assessments import Assessment, AssessmentEntry, AssessmentRound, Rectification
from tracker.assessments.models.standards import Standard
from tracker.assessments.services.assessments import assessment_totals
from tracker.org.models import EvidenceFile, Institution, OrgUnit
from tracker.org.xlsx import NO, YES
from tracker.plans.models import Plan, Task
from tracker.plans.xlsx_import import phase_heading
from tracker.quotas import metrics
from tracker.quotas.models import Quota, QuotaEntry
from tracker.work.models.platforms import Activity

LANGUAGE = "zh-hans"
SEPARATOR = "、"
DASH = "—"
OVERDUE_MARK = "（逾期）"
NOT_STARTED = "未开始"
WHOLE_INSTITUTION = "全校"

# Evidence index: the kinds of record a file supports, in the order the index lists them.
EVIDENCE_TASK = "任务进展"
EVIDENCE_LEDGER = "工作台账"
EVIDENCE_ASSESSMENT = "自评"
EVIDENCE_RECTIFICATION = "整改"
EVIDENCE_QUOTA = "指标"
EVIDENCE_ORDER = [EVIDENCE_TASK, EVIDENCE_LEDGER, EVIDENCE_ASSESSMENT, EVIDENCE_RECTIFICATION, EVIDENCE_QUOTA]


def number(value: Decimal | int | None) -> str:
    """A score, target or count without trailing zeros: 10, 7.5; a dash for none."""
    return DASH if value is None else floatformat(value, -2)


def year_end(year: int, today: dt.date) -> dt.date:
    """The day a report of `year` is drawn up as of: the year's last day, or today in the current year."""
    return min(today, dt.date(year, 12, 31))


# --- The task table (推进表) ----------------------------------------------------------------------


@dataclass(frozen=True)
class TaskRow:
    """One task as the reports show it."""

    code: str
    title: str
    text: str
    status: str  # the Chinese label, e.g. 进行中（逾期）
    done: bool
    overdue: bool
    progress: int
    due: dt.date
    done_on: dt.date | None
    lead: str
    cooperating: str
    latest_date: dt.date | None
    latest_note: str
    # The task's own start (a milestone's: its one date), blank when it starts with its stage; its work area.
    start: dt.date | None = None
    work_area: str = ""
    milestone: bool = False

    @property
    def latest(self) -> str:
        """The latest update as one line: its date and its note."""
        if self.latest_date is None:
            return ""
        return f"{self.latest_date:%Y-%m-%d} {self.latest_note}".strip()


@dataclass
class StageBlock:
    pk: int
    window: str
    goal: str
    tasks: list[TaskRow] = field(default_factory=list)


@dataclass
class PhaseBlock:
    pk: int
    name: str
    window: str
    stages: list[StageBlock] = field(default_factory=list)

    @property
    def heading(self) -> str:
        """The 主题 cell: 学习推进年（2019.2—2021.7）."""
        return phase_heading(self.name, self.window)

    @property
    def tasks(self) -> list[TaskRow]:
        return [task for stage in self.stages for task in stage.tasks]


@dataclass
class PlanTable:
    """A plan's tasks grouped as the 推进表 lays them out: phase → stage → task."""

    title: str
    attachment_title: str
    document_number: str
    issued_on: dt.date
    phases: list[PhaseBlock] = field(default_factory=list)
    window: str = ""  # the plan's own overall window, where the document gives one

    @property
    def tasks(self) -> list[TaskRow]:
        return [task for phase in self.phases for task in phase.tasks]

    @property
    def done(self) -> int:
        return sum(1 for task in self.tasks if task.done)

    @property
    def overdue(self) -> int:
        return sum(1 for task in self.tasks if task.overdue)


def _labels(parties: Iterable) -> str:
    return SEPARATOR.join(str(party.label) for party in parties)


def task_row(task: Task, as_of: dt.date, *, from_updates: bool = False) -> TaskRow:
    """A task (from `TaskQuerySet.for_report`) as a row. With `from_updates`, status and progress are those its latest
    update on or before `as_of` recorded (a past year's report); otherwise the task's current ones."""
    latest = task.latest_updates[0] if task.latest_updates else None
    if from_updates:
        status = latest.status if latest else Task.Status.NOT_STARTED
        progress = latest.progress if latest else 0
        done_on = task.done_on if task.done_on and task.done_on <= as_of else None
    else:
        status, progress, done_on = task.status, task.progress, task.done_on
    done = status == Task.Status.DONE
    overdue = not done and task.due is not None and task.due < as_of
    label = str(Task.Status(status).label) + (OVERDUE_MARK if overdue else "")
    return TaskRow(
        code=task.code, title=task.title, text=task.text, status=label, done=done, overdue=overdue,
        progress=progress, due=task.due, done_on=done_on if done else None,
        lead=_labels(task.lead_parties), cooperating=_labels(task.cooperating_parties),
        latest_date=latest.date if latest else None, latest_note=latest.note if latest else "",
        start=task.due_date if task.milestone else task.start_date,
        work_area=task.work_area.name if task.work_area_id else "", milestone=task.milestone,
    )


def _plan_tables(plans: Sequence[Plan], tasks: Iterable[Task], as_of: dt.date, *,
                 from_updates: bool = False) -> list[PlanTable]:
    """Group tasks (in plan order) under their plans, phases and stages."""
    tables = {
        plan.pk: PlanTable(plan.title, plan.attachment_title, plan.document_number, plan.issued_on,
                           window=plan.window) for plan in plans
    }
    with translation.override(LANGUAGE):
        for task in tasks:
            stage = task.stage
            phase = stage.phase
            table = tables[phase.plan_id]
            if not table.phases or table.phases[-1].pk != phase.pk:
                table.phases.append(PhaseBlock(phase.pk, phase.name, phase.window))
            block = table.phases[-1]
            if not block.stages or block.stages[-1].pk != stage.pk:
                block.stages.append(StageBlock(stage.pk, stage.window, stage.goal))
            block.stages[-1].tasks.append(task_row(task, as_of, from_updates=from_updates))
    return list(tables.values())


def plan_table(plan: Plan, today: dt.date) -> PlanTable:
    """One plan's task table with current status: three queries."""
    tasks = Task.objects.filter(stage__phase__plan=plan).for_report().select_related("work_area")
    return _plan_tables([plan], tasks, today)[0]


def institution_plan_tables(institution: Institution, as_of: dt.date, *, from_updates: bool = False) -> list[PlanTable]:
    """Every plan of the institution with its task table: four queries."""
    plans = list(Plan.objects.filter(institution=institution).order_by("-issued_on", "id"))
    tasks = Task.objects.filter(stage__phase__plan__institution=institution).for_report(
        updates_until=as_of if from_updates else None,
    ).select_related("work_area")
    return _plan_tables(plans, tasks, as_of, from_updates=from_updates)


# --- Quotas -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CollegeCell:
    college: str
    value: str
    fraction: str  # "16/21" for a rate, else empty
    status: str
    status_key: str


@dataclass(frozen=True)
class QuotaLine:
    """A quota with its target, current value and status as text; per-college quotas carry one cell a college."""

    name: str
    source: str
    target: str
    value: str
    status: str
    status_key: str
    per_college: bool
    colleges: tuple[CollegeCell, ...] = ()

    @property
    def met(self) -> bool:
        return self.status_key == metrics.QuotaStatus.MET


def _fraction(reading: metrics.Reading | None) -> str:
    return f"{reading.numerator}/{reading.denominator}" if reading is not None and reading.is_rate else ""


def _value_text(reading: metrics.Reading | None, unit: str, yes_no: bool) -> str:
    """A reading's value as the quota pages write it: 76.2%, 11个, 是; 暂无数据 for a rate over nobody."""
    if reading is None:
        return DASH
    if reading.value is None:
        return str(metrics.QuotaStatus.NO_DATA.label)
    if yes_no:
        return YES if reading.value else NO
    return f"{floatformat(reading.value, -1)}{unit}"


def _reading_text(reading: metrics.Reading | None, unit: str, yes_no: bool) -> str:
    """The value with a rate's numerator and denominator: 76.2%（16/21）."""
    fraction = _fraction(reading)
    return _value_text(reading, unit, yes_no) + (f"（{fraction}）" if fraction else "")


def _target_text(result: metrics.QuotaResult, unit: str) -> str:
    quota = result.quota
    if result.yes_no:
        return gettext("Yes, in every college") if result.per_college else gettext("Yes")
    text = f"{quota.get_comparator_display()} {floatformat(quota.target, -2)}{unit}"
    return f"{text}（{gettext('in each college')}）" if result.per_college else text


def quota_lines(institution: Institution, as_of: dt.date) -> list[QuotaLine]:
    """The institution's quotas evaluated on `as_of` (`metrics.evaluate`): one query for the quotas, one for the
    colleges, and each metric's own few, whatever the number of colleges and records."""
    quotas = list(Quota.objects.filter(institution=institution).select_related("institution").order_by("order", "id"))
    results = metrics.evaluate(quotas, metrics.colleges_by_institution([institution.pk], on=as_of), as_of)
    lines = []
    with translation.override(LANGUAGE):
        for result in results:
            unit = str(result.metric.unit) if result.metric else ""
            source = " ".join(filter(None, [result.quota.source_document, result.quota.source_clause]))
            cells = tuple(
                CollegeCell(row.unit.label, _value_text(row.reading, unit, result.yes_no), _fraction(row.reading),
                            str(row.status.label), row.status.value)
                for row in result.rows
            )
            if result.per_college:
                value = gettext("%(met)s of %(total)s colleges met") % {"met": result.colleges_met,
                                                                        "total": len(result.rows)}
            else:
                value = _reading_text(result.reading, unit, result.yes_no)
            lines.append(QuotaLine(result.quota.name, source, _target_text(result, unit), value,
                                   str(result.status.label), result.status.value, result.per_college, cells))
    return lines


# --- Self-assessment -----------------------------------------------------------------------------


@dataclass
class FilingUnits:
    """Units that file self-assessments (colleges, the school committee), by kind, in their order; and the units
    each round names (a pilot, a batch; a round that names none is absent)."""

    by_kind: dict[str, list[OrgUnit]] = field(default_factory=lambda: defaultdict(list))
    named: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))

    def expected(self, assessment_round: AssessmentRound) -> list[OrgUnit]:
        """The units expected to file in the round: those it names, else every unit of its kind."""
        units = self.by_kind.get(assessment_round.unit_kind, [])
        chosen = self.named.get(assessment_round.pk)
        return [unit for unit in units if unit.pk in chosen] if chosen else units


def _filing_units(institution: Institution) -> FilingUnits:
    """The institution's filing units and the rounds naming each: one query (a unit's row once per round naming
    it)."""
    result = FilingUnits()
    seen: set[int] = set()
    for unit in OrgUnit.objects.in_service().filter(
        institution=institution, kind__in=[OrgUnit.Kind.COLLEGE, OrgUnit.Kind.SCHOOL_COMMITTEE],
    ).annotate(named_in=F("rounds_taking_part")).order_by("order", "name", "pk"):
        if unit.named_in is not None:
            result.named[unit.named_in].add(unit.pk)
        if unit.pk not in seen:
            seen.add(unit.pk)
            result.by_kind[unit.kind].append(unit)
    return result


@dataclass(frozen=True)
class RoundFiling:
    """How far a round's filing went: units expected, assessments filed (submitted at least once), accepted."""

    name: str
    expected: int
    filed: int
    accepted: int


@dataclass(frozen=True)
class UnitScore:
    unit: str
    status: str
    self_total: str
    review_total: str
    full: str


@dataclass(frozen=True)
class ItemScore:
    number: str
    group: str
    text: str
    points: str
    self_score: str
    review_score: str


@dataclass(frozen=True)
class ItemTable:
    """A school-level assessment's every item, with its totals."""

    unit: str
    items: list[ItemScore]
    self_total: str
    review_total: str
    full: str


@dataclass
class RoundScores:
    """A round's scores: one line per unit expected to file; for a school-level round, every item's scores."""

    name: str
    standard: str
    level: str
    due_on: dt.date
    school_level: bool
    units: list[UnitScore] = field(default_factory=list)
    item_tables: list[ItemTable] = field(default_factory=list)


def _scores(entries: Sequence[AssessmentEntry]) -> tuple[str, str, str]:
    """Self total, review total and full marks; a dash for a total nothing was scored towards."""
    _groups, totals = assessment_totals(entries)
    return (number(totals.self_score) if totals.scored else DASH,
            number(totals.review_score) if totals.reviewed else DASH, number(totals.full))


def round_scores(institution: Institution, rounds: Sequence[AssessmentRound]) -> list[RoundScores]:
    """Scores of every unit expected to file in each round: three queries (units, assessments, entries)."""
    units = _filing_units(institution)
    assessments = (
        Assessment.objects.filter(round__in=[r.pk for r in rounds]).select_related("unit")
        .prefetch_related(Prefetch(
            "entries",
            queryset=AssessmentEntry.objects.select_related("item__group").order_by(
                "item__group__order", "item__order", "id"),
        ))
    )
    by_round: dict[int, dict[int, Assessment]] = defaultdict(dict)
    for assessment in assessments:
        by_round[assessment.round_id][assessment.unit_id] = assessment
    result = []
    with translation.override(LANGUAGE):
        for assessment_round in rounds:
            filed = by_round.get(assessment_round.pk, {})
            school_level = assessment_round.standard.level == Standard.Level.SCHOOL
            block = RoundScores(assessment_round.name, assessment_round.standard.name,
                                str(assessment_round.standard.get_level_display()), assessment_round.due_on,
                                school_level)
            expected = units.expected(assessment_round)
            expected_ids = {unit.pk for unit in expected}
            # Units that filed although no longer of the round's kind are shown too, after those expected.
            others = [a.unit for unit_id, a in filed.items() if unit_id not in expected_ids]
            for unit in [*expected, *others]:
                assessment = filed.get(unit.pk)
                if assessment is None:
                    block.units.append(UnitScore(unit.label, NOT_STARTED, DASH, DASH, DASH))
                    continue
                entries = list(assessment.entries.all())
                self_total, review_total, full = _scores(entries)
                block.units.append(UnitScore(unit.label, str(assessment.get_status_display()), self_total,
                                             review_total, full))
                if school_level:
                    items = [
                        ItemScore(entry.item.number, entry.item.group.name, entry.item.text, number(entry.item.points),
                                  number(entry.self_score), number(entry.review_score))
                        for entry in entries
                    ]
                    block.item_tables.append(ItemTable(unit.label, items, self_total, review_total, full))
            result.append(block)
    return result


def round_filings(institution: Institution, rounds: Sequence[AssessmentRound]) -> list[RoundFiling]:
    """Units expected, filed and accepted in each round: two queries."""
    units = _filing_units(institution)
    counts = {
        row["round"]: row
        for row in Assessment.objects.filter(round__in=[r.pk for r in rounds]).order_by().values("round").annotate(
            filed=Count("pk", filter=~Q(status=Assessment.Status.DRAFT)),
            accepted=Count("pk", filter=Q(status=Assessment.Status.ACCEPTED)),
        )
    }
    return [
        RoundFiling(r.name, len(units.expected(r)), counts.get(r.pk, {}).get("filed", 0),
                    counts.get(r.pk, {}).get("accepted", 0))
        for r in rounds
    ]


# --- Rectifications ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RectificationRow:
    problem: str
    source: str
    source_key: str
    unit: str
    measure: str
    deadline: dt.date
    status: str
    closed: bool
    overdue: bool
    opened_on: dt.date
    done_on: dt.date | None


def rectification_rows(institution: Institution, today: dt.date) -> list[RectificationRow]:
    """The rectification list (整改清单) by deadline: one query."""
    rows = []
    with translation.override(LANGUAGE):
        for entry in Rectification.objects.filter(institution=institution).select_related("unit").order_by(
            "deadline", "id"
        ):
            rows.append(RectificationRow(
                entry.problem, str(entry.get_source_display()), entry.source, entry.unit.label, entry.measure,
                entry.deadline, str(entry.get_status_display()), entry.is_closed, entry.is_overdue_on(today),
                timezone.localtime(entry.created_at).date(), entry.done_on,
            ))
    return rows


# --- The annual report (年度工作汇报) --------------------------------------------------------------


@dataclass(frozen=True)
class UnitActivity:
    unit: str
    entries: int
    retirees: int
    youth: int


@dataclass(frozen=True)
class SourceCount:
    source: str
    opened: int
    closed: int
    open: int


@dataclass
class AnnualFigures:
    tasks_total: int = 0
    tasks_done: int = 0
    tasks_done_in_year: int = 0
    tasks_overdue: int = 0
    quotas_total: int = 0
    quotas_met: int = 0
    assessments_expected: int = 0
    assessments_filed: int = 0
    assessments_accepted: int = 0
    rectifications_opened: int = 0
    rectifications_closed: int = 0
    rectifications_open: int = 0


@dataclass
class AnnualPhase:
    """A plan phase with the tasks done or reported on in the year."""

    plan: str
    heading: str
    tasks: list[TaskRow]


@dataclass
class AnnualReport:
    institution: str
    year: int
    as_of: dt.date
    figures: AnnualFigures
    phases: list[AnnualPhase]
    quotas: list[QuotaLine]
    activities: list[UnitActivity]
    activity_total: UnitActivity
    rounds: list[RoundFiling]
    rectifications: list[SourceCount]
    plan_count: int


def _in_year(day: dt.date | None, year: int) -> bool:
    return day is not None and day.year == year


def _activities(institution: Institution, year: int, colleges: Sequence[OrgUnit]) -> list[UnitActivity]:
    """Ledger entries of the year per college (every college, none left out), then other units with entries:
    one grouped query."""
    rows = (
        Activity.objects.filter(unit__institution=institution, date__year=year).order_by()
        .values("unit", "unit__name", "unit__short_name", "unit__kind", "unit__order")
        .annotate(entries=Count("pk"), retirees=Sum("retiree_count"), youth=Sum("youth_count"))
    )
    per_unit = {row["unit"]: row for row in rows}
    lines = []
    for college in colleges:
        row = per_unit.pop(college.pk, None) or {"entries": 0, "retirees": 0, "youth": 0}
        lines.append(UnitActivity(college.label, row["entries"], row["retirees"] or 0, row["youth"] or 0))
    for row in sorted(per_unit.values(), key=lambda r: (r["unit__kind"], r["unit__order"], r["unit__name"])):
        lines.append(UnitActivity(row["unit__short_name"] or row["unit__name"], row["entries"], row["retirees"] or 0,
                                  row["youth"] or 0))
    return lines


def annual_report_data(institution: Institution, year: int, today: dt.date) -> AnnualReport:
    """Everything the annual report shows, as of the year's last day (or today in the current year)."""
    as_of = year_end(year, today)
    tables = institution_plan_tables(institution, as_of, from_updates=as_of < today)
    figures = AnnualFigures()
    phases = []
    for table in tables:
        for phase in table.phases:
            figures.tasks_total += len(phase.tasks)
            figures.tasks_done += sum(1 for task in phase.tasks if task.done)
            figures.tasks_overdue += sum(1 for task in phase.tasks if task.overdue)
            figures.tasks_done_in_year += sum(1 for task in phase.tasks if _in_year(task.done_on, year))
            worked_on = [task for task in phase.tasks
                         if _in_year(task.done_on, year) or _in_year(task.latest_date, year)]
            phases.append(AnnualPhase(table.title, phase.heading, worked_on))

    quotas = quota_lines(institution, as_of)
    figures.quotas_total = len(quotas)
    figures.quotas_met = sum(1 for line in quotas if line.met)

    rounds = list(AssessmentRound.objects.filter(institution=institution, due_on__year=year)
                  .select_related("standard").order_by("due_on", "id"))
    filings = round_filings(institution, rounds)
    figures.assessments_expected = sum(f.expected for f in filings)
    figures.assessments_filed = sum(f.filed for f in filings)
    figures.assessments_accepted = sum(f.accepted for f in filings)

    by_source: dict[str, list[int]] = {}
    with translation.override(LANGUAGE):
        for source in Rectification.Source:
            by_source[str(source.label)] = [0, 0, 0]
    for row in rectification_rows(institution, as_of):
        counts = by_source.setdefault(row.source, [0, 0, 0])
        if row.opened_on.year == year and row.opened_on <= as_of:
            counts[0] += 1
        if _in_year(row.done_on, year) and row.done_on <= as_of:
            counts[1] += 1
        if row.opened_on <= as_of and not (row.done_on and row.done_on <= as_of):
            counts[2] += 1
    rectifications = [SourceCount(source, *counts) for source, counts in by_source.items()]
    figures.rectifications_opened = sum(r.opened for r in rectifications)
    figures.rectifications_closed = sum(r.closed for r in rectifications)
    figures.rectifications_open = sum(r.open for r in rectifications)

    colleges = metrics.colleges_by_institution([institution.pk], on=as_of).get(institution.pk, [])
    activities = _activities(institution, year, colleges)
    total = UnitActivity("合计", sum(a.entries for a in activities), sum(a.retirees for a in activities),
                         sum(a.youth for a in activities))
    return AnnualReport(institution.name, year, as_of, figures, phases, quotas, activities, total, filings,
                        rectifications, len(tables))


# --- The review file (申报材料) --------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceRow:
    name: str
    category: str
    record: str
    uploaded_at: dt.datetime  # local time
    size: int

    @property
    def size_label(self) -> str:
        with translation.override(LANGUAGE):
            return str(filesizeformat(self.size))


def _evidence_record(evidence: EvidenceFile) -> tuple[str, str]:
    """What record a file supports, as (category, description)."""
    if evidence.update_id:
        update = evidence.update
        return EVIDENCE_TASK, f"任务{update.task.code}“{update.task.title}”进展（{update.date:%Y-%m-%d}）"
    if evidence.activity_id:
        activity = evidence.activity
        return EVIDENCE_LEDGER, f"{activity.date:%Y-%m-%d} {activity.title}（{activity.unit.label}）"
    if evidence.entry_id:
        entry = evidence.entry
        return EVIDENCE_ASSESSMENT, (f"{entry.assessment.round.name} · {entry.assessment.unit.label} · "
                                     f"第{entry.item.number}项")
    if evidence.rectification_id:
        rectification = evidence.rectification
        return EVIDENCE_RECTIFICATION, f"{rectification.problem}（{rectification.unit.label}）"
    return "", ""


def evidence_rows(institution: Institution) -> list[EvidenceRow]:
    """Every evidence file of the institution's task updates, ledger entries, assessment items, rectifications
    and hand-entered quota values, with the record it supports: two queries."""
    files = EvidenceFile.objects.filter(
        Q(update__task__stage__phase__plan__institution=institution)
        | Q(activity__unit__institution=institution)
        | Q(entry__assessment__round__institution=institution)
        | Q(rectification__institution=institution)
    ).select_related(
        "update__task__stage__phase__plan", "activity__unit", "entry__assessment__round", "entry__assessment__unit",
        "entry__item", "rectification__unit",
    )
    rows = []
    for evidence in files:
        category, record = _evidence_record(evidence)
        rows.append(EvidenceRow(evidence.original_name, category, record, timezone.localtime(evidence.uploaded_at),
                                evidence.size))
    quota_files: dict[int, tuple[EvidenceFile, list[str]]] = {}
    for entry in QuotaEntry.objects.filter(quota__institution=institution).select_related(
        "evidence", "quota", "unit"
    ).order_by("evidence_id", "entered_at", "id"):
        where = entry.unit.label if entry.unit else WHOLE_INSTITUTION
        quota_files.setdefault(entry.evidence_id, (entry.evidence, []))[1].append(f"{entry.quota.name} · {where}")
    for evidence, records in quota_files.values():
        rows.append(EvidenceRow(evidence.original_name, EVIDENCE_QUOTA, SEPARATOR.join(dict.fromkeys(records)),
                                timezone.localtime(evidence.uploaded_at), evidence.size))
    order = {category: n for n, category in enumerate(EVIDENCE_ORDER)}
    rows.sort(key=lambda row: (order.get(row.category, len(order)), row.uploaded_at, row.name))
    return rows


@dataclass
class ReviewFile:
    institution: str
    today: dt.date
    plans: list[PlanTable]
    quotas: list[QuotaLine]
    rounds: list[RoundScores]
    rectifications: list[RectificationRow]
    evidence: list[EvidenceRow]

    @property
    def college_quotas(self) -> list[QuotaLine]:
        return [line for line in self.quotas if line.per_college]

    @property
    def colleges(self) -> list[str]:
        """The colleges, in the order the per-college quotas list them."""
        for line in self.college_quotas:
            return [cell.college for cell in line.colleges]
        return []


def review_file_data(institution: Institution, today: dt.date) -> ReviewFile:
    """Everything the review file shows, live as of `today`."""
    rounds = list(AssessmentRound.objects.filter(institution=institution).select_related("standard")
                  .order_by("due_on", "id"))
    return ReviewFile(
        institution.name, today,
        plans=institution_plan_tables(institution, today),
        quotas=quota_lines(institution, today),
        rounds=round_scores(institution, rounds),
        rectifications=rectification_rows(institution, today),
        evidence=evidence_rows(institution),
    )
