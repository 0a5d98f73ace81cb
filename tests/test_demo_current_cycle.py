"""The demo's current-cycle plan for 中国矿业大学: dated relative to today, made through the services, live on the
dashboard."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tracker.demo.current_plan import TITLE_STEM, month_end, month_start
from tracker.plans.models import Plan, Task, TaskParty, TaskUpdate
from tracker.reporting.dashboard import UPCOMING_DAYS, build_dashboard

pytestmark = pytest.mark.django_db


def _plan() -> Plan:
    return Plan.objects.get(institution__code="cumt", title__startswith=TITLE_STEM)


def _tasks() -> list[Task]:
    return list(Task.objects.filter(stage__phase__plan=_plan()).select_related("stage__phase__plan", "work_area")
                .prefetch_related("parties"))


def test_month_helpers_cross_years():
    assert month_start(dt.date(2026, 1, 15), -1) == dt.date(2025, 12, 1)
    assert month_start(dt.date(2026, 12, 4), 1) == dt.date(2027, 1, 1)
    assert month_end(dt.date(2024, 3, 31), -1) == dt.date(2024, 2, 29)


def test_the_plan_spans_today_with_its_years_in_the_title(demo):
    plan = _plan()
    today = timezone.localdate()
    assert plan.start_date < today < plan.end_date
    assert plan.title == f"{TITLE_STEM}（{plan.start_date.year}—{plan.end_date.year}）"
    assert plan.issued_on <= today
    # the newest plan, so the dashboard's "tasks" figures link to it
    assert Plan.objects.filter(institution=plan.institution).order_by("-issued_on", "id").first() == plan


def test_the_plan_has_the_shapes_real_plans_have(demo):
    plan = _plan()
    phases = list(plan.phases.prefetch_related("stages"))
    assert 2 <= len(phases) <= 3
    direct = [stage for phase in phases for stage in phase.stages.all() if stage.is_direct]
    assert len(direct) == 1 and direct[0].order == 0 and direct[0].phase.stages.count() == 1
    assert direct[0].tasks.exists()
    assert [area.name for area in plan.work_areas.all()] == ["队伍建设", "平台建设", "机制建设"]
    tasks = _tasks()
    assert {task.work_area.name for task in tasks if task.work_area} == {"队伍建设", "平台建设", "机制建设"}
    milestones = [task for task in tasks if task.milestone]
    assert len(milestones) == 1 and milestones[0].start_date is None and milestones[0].due_date is not None
    parties = [party for task in tasks for party in task.parties.all()]
    assert any(party.unit_id is None and party.kind == "college" for party in parties), "各二级关工委"
    assert {party.unit.name for party in parties if party.unit_id} >= {"离退休工作处", "组织部", "团委"}
    assert any(party.role == TaskParty.Role.COOPERATING for party in parties)
    assert [task.number for task in tasks] == [str(n) for n in range(1, len(tasks) + 1)]


def test_progress_looks_like_a_live_programme(demo):
    today = timezone.localdate()
    tasks = _tasks()
    done = [task for task in tasks if task.is_done]
    overdue = [task for task in tasks if task.is_overdue_on(today)]
    soon = [task for task in tasks if not task.is_done and today <= task.due <= today + dt.timedelta(days=30)]
    on_track = [task for task in tasks if not task.is_done and task.due > today + dt.timedelta(days=30)
                and task.status == Task.Status.IN_PROGRESS]
    assert len(done) >= 4
    assert 2 <= len(overdue) <= 4
    assert 2 <= len(soon) <= 4
    assert len(on_track) >= 2
    assert len(done) + len(overdue) < len(tasks), "not five years of red"


def test_progress_was_reported_through_the_service_by_the_demo_accounts(demo):
    updates = TaskUpdate.objects.filter(task__stage__phase__plan=_plan()).select_related("author", "unit", "task")
    today = timezone.localdate()
    assert {update.author.username for update in updates} == {"staff", "secretary", "liaison"}
    assert all(update.date <= today for update in updates)
    by_secretary = [update for update in updates if update.author.username == "secretary"]
    assert by_secretary and all(update.unit.name == "机电工程学院" for update in by_secretary)
    for task in Task.objects.filter(stage__phase__plan=_plan(), updates__isnull=False).distinct():
        assert task.version == task.updates.count() + 1
        latest = task.updates.order_by("-task_version").first()
        assert (task.status, task.progress) == (latest.status, latest.progress)
        assert task.history.filter(history_user__username="staff").exists()
    assert updates.filter(evidence__isnull=False).exists()


def test_the_dashboard_lists_current_cycle_tasks_overdue_and_due_soon(demo):
    from tracker.org.models import Institution

    plan = _plan()
    dashboard = build_dashboard(Institution.objects.get(code="cumt"))
    overdue = [item for item in dashboard.overdue if item.plan == plan.title]
    upcoming = [item for item in dashboard.upcoming if item.plan == plan.title]
    assert overdue and upcoming
    assert all(0 <= item.days <= UPCOMING_DAYS for item in upcoming)
    assert any(timeline.plan_title == plan.title for timeline in dashboard.timelines)


def test_the_dashboard_and_plan_pages_show_it(demo, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="staff"))
    plan = _plan()
    page = client.get(reverse("tracker:dashboard")).content.decode()
    assert plan.title in page
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "全面推进，争创“五好”" in page and "建强五老骨干队伍" in page


def test_seeding_again_changes_nothing(demo):
    plan = _plan()
    before = (Plan.objects.count(), Task.objects.count(), TaskUpdate.objects.count(), TaskParty.objects.count(),
              list(Task.objects.filter(stage__phase__plan=plan).values_list("status", "progress", "version")))
    call_command("seed_demo", force=True, verbosity=0)
    after = (Plan.objects.count(), Task.objects.count(), TaskUpdate.objects.count(), TaskParty.objects.count(),
             list(Task.objects.filter(stage__phase__plan=plan).values_list("status", "progress", "version")))
    assert after == before


def test_no_task_of_the_demo_plan_falls_outside_its_phase(demo):
    # A newcomer's first editor page should not open on warnings the demo made itself. Due dates are at most
    # 80 days ahead in a phase that ends at least three whole months after today, whatever day seed_demo runs.
    from tracker.plans.editing import task_warnings

    tasks = Task.objects.filter(stage__phase__plan=_plan()).select_related("stage__phase__plan")
    assert tasks and {task.number: task_warnings(task) for task in tasks if task_warnings(task)} == {}
