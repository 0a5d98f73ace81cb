"""A standard's xlsx layout (序号 · 一级指标 · 内容 · 评分要求 · 分值 · 计分方式): reading uploads, writing exports.

The file checks (xlsx or not, size) and the cell-to-text rules are shared (tracker/xlsx.py); this module knows
the standard's columns and how a 计分方式 cell names a scoring mode. What a valid standard is, and who may import
one, lives in services/standards.py.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tracker.assessments.models.standards import StandardItem
from tracker.org.xlsx import (
    XLSX_CONTENT_TYPE,
    CellError,
    XlsxFileError,
    append_row,
    cell_text,
    check_xlsx,
    damaged_message,
    read_rows,
)

__all__ = [
    "COLUMNS", "MAX_ROWS", "XLSX_CONTENT_TYPE", "CellError", "StandardFileError", "StandardSheet",
    "cell_points", "mode_text", "parse_mode", "read_standard", "write_standard",
]

Mode = StandardItem.Mode
SHEET_TITLE = "基本要求"
MAX_ROWS = 500
MAX_SHEET_ROWS = 1_000  # the items, the header, title lines and blank rows between groups, all counted
MAX_BYTES = 10 * 1024 * 1024
HEADER_SEARCH_ROWS = 10  # a title line or two above the header row is tolerated


@dataclass(frozen=True)
class Column:
    """One column; the header is the file format's key, so it is fixed Chinese, not translated."""

    header: str
    field: str
    required: bool = True
    width: int = 12


COLUMNS: tuple[Column, ...] = (
    Column("序号", "number", width=6),
    Column("一级指标", "group", width=14),
    Column("内容", "text", width=50),
    Column("评分要求", "rule", required=False, width=40),
    Column("分值", "points", width=8),
    Column("计分方式", "mode", width=14),
)
HEADERS = tuple(column.header for column in COLUMNS)
REQUIRED_HEADERS = tuple(column.header for column in COLUMNS if column.required)

# How each mode is written in the 计分方式 column (a deduction adds its step: 扣分0.5).
MODE_WORDS = {
    Mode.ALL_OR_NOTHING: "全有全无",
    Mode.GRADED_THREE: "三档",
    Mode.GRADED_ABCD: "四档",
    Mode.DEDUCTION: "扣分",
    Mode.BONUS: "加分",
}
STEP = re.compile(r"扣\s*分?\s*(\d+(?:\.\d+)?)")


class StandardFileError(Exception):
    """The file as a whole cannot be read as a standard (not xlsx, empty, a column missing, too many rows …)."""

    def __init__(self, messages: str | Sequence[str]):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


@dataclass
class StandardSheet:
    """The columns found (header → 0-based index) and the non-empty data rows with their sheet row numbers."""

    columns: dict[str, int]
    rows: list[tuple[int, tuple[Any, ...]]]

    def value(self, cells: tuple[Any, ...], header: str) -> Any:
        index = self.columns.get(header)
        if index is None or index >= len(cells):
            return None
        return cells[index]


# --- Cells -----------------------------------------------------------------------------------


def cell_points(value: Any) -> Decimal:
    """分值: a number of at least zero, as a number cell or text (“5”, “5分”)."""
    text = cell_text(value)
    if not text:
        raise CellError(_("This column must be filled in."))
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a number of points.") % {"value": text})
    try:
        points = Decimal(text.removesuffix("分").strip())
    except InvalidOperation:
        raise CellError(_("“%(value)s” is not a number of points.") % {"value": text}) from None
    if not points.is_finite():
        raise CellError(_("“%(value)s” is not a number of points.") % {"value": text})
    if points < 0:
        raise CellError(_("Points cannot be negative."))
    return points


def parse_mode(value: Any) -> tuple[str, Decimal | None]:
    """计分方式 → (mode, points per shortfall).

    全有全无, 三档, 四档, 加分, or 扣分 with a step (扣分0.5, 每少1次扣0.5分); the stored values work too.
    """
    text = re.sub(r"\s+", "", cell_text(value))
    if not text:
        raise CellError(_("This column must be filled in."))
    if text.lower() in Mode.values and text.lower() != Mode.DEDUCTION:
        return text.lower(), None
    if "扣" in text or text.lower().startswith(Mode.DEDUCTION):
        match = STEP.search(text) or re.search(r"(\d+(?:\.\d+)?)$", text)
        if match is None or Decimal(match.group(1)) <= 0:
            raise CellError(_("“%(value)s” does not say how many points each shortfall takes off; write it like "
                              "扣分0.5 or 每少1次扣0.5分.") % {"value": text})
        return Mode.DEDUCTION, Decimal(match.group(1))
    for mode, word in MODE_WORDS.items():
        if mode != Mode.DEDUCTION and text.startswith(word):
            return mode, None
    if text.upper() in ("ABCD", "A/B/C/D"):
        return Mode.GRADED_ABCD, None
    allowed = "、".join(["全有全无", "三档", "四档", "扣分0.5", "加分"])
    raise CellError(_("“%(value)s” is not a scoring mode; write one of %(allowed)s.")
                    % {"value": text, "allowed": allowed})


def mode_text(mode: str, deduction_step: Decimal | None) -> str:
    """How an item's mode is written in the file; read back by parse_mode."""
    if mode == Mode.DEDUCTION:
        return f"扣分{deduction_step.normalize():f}" if deduction_step else MODE_WORDS[Mode.DEDUCTION]
    return MODE_WORDS[Mode(mode)]


# --- Reading ---------------------------------------------------------------------------------


def _header_key(value: Any) -> str:
    """A header without spaces, a required-mark asterisk or a note in brackets: “分值*（分）” → 分值."""
    text = re.sub(r"\s+", "", cell_text(value))
    text = re.sub(r"[（(][^）)]*[）)]", "", text)
    return text.strip("*＊")


def _read_header(keys: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    problems: list[str] = []
    for index, key in enumerate(keys):
        if key not in HEADERS:
            continue
        if key in columns:
            problems.append(_("The column “%(column)s” appears twice.") % {"column": key})
        else:
            columns[key] = index
    missing = [header for header in REQUIRED_HEADERS if header not in columns]
    if missing:
        problems.append(_("Required column missing: %(columns)s. The header row must read %(headers)s.")
                        % {"columns": "、".join(missing), "headers": " · ".join(HEADERS)})
    if problems:
        raise StandardFileError(problems)
    return columns


def read_standard(upload: UploadedFile, *, max_rows: int = MAX_ROWS) -> StandardSheet:
    """Find the header row, check the required columns and collect the non-empty rows (at most max_rows)."""
    columns: dict[str, int] | None = None
    data: list[tuple[int, tuple[Any, ...]]] = []
    rows = None
    try:
        check_xlsx(upload, max_bytes=MAX_BYTES, max_rows=MAX_SHEET_ROWS)
        rows = read_rows(upload, sheet_title=SHEET_TITLE, max_rows=MAX_SHEET_ROWS)
        for number, cells in rows:
            if all(not cell_text(value) for value in cells):
                continue
            if columns is None:
                keys = [_header_key(value) for value in cells]
                if not any(key in HEADERS for key in keys):
                    if number >= HEADER_SEARCH_ROWS:
                        break
                    continue
                columns = _read_header(keys)
                continue
            if len(data) >= max_rows:
                raise StandardFileError(
                    _("The file has more than %(limit)s items. A standard may have at most %(limit)s.")
                    % {"limit": max_rows}
                )
            data.append((number, tuple(cells)))
    except StandardFileError:
        raise
    except XlsxFileError as error:
        raise StandardFileError(error.messages) from None
    except Exception as error:  # a sheet openpyxl can open but not parse
        raise StandardFileError(damaged_message(upload.name or "")) from error
    finally:
        if rows is not None:
            rows.close()  # closes the workbook even when reading stopped early
    if columns is None:
        raise StandardFileError(_("No header row was found. The first row must read %(headers)s.")
                                % {"headers": " · ".join(HEADERS)})
    if not data:
        raise StandardFileError(_("The file has a header row but no items."))
    return StandardSheet(columns=columns, rows=data)


# --- Writing ---------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")


def write_standard(rows: Iterable[Sequence[Any]]) -> bytes:
    """A workbook with the header row and one row per item, ready to be edited and imported again."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    append_row(sheet, HEADERS)
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for row in rows:
        append_row(sheet, row)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
