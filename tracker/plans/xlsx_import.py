"""The 推进表 read back from Excel: the layout the portal exports (tracker/reporting/plan_xlsx.py), checked row by row.

The sheet: one or two title lines, the header row, then one row a task.

  title line    the attachment's title (附件标题), or the plan's title when the plan has no attachment title
  note line     parts separated by an ideographic space: 《plan title》 (when the title line is the attachment's),
                文号：…, 实施期限：2019.2—2022.12; anything else (状态截至…, 共…项任务) is ignored
  columns       主题 · 时间 · 目标 · 序号 · 内容 · 牵头单位 · 配合单位 · 开始 · 完成时限 · 工作领域
                (开始 and 工作领域 may be left out); the tracking columns 状态 · 进度 · 完成日期 · 最新进展,
                and any other, are ignored

How the cells are read:
  * 主题 is a phase: its name, and its window in brackets at the end: 学习推进年（2019.2—2021.7）. 时间 and 目标 are a
    stage's window and goal. A cell merged over several rows (as Excel users make them) holds for each of those rows;
    so does a cell written only in its first row with the cells below left empty, and a text repeated row by row.
    A 目标 does not run on past a change of 时间: several goals may share one window, not the other way round. A
    merged 时间 or 目标 running past its phase is an error. "—" in 时间 or 目标 means "none" (the export writes it
    where an empty cell would read as the cell above).
  * A phase's first rows with neither 时间 nor 目标 are the tasks it holds directly (the direct stage).
  * 序号 as the export writes it: 15, or 二.3 where numbering restarts in each phase (the plan is then marked so;
    also when a number recurs in another phase). A number may not recur within a phase.
  * 内容: the task's title is its first sentence (up to the first 。) when the text begins with it; otherwise the
    title is the first line and the text the lines below it (the export writes it that way: `content_cell`).
  * 牵头单位 / 配合单位: names separated by 、，, ; or line breaks; a unit's name or short name (the institution's units
    in service, and the review zones and the province); else "every unit of a kind": 各二级关工委, 各委员单位 …
  * 开始 / 完成时限: dates (2020-10-26, 2020.10.26, 2020年10月26日, or a month: 2021.7 is its first day as a start and
    its last as a deadline). The export writes every task's deadline, its own or the one it inherits (its stage's
    end, else its phase's, else the plan's): a 完成时限 equal to the inherited one is read as "none of its own". A
    task whose 开始 and 完成时限 are the same day is a milestone (a single dated event).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from tracker.org.models import OrgUnit
from tracker.org.windows import format_window, month_end, month_start, parse_window
from tracker.org.xlsx import (
    MAX_COLUMNS,
    XlsxFileError,
    append_row,
    cell_text,
    check_xlsx,
    damaged_message,
    write_cell,
)
from tracker.plans.models import PARTY_KIND_LABELS, Task, chinese_numeral

SHEET_TITLE = "推进表"
PHASE, WINDOW, GOAL, NUMBER, CONTENT, LEAD, COOPERATING, START, DUE, AREA = (
    "主题", "时间", "目标", "序号", "内容", "牵头单位", "配合单位", "开始", "完成时限", "工作领域")
COLUMNS = (PHASE, WINDOW, GOAL, NUMBER, CONTENT, LEAD, COOPERATING, START, DUE, AREA)
REQUIRED = (PHASE, WINDOW, GOAL, NUMBER, CONTENT, LEAD, COOPERATING, DUE)
MAX_TASKS = 1000  # a plan has a few dozen tasks; a thousand is far beyond any document
MAX_SHEET_ROWS = MAX_TASKS + 100  # title lines, the header and blank rows counted too
MAX_BYTES = 5 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
NONE_MARKS = {"—", "－", "-", "/", "／", "——", "无"}  # "none" in 时间 and 目标
NOTE_SEPARATOR = "\u3000"
DOCUMENT_NUMBER_LABEL = "文号："
WINDOW_LABEL = "实施期限："
PARTY_SEPARATORS = re.compile(r"[、，,;；\n]+")
_DAY = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_MONTH_ONLY = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?$")
_HEADING = re.compile(r"^(?P<name>.*?)\s*[（(](?P<window>[^（）()]*)[）)]$", re.S)
_TITLE_MAX = Task._meta.get_field("title").max_length
_NUMBER_MAX = Task._meta.get_field("number").max_length


# --- The format's small pieces, shared with the export ---------------------------------------------------------


def phase_heading(name: str, window: str) -> str:
    """The 主题 cell: 学习推进年（2019.2—2021.7）, or the name alone."""
    return f"{name}（{window}）" if window else name


# The phase's number as offices type it before the name ("一、", "2.", "第三阶段："): the portal numbers phases itself.
_PHASE_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、．.]|\d{1,2}\s*[、．.]|第[一二三四五六七八九十\d]+阶段\s*[：:、]?)\s*")


def split_heading(text: str) -> tuple[str, dt.date | None, dt.date | None]:
    """A 主题 cell read back: the name (without a number typed before it) and the window in brackets at its end
    (brackets holding no window stay part of the name); ValueError for a window like 2019.13 in them."""
    text = _PHASE_NUMBER.sub("", text, count=1)
    match = _HEADING.match(text)
    if match and re.search(r"\d{4}", match["window"]):
        start, end = parse_window(match["window"])
        return match["name"].strip(), start, end
    return text.strip(), None, None


def split_content(text: str) -> tuple[str, str]:
    """A 内容 cell read back as (title, text)."""
    text = text.strip()
    first, _newline, rest = text.partition("\n")
    if rest.strip() and "。" not in first:
        return first.strip()[:_TITLE_MAX], rest.strip()
    sentence = text.split("。", 1)[0].strip()
    return sentence[:_TITLE_MAX], text


def content_cell(title: str, text: str) -> str:
    """The 内容 cell the export writes: the text when it begins with its title (read back as the same title),
    otherwise the title on the first line and the text below."""
    if split_content(text) == (title, text.strip()):
        return text
    return f"{title}\n{text}" if text else title


def note_parts(*, title: str, attachment_title: str, document_number: str, window: str) -> list[str]:
    """The note line's parts the import reads."""
    return [part for part in (
        f"《{title}》" if attachment_title else "",
        f"{DOCUMENT_NUMBER_LABEL}{document_number}" if document_number else "",
        f"{WINDOW_LABEL}{window}" if window else "",
    ) if part]


# --- What a checked file holds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRowError:
    """One problem of the file: its row (None for the file as a whole) and column header."""

    row: int | None
    column: str
    message: str


@dataclass
class PartyLine:
    role: str
    kind: str
    unit: int | None
    label: str


@dataclass
class TaskLine:
    row: int
    number: str
    title: str
    text: str
    start: dt.date | None
    due: dt.date | None
    milestone: bool
    work_area: str
    parties: list[PartyLine] = field(default_factory=list)

    @property
    def lead(self) -> str:
        return "、".join(party.label for party in self.parties if party.role == "lead")

    @property
    def cooperating(self) -> str:
        return "、".join(party.label for party in self.parties if party.role == "cooperating")


@dataclass
class StageLine:
    order: int
    goal: str
    start: dt.date | None
    end: dt.date | None
    tasks: list[TaskLine] = field(default_factory=list)

    @property
    def window(self) -> str:
        return format_window(self.start, self.end)

    @property
    def is_direct(self) -> bool:
        return self.start is None and self.end is None and not self.goal


@dataclass
class PhaseLine:
    row: int
    order: int
    name: str
    start: dt.date | None
    end: dt.date | None
    stages: list[StageLine] = field(default_factory=list)

    @property
    def window(self) -> str:
        return format_window(self.start, self.end)

    @property
    def numeral(self) -> str:
        return chinese_numeral(self.order)

    @property
    def tasks(self) -> list[TaskLine]:
        return [task for stage in self.stages for task in stage.tasks]


@dataclass
class PlanSheet:
    """The plan a file describes, as checked (nothing stored)."""

    title: str = ""
    attachment_title: str = ""
    document_number: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    numbering_restarts_each_phase: bool = False
    work_areas: list[str] = field(default_factory=list)
    phases: list[PhaseLine] = field(default_factory=list)

    @property
    def window(self) -> str:
        return format_window(self.start, self.end)

    @property
    def tasks(self) -> list[TaskLine]:
        return [task for phase in self.phases for task in phase.tasks]

    # JSON for the signed preview, and back.
    def to_json(self) -> dict[str, Any]:
        def day(value):
            return value.isoformat() if value else None
        return {
            "title": self.title, "attachment_title": self.attachment_title, "document_number": self.document_number,
            "start": day(self.start), "end": day(self.end), "restarts": self.numbering_restarts_each_phase,
            "work_areas": self.work_areas,
            "phases": [{"row": p.row, "order": p.order, "name": p.name, "start": day(p.start), "end": day(p.end),
                        "stages": [{"order": s.order, "goal": s.goal, "start": day(s.start), "end": day(s.end),
                                    "tasks": [{"row": t.row, "number": t.number, "title": t.title, "text": t.text,
                                               "start": day(t.start), "due": day(t.due), "milestone": t.milestone,
                                               "work_area": t.work_area,
                                               "parties": [[q.role, q.kind, q.unit, q.label] for q in t.parties]}
                                              for t in s.tasks]} for s in p.stages]} for p in self.phases],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlanSheet:
        def day(value):
            return dt.date.fromisoformat(value) if value else None
        return cls(
            title=data["title"], attachment_title=data["attachment_title"], document_number=data["document_number"],
            start=day(data["start"]), end=day(data["end"]), numbering_restarts_each_phase=data["restarts"],
            work_areas=list(data["work_areas"]),
            phases=[PhaseLine(p["row"], p["order"], p["name"], day(p["start"]), day(p["end"]), [
                StageLine(s["order"], s["goal"], day(s["start"]), day(s["end"]), [
                    TaskLine(t["row"], t["number"], t["title"], t["text"], day(t["start"]), day(t["due"]),
                             t["milestone"], t["work_area"], [PartyLine(*q) for q in t["parties"]])
                    for t in s["tasks"]]) for s in p["stages"]]) for p in data["phases"]],
        )


# --- Units named in the party columns ---------------------------------------------------------------------------


class UnitNames:
    """Names → units of an institution (its own, in service or retired, and the zones and province), and the labels
    of "every unit of a kind"."""

    def __init__(self, units: Iterable[OrgUnit]):
        self.by_name: dict[str, OrgUnit] = {}
        self.by_short: dict[str, list[OrgUnit]] = {}
        for unit in units:
            self.by_name.setdefault(unit.name, unit)
            if unit.short_name:
                self.by_short.setdefault(unit.short_name, []).append(unit)
        self.kinds: dict[str, str] = {}
        for kind, label in PARTY_KIND_LABELS.items():
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    for text in (str(label), *((f"各{OrgUnit.Kind(kind).label}", str(OrgUnit.Kind(kind).label))
                                               if kind in (OrgUnit.Kind.COLLEGE, OrgUnit.Kind.MEMBER_UNIT) else ())):
                        self.kinds.setdefault(text.lower(), kind)

    def party(self, name: str) -> tuple[str | None, OrgUnit | None, str]:
        """(kind, unit or None for every unit of the kind, problem) for one name."""
        unit = self.by_name.get(name)
        if unit is None:
            found = self.by_short.get(name, [])
            if len(found) > 1:
                return None, None, _("Several units are called “%(name)s”: write the full name of the one meant "
                                     "(%(names)s).") % {"name": name, "names": "、".join(u.name for u in found)}
            unit = found[0] if found else None
        if unit is not None:
            if unit.is_retired:
                return None, None, _("%(unit)s is retired; bring it back first or name another unit.") % {
                    "unit": unit.name}
            return unit.kind, unit, ""
        kind = self.kinds.get(name.lower())
        if kind is not None:
            return kind, None, ""
        return None, None, _("There is no unit called “%(name)s” in the portal. Add it under Set-up › Units, or "
                             "write a unit's name or short name, or every unit of a kind (各二级关工委, "
                             "各委员单位).") % {"name": name}


# --- Reading the sheet --------------------------------------------------------------------------------------------


@dataclass
class _Cell:
    text: str
    value: Any
    merged: tuple[int, int, int] | None  # (first row, last row, column) of the merged range holding it


def _header_key(value: Any) -> str:
    text = re.sub(r"\s+", "", cell_text(value))
    text = re.sub(r"[（(][^）)]*[）)]", "", text)
    return text.strip("*＊")


def _date(value: Any, *, as_end: bool) -> dt.date | None:
    """A day from a date cell or a text; a month alone is its first day (or its last, `as_end`)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    if match := _DAY.match(text):
        return dt.date(int(match[1]), int(match[2]), int(match[3]))  # ValueError for 2019-13-01 or 2-30
    if match := _MONTH_ONLY.match(text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(text)
        return month_end(year, month) if as_end else month_start(year, month)
    raise ValueError(text)


def _open_sheet(upload: UploadedFile):
    name = upload.name or ""
    try:
        workbook = load_workbook(upload, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds for damaged files; all mean the same to the user
        raise XlsxFileError(damaged_message(name)) from error
    return workbook[SHEET_TITLE] if SHEET_TITLE in workbook.sheetnames else workbook.worksheets[0]


class _Reader:
    def __init__(self, sheet, units: UnitNames):
        self.sheet = sheet
        self.units = units
        self.errors: list[PlanRowError] = []
        self.merged: dict[tuple[int, int], tuple[int, int, int, Any]] = {}
        for cell_range in sheet.merged_cells.ranges:
            first = sheet.cell(cell_range.min_row, cell_range.min_col).value
            for row in range(cell_range.min_row, cell_range.max_row + 1):
                for column in range(cell_range.min_col, min(cell_range.max_col, MAX_COLUMNS) + 1):
                    self.merged[(row, column)] = (cell_range.min_row, cell_range.max_row, cell_range.min_col, first)

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors.append(PlanRowError(row, column, message))

    def cell(self, row: int, column: int | None) -> _Cell:
        if column is None:
            return _Cell("", None, None)
        if (row, column) in self.merged:
            first, last, first_column, value = self.merged[(row, column)]
            return _Cell(cell_text(value), value, (first, last, first_column))
        value = self.sheet.cell(row, column).value
        return _Cell(cell_text(value), value, None)

    def read(self) -> PlanSheet:
        plan = PlanSheet()
        rows = list(self.sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True))
        header_row = columns = None
        lines: list[str] = []
        for number, cells in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
            keys = [_header_key(value) for value in cells]
            if NUMBER in keys and CONTENT in keys:
                header_row, columns = number, {}
                for index, key in enumerate(keys, start=1):
                    if key in COLUMNS:
                        if key in columns:
                            self.error(None, key, _("The column “%(column)s” appears twice.") % {"column": key})
                        columns.setdefault(key, index)
                break
            texts = [str(value).strip() for value in cells if cell_text(value)]  # ideographic spaces kept
            if texts:
                lines.append(texts[0])
        if header_row is None:
            self.error(None, "", _("No header row was found. The row above the tasks must read %(headers)s.")
                       % {"headers": " · ".join(COLUMNS)})
            return plan
        missing = [column for column in REQUIRED if column not in columns]
        if missing:
            self.error(None, "", _("Required column missing: %(columns)s. The header row must read %(headers)s "
                                   "(开始 and 工作领域 may be left out).")
                       % {"columns": "、".join(missing), "headers": " · ".join(COLUMNS)})
        if self.errors:
            return plan
        self._title_lines(plan, lines, header_row)
        self.columns = columns
        self._body(plan, header_row + 1, len(rows))
        return plan

    def _title_lines(self, plan: PlanSheet, lines: list[str], header_row: int) -> None:
        if not lines:
            return
        plan.title = lines[0]
        note = lines[1] if len(lines) > 1 else ""
        if match := re.search(r"《(.+)》", note):
            plan.attachment_title, plan.title = lines[0], match[1].strip()
            note = note.replace(match[0], "")
        for part in re.split(r"[\u3000]+", note):
            part = part.strip()
            if part.startswith(DOCUMENT_NUMBER_LABEL):
                plan.document_number = part[len(DOCUMENT_NUMBER_LABEL):].strip()
            elif part.startswith(WINDOW_LABEL):
                try:
                    plan.start, plan.end = parse_window(part[len(WINDOW_LABEL):])
                except ValueError:
                    self.error(2 if header_row > 2 else 1, "", _(
                        "“%(value)s” is not a window: write it as the documents do, e.g. 2019.2—2022.12.")
                        % {"value": part})
        plan.attachment_title = plan.attachment_title[:200]
        plan.title = plan.title[:200]
        plan.document_number = plan.document_number[:50]

    def _block(self, row: int, column: str, previous: tuple | None, *, first: bool, reset: bool) -> tuple:
        """The block (key, text) this row's cell belongs to: a merged range, a new text, or the block above."""
        cell = self.cell(row, self.columns.get(column))
        if cell.merged:
            key = ("merged", cell.merged)
            if previous and previous[1] == cell.text and not reset and not first:
                return previous
            return (key, cell.text)
        if not cell.text:
            if first or reset or previous is None:
                return (("row", row), "")
            return previous
        if previous and previous[1] == cell.text and not first and not reset:
            return previous
        return (("row", row), cell.text)

    def _body(self, plan: PlanSheet, first_row: int, last_row: int) -> None:
        phase_block = window_block = goal_block = None
        phase: PhaseLine | None = None
        stage: StageLine | None = None
        ranges_seen: dict[tuple, tuple[int, PhaseLine]] = {}  # a merged 时间/目标 range → the phase it began in
        numbers: dict[int, dict[str, int]] = {}  # phase order → number → row
        phases_of_number: dict[str, set[int]] = {}
        prefixed = False
        count = 0
        for row in range(first_row, last_row + 1):
            number_text = self.cell(row, self.columns.get(NUMBER)).text
            content = self.cell(row, self.columns.get(CONTENT)).text
            if not number_text and not content:
                continue
            count += 1
            if count > MAX_TASKS:
                self.error(None, "", _("The sheet has more than %(limit)s tasks; a plan may have at most "
                                       "%(limit)s. Split it into several plans.") % {"limit": MAX_TASKS})
                return
            new_phase_block = self._block(row, PHASE, phase_block, first=phase is None, reset=False)
            if new_phase_block != phase_block:
                phase_block = new_phase_block
                if not phase_block[1]:
                    self.error(row, PHASE, _("The first task has no phase: write the phase in 主题."))
                try:
                    name, start, end = split_heading(phase_block[1])
                except ValueError:
                    name, start, end = phase_block[1], None, None
                    self.error(row, PHASE, _("“%(value)s” holds a window that is not a date range; write it as "
                                             "the documents do, e.g. 学习推进年（2019.2—2021.7）.")
                               % {"value": phase_block[1]})
                phase = PhaseLine(row, len(plan.phases) + 1, name[:100], start, end)
                plan.phases.append(phase)
                numbers[phase.order] = {}
                window_block = goal_block = stage = None
            new_window = self._block(row, WINDOW, window_block, first=stage is None, reset=False)
            new_goal = self._block(row, GOAL, goal_block, first=stage is None, reset=new_window != window_block)
            for column, block in ((WINDOW, new_window), (GOAL, new_goal)):
                if block[0][0] == "merged":
                    began = ranges_seen.setdefault(block[0], (row, phase))
                    if began[1] is not phase:
                        self.error(row, column, _("The merged cell “%(value)s” (from row %(row)s) runs across two "
                                                  "phases; a stage belongs to one phase. Unmerge it at the phase "
                                                  "boundary.") % {"value": block[1], "row": began[0]})
            if stage is None or new_window != window_block or new_goal != goal_block:
                window_block, goal_block = new_window, new_goal
                stage = self._stage(row, phase, window_block[1], goal_block[1])
            before = len(self.errors)
            task = self._task(row, plan, phase, stage, number_text, content)
            if len(self.errors) == before:
                stage.tasks.append(task)
            if task.number:
                key = task.number
                if key in numbers[phase.order]:
                    self.error(row, NUMBER, _("The number %(number)s also appears in row %(row)s of the same "
                                              "phase.") % {"number": number_text, "row": numbers[phase.order][key]})
                numbers[phase.order].setdefault(key, row)
                phases_of_number.setdefault(key, set()).add(phase.order)
                prefixed = prefixed or task.number != number_text
        if count == 0 and not self.errors:
            self.error(None, "", _("The sheet has a header row but no tasks below it."))
        plan.numbering_restarts_each_phase = prefixed or any(len(v) > 1 for v in phases_of_number.values())
        for phase in plan.phases:
            phase.stages = [stage for stage in phase.stages if stage.tasks]

    def _stage(self, row: int, phase: PhaseLine, window: str, goal: str) -> StageLine:
        window = "" if window in NONE_MARKS else window
        goal = "" if goal in NONE_MARKS else goal
        try:
            start, end = parse_window(window)
        except ValueError:
            start = end = None
            self.error(row, WINDOW, _("“%(value)s” is not a window: write it as the documents do, e.g. 2019.9—2021.7, "
                                      "2021.7—12, 2019年11月前 or 2019.9起.") % {"value": window})
        if len(goal) > 200:
            self.error(row, GOAL, _("The goal is longer than 200 characters."))
        stage = StageLine(0, goal[:200], start, end)
        if stage.is_direct and not window:
            if phase.stages:
                self.error(row, WINDOW, _("Tasks with neither 时间 nor 目标 must come first in their phase: they are "
                                          "the phase's own tasks."))
        else:
            stage.order = len([s for s in phase.stages if not s.is_direct]) + 1
        phase.stages.append(stage)
        return stage

    def _task(self, row: int, plan: PlanSheet, phase: PhaseLine, stage: StageLine, number_text: str,
              content: str) -> TaskLine:
        """The row's task; the errors found go to `self.errors` (the task is then not kept)."""
        number = number_text
        for separator in (".", "．", "、"):
            prefix = f"{phase.numeral}{separator}"
            if number.startswith(prefix) and number[len(prefix):].strip():
                number = number[len(prefix):].strip()
                break
        if not number_text:
            self.error(row, NUMBER, _("This column must be filled in: the task's number."))
        elif len(number) > _NUMBER_MAX:
            self.error(row, NUMBER, _("The number is longer than %(limit)s characters.") % {"limit": _NUMBER_MAX})
        if not content:
            self.error(row, CONTENT, _("This column must be filled in: the task's text."))
        title, text = split_content(content)
        dates = {}
        for column, as_end in ((START, False), (DUE, True)):
            cell = self.cell(row, self.columns.get(column))
            try:
                dates[column] = _date(cell.value, as_end=as_end)
            except ValueError:
                dates[column] = None
                self.error(row, column, _("“%(value)s” is not a date; write it like 2021-07-31.")
                           % {"value": cell.text})
        start, due = dates[START], dates[DUE]
        milestone = start is not None and start == due
        if milestone:
            start = None
        elif start and due and start > due:
            self.error(row, START, _("The start %(start)s is after the deadline %(due)s.")
                       % {"start": start.isoformat(), "due": due.isoformat()})
        inherited = stage.end or phase.end or plan.end
        if not milestone and due is not None and due == inherited:
            due = None
        area = self.cell(row, self.columns.get(AREA)).text
        if len(area) > 50:
            self.error(row, AREA, _("The work area is longer than 50 characters."))
        elif area and area not in plan.work_areas:
            plan.work_areas.append(area)
        parties: list[PartyLine] = []
        for column, role in ((LEAD, "lead"), (COOPERATING, "cooperating")):
            seen = set()
            for name in PARTY_SEPARATORS.split(self.cell(row, self.columns.get(column)).text):
                name = name.strip()
                if not name:
                    continue
                kind, unit, problem = self.units.party(name)
                if problem:
                    self.error(row, column, problem)
                    continue
                key = (kind, unit.pk if unit else None)
                if key in seen:
                    continue
                seen.add(key)
                parties.append(PartyLine(role, kind, unit.pk if unit else None, unit.label if unit else name))
        return TaskLine(row, number, title, text, start, due, milestone, area, parties)


def read_plan(upload: UploadedFile, units: Iterable[OrgUnit]) -> tuple[PlanSheet, list[PlanRowError]]:
    """The plan an uploaded 推进表 describes and every problem found, by row and column (nothing is stored)."""
    try:
        check_xlsx(upload, max_bytes=MAX_BYTES, max_rows=MAX_SHEET_ROWS)
        sheet = _open_sheet(upload)
    except XlsxFileError as error:
        return PlanSheet(), [PlanRowError(None, "", message) for message in error.messages]
    reader = _Reader(sheet, UnitNames(units))
    try:
        plan = reader.read()
    except XlsxFileError as error:
        return PlanSheet(), [PlanRowError(None, "", message) for message in error.messages]
    return plan, reader.errors


# --- The template -------------------------------------------------------------------------------------------------

EXAMPLE_TITLE = "某某大学关工委优质化建设工作推进表"
EXAMPLE_NOTE = NOTE_SEPARATOR.join(note_parts(title="某某大学推进关工委优质化建设工作的实施意见",
                                              attachment_title=EXAMPLE_TITLE, document_number="某委〔2025〕1号",
                                              window="2025.3—2027.12"))
EXAMPLE_ROW = {PHASE: "学习推进年（2025.3—2025.12）", WINDOW: "2025.3—7", GOAL: "深入学习，统一认识，提高站位",
               NUMBER: "1", CONTENT: "举办关工委骨干人员培训班。邀请专家为校院两级关工委骨干人员做辅导报告。",
               LEAD: "校关工委", COOPERATING: "各二级关工委", START: "", DUE: "2025-06-30", AREA: "队伍建设"}
WIDTHS = {PHASE: 16, WINDOW: 12, GOAL: 18, NUMBER: 6, CONTENT: 48, LEAD: 14, COOPERATING: 14, START: 12, DUE: 12,
          AREA: 10}


def template_notes() -> list[str]:
    return [
        _("How to fill in the 推进表"),
        _("Line 1: the attachment's title (or the plan's). Line 2: 《the plan's title》, 文号：… and 实施期限：…, "
          "separated by an ideographic space; both lines may be left out and the title typed on the upload form."),
        _("One row a task. 主题 is the phase with its window in brackets; 时间 and 目标 the stage's window and goal. "
          "Merge a cell over the rows it covers, or write it in its first row and leave the cells below empty."),
        _("Windows as the documents write them: 2019.9—2021.7, 2021.7—12, 2019年11月前, 2019.9起. Dates like "
          "2021-07-31. Format the 时间 column as text, or Excel turns 2019.10 into 2019.1."),
        _("牵头单位 and 配合单位: unit names or short names as in the portal, several separated by 、, or every unit "
          "of a kind: 各二级关工委, 各委员单位, 校院两级党委."),
        _("开始 may be left empty (the task starts with its stage); 完成时限 too (its stage's end). A milestone: the "
          "same day in 开始 and 完成时限. 工作领域 (队伍建设, 平台建设 …) may be left empty."),
        _("A plan exported from the portal (推进表 .xlsx) can be imported as it is."),
    ]


def write_template() -> bytes:
    """The 推进表 template: title lines, the header row and one worked example, and a sheet of notes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    write_cell(sheet, 1, 1, EXAMPLE_TITLE).font = Font(size=14, bold=True)
    write_cell(sheet, 2, 1, EXAMPLE_NOTE)
    for index, column in enumerate(COLUMNS, start=1):
        cell = write_cell(sheet, 3, index, column)
        cell.font = Font(bold=True, color="9B1C1C" if column in (PHASE, NUMBER, CONTENT) else "000000")
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
        write_cell(sheet, 4, index, EXAMPLE_ROW[column] or None)
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[column]
    sheet.freeze_panes = "A4"
    notes = workbook.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 110
    for line in template_notes():
        append_row(notes, [line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
