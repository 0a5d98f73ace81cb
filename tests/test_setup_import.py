"""The set-up workbook (tracker/setup): the template, the check of every row of both sheets with its errors named by
sheet, row and column in Chinese, the preview, and the confirmation that creates everything in one transaction and
cannot be replayed or changed."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from tracker.org import checked as signed_previews
from tracker.org.models import OrgUnit, Profile
from tracker.setup import xlsx as setup_xlsx
from tracker.setup.services import accounts as account_services
from tracker.setup.services import workbook as services

from .conftest import client_for
from .factories import OrgUnitFactory, UserFactory, setup_upload, setup_workbook
from .test_chinese_only import english_left

pytestmark = pytest.mark.django_db
User = get_user_model()
Kind = OrgUnit.Kind
Role = Profile.Role

UNITS = [
    ["二级关工委", "测绘与地理信息学院", "测绘学院", None, 8],
    ["二级关工委", "资源与地球科学学院", None, None, None],
    ["委员单位", "档案馆", None, "dag@example.edu.cn", 2],
]
ACCOUNTS = [
    ["诸葛明远", "zhuge.my", "zhuge@example.edu.cn", "二级关工委秘书", "测绘学院"],  # a new unit, by its short name
    ["东方雪", "dongfang", None, "委员单位联络员", "档案馆"],
    ["令狐德", "linghu", None, "校领导", None],
    ["慕容秋", "murong", None, "二级关工委秘书", "机电工程学院"],  # a unit already in the portal
]


def zh(message: str, **values) -> str:
    with translation.override("zh-hans"):
        text = _(message)
    return text % values if values else text


def check(actor, institution, upload):
    return services.setup_import_check(actor=actor, institution=institution, upload=upload)


def errors_of(preview) -> set[tuple[str, int | None, str, str]]:
    return {(e.sheet, e.row, e.column, e.message) for e in preview.errors}


def counts() -> tuple[int, int, int]:
    return OrgUnit.objects.count(), User.objects.count(), Profile.objects.count()


# --- The template ----------------------------------------------------------------------------------------


def test_the_template_has_both_sheets_with_one_worked_example_each_and_imports_as_it_is(world, staff):
    response = client_for(staff).get(reverse("tracker:setup-template"))
    assert response.status_code == 200 and response["Content-Type"] == setup_xlsx.XLSX_CONTENT_TYPE
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["单位", "账号", "填写说明"]
    units = list(book["单位"].iter_rows(values_only=True))
    accounts = list(book["账号"].iter_rows(values_only=True))
    assert units[0] == ("类型", "名称", "简称", "联系邮箱", "顺序") and len(units) == 2
    assert accounts[0] == ("姓名", "用户名", "邮箱", "角色", "所在单位") and len(accounts) == 2
    assert units[1][0] == "二级关工委" and accounts[1][3] == "二级关工委秘书" and accounts[1][4] == units[1][1]
    preview = check(staff, world.institution, SimpleUploadedFile("模板.xlsx", response.content))
    assert not preview.has_errors and len(preview.units) == 1 and len(preview.accounts) == 1


# --- Check, preview, confirm ------------------------------------------------------------------------------


def test_upload_previews_writes_nothing_then_confirm_creates_everything(world, staff):
    client = client_for(staff)
    before = counts()
    response = client.post(reverse("tracker:setup-import"), {"file": setup_upload(UNITS, ACCOUNTS)})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-count="units">3<' in html and 'data-count="accounts">4<' in html
    assert "诸葛明远" in html and "资源与地球科学学院" in html
    assert english_left(html, frozenset({"zhuge", "my", "dongfang", "linghu", "murong", "dag"})) == []
    assert counts() == before  # nothing until confirmed
    payload = html.split('name="payload" value="')[1].split('"')[0]

    done = client.post(reverse("tracker:setup-import-confirm"), {"payload": payload})
    assert done.status_code == 200
    assert counts() == (before[0] + 3, before[1] + 4, before[2] + 4)
    survey = OrgUnit.objects.get(institution=world.institution, name="测绘与地理信息学院")
    geo = OrgUnit.objects.get(institution=world.institution, name="资源与地球科学学院")
    archive = OrgUnit.objects.get(institution=world.institution, name="档案馆")
    assert (survey.kind, survey.short_name, survey.email, survey.order, survey.parent) == (
        Kind.COLLEGE, "测绘学院", "", 8, world.committee)
    assert geo.order == 9 and geo.email == ""  # no 顺序: after the others of its kind
    assert (archive.kind, archive.email) == (Kind.MEMBER_UNIT, "dag@example.edu.cn")
    zhuge = User.objects.get(username="zhuge.my")
    assert (zhuge.first_name, zhuge.last_name, zhuge.profile.role, zhuge.profile.unit) == (
        "诸葛明远", "", Role.SECRETARY, survey)
    assert User.objects.get(username="dongfang").profile.unit == archive
    assert User.objects.get(username="murong").profile.unit == world.college
    assert not zhuge.has_usable_password()
    assert survey.history.get().history_user == staff
    links = done.content.decode()
    for username in ("zhuge.my", "dongfang", "linghu", "murong"):
        assert username in links
    assert links.count("/accounts/password/set/") == 4
    assert [message.to for message in mail.outbox] == [["zhuge@example.edu.cn"]]


def test_the_confirmation_cannot_be_replayed(world, staff):
    client = client_for(staff)
    html = client.post(reverse("tracker:setup-import"), {"file": setup_upload(UNITS, ACCOUNTS)}).content.decode()
    payload = html.split('name="payload" value="')[1].split('"')[0]
    assert client.post(reverse("tracker:setup-import-confirm"), {"payload": payload}).status_code == 200
    after = counts()
    again = client.post(reverse("tracker:setup-import-confirm"), {"payload": payload})
    assert again.status_code == 400
    assert zh("The portal changed after this file was checked (%(rows)s), so nothing was imported. Upload the file "
              "again to see a fresh check.", rows="单位 2、单位 3、单位 4、账号 2、账号 3、账号 4、账号 5"
              ) in again.content.decode()
    assert counts() == after


def test_a_changed_or_foreign_confirmation_creates_nothing(world, staff, other_staff):
    client = client_for(staff)
    html = client.post(reverse("tracker:setup-import"), {"file": setup_upload(UNITS, ACCOUNTS)}).content.decode()
    payload = html.split('name="payload" value="')[1].split('"')[0]
    before = counts()
    tampered = signing.dumps({**signing.loads(payload, salt=services.IMPORT_SALT),
                              "accounts": [[2, {"姓名": "坏人", "用户名": "evil", "角色": "系统管理员"}]]})
    refused = client.post(reverse("tracker:setup-import-confirm"), {"payload": tampered})
    assert refused.status_code == 400
    assert zh("The checked rows were changed after the check, so nothing was imported. Upload the file again."
              ) in refused.content.decode()
    edited = payload[:-3] + ("aaa" if not payload.endswith("aaa") else "bbb")
    assert client.post(reverse("tracker:setup-import-confirm"), {"payload": edited}).status_code == 400
    foreign = client_for(other_staff).post(reverse("tracker:setup-import-confirm"), {"payload": payload})
    assert foreign.status_code == 400
    assert zh("This preview was made by someone else. Upload the file again.") in foreign.content.decode()
    assert counts() == before


def test_a_preview_older_than_an_hour_is_refused(world, staff, monkeypatch):
    institution = world.institution
    preview = check(staff, institution, setup_upload(UNITS, ACCOUNTS))
    token = services.setup_import_sign(actor=staff, institution=institution, preview=preview)
    monkeypatch.setattr(signed_previews, "MAX_AGE", -1)
    with pytest.raises(ValidationError) as refused:
        services.setup_import_unsign(actor=staff, token=token)
    assert zh("This preview is more than an hour old. Upload the file again to check it.") in refused.value.messages


def test_nothing_is_half_imported_when_a_row_fails_at_the_confirmation(world, staff):
    preview = check(staff, world.institution, setup_upload(UNITS, ACCOUNTS))
    token = services.setup_import_sign(actor=staff, institution=world.institution, preview=preview)
    payload = services.setup_import_unsign(actor=staff, token=token)
    UserFactory(username="MURONG")  # the last account's user name, taken in between
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.setup_import_apply(actor=staff, institution=world.institution, payload=payload)
    assert "账号 5" in refused.value.messages[0]
    assert counts() == before


def test_an_error_while_creating_rolls_everything_back(world, staff, monkeypatch):
    preview = check(staff, world.institution, setup_upload(UNITS, ACCOUNTS))
    payload = services.setup_import_unsign(
        actor=staff, token=services.setup_import_sign(actor=staff, institution=world.institution, preview=preview))
    calls = []
    real = account_services.profile_assign_role

    def failing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(account_services, "profile_assign_role", failing)
    before = counts()
    with pytest.raises(RuntimeError):
        services.setup_import_apply(actor=staff, institution=world.institution, payload=payload)
    assert counts() == before and not OrgUnit.objects.filter(name="测绘与地理信息学院").exists()


def test_another_institutions_staff_cannot_import_into_it(world, other_staff):
    response = client_for(other_staff).post(reverse("tracker:setup-import"), {
        "institution": world.institution.pk, "file": setup_upload(UNITS, ACCOUNTS)})
    assert response.status_code == 404


# --- Every error, by sheet, row and column -------------------------------------------------------------------


def test_a_file_that_is_not_xlsx_is_refused(world, staff):
    before = counts()
    response = client_for(staff).post(reverse("tracker:setup-import"), {
        "file": SimpleUploadedFile("名单.xlsx", b"not a workbook at all", content_type="text/plain")})
    assert response.status_code == 400
    assert zh("“%(name)s” is not an Excel workbook (.xlsx). Save the file as .xlsx, for example from the template, "
              "and upload it again.", name="名单.xlsx") in response.content.decode()
    assert counts() == before


def test_a_missing_column_is_named_with_its_sheet(world, staff):
    preview = check(staff, world.institution, setup_upload(
        [["二级关工委", "测绘学院"]], [["张三", "zhangsan"]], unit_headers=["类型", "名称"],
        account_headers=["姓名", "用户名"]))
    assert errors_of(preview) == {
        ("", None, "", zh("Sheet “%(sheet)s”: required column missing: %(columns)s. The header row must read "
                          "%(headers)s.", sheet="账号", columns="角色",
                          headers="姓名 · 用户名 · 邮箱 · 角色 · 所在单位")),
    }
    assert not preview.units and not preview.accounts


def test_a_missing_sheet_is_named(world, staff):
    preview = check(staff, world.institution, setup_upload(UNITS, sheets=("单位",)))
    assert [e.message for e in preview.errors] == [zh(
        "The workbook has no sheet called “%(sheet)s”. Download the template, which has the sheets “%(units)s” and "
        "“%(accounts)s”, copy your rows into it and upload it again.", sheet="账号", units="单位", accounts="账号")]


def test_an_empty_accounts_sheet_adds_units_only(world, staff):
    preview = check(staff, world.institution, setup_upload(UNITS, []))
    assert not preview.has_errors and len(preview.units) == 3 and preview.accounts == []


def test_empty_required_cells_unknown_kinds_and_roles(world, staff):
    preview = check(staff, world.institution, setup_upload(
        [["", "测绘学院", None, None, None], ["学院党委", "资源学院", None, None, None],
         ["委员单位", "", None, None, None], ["二级关工委", "环境学院", None, "不是邮箱", "第一"]],
        [["", "", "wu.ming@example.edu.cn", "", None], ["华小山", "hua", None, "秘书长", None],
         ["华大山", "hua2", None, "系统管理员", None]],
    ))
    required = zh("This column must be filled in.")
    kinds = "学校党委、校关工委、二级关工委、委员单位"
    roles = "校关工委工作人员、二级关工委秘书、委员单位联络员、校领导、评审专家"
    expected = {
        ("单位", 2, "类型", required),
        ("单位", 3, "类型", zh("“%(value)s” is not a kind of unit; write one of %(allowed)s.", value="学院党委",
                              allowed=kinds)),
        ("单位", 4, "名称", required),
        ("单位", 5, "顺序", zh("“%(value)s” is not a whole number; write it like 10.", value="第一")),
        ("账号", 2, "姓名", required), ("账号", 2, "用户名", required), ("账号", 2, "角色", required),
        ("账号", 3, "角色", zh("“%(value)s” is not a role; write one of %(allowed)s.", value="秘书长", allowed=roles)),
        ("账号", 4, "角色", zh("An administrator cannot be made here, neither as a new account nor by changing a "
                              "role. Choose one of the other roles.")),
    }
    found = errors_of(preview)
    assert expected <= found
    email = [e for e in preview.errors if (e.sheet, e.row, e.column) == ("单位", 5, "联系邮箱")]
    with translation.override("zh-hans"):
        assert email and "邮" in email[0].message  # Django's own e-mail message, in Chinese
    assert not preview.units and not preview.accounts


def test_the_roles_offices_write_are_understood_besides_their_labels(world, staff):
    preview = check(staff, world.institution, setup_upload(
        [["二级关工委", "测绘学院关工委", "测绘学院", None, None]],
        [["周明", "zhouming", None, "学院秘书", "测绘学院"], ["陈书记", "chen", None, "领导", None],
             ["林晓燕", "lin", None, "工作人员", None]],
    ))
    assert not preview.has_errors
    roles = [row["role"] for row in preview.accounts]
    assert roles == [Profile.Role.SECRETARY, Profile.Role.LEADER, Profile.Role.STAFF]


def test_duplicates_within_the_file_and_against_the_portal(world, staff):
    OrgUnitFactory(institution=world.institution, kind=Kind.MEMBER_UNIT, name="档案馆",
                   retired_on=timezone.localdate())
    UserFactory(username="Linghu")
    preview = check(staff, world.institution, setup_upload(
        [["二级关工委", "测绘学院", None, None, None], ["二级关工委", "测绘学院", None, None, None],
         ["委员单位", "档案馆", None, None, None], ["二级关工委", "机电工程学院", None, None, None]],
        [["甲", "ximen", None, "校领导", None], ["乙", "XiMen", None, "校领导", None],
         ["丙", "linghu", None, "校领导", None]],
    ))
    assert errors_of(preview) == {
        ("单位", 3, "名称", zh("The unit “%(name)s” also appears in row %(row)s.", name="测绘学院", row=2)),
        ("单位", 4, "名称", zh("There is already a retired unit called “%(name)s”; bring it back instead of adding it "
                              "again.", name="档案馆")),
        ("单位", 5, "名称", zh("There is already a unit called “%(name)s”.", name="机电工程学院")),
        ("账号", 3, "用户名", zh("The user name “%(name)s” also appears in row %(row)s.", name="XiMen", row=2)),
        ("账号", 4, "用户名", zh("The user name “%(name)s” is taken; choose another.", name="linghu")),
    }


def test_a_unit_named_in_accounts_must_exist_in_the_portal_or_the_units_sheet(world, staff):
    OrgUnitFactory(institution=world.other_institution, kind=Kind.COLLEGE, name="外校学院")
    OrgUnitFactory(institution=world.institution, kind=Kind.COLLEGE, name="已撤学院", retired_on=timezone.localdate())
    preview = check(staff, world.institution, setup_upload(
        [["委员单位", "档案馆", None, None, None]],
        [["甲", "jia", None, "二级关工委秘书", "不存在学院"], ["乙", "yi", None, "二级关工委秘书", "外校学院"],
         ["丙", "bing", None, "二级关工委秘书", "档案馆"], ["丁", "ding", None, "委员单位联络员", None],
         ["戊", "wu", None, "二级关工委秘书", "已撤学院"]],
    ))
    absent = "There is no unit called “%(name)s”, neither in the portal nor on the sheet “%(sheet)s”."
    assert errors_of(preview) == {
        ("账号", 2, "所在单位", zh(absent, name="不存在学院", sheet="单位")),
        ("账号", 3, "所在单位", zh(absent, name="外校学院", sheet="单位")),  # another university's is not ours
        ("账号", 4, "所在单位", zh("A %(role)s must be bound to a unit of kind “%(kind)s”; %(unit)s is a %(other)s.",
                                 role=zh("College secretary"), kind=zh("College committee"), unit="档案馆",
                                 other=zh("Member unit"))),
        ("账号", 5, "所在单位", zh("A %(role)s must be bound to a unit of kind “%(kind)s”: write its name.",
                                 role=zh("Member-unit liaison"), kind=zh("Member unit"))),
        ("账号", 6, "所在单位", zh("%(unit)s is retired; bring it back first or choose another unit.",
                                 unit="已撤学院")),
    }


def test_too_many_rows_are_refused(world, staff):
    rows = [["委员单位", f"单位{n}", None, None, None] for n in range(setup_xlsx.MAX_ROWS + 1)]
    preview = check(staff, world.institution, setup_upload(rows, []))
    assert [e.message for e in preview.errors] == [zh(
        "The sheet “%(sheet)s” has more than %(limit)s rows. Split it into several files of at most %(limit)s rows "
        "each.", sheet="单位", limit=setup_xlsx.MAX_ROWS)]


def test_errors_are_shown_by_sheet_row_and_column_on_the_page_and_nothing_is_written(world, staff):
    before = counts()
    response = client_for(staff).post(reverse("tracker:setup-import"), {"file": setup_upload(
        [["二级关工委", "机电工程学院", None, None, None]], [["甲", "jia", None, "秘书长", None]])})
    assert response.status_code == 400
    html = response.content.decode()
    assert ('<td class="import-sheet">单位</td><td class="import-row">2</td><td class="import-column">名称</td>'
            in html)
    assert ('<td class="import-sheet">账号</td><td class="import-row">2</td><td class="import-column">角色</td>'
            in html)
    assert 'name="payload"' not in html
    assert english_left(html) == []
    assert counts() == before


def test_the_workbook_reader_is_the_projects_one_and_refuses_a_zip_bomb(world, staff):
    """A workbook whose sheet declares a million rows is refused by org/xlsx's check before it is parsed."""
    import re
    import zipfile

    content = setup_workbook(UNITS, ACCOUNTS)
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:E1000000"/>', data, count=1)
                assert b"E1000000" in data
            target.writestr(item, data)
    preview = check(staff, world.institution, SimpleUploadedFile("炸弹.xlsx", out.getvalue()))
    assert preview.file_errors and "1,000,000" in preview.file_errors[0].message
