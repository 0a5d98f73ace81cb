"""Committee staff signs in, opens 中国矿业大学's plan, opens task 15, adds an update with a PDF, sees it logged."""

import pytest
from django.core.management import call_command

from tracker import services
from tracker.models import EvidenceFile, Institution, Profile, Task

from ..factories import PDF_BYTES, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_records_progress_on_task_15_with_a_pdf(page, artifacts, tmp_path):
    call_command("loaddata", "seed_plans", verbosity=0)
    staff = UserFactory(username="staff", first_name="王建国", password="journey-pass-1")
    services.profile_assign_role(user=staff, role=Profile.Role.STAFF, institution=Institution.objects.get(code="cumt"))
    evidence = tmp_path / "骨干培训班通知.pdf"
    evidence.write_bytes(PDF_BYTES)

    page.goto(page.base_url + "/")
    page.get_by_label("用户名").fill("staff")
    page.get_by_label("密码").fill("journey-pass-1")
    page.get_by_role("button", name="登录").click()
    page.screenshot(path=artifacts / "task-journey-1-home.png", full_page=True)

    page.get_by_role("link", name="中国矿业大学 · 中国矿业大学关工委优质化建设工作推进表").click()
    page.wait_for_selector("table.plan-table")
    assert page.locator("table.plan-table tbody tr").count() == 23
    page.screenshot(path=artifacts / "task-journey-2-plan.png", full_page=True)

    page.locator("#task-15 a.task-title, tr:has(td.col-number:text-is('15')) a.task-title").first.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text().startswith("15.")

    page.get_by_label("状态").select_option("in_progress")
    page.get_by_label("进度（%）").fill("60")
    page.get_by_label("工作进展说明").fill("邀请省关工委专家为校院两级骨干作辅导报告。")
    page.get_by_label("佐证材料").set_input_files(str(evidence))
    page.get_by_role("button", name="保存进展").click()

    page.wait_for_selector(".message--success")
    log = page.locator(".timeline")
    assert "邀请省关工委专家为校院两级骨干作辅导报告。" in log.inner_text()
    assert "骨干培训班通知.pdf" in log.inner_text()
    page.screenshot(path=artifacts / "task-journey-3-task.png", full_page=True)

    task = Task.objects.get(stage__phase__plan__institution__code="cumt", number="15")
    assert (task.status, task.progress) == ("in_progress", 60)
    assert EvidenceFile.objects.get(update__task=task).original_name == "骨干培训班通知.pdf"
