"""The roster's xlsx layout: reading uploaded workbooks and writing the template and exports.

openpyxl does the file work; this module knows the layout (Chinese headers, 是/否, choice labels) and turns
cell values into Python values, whatever program saved the file: Excel and LibreOffice store years as
floats or text, dates as date cells or text, and booleans as TRUE cells, 1 or 是. Rules about who may
import what, and what a valid volunteer is, live in services/roster.py.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from tracker import access
from tracker.org.models import Profile
from tracker.org.xlsx import (
    NO,
    XLSX_CONTENT_TYPE,
    YES,
    CellError,
    XlsxFileError,
    append_row,
    cell_text,
    check_xlsx,
    damaged_message,
    is_blank,
    normalise,
    read_rows,
    safe_cell,
)
from tracker.roster.models import Volunteer

# The roster's name for a file that cannot be read as a whole; kept for its callers.
RosterFileError = XlsxFileError
__all__ = ["NO", "XLSX_CONTENT_TYPE", "YES", "CellError", "RosterFileError", "cell_text", "check_xlsx"]

SHEET_TITLE = "花名册"
NOTES_TITLE = "填写说明"
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 10  # a title line or two above the header row is tolerated
TRUE_WORDS = {"是", "y", "yes", "1", "true", "t", "√", "对"}
FALSE_WORDS = {"否", "n", "no", "0", "false", "f", "×", "x", "不是"}


@dataclass(frozen=True)
class Column:
    """One column of the layout. The header is the file format's key, so it is fixed Chinese, not translated."""

    header: str
    field: str
    kind: str  # text, year, bool, choice, date, unit, tags
    required: bool = False
    width: int = 12


COLUMNS: tuple[Column, ...] = (
    Column("工号", "staff_number", "text", required=True, width=12),
    Column("姓名", "name", "text", required=True, width=10),
    Column("所在单位", "unit", "unit", required=True, width=22),
    Column("性别", "gender", "choice", width=6),
    Column("出生年份", "birth_year", "year", width=9),
    Column("退休年份", "retired_year", "year", width=9),
    Column("原职务", "former_post", "text", width=14),
    Column("原单位", "former_unit", "text", width=18),
    Column("五老类别", "category", "choice", width=10),
    Column("中共党员", "party_member", "bool", width=9),
    Column("联系电话", "phone", "text", width=14),
    Column("资源特长", "specialities", "tags", width=24),
    Column("层次", "layer", "choice", width=9),
    Column("有条件", "eligible", "bool", width=7),
    Column("参与", "participating", "bool", width=6),
    Column("骨干", "backbone", "bool", width=6),
    Column("起始日期", "active_from", "date", width=12),
    Column("终止日期", "active_to", "date", width=12),
)
COLUMN_BY_HEADER = {column.header: column for column in COLUMNS}
COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}
REQUIRED_HEADERS = tuple(column.header for column in COLUMNS if column.required)
CHOICES = {
    "gender": Volunteer.Gender,
    "category": Volunteer.Category,
    "layer": Volunteer.Layer,
}


@dataclass
class RosterSheet:
    """What was read: the columns found (header → 0-based index) and the data rows with their sheet row numbers."""

    columns: dict[str, int]
    rows: list[tuple[int, tuple[Any, ...]]]
    ignored_headers: list[str] = field(default_factory=list)

    def value(self, cells: tuple[Any, ...], header: str) -> Any:
        index = self.columns.get(header)
        if index is None or index >= len(cells):
            return None
        return cells[index]


# --- Choice labels ---------------------------------------------------------------------------


def chinese_label(choices: type, value: str) -> str:
    """The label a choice is written with in files: its Simplified Chinese label, whatever the page's language."""
    if not value:
        return ""
    with translation.override("zh-hans"):
        return str(choices(value).label)


def choice_lookup(choices: type) -> dict[str, str]:
    """Every accepted spelling of each choice (Chinese label, English label, stored value) → stored value."""
    lookup: dict[str, str] = {}
    for value in choices.values:
        lookup[value.lower()] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup[normalise(str(choices(value).label)).lower()] = value
    return lookup


# --- Reading cells ---------------------------------------------------------------------------


YEAR_TEXT = re.compile(r"^(\d{4})(?:\.0+)?\s*年?$")


def cell_year(value: Any) -> int | None:
    """A year written as a number (2019 or 2019.0), as text ("2019", "2019年"), or a date cell (its year)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a year; write it like 1956.") % {"value": value})
    if isinstance(value, (dt.date, dt.datetime)):
        return value.year
    if isinstance(value, (int, float)):
        if float(value).is_integer():
            return int(value)
        raise CellError(_("“%(value)s” is not a year; write it like 1956.") % {"value": value})
    match = YEAR_TEXT.match(normalise(str(value)))
    if not match:
        raise CellError(_("“%(value)s” is not a year; write it like 1956.") % {"value": normalise(str(value))})
    return int(match.group(1))


def cell_bool(value: Any) -> bool | None:
    """是/否, Y/N, 1/0, TRUE/FALSE (text or boolean cells); None for a blank cell."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = normalise(str(value)).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(_("“%(value)s” is not yes or no; write 是 or 否.") % {"value": normalise(str(value))})


DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def cell_date(value: Any) -> dt.date | None:
    """A date cell, or text such as 2020-01-01, 2020/1/1, 2020.1.1 or 2020年1月1日."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
        # A date cell whose date format was lost: the spreadsheet's day number.
        converted = from_excel(value)
        return converted.date() if isinstance(converted, dt.datetime) else converted
    text = normalise(str(value))
    match = DATE_TEXT.match(text)
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise CellError(_("“%(value)s” is not a date; write it like 2020-01-01.") % {"value": text})


def cell_choice(value: Any, lookup: Mapping[str, str], choices: type) -> str:
    """One of the allowed labels; the message lists them as the file writes them."""
    if is_blank(value):
        return ""
    key = normalise(str(value)).lower()
    if key in lookup:
        return lookup[key]
    allowed = "、".join(chinese_label(choices, choice) for choice in choices.values)
    raise CellError(
        _("“%(value)s” is not one of: %(allowed)s.") % {"value": normalise(str(value)), "allowed": allowed}
    )


# --- Reading the file ------------------------------------------------------------------------


def _header_key(value: Any) -> str:
    """A header as typed, without spaces, a required-mark asterisk or a note in brackets: “工号*（必填）” → 工号."""
    text = re.sub(r"\s+", "", cell_text(value))
    text = re.sub(r"[（(][^）)]*[）)]", "", text)
    return text.strip("*＊")


def read_roster(upload: UploadedFile, *, max_rows: int = MAX_ROWS) -> RosterSheet:
    """Read the roster sheet: find the header row, check the required columns, collect the non-empty rows.

    The sheet may have the header row and max_rows more, blank rows included (a title line above the header
    takes one of them): counting only the people, a file of millions of blank rows would be read to its end.
    The template's drop-down lists reach the same row, and LibreOffice writes a formatted empty cell for each.
    """
    sheet_rows = max_rows + 1
    check_xlsx(upload, max_bytes=MAX_BYTES, max_rows=sheet_rows)
    columns: dict[str, int] | None = None
    ignored: list[str] = []
    data: list[tuple[int, tuple[Any, ...]]] = []
    rows = read_rows(upload, sheet_title=SHEET_TITLE, max_rows=sheet_rows)
    try:
        for number, cells in rows:
            if all(is_blank(value) for value in cells):
                continue
            if columns is None:
                keys = [_header_key(value) for value in cells]
                if not any(key in COLUMN_BY_HEADER for key in keys):
                    if number >= HEADER_SEARCH_ROWS:
                        break
                    continue
                columns, ignored = _read_header(keys)
                continue
            data.append((number, tuple(cells)))  # read_rows stops past the header row and max_rows more
    except RosterFileError:
        raise
    except Exception as error:  # a sheet openpyxl can open but not parse
        raise RosterFileError(damaged_message(upload.name or "")) from error
    finally:
        rows.close()  # closes the workbook even when reading stopped early
    if columns is None:
        raise RosterFileError(
            _("No header row was found. The first row must hold the column names of the template, such as "
              "%(columns)s.") % {"columns": "、".join(REQUIRED_HEADERS)}
        )
    if not data:
        raise RosterFileError(_("The file has a header row but no rows of people."))
    return RosterSheet(columns=columns, rows=data, ignored_headers=ignored)


def _read_header(keys: list[str]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    problems: list[str] = []
    for index, key in enumerate(keys):
        if not key:
            continue
        if key not in COLUMN_BY_HEADER:
            ignored.append(key)
        elif key in columns:
            problems.append(_("The column “%(column)s” appears twice.") % {"column": key})
        else:
            columns[key] = index
    missing = [header for header in REQUIRED_HEADERS if header not in columns]
    if missing:
        problems.append(
            _("Required column missing: %(columns)s. Use the template's header row.")
            % {"columns": "、".join(missing)}
        )
    if problems:
        raise RosterFileError(problems)
    return columns, ignored


# --- Writing ---------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")


def _bool_text(value: bool) -> str:
    return YES if value else NO


def volunteer_cells(volunteer: Volunteer, *, with_phone: bool, columns: Sequence[Column]) -> list[Any]:
    """One volunteer as a row of the layout (specialities and unit must be prefetched or joined)."""
    values: dict[str, Any] = {
        "staff_number": volunteer.staff_number,
        "name": volunteer.name,
        "unit": volunteer.unit.name,
        "gender": chinese_label(Volunteer.Gender, volunteer.gender),
        "birth_year": volunteer.birth_year,
        "retired_year": volunteer.retired_year,
        "former_post": volunteer.former_post,
        "former_unit": volunteer.former_unit,
        "category": chinese_label(Volunteer.Category, volunteer.category),
        "party_member": _bool_text(volunteer.party_member),
        "phone": volunteer.phone if with_phone else "",
        "specialities": "、".join(tag.name for tag in volunteer.specialities.all()),
        "layer": chinese_label(Volunteer.Layer, volunteer.layer),
        "eligible": _bool_text(volunteer.eligible),
        "participating": _bool_text(volunteer.participating),
        "backbone": _bool_text(volunteer.backbone),
        "active_from": volunteer.active_from,
        "active_to": volunteer.active_to,
    }
    return [values[column.field] for column in columns]


def _validations(columns: Sequence[Column], last_row: int) -> list[DataValidation]:
    """Drop-down lists for yes/no and choice columns, so Excel and LibreOffice offer the allowed values."""
    rules = []
    for index, column in enumerate(columns, start=1):
        if column.kind == "bool":
            allowed = [YES, NO]
        elif column.kind == "choice":
            choices = CHOICES[column.field]
            allowed = [chinese_label(choices, value) for value in choices.values]
        else:
            continue
        rule = DataValidation(type="list", formula1='"' + ",".join(allowed) + '"', allow_blank=True)
        letter = get_column_letter(index)
        rule.add(f"{letter}2:{letter}{last_row}")
        rules.append(rule)
    return rules


def write_roster(rows: Iterable[Sequence[Any]], *, columns: Sequence[Column], notes: Sequence[str] = ()) -> bytes:
    """A workbook with the roster sheet (header row, then `rows`) and, when given, a sheet of instructions."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "C2"
    for rule in _validations(columns, MAX_ROWS + 1):
        sheet.data_validations.append(rule)
    append_row(sheet, [
        safe_cell(sheet, column.header, font=Font(bold=True, color="9B1C1C" if column.required else "000000"),
                  fill=HEADER_FILL, alignment=Alignment(horizontal="center"))
        for column in columns
    ])
    date_columns = {index for index, column in enumerate(columns) if column.kind == "date"}
    text_columns = {index for index, column in enumerate(columns) if column.field in ("staff_number", "phone")}
    for values in rows:
        cells = []
        for index, value in enumerate(values):
            if index in date_columns and value:
                cells.append(safe_cell(sheet, value, number_format="yyyy-mm-dd"))
            elif index in text_columns and value:
                # Text, so Excel keeps leading zeros and does not show long numbers as 1.39E+10.
                cells.append(safe_cell(sheet, str(value), number_format="@"))
            else:
                cells.append(value)
        append_row(sheet, cells)
    if notes:
        notes_sheet = workbook.create_sheet(NOTES_TITLE)
        notes_sheet.column_dimensions["A"].width = 100
        for line in notes:
            append_row(notes_sheet, [line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_for(reader, volunteers: Iterable[Volunteer]) -> bytes:
    """The roster as `reader` may take it away, in the template's layout (so it can be edited and imported again):
    a leader's file has no phone column; anyone else's has phones only where they may see them (`access`).
    `volunteers` from `for_roster()`; the roster page's download and the export jobs (reporting/exports.py) alike."""
    with_phone_column = access.role_of(reader) != Profile.Role.LEADER
    columns = [column for column in COLUMNS if with_phone_column or column.field != "phone"]
    rows = (volunteer_cells(volunteer, with_phone=access.can_see_phone(reader, volunteer), columns=columns)
            for volunteer in volunteers)
    return write_roster(rows, columns=columns)


def template_notes() -> list[str]:
    """Instructions for filling in the template, in the reader's language; the headers and values stay Chinese."""
    lines = [
        _("How to fill in the roster"),
        _("One person per row on the sheet “%(sheet)s”; keep its first row (the column names) as it is.")
        % {"sheet": SHEET_TITLE},
        _("Required columns: %(columns)s. Other columns may be left out; a missing column leaves that "
          "information unchanged for people already on the roster.") % {"columns": "、".join(REQUIRED_HEADERS)},
        _("工号 (staff number) is the key: a row whose 工号 is already on the roster updates that person; "
          "a new 工号 adds a person."),
        _("所在单位 is the full name of the college or unit whose roster holds the person."),
        _("Yes/no columns (%(columns)s): write 是 or 否. A blank cell counts as 否, except in 有条件, "
          "where it counts as 是.")
        % {"columns": "、".join(c.header for c in COLUMNS if c.kind == "bool")},
        _("A backbone volunteer (骨干) must also be participating (参与), and a participating one must be "
          "eligible (有条件)."),
        _("Years as four digits (1956); dates as 2020-01-01; 资源特长 separated by 、 or commas."),
    ]
    for field_name, choices in CHOICES.items():
        header = COLUMN_BY_FIELD[field_name].header
        allowed = "、".join(chinese_label(choices, value) for value in choices.values)
        lines.append(_("%(column)s: one of %(allowed)s.") % {"column": header, "allowed": allowed})
    return lines
