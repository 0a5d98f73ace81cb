"""Checks on uploaded evidence files, made before anything is stored.

The type is judged by the file's content, not only by its name: a renamed executable is refused.
Hand-written because the set is small and exact: each allowed extension names one signature, and
Office Open XML files are told apart by the parts inside the zip, which a first-bytes sniffer cannot do.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath

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
ALLOWED_EXTENSIONS = tuple(SIGNATURES)


def _ooxml_has_part(upload: UploadedFile, part: str) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return part in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)


def check_evidence_file(upload: UploadedFile) -> str:
    """Return the file's type (its extension, lower case) or raise ValidationError with a message for the user."""
    name = upload.name or ""
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in SIGNATURES:
        raise ValidationError(
            _("“%(name)s”: this type of file is not accepted. Upload PDF, Word, Excel, JPG or PNG files.")
            % {"name": name}
        )
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name})
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    signature = SIGNATURES[extension]
    ok = head.startswith(signature)
    if ok and extension in OOXML_MAIN_PART:
        ok = _ooxml_has_part(upload, OOXML_MAIN_PART[extension])
    if not ok:
        raise ValidationError(
            _("“%(name)s” is not really a %(type)s file (its content does not match its name).")
            % {"name": name, "type": extension.upper()}
        )
    return "jpg" if extension == "jpeg" else extension
