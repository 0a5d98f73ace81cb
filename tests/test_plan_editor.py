"""The plan editor: its services' rules (tracker/plans/editing.py) and its pages (tracker/plans/editor.py), on a
plan of our own that differs from the seeds (a phase with no dates, a phase holding tasks without a stage, work
areas across phases, milestones, parties by kind and by name)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tracker.org.models import OrgUnit, Profile
from tracker.org.versions import StaleEditError
from tracker.plans import editing
from tracker.plans.editing import Party, PhaseData, PlanData, StageData, TaskData
from tracker.plans.models import Phase, Stage, Task, TaskParty, WorkArea

from .conftest import client_for, make_person
from .factories import InstitutionFactory, OrgUnitFactory, TaskUpdateFactory

pytestmark = pytest.mark.django_db
D = dt.date
Kind = OrgUnit.Kind


@pytest.fixture
def uni(db):
    """A university of our own: 2 colleges (one retired), a member unit, a school committee; its staff member and
    a college secretary."""
    institution = InstitutionFactory(name="江苏测绘职业大学", short_name="测绘大", code="jscm")
    school = OrgUnitFactory(institution=institution, kind=Kind.SCHOOL_COMMITTEE, name="测绘大关工委")
    college = OrgUnitFactory(institution=institution, kind=Kind.COLLEGE, name="遥感学院", order=1)
    retired = OrgUnitFactory(institution=institution, kind=Kind.COLLEGE, name="原函授学院", order=2,
                             retired_on=D(2020, 1, 1))
    member = OrgUnitFactory(institution=institution, kind=Kind.MEMBER_UNIT, name="档案馆")
    staff = make_person("cm_staff", Profile.Role.STAFF, institution)
    secretary = make_person("cm_secretary", Profile.Role.SECRETARY, institution, college)
    return type("Uni", (), dict(institution=institution, school=school, college=college, retired=retired,
                                member=member, staff=staff, secretary=secretary))


def new_plan(uni, **overrides):
    data = PlanData(title="测绘大关工委“五好”建设实施方案", issued_on=D(2025, 3, 1),
                    attachment_title="“五好”建设推进表", start_date=D(2025, 3, 1), end_date=D(2027, 12, 31))
    for key, value in overrides.items():
        setattr(data, key, value)
    return editing.plan_create(actor=uni.staff, institution=uni.institution, data=data).obj


def task_data(number="1", **overrides) -> TaskData:
    data = TaskData(number=number, title=f"测试任务{number}", lead=[Party(Kind.COLLEGE)])
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


def refused(call, **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value.message_dict


# --- Plans and permissions ----------------------------------------------------------------------


def test_staff_create_a_plan_with_only_an_overall_window_and_its_tasks_fall_back_to_it(uni):
    plan = new_plan(uni)
    assert plan.version == 1 and plan.history.first().history_user == uni.staff
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="巩固提升年")).obj
    task = editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=task_data()).obj
    task = Task.objects.with_schedule().get(pk=task.pk)
    assert (task.start, task.due) == (D(2025, 3, 1), D(2027, 12, 31))


def test_only_staff_of_the_institution_and_the_administrator_create_and_edit_plans(uni, world):
    with pytest.raises(PermissionDenied):
        editing.plan_create(actor=uni.secretary, institution=uni.institution,
                            data=PlanData(title="x", issued_on=D(2025, 1, 1)))
    other_staff = make_person("other_cm", Profile.Role.STAFF, world.institution)
    plan = new_plan(uni)
    with pytest.raises(PermissionDenied):
        editing.phase_add(actor=other_staff, plan=plan, data=PhaseData(name="外校"))
    admin = make_person("cm_admin", Profile.Role.ADMIN)
    assert editing.phase_add(actor=admin, plan=plan, data=PhaseData(name="管理员加的")).obj.order == 1


def test_a_reversed_window_is_refused_on_plan_phase_stage_and_task(uni):
    assert "end_date" in refused(editing.plan_create, actor=uni.staff, institution=uni.institution,
                                 data=PlanData(title="倒序", issued_on=D(2025, 1, 1), start_date=D(2026, 1, 1),
                                               end_date=D(2025, 1, 31)))
    plan = new_plan(uni)
    errors = refused(editing.phase_add, actor=uni.staff, plan=plan,
                     data=PhaseData(name="倒序", start_date=D(2026, 5, 1), end_date=D(2026, 1, 31)))
    assert "早于开始时间" in errors["end_date"][0]
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="正常")).obj
    assert "end_date" in refused(editing.stage_add, actor=uni.staff, phase=phase,
                                 data=StageData(goal="倒序", start_date=D(2026, 5, 1), end_date=D(2026, 1, 31)))
    assert "due_date" in refused(editing.task_add, actor=uni.staff, plan=plan, phase=phase,
                                 data=task_data(start_date=D(2026, 5, 1), due_date=D(2026, 1, 31)))
    assert not Task.objects.filter(stage__phase=phase).exists() and not phase.stages.exists()


def test_dates_outside_the_phase_or_plan_are_saved_with_a_warning(uni):
    plan = new_plan(uni)
    edited = editing.phase_add(actor=uni.staff, plan=plan,
                               data=PhaseData(name="超出", start_date=D(2024, 9, 1), end_date=D(2025, 6, 30)))
    assert edited.obj.pk and "超出了计划的时间" in edited.warnings[0]
    phase = edited.obj
    stage = editing.stage_add(actor=uni.staff, phase=phase,
                              data=StageData(goal="学习", start_date=D(2025, 3, 1), end_date=D(2025, 4, 30))).obj
    late = editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=task_data("1", due_date=D(2025, 8, 31)))
    assert late.obj.pk and "超出了所在阶段的时间" in late.warnings[0]
    in_phase = editing.task_add(actor=uni.staff, plan=plan, stage=stage, data=task_data("2", due_date=D(2025, 5, 31)))
    assert "超出了所在步骤的时间" in in_phase.warnings[0]
    fine = editing.task_add(actor=uni.staff, plan=plan, stage=stage, data=task_data("3", due_date=D(2025, 4, 30)))
    assert fine.warnings == []
    # Narrowing the phase warns of the tasks now outside it.
    narrowed = editing.phase_update(actor=uni.staff, phase=phase, loaded_version=1,
                                    data=PhaseData(name="超出", start_date=D(2025, 3, 1), end_date=D(2025, 4, 30)))
    assert any("任务 2" in warning for warning in narrowed.warnings)


def test_a_stale_edit_is_refused_and_each_save_raises_the_version(uni):
    plan = new_plan(uni)
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="第一版")).obj
    editing.phase_update(actor=uni.staff, phase=phase, loaded_version=1, data=PhaseData(name="第二版"))
    with pytest.raises(StaleEditError) as caught:
        editing.phase_update(actor=uni.staff, phase=phase, loaded_version=1, data=PhaseData(name="旧页面"))
    assert [record.name for record in caught.value.changes] == ["第二版"]
    assert Phase.objects.get(pk=phase.pk).name == "第二版"
    with pytest.raises(StaleEditError):
        editing.plan_update(actor=uni.staff, plan=plan, loaded_version=0,
                            data=PlanData(title="旧", issued_on=D(2025, 1, 1)))
    task = editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=task_data()).obj
    editing.task_update(actor=uni.staff, task=task, loaded_version=1, data=task_data(title="改过"))
    with pytest.raises(StaleEditError):
        editing.task_update(actor=uni.staff, task=task, loaded_version=1, data=task_data(title="旧页面"))
    task.refresh_from_db()
    assert (task.version, task.title, task.history.first().history_user) == (2, "改过", uni.staff)


def test_task_numbers_are_unique_within_a_phase_with_a_clear_message(uni):
    plan = new_plan(uni, numbering_restarts_each_phase=True)
    first = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="一")).obj
    second = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="二")).obj
    stage = editing.stage_add(actor=uni.staff, phase=first, data=StageData(goal="学习")).obj
    editing.task_add(actor=uni.staff, plan=plan, phase=first, data=task_data("1"))
    # The same number in a stage of the same phase is refused, not an IntegrityError.
    errors = refused(editing.task_add, actor=uni.staff, plan=plan, stage=stage, data=task_data("1"))
    assert errors["number"] == ["序号 1 已是本阶段任务“测试任务1”的序号。"]
    assert editing.task_add(actor=uni.staff, plan=plan, phase=second, data=task_data("1")).obj.code == "二.1"
    assert editing.next_task_number(plan, first) == "2"


def test_parties_by_kind_and_by_name_several_at_once_and_a_lead_is_required(uni):
    plan = new_plan(uni)
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="队伍")).obj
    assert "lead" in refused(editing.task_add, actor=uni.staff, plan=plan, phase=phase, data=task_data(lead=[]))
    data = task_data(lead=[Party(Kind.SCHOOL_COMMITTEE, uni.school), Party(Kind.COLLEGE)],
                     cooperating=[Party(Kind.MEMBER_UNIT), Party(Kind.MEMBER_UNIT, uni.member)])
    task = editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=data).obj
    got = {(p.role, p.kind, p.unit_id) for p in TaskParty.objects.filter(task=task)}
    assert got == {("lead", "school_committee", uni.school.pk), ("lead", "college", None),
                   ("cooperating", "member_unit", None), ("cooperating", "member_unit", uni.member.pk)}
    # Changing the parties removes those left out; a lead cannot also co-operate.
    editing.task_update(actor=uni.staff, task=task, loaded_version=1, data=task_data(lead=[Party(Kind.COLLEGE)]))
    assert [(p.role, p.kind) for p in TaskParty.objects.filter(task=task)] == [("lead", "college")]
    assert "cooperating" in refused(editing.task_update, actor=uni.staff, task=task, loaded_version=2,
                                    data=task_data(cooperating=[Party(Kind.COLLEGE)]))


def test_a_retired_unit_is_not_given_new_tasks_but_stays_where_it_already_is(uni):
    plan = new_plan(uni)
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="回顾")).obj
    errors = refused(editing.task_add, actor=uni.staff, plan=plan, phase=phase,
                     data=task_data(lead=[Party(Kind.COLLEGE, uni.retired)]))
    assert "原函授学院 已撤销" in errors["lead"][0]
    task = editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=task_data()).obj
    TaskParty.objects.create(task=task, role="cooperating", kind=Kind.COLLEGE, unit=uni.retired)
    editing.task_update(actor=uni.staff, task=task, loaded_version=1,
                        data=task_data(title="保留", cooperating=[Party(Kind.COLLEGE, uni.retired)]))
    assert TaskParty.objects.filter(task=task, unit=uni.retired).exists()


def test_a_milestone_has_one_date(uni):
    plan = new_plan(uni)
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="节点")).obj
    assert "due_date" in refused(editing.task_add, actor=uni.staff, plan=plan, phase=phase,
                                 data=task_data(milestone=True))
    assert "start_date" in refused(editing.task_add, actor=uni.staff, plan=plan, phase=phase,
                                   data=task_data(milestone=True, start_date=D(2025, 8, 1), due_date=D(2025, 8, 18)))
    task = editing.task_add(actor=uni.staff, plan=plan, phase=phase,
                            data=task_data(milestone=True, due_date=D(2025, 8, 18))).obj
    assert (task.start, task.due, task.start_date) == (D(2025, 8, 18), D(2025, 8, 18), None)


def test_tasks_go_directly_under_a_phase_with_no_stage_in_one_direct_stage(uni):
    plan = new_plan(uni)
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="无步骤")).obj
    one = editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=task_data("1")).obj
    two = editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=task_data("2")).obj
    assert one.stage_id == two.stage_id and one.stage.is_direct and one.stage.order == 0
    assert (one.order, two.order) == (1, 2)
    # A stage added later comes after; the direct stage stays first and is not a stage one can edit.
    stage = editing.stage_add(actor=uni.staff, phase=phase, data=StageData(goal="后来的步骤")).obj
    assert stage.order == 1
    assert refused(editing.stage_add, actor=uni.staff, phase=phase, data=StageData())["goal"]
    # Moving a task from the phase into the stage.
    moved = editing.task_update(actor=uni.staff, task=two, loaded_version=1, data=task_data("2"), stage=stage).obj
    assert moved.stage_id == stage.pk and moved.order == 1


def test_moves_swap_orders_and_deletions_close_the_gap(uni):
    plan = new_plan(uni)
    phases = [editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name=name)).obj for name in "甲乙丙"]
    editing.phase_move(actor=uni.staff, phase=phases[2], loaded_version=1, up=True)
    assert list(plan.phases.order_by("order").values_list("name", flat=True)) == ["甲", "丙", "乙"]
    assert Phase.objects.get(pk=phases[1].pk).version == 2  # the neighbour moved too
    with pytest.raises(StaleEditError):
        editing.phase_move(actor=uni.staff, phase=phases[2], loaded_version=1, up=True)
    editing.phase_move(actor=uni.staff, phase=phases[0], loaded_version=1, up=True)  # first stays first
    editing.phase_delete(actor=uni.staff, phase=phases[0], loaded_version=1)
    assert list(plan.phases.order_by("order").values_list("name", "order")) == [("丙", 1), ("乙", 2)]
    phase = Phase.objects.get(pk=phases[2].pk)
    stages = [editing.stage_add(actor=uni.staff, phase=phase, data=StageData(goal=g)).obj for g in ("一", "二")]
    editing.stage_move(actor=uni.staff, stage=stages[1], loaded_version=1, up=True)
    assert list(phase.stages.order_by("order").values_list("goal", flat=True)) == ["二", "一"]
    tasks = [editing.task_add(actor=uni.staff, plan=plan, stage=stages[0], data=task_data(n)).obj for n in "123"]
    editing.task_move(actor=uni.staff, task=tasks[0], loaded_version=1, up=False)
    assert list(Task.objects.filter(stage=stages[0]).order_by("order").values_list("number", flat=True)) == [
        "2", "1", "3"]
    with pytest.raises(ValidationError) as caught:
        editing.stage_delete(actor=uni.staff, stage=stages[0], loaded_version=2)
    assert "该步骤下还有任务" in caught.value.messages[0] and Stage.objects.filter(pk=stages[0].pk).exists()
    editing.stage_delete(actor=uni.staff, stage=stages[1], loaded_version=2)
    assert list(phase.stages.values_list("goal", "order")) == [("一", 1)]


def test_a_task_with_progress_updates_is_not_deleted(uni):
    plan = new_plan(uni)
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="删除")).obj
    kept = editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=task_data("1")).obj
    TaskUpdateFactory(task=kept, author=uni.staff)
    with pytest.raises(ValidationError) as caught:
        editing.task_delete(actor=uni.staff, task=kept, loaded_version=1)
    assert "已有 1 条进展记录，不能删除" in caught.value.messages[0]
    gone = editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=task_data("2")).obj
    editing.task_delete(actor=uni.staff, task=gone, loaded_version=1)
    assert not Task.objects.filter(pk=gone.pk).exists()
    assert Task.history.filter(id=gone.pk, history_type="-").get().history_user == uni.staff
    with pytest.raises(ValidationError):
        editing.phase_delete(actor=uni.staff, phase=phase, loaded_version=1)


def test_work_areas_add_rename_move_delete(uni):
    plan = new_plan(uni)
    areas = [editing.work_area_add(actor=uni.staff, plan=plan, name=name) for name in ("队伍建设", "平台建设")]
    errors = refused(editing.work_area_add, actor=uni.staff, plan=plan, name="队伍建设")
    assert "已有名为“队伍建设”" in errors["name"][0]
    with pytest.raises(StaleEditError):
        editing.work_area_rename(actor=uni.staff, area=areas[0], loaded_name="别的名字", name="阵地建设")
    editing.work_area_rename(actor=uni.staff, area=areas[0], loaded_name="队伍建设", name="骨干队伍建设")
    editing.work_area_move(actor=uni.staff, area=areas[1], loaded_name="平台建设", up=True)
    assert list(plan.work_areas.order_by("order").values_list("name", flat=True)) == ["平台建设", "骨干队伍建设"]
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="领域")).obj
    task = editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=task_data(work_area=areas[1])).obj
    assert editing.work_area_delete(actor=uni.staff, area=areas[1], loaded_name="平台建设") == 1
    task.refresh_from_db()
    assert task.work_area_id is None and task.version == 2


# --- Pages --------------------------------------------------------------------------------------


def test_staff_enter_a_plan_through_the_pages(uni):
    client = client_for(uni.staff)
    response = client.post(reverse("tracker:plan-create"), {"title": "页面录入的计划", "issued_on": "2025-04-01",
                                                           "start_date": "", "end_date": ""})
    plan = uni.institution.plans.get(title="页面录入的计划")
    assert response.status_code == 302 and response["Location"] == reverse("tracker:plan-editor", args=[plan.pk])
    assert client.post(reverse("tracker:phase-create", args=[plan.pk]), {"name": "学习推进年"}).status_code == 302
    phase = plan.phases.get()
    assert client.post(reverse("tracker:work-area-create", args=[plan.pk]), {"name": "机制建设"}).status_code == 302
    area = plan.work_areas.get()
    form = client.get(reverse("tracker:task-create", args=[plan.pk]), {"phase": phase.pk}).content.decode()
    assert "各二级关工委" in form and "遥感学院" in form and "原函授学院" not in form
    response = client.post(reverse("tracker:task-create", args=[plan.pk]), {
        "placement": f"phase-{phase.pk}", "number": "1", "title": "收到省关工委通知", "text": "", "milestone": "on",
        "due_date": "2025-08-18", "work_area": area.pk, "lead": ["kind:college", f"unit:{uni.school.pk}"],
        "cooperating": [f"unit:{uni.member.pk}"]})
    assert response.status_code == 302
    task = Task.objects.get(stage__phase=phase)
    assert task.milestone and task.work_area == area and task.parties.count() == 3
    editor = client.get(reverse("tracker:plan-editor", args=[plan.pk])).content.decode()
    assert "收到省关工委通知" in editor and "2025-08-18（节点）" in editor and "机制建设" in editor
    assert "最近修改" in editor and "任务 1 收到省关工委通知" in editor
    # The plan page: a link to the editor, the work area as a column and a filter.
    page = client.get(plan.get_absolute_url()).content.decode()
    assert reverse("tracker:plan-editor", args=[plan.pk]) in page and 'name="work_area"' in page
    assert "2025-08-18（节点）" in page
    assert "新建计划" in client.get(reverse("tracker:plan-list")).content.decode()


def test_a_refused_form_keeps_what_was_typed_and_a_stale_one_shows_the_other_change(uni):
    plan = new_plan(uni)
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="原名")).obj
    client = client_for(uni.staff)
    response = client.post(reverse("tracker:phase-update", args=[phase.pk]), {
        "version": 1, "name": "我输入的名字", "start_date": "2026-05-01", "end_date": "2026-01-31"})
    assert response.status_code == 400
    assert "我输入的名字" in response.content.decode() and "早于开始时间" in response.content.decode()
    editing.phase_update(actor=uni.staff, phase=phase, loaded_version=1, data=PhaseData(name="别人改的"))
    response = client.post(reverse("tracker:phase-update", args=[phase.pk]), {"version": 1, "name": "我的改法"})
    html = response.content.decode()
    assert response.status_code == 409 and "我的改法" in html and "别人改的" in html
    assert 'name="version" value="2"' in html  # a second save goes through
    task_form = {"placement": f"phase-{phase.pk}", "number": "7", "title": "缺牵头单位的任务", "lead": []}
    response = client.post(reverse("tracker:task-create", args=[plan.pk]), task_form)
    assert response.status_code == 400 and "缺牵头单位的任务" in response.content.decode()
    assert "请至少选择一个牵头单位" in response.content.decode()


def test_others_may_not_edit_and_another_institutions_plan_is_a_404(uni, world):
    plan = new_plan(uni)
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="权限")).obj
    secretary = client_for(uni.secretary)
    assert secretary.get(reverse("tracker:plan-editor", args=[plan.pk])).status_code == 403
    assert secretary.post(reverse("tracker:phase-update", args=[phase.pk]), {"version": 1, "name": "x"}).status_code \
        == 403
    assert secretary.get(reverse("tracker:plan-create")).status_code == 403
    assert "编辑计划" not in secretary.get(plan.get_absolute_url()).content.decode()
    outsider = client_for(make_person("outsider_staff", Profile.Role.STAFF, world.institution))
    assert outsider.get(reverse("tracker:plan-editor", args=[plan.pk])).status_code == 404
    assert outsider.post(reverse("tracker:phase-move", args=[phase.pk]), {"version": 1, "direction": "up"}) \
        .status_code == 404
    assert Phase.objects.get(pk=phase.pk).version == 1


def test_the_editor_flags_rows_outside_their_phase(uni):
    plan = new_plan(uni)
    phase = editing.phase_add(actor=uni.staff, plan=plan,
                              data=PhaseData(name="有时间", start_date=D(2025, 3, 1), end_date=D(2025, 6, 30))).obj
    late = editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=task_data(due_date=D(2025, 12, 31))).obj
    html = client_for(uni.staff).get(reverse("tracker:plan-editor", args=[plan.pk])).content.decode()
    assert f'id="task-{late.pk}" class="is-warned"' in html and "超出了所在阶段的时间" in html


def _plan_with_tasks(uni, count: int):
    plan = new_plan(uni, title=f"查询计数{count}")
    area = editing.work_area_add(actor=uni.staff, plan=plan, name="平台建设")
    phases = [editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name=f"阶段{n}")).obj for n in range(2)]
    stage = editing.stage_add(actor=uni.staff, phase=phases[1], data=StageData(goal="建设")).obj
    for n in range(count):
        where = {"phase": phases[0]} if n % 2 else {"stage": stage}
        editing.task_add(actor=uni.staff, plan=plan, data=task_data(str(n + 1), work_area=area, cooperating=[
            Party(Kind.MEMBER_UNIT, uni.member)]), **where)
    return plan


def test_the_editor_page_takes_as_many_queries_for_40_tasks_as_for_5(uni, django_assert_max_num_queries):
    client = client_for(uni.staff)
    small, large = _plan_with_tasks(uni, 5), _plan_with_tasks(uni, 40)
    client.get(reverse("tracker:plan-editor", args=[small.pk]))  # sessions and caches warmed
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("tracker:plan-editor", args=[small.pk])).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("tracker:plan-editor", args=[large.pk]))
    assert response.content.decode().count('class="task-title"') == 40


def test_a_plan_with_no_dates_on_its_phases_renders_everywhere(uni):
    plan = new_plan(uni, start_date=None, end_date=None)
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="无日期阶段")).obj
    stage = editing.stage_add(actor=uni.staff, phase=phase, data=StageData(goal="只有目标")).obj
    area = editing.work_area_add(actor=uni.staff, plan=plan, name="队伍建设")
    undated = editing.task_add(actor=uni.staff, plan=plan, stage=stage, data=task_data("1", work_area=area)).obj
    editing.task_add(actor=uni.staff, plan=plan, phase=phase,
                     data=task_data("2", milestone=True, due_date=D(2020, 8, 18)))
    client = client_for(uni.staff)
    pages = [plan.get_absolute_url(), undated.get_absolute_url(), reverse("tracker:plan-editor", args=[plan.pk]),
             reverse("tracker:dashboard"), reverse("tracker:plan-export", args=[plan.pk]),
             reverse("tracker:dashboard-export"), reverse("tracker:annual-report"), reverse("tracker:review-file"),
             f"{plan.get_absolute_url()}?work_area={area.pk}"]
    for path in pages:
        assert client.get(path).status_code == 200, path
    dashboard = client.get(reverse("tracker:dashboard")).content.decode()
    assert "2020-08-18（节点）" in dashboard
    filtered = client.get(plan.get_absolute_url(), {"work_area": area.pk}).content.decode()
    assert "测试任务1" in filtered and "测试任务2" not in filtered


def test_the_dashboard_lists_carry_the_work_area_in_a_flat_number_of_queries(uni, django_assert_max_num_queries):
    from django.core.cache import cache

    from tracker.reporting.dashboard import build_dashboard

    plan = new_plan(uni, start_date=D(2020, 1, 1), end_date=D(2020, 12, 31))
    area = editing.work_area_add(actor=uni.staff, plan=plan, name="机制建设")
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="已过期")).obj
    for n in range(3):
        editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=task_data(str(n + 1), work_area=area))
    cache.clear()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        dashboard = build_dashboard(uni.institution)
    assert [item.work_area for item in dashboard.overdue] == ["机制建设"] * 3 and dashboard.with_work_areas
    for n in range(3, 30):
        editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=task_data(str(n + 1), work_area=area))
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        dashboard = build_dashboard(uni.institution)
    assert len(dashboard.overdue) == 30


def test_the_work_area_filter_is_offered_only_where_the_plan_has_work_areas(uni, world, staff):
    html = client_for(staff).get(world.plan.get_absolute_url()).content.decode()
    assert 'name="work_area"' not in html and "工作领域" not in html
    WorkArea.objects.create(plan=world.plan, order=1, name="平台建设")
    assert 'name="work_area"' in client_for(staff).get(world.plan.get_absolute_url()).content.decode()


def test_the_dashboard_lists_filter_by_work_area_and_keep_the_figures_whole(uni):
    plan = new_plan(uni, start_date=D(2020, 1, 1), end_date=D(2020, 12, 31))
    teams = editing.work_area_add(actor=uni.staff, plan=plan, name="队伍建设")
    platforms = editing.work_area_add(actor=uni.staff, plan=plan, name="平台建设")
    phase = editing.phase_add(actor=uni.staff, plan=plan, data=PhaseData(name="已过期")).obj
    for n, area in enumerate([teams, teams, platforms, None]):
        editing.task_add(actor=uni.staff, plan=plan, phase=phase, data=task_data(str(n + 1), work_area=area))
    client = client_for(uni.staff)

    whole = client.get(reverse("tracker:dashboard")).content.decode()
    assert whole.count('class="due-area"') == 4 and 'name="work_area"' in whole
    narrowed = client.get(reverse("tracker:dashboard"), {"work_area": "队伍建设"})
    assert narrowed.status_code == 200
    html = narrowed.content.decode()
    assert html.count('<td class="due-area">队伍建设</td>') == 2 and html.count('class="due-area"') == 2
    assert '<option value="队伍建设" selected>' in html
    figures = narrowed.context["dashboard"].figures
    assert [f.value for f in figures] == [f.value for f in client.get(reverse("tracker:dashboard")).context[
        "dashboard"].figures]
    # An area the dashboard does not have leaves the lists whole rather than empty.
    assert client.get(reverse("tracker:dashboard"), {"work_area": "不存在"}).content.decode().count(
        'class="due-area"') == 4
