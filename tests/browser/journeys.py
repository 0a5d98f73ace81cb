"""What the journey tests share: Chinese text from the catalogue, signing in, numbered screenshots, downloads and
small real evidence files (a PDF and a PNG that any reader opens, made here rather than kept in the repository)."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext, pgettext

from . import chromium


def zh(text: str, context: str | None = None) -> str:
    """The Simplified Chinese the page shows for an English msgid, so a changed translation does not break a test."""
    with translation.override("zh-hans"):
        return pgettext(context, text) if context else gettext(text)


def sign_in(page, username: str, password: str) -> None:
    """Sign out whoever was signed in, then sign in from the sign-in page as a person would."""
    chromium.sign_in(page, page.base_url, username, password)


def nav(page, msgid: str) -> None:
    """Follow a link of the site's menu, by its English msgid."""
    page.locator(".site-nav").get_by_role("link", name=zh(msgid), exact=True).click()
    page.wait_for_load_state()


def number(text: str) -> int:
    """The first whole number in a piece of page text ("3 / 23" → 3)."""
    match = re.search(r"\d+", text)
    assert match, f"no number in {text!r}"
    return int(match.group())


class Journey:
    """A full-page screenshot of every step, numbered in order: <name>-journey-01-<what>.png in `artifacts`."""

    def __init__(self, page, artifacts: Path, name: str) -> None:
        self.page, self.artifacts, self.name, self.count = page, artifacts, name, 0
        for old in artifacts.glob(f"{name}-journey-*.png"):  # a shorter run must not leave stale steps behind
            old.unlink()

    def shot(self, what: str) -> None:
        self.count += 1
        path = self.artifacts / f"{self.name}-journey-{self.count:02d}-{what}.png"
        self.page.screenshot(path=path, full_page=True)


def download(page, link) -> tuple[str, bytes]:
    """Click a link that downloads a file; the file's suggested name and its bytes."""
    with page.expect_download() as info:
        link.click()
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def pdf_bytes(line: str = "youthwork evidence") -> bytes:
    """A one-page PDF with a line of (ASCII) text, a correct cross-reference table and trailer."""
    stream = f"BT /F1 18 Tf 72 720 Td ({line}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for index, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (index, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png_bytes(size: int = 16, rgb: tuple[int, int, int] = (155, 28, 28)) -> bytes:
    """A square PNG of one colour (8-bit RGB), e.g. a stand-in for a photo of a sign-in sheet."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def evidence_file(folder: Path, name: str) -> Path:
    """A real PDF or PNG (by the name's extension) written to `folder`, for a file input."""
    path = folder / name
    path.write_bytes(png_bytes() if name.endswith(".png") else pdf_bytes())
    return path
