"""Checks on uploaded evidence files, made before anything is stored.

The type is judged by the file's content, not only by its name: a renamed executable is refused.
Hand-written because the set is small and exact: each allowed extension names one signature; Office Open XML
files are told apart by the parts inside the zip, and legacy .doc / .xls (both OLE2 compound documents) by the
streams inside the compound document (read with olefile), which a first-bytes sniffer cannot do. Office files
carrying macros are refused: evidence never needs them and they are how documents carry malware.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath

import olefile
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc / .xls compound document
SIGNATURES: dict[str, bytes] = {
    "pdf": b"%PDF-",
    "jpg": b"\xff\xd8\xff",
    "jpeg": b"\xff\xd8\xff",
    "png": b"\x89PNG\r\n\x1a\n",
    "doc": OLE2,
    "xls": OLE2,
    "docx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
}
# The part every Office Open XML file of that kind contains.
OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
# The stream a legacy compound document of that kind contains: Word's text; Excel's workbook (BIFF8 "Workbook",
# Excel 95's BIFF5 "Book").
OLE2_MAIN_STREAMS = {"doc": ("WordDocument",), "xls": ("Workbook", "Book")}
# Where Office keeps VBA macros: a .docm / .xlsm part renamed .docx / .xlsx, or a storage inside a .doc / .xls.
OOXML_MACRO_PARTS = ("word/vbaProject.bin", "xl/vbaProject.bin")
OLE2_MACRO_STORAGES = ("macros", "_vba_project_cur", "_vba_project")
ALLOWED_EXTENSIONS = tuple(SIGNATURES)


def _ooxml_parts(upload: UploadedFile) -> set[str] | None:
    """The names inside an Office Open XML (zip) file, or None if it is not a readable zip."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return set(archive.namelist())
    except Exception:  # a damaged zip fails in many ways (BadZipFile, NotImplementedError for "zip file version"…)
        return None
    finally:
        upload.seek(0)


def _ole2_entries(upload: UploadedFile) -> set[str] | None:
    """The paths of the streams and storages inside a compound document (lower case, "/"-joined), or None if it is
    not a readable one."""
    upload.seek(0)
    try:
        with olefile.OleFileIO(upload) as document:
            return {"/".join(entry).lower() for entry in document.listdir(streams=True, storages=True)}
    except Exception:  # olefile reports a damaged file with many error types (OSError, IndexError, struct.error…)
        return None
    finally:
        upload.seek(0)


def _content_matches(upload: UploadedFile, extension: str) -> tuple[bool, bool]:
    """(whether the content is a file of this type, whether it carries macros)."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(SIGNATURES[extension]):
        return False, False
    if extension in OOXML_MAIN_PART:
        parts = _ooxml_parts(upload)
        if parts is None or OOXML_MAIN_PART[extension] not in parts:
            return False, False
        return True, any(part in parts for part in OOXML_MACRO_PARTS)
    if extension in OLE2_MAIN_STREAMS:
        entries = _ole2_entries(upload)
        if entries is None or not any(stream.lower() in entries for stream in OLE2_MAIN_STREAMS[extension]):
            return False, False
        return True, any(entry.split("/")[0] in OLE2_MACRO_STORAGES for entry in entries)
    return True, False


def check_evidence_file(upload: UploadedFile) -> str:
    """Return the file's type (its extension, lower case) or raise ValidationError with a message for the user
    (its code: type, empty, size, mismatch or macros)."""
    name = upload.name or ""
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in SIGNATURES:
        raise ValidationError(
            _("“%(name)s”: this type of file is not accepted. Upload PDF, Word, Excel, JPG or PNG files.")
            % {"name": name}, code="type",
        )
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)},
            code="size",
        )
    matches, has_macros = _content_matches(upload, extension)
    if not matches:
        raise ValidationError(
            _("“%(name)s” is not really a %(type)s file (its content does not match its name).")
            % {"name": name, "type": extension.upper()}, code="mismatch",
        )
    if has_macros:
        raise ValidationError(
            _("“%(name)s” contains macros, which are not accepted. Save it without macros and upload it again.")
            % {"name": name}, code="macros",
        )
    return "jpg" if extension == "jpeg" else extension
