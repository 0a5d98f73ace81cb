"""The plan timeline: phases, stages and tasks on a month axis, drawn as inline SVG on the server.

The input is plain data (dataclasses of strings, booleans and dates) rather than model instances, so a reporting
snapshot frozen as JSON (`tracker.org.jsondata`, as the dashboard is) draws exactly as it did on the
day it was frozen. `timeline_from_plan()` builds that data from a live plan.

The drawing is computed here (every coordinate, every label already shortened to fit) and written out by the
template `tracker/partials/_timeline.svg.html`, whose autoescaping escapes every piece of text and every URL.
Nothing in the SVG needs a script, a style attribute or an external resource: colours are presentation
attributes (fill=, stroke=), which a Content-Security-Policy without 'unsafe-inline' still allows and which
static/css/timeline.css may override.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from tracker.org.jsondata import to_json
from tracker.org.windows import format_window
from tracker.plans.models import Plan, Task

STATUSES = ("not_started", "in_progress", "done")
TEMPLATE = "tracker/partials/_timeline.svg.html"

# --- Input: plain data ---------------------------------------------------------------------------------------


@dataclass
class TimelineTask:
    """A task as drawn: a mark at its due date. `overdue` is decided by whoever builds the data (as of a day)."""

    code: str
    title: str
    status: str
    overdue: bool
    start: dt.date | None
    due: dt.date
    url: str

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"Unknown task status {self.status!r}; expected one of {', '.join(STATUSES)}.")


@dataclass
class TimelineStage:
    """A stage: a bar from `start` (None: the plan's earliest date) to `end`, labelled with its window."""

    label: str
    goal: str
    start: dt.date | None
    end: dt.date
    tasks: list[TimelineTask] = field(default_factory=list)


@dataclass
class TimelinePhase:
    """A phase: a bar from `start` (None: the plan's earliest date) to `end`, and its stages beneath."""

    name: str
    start: dt.date | None
    end: dt.date
    stages: list[TimelineStage] = field(default_factory=list)


@dataclass
class TimelinePlan:
    """What the timeline draws (frozen with the dashboard by `tracker.org.jsondata`)."""

    title: str
    phases: list[TimelinePhase] = field(default_factory=list)
    # The plan's own title, shown above its drawing where an institution runs several plans at once (`title` is
    # the attachment's, which plans of one institution often share). Empty in snapshots frozen before it.
    plan_title: str = ""
    url: str = ""

    @property
    def tasks(self) -> list[TimelineTask]:
        return [task for phase in self.phases for stage in phase.stages for task in stage.tasks]


def timeline_from_plan(plan: Plan, tasks: Iterable[Task], today: dt.date) -> TimelinePlan:
    """The timeline data of a plan whose phases and stages are prefetched, and of its tasks.

    `tasks` come from `Task.objects…with_schedule()` (stage, phase and plan joined), so nothing here queries:
    pass `Plan.objects.prefetch_related("phases__stages")` and a list of the tasks to draw (all of them, or a
    filtered set: a stage with none of them is still drawn as a bar). Overdue is judged on `today`.
    """
    by_stage: dict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        if task.due is not None:  # a task no date is known for has nowhere to be drawn
            by_stage[task.stage_id].append(task)
    # A window the plan leaves open is drawn to the nearest known end: the stage's, else its phase's, else the
    # plan's, else the latest date the plan names anywhere (its issue date if it names none).
    named = [day for phase in plan.phases.all() for day in (phase.start_date, phase.end_date)]
    named += [day for phase in plan.phases.all() for stage in phase.stages.all()
              for day in (stage.start_date, stage.end_date)]
    named += [task.due for stage_tasks in by_stage.values() for task in stage_tasks]
    last_named = max([day for day in named + [plan.start_date, plan.end_date] if day], default=plan.issued_on)
    phases = []
    for phase in plan.phases.all():
        phase_start = phase.start_date or plan.start_date
        phase_end = phase.end_date or plan.end_date or last_named
        stages = [
            TimelineStage(
                label=stage.window, goal=stage.goal, start=stage.start_date or phase_start,
                end=stage.end_date or phase_end,
                tasks=[
                    TimelineTask(
                        code=task.code, title=task.title, status=task.status, overdue=task.is_overdue_on(today),
                        start=task.start, due=task.due, url=task.get_absolute_url(),
                    )
                    for task in by_stage.get(stage.pk, [])
                ],
            )
            for stage in phase.stages.all()
        ]
        # str(phase) is "一、学习推进年": the numeral the task table shows beside it.
        phases.append(TimelinePhase(name=str(phase), start=phase_start, end=phase_end, stages=stages))
    return TimelinePlan(title=plan.attachment_title or plan.title, phases=phases, plan_title=plan.title,
                        url=plan.get_absolute_url())


# --- Geometry -------------------------------------------------------------------------------------------------


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass(frozen=True)
class TimeScale:
    """Dates to x: `first` (a month's first day) at `x0`, `after` (the day after the span) at `x1`.

    A date means the start of that day, so a bar for an inclusive window [start, end] runs from x(start) to
    x(end + 1 day), and a task due on D sits at x(D), inside the bar of a stage that ends on D.
    """

    first: dt.date
    after: dt.date
    x0: float
    x1: float

    @classmethod
    def spanning(cls, earliest: dt.date, latest: dt.date, x0: float, x1: float) -> TimeScale:
        """Whole months: from the first day of `earliest`'s month to the end of `latest`'s month."""
        return cls(_month_start(earliest), _next_month(latest), x0, x1)

    @property
    def last(self) -> dt.date:
        return self.after - dt.timedelta(days=1)

    def contains(self, day: dt.date) -> bool:
        return self.first <= day < self.after

    def x(self, day: dt.date) -> float:
        return self.x0 + (day - self.first).days * (self.x1 - self.x0) / (self.after - self.first).days

    def months(self) -> list[dt.date]:
        """The first day of every month in the span, and of the month after it (the closing tick)."""
        months, month = [], self.first
        while month <= self.after:
            months.append(month)
            month = _next_month(month)
        return months


def plan_span(plan: TimelinePlan) -> tuple[dt.date, dt.date] | None:
    """The earliest and latest dates the plan names (starts, ends and task due dates); None if it names none."""
    days = []
    for phase in plan.phases:
        days += [phase.start, phase.end]
        for stage in phase.stages:
            days += [stage.start, stage.end]
            days += [day for task in stage.tasks for day in (task.start, task.due)]
    days = [day for day in days if day is not None]
    return (min(days), max(days)) if days else None


# Sizes in user units at the default width of 1200; the SVG scales to its container (width 100%).
PAD = 12
FONT = 13            # labels; nothing is drawn smaller than SMALL
SMALL = 12           # axis labels and task numbers
PHASE_FONT = 14
TOP_LABEL_Y = 16     # baseline of the 今天 label
AXIS_LABEL_Y = 38    # baseline of the month / year labels
AXIS_Y = 50          # the axis line; rows start below it
ROWS_TOP = 58
PHASE_ROW = 30
PHASE_BAR = 20
STAGE_BAR = 18
LANE = 16            # one line of task marks; the first is the stage bar's own
MARK = 6.5           # half the size of a task mark
STAGE_INDENT = 16
LABEL_GAP = 4
CODE_DX = 11         # a task's number starts this far right of its mark's centre

# The marks' colours (the contrast colours of portal.css, and blue for work under way, which stays apart from
# green and red for red-green colour-blind readers); bars, axis and text take theirs in the template.
COLOURS = {
    "done": "#1d6b33",
    "in_progress": "#0b4f9c",
    "not_started": "#666666",
    "overdue": "#b00020",
}


def _circle(radius: float) -> str:
    """A circle centred on (0, 0) as a path: two half arcs."""
    return f"M{-radius},0a{radius},{radius} 0 1,0 {2 * radius},0a{radius},{radius} 0 1,0 {-2 * radius},0Z"


# Shapes centred on (0, 0), so each status reads without colour too: ● done, ◆ in progress, ○ not started,
# ▲ overdue.
SHAPES = {
    "done": _circle(MARK - 1),
    "in_progress": f"M0,{-MARK}L{MARK},0L0,{MARK}L{-MARK},0Z",
    "not_started": _circle(MARK - 2),  # drawn hollow, so its 2-unit stroke brings it to the same size
    "overdue": f"M0,{-MARK}L{MARK},{MARK - 1}L{-MARK},{MARK - 1}Z",
}

# Characters XML 1.0 forbids (and HTML treats as parse errors): stripped from every text drawn.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _clean(text: str) -> str:
    return _FORBIDDEN.sub("", text)


def text_width(text: str, size: float) -> float:
    """A generous estimate of the drawn width: CJK and ambiguous-width characters one em, others 0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WFA" else size * 0.6 for ch in text)


def fit(text: str, width: float, size: float) -> str:
    """`text`, shortened with "…" to fit in `width` at `size`; empty if not even one character fits."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…" if text else ""


def _num(value: float) -> str:
    """Coordinates with at most one decimal: short markup, and no float noise in tests."""
    return f"{value:.1f}".removesuffix(".0")


def _url(url: str) -> str:
    """The task's address if it is a site path or an http(s) URL; anything else (javascript:, data:) drops the link."""
    url = url.strip()
    if (url.startswith("/") and not url.startswith("//")) or re.match(r"^https?://", url, re.IGNORECASE):
        return url
    return ""


# --- Drawing: what the template writes out --------------------------------------------------------------------


@dataclass
class Label:
    x: str
    y: str
    text: str
    anchor: str = "start"


@dataclass
class Tick:
    x: str
    y1: str
    y2: str
    major: bool


@dataclass
class Mark:
    x: str
    y: str
    status: str      # a key of SHAPES: the task's status, or "overdue"
    code: str
    tooltip: str
    url: str
    fill: str
    stroke: str
    path: str


@dataclass
class Bar:
    x: str
    y: str
    width: str
    height: str
    x_start: float
    x_end: float
    open_start: bool


@dataclass
class StageDrawing:
    label: Label
    bar: Bar
    goal: Label | None
    tooltip: str
    marks: list[Mark]


@dataclass
class PhaseDrawing:
    label: Label
    bar: Bar
    window: Label | None
    tooltip: str
    stages: list[StageDrawing]
    separator_y: str


@dataclass
class Marker:
    """The today line, or the plan's end when today is past it."""

    x: str
    y1: str
    y2: str
    label: Label
    kind: str        # "today" or "end"


@dataclass
class LegendItem:
    x: str
    y: str
    path: str
    fill: str
    stroke: str
    label: Label
    status: str


@dataclass
class Drawing:
    width: int
    height: int
    code_dx: int
    title: str
    desc: str
    title_id: str
    desc_id: str
    role: str
    ticks: list[Tick]
    axis_labels: list[Label]
    grid: list[str]
    axis_y: str
    plot_x0: str
    plot_x1: str
    rows_bottom: str
    phases: list[PhaseDrawing]
    marker: Marker | None
    legend: list[LegendItem]
    legend_today: Label | None
    legend_line_x: str
    legend_line_y1: str
    legend_line_y2: str
    scale: TimeScale | None


def _status_labels() -> dict[str, str]:
    labels = {value: str(label) for value, label in Task.Status.choices}
    labels["overdue"] = _("Overdue")
    return labels


def _shape_key(task: TimelineTask) -> str:
    return "overdue" if task.overdue and task.status != "done" else task.status


def _mark_paint(key: str) -> tuple[str, str]:
    """(fill, stroke): not started is hollow, the rest solid."""
    if key == "not_started":
        return "#ffffff", COLOURS[key]
    return COLOURS[key], COLOURS[key]


def _axis(scale: TimeScale) -> tuple[list[Tick], list[Label], list[str]]:
    """Month ticks (yearly when months would crowd), quarter or year labels as room allows, and year grid lines."""
    months = scale.months()
    per_month = (scale.x1 - scale.x0) / max(len(months) - 1, 1)
    ticks, grid = [], []
    for month in months:
        major = month.month == 1 or month in (scale.first, scale.after)
        if not major and per_month < 4:
            continue
        x = scale.x(month)
        ticks.append(Tick(_num(x), _num(AXIS_Y - (12 if major else 6)), _num(AXIS_Y), major))
        if month.month == 1 and month not in (scale.first, scale.after):
            grid.append(_num(x))

    quarterly = per_month * 3 >= text_width("10月", SMALL) + 8
    year_step = 1
    while not quarterly and per_month * 12 * year_step < text_width("2019年", SMALL) + 8:
        year_step = {1: 2, 2: 5}.get(year_step, year_step * 2)

    # Candidates in order along the axis; the first carries its year so the reader always knows where it begins.
    candidates: list[tuple[dt.date, str]] = []
    for month in months[:-1]:
        if month == scale.first:
            text = f"{month.year}年{month.month}月" if quarterly and month.month != 1 else f"{month.year}年"
        elif month.month == 1 and (quarterly or month.year % year_step == 0):
            text = f"{month.year}年"
        elif quarterly and month.month in (4, 7, 10):
            text = f"{month.month}月"
        else:
            continue
        candidates.append((month, text))
    labels, right_edge = [], -1.0
    for month, text in candidates:
        x = scale.x(month) + 3
        width = text_width(text, SMALL)
        if x < right_edge + 6 or x + width > scale.x1 + 40:
            continue
        labels.append(Label(_num(x), _num(AXIS_LABEL_Y), text))
        right_edge = x + width
    return ticks, labels, grid


def _lanes(marks: list[tuple[float, float]], first_lane_from: float | None = None) -> list[int]:
    """A lane for each (left, right) extent, in the given order: the first lane where it overlaps nothing.

    `first_lane_from`: lane 0 is taken up to there already (by the stage's goal).
    """
    ends: list[float] = [first_lane_from] if first_lane_from is not None else []
    lanes = []
    for left, right in marks:
        for lane, end in enumerate(ends):
            if left > end:
                ends[lane] = right
                lanes.append(lane)
                break
        else:
            ends.append(right)
            lanes.append(len(ends) - 1)
    return lanes


def _bar(scale: TimeScale, start: dt.date | None, end: dt.date, earliest: dt.date, y: float, height: float) -> Bar:
    x_start = scale.x(start or earliest)
    x_end = max(scale.x(end + dt.timedelta(days=1)), x_start + 2)  # a one-day stage is still visible
    return Bar(_num(x_start), _num(y), _num(x_end - x_start), _num(height), x_start, x_end, start is None)


def _stage(stage: TimelineStage, scale: TimeScale, earliest: dt.date, y: float, gutter: int,
           labels: dict[str, str], links: bool) -> tuple[StageDrawing, float]:
    """A stage row at `y` and its height: the bar with its goal, and the tasks' marks in as few lanes as fit.

    The first lane is the bar's own line (a mark at the bar's end reads as a milestone); the goal keeps room
    at the bar's start and gives the rest up to marks. A mark overlapping another, or the goal, drops a lane.
    """
    stage_label, goal = _clean(stage.label), _clean(stage.goal)
    bar = _bar(scale, stage.start, stage.end, earliest, y + 4, STAGE_BAR)
    centre = y + 4 + STAGE_BAR / 2
    bar_width = bar.x_end - bar.x_start
    # Room for the goal: all of it if it fits, less one mark at the bar's end if the bar allows.
    goal_room = min(text_width(goal, FONT), max(bar_width - 10 - (MARK + CODE_DX + 2 * SMALL), 4 * FONT),
                    bar_width - 10)
    ordered = sorted(stage.tasks, key=lambda task: task.due)  # stable: same-day tasks keep plan order
    xs = [scale.x(task.due) for task in ordered]
    extents = [(x - MARK, x + CODE_DX + text_width(_clean(task.code), SMALL))
               for x, task in zip(xs, ordered, strict=True)]
    lanes = _lanes(extents, first_lane_from=bar.x_start + 5 + goal_room if goal else None)
    first_lane_lefts = [left for (left, _right), lane in zip(extents, lanes, strict=True) if lane == 0]
    goal_text = fit(goal, min([bar_width - 10] + [left - 4 - (bar.x_start + 5) for left in first_lane_lefts]), FONT)
    marks = []
    for task, x, lane in zip(ordered, xs, lanes, strict=True):
        key = _shape_key(task)
        fill, stroke = _mark_paint(key)
        state = labels["overdue"] if key == "overdue" else labels[task.status]
        code = _clean(task.code)
        marks.append(Mark(
            x=_num(x), y=_num(centre + lane * LANE), status=key, code=code,
            tooltip=_("%(task)s (%(state)s), due %(due)s") % {
                "task": f"{code}. {_clean(task.title)}", "state": state, "due": task.due.isoformat(),
            },
            url=_url(task.url) if links else "", fill=fill, stroke=stroke, path=SHAPES[key],
        ))
    drawing = StageDrawing(
        label=Label(_num(PAD + STAGE_INDENT), _num(centre + 4.5), fit(stage_label, gutter - PAD - STAGE_INDENT - 8,
                                                                        FONT)),
        bar=bar,
        goal=Label(_num(bar.x_start + 5), _num(centre + 4.5), goal_text) if goal_text else None,
        tooltip=f"{stage_label} {goal}".strip(),
        marks=marks,
    )
    lowest = max(lanes, default=0)
    return drawing, max(STAGE_BAR + 8, centre - y + lowest * LANE + MARK + 5)


def default_id_prefix(plan: TimelinePlan) -> str:
    """An id prefix from a digest of the plan's content.

    Two different plans on one page get different ids, and the same plan the same ids every time (a snapshot
    redrawn gives identical markup).
    """
    digest = hashlib.sha1(json.dumps(to_json(plan), sort_keys=True).encode(), usedforsecurity=False)
    return f"plan-timeline-{digest.hexdigest()[:8]}"


def layout(plan: TimelinePlan, today: dt.date, *, width: int = 1200, id_prefix: str | None = None,
           links: bool = True) -> Drawing:
    """Every coordinate and label of the timeline; `render_timeline` writes it out."""
    if width < 600:
        raise ValueError("A timeline narrower than 600 units cannot fit its labels.")
    id_prefix = id_prefix or default_id_prefix(plan)
    if not _ID.match(id_prefix):
        raise ValueError(f"{id_prefix!r} is not usable as an id prefix.")
    labels = _status_labels()
    gutter = max(170, round(width * 0.16))
    plot_x0, plot_x1 = float(gutter), float(width - 48)  # room on the right for the number beside a last mark
    span = plan_span(plan)
    earliest, latest = span or (today, today)
    scale = TimeScale.spanning(earliest, latest, plot_x0, plot_x1)
    ticks, axis_labels, grid = _axis(scale) if span else ([], [], [])

    phases: list[PhaseDrawing] = []
    y = float(ROWS_TOP)
    for phase in plan.phases:
        name = _clean(phase.name)
        bar = _bar(scale, phase.start, phase.end, earliest, y + (PHASE_ROW - PHASE_BAR) / 2, PHASE_BAR)
        window = format_window(phase.start, phase.end)
        # The window whole or not at all: "2019…" would misstate it.
        window_text = window if text_width(window, FONT) <= bar.x_end - bar.x_start - 12 else ""
        phase_drawing = PhaseDrawing(
            label=Label(_num(PAD), _num(y + PHASE_ROW / 2 + 5), fit(name, gutter - PAD - 8, PHASE_FONT)),
            bar=bar,
            window=Label(_num(bar.x_start + 6), _num(y + PHASE_ROW / 2 + 4.5), window_text) if window_text else None,
            tooltip=f"{name} {window}".strip(),
            stages=[],
            separator_y="",
        )
        y += PHASE_ROW
        for stage in phase.stages:
            stage_drawing, row_height = _stage(stage, scale, earliest, y, gutter, labels, links)
            phase_drawing.stages.append(stage_drawing)
            y += row_height
        y += 4
        phase_drawing.separator_y = _num(y)
        phases.append(phase_drawing)
        y += 4
    rows_bottom = max(y, ROWS_TOP + 24.0)

    # Today, or the plan's end when today is past it (desc says which).
    marker = None
    plan_end = max((phase.end for phase in plan.phases), default=None)
    if span and scale.contains(today):
        x = scale.x(today)
        marker = Marker(_num(x), _num(TOP_LABEL_Y + 4), _num(rows_bottom), _marker_label(x, TOP_LABEL_Y, _("Today"),
                        scale), "today")
    elif span and today >= scale.after and plan_end is not None:
        x = scale.x(plan_end + dt.timedelta(days=1))
        text = _("Today (%(day)s) is past the end") % {"day": today.isoformat()}
        marker = Marker(_num(x), _num(TOP_LABEL_Y + 4), _num(rows_bottom), _marker_label(x, TOP_LABEL_Y, text, scale),
                        "end")

    # Legend: each shape and what it means, so a black-and-white print still reads.
    legend, x = [], float(PAD)
    legend_y = rows_bottom + 22
    for key in ("done", "in_progress", "not_started", "overdue"):
        fill, stroke = _mark_paint(key)
        legend.append(LegendItem(_num(x + MARK), _num(legend_y), SHAPES[key], fill, stroke,
                                 Label(_num(x + 2 * MARK + LABEL_GAP), _num(legend_y + 4.5), labels[key]), key))
        x += 2 * MARK + LABEL_GAP + text_width(labels[key], FONT) + 20
    legend_today = None
    if marker is not None and marker.kind == "today":
        legend_today = Label(_num(x + 10), _num(legend_y + 4.5), _("Today"))
    height = round(legend_y + 20)

    title = _("Plan timeline: %(plan)s") % {"plan": _clean(plan.title)} if plan.title else _("Plan timeline")
    return Drawing(
        width=width, height=height, code_dx=CODE_DX, title=title, desc=_description(plan, today, span, plan_end),
        title_id=f"{id_prefix}-title", desc_id=f"{id_prefix}-desc",
        # A graphic with links in it is a group: children of role="img" are hidden from assistive technology,
        # and the links must stay reachable. Without links it is one image described by <title> and <desc>.
        role="group" if links else "img",
        ticks=ticks, axis_labels=axis_labels, grid=grid, axis_y=_num(AXIS_Y), plot_x0=_num(plot_x0),
        plot_x1=_num(plot_x1), rows_bottom=_num(rows_bottom), phases=phases, marker=marker, legend=legend,
        legend_today=legend_today, legend_line_x=_num(x + 2),
        legend_line_y1=_num(legend_y - 8), legend_line_y2=_num(legend_y + 8), scale=scale if span else None,
    )


def _marker_label(x: float, y: float, text: str, scale: TimeScale) -> Label:
    """Centred on its line, or pushed inward near either edge so it is not cut off."""
    half = text_width(text, FONT) / 2
    if x + half > scale.x1 + 40:
        return Label(_num(x - 4), _num(y), text, "end")
    if x - half < PAD:
        return Label(_num(x + 4), _num(y), text, "start")
    return Label(_num(x), _num(y), text, "middle")


def _description(plan: TimelinePlan, today: dt.date, span: tuple[dt.date, dt.date] | None,
                 plan_end: dt.date | None) -> str:
    """The text equivalent: span, counts by status, and where today falls."""
    if span is None:
        return _("The plan has no phases yet.")
    tasks = plan.tasks
    counts = {status: sum(1 for task in tasks if task.status == status) for status in STATUSES}
    parts = [_(
        "%(start)s to %(end)s: %(phases)d phases, %(stages)d stages, %(tasks)d tasks (%(done)d done, "
        "%(in_progress)d in progress, %(not_started)d not started; %(overdue)d overdue)."
    ) % {
        "start": span[0].isoformat(), "end": span[1].isoformat(), "phases": len(plan.phases),
        "stages": sum(len(phase.stages) for phase in plan.phases), "tasks": len(tasks),
        "done": counts["done"], "in_progress": counts["in_progress"], "not_started": counts["not_started"],
        "overdue": sum(1 for task in tasks if task.overdue and task.status != "done"),
    }]
    if plan_end is not None and today > plan_end:
        parts.append(_("Today, %(day)s, is after the end of the plan on %(end)s.") % {
            "day": today.isoformat(), "end": plan_end.isoformat()})
    elif today < span[0]:
        parts.append(_("Today, %(day)s, is before the plan begins on %(start)s.") % {
            "day": today.isoformat(), "start": span[0].isoformat()})
    else:
        parts.append(_("Today is %(day)s.") % {"day": today.isoformat()})
    return " ".join(str(part) for part in parts)


def render_timeline(plan: TimelinePlan, today: dt.date, *, width: int = 1200, id_prefix: str | None = None,
                    links: bool = True) -> SafeString:
    """The timeline as an inline <svg> (safe to output as is: every text in it is escaped).

    `width` sets the viewBox (the drawing scales to 100% of its container); the ids of <title> and <desc> start
    with `id_prefix`, by default one derived from the plan's content, so several plans can share a page (pass
    your own to draw the same plan twice on one page); `links=False` draws tasks without links (an image, for print or a
    frozen snapshot whose pages may be gone).
    """
    drawing = layout(plan, today, width=width, id_prefix=id_prefix, links=links)
    return render_to_string(TEMPLATE, {"t": drawing})
