"""A new university set up from nothing, in Chromium, without opening /admin/: the administrator adds the university
and its first committee-staff account; that person sets a password from the one-time link, adds the units and
accounts from one workbook, imports the plan's 推进表 from a second workbook the test writes itself (in the office's
own shape: merged phase cells, a phase with no stage, a milestone, work areas), records progress on a task and sees
the dashboard count it. The run's duration is written to test-artifacts/setup-journey-seconds.txt for the closing
note; no assertion is made on it (speed is measured in `make bench`)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone
from openpyxl import Workbook

from tracker.org.models import Institution, OrgUnit, Profile
from tracker.org.services import profile_assign_role
from tracker.plans.models import Plan, Task

from ..factories import UserFactory
from .journeys import Journey, number, sign_in, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ADMIN_PASSWORD = "journey-admin-1"
STAFF_PASSWORD = "Qingshan-2026-ok"
NOTE = "召开五老骨干座谈会，确定首批十个工作平台。"


def setup_workbook(path) -> None:
    """The units and accounts of 青山理工学院 (an invented university), as an office would type them."""
    book = Workbook()
    units = book.active
    units.title = "单位"
    units.append(["类型", "名称", "简称", "联系邮箱", "顺序"])
    units.append(["学校党委", "中共青山理工学院委员会", "学校党委", "", 1])
    units.append(["二级关工委", "材料学院关工委", "材料学院", "", 1])
    units.append(["二级关工委", "信息学院关工委", "信息学院", "", 2])
    units.append(["委员单位", "离退休工作处", "离退休处", "", 1])
    accounts = book.create_sheet("账号")
    accounts.append(["姓名", "用户名", "邮箱", "角色", "所在单位"])
    accounts.append(["周明", "zhouming", "", "学院秘书", "材料学院"])
    accounts.append(["陈书记", "chenshuji", "", "领导", ""])
    book.save(path)


def plan_workbook(path, today: dt.date) -> None:
    """A two-phase 推进表: the first phase with a stage and a merged phase cell, the second with its tasks directly
    under it (no 时间, no 目标), one milestone, work areas in the last column."""
    year = today.year
    book = Workbook()
    sheet = book.active
    sheet.title = "推进表"
    sheet.append([f"青山理工学院关工委“五好”建设推进表（{year}—{year + 2}）"])
    sheet.append([])
    sheet.append(["主题", "时间", "目标", "序号", "内容", "牵头单位", "配合单位", "开始", "完成时限", "工作领域"])
    sheet.append([f"一、学习动员（{year}.1—{year}.12）", f"{year}.1—{year}.12", "统一思想", "1",
                  "召开动员大会。学校党委部署“五好”建设。", "学校党委", "校关工委", "", "", "机制建设"])
    sheet.append([None, None, None, "2", "建设五老工作平台。每个学院建成一个平台。", "各二级关工委", "离退休处",
                  "", f"{year}-12-31", "平台建设"])
    sheet.merge_cells("A4:A5")
    sheet.merge_cells("B4:B5")
    sheet.merge_cells("C4:C5")
    sheet.append([f"二、全面提升（{year + 1}.1—{year + 2}.12）", "", "", "3", "迎接片区评议。", "校关工委", "",
                  "", f"{year + 1}-10-20", "机制建设"])
    book.save(path)


def test_a_new_university_is_set_up_and_its_plan_entered_without_the_admin_site(page, artifacts, tmp_path):
    started = time.monotonic()
    today = timezone.localdate()
    admin = UserFactory(username="admin", first_name="系统管理员", password=ADMIN_PASSWORD)
    profile_assign_role(user=admin, role=Profile.Role.ADMIN, institution=None)
    journey = Journey(page, artifacts, "setup")
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))

    # 1. The administrator adds the university and its first committee-staff account, and gets the link.
    sign_in(page, "admin", ADMIN_PASSWORD)
    page.goto(page.base_url + "/setup/institutions/new/")
    page.get_by_label(zh("Name of the university")).fill("青山理工学院")
    page.get_by_label(zh("Short name")).fill("青山理工")
    page.get_by_label(zh("Code"), exact=True).fill("qslg")
    page.get_by_label(zh("Name of the committee staff member")).fill("林晓燕")
    page.get_by_label(zh("User name")).fill("linxiaoyan")
    page.get_by_role("button", name=zh("Add the university")).click()
    link = page.locator("code.setup-link").first.inner_text()
    journey.shot("institution-added")
    institution = Institution.objects.get(code="qslg")

    # 2. The staff member opens the link, chooses a password, signs in.
    page.context.clear_cookies()
    page.goto(link)
    page.locator("input[name=new_password1]").fill(STAFF_PASSWORD)
    page.locator("input[name=new_password2]").fill(STAFF_PASSWORD)
    page.get_by_role("button", name=zh("Set the password")).click()
    page.wait_for_load_state()
    sign_in(page, "linxiaoyan", STAFF_PASSWORD)

    # 3. Units and accounts from one workbook: check, preview, confirm.
    workbook = tmp_path / "青山理工学院单位和账号.xlsx"
    setup_workbook(workbook)
    page.goto(page.base_url + f"/setup/import/?institution={institution.pk}")
    page.locator("input[type=file]").set_input_files(str(workbook))
    page.get_by_role("button", name=zh("Check the file")).click()
    page.wait_for_load_state()
    journey.shot("setup-checked")
    assert number(page.locator("[data-count=units]").inner_text()) == 4
    assert number(page.locator("[data-count=accounts]").inner_text()) == 2
    journey.shot("setup-preview")
    page.get_by_role("button", name=zh("Add these units and accounts")).click()
    page.wait_for_load_state()
    journey.shot("setup-done")
    assert OrgUnit.objects.filter(institution=institution, kind=OrgUnit.Kind.COLLEGE).count() == 2
    assert Profile.objects.get(user__username="zhouming").unit.short_name == "材料学院"

    # 4. The plan from the office's own 推进表: check, preview, confirm.
    table = tmp_path / "青山理工学院推进表.xlsx"
    plan_workbook(table, today)
    page.goto(page.base_url + "/plans/")
    page.get_by_role("link", name=zh("Import a 推进表")).first.click()
    page.locator("input[type=file]").set_input_files(str(table))
    page.get_by_label(zh("Issue date")).fill(f"{today.year}-01-05")
    page.get_by_role("button", name=zh("Check the file")).click()
    assert number(page.locator("[data-count=phases]").inner_text()) == 2
    assert number(page.locator("[data-count=tasks]").inner_text()) == 3
    journey.shot("plan-preview")
    page.get_by_role("button", name=zh("Create this plan")).click()
    page.wait_for_load_state()
    plan = Plan.objects.get(institution=institution)
    assert plan.title.startswith("青山理工学院关工委")
    task = Task.objects.get(stage__phase__plan=plan, number="1")
    assert [party.label for party in task.lead_parties] == ["学校党委"]
    assert Task.objects.get(stage__phase__plan=plan, number="3").stage.is_direct
    journey.shot("plan-created")

    # 5. Progress on task 1, through the task page.
    page.goto(page.base_url + task.get_absolute_url())
    form = page.locator("#update-form")
    form.get_by_label(zh("Date")).fill(today.isoformat())
    form.get_by_label(zh("Status")).select_option(label=zh("Done"))
    form.get_by_label(zh("What was done")).fill(NOTE)
    form.get_by_role("button", name=zh("Save update")).click()
    page.wait_for_selector(".message--success")

    # 6. The dashboard counts it.
    page.goto(page.base_url + f"/dashboard/?institution={institution.pk}")
    page.wait_for_selector("#figure-tasks_done")
    assert number(page.locator("#figure-tasks_done .figure__value").inner_text()) == 1
    journey.shot("dashboard")

    assert not [url for url in visited if "/admin/" in url], "the set-up needed the admin site"
    (artifacts / "setup-journey-seconds.txt").write_text(f"{time.monotonic() - started:.1f}\n", encoding="utf-8")
