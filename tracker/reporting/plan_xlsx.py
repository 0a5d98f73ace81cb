"""A plan's task table as an xlsx workbook in the layout of the document's attachment (推进表).

Columns as the document has them (主题 · 时间 · 目标 · 序号 · 内容), the parties and dates
(牵头单位 · 配合单位 · 开始 · 完成时限 · 工作领域), then the tracking columns (状态 · 进度 · 完成日期 · 最新进展).
The first ten are what the plan import reads back (tracker/plans/xlsx_import.py describes the format):
开始 is the task's own start (blank when it starts with its stage; a milestone's one date, so that
开始 = 完成时限 marks it), 完成时限 its deadline, its own or its stage's, phase's or plan's end (the import
takes one equal to the inherited end as none of its own). The note line carries the plan's title, 文号 and
实施期限; 主题 the phase's window. As in the document, a phase's cell spans its tasks, and so do a stage's
window and goal; consecutive stages of a phase with the same window share one 时间 cell (CUMT's
2019.9—2021.7 covers three goals); a stage with no window or goal below the phase's first row shows "—",
which the import reads as none (an empty cell would read as the one above). Written with openpyxl like the
ledger export; headers are fixed Chinese text (a file format), status labels come from the Chinese catalogue
(`data.task_row`). Printed on A4 landscape, one page wide, the header row repeated on every page.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import unicodedata

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from tracker.org.xlsx import write_cell
from tracker.plans import xlsx_import
from tracker.plans.models import Plan
from tracker.reporting.data import PlanTable, plan_table

SHEET_TITLE = "推进表"
# (header, column width in characters)
COLUMNS = [
    ("主题", 12),
    ("时间", 10),
    ("目标", 16),
    ("序号", 6),
    ("内容", 48),
    ("牵头单位", 14),
    ("配合单位", 14),
    ("开始", 11),
    ("完成时限", 11),
    ("工作领域", 10),
    ("状态", 12),
    ("进度", 7),
    ("完成日期", 11),
    ("最新进展", 34),
]
HEADERS = [header for header, _width in COLUMNS]
assert tuple(HEADERS[:len(xlsx_import.COLUMNS)]) == xlsx_import.COLUMNS  # what the import reads, in its order
(PHASE, WINDOW, GOAL, NUMBER, CONTENT, LEAD, COOPERATING, START, DUE, AREA, STATUS, PROGRESS, DONE_ON,
 LATEST) = range(1, 15)
TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3
FIRST_TASK_ROW = HEADER_ROW + 1

FONT_SIZE = 10
LINE_HEIGHT = 14  # points per line of 10 pt text, CJK included
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
OVERDUE_FONT = Font(size=FONT_SIZE, color="C00000", bold=True)
CENTRED = {PHASE, WINDOW, GOAL, NUMBER, START, DUE, AREA, STATUS, PROGRESS, DONE_ON}
NONE = "—"  # no window or goal, where an empty cell would read as the one above


def export_filename(plan: Plan, today: dt.date) -> str:
    """<attachment title>_<date>.xlsx, e.g. 中国矿业大学关工委优质化建设工作推进表_2021-11-30.xlsx."""
    return f"{plan.attachment_title or plan.title}_{today.isoformat()}.xlsx"


def plan_workbook(plan: Plan, today: dt.date) -> bytes:
    """The plan's tasks with their status on `today` as an xlsx file (three queries, whatever the number of tasks)."""
    return table_workbook(plan_table(plan, today), today)


def _text_units(text: str) -> int:
    """Width of a text in Excel column units: a CJK (wide) character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _lines(text: str, width: int) -> int:
    """Lines a wrapped text takes in a column `width` characters wide."""
    usable = max(width - 1, 1)
    return sum(max(1, math.ceil(_text_units(line) / usable)) for line in str(text).split("\n"))


def table_workbook(table: PlanTable, today: dt.date) -> bytes:
    """A `PlanTable` as the 推进表 workbook."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    last_column = get_column_letter(len(COLUMNS))

    write_cell(sheet, TITLE_ROW, 1, table.attachment_title or table.title).font = Font(size=16, bold=True)
    sheet.cell(TITLE_ROW, 1).alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[TITLE_ROW].height = 30
    note = xlsx_import.NOTE_SEPARATOR.join([
        *xlsx_import.note_parts(title=table.title, attachment_title=table.attachment_title,
                                document_number=table.document_number, window=table.window),
        f"状态截至{today.year}年{today.month}月{today.day}日",
        f"共{len(table.tasks)}项任务，已完成{table.done}项，逾期{table.overdue}项",
    ])
    write_cell(sheet, NOTE_ROW, 1, note).font = Font(size=FONT_SIZE)
    sheet.cell(NOTE_ROW, 1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[NOTE_ROW].height = 20

    for column, header in enumerate(HEADERS, start=1):
        cell = write_cell(sheet, HEADER_ROW, column, header)
        cell.font = Font(size=FONT_SIZE + 1, bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[HEADER_ROW].height = 22

    merges: list[tuple[int, int, int, str]] = []  # (column, first row, last row, text)
    row = FIRST_TASK_ROW
    for phase in table.phases:
        merges.append((PHASE, row, row + len(phase.tasks) - 1, phase.heading))
        phase_start = window_start = row
        for index, stage in enumerate(phase.stages):
            goal = stage.goal or (NONE if row > phase_start else "")
            merges.append((GOAL, row, row + len(stage.tasks) - 1, goal))
            for task in stage.tasks:
                _write_task(sheet, row, task)
                row += 1
            following = phase.stages[index + 1] if index + 1 < len(phase.stages) else None
            if following is None or following.window != stage.window:
                window = stage.window or (NONE if window_start > phase_start else "")
                merges.append((WINDOW, window_start, row - 1, window))
                window_start = row

    for column, first, last, text in merges:
        write_cell(sheet, first, column, text)
        for merged_row in range(first, last + 1):
            _style(sheet.cell(merged_row, column), column)
    _fit_row_heights(sheet, FIRST_TASK_ROW, row - 1, merges)
    # Merge last: openpyxl borders a merged range from its cells as they are at merge time.
    sheet.merge_cells(f"A{TITLE_ROW}:{last_column}{TITLE_ROW}")
    sheet.merge_cells(f"A{NOTE_ROW}:{last_column}{NOTE_ROW}")
    for column, first, last, _text in merges:
        if last > first:
            sheet.merge_cells(start_row=first, start_column=column, end_row=last, end_column=column)

    for index, (_header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(FIRST_TASK_ROW, 1)
    _page_setup(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _style(cell, column: int) -> None:
    cell.font = Font(size=FONT_SIZE)
    cell.border = BORDER
    cell.alignment = Alignment(horizontal="center" if column in CENTRED else "left", vertical="center",
                               wrap_text=True)


def _write_task(sheet: Worksheet, row: int, task) -> None:
    values = {
        NUMBER: task.code,
        CONTENT: xlsx_import.content_cell(task.title, task.text),
        LEAD: task.lead,
        COOPERATING: task.cooperating,
        START: task.start,
        DUE: task.due,
        AREA: task.work_area,
        STATUS: task.status,
        PROGRESS: task.progress / 100,
        DONE_ON: task.done_on,
        LATEST: task.latest,
    }
    for column, value in values.items():
        cell = write_cell(sheet, row, column, value)
        _style(cell, column)
    sheet.cell(row, PROGRESS).number_format = "0%"
    sheet.cell(row, START).number_format = "yyyy-mm-dd"
    sheet.cell(row, DUE).number_format = "yyyy-mm-dd"
    sheet.cell(row, DONE_ON).number_format = "yyyy-mm-dd"
    if task.overdue:
        sheet.cell(row, STATUS).font = OVERDUE_FONT
        sheet.cell(row, DUE).font = OVERDUE_FONT


def _fit_row_heights(sheet: Worksheet, first: int, last: int, merges: list[tuple[int, int, int, str]]) -> None:
    """Set each row tall enough for its wrapped text: spreadsheet programs do not grow rows written by openpyxl
    when printing, and a cut-off task text would mislead a reader of the paper copy."""
    widths = {index: width for index, (_header, width) in enumerate(COLUMNS, start=1)}
    merged_columns = {PHASE, WINDOW, GOAL}
    lines = {}
    for row in range(first, last + 1):
        lines[row] = max(
            [_lines(sheet.cell(row, column).value or "", widths[column])
             for column in widths if column not in merged_columns] or [1]
        )
    for column, start, end, text in merges:
        needed = _lines(text, widths[column])
        have = sum(lines[row] for row in range(start, end + 1))
        if needed > have:
            lines[end] += needed - have
    for row, count in lines.items():
        sheet.row_dimensions[row].height = count * LINE_HEIGHT + 6


def _page_setup(sheet: Worksheet) -> None:
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.oddFooter.center.size = 9
