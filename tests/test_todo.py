"""我的待办, the home page of every role (tracker/portal/todo.py): against the demo, exactly the rows each role
expects, each link opening a page that role may see, and a row leaving the list once its work is done; with data of
our own, the rules at their edges (named units, missing dates, ordering, a roster file left unapplied); and the
home page's queries flat as the data grows tenfold."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracker.assessments.models.assessments import (
    Assessment,
    AssessmentRound,
    AssessmentTransition,
    Rectification,
    Review,
    ReviewStep,
)
from tracker.assessments.services import assessments as svc
from tracker.demo.assessments import COLLEGE_ROUND, CURRENT_ROUND, CURRENT_ROUND_DAYS, RETURN_COMMENT
from tracker.notifications.models import HomeVisit
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.plans.models import Task
from tracker.portal import todo
from tracker.quotas.metrics import QuotaStatus
from tracker.reporting.dashboard import build_dashboard
from tracker.roster.models import RosterImport, Volunteer

from .conftest import client_for, make_person
from .factories import (
    AssessmentRoundFactory,
    OrgUnitFactory,
    PhaseFactory,
    PlanFactory,
    RectificationFactory,
    ReviewFactory,
    RosterImportFactory,
    StageFactory,
    TaskFactory,
    TaskPartyFactory,
    TaskUpdateFactory,
    fill_assessment,
    pdf_upload,
    scored_standard,
    start_assessment,
    stored_create_row,
)

pytestmark = pytest.mark.django_db

User = get_user_model()


def demo_user(username: str):
    return User.objects.get(username=username)


def keys(result: todo.Todo) -> list[str]:
    return [row.key for row in result.rows]


def page_of(user) -> str:
    response = client_for(user).get(reverse("tracker:home"))
    assert response.status_code == 200
    return response.content.decode()


def assert_page_lists_and_links_open(user, result: todo.Todo) -> None:
    """The home page shows every row as a link, in the list's order, and every link opens (200) for this user."""
    html = page_of(user)
    shown = re.findall(r'<li class="todo [^"]*" id="todo-([^"]+)"', html)
    assert shown == keys(result)
    client = client_for(user)
    for row in result.rows:
        assert f'href="{row.url}"' in html.replace("&amp;", "&"), row.url
        assert row.title in html
        response = client.get(row.url.split("#")[0])
        assert response.status_code == 200, (row.key, row.url, response.status_code)


def answers_for(unit: OrgUnit, task: Task) -> bool:
    return any(party.unit_id == unit.pk or (party.unit_id is None and party.kind == unit.kind)
               for party in task.parties.all())


def task_keys(tasks: list[Task], today: dt.date) -> set[str]:
    """The keys the list should give these tasks, worked out here: one per task, except two or more of a plan
    overdue by more than LONG_OVERDUE_DAYS, which are one row for the plan."""
    old = defaultdict(list)
    for task in tasks:
        if (today - task.due).days > todo.LONG_OVERDUE_DAYS:
            old[task.stage.phase.plan_id].append(task.pk)
    grouped = {pk for group in old.values() if len(group) >= 2 for pk in group}
    return ({f"task-{task.pk}" for task in tasks if task.pk not in grouped}
            | {f"plan-{plan}" for plan, group in old.items() if len(group) >= 2})


def unit_tasks(unit: OrgUnit, today: dt.date) -> list[Task]:
    """Not done, due within TASK_DAYS or overdue, naming the unit (by name or kind): read task by task."""
    tasks = Task.objects.filter(stage__phase__plan__institution=unit.institution).select_related(
        "stage__phase__plan").prefetch_related("parties")
    horizon = today + dt.timedelta(days=todo.TASK_DAYS)
    return [t for t in tasks if answers_for(unit, t) and not t.is_done and t.due and t.due <= horizon]


def stale_tasks(institution: Institution, today: dt.date) -> list[Task]:
    tasks = Task.objects.filter(stage__phase__plan__institution=institution).select_related(
        "stage__phase__plan").prefetch_related("updates")
    month_ago = today - dt.timedelta(days=todo.STALE_DAYS)
    return [t for t in tasks if t.is_overdue_on(today)
            and not any(update.date >= month_ago for update in t.updates.all())]


def current_round(institution) -> AssessmentRound:
    return AssessmentRound.objects.get(institution=institution,
                                       name=CURRENT_ROUND.format(year=timezone.localdate().year))


# --- The demo: each role's rows ------------------------------------------------------------------------------


def test_demo_secretary_sees_her_returned_assessment_first_and_the_round_due_with_its_days_left(demo):
    secretary = demo_user("secretary")
    unit = secretary.profile.unit
    today = timezone.localdate()
    result = todo.for_user(secretary)
    returned = Assessment.objects.get(unit=unit, round__name=COLLEGE_ROUND)
    new_round = current_round(unit.institution)
    inspection = Rectification.objects.get(unit=unit, source="inspection")
    expected = {f"assessment-{returned.pk}", f"round-{new_round.pk}", f"rectification-{inspection.pk}"}
    assert set(keys(result)) == expected | task_keys(unit_tasks(unit, today), today)
    assert len(keys(result)) == len(set(keys(result))), "one list: nothing twice"

    first = result.rows[0]
    assert first.key == f"assessment-{returned.pk}" and first.title == f"自评被退回：{COLLEGE_ROUND}"
    assert "意见：“请按意见修改第5项后重新提交。”" in first.detail
    assert f"需修改 1 项，其中第 {RETURN_COMMENT[0]} 项：“{RETURN_COMMENT[1].rstrip('。')}”。" in first.detail
    assert first.url == reverse("tracker:assessment-detail", args=[returned.pk]) and first.overdue

    due = next(row for row in result.rows if row.key == f"round-{new_round.pk}")
    assert due.title == f"报送自评：{new_round.name}" and due.when == f"还剩 {CURRENT_ROUND_DAYS} 天"
    assert due.url == reverse("tracker:round-list") + f"#round-{new_round.pk}"
    rectify = next(row for row in result.rows if row.kind == todo.RECTIFICATION)
    assert rectify.title == "整改：工作台账记录不完整，部分活动缺少照片和签到表。"
    assert [row.sort_key for row in result.rows] == sorted(row.sort_key for row in result.rows)
    assert_page_lists_and_links_open(secretary, result)
    html = page_of(secretary)
    assert "<h1>我的待办</h1>" in html and html.count('id="todo"') == 1


def test_demo_secretarys_bell_counts_what_is_new_her_returned_assessment_and_new_round_not_years_of_old_progress(demo):
    from tracker.demo.notifications import READ_AFTER_DAYS, settle_demo_notifications
    from tracker.notifications.models import Notification

    secretary = demo_user("secretary")
    returned = Assessment.objects.get(unit=secretary.profile.unit, round__name=COLLEGE_ROUND)
    unread = list(Notification.objects.filter(recipient=secretary, read_at__isnull=True))
    kinds = {notification.kind: notification for notification in unread}
    assert set(kinds) >= {Notification.Kind.ASSESSMENT_RETURNED, Notification.Kind.ROUND_OPENED}
    assert kinds[Notification.Kind.ASSESSMENT_RETURNED].path == reverse("tracker:assessment-detail",
                                                                         args=[returned.pk])
    new_round = current_round(secretary.profile.unit.institution)
    assert kinds[Notification.Kind.ROUND_OPENED].path == reverse("tracker:round-list") + f"#round-{new_round.pk}"
    old_round = Notification.objects.get(recipient=secretary, event=f"round:{returned.round_id}:opened")
    assert old_round.read_at is not None and old_round.created_at.date() == returned.round.due_on
    cutoff = timezone.now() - dt.timedelta(days=READ_AFTER_DAYS)
    assert all(notification.created_at >= cutoff for notification in unread)
    # A progress report of 2020 is dated 2020 in her list, and read.
    old = Notification.objects.filter(recipient=secretary, kind=Notification.Kind.TASK_CHANGED).first()
    if old is not None:
        assert old.created_at < cutoff and old.read_at is not None
    assert settle_demo_notifications() == 0  # a second run changes nothing


def test_demo_liaison_sees_the_tasks_her_unit_answers_for(demo):
    liaison = demo_user("liaison")
    unit = liaison.profile.unit
    today = timezone.localdate()
    result = todo.for_user(liaison)
    rectifications = {f"rectification-{r.pk}" for r in Rectification.objects.filter(unit=unit).exclude(
        status__in=Rectification.CLOSED)}
    assert set(keys(result)) == task_keys(unit_tasks(unit, today), today) | rectifications
    assert result.rows, "the demo's member unit has old tasks left"
    assert not any(row.kind in (todo.RETURNED, todo.TO_FILE) for row in result.rows), "member units do not file"
    assert_page_lists_and_links_open(liaison, result)


def test_demo_staff_see_reviews_waiting_units_behind_stale_tasks_and_review_steps(demo):
    staff = demo_user("staff")
    institution = staff.profile.institution
    today = timezone.localdate()
    result = todo.for_user(staff)
    waiting = Assessment.objects.get(round__institution=institution, status="submitted")
    new_round = current_round(institution)
    steps = ReviewStep.objects.filter(review__institution=institution, done_on=None, planned_on__isnull=False)
    school = Rectification.objects.filter(institution=institution, unit__kind="school_committee").exclude(
        status__in=Rectification.CLOSED)
    assert school.filter(source="zone_review").count() == 2, "the zone review's opinions, for staff to rectify"
    expected = ({f"assessment-{waiting.pk}", f"round-{new_round.pk}"} | {f"step-{s.pk}" for s in steps}
                | {f"rectification-{r.pk}" for r in school} | task_keys(stale_tasks(institution, today), today))
    assert set(keys(result)) == expected
    colleges = OrgUnit.objects.in_service().filter(institution=institution, kind="college").count()
    behind = next(row for row in result.rows if row.kind == todo.BEHIND)
    assert behind.title == f"{colleges} 个单位尚未报送“{new_round.name}”"
    assert behind.url == reverse("tracker:round-board", args=[new_round.pk])
    assert f"round-{AssessmentRound.objects.get(name=COLLEGE_ROUND).pk}" not in keys(result), \
        "the 2021 round is history: its colleges that never started are not asked again"
    review = next(row for row in result.rows if row.kind == todo.TO_REVIEW)
    assert review.title == f"审核{waiting.unit.label}的自评" and review.due is None
    assert result.rows[-1] == review, "rows without a deadline come after the dated ones"
    assert_page_lists_and_links_open(staff, result)


def test_demo_reviewer_sees_the_review_file_and_his_opinions_being_rectified(demo):
    reviewer = demo_user("reviewer")
    result = todo.for_user(reviewer)
    review = Review.objects.get()
    opinions = review.opinions.filter(author=reviewer)
    assert set(keys(result)) == {f"review-{review.pk}"} | {f"opinion-{o.pk}" for o in opinions}
    file_row = next(row for row in result.rows if row.kind == todo.REVIEW_FILE)
    assert file_row.title == f"评议材料：{review.name}" and "已提出 2 条意见" in file_row.detail
    assert_page_lists_and_links_open(reviewer, result)


def test_demo_leader_sees_what_is_at_risk_and_the_way_to_the_dashboard(demo):
    leader = demo_user("leader")
    result = todo.for_user(leader)
    assert keys(result) == ["tasks_overdue", "rectifications_overdue", "quotas", "filing"]
    board = build_dashboard(leader.profile.institution)
    assert result.rows[0].title == f"{board.figure('tasks_overdue').value} 项任务逾期"
    short = [q.name for q in board.institution_quotas + board.quota_columns
             if q.status in (QuotaStatus.NOT_MET, QuotaStatus.AT_RISK)]
    assert result.rows[2].detail == "、".join(short)
    assert result.rows[3].url == reverse("tracker:round-board", args=[current_round(leader.profile.institution).pk])
    assert result.first_visit and result.changes == []
    assert_page_lists_and_links_open(leader, result)
    html = page_of(leader)
    assert f'id="dashboard-link" href="{reverse("tracker:dashboard")}"' in html


def test_demo_administrator_has_nothing_to_do_and_the_page_says_so(demo):
    admin = demo_user("admin")
    assert todo.for_user(admin).rows == []
    html = page_of(admin)
    assert "您现在没有需要处理的事项。" in html and 'id="todo"' not in html
    assert f'href="{reverse("tracker:setup")}"' in html


# --- The demo: a row leaves the list when its work is done ---------------------------------------------------


def test_resubmitting_the_returned_assessment_takes_it_off_her_list_and_onto_the_staffs(demo):
    secretary, staff = demo_user("secretary"), demo_user("staff")
    returned = Assessment.objects.get(unit=secretary.profile.unit, round__name=COLLEGE_ROUND)
    key = f"assessment-{returned.pk}"
    assert key in keys(todo.for_user(secretary)) and key not in keys(todo.for_user(staff))
    svc.assessment_submit(actor=secretary, assessment=returned, loaded_version=returned.version)
    assert key not in keys(todo.for_user(secretary))
    row = next(row for row in todo.for_user(staff).rows if row.key == key)
    assert row.kind == todo.TO_REVIEW and "重新提交" in row.detail
    returned.refresh_from_db()
    svc.assessment_accept(actor=staff, assessment=returned, loaded_version=returned.version)
    assert key not in keys(todo.for_user(staff))


def test_filing_the_new_round_moves_her_row_to_the_draft_then_off_the_list(demo):
    secretary, staff = demo_user("secretary"), demo_user("staff")
    unit = secretary.profile.unit
    new_round = current_round(unit.institution)
    key = f"round-{new_round.pk}"
    behind = next(row for row in todo.for_user(staff).rows if row.key == key)
    assessment = svc.assessment_start(actor=secretary, assessment_round=new_round, unit=unit)
    row = next(row for row in todo.for_user(secretary).rows if row.key == key)
    assert row.url == reverse("tracker:assessment-detail", args=[assessment.pk]) and "草稿" in row.detail
    fill_assessment(assessment)
    assessment.refresh_from_db()
    svc.assessment_submit(actor=secretary, assessment=assessment, loaded_version=assessment.version)
    assert key not in keys(todo.for_user(secretary))
    after = next(row for row in todo.for_user(staff).rows if row.key == key)
    count = int(behind.title.split(" ")[0])
    assert after.title.startswith(f"{count - 1} 个单位")


def test_a_rectification_reported_done_waits_for_staff_and_leaves_every_list_once_verified(demo):
    secretary, staff, leader = demo_user("secretary"), demo_user("staff"), demo_user("leader")
    entry = Rectification.objects.get(unit=secretary.profile.unit, source="inspection")
    key = f"rectification-{entry.pk}"
    todo.for_user(leader)  # the leader's first visit: the figures kept
    done = svc.rectification_advance(actor=secretary, rectification=entry, loaded_version=entry.version,
                                     status="done", note="台账已补齐。", files=[pdf_upload("台账.pdf")])
    assert key not in keys(todo.for_user(secretary))
    row = next(row for row in todo.for_user(staff).rows if row.key == key)
    assert row.kind == todo.TO_VERIFY and row.url == reverse("tracker:rectification-detail", args=[entry.pk])
    assert client_for(staff).get(row.url).status_code == 200
    svc.rectification_advance(actor=staff, rectification=done, loaded_version=done.version, status="verified",
                              note="已核验。")
    assert key not in keys(todo.for_user(staff))
    # The leader's figures moved: one rectification fewer open, shown as before → after, the same on a refresh.
    first = todo.for_user(leader)
    change = next(change for change in first.changes if change.key == "rectifications_open")
    before, after = (int(text.split(" / ")[0]) for text in (change.before, change.after))
    assert after == before - 1
    again = todo.for_user(leader)
    assert again.changes == first.changes and again.changed_at == first.changed_at
    html = page_of(leader)
    assert f"{change.before}</span> → <strong class=\"todo-after\">{change.after}</strong>" in html
    assert f"{timezone.localtime(first.changed_at):%Y-%m-%d}" in html


def test_verifying_an_opinions_rectification_takes_it_off_the_reviewers_list(demo):
    reviewer, staff = demo_user("reviewer"), demo_user("staff")
    opinion = Review.objects.get().opinions.filter(author=reviewer).first()
    key = f"opinion-{opinion.pk}"
    assert key in keys(todo.for_user(reviewer))
    entry = opinion.rectification
    done = svc.rectification_advance(actor=staff, rectification=entry, loaded_version=entry.version,
                                     status="done", note="已整改。", files=[pdf_upload()])
    assert key in keys(todo.for_user(reviewer)), "done is not yet verified"
    svc.rectification_advance(actor=staff, rectification=done, loaded_version=done.version, status="verified",
                              note="已核验。")
    assert key not in keys(todo.for_user(reviewer))


# --- Data of our own: the rules at their edges --------------------------------------------------------------


@pytest.fixture
def college(world):
    return OrgUnitFactory(institution=world.institution, kind=OrgUnit.Kind.COLLEGE, name="信息与控制工程学院",
                          short_name="信控学院")


@pytest.fixture
def xk_secretary(world, college):
    return make_person("xk_secretary", Profile.Role.SECRETARY, world.institution, college)


def returned_assessment(unit, assessment_round, secretary, staff, comment: str = "") -> Assessment:
    """Filled in, submitted and returned through the services, one item commented on."""
    assessment = fill_assessment(start_assessment(unit, assessment_round, by=secretary))
    assessment.refresh_from_db()
    assessment = svc.assessment_submit(actor=secretary, assessment=assessment, loaded_version=assessment.version)
    entry = assessment.entries.select_related("item").first()
    svc.entry_save_review(actor=staff, entry=entry, loaded_version=entry.version,
                          part=svc.ReviewPart(review_score=str(entry.self_score), review_comment="请补充佐证材料。"))
    assessment.refresh_from_db()
    return svc.assessment_return(actor=staff, assessment=assessment, loaded_version=assessment.version,
                                 comment=comment)


def test_rounds_a_unit_does_not_take_part_in_ask_nothing_and_a_draft_links_to_itself(world, staff, college,
                                                                                    xk_secretary):
    today = timezone.localdate()
    standard = scored_standard(world.institution)
    pilot = svc.round_create(actor=staff, institution=world.institution, standard=standard, name="试点轮次",
                             due_on=today + dt.timedelta(days=10), units=[world.college])
    open_round = svc.round_create(actor=staff, institution=world.institution, standard=standard, name="全体轮次",
                                  due_on=today + dt.timedelta(days=5))
    draft = start_assessment(college, open_round, by=xk_secretary)
    result = todo.for_user(xk_secretary)
    assert f"round-{pilot.pk}" not in keys(result)
    row = next(row for row in result.rows if row.key == f"round-{open_round.pk}")
    assert row.url == reverse("tracker:assessment-detail", args=[draft.pk]) and row.when == "还剩 5 天"
    # The pilot's own college is asked; the staff's row counts only the units each round names.
    assert f"round-{pilot.pk}" in keys(todo.for_user(make_person("jd", Profile.Role.SECRETARY, world.institution,
                                                                     world.college)))
    behind = {row.key: row.title for row in todo.for_user(staff).rows if row.kind == todo.BEHIND}
    assert behind[f"round-{pilot.pk}"].startswith("1 个单位")
    colleges = OrgUnit.objects.filter(institution=world.institution, kind="college").count()
    assert behind[f"round-{open_round.pk}"].startswith(f"{colleges} 个单位")


def test_a_return_without_a_comment_still_says_what_to_change(world, staff, college, xk_secretary):
    assessment_round = AssessmentRoundFactory(institution=world.institution, name="2031年对标找差",
                                              due_on=dt.date(2099, 6, 30))
    returned = returned_assessment(college, assessment_round, xk_secretary, staff)
    row = next(row for row in todo.for_user(xk_secretary).rows if row.key == f"assessment-{returned.pk}")
    assert "意见：" not in row.detail and "需修改 1 项，其中第 1 项：“请补充佐证材料”。" in row.detail
    assert f"round-{assessment_round.pk}" not in keys(todo.for_user(xk_secretary)), "one row for one round"
    assert AssessmentTransition.objects.filter(assessment=returned, to_status="returned").count() == 1


def test_tasks_without_any_date_and_steps_not_planned_are_never_listed(world, staff, college, xk_secretary):
    plan = PlanFactory(institution=world.institution, title="无日期的计划")
    stage = StageFactory(phase=PhaseFactory(plan=plan, start_date=None, end_date=None), start_date=None,
                         end_date=None)
    undated = TaskFactory(stage=stage, title="无时限任务")
    TaskPartyFactory(task=undated, kind=OrgUnit.Kind.COLLEGE, unit=college)
    review = ReviewFactory(institution=world.institution, name="无日期评议")
    result = todo.for_user(xk_secretary)
    assert f"task-{undated.pk}" not in keys(result)
    assert f"task-{world.college_task.pk}" in keys(result), "a task of every college, overdue: hers too"
    staff_keys = keys(todo.for_user(staff))
    assert not any(key == f"step-{step.pk}" for step in review.steps.all() for key in staff_keys)


def test_overdue_first_then_fewest_days_left_then_undated_and_old_tasks_as_one_row_per_plan(world, staff,
                                                                                             college,
                                                                                             xk_secretary):
    today = timezone.localdate()
    stage = world.college_task.stage
    old = [TaskFactory(stage=stage, title=f"旧任务{n}", due_date=today - dt.timedelta(days=200 + n))
           for n in range(3)]
    for task in old:
        TaskPartyFactory(task=task, kind=OrgUnit.Kind.COLLEGE, unit=college)
    soon = TaskFactory(stage=StageFactory(phase=PhaseFactory(plan=world.plan, start_date=None, end_date=None),
                                          start_date=None, end_date=None),
                       title="近期任务", due_date=today + dt.timedelta(days=3))
    TaskPartyFactory(task=soon, kind=OrgUnit.Kind.COLLEGE, unit=college)
    late = RectificationFactory(unit=college, created_by=staff, problem="迟交的整改",
                                deadline=today - dt.timedelta(days=2))
    today_entry = RectificationFactory(unit=college, created_by=staff, problem="今天到期的整改", deadline=today)
    RosterImportFactory(institution=world.institution, unit=college, created_by=xk_secretary,
                        rows=[stored_create_row(college)])
    result = todo.for_user(xk_secretary)
    order = keys(result)
    plan_row = f"plan-{world.plan.pk}"
    # The world's college task (due 2021) and the three old ones: one row for the plan, due at the latest of them.
    assert plan_row in order and f"task-{world.college_task.pk}" not in order
    assert not any(f"task-{task.pk}" in order for task in old)
    assert order.index(plan_row) < order.index(f"rectification-{late.pk}") < order.index(
        f"rectification-{today_entry.pk}") < order.index(f"task-{soon.pk}")
    assert result.rows[-1].kind == todo.ROSTER_IMPORT, "undated rows last"
    rows = {row.key: row for row in result.rows}
    assert rows[f"rectification-{today_entry.pk}"].when == "今天到期"
    assert rows[f"rectification-{late.pk}"].when == "逾期 2 天" and rows[f"task-{soon.pk}"].when == "还剩 3 天"
    assert "4 项任务逾期超过 90 天" in rows[plan_row].title
    assert rows[plan_row].url == reverse("tracker:plan-detail", args=[world.plan.pk]) + (
        f"?status=overdue&unit={college.pk}")
    assert_page_lists_and_links_open(xk_secretary, result)


def test_a_roster_file_left_unapplied_is_listed_for_its_uploader_until_applied(world, college, xk_secretary):
    record = RosterImportFactory(institution=world.institution, unit=college, created_by=xk_secretary,
                                 file_name="信控花名册.xlsx", rows=[stored_create_row(college, name="钱学明")])
    key = f"roster-import-{record.pk}"
    row = next(row for row in todo.for_user(xk_secretary).rows if row.key == key)
    assert row.title == "花名册文件尚未确认导入：信控花名册.xlsx" and "新增 1 人" in row.detail
    page = client_for(xk_secretary).get(row.url)
    assert page.status_code == 200
    assert "钱学明" in page.content.decode() and "import-confirm" in page.content.decode()
    other = make_person("hg_secretary", Profile.Role.SECRETARY, world.institution, world.other_college)
    assert key not in keys(todo.for_user(other))
    assert client_for(other).get(row.url).status_code == 404, "only its uploader sees and applies it"
    assert client_for(xk_secretary).post(row.url).status_code == 302
    assert Volunteer.objects.filter(name="钱学明", unit=college).exists()
    assert key not in keys(todo.for_user(xk_secretary))
    assert client_for(xk_secretary).get(row.url).status_code == 404, "applied: nothing to show again"
    stale = RosterImportFactory(institution=world.institution, unit=college, created_by=xk_secretary,
                                rows=[stored_create_row(college, staff_number="M000002")])
    RosterImport.objects.filter(pk=stale.pk).update(created_at=timezone.now() - dt.timedelta(days=todo.IMPORT_DAYS + 1))
    assert f"roster-import-{stale.pk}" not in keys(todo.for_user(xk_secretary))


def test_the_administrator_is_asked_to_give_a_university_without_staff_its_first_account(world, admin_user, staff):
    result = todo.for_user(admin_user)
    assert [row.key for row in result.rows] == [f"institution-{world.other_institution.pk}"]
    row = result.rows[0]
    assert row.title == f"为{world.other_institution.name}开设校关工委工作人员账号"
    assert_page_lists_and_links_open(admin_user, result)


def test_a_reviewer_lands_on_his_list_and_a_published_review_leaves_it(world, reviewer, staff):
    review = ReviewFactory(institution=world.institution, name="2032年片区评议")
    other = ReviewFactory(institution=world.other_institution, name="别校评议")
    result = todo.for_user(reviewer)
    assert keys(result) == [f"review-{review.pk}"] and f"review-{other.pk}" not in keys(result)
    assert_page_lists_and_links_open(reviewer, result)
    today = timezone.localdate()
    for step in review.steps.order_by("pk"):
        svc.review_step_record(actor=staff, step=step, loaded_version=step.version, planned_on=None, done_on=today)
    assert todo.for_user(reviewer).rows == []
    assert "您现在没有需要处理的事项。" in page_of(reviewer)


def test_a_leaders_first_visit_keeps_the_figures_and_a_change_is_shown_with_its_day(world, leader, staff):
    first = todo.for_user(leader)
    assert first.first_visit and first.changes == []
    visit = HomeVisit.objects.get(user=leader)
    assert visit.previous == {} and visit.changed_at is None
    assert todo.for_user(leader).changes == [], "nothing changed: nothing to show"
    Task.objects.filter(pk=world.school_task.pk).update(status="done", done_on=dt.date(2021, 9, 1), progress=100)
    changed = todo.for_user(leader)
    labels = {change.key: (change.before, change.after) for change in changed.changes}
    assert labels["tasks_done"][1].startswith(str(int(labels["tasks_done"][0].split(" / ")[0]) + 1))
    assert changed.changed_at is not None and not changed.first_visit
    assert todo.for_user(leader).changes == changed.changes, "stable on a refresh"


# --- Who sees the page --------------------------------------------------------------------------------------


def test_someone_without_a_role_is_told_to_ask_for_one(world):
    user = User.objects.create_user("norole", password="x-Long-enough-1")
    html = client_for(user).get(reverse("tracker:home")).content.decode()
    assert "您的账号尚未分配角色，请联系校关工委办公室分配。" in html and 'id="todo"' not in html


# --- Queries: flat as the data grows tenfold ----------------------------------------------------------------


def grow(world, staff, secretary, unit, size: int) -> None:
    """`size` of everything each list reads: returned assessments and rounds to file, rectifications open and
    done, tasks due soon and overdue without a report, reviews with their steps and opinions, roster files."""
    today = timezone.localdate()
    standard = scored_standard(world.institution, name=f"基本要求{size}")
    stage = StageFactory(phase=PhaseFactory(plan=world.plan, order=10 + size, start_date=None, end_date=None),
                         start_date=None, end_date=None)
    for n in range(size):
        assessment_round = AssessmentRoundFactory(institution=world.institution, standard=standard,
                                                  name=f"轮次{size}-{n}", due_on=today + dt.timedelta(days=n + 1))
        assessment = start_assessment(unit, assessment_round, by=secretary)
        Assessment.objects.filter(pk=assessment.pk).update(status="returned")
        AssessmentTransition.objects.create(assessment=assessment, from_status="submitted", to_status="returned",
                                            actor=staff, comment=f"意见{n}")
        other = OrgUnitFactory(institution=world.institution, kind="college", name=f"学院{size}-{n}")
        submitted = start_assessment(other, assessment_round)
        Assessment.objects.filter(pk=submitted.pk).update(status="submitted", submitted_at=timezone.now())
        RectificationFactory(unit=unit, created_by=staff, deadline=today + dt.timedelta(days=n))
        RectificationFactory(unit=other, created_by=staff, status="done", done_on=today)
        RectificationFactory(unit=world.committee, created_by=staff, deadline=today + dt.timedelta(days=n))
        due = TaskFactory(stage=stage, title=f"近期任务{size}-{n}", due_date=today + dt.timedelta(days=n))
        TaskPartyFactory(task=due, kind="college", unit=unit)
        late = TaskFactory(stage=stage, title=f"逾期任务{size}-{n}", due_date=today - dt.timedelta(days=n + 1))
        TaskPartyFactory(task=late, kind="college", unit=other)
        TaskUpdateFactory(task=late, date=today - dt.timedelta(days=60))
        review = ReviewFactory(institution=world.institution, name=f"评议{size}-{n}")
        ReviewStep.objects.filter(review=review).update(planned_on=today)
        svc.review_opinion_add(actor=staff, review=review, text=f"意见{size}-{n}")
        RosterImportFactory(institution=world.institution, unit=unit, created_by=secretary,
                            rows=[stored_create_row(unit)])


def home_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("tracker:home")).status_code == 200
    return len(captured)


def test_the_home_page_asks_the_same_number_of_queries_for_ten_times_the_data(world, staff, college, xk_secretary,
                                                                            leader, reviewer):
    from tracker.assessments.models.assessments import ReviewOpinion

    grow(world, staff, xk_secretary, college, 2)
    ReviewOpinion.objects.update(author=reviewer)  # the reviewer's own opinions
    clients = {name: client_for(user) for name, user in
               (("secretary", xk_secretary), ("staff", staff), ("leader", leader), ("reviewer", reviewer))}
    for client in clients.values():
        client.get(reverse("tracker:home"))  # the leader's first visit writes his figures
    small = {name: home_queries(client) for name, client in clients.items()}
    counts = {name: len(todo.for_user(user).rows) for name, user in
              (("secretary", xk_secretary), ("staff", staff), ("reviewer", reviewer))}
    grow(world, staff, xk_secretary, college, 20)
    ReviewOpinion.objects.update(author=reviewer)
    large = {name: home_queries(client) for name, client in clients.items()}
    assert large == small
    grown = {name: len(todo.for_user(user).rows) for name, user in
             (("secretary", xk_secretary), ("staff", staff), ("reviewer", reviewer))}
    assert all(grown[name] >= counts[name] + 18 for name in counts), (counts, grown)
