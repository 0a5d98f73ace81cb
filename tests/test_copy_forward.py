"""Copy forward to a new cycle (issue 14, point 5): a plan, a standard and a self-assessment round copied into new
ones, with their dates moved, their progress reset, nothing of their updates, evidence or scores, and a link both
ways between the copy and its source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tracker.assessments.models.assessments import Assessment, AssessmentRound
from tracker.assessments.models.standards import Standard, StandardItem
from tracker.assessments.services.copying import copy_round, copy_standard
from tracker.org.models import EvidenceFile, OrgUnit
from tracker.org.windows import months_between, shift_by_months
from tracker.plans.copying import PlanCopyDates, copy_plan
from tracker.plans.models import Phase, Plan, Stage, Task, TaskParty, TaskUpdate, WorkArea

from .conftest import client_for
from .factories import (
    AssessmentRoundFactory,
    EvidenceFileFactory,
    OrgUnitFactory,
    PhaseFactory,
    PlanFactory,
    StageFactory,
    TaskFactory,
    TaskPartyFactory,
    TaskUpdateFactory,
    scored_standard,
    start_assessment,
)

pytestmark = pytest.mark.django_db
D = dt.date
Kind = OrgUnit.Kind


def build_plan(world, *, title: str = "关于推进关工委均衡发展的实施意见（2021—2024）", extra_tasks: int = 0) -> Plan:
    """A plan unlike the seeds: three phases (the second known only by its end, the third with no dates), a phase
    holding a task directly, a milestone, a done task with an update and evidence, two work areas, parties by kind
    and by name; the window ends on the leap day 2024-02-29."""
    plan = PlanFactory(institution=world.institution, title=title, attachment_title="均衡发展推进表",
                       document_number="矿关工〔2021〕3号", start_date=D(2021, 3, 1), end_date=D(2024, 2, 29),
                       numbering_restarts_each_phase=True)
    team = WorkArea.objects.create(plan=plan, order=1, name="队伍建设")
    platforms = WorkArea.objects.create(plan=plan, order=2, name="平台建设")
    learn = PhaseFactory(plan=plan, order=1, name="学习动员", start_date=D(2021, 3, 1), end_date=D(2021, 8, 31))
    rally = StageFactory(phase=learn, order=1, goal="统一认识", start_date=D(2021, 3, 1), end_date=D(2021, 5, 31))
    deploy = StageFactory(phase=learn, order=2, goal="全面部署", start_date=D(2021, 6, 1), end_date=D(2021, 8, 31))
    push = PhaseFactory(plan=plan, order=2, name="全面推进", start_date=None, end_date=D(2023, 11, 30))
    direct = StageFactory(phase=push, order=0, goal="", start_date=None, end_date=None)
    close = PhaseFactory(plan=plan, order=3, name="总结提高", start_date=None, end_date=None)
    review = StageFactory(phase=close, order=1, goal="总结验收", start_date=D(2023, 12, 1), end_date=D(2024, 2, 29))

    done = TaskFactory(stage=rally, order=1, number="1", title="召开动员大会", work_area=team,
                       due_date=D(2021, 4, 30), status=Task.Status.DONE, progress=100, done_on=D(2021, 4, 20),
                       version=3)
    TaskPartyFactory(task=done, role=TaskParty.Role.LEAD, kind=Kind.COLLEGE)
    TaskPartyFactory(task=done, role=TaskParty.Role.COOPERATING, kind=Kind.MEMBER_UNIT, unit=world.member_unit)
    update = TaskUpdateFactory(task=done, date=D(2021, 4, 20), status=Task.Status.DONE, progress=100,
                               task_version=2, note="动员大会已召开")
    EvidenceFileFactory(update=update)
    notice = TaskFactory(stage=deploy, order=1, number="2", title="收到省关工委通知", milestone=True,
                         due_date=D(2021, 8, 18))
    TaskPartyFactory(task=notice, kind=Kind.SCHOOL_COMMITTEE, unit=world.committee)
    going = TaskFactory(stage=deploy, order=2, number="3", title="建立工作台账", status=Task.Status.IN_PROGRESS,
                        progress=40, version=2)
    TaskPartyFactory(task=going, kind=Kind.COLLEGE)
    own = TaskFactory(stage=direct, order=1, number="1", title="建设关心下一代工作平台", work_area=platforms,
                      start_date=D(2022, 1, 15), due_date=D(2023, 1, 31))
    TaskPartyFactory(task=own, kind=Kind.SCHOOL_COMMITTEE, unit=world.committee)
    TaskPartyFactory(task=own, role=TaskParty.Role.COOPERATING, kind=Kind.COLLEGE)
    last = TaskFactory(stage=review, order=1, number="1", title="迎接验收", due_date=D(2024, 2, 29))
    TaskPartyFactory(task=last, kind=Kind.MEMBER_UNIT)
    for n in range(extra_tasks):
        more = TaskFactory(stage=direct, order=10 + n, number=str(10 + n), title=f"补充任务{n}", work_area=team)
        TaskPartyFactory(task=more, kind=Kind.COLLEGE)
        TaskPartyFactory(task=more, role=TaskParty.Role.COOPERATING, kind=Kind.MEMBER_UNIT, unit=world.member_unit)
    return plan


def shape(plan: Plan) -> list:
    """The plan's structure without ids or dates: what a copy must repeat."""
    phases = [(p.order, p.name, p.description) for p in Phase.objects.filter(plan=plan).order_by("order")]
    stages = [(s.phase.order, s.order, s.goal) for s in Stage.objects.filter(phase__plan=plan)
              .select_related("phase").order_by("phase__order", "order")]
    areas = [(a.order, a.name) for a in WorkArea.objects.filter(plan=plan).order_by("order")]
    tasks = [(t.stage.phase.order, t.stage.order, t.order, t.number, t.title, t.text, t.milestone,
              t.work_area.name if t.work_area else None,
              sorted((p.role, p.kind, p.unit_id or 0) for p in t.parties.all()))
             for t in Task.objects.filter(stage__phase__plan=plan).select_related("stage__phase", "work_area")
             .prefetch_related("parties").order_by("stage__phase__order", "stage__order", "order")]
    return [phases, stages, areas, tasks]


def dates(plan: Plan) -> dict:
    found = {"plan": (plan.start_date, plan.end_date)}
    for phase in Phase.objects.filter(plan=plan):
        found[f"phase {phase.name}"] = (phase.start_date, phase.end_date)
    for stage in Stage.objects.filter(phase__plan=plan).select_related("phase"):
        found[f"stage {stage.phase.name}/{stage.order}"] = (stage.start_date, stage.end_date)
    for task in Task.objects.filter(stage__phase__plan=plan):
        found[f"task {task.title}"] = (task.start_date, task.due_date)
    return found


# --- Moving dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "months", "expected"), [
    (D(2021, 3, 1), 48, D(2025, 3, 1)),          # a window's start stays the first
    (D(2024, 2, 29), 12, D(2025, 2, 28)),        # the leap day is February's last day: the last day of the next
    (D(2021, 2, 28), 36, D(2024, 2, 29)),        # a February end moved into a leap year ends on the 29th
    (D(2021, 8, 31), 6, D(2022, 2, 28)),         # a month's end stays a month's end, however short
    (D(2021, 4, 30), 1, D(2021, 5, 31)),
    (D(2021, 8, 18), 12, D(2022, 8, 18)),        # a milestone keeps its day
    (D(2024, 1, 30), 1, D(2024, 2, 29)),         # a day the month does not have: its last
    (D(2021, 11, 15), 3, D(2022, 2, 15)),        # across a year
    (D(2025, 3, 31), -1, D(2025, 2, 28)),        # and back
])
def test_shift_by_months_keeps_month_precision(day, months, expected):
    assert shift_by_months(day, months) == expected


def test_shift_of_no_date_is_no_date_and_months_between_counts_months():
    assert shift_by_months(None, 12) is None
    assert months_between(D(2021, 7, 15), D(2025, 9, 1)) == 50


# --- Plans ------------------------------------------------------------------------------------


def test_copy_plan_repeats_the_structure_and_resets_every_task(world, staff):
    source = build_plan(world)
    copy = copy_plan(actor=staff, plan=source, title="关于推进关工委优质化暨“五好”建设的实施意见",
                     issued_on=D(2025, 3, 10), dates=PlanCopyDates(shift_months=48))
    assert shape(copy) == shape(source)
    assert copy.copied_from == source and copy.institution == source.institution
    assert (copy.attachment_title, copy.numbering_restarts_each_phase) == ("均衡发展推进表", True)
    assert copy.document_number == ""  # a new cycle's document has a number of its own
    tasks = list(Task.objects.filter(stage__phase__plan=copy))
    assert len(tasks) == 5
    assert {(t.status, t.progress, t.done_on, t.version) for t in tasks} == {(Task.Status.NOT_STARTED, 0, None, 1)}
    assert not TaskUpdate.objects.filter(task__in=tasks).exists()
    assert EvidenceFile.objects.count() == 1  # the source's only
    # the source is untouched
    assert Task.objects.get(stage__phase__plan=source, title="召开动员大会").status == Task.Status.DONE
    # the history says who copied
    assert {t.history.first().history_user for t in tasks} == {staff}
    assert copy.history.first().history_user == staff


def test_copy_plan_moves_every_date_by_the_shift(world, staff):
    source = build_plan(world)
    copy = copy_plan(actor=staff, plan=source, title="2022版", issued_on=D(2022, 3, 1),
                     dates=PlanCopyDates(shift_months=12))
    moved = dates(copy)
    assert moved["plan"] == (D(2022, 3, 1), D(2025, 2, 28))               # leap day → February's end
    assert moved["phase 学习动员"] == (D(2022, 3, 1), D(2022, 8, 31))
    assert moved["phase 全面推进"] == (None, D(2024, 11, 30))               # known only by its end
    assert moved["phase 总结提高"] == (None, None)                          # no dates: none made up
    assert moved["stage 全面推进/0"] == (None, None)                        # the phase's own tasks
    assert moved["stage 总结提高/1"] == (D(2024, 12, 1), D(2025, 2, 28))
    assert moved["task 收到省关工委通知"] == (None, D(2022, 8, 18))          # a milestone keeps its day
    assert moved["task 建设关心下一代工作平台"] == (D(2023, 1, 15), D(2024, 1, 31))
    assert moved["task 迎接验收"] == (None, D(2025, 2, 28))
    assert moved["task 建立工作台账"] == (None, None)


def test_copy_plan_into_a_leap_february(world, staff):
    source = build_plan(world)
    Plan.objects.filter(pk=source.pk).update(end_date=D(2025, 2, 28))
    source.refresh_from_db()
    copy = copy_plan(actor=staff, plan=source, title="闰年版", issued_on=D(2024, 3, 1),
                     dates=PlanCopyDates(shift_months=-12))
    assert copy.end_date == D(2024, 2, 29)


def test_a_new_start_moves_the_rest_with_it(world, staff):
    source = build_plan(world)
    copy = copy_plan(actor=staff, plan=source, title="新起点", issued_on=D(2025, 9, 1),
                     dates=PlanCopyDates(start_date=D(2025, 9, 1), end_date=D(2028, 7, 31)))
    moved = dates(copy)
    assert moved["plan"] == (D(2025, 9, 1), D(2028, 7, 31))                # as set
    assert moved["phase 学习动员"] == (D(2025, 9, 1), D(2026, 2, 28))       # 54 months on from 2021-03
    assert moved["task 收到省关工委通知"] == (None, D(2026, 2, 18))


def test_copy_plan_can_leave_out_what_was_done(world, staff):
    source = build_plan(world)
    copy = copy_plan(actor=staff, plan=source, title="只留未完成的", issued_on=D(2025, 3, 1),
                     dates=PlanCopyDates(shift_months=48), leave_out_done=True)
    titles = set(Task.objects.filter(stage__phase__plan=copy).values_list("title", flat=True))
    assert titles == {"收到省关工委通知", "建立工作台账", "建设关心下一代工作平台", "迎接验收"}
    # the stage whose only task was done goes with it; its phase stays for the stage left
    assert list(Stage.objects.filter(phase__plan=copy, phase__order=1).values_list("goal", flat=True)) == ["全面部署"]
    assert Phase.objects.filter(plan=copy).count() == 3
    assert WorkArea.objects.filter(plan=copy).count() == 2


def test_a_retired_named_party_is_not_carried_over(world, staff):
    source = build_plan(world)
    OrgUnit.objects.filter(pk=world.member_unit.pk).update(retired_on=D(2024, 7, 1))
    copy = copy_plan(actor=staff, plan=source, title="新周期", issued_on=D(2025, 3, 1),
                     dates=PlanCopyDates(shift_months=48))
    copied = Task.objects.get(stage__phase__plan=copy, title="召开动员大会")
    assert [(p.role, p.kind, p.unit_id) for p in copied.parties.all()] == [("lead", Kind.COLLEGE, None)]


def test_copy_plan_refuses_a_title_taken_and_a_missing_shift(world, staff):
    source = build_plan(world)
    PlanFactory(institution=world.institution, title="已有的实施意见")
    with pytest.raises(ValidationError) as refused:
        copy_plan(actor=staff, plan=source, title="已有的实施意见", issued_on=D(2025, 3, 1),
                  dates=PlanCopyDates())
    assert "已有的实施意见" in refused.value.message_dict["title"][0]
    assert "shift_by" in refused.value.message_dict
    assert Plan.objects.count() == 4  # world's two, the source and the one in the way


def test_copy_plan_is_for_the_institutions_staff(world, secretary, other_staff, leader):
    source = build_plan(world)
    for person in (secretary, other_staff, leader):
        with pytest.raises(PermissionDenied):
            copy_plan(actor=person, plan=source, title="不应复制", issued_on=D(2025, 3, 1),
                      dates=PlanCopyDates(shift_months=12))


def test_copy_plan_page_makes_the_copy_and_links_both_ways(world, staff):
    source = build_plan(world)
    client = client_for(staff)
    page = client.get(reverse("tracker:plan-detail", args=[source.pk])).content.decode()
    assert reverse("tracker:plan-copy", args=[source.pk]) in page
    form = client.get(reverse("tracker:plan-copy", args=[source.pk]))
    assert form.status_code == 200 and source.title in form.content.decode()
    response = client.post(reverse("tracker:plan-copy", args=[source.pk]), {
        "title": "关于推进优质化暨“五好”建设的实施意见", "issued_on": "2025-03-10", "shift_by": "4",
        "shift_unit": "years", "leave_out_done": "on"})
    copy = Plan.objects.get(title="关于推进优质化暨“五好”建设的实施意见")
    assert response.status_code == 302 and response["Location"] == copy.get_absolute_url()
    assert copy.start_date == D(2025, 3, 1) and copy.end_date == D(2028, 2, 29)
    assert Task.objects.filter(stage__phase__plan=copy).count() == 4
    copy_page = client.get(copy.get_absolute_url()).content.decode()
    assert "复制自" in copy_page and f'href="{source.get_absolute_url()}"' in copy_page
    source_page = client.get(source.get_absolute_url()).content.decode()
    assert "已复制到" in source_page and f'href="{copy.get_absolute_url()}"' in source_page


def test_a_refused_copy_form_keeps_what_was_typed(world, staff):
    source = build_plan(world)
    response = client_for(staff).post(reverse("tracker:plan-copy", args=[source.pk]), {
        "title": source.title, "document_number": "矿关工〔2025〕1号", "issued_on": "2025-03-10", "shift_by": "7",
        "shift_unit": "months", "end_date": "2028-06-15", "leave_out_done": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "已有名为" in html  # the title is taken, said in Chinese
    for typed in ("矿关工〔2025〕1号", 'value="2025-03-10"', 'value="7"', 'value="2028-06-15"', "checked"):
        assert typed in html, typed
    assert 'value="months" selected' in html
    assert Plan.objects.filter(copied_from=source).count() == 0


def test_copy_plan_page_is_refused_outside_the_institution_and_to_secretaries(world, other_staff, secretary,
                                                                              leader):
    source = build_plan(world)
    url = reverse("tracker:plan-copy", args=[source.pk])
    assert client_for(other_staff).get(url).status_code == 404
    assert client_for(secretary).get(url).status_code == 403
    assert client_for(leader).post(url, {"title": "x", "issued_on": "2025-03-10", "shift_by": "1",
                                         "shift_unit": "years"}).status_code == 403
    assert reverse("tracker:plan-copy", args=[source.pk]) not in client_for(secretary).get(
        source.get_absolute_url()).content.decode()
    assert not Plan.objects.filter(copied_from=source).exists()


def test_copying_a_plan_takes_the_same_queries_however_many_tasks(world, staff):
    small = build_plan(world, title="小计划")
    large = build_plan(world, title="大计划", extra_tasks=25)
    counts = []
    for plan in (small, large):
        actor = type(staff).objects.get(pk=staff.pk)  # a fresh user each time: its profile is read once per request
        with CaptureQueriesContext(connection) as queries:
            copy_plan(actor=actor, plan=plan, title=f"{plan.title}（新）", issued_on=D(2025, 3, 1),
                      dates=PlanCopyDates(shift_months=48))
        counts.append(len(queries))
    # access (role, profile), title check, plan + its history, 5 source reads, 5 bulk inserts + 5 history inserts
    assert counts[0] == counts[1]
    assert counts[1] <= 30


# --- Standards --------------------------------------------------------------------------------


def standard_shape(standard: Standard) -> list:
    return [(i.group.order, i.group.name, i.order, i.number, i.text, i.rule, i.points, i.mode, i.deduction_step)
            for i in StandardItem.objects.filter(group__standard=standard).select_related("group")
            .order_by("group__order", "order")]


def test_staff_copy_a_shared_standard_into_their_institution(world, staff):
    shared = scored_standard(None, name="省二级关工委工作基本要求（2021）")
    copy = copy_standard(actor=staff, standard=shared, name="二级关工委工作基本要求（2025）",
                         institution=world.institution)
    assert copy.institution == world.institution and copy.copied_from == shared
    assert (copy.level, copy.source_document) == (shared.level, shared.source_document)
    assert standard_shape(copy) == standard_shape(shared) and len(standard_shape(copy)) == 5
    assert copy.history.first().history_user == staff


def test_copy_standard_refuses_a_name_taken_and_other_roles(world, staff, secretary, other_staff):
    own = scored_standard(world.institution, name="二级关工委基本要求（矿大）")
    with pytest.raises(ValidationError) as refused:
        copy_standard(actor=staff, standard=own, name="二级关工委基本要求（矿大）", institution=world.institution)
    assert "已有名为“二级关工委基本要求（矿大）”的标准" in refused.value.message_dict["name"][0]
    with pytest.raises(PermissionDenied):
        copy_standard(actor=secretary, standard=own, name="另一个", institution=world.institution)
    with pytest.raises(PermissionDenied):  # staff make no shared standard
        copy_standard(actor=staff, standard=own, name="共享的", institution=None)
    with pytest.raises(PermissionDenied):  # nor copy what they cannot read
        copy_standard(actor=other_staff, standard=own, name="苏大的", institution=world.other_institution)


def test_standard_copy_page_makes_the_copy_and_links_both_ways(world, staff, other_staff, secretary):
    shared = scored_standard(None, name="省基本要求（2021）")
    client = client_for(staff)
    url = reverse("tracker:standard-copy", args=[shared.pk])
    assert url in client.get(shared.get_absolute_url()).content.decode()
    refused = client.post(url, {"name": "省基本要求（2021）", "institution": world.other_institution.pk})
    # the name is the institution's: a shared name is free in the institution, so this one is made …
    assert refused.status_code == 302
    copy = Standard.objects.get(copied_from=shared)
    assert copy.institution == world.institution  # … in the staff's own institution, whatever the form said
    again = client.post(url, {"name": "省基本要求（2021）"})
    assert again.status_code == 400 and "省基本要求（2021）" in again.content.decode()
    copy_page = client.get(copy.get_absolute_url()).content.decode()
    assert "复制自" in copy_page and f'href="{shared.get_absolute_url()}"' in copy_page
    assert f'href="{copy.get_absolute_url()}"' in client.get(shared.get_absolute_url()).content.decode()
    # the other institution does not see the copy among the shared standard's copies
    assert copy.get_absolute_url() not in client_for(other_staff).get(shared.get_absolute_url()).content.decode()
    assert client_for(other_staff).get(reverse("tracker:standard-copy", args=[copy.pk])).status_code == 404
    assert client_for(secretary).get(url).status_code == 403


# --- Rounds -----------------------------------------------------------------------------------


@pytest.fixture
def pilot(world, staff):
    """A 2021 pilot round of three colleges, one since retired, with an assessment filled in."""
    standard = scored_standard(world.institution, name="二级关工委基本要求（2021）")
    third = OrgUnitFactory(institution=world.institution, kind=Kind.COLLEGE, name="矿业工程学院",
                           retired_on=D(2024, 1, 1))
    assessment_round = AssessmentRoundFactory(institution=world.institution, standard=standard, name="2021年试点对标",
                                              due_on=D(2021, 11, 30), report_max_chars=1500)
    assessment_round.units.set([world.college, world.other_college, third])
    start_assessment(world.college, assessment_round)
    return assessment_round


def test_copy_round_keeps_units_in_service_and_starts_empty(world, staff, pilot):
    new_standard = copy_standard(actor=staff, standard=pilot.standard, name="二级关工委基本要求（2025）",
                                 institution=world.institution)
    copy = copy_round(actor=staff, assessment_round=pilot, name="2025年对标找差", shift_months=48,
                      standard=new_standard)
    assert copy.copied_from == pilot and copy.standard == new_standard
    assert copy.due_on == D(2025, 11, 30) and copy.report_max_chars == 1500
    assert set(copy.units.all()) == {world.college, world.other_college}
    assert not Assessment.objects.filter(round=copy).exists()
    assert Assessment.objects.filter(round=pilot).count() == 1
    same = copy_round(actor=staff, assessment_round=pilot, name="2026年对标找差", due_on=D(2026, 6, 30))
    assert same.standard == pilot.standard and same.due_on == D(2026, 6, 30)


def test_copy_round_refusals(world, staff, secretary, other_staff, pilot):
    with pytest.raises(ValidationError) as refused:
        copy_round(actor=staff, assessment_round=pilot, name="2021年试点对标")
    assert {"name", "due_on"} <= set(refused.value.message_dict)
    school = scored_standard(world.institution, level=Standard.Level.SCHOOL, name="校级基本要求")
    with pytest.raises(ValidationError) as refused:
        copy_round(actor=staff, assessment_round=pilot, name="换了级别", shift_months=12, standard=school)
    assert "standard" in refused.value.message_dict
    for person in (secretary, other_staff):
        with pytest.raises(PermissionDenied):
            copy_round(actor=person, assessment_round=pilot, name="不应复制", shift_months=12)
    assert AssessmentRound.objects.filter(copied_from=pilot).count() == 0


def test_round_copy_page_makes_the_copy_and_links_both_ways(world, staff, other_staff, secretary, pilot):
    new_standard = copy_standard(actor=staff, standard=pilot.standard, name="二级关工委基本要求（2025）",
                                 institution=world.institution)
    client = client_for(staff)
    url = reverse("tracker:round-copy", args=[pilot.pk])
    assert url in client.get(pilot.get_absolute_url()).content.decode()
    form = client.get(url).content.decode()
    # the standard's copy is offered and chosen
    assert f'<option value="{new_standard.pk}" selected>' in form
    kept = client.post(url, {"name": "2021年试点对标", "standard": new_standard.pk, "shift_by": "4",
                             "shift_unit": "years"})
    assert kept.status_code == 400 and "已有名为" in kept.content.decode()
    assert 'value="4"' in kept.content.decode()
    made = client.post(url, {"name": "2025年试点对标", "standard": new_standard.pk, "shift_by": "4",
                             "shift_unit": "years"})
    copy = AssessmentRound.objects.get(name="2025年试点对标")
    assert made.status_code == 302 and made["Location"] == copy.get_absolute_url()
    board = client.get(copy.get_absolute_url()).content.decode()
    assert "复制自" in board and f'href="{pilot.get_absolute_url()}"' in board
    assert f'href="{copy.get_absolute_url()}"' in client.get(pilot.get_absolute_url()).content.decode()
    assert client_for(other_staff).get(url).status_code == 404
    assert client_for(secretary).get(url).status_code == 403


def test_scores_are_not_copied_with_the_standard(world, staff, pilot):
    item = StandardItem.objects.filter(group__standard=pilot.standard).first()
    assert item.points == Decimal("10")
    copy = copy_standard(actor=staff, standard=pilot.standard, name="新标准", institution=world.institution)
    assert not StandardItem.objects.filter(group__standard=copy, entries__isnull=False).exists()
