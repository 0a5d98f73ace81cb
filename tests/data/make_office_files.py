"""Remake the legacy Office samples in this folder (run from the project root; needs LibreOffice's soffice).

    .venv/bin/python tests/data/make_office_files.py

minutes_word97.doc: a two-line text saved by LibreOffice as "MS Word 97" (an OLE2 compound document with a
WordDocument stream). ledger_excel97.xls: a three-row sheet saved as "MS Excel 97" (a Workbook stream).
tests/test_uploads.py checks that each passes under its own name and is refused under the other's.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).parent


def convert(source: Path, target_filter: str, extra: list[str]) -> Path:
    subprocess.run(["soffice", "--headless", *extra, "--convert-to", target_filter, "--outdir", str(source.parent),
                    str(source)], check=True, capture_output=True, timeout=120)
    return source.with_suffix("." + target_filter.split(":")[0])


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        minutes = Path(folder) / "minutes.txt"
        minutes.write_text("会议纪要\n关工委 2021 年工作会议\n", encoding="utf-8")
        shutil.copy(convert(minutes, "doc:MS Word 97", []), HERE / "minutes_word97.doc")
        ledger = Path(folder) / "ledger.csv"
        ledger.write_text("单位,人数\n机电工程学院,12\n化工学院,8\n", encoding="utf-8")
        shutil.copy(convert(ledger, "xls:MS Excel 97", ["--infilter=CSV:44,34,76"]), HERE / "ledger_excel97.xls")


if __name__ == "__main__":
    main()
