"""The leaders' dashboard: headline figures checked against counts made another way, as-of dates, snapshots,
exports, the college page, and a query budget that stays flat as the data grows tenfold."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tracker.assessments.models.assessments import Assessment, AssessmentRound, Rectification
from tracker.assessments.models.standards import Standard
from tracker.assessments.services import assessments as svc
from tracker.org.jsondata import to_json
from tracker.org.models import Institution, OrgUnit
from tracker.plans.models import Task
from tracker.plans.services import task_add_update
from tracker.quotas.metrics import QuotaStatus
from tracker.quotas.models import Quota
from tracker.reporting.dashboard import build_dashboard, from_json
from tracker.reporting.models import ReportSnapshot

from .conftest import client_for, make_person
from .factories import (
    AssessmentRoundFactory,
    OrgUnitFactory,
    PhaseFactory,
    PlanFactory,
    QuotaFactory,
    RectificationFactory,
    StageFactory,
    TaskFactory,
    TaskPartyFactory,
    TaskUpdateFactory,
    VolunteerFactory,
    scored_standard,
    start_assessment,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cumt(demo):
    return Institution.objects.get(code="cumt")


def _leader(institution):
    from django.contrib.auth import get_user_model

    existing = get_user_model().objects.filter(username="demo_leader_for_tests").first()
    return existing or make_person("demo_leader_for_tests", "leader", institution)


def html_of(response) -> str:
    return response.content.decode()


# --- Figures checked another way ------------------------------------------------------------


def check_headline_figures_on_the_demo_match_counts_made_another_way(demo):
    today = timezone.localdate()
    board = build_dashboard(demo)
    tasks = Task.objects.filter(stage__phase__plan__institution=demo)
    def due(t):  # its own date, else its stage's, phase's, plan's end (the current cycle's direct stage has none)
        return t.due_date or t.stage.end_date or t.stage.phase.end_date or t.stage.phase.plan.end_date

    overdue = [t for t in tasks.select_related("stage__phase__plan") if t.status != "done" and due(t) < today]
    assert (board.figure("tasks_done").value, board.figure("tasks_done").total) == (
        tasks.filter(status="done").count(), tasks.count())
    assert board.figure("tasks_overdue").value == len(overdue)
    assert board.figure("quotas_met").total == Quota.objects.filter(institution=demo).count()
    rectifications = Rectification.objects.filter(institution=demo)
    assert board.figure("rectifications_open").value == rectifications.exclude(
        status__in=["done", "verified"]).count()
    # The current round is the latest college round: this year's, due in four weeks, which no college has filed yet
    # (issue 15: the demo secretary's round due); the 2021 round's two filed and one accepted are history.
    current = AssessmentRound.objects.filter(institution=demo, standard__level="college").order_by("-due_on").first()
    assert board.filing.round_name == current.name and current.due_on > today
    college_round = Assessment.objects.filter(unit__kind="college", round=current)
    assert board.figure("filed").value == college_round.filter(
        status__in=["submitted", "resubmitted", "accepted"]).count() == 0
    assert board.figure("accepted").value == college_round.filter(status="accepted").count() == 0
    assert board.figure("filed").total == OrgUnit.objects.filter(institution=demo, kind="college").count()
    # the overdue list holds every overdue task and open rectification past its deadline
    overdue_rectifications = [r for r in rectifications if r.status not in ("done", "verified") and r.deadline < today]
    kinds = [item.kind for item in board.overdue]
    assert kinds.count("task") == len(overdue) and kinds.count("rectification") == len(overdue_rectifications)


def check_quota_cells_carry_each_colleges_status_and_link_to_the_records(demo):
    board = build_dashboard(demo)
    colleges = OrgUnit.objects.filter(institution=demo, kind="college").count()
    per_college = Quota.objects.filter(institution=demo, scope="each_college").count()
    assert len(board.college_rows) == colleges and len(board.quota_columns) == per_college
    statuses = {cell.status for row in board.college_rows for cell in row.cells}
    assert QuotaStatus.NOT_MET in statuses, "the demo has red cells to follow"
    red = next(cell for row in board.college_rows for cell in row.cells if cell.status == QuotaStatus.NOT_MET)
    assert red.url.startswith("/")


def check_the_page_renders_every_part_for_a_leader(demo):
    leader = _leader(demo)
    html = html_of(client_for(leader).get(reverse("tracker:dashboard")))
    for part in ('id="figure-tasks_done"', 'id="timeline"', "<svg", 'id="overdue"', 'id="upcoming"',
                 'id="colleges"', 'id="filing"', "cell--not_met"):
        assert part in html, part
    assert 'id="freeze"' not in html, "leaders read snapshots; committee staff freeze them"


@pytest.mark.parametrize("check", [
    "headline_figures_on_the_demo_match_counts_made_another_way",
    "quota_cells_carry_each_colleges_status_and_link_to_the_records",
    "the_page_renders_every_part_for_a_leader",
    "a_snapshot_round_trips_through_json_exactly",
    "dashboard_tables_download_as_xlsx_with_the_page_figures",
    "plan_annual_report_and_review_file_download",
])
def test_on_the_demo_data(cumt, check):
    """Each check that needs realistic data, each on the demo as it was seeded."""
    globals()[f"check_{check}"](cumt)


# --- As of a past day ---------------------------------------------------------------------------


def test_as_of_a_past_day_takes_status_from_the_dated_log(world, staff):
    task = world.school_task
    task_add_update(actor=staff, task=task, loaded_version=task.version, date=dt.date(2021, 10, 1),
                             note="开始", status="in_progress", progress=30)
    task.refresh_from_db()
    task_add_update(actor=staff, task=task, loaded_version=task.version, date=dt.date(2021, 11, 15),
                             note="完成", status="done", progress=100)
    assert build_dashboard(world.institution).figure("tasks_done").value == 1
    assert build_dashboard(world.institution, dt.date(2021, 11, 1)).figure("tasks_done").value == 0
    assert build_dashboard(world.institution, dt.date(2021, 11, 15)).figure("tasks_done").value == 1
    before = build_dashboard(world.institution, dt.date(2021, 9, 1))
    assert not before.live and before.figure("tasks_done").value == 0


def test_as_of_a_past_day_takes_rectifications_from_their_history(world, staff):
    entry = RectificationFactory(unit=world.college, created_by=staff)
    stamp = entry.history.get().history_date
    services_day = stamp.date() if timezone.is_naive(stamp) else timezone.localtime(stamp).date()
    entry.history.update(history_date=stamp - dt.timedelta(days=10))
    svc.rectification_advance(actor=staff, rectification=entry, loaded_version=1, status="in_progress", note="x")
    yesterday = services_day - dt.timedelta(days=1)
    then = build_dashboard(world.institution, yesterday)
    assert then.figure("rectifications_open").value == 1
    assert build_dashboard(world.institution).figure("rectifications_open").value == 1
    assert build_dashboard(world.institution, services_day - dt.timedelta(days=20)).figure(
        "rectifications_open").total == 0


def test_a_future_or_malformed_date_is_refused_with_a_message(world, leader):
    client = client_for(leader)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert client.get(reverse("tracker:dashboard"), {"as_of": tomorrow.isoformat()}).status_code == 400
    assert client.get(reverse("tracker:dashboard"), {"as_of": "2021-13-45"}).status_code == 400


# --- Snapshots ------------------------------------------------------------------------------------


def check_a_snapshot_round_trips_through_json_exactly(demo):
    board = build_dashboard(demo)
    assert from_json(to_json(board)) == board


def test_a_frozen_snapshot_shows_the_figures_as_reported_after_the_data_changed(world, staff, leader):
    client = client_for(staff)
    response = client.post(reverse("tracker:snapshot-list") + f"?institution={world.institution.pk}",
                           {"name": "2021年度汇报数据"})
    snapshot = ReportSnapshot.objects.get()
    assert response.status_code == 302 and response["Location"] == snapshot.get_absolute_url()
    assert snapshot.data["figures"][0]["value"] == 0
    task = world.school_task
    task_add_update(actor=staff, task=task, loaded_version=task.version, date=timezone.localdate(),
                             note="完成", status="done", progress=100)
    assert build_dashboard(world.institution).figure("tasks_done").value == 1
    html = html_of(client_for(leader).get(snapshot.get_absolute_url()))
    tile = html[html.index('id="figure-tasks_done"'):]
    assert '<span class="figure__value">0<span class="figure__total"> / 3' in tile
    assert "2021年度汇报数据" in html
    again = client.post(reverse("tracker:snapshot-list"), {"name": "2021年度汇报数据"})
    assert again.status_code == 400 and ReportSnapshot.objects.count() == 1
    assert client_for(leader).post(reverse("tracker:snapshot-list"), {"name": "领导快照"}).status_code == 403


# --- Exports -----------------------------------------------------------------------------------


def check_dashboard_tables_download_as_xlsx_with_the_page_figures(demo):
    leader = _leader(demo)
    response = client_for(leader).get(reverse("tracker:dashboard-export"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[:3] == ["总览", "各学院指标", "全校指标"]
    board = build_dashboard(demo)
    colleges = workbook["各学院指标"]
    assert colleges.max_row == 2 + len(board.college_rows)
    summary = {row[0]: row[1] for row in workbook["总览"].iter_rows(min_row=5, values_only=True) if row[0]}
    assert summary[board.figure("tasks_done").label] == board.figure("tasks_done").value


def check_plan_annual_report_and_review_file_download(demo):
    leader = _leader(demo)
    client = client_for(leader)
    plan = demo.plans.first()
    for url in (reverse("tracker:plan-export", args=[plan.pk]), reverse("tracker:annual-report") + "?year=2021",
                reverse("tracker:review-file")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content[:2] == b"PK" and "attachment" in response["Content-Disposition"]


# --- The college page -----------------------------------------------------------------------------


def test_a_secretary_sees_her_own_college_page_only(world, secretary):
    client = client_for(secretary)
    response = client.get(reverse("tracker:dashboard"))
    assert response.status_code == 302 and response["Location"] == reverse("tracker:dashboard-college",
                                                                             args=[world.college.pk])
    assert client.get(reverse("tracker:dashboard-college", args=[world.college.pk])).status_code == 200
    assert client.get(reverse("tracker:dashboard-college", args=[world.other_college.pk])).status_code == 404
    assert client.get(reverse("tracker:dashboard-export") + f"?unit={world.other_college.pk}").status_code == 404


def test_the_college_page_counts_that_colleges_tasks_and_rectifications(world, staff):
    RectificationFactory(unit=world.college, created_by=staff)
    RectificationFactory(unit=world.other_college, created_by=staff)
    page = build_dashboard(world.institution, unit=world.college)
    assert page.figure("rectifications_open").value == 1
    # the college answers for 各二级关工委 tasks (task 17), not the school's or a member unit's
    assert page.figure("tasks_done").total == 1
    assert [row.name for row in page.college_rows] == [world.college.label]


# --- Query budget ---------------------------------------------------------------------------------


def grow(world, staff, size: int) -> None:
    """`size` colleges each with volunteers, a task, an update, rectifications and an assessment; quotas."""
    standard = Standard.objects.filter(institution=world.institution).first() or scored_standard(world.institution)
    assessment_round = AssessmentRoundFactory(institution=world.institution, name=f"轮次{size}", standard=standard)
    for quota_metric in ("participation_rate", "college_platforms"):
        if not Quota.objects.filter(institution=world.institution, metric=quota_metric).exists():
            QuotaFactory(institution=world.institution, metric=quota_metric, scope="each_college",
                         name=quota_metric)
    for n in range(size):
        college = OrgUnitFactory(institution=world.institution, kind="college", name=f"学院{size}-{n}", order=n)
        VolunteerFactory(unit=college)
        task = TaskFactory(stage=world.school_task.stage, order=100 + n, number=f"{size}{n}",
                           due_date=dt.date(2021, 8, 1))
        TaskPartyFactory(task=task, kind="college", unit=college)
        TaskUpdateFactory(task=task)
        RectificationFactory(unit=college, created_by=staff, deadline=dt.date(2021, 1, 1))
        start_assessment(college, assessment_round)


@pytest.mark.parametrize("as_of", [None, dt.date(2022, 1, 1)])
def test_query_count_stays_flat_when_the_data_grows_tenfold(world, staff, as_of):
    leader = make_person("leader_x", "leader", world.institution)
    client = client_for(leader)
    url = reverse("tracker:dashboard") + (f"?as_of={as_of}" if as_of else "")
    grow(world, staff, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(world, staff, 20)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    college = OrgUnit.objects.filter(kind="college", institution=world.institution).last()
    page = reverse("tracker:dashboard-college", args=[college.pk])
    with CaptureQueriesContext(connection) as one:
        assert client.get(page).status_code == 200
    grow(world, staff, 30)
    with CaptureQueriesContext(connection) as many:
        assert client.get(page).status_code == 200
    assert len(many) == len(one)


# --- Rounds for chosen units, steps dated when they happened, several plans (issue 14) --------------


def _round_of_three_of_five(world, staff):
    """Five colleges (the world's two and three more) and a round that names three of them: 机电工程学院 and two new
    ones. Returns the round, the three named and the two outside."""
    more = [OrgUnitFactory(institution=world.institution, kind="college", name=name, order=n)
            for n, name in enumerate(["矿业工程学院", "安全工程学院", "资源与地球科学学院"], start=10)]
    named, outside = [world.college, more[0], more[1]], [world.other_college, more[2]]
    assessment_round = svc.round_create(actor=staff, institution=world.institution,
                                        standard=scored_standard(world.institution), name="2023年试点对标找差",
                                        due_on=dt.date(2099, 6, 30), units=named)
    return assessment_round, named, outside


def test_filing_figures_count_only_the_units_a_round_names(world, staff):
    assessment_round, named, outside = _round_of_three_of_five(world, staff)
    for unit in named[:2]:
        filed = start_assessment(unit, assessment_round)
        filed.status = Assessment.Status.SUBMITTED
        filed.save()
    board = build_dashboard(world.institution)
    assert (board.figure("filed").value, board.figure("filed").total) == (2, 3)
    assert board.filing.expected == 3 and board.filing.not_started == 1
    rows = {row.unit_id: row for row in board.college_rows}
    assert len(rows) == 5  # the quotas still list every college
    for unit in outside:
        assert rows[unit.pk].filing_status == "not_taking_part" and not rows[unit.pk].filing_url
    assert rows[named[2].pk].filing_status == "not_started"
    # A college outside the round does not see it as its own to file on its page.
    assert build_dashboard(world.institution, unit=outside[0]).filing is None
    page = build_dashboard(world.institution, unit=named[2])
    assert page.filing.round_name == assessment_round.name and page.figure("filed").total == 1


def test_as_of_a_past_day_takes_assessment_status_from_the_day_each_step_happened(world, staff, secretary):
    today = timezone.localdate()
    assessment_round = AssessmentRoundFactory(institution=world.institution)
    AssessmentRound.objects.filter(pk=assessment_round.pk).update(
        created_at=timezone.now() - dt.timedelta(days=60))  # opened two months ago
    assessment = start_assessment(world.college, assessment_round, by=secretary)  # entered today
    for entry in assessment.entries.select_related("item"):
        entry.self_score = entry.item.points
        entry.save()
    assessment.refresh_from_db()
    svc.assessment_submit(actor=secretary, assessment=assessment, loaded_version=assessment.version,
                          occurred_on=today - dt.timedelta(days=20))  # filed on paper twenty days ago
    assert build_dashboard(world.institution, today - dt.timedelta(days=10)).figure("filed").value == 1
    assert build_dashboard(world.institution, today - dt.timedelta(days=20)).figure("filed").value == 1
    assert build_dashboard(world.institution, today - dt.timedelta(days=21)).figure("filed").value == 0
    assert build_dashboard(world.institution).figure("filed").value == 1


def _two_plans(world):
    """A second plan of the first institution, its phase overlapping the first plan's: one task due soon in each,
    and one overdue in each. Returns both plans' titles."""
    today = timezone.localdate()
    first, second = world.plan, PlanFactory(institution=world.institution, title="关于推进优质化建设均衡发展的实施方案",
                                            issued_on=dt.date(2021, 9, 1))
    phase = PhaseFactory(plan=second, order=1, name="均衡发展年", start_date=dt.date(2021, 7, 1),
                         end_date=dt.date(2099, 12, 31))
    stage = StageFactory(phase=phase, order=1, start_date=dt.date(2021, 7, 1), end_date=dt.date(2099, 12, 31))
    soon = today + dt.timedelta(days=5)
    for plan_stage, number in ((world.school_task.stage, "31"), (stage, "1")):
        due_soon = TaskFactory(stage=plan_stage, order=50, number=number, title=f"近期任务{number}", due_date=soon)
        TaskPartyFactory(task=due_soon, kind="college")
        late = TaskFactory(stage=plan_stage, order=51, number=f"{number}9", title=f"逾期任务{number}",
                           due_date=dt.date(2021, 8, 1))
        TaskPartyFactory(task=late, kind="college")
    return first.title, second.title


def test_two_plans_at_once_each_timeline_and_due_item_carries_its_plan(world, leader):
    first, second = _two_plans(world)
    board = build_dashboard(world.institution)
    assert sorted(timeline.plan_title for timeline in board.timelines) == sorted([first, second])
    plan_of = {item.title: item.plan for item in board.upcoming + board.overdue if item.kind == "task"}
    assert plan_of["近期任务31"] == plan_of["逾期任务31"] == first
    assert plan_of["近期任务1"] == plan_of["逾期任务1"] == second
    assert from_json(to_json(board)) == board  # frozen in a snapshot with the plans
    html = html_of(client_for(leader).get(reverse("tracker:dashboard")))
    timeline = html[html.index('id="timeline"'):html.index('id="overdue"')]
    assert timeline.count('class="timeline-plan"') == 2 and first in timeline and second in timeline
    upcoming = html[html.index('id="upcoming"'):html.index('id="colleges"')]
    row = upcoming[upcoming.index("近期任务1<"):]
    assert second in row[:row.index("</tr>")]


def test_the_dashboard_export_lists_each_due_items_plan(world, leader):
    first, second = _two_plans(world)
    workbook = load_workbook(io.BytesIO(client_for(leader).get(reverse("tracker:dashboard-export")).content))
    sheet = workbook["逾期事项"]
    header = [cell.value for cell in sheet[1]]
    assert header[-1] == "所属计划"
    plans = {row[2]: row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert plans["逾期任务31"] == first and plans["逾期任务1"] == second
