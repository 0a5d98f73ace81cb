"""Evidence uploads: type judged by content, size limit, generated names, private downloads from the storage."""

import io
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker.org.models import EvidenceFile
from tracker.org.uploads import check_evidence_file

from .conftest import client_for
from .factories import PDF_BYTES

DATA = Path(__file__).parent / "data"
WORD97 = (DATA / "minutes_word97.doc").read_bytes()  # saved by LibreOffice (tests/data/make_office_files.py)
EXCEL97 = (DATA / "ledger_excel97.xls").read_bytes()
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ooxml(main_part: str, *more_parts: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for part in (main_part, *more_parts):
            archive.writestr(part, "<x/>")
    return buffer.getvalue()


def zip_needing_a_newer_reader() -> bytes:
    """A .docx whose directory says "version 6.4 needed to extract": Python's zipfile raises NotImplementedError."""
    data = bytearray(ooxml("word/document.xml"))
    directory = data.index(b"PK\x01\x02")
    data[directory + 6:directory + 8] = (64).to_bytes(2, "little")
    return bytes(data)


def compound_document(*paths: str) -> bytes:
    """A minimal OLE2 compound document (MS-CFB version 3) holding a 4 KB stream at each "storage/stream" path.

    Streams are 4 KB so that they live in ordinary sectors (no mini stream); siblings are chained to the right.
    Enough for olefile to list, which is all the upload check reads.
    """
    nostream, end_of_chain, fat_sector, free = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    entries: list[dict] = [{"name": "Root Entry", "type": 5, "kids": []}]
    by_path: dict[str, int] = {}
    for path in paths:
        parent = 0
        parts = path.split("/")
        for depth, name in enumerate(parts):
            key = "/".join(parts[: depth + 1])
            if key not in by_path:
                by_path[key] = len(entries)
                entries.append({"name": name, "type": 2 if depth == len(parts) - 1 else 1, "kids": []})
                entries[parent]["kids"].append(by_path[key])
            parent = by_path[key]
    directory_sectors = -(-len(entries) // 4)
    stream_ids = [i for i, entry in enumerate(entries) if entry["type"] == 2]
    fat = [fat_sector] + [i + 2 for i in range(directory_sectors - 1)] + [end_of_chain]
    data = b""
    for sid in stream_ids:
        entries[sid]["start"] = len(fat)
        fat += [len(fat) + i + 1 for i in range(7)] + [end_of_chain]
        data += entries[sid]["name"].encode().ljust(4096, b"\0")
    assert len(fat) <= 128
    directory = b""
    for entry in entries:
        kids, name = entry["kids"], entry["name"].encode("utf-16-le") + b"\0\0"
        for left, right in zip(kids, kids[1:], strict=False):
            entries[left]["right"] = right
        directory += (name.ljust(64, b"\0") + struct.pack("<HBB3I", len(name), entry["type"], 1, nostream,
                      entry.get("right", nostream), kids[0] if kids else nostream) + bytes(36)
                      + struct.pack("<IQ", entry.get("start", end_of_chain if entry["type"] == 5 else 0),
                                    4096 if entry["type"] == 2 else 0))
    directory = directory.ljust(512 * directory_sectors, b"\0")  # unused entries: type 0
    header = (OLE2_SIGNATURE + bytes(16) + struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096,
                                                        end_of_chain, 0, end_of_chain, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    fat_bytes = b"".join(struct.pack("<I", entry) for entry in fat).ljust(512, b"\xff")
    return header + fat_bytes + directory + data


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("会议纪要.pdf", PDF_BYTES, "pdf"),
        ("照片.JPG", b"\xff\xd8\xff\xe0" + b"0" * 20, "jpg"),
        ("截图.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, "png"),
        ("方案.docx", ooxml("word/document.xml"), "docx"),
        ("台账.xlsx", ooxml("xl/workbook.xml"), "xlsx"),
        ("旧文件.doc", WORD97, "doc"),
        ("旧台账.XLS", EXCEL97, "xls"),
        ("手写格式.doc", compound_document("WordDocument", "1Table"), "doc"),
        ("Excel95.xls", compound_document("Book"), "xls"),
    ],
)
def test_allowed_files_pass_and_report_their_type(name, content, kind):
    assert check_evidence_file(SimpleUploadedFile(name, content)) == kind


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("病毒.exe", b"MZ" + b"0" * 20, "不接受"),
        ("伪装.pdf", b"MZ" + b"0" * 20, "内容与文件名不符"),
        ("伪装.docx", ooxml("xl/workbook.xml"), "内容与文件名不符"),
        ("空文件.pdf", b"", "是空的"),
    ],
)
def test_wrong_or_disguised_files_are_refused_in_chinese(name, content, fragment):
    with pytest.raises(ValidationError) as error:
        check_evidence_file(SimpleUploadedFile(name, content))
    assert fragment in error.value.messages[0]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        # .doc and .xls share the OLE2 signature: the streams inside tell them apart.
        ("表格改名.doc", EXCEL97, "mismatch"),
        ("文档改名.xls", WORD97, "mismatch"),
        ("只有文件头.doc", OLE2_SIGNATURE + b"0" * 600, "mismatch"),
        ("其他复合文档.doc", compound_document("Contents"), "mismatch"),
        ("截断.xls", EXCEL97[:1500], "mismatch"),
        ("伪装.png", PDF_BYTES, "mismatch"),
        ("压缩包.docx", b"PK\x03\x04" + b"0" * 40, "mismatch"),
        ("新版压缩.docx", zip_needing_a_newer_reader(), "mismatch"),
        # Macros: a .docm / .xlsm renamed, or VBA storages inside a legacy file.
        ("a.docx", ooxml("word/document.xml", "word/vbaProject.bin"), "macros"),
        ("b.xlsx", ooxml("xl/workbook.xml", "xl/vbaProject.bin"), "macros"),
        ("c.doc", compound_document("WordDocument", "Macros/VBA/dir"), "macros"),
        ("d.xls", compound_document("Workbook", "_VBA_PROJECT_CUR/VBA/dir"), "macros"),
    ],
)
def test_office_files_are_told_apart_by_content_and_macros_refused(name, content, code):
    with pytest.raises(ValidationError) as error:
        check_evidence_file(SimpleUploadedFile(name, content))
    assert error.value.error_list[0].code == code
    assert name in error.value.messages[0]


def test_file_over_the_limit_is_refused(settings):
    settings.EVIDENCE_MAX_BYTES = 100
    with pytest.raises(ValidationError) as error:
        check_evidence_file(SimpleUploadedFile("大文件.pdf", PDF_BYTES + b"0" * 200))
    assert "最大" in error.value.messages[0]


# --- Stored under generated names, served privately from the storage ------------------------------------------------

IN_MEMORY = {"BACKEND": "django.core.files.storage.InMemoryStorage"}


@pytest.fixture
def storage_without_file_system(settings):
    """Media kept by a storage with no file-system path (like S3): a view that opened `file.path` would fail."""
    settings.STORAGES = {**settings.STORAGES, "default": IN_MEMORY}
    from django.core.files.storage import default_storage

    return default_storage


def upload_evidence(client, task, name: str, content: bytes):
    task.refresh_from_db()
    return client.post(reverse("tracker:task-update-create", args=[task.pk]), {
        "version": task.version, "date": "2021-10-20", "status": "in_progress", "progress": 40, "note": "附件",
        "files": [SimpleUploadedFile(name, content)],
    })


def test_evidence_is_stored_under_a_generated_name_and_served_from_the_storage(
        world, staff, other_staff, settings, storage_without_file_system):
    client = client_for(staff)
    assert upload_evidence(client, world.school_task, "../../static/培训 通知.PDF", PDF_BYTES).status_code == 302
    evidence = EvidenceFile.objects.get()
    # Nothing the user typed reaches the storage: evidence/<year>/<month>/<32 hex>.pdf, outside the static root.
    assert evidence.file.name.startswith("evidence/") and evidence.file.name.endswith(".pdf")
    assert len(Path(evidence.file.name).stem) == 32 and ".." not in evidence.file.name
    assert storage_without_file_system.exists(evidence.file.name)
    assert not Path(settings.MEDIA_ROOT).exists()  # not written to disk either
    assert evidence.original_name == "培训 通知.PDF" and evidence.kind == "pdf"

    download = client.get(evidence.get_absolute_url())
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert client_for(other_staff).get(evidence.get_absolute_url()).status_code == 404
    assert client_for(None).get(evidence.get_absolute_url()).status_code == 302  # to the sign-in page

    storage_without_file_system.delete(evidence.file.name)
    assert client.get(evidence.get_absolute_url()).status_code == 404


def test_refused_upload_stores_nothing(world, staff, storage_without_file_system):
    response = upload_evidence(client_for(staff), world.school_task, "文档改名.xls", WORD97)
    assert response.status_code == 400 and "内容与文件名不符" in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert storage_without_file_system.listdir("") == ([], [])
