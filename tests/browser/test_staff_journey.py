"""Committee staff, in Chromium: reads the dashboard, opens 中国矿业大学's plan and task 15, reports it done on a
given day with a PDF, finds the update in the task's log, downloads the PDF back, and sees the dashboard's figures,
overdue list and timeline move by exactly that task."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from tracker.org.models import EvidenceFile, Institution, Profile
from tracker.org.services import profile_assign_role
from tracker.plans.models import Task

from ..factories import UserFactory
from .journeys import Journey, download, evidence_file, nav, number, sign_in, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "journey-pass-1"
NOTE = "邀请省关工委专家为校院两级骨干作辅导报告，培训骨干 86 人次。"


def dashboard_state(page, task: Task) -> tuple[int, int, int, str]:
    """Tasks done, tasks overdue (figures), whether the task is in the overdue list, its mark on the timeline."""
    done = number(page.locator("#figure-tasks_done .figure__value").inner_text())
    overdue = number(page.locator("#figure-tasks_overdue .figure__value").inner_text())
    listed = page.locator(f"#overdue a[href='{task.get_absolute_url()}']").count()
    mark = page.locator(f"#timeline a.plan-timeline__task[href='{task.get_absolute_url()}']")
    return done, overdue, listed, mark.get_attribute("class")


def test_staff_reports_task_15_done_with_evidence_and_the_dashboard_moves(page, artifacts, tmp_path):
    call_command("loaddata", "seed_plans", verbosity=0)
    cumt = Institution.objects.get(code="cumt")
    staff = UserFactory(username="staff", first_name="王建国", password=PASSWORD)
    profile_assign_role(user=staff, role=Profile.Role.STAFF, institution=cumt)
    task = Task.objects.get(stage__phase__plan__institution=cumt, number="15")
    assert task.status == "not_started"
    notice = evidence_file(tmp_path, "骨干培训班通知.pdf")
    journey = Journey(page, artifacts, "staff")

    # 1. Signed in, staff first look at the dashboard: task 15 is overdue, in the list and on the timeline.
    sign_in(page, "staff", PASSWORD)
    journey.shot("home")
    nav(page, "Dashboard")
    page.wait_for_selector("#figure-tasks_done")
    done, overdue, listed, mark = dashboard_state(page, task)
    assert listed == 1 and "plan-timeline__task--overdue" in mark
    journey.shot("dashboard-before")

    # 2. The plans (the home page is 我的待办 since issue 15) → the plan (laid out as the 推进表) → task 15.
    nav(page, "Plans")
    page.get_by_role("link", name=task.stage.phase.plan.title, exact=True).click()
    page.wait_for_selector("table.plan-table")
    assert page.locator("table.plan-table tbody tr").count() == 23
    journey.shot("plan")
    page.locator("table.plan-table tbody tr", has=page.locator("td.col-number", has_text="15")).locator(
        "a.task-title").click()
    page.wait_for_selector("#update-form")
    assert page.locator("h1").inner_text().startswith("15.")
    journey.shot("task")

    # 3. A dated update: done on 20 December 2021, 100 %, what was done, and the notice as evidence.
    form = page.locator("#update-form")
    form.get_by_label(zh("Date")).fill("2021-12-20")
    form.get_by_label(zh("Status")).select_option(label=zh("Done"))
    form.get_by_label(zh("Progress (%)")).fill("100")
    form.get_by_label(zh("What was done")).fill(NOTE)
    form.get_by_label(zh("Evidence files")).set_input_files(str(notice))
    journey.shot("update-filled")
    form.get_by_role("button", name=zh("Save update")).click()
    page.wait_for_selector(".message--success")

    # 4. The log holds it (date, status, progress, note, file), and the file downloads as it was uploaded.
    entry = page.locator(".timeline .timeline__item").first
    text = entry.inner_text()
    assert "2021-12-20" in text and zh("Done") in text and "100%" in text and NOTE in text
    assert zh("Done") in page.locator("dl.facts").inner_text()
    journey.shot("task-logged")
    name, content = download(page, entry.get_by_role("link", name="骨干培训班通知.pdf"))
    assert (name, content) == ("骨干培训班通知.pdf", notice.read_bytes())

    # 5. The dashboard again: one more task done, one fewer overdue, gone from the overdue list, done on the timeline.
    nav(page, "Dashboard")
    page.wait_for_selector("#figure-tasks_done")
    after = dashboard_state(page, task)
    assert after[:3] == (done + 1, overdue - 1, 0)
    assert "plan-timeline__task--done" in after[3]
    journey.shot("dashboard-after")

    task.refresh_from_db()
    assert (task.status, task.progress, task.done_on) == ("done", 100, dt.date(2021, 12, 20))
    assert EvidenceFile.objects.get(update__task=task).original_name == "骨干培训班通知.pdf"
