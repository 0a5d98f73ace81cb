"""Roster import and export as xlsx: the preview, confirmation, round trips and every kind of bad file."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from tracker.org.models import OrgUnit
from tracker.roster import xlsx as roster_xlsx
from tracker.roster.models import RosterImport, Speciality, Volunteer
from tracker.roster.services import VolunteerData, roster_import_apply, roster_import_stage, volunteer_create

from .conftest import client_for
from .factories import HEADERS, OrgUnitFactory, VolunteerFactory, person_row, workbook_bytes

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
LIBREOFFICE_FILE = DATA / "roster_libreoffice.xlsx"


def upload(content: bytes, name: str = "花名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=roster_xlsx.XLSX_CONTENT_TYPE)


def post_file(client, content: bytes, name: str = "花名册.xlsx"):
    return client.post(reverse("tracker:roster-import"), {"file": upload(content, name)})


def confirm(client, record: RosterImport):
    return client.post(reverse("tracker:roster-import-confirm", args=[record.pk]))


def sheet_rows(content: bytes) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content), data_only=True)
    return [row for row in workbook[roster_xlsx.SHEET_TITLE].iter_rows(values_only=True) if any(row)]


def shows(response, message: str) -> bool:
    """Whether the page shows `message` (as the template escapes it)."""
    return escape(message) in response.content.decode()


def assert_nothing_stored(volunteers_before: int) -> None:
    assert RosterImport.objects.count() == 0
    assert Volunteer.objects.count() == volunteers_before


def before_roster(world, staff) -> None:
    """The roster tests/data/roster_libreoffice.xlsx was edited from (see tests/data/make_roster_files.py)."""
    people = [
        VolunteerData(unit=world.college, staff_number="LO001", name="王建华", gender="male", birth_year=1950,
                      retired_year=2010, former_post="教授", former_unit="机电工程学院", category="teacher",
                      party_member=True, phone="13900000001", specialities=["党建"], eligible=True),
        VolunteerData(unit=world.college, staff_number="LO002", name="李淑芬", gender="female", birth_year=1955,
                      retired_year=2010, former_post="副教授", former_unit="机电工程学院", category="expert",
                      phone="13900000002", specialities=["书法", "摄影"], layer="participation",
                      eligible=True, participating=True),
        VolunteerData(unit=world.college, staff_number="LO003", name="张国庆", gender="male", birth_year=1948,
                      retired_year=2008, former_post="党委书记", former_unit="机电工程学院", category="cadre",
                      party_member=True, phone="13900000003", specialities=["党建"], layer="core",
                      eligible=True, participating=True, backbone=True,
                      active_from=dt.date(2019, 9, 1)),
    ]
    for data in people:
        volunteer_create(actor=staff, data=data)


# --- Template and export ---------------------------------------------------------------------


def test_template_has_the_chinese_headers_drop_downs_and_instructions(world, secretary):
    response = client_for(secretary).get(reverse("tracker:roster-template"))
    assert response.status_code == 200
    assert response["Content-Type"] == roster_xlsx.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook[roster_xlsx.SHEET_TITLE]
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert {"工号", "姓名", "所在单位", "五老类别", "有条件", "参与", "骨干"} <= set(HEADERS)
    lists = [rule.formula1 for rule in sheet.data_validations.dataValidation]
    assert '"是,否"' in lists
    assert roster_xlsx.NOTES_TITLE in workbook.sheetnames


def test_export_writes_booleans_as_yes_no_and_choices_as_chinese_labels(world, staff):
    before_roster(world, staff)
    rows = sheet_rows(client_for(staff).get(reverse("tracker:roster-export")).content)
    assert list(rows[0]) == HEADERS
    first = next(dict(zip(HEADERS, row, strict=False)) for row in rows[1:] if row[0] == "LO001")
    assert first["所在单位"] == "机电工程学院" and first["姓名"] == "王建华"
    assert first["中共党员"] == "是" and first["参与"] == "否"
    assert first["五老类别"] == roster_xlsx.chinese_label(Volunteer.Category, "teacher")
    assert first["联系电话"] == "13900000001"


def test_unedited_export_imports_as_unchanged(world, staff):
    before_roster(world, staff)
    client = client_for(staff)
    exported = client.get(reverse("tracker:roster-export")).content
    response = post_file(client, exported)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert (len(preview.creates), len(preview.updates), preview.unchanged) == (0, 0, 3)
    assert preview.record is None and RosterImport.objects.count() == 0


# --- The LibreOffice round trip ----------------------------------------------------------------


def test_libreoffice_saved_file_round_trips_export_edit_import(world, staff):
    """export → edited and saved by LibreOffice (the committed file) → preview → confirm → updated, no duplicates."""
    before_roster(world, staff)
    client = client_for(staff)
    exported = {row[0]: row for row in sheet_rows(client.get(reverse("tracker:roster-export")).content)[1:]}
    edited = {row[0]: row for row in sheet_rows(LIBREOFFICE_FILE.read_bytes())[1:]}
    assert exported["LO003"][:16] == edited["LO003"][:16]  # the row nobody touched reads back the same

    response = post_file(client, LIBREOFFICE_FILE.read_bytes(), "花名册（LibreOffice）.xlsx")
    assert response.status_code == 200, response.context["preview"].errors
    preview = response.context["preview"]
    assert [row.staff_number for row in preview.creates] == ["LO004"]
    assert sorted(row.staff_number for row in preview.updates) == ["LO001", "LO002"]
    assert preview.unchanged == 1
    changed = {row.staff_number: set(row.changed) for row in preview.updates}
    assert changed["LO001"] == {"联系电话", "层次", "参与", "资源特长"}
    assert changed["LO002"] == {"层次", "骨干"}
    assert Volunteer.objects.count() == 3  # nothing yet

    assert confirm(client, preview.record).status_code == 302
    assert Volunteer.objects.count() == 4
    first = Volunteer.objects.get(staff_number="LO001")
    assert (first.participating, first.phone, first.layer, first.version) == (True, "13900000011", "participation", 2)
    assert set(first.specialities.values_list("name", flat=True)) == {"党建", "教学督导"}
    assert Volunteer.objects.get(staff_number="LO002").backbone is True
    new = Volunteer.objects.get(staff_number="LO004")
    assert new.name == "赵丽华"  # spaces stripped
    assert (new.birth_year, new.retired_year) == (1957, 2012)  # text "1957", float 2012.0
    assert new.active_from.isoformat() == "2020-01-01"  # text 2020/1/1
    assert (new.eligible, new.participating, new.backbone, new.party_member) == (True, True, False, True)
    assert set(new.specialities.values_list("name", flat=True)) == {"心理咨询", "就业指导"}
    assert new.history.first().history_user == staff
    assert Speciality.objects.filter(name="党建").count() == 1

    again = post_file(client, LIBREOFFICE_FILE.read_bytes())
    assert again.context["preview"].unchanged == 4 and again.context["preview"].record is None
    assert Volunteer.objects.count() == 4


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed here")
def test_export_edited_and_saved_by_a_live_libreoffice_imports(world, staff, tmp_path):
    before_roster(world, staff)
    client = client_for(staff)
    workbook = load_workbook(io.BytesIO(client.get(reverse("tracker:roster-export")).content))
    sheet = workbook[roster_xlsx.SHEET_TITLE]
    row = next(cells[0].row for cells in sheet.iter_rows(min_row=2) if cells[0].value == "LO001")
    sheet.cell(row=row, column=HEADERS.index("联系电话") + 1, value="13911112222")
    source = tmp_path / "roster.xlsx"
    workbook.save(source)
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "xlsx", "--outdir", str(out), str(source)], check=True, capture_output=True, timeout=300)
    response = post_file(client, (out / "roster.xlsx").read_bytes())
    preview = response.context["preview"]
    assert [(row.staff_number, row.changed) for row in preview.updates] == [("LO001", ("联系电话",))]
    assert confirm(client, preview.record).status_code == 302
    assert Volunteer.objects.get(staff_number="LO001").phone == "13911112222"


# --- Confirmation rules ----------------------------------------------------------------------


def staged(world, actor, rows) -> RosterImport:
    preview = roster_import_stage(actor=actor, upload=upload(workbook_bytes(rows)), institution=world.institution)
    assert not preview.errors, preview.errors
    return preview.record


def test_confirm_applies_once_and_refuses_a_second_time(world, staff):
    record = staged(world, staff, [person_row("N001", "周明", "机电工程学院")])
    client = client_for(staff)
    assert confirm(client, record).status_code == 302
    record.refresh_from_db()
    assert record.applied_at is not None and Volunteer.objects.count() == 1
    response = confirm(client, record)
    assert response.status_code == 409
    assert shows(response, _("This file was already applied to the roster; it cannot be applied twice."))
    assert Volunteer.objects.count() == 1


def test_only_the_uploader_can_confirm(world, staff, admin_user):
    record = staged(world, staff, [person_row("N001", "周明", "机电工程学院")])
    assert confirm(client_for(admin_user), record).status_code == 404
    assert Volunteer.objects.count() == 0


def test_confirm_is_refused_when_the_roster_changed_after_the_preview(world, staff):
    person = VolunteerFactory(unit=world.college, staff_number="N001", name="周明")
    record = staged(world, staff, [person_row("N001", "周明", "机电工程学院", 联系电话="13800000000"),
                                   person_row("N002", "吴芳", "机电工程学院")])
    Volunteer.objects.filter(pk=person.pk).update(version=2, phone="13700000000")  # someone saved meanwhile
    response = confirm(client_for(staff), record)
    assert response.status_code == 409
    assert Volunteer.objects.count() == 1 and Volunteer.objects.get().phone == "13700000000"
    record.refresh_from_db()
    assert record.applied_at is None


def test_staff_import_can_move_a_person_to_another_college(world, staff):
    VolunteerFactory(unit=world.college, staff_number="N001", name="周明")
    record = staged(world, staff, [person_row("N001", "周明", "化工学院")])
    roster_import_apply(actor=staff, roster_import=record)
    assert Volunteer.objects.get().unit == world.other_college


def test_secretary_may_leave_the_unit_blank_and_gets_her_college(world, secretary):
    record = staged(world, secretary, [person_row("N001", "周明", "")])
    roster_import_apply(actor=secretary, roster_import=record)
    assert Volunteer.objects.get().unit == world.college and record.unit == world.college


def test_a_missing_optional_column_keeps_what_the_roster_holds(world, staff):
    VolunteerFactory(unit=world.college, staff_number="N001", name="周明", phone="13800000000", participating=True)
    headers = ["工号", "姓名", "所在单位", "骨干"]
    preview = roster_import_stage(actor=staff, institution=world.institution,
                                  upload=upload(workbook_bytes([["N001", "周明", "机电工程学院", "是"]], headers)))
    roster_import_apply(actor=staff, roster_import=preview.record)
    person = Volunteer.objects.get()
    assert person.backbone is True and person.phone == "13800000000" and person.participating is True


# --- Bad input: a clear message, nothing stored ------------------------------------------------


def test_missing_required_column_is_named(world, staff):
    headers = [h for h in HEADERS if h != "姓名"]
    content = workbook_bytes([["N001", "机电工程学院"]], headers)
    response = post_file(client_for(staff), content)
    assert response.status_code == 400
    expected = _("Required column missing: %(columns)s. Use the template's header row.") % {"columns": "姓名"}
    assert shows(response, expected)
    assert_nothing_stored(0)


def error_cells(response) -> set[tuple[int, str]]:
    return {(error.row, error.column) for error in response.context["preview"].row_errors}


def test_wrong_type_is_reported_by_row_and_column(world, staff):
    content = workbook_bytes([
        person_row("N001", "周明", "机电工程学院"),
        person_row("N002", "吴芳", "机电工程学院", 出生年份="一九五零", 起始日期="明年", 参与="也许"),
    ])
    response = post_file(client_for(staff), content)
    assert response.status_code == 400
    assert error_cells(response) == {(3, "出生年份"), (3, "起始日期"), (3, "参与")}
    html = response.content.decode()
    assert '<td class="import-row">3</td><td class="import-column">出生年份</td>' in html
    assert shows(response, _("“%(value)s” is not a year; write it like 1956.") % {"value": "一九五零"})
    assert_nothing_stored(0)


def test_duplicate_staff_number_in_the_file_names_the_first_row(world, staff):
    content = workbook_bytes([person_row("N001", "周明", "机电工程学院"), person_row("N001", "吴芳", "化工学院")])
    response = post_file(client_for(staff), content)
    assert response.status_code == 400 and error_cells(response) == {(3, "工号")}
    message = _("Staff number %(number)s also appears in row %(row)s.") % {"number": "N001", "row": 2}
    assert shows(response, message)
    assert_nothing_stored(0)


def test_unknown_unit_is_an_error(world, staff):
    response = post_file(client_for(staff), workbook_bytes([person_row("N001", "周明", "不存在学院")]))
    assert response.status_code == 400 and error_cells(response) == {(2, "所在单位")}
    assert shows(response, _("There is no unit called “%(name)s”.") % {"name": "不存在学院"})
    assert_nothing_stored(0)


def test_secretary_importing_into_another_college_gets_an_error_per_row(world, secretary):
    content = workbook_bytes([
        person_row("N001", "周明", "化工学院"),
        person_row("N002", "吴芳", "机电工程学院"),
        person_row("N003", "郑强", "化工学院"),
    ])
    response = post_file(client_for(secretary), content)
    assert response.status_code == 400
    assert error_cells(response) == {(2, "所在单位"), (4, "所在单位")}
    assert_nothing_stored(0)


def test_secretary_cannot_take_over_a_staff_number_of_another_college(world, secretary):
    VolunteerFactory(unit=world.other_college, staff_number="N001", name="周明")
    response = post_file(client_for(secretary), workbook_bytes([person_row("N001", "周明", "机电工程学院")]))
    assert response.status_code == 400 and error_cells(response) == {(2, "工号")}
    assert Volunteer.objects.get().unit == world.other_college
    assert RosterImport.objects.count() == 0


def test_rule_backbone_without_participating_is_an_error(world, staff):
    response = post_file(client_for(staff), workbook_bytes([person_row("N001", "周明", "机电工程学院", 骨干="是")]))
    assert response.status_code == 400 and error_cells(response) == {(2, "骨干")}
    assert shows(response, _("A backbone volunteer must also be marked as participating."))
    assert_nothing_stored(0)


def test_one_bad_row_among_good_ones_stores_nothing(world, staff):
    rows = [person_row(f"N{n:03d}", "周明", "机电工程学院") for n in range(1, 30)]
    rows.append(person_row("N999", "", "机电工程学院"))
    response = post_file(client_for(staff), workbook_bytes(rows))
    assert response.status_code == 400 and error_cells(response) == {(31, "姓名")}
    assert b"import-confirm" not in response.content
    assert_nothing_stored(0)


def not_xlsx_message(name: str) -> str:
    return _("“%(name)s” is not an Excel workbook (.xlsx). Save the file as .xlsx, for example from the "
             "template, and upload it again.") % {"name": name}


def old_xls_message(name: str) -> str:
    return _("“%(name)s” is an old-style .xls workbook. Open it and save it as “Excel workbook (.xlsx)”, "
             "then upload it again.") % {"name": name}


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ((DATA / "roster.ods").read_bytes(), "花名册.ods", not_xlsx_message),
        ((DATA / "roster_csv.xlsx").read_bytes(), "roster_csv.xlsx", not_xlsx_message),
        (b"PK\x03\x04 not really a zip", "坏.xlsx", not_xlsx_message),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧格式.xls", old_xls_message),
    ],
    ids=["ods", "csv-renamed", "broken-zip", "old-xls"],
)
def test_a_file_that_is_not_xlsx_gets_a_clear_message(world, staff, content, name, message):
    response = post_file(client_for(staff), content, name)
    assert response.status_code == 400
    assert shows(response, message(name))
    assert_nothing_stored(0)


def test_an_empty_upload_is_refused_by_the_form(world, staff):
    response = post_file(client_for(staff), b"", "空.xlsx")
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert_nothing_stored(0)


def test_header_without_rows_and_a_blank_sheet_are_refused(world, staff):
    client = client_for(staff)
    response = post_file(client, workbook_bytes([]))
    assert response.status_code == 400
    assert shows(response, _("The file has a header row but no rows of people."))
    blank = workbook_bytes([], headers=[])
    response = post_file(client, blank)
    assert response.status_code == 400
    assert shows(response, _("No header row was found. The first row must hold the column names of the template, "
                             "such as %(columns)s.") % {"columns": "工号、姓名、所在单位"})
    assert_nothing_stored(0)


def test_a_file_over_ten_megabytes_is_refused_before_reading(world, staff):
    big = b"PK\x03\x04" + b"0" * (roster_xlsx.MAX_BYTES + 1)
    response = post_file(client_for(staff), big, "大.xlsx")
    assert response.status_code == 400
    assert shows(response, filesizeformat(roster_xlsx.MAX_BYTES))
    assert_nothing_stored(0)


# --- Size and speed ----------------------------------------------------------------------------


def many_rows(count: int, units: list[str]) -> list[list]:
    return [
        person_row(f"B{n:06d}", f"志愿者{n}", units[n % len(units)], 出生年份=1940 + n % 20, 资源特长="党建、书法",
                   参与="是" if n % 2 else "否")
        for n in range(count)
    ]


def test_more_than_twenty_thousand_rows_are_refused(world, staff):
    content = workbook_bytes(many_rows(roster_xlsx.MAX_ROWS + 1, ["机电工程学院"]))
    response = post_file(client_for(staff), content)
    assert response.status_code == 400
    message = _("The sheet “%(sheet)s” has more than %(limit)s rows, counting the header, any title lines and blank "
                "rows. Delete the empty rows below the data (select them and delete the rows, not only their "
                "contents), or split the data into several files, then upload again.")
    assert shows(response, message % {"sheet": roster_xlsx.SHEET_TITLE, "limit": f"{roster_xlsx.MAX_ROWS + 1:,}"})
    assert_nothing_stored(0)


def stage_queries(world, actor, rows) -> int:
    content = workbook_bytes(rows)
    actor = type(actor).objects.get(pk=actor.pk)  # a fresh user object: the profile is cached per object
    with CaptureQueriesContext(connection) as captured:
        preview = roster_import_stage(actor=actor, upload=upload(content), institution=world.institution)
    assert not preview.errors
    return len(captured)


def test_checking_a_file_takes_the_same_queries_for_3_or_300_rows(world, staff):
    # profile, editable units, all units, existing volunteers, their tags, then checking the RosterImport's
    # institution and uploader and saving it
    for n in range(0, 300, 7):  # some rows update people already on the roster
        VolunteerFactory(unit=world.college, staff_number=f"B{n:06d}")
    units = ["机电工程学院", "化工学院"]
    assert stage_queries(world, staff, many_rows(3, units)) == stage_queries(world, staff, many_rows(300, units))


def apply_queries(world, actor, rows) -> int:
    """Queries to check and apply a file of `rows`, into an empty roster."""
    Volunteer.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        preview = roster_import_stage(actor=actor, upload=upload(workbook_bytes(rows)), institution=world.institution)
        assert not preview.errors
        result = roster_import_apply(actor=actor, roster_import=preview.record)
    assert result.created == Volunteer.objects.count() == len(rows)
    assert Volunteer.objects.filter(specialities__name="书法").count() == len(rows)
    return len(queries.captured_queries)


def test_checking_and_applying_never_take_a_query_per_row(world, staff):
    # Large files stay quick because nothing is done a row at a time in the database: the file is checked in a
    # fixed number of queries and written in batched inserts (the volunteers, their history and their specialities;
    # SQLite's limit on variables per statement makes its batches smaller). How long the largest file accepted
    # takes is a matter for a benchmark, not for a timed test.
    for n in range(30):
        OrgUnitFactory(institution=world.institution, kind=OrgUnit.Kind.COLLEGE, name=f"测试学院{n}")
    units = [f"测试学院{n}" for n in range(30)]
    few = apply_queries(world, staff, many_rows(30, units))
    many = apply_queries(world, staff, many_rows(3000, units))
    assert many - few <= 3000 // 15, (few, many)  # one query per row or more would add 3,000


def test_a_year_one_date_is_refused_by_row_and_column_and_nothing_stored(world, staff):
    content = workbook_bytes([
        person_row("N001", "周明", "机电工程学院", 起始日期="0001-01-01"),
        person_row("N002", "吴芳", "机电工程学院", 终止日期="2999-01-01"),
    ])
    response = post_file(client_for(staff), content)
    assert response.status_code == 400
    assert error_cells(response) == {(2, "起始日期"), (3, "终止日期")}
    assert shows(response, "请填写 2000-01-01 至 2100-12-31 之间的日期。")
    assert_nothing_stored(0)
