"""The set-up workbook: one file with two sheets, 单位 (the units) and 账号 (the accounts).

The file checks and the cell-to-text rule are the project's one reader (tracker/org/xlsx.py: check_xlsx, read_rows,
which refuse zip bombs and files too big); the template is written through its one writer (append_row, write_cell).
This module knows the two sheets' columns and turns each data row into texts by header. What a valid unit or
account is, and who may import them, lives in services.py.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tracker.org.models import OrgUnit, Profile
from tracker.org.xlsx import (
    XLSX_CONTENT_TYPE,
    XlsxFileError,
    append_row,
    cell_text,
    check_xlsx,
    damaged_message,
    read_rows,
    write_cell,
)

__all__ = ["ACCOUNT_COLUMNS", "ACCOUNTS_SHEET", "MAX_ROWS", "UNIT_COLUMNS", "UNITS_SHEET", "XLSX_CONTENT_TYPE",
           "SetupSheet", "SetupWorkbook", "XlsxFileError", "read_setup", "write_template"]

UNITS_SHEET = "单位"
ACCOUNTS_SHEET = "账号"
NOTES_SHEET = "填写说明"
MAX_ROWS = 500  # data rows on each sheet: a university has a few dozen units and a few hundred accounts
MAX_SHEET_ROWS = 600  # the header, title lines and blank rows counted as well
MAX_BYTES = 5 * 1024 * 1024
HEADER_SEARCH_ROWS = 10  # a title line or two above the header row is tolerated

# The kinds of unit a university sets up (zones and the province stand above the universities), in the order of
# the organisation: the Party committee leads the school committee, which leads the colleges and member units.
UNIT_KINDS = (OrgUnit.Kind.PARTY_COMMITTEE, OrgUnit.Kind.SCHOOL_COMMITTEE, OrgUnit.Kind.COLLEGE,
              OrgUnit.Kind.MEMBER_UNIT)
# Every role but the administrator's: administrators are not made in the portal's pages or files.
SETUP_ROLES = tuple(role for role in Profile.Role if role != Profile.Role.ADMIN)


@dataclass(frozen=True)
class Column:
    """One column; the header is the file format's key, so it is fixed Chinese, not translated."""

    header: str
    field: str
    required: bool = False
    width: int = 14


UNIT_COLUMNS: tuple[Column, ...] = (
    Column("类型", "kind", required=True, width=14),
    Column("名称", "name", required=True, width=28),
    Column("简称", "short_name", width=14),
    Column("联系邮箱", "email", width=26),
    Column("顺序", "order", width=8),
)
ACCOUNT_COLUMNS: tuple[Column, ...] = (
    Column("姓名", "full_name", required=True, width=12),
    Column("用户名", "username", required=True, width=16),
    Column("邮箱", "email", width=26),
    Column("角色", "role", required=True, width=18),
    Column("所在单位", "unit", width=28),
)
SHEETS: dict[str, tuple[Column, ...]] = {UNITS_SHEET: UNIT_COLUMNS, ACCOUNTS_SHEET: ACCOUNT_COLUMNS}


def chinese_label(choice: Any) -> str:
    """A choice as the file writes it: its Simplified Chinese label, whatever the page's language."""
    with translation.override("zh-hans"):
        return str(choice.label)


@dataclass
class SetupSheet:
    """One sheet as read: its data rows, each (sheet row number, {header: text}) for the headers found."""

    title: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


@dataclass
class SetupWorkbook:
    units: SetupSheet
    accounts: SetupSheet


def _header_key(value: Any) -> str:
    """A header without spaces, a required-mark asterisk or a note in brackets: “名称*（必填）” → 名称."""
    text = re.sub(r"\s+", "", cell_text(value))
    text = re.sub(r"[（(][^）)]*[）)]", "", text)
    return text.strip("*＊")


def _missing_sheet(title: str) -> str:
    return _("The workbook has no sheet called “%(sheet)s”. Download the template, which has the sheets "
             "“%(units)s” and “%(accounts)s”, copy your rows into it and upload it again.") % {
        "sheet": title, "units": UNITS_SHEET, "accounts": ACCOUNTS_SHEET}


def _read_header(title: str, keys: list[str]) -> tuple[dict[str, int], list[str]]:
    """Header → column index, and the problems of the header row (a column twice, a required one missing)."""
    headers = {column.header for column in SHEETS[title]}
    columns: dict[str, int] = {}
    problems: list[str] = []
    for index, key in enumerate(keys):
        if key not in headers:
            continue
        if key in columns:
            problems.append(_("Sheet “%(sheet)s”: the column “%(column)s” appears twice.")
                            % {"sheet": title, "column": key})
        else:
            columns[key] = index
    missing = [column.header for column in SHEETS[title] if column.required and column.header not in columns]
    if missing:
        problems.append(_("Sheet “%(sheet)s”: required column missing: %(columns)s. The header row must read "
                          "%(headers)s.") % {"sheet": title, "columns": "、".join(missing),
                                              "headers": " · ".join(c.header for c in SHEETS[title])})
    return columns, problems


def _read_sheet(upload: UploadedFile, title: str) -> tuple[SetupSheet, list[str]]:
    """The sheet's data rows and the problems that stop it being read (each a message naming the sheet); a sheet
    with nothing in it has no rows.

    read_rows falls back to the first sheet when none has the title: a header row of the other sheet's columns
    (or the same sheet read twice) then means this sheet is missing.
    """
    own = {column.header for column in SHEETS[title]}
    other = {column.header for name, columns in SHEETS.items() if name != title for column in columns}
    sheet = SetupSheet(title)
    columns: dict[str, int] | None = None
    blank = True
    rows = read_rows(upload, sheet_title=title, max_rows=MAX_SHEET_ROWS)
    try:
        for number, cells in rows:
            texts = [cell_text(value) for value in cells]
            if not any(texts):
                continue
            blank = False
            if columns is None:
                keys = [_header_key(value) for value in cells]
                if not own & set(keys):
                    if other & set(keys):
                        return sheet, [_missing_sheet(title)]
                    if number >= HEADER_SEARCH_ROWS:
                        break
                    continue
                columns, problems = _read_header(title, keys)
                if problems:
                    return sheet, problems
                continue
            if len(sheet.rows) >= MAX_ROWS:
                return sheet, [_("The sheet “%(sheet)s” has more than %(limit)s rows. Split it into several files "
                                 "of at most %(limit)s rows each.") % {"sheet": title, "limit": MAX_ROWS}]
            sheet.rows.append((number, {header: texts[index] if index < len(texts) else ""
                                        for header, index in columns.items()}))
    finally:
        rows.close()  # closes the workbook even when reading stopped early
    if columns is None and not blank:  # a sheet left quite empty simply adds nothing
        return sheet, [_("Sheet “%(sheet)s”: no header row was found. Its first row must read %(headers)s.")
                       % {"sheet": title, "headers": " · ".join(c.header for c in SHEETS[title])}]
    return sheet, []


def read_setup(upload: UploadedFile) -> SetupWorkbook:
    """Both sheets of an uploaded set-up workbook; XlsxFileError with every problem of the file as a whole."""
    check_xlsx(upload, max_bytes=MAX_BYTES, max_rows=MAX_SHEET_ROWS)
    problems: list[str] = []
    sheets: dict[str, SetupSheet] = {}
    for title in SHEETS:
        try:
            sheets[title], found = _read_sheet(upload, title)
        except XlsxFileError:
            raise
        except Exception as error:  # a sheet openpyxl can open but not parse
            raise XlsxFileError(damaged_message(upload.name or "")) from error
        problems.extend(found)
    if problems:
        raise XlsxFileError(problems)
    if not sheets[UNITS_SHEET].rows and not sheets[ACCOUNTS_SHEET].rows:
        raise XlsxFileError(_("The sheets “%(units)s” and “%(accounts)s” have a header row but no rows to import.")
                            % {"units": UNITS_SHEET, "accounts": ACCOUNTS_SHEET})
    return SetupWorkbook(units=sheets[UNITS_SHEET], accounts=sheets[ACCOUNTS_SHEET])


# --- The template --------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
# One worked example on each sheet: a college, and its secretary bound to it by the unit's name.
EXAMPLE_UNIT = {"类型": OrgUnit.Kind.COLLEGE, "名称": "测绘与地理信息学院", "简称": "测绘学院", "联系邮箱": "",
                "顺序": 10}
EXAMPLE_ACCOUNT = {"姓名": "李晓雯", "用户名": "lixiaowen", "邮箱": "lixiaowen@example.edu.cn",
                   "角色": Profile.Role.SECRETARY, "所在单位": "测绘与地理信息学院"}


def _example_value(value: Any) -> Any:
    return chinese_label(value) if isinstance(value, OrgUnit.Kind | Profile.Role) else value


def _add_sheet(workbook: Workbook, title: str, example: dict[str, Any], choices: tuple[str, Sequence[Any]]) -> None:
    sheet = workbook.create_sheet(title)
    columns = SHEETS[title]
    append_row(sheet, [column.header for column in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="9B1C1C" if column.required else "000000")
        cell.fill = HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for index, column in enumerate(columns, start=1):
        write_cell(sheet, 2, index, _example_value(example[column.header]))
    header, allowed = choices
    letter = get_column_letter([column.header for column in columns].index(header) + 1)
    rule = DataValidation(type="list", formula1='"' + ",".join(chinese_label(c) for c in allowed) + '"',
                          allow_blank=True)
    rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"


def template_notes() -> list[str]:
    """How to fill in the workbook, in the reader's language; the headers and values stay Chinese."""
    kinds = "、".join(chinese_label(kind) for kind in UNIT_KINDS)
    roles = "、".join(chinese_label(role) for role in SETUP_ROLES)
    return [
        _("How to fill in the set-up workbook"),
        _("The sheet “%(units)s” lists the units to add, one per row; the sheet “%(accounts)s” the accounts to add, "
          "one per row. Keep the first row of each sheet (the column names) as it is, and replace the example row.")
        % {"units": UNITS_SHEET, "accounts": ACCOUNTS_SHEET},
        _("Columns in red are required. A sheet may be left with its header row only."),
        _("类型: one of %(kinds)s. 名称 must not be the name of a unit the portal already has.") % {"kinds": kinds},
        _("顺序: a whole number; units are listed by it. Left empty, the unit comes after the others of its kind."),
        _("角色: one of %(roles)s. Administrators are not made through this file.") % {"roles": roles},
        _("所在单位: the name (or short name) of a unit already in the portal or on the sheet “%(units)s”. It is "
          "required for 二级关工委秘书 (a college) and 委员单位联络员 (a member unit).") % {"units": UNITS_SHEET},
        _("用户名 is what the person types to sign in: letters, digits and @ . + - _ only. Each new account gets a "
          "one-time link to set its password; it is e-mailed to the address in 邮箱, if there is one."),
    ]


def write_template() -> bytes:
    """The set-up workbook: the two sheets with their header row and one worked example each, and the notes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    _add_sheet(workbook, UNITS_SHEET, EXAMPLE_UNIT, ("类型", UNIT_KINDS))
    _add_sheet(workbook, ACCOUNTS_SHEET, EXAMPLE_ACCOUNT, ("角色", SETUP_ROLES))
    notes = workbook.create_sheet(NOTES_SHEET)
    notes.column_dimensions["A"].width = 110
    for line in template_notes():
        append_row(notes, [line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
