import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tracker.uploads import check_evidence_file

from .factories import PDF_BYTES


def ooxml(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("会议纪要.pdf", PDF_BYTES, "pdf"),
        ("照片.JPG", b"\xff\xd8\xff\xe0" + b"0" * 20, "jpg"),
        ("截图.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, "png"),
        ("方案.docx", ooxml("word/document.xml"), "docx"),
        ("台账.xlsx", ooxml("xl/workbook.xml"), "xlsx"),
        ("旧文件.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 20, "doc"),
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


def test_file_over_the_limit_is_refused(settings):
    settings.EVIDENCE_MAX_BYTES = 100
    with pytest.raises(ValidationError) as error:
        check_evidence_file(SimpleUploadedFile("大文件.pdf", PDF_BYTES + b"0" * 200))
    assert "最大" in error.value.messages[0]
