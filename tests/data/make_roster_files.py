"""Remake the sample roster files in this folder (run from the project root; needs LibreOffice's soffice).

    DJANGO_SETTINGS_MODULE=youthwork.settings .venv/bin/python tests/data/make_roster_files.py

roster_libreoffice.xlsx: the export layout of tests/test_roster_import.py's "before" roster, edited the way a
person edits in a spreadsheet (a year typed as text, a float year, a text date, a TRUE cell, Y/N, stray
spaces), then opened and saved again by LibreOffice, which rewrites the whole file in its own way.
roster.ods: the same sheet saved as OpenDocument, which the import must refuse with a clear message.
roster_csv.xlsx: a CSV file renamed to .xlsx.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from pathlib import Path

import django

django.setup()

from tracker.roster.models import Volunteer  # noqa: E402
from tracker.roster.xlsx import COLUMNS, chinese_label, write_roster  # noqa: E402

HERE = Path(__file__).parent
UNIT = "机电工程学院"
G, C, L = Volunteer.Gender, Volunteer.Category, Volunteer.Layer


def row(**values) -> list:
    return [values.get(column.field) for column in COLUMNS]


def edited_rows() -> list[list]:
    return [
        # LO001: now participating, a new phone and one more speciality.
        row(staff_number="LO001", name="王建华", unit=UNIT, gender=chinese_label(G, "male"), birth_year=1950,
            retired_year=2010, former_post="教授", former_unit=UNIT, category=chinese_label(C, "teacher"),
            party_member="是", phone="13900000011", specialities="党建、教学督导",
            layer=chinese_label(L, "participation"), eligible="是", participating="是", backbone="否"),
        # LO002: now backbone.
        row(staff_number="LO002", name="李淑芬", unit=UNIT, gender=chinese_label(G, "female"), birth_year=1955,
            retired_year=2010, former_post="副教授", former_unit=UNIT, category=chinese_label(C, "expert"),
            party_member="否", phone="13900000002", specialities="书法、摄影",
            layer=chinese_label(L, "backbone"), eligible="是", participating="是", backbone="是"),
        # LO003: unchanged.
        row(staff_number="LO003", name="张国庆", unit=UNIT, gender=chinese_label(G, "male"), birth_year=1948,
            retired_year=2008, former_post="党委书记", former_unit=UNIT, category=chinese_label(C, "cadre"),
            party_member="是", phone="13900000003", specialities="党建",
            layer=chinese_label(L, "core"), eligible="是", participating="是", backbone="是",
            active_from=dt.date(2019, 9, 1)),
        # LO004: a new person, typed by hand.
        row(staff_number="LO004", name=" 赵丽华 ", unit=UNIT, gender=chinese_label(G, "female"), birth_year="1957",
            retired_year=2012.0, former_post="实验师", category=chinese_label(C, "teacher"), party_member="Y",
            phone="13900000004", specialities="心理咨询，就业指导", eligible=True, participating="Y", backbone="N",
            active_from="2020/1/1"),
    ]


def main() -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice is needed: apt-get install libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "roster_source.xlsx"
        source.write_bytes(write_roster(edited_rows(), columns=COLUMNS))
        out = Path(tmp) / "lo"
        for target in ("xlsx", "ods"):
            subprocess.run([soffice, "--headless", "--convert-to", target, "--outdir", str(out), str(source)],
                           check=True, capture_output=True, timeout=180)
        shutil.copy(out / "roster_source.xlsx", HERE / "roster_libreoffice.xlsx")
        shutil.copy(out / "roster_source.ods", HERE / "roster.ods")
    (HERE / "roster_csv.xlsx").write_text("工号,姓名,所在单位\nLO009,孙志远,机电工程学院\n", encoding="utf-8")


if __name__ == "__main__":
    main()
