"""Standard import: check → preview → confirm with a signed value; bad files refused with nothing stored;
export → import round trip; duplicate names; shared standards for administrators only."""

import io
from decimal import Decimal

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import gettext as _

from tracker.assessments.models.standards import Standard, StandardGroup, StandardItem
from tracker.assessments.services import standards as service
from tracker.assessments.xlsx import HEADERS, XLSX_CONTENT_TYPE, parse_mode
from tracker.org import checked as signed_previews

from .conftest import client_for
from .factories import GOOD_ROWS, StandardFactory, standard_upload, standard_workbook

pytestmark = pytest.mark.django_db
Mode = StandardItem.Mode


def check(client, upload=None, **fields):
    data = {"name": "二级关工委工作基本要求", "level": "college", "source_document": "省关工委《基本要求》",
            "file": upload if upload is not None else standard_upload()}
    data.update(fields)
    return client.post(reverse("tracker:standard-import"), data)


def confirm(client, response):
    return client.post(reverse("tracker:standard-import-confirm"),
                       {"payload": response.context["confirm_form"].initial["payload"]})


def assert_nothing_stored() -> None:
    assert Standard.objects.count() == 0
    assert StandardGroup.objects.count() == 0
    assert StandardItem.objects.count() == 0


def row_errors(response) -> set[tuple[int, str]]:
    return {(error.row, error.column) for error in response.context["preview"].row_errors}


def test_check_shows_a_preview_and_stores_nothing(world, staff):
    response = check(client_for(staff))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert len(preview.rows) == 5 and preview.groups == ["领导机制", "组织制度", "队伍建设", "工作成效"]
    assert preview.full_marks == Decimal("29") and preview.bonus_maximum == Decimal("2")
    assert 'name="payload"' in response.content.decode()
    assert_nothing_stored()


def test_confirm_creates_groups_in_order_of_first_appearance_and_items_by_number(world, staff):
    client = client_for(staff)
    response = confirm(client, check(client))
    standard = Standard.objects.get()
    assert response.status_code == 302 and response["Location"] == standard.get_absolute_url()
    assert standard.institution == world.institution and standard.level == "college"
    assert list(standard.groups.values_list("order", "name")) == [
        (1, "领导机制"), (2, "组织制度"), (3, "队伍建设"), (4, "工作成效")]
    items = {item.number: item for item in StandardItem.objects.select_related("group")}
    assert [items[n].group.name for n in "12345"] == ["领导机制", "组织制度", "领导机制", "队伍建设", "工作成效"]
    assert items["3"].order == 2  # second item of 领导机制
    assert [items[n].mode for n in "12345"] == [Mode.ALL_OR_NOTHING, Mode.GRADED_THREE, Mode.GRADED_ABCD,
                                                 Mode.DEDUCTION, Mode.BONUS]
    assert items["4"].deduction_step == Decimal("0.5") and items["2"].rule == ""
    assert standard.history.get().history_user == staff  # who imported it is recorded


def test_admin_imports_a_shared_standard(world, admin_user, staff):
    client = client_for(admin_user)
    confirm(client, check(client, institution=""))
    shared = Standard.objects.get()
    assert shared.institution is None
    assert shared.name in client_for(staff).get(reverse("tracker:standard-list")).content.decode()


def test_staff_cannot_import_into_another_institution_or_a_shared_one(world, staff):
    client = client_for(staff)
    confirm(client, check(client, institution=world.other_institution.pk))
    assert Standard.objects.get().institution == world.institution  # the field is fixed to her own
    with pytest.raises(service.PermissionDenied):
        service.standard_create_from_rows(actor=staff, institution=None, name="共享", level="college",
                                          source_document="x", rows=[])


def test_same_name_in_same_institution_is_refused(world, staff):
    StandardFactory(institution=world.institution, name="二级关工委工作基本要求")
    response = check(client_for(staff))
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert Standard.objects.count() == 1


def test_same_name_created_between_check_and_confirm_is_refused(world, staff):
    client = client_for(staff)
    checked = check(client)
    StandardFactory(institution=world.institution, name="二级关工委工作基本要求")
    response = confirm(client, checked)
    assert response.status_code == 400
    assert "二级关工委工作基本要求" in response.context["problem"]
    assert StandardItem.objects.count() == 0


def test_same_name_in_another_institution_is_allowed(world, staff):
    StandardFactory(institution=world.other_institution, name="二级关工委工作基本要求")
    client = client_for(staff)
    confirm(client, check(client))
    assert Standard.objects.filter(institution=world.institution).count() == 1


def test_tampered_signed_value_is_refused(world, staff):
    client = client_for(staff)
    token = check(client).context["confirm_form"].initial["payload"]
    payload = signing.loads(token, salt=service.IMPORT_SALT)
    payload["rows"][0]["points"] = "100"
    forged = signing.dumps(payload, salt="another salt", compress=True)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for value in (forged, tampered):
        response = client.post(reverse("tracker:standard-import-confirm"), {"payload": value})
        assert response.status_code == 400
        assert response.context["problem"] == _("The checked rows were changed after the check, so nothing was "
                                                 "imported. Upload the file again.")
    assert_nothing_stored()


def test_expired_signed_value_is_refused(world, staff, monkeypatch):
    client = client_for(staff)
    checked = check(client)
    monkeypatch.setattr(signed_previews, "MAX_AGE", -1)  # as if more than an hour had passed
    response = confirm(client, checked)
    assert response.status_code == 400
    assert response.context["problem"] == _("This preview is more than an hour old. Upload the file again to "
                                            "check it.")
    assert_nothing_stored()


def test_someone_elses_signed_value_is_refused(world, staff, admin_user):
    checked = check(client_for(staff))
    response = confirm(client_for(admin_user), checked)
    assert response.status_code == 400
    assert_nothing_stored()


def test_round_trip_export_import_of_the_seed_standard_gives_the_same_items(world, staff):
    call_command("loaddata", "fixtures/seed_standards.json", verbosity=0)
    seed = Standard.objects.get(level="school")
    client = client_for(staff)
    exported = client.get(reverse("tracker:standard-export", args=[seed.pk])).content
    upload = SimpleUploadedFile("导出.xlsx", exported, content_type=XLSX_CONTENT_TYPE)
    response = confirm(client, check(client, upload, name="校关工委工作基本要求（本校）", level="school"))
    assert response.status_code == 302
    copy = Standard.objects.get(institution=world.institution)

    def items(standard):
        return [(i.group.order, i.group.name, i.order, i.number, i.text, i.rule, i.points, i.mode, i.deduction_step)
                for i in StandardItem.objects.filter(group__standard=standard).select_related("group")]

    assert items(copy) == items(seed)
    assert len(items(copy)) == 11


# --- Bad input: a clear message, nothing stored -----------------------------------------------------


def good(changes: dict[int, dict[int, object]]) -> list[list]:
    """GOOD_ROWS with some cells changed: {row index: {column index: value}} (sheet row = index + 2)."""
    rows = [list(row) for row in GOOD_ROWS]
    for index, cells in changes.items():
        for column, value in cells.items():
            rows[index][column] = value
    return rows


@pytest.mark.parametrize(("rows", "expected"), [
    (good({1: {4: "八分"}}), {(3, "分值")}),
    (good({1: {4: -1}}), {(3, "分值")}),
    (good({1: {4: None}}), {(3, "分值")}),
    (good({2: {5: "五档"}}), {(4, "计分方式")}),
    (good({3: {5: "扣分"}}), {(5, "计分方式")}),
    (good({0: {5: None}}), {(2, "计分方式")}),
    (good({4: {0: "1"}}), {(6, "序号")}),
    (good({2: {2: None}, 3: {1: ""}}), {(4, "内容"), (5, "一级指标")}),
], ids=["points-not-a-number", "negative-points", "points-empty", "unknown-mode", "deduction-without-step",
        "mode-empty", "duplicate-number", "content-and-group-empty"])
def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_stored(world, staff, rows, expected):
    response = check(client_for(staff), standard_upload(rows))
    assert response.status_code == 400
    assert row_errors(response) == expected
    assert 'name="payload"' not in response.content.decode()
    assert_nothing_stored()


def test_messages_say_what_is_wrong(world, staff):
    response = check(client_for(staff), standard_upload(good({3: {5: "扣分"}, 4: {0: "1"}})))
    html = response.content.decode()
    assert _("Number %(number)s also appears in row %(row)s.") % {"number": "1", "row": 2} in html
    assert "扣分0.5" in html  # the deduction message shows how to write the step


def file_errors(response) -> list[str]:
    return [error.message for error in response.context["preview"].file_errors]


@pytest.mark.parametrize(("content", "name"), [
    (b"", "empty.xlsx"),
    (b"not a workbook at all", "notes.xlsx"),
    (b"\xd0\xcf\x11\xe0old excel", "old.xls"),
])
def test_files_that_are_not_xlsx_are_refused(world, staff, content, name):
    response = check(client_for(staff), SimpleUploadedFile(name, content))
    assert response.status_code == 400
    preview = response.context["preview"]
    # an empty upload is refused by the form's file field itself; the others by the file check
    assert (preview is not None and preview.file_errors) or response.context["form"].errors.get("file")
    assert_nothing_stored()


def test_missing_column_is_named(world, staff):
    headers = [header for header in HEADERS if header != "分值"]
    rows = [[cell for index, cell in enumerate(row) if index != 4] for row in GOOD_ROWS]
    response = check(client_for(staff), standard_upload(rows, headers=headers))
    assert response.status_code == 400
    assert any("分值" in message for message in file_errors(response))
    assert_nothing_stored()


def test_header_only_file_is_refused(world, staff):
    response = check(client_for(staff), standard_upload([]))
    assert response.status_code == 400
    assert file_errors(response) == [_("The file has a header row but no items.")]


def test_more_than_500_rows_are_refused(world, staff):
    rows = [(str(n), "领导机制", f"第{n}项", "", 1, "全有全无") for n in range(1, 502)]
    response = check(client_for(staff), standard_upload(rows))
    assert response.status_code == 400
    assert file_errors(response) == [_("The file has more than %(limit)s items. A standard may have at most "
                                       "%(limit)s.") % {"limit": 500}]
    assert_nothing_stored()


def test_500_rows_are_accepted(world, staff):
    rows = [(str(n), f"指标{n % 5}", f"第{n}项", "", 1, "全有全无") for n in range(1, 501)]
    client = client_for(staff)
    confirm(client, check(client, standard_upload(rows)))
    assert StandardItem.objects.count() == 500


def test_secretary_may_not_import(world, secretary):
    assert check(client_for(secretary)).status_code == 403
    assert_nothing_stored()


@pytest.mark.parametrize(("cell", "expected"), [
    ("全有全无", (Mode.ALL_OR_NOTHING, None)),
    ("三档（达标/基本达标/未达标）", (Mode.GRADED_THREE, None)),
    ("四档", (Mode.GRADED_ABCD, None)),
    ("A/B/C/D", (Mode.GRADED_ABCD, None)),
    ("扣分0.5", (Mode.DEDUCTION, Decimal("0.5"))),
    ("每少1次扣0.5分", (Mode.DEDUCTION, Decimal("0.5"))),
    ("扣 2 分", (Mode.DEDUCTION, Decimal("2"))),
    ("加分", (Mode.BONUS, None)),
])
def test_scoring_mode_cells(cell, expected):
    assert parse_mode(cell) == expected


def test_workbook_helper_writes_the_headers():
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(standard_workbook(GOOD_ROWS))).active
    assert next(sheet.iter_rows(values_only=True)) == HEADERS
