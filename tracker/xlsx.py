"""What every xlsx import shares: the file check and the cell-to-text rule, whatever program saved the file."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

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
