"""Import a plan's 推进表 from Excel (issue 14 point 4): round trips of the seed plans and of a plan of our own,
merged cells as Excel users make them, every bad input named by row and column with nothing written."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tracker.org.models import OrgUnit, Profile
from tracker.org.windows import format_window, parse_window
from tracker.plans import importing
from tracker.plans.models import Plan, Task, TaskParty
from tracker.reporting.plan_xlsx import plan_workbook

from .conftest import client_for, make_person
from .factories import OrgUnitFactory, PhaseFactory, PlanFactory, StageFactory, TaskFactory, TaskPartyFactory

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["主题", "时间", "目标", "序号", "内容", "牵头单位", "配合单位", "开始", "完成时限", "工作领域"]


def upload(content: bytes, name: str = "推进表.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def as_data(plan: Plan) -> dict:
    """A plan as plain data, without ids, versions or statuses."""
    phases = []
    for phase in plan.phases.order_by("order"):
        stages = []
        for stage in phase.stages.order_by("order"):
            tasks = []
            for task in stage.tasks.order_by("order").select_related("work_area"):
                parties = sorted((p.role, p.kind, p.unit_id or 0) for p in task.parties.all())
                tasks.append((task.number, task.title, task.text, task.start_date, task.due_date, task.milestone,
                              task.work_area.name if task.work_area else None, parties))
            stages.append((stage.order, stage.goal, stage.start_date, stage.end_date, tasks))
        phases.append((phase.order, phase.name, phase.start_date, phase.end_date, stages))
    return {"title": plan.title, "attachment_title": plan.attachment_title, "document_number": plan.document_number,
            "window": (plan.start_date, plan.end_date), "restarts": plan.numbering_restarts_each_phase,
            "phases": phases}


def import_plan(actor, institution, content: bytes, *, title: str = "", issued_on=dt.date(2025, 3, 1)) -> Plan:
    preview = importing.plan_import_check(actor=actor, institution=institution, upload=upload(content))
    assert preview.errors == []
    token = importing.plan_import_sign(actor=actor, institution=institution, preview=preview)
    payload = importing.plan_import_unsign(actor=actor, token=token)
    return importing.plan_import_apply(actor=actor, institution=institution, payload=payload,
                                       title=title or preview.plan.title, issued_on=issued_on)


def errors_of(actor, institution, content: bytes) -> list[tuple]:
    preview = importing.plan_import_check(actor=actor, institution=institution, upload=upload(content))
    return [(error.row, error.column, error.message) for error in preview.errors]


# --- Windows read back ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2019.9—2021.7", "2021.7—12", "2019年11月前", "2019.9起", "2022.7"])
def test_every_window_format_window_writes_reads_back(text):
    assert format_window(*parse_window(text)) == text


@pytest.mark.parametrize("text", ["2019.13", "2021.7—2020.1", "明年", "2019"])
def test_a_window_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError):
        parse_window(text)


# --- Round trips ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["cumt", "suda"])
def test_each_seed_plan_round_trips_through_export_and_import(code):
    call_command("seed_plans")  # on an empty database (no `world`: its institutions have the seeds' codes)
    admin_user = make_person("importer", Profile.Role.ADMIN)
    source = Plan.objects.get(institution__code=code)
    copy = import_plan(admin_user, source.institution, plan_workbook(source, dt.date(2021, 12, 1)),
                       issued_on=source.issued_on)
    assert copy.pk != source.pk
    assert as_data(copy) == as_data(source)
    assert copy.issued_on == source.issued_on
    assert Task.objects.filter(stage__phase__plan=copy).count() == Task.objects.filter(
        stage__phase__plan=source).count() > 0
    assert copy.history.first().history_user == admin_user
    assert TaskParty.history.filter(history_user=admin_user).count() == TaskParty.objects.filter(
        task__stage__phase__plan=copy).count()


def own_plan(world):
    """A plan unlike the seeds: no phase dates, a direct-under-phase task, a milestone, work areas, a stage with a
    window but no goal after one with a goal, own start and due dates, named, by-kind and several parties."""
    plan = PlanFactory(institution=world.institution, title="均衡发展实施方案", attachment_title="",
                       document_number="", start_date=dt.date(2023, 1, 1), end_date=dt.date(2025, 12, 31))
    team = plan.work_areas.create(order=1, name="队伍建设")
    platform = plan.work_areas.create(order=2, name="平台建设")
    first = PhaseFactory(plan=plan, order=1, name="动员部署", start_date=None, end_date=None)
    direct = StageFactory(phase=first, order=0, goal="", start_date=None, end_date=None)
    task = TaskFactory(stage=direct, order=1, number="1", title="召开动员大会", text="召开动员大会。全体委员参加。",
                       work_area=team)
    TaskPartyFactory(task=task, kind=OrgUnit.Kind.SCHOOL_COMMITTEE, unit=world.committee)
    TaskPartyFactory(task=task, role="cooperating", kind=OrgUnit.Kind.COLLEGE)
    TaskPartyFactory(task=task, role="cooperating", kind=OrgUnit.Kind.MEMBER_UNIT, unit=world.member_unit)
    milestone = TaskFactory(stage=direct, order=2, number="2", title="收到省厅通知", text="收到省厅通知",
                            milestone=True, due_date=dt.date(2023, 8, 18))
    TaskPartyFactory(task=milestone, kind=OrgUnit.Kind.MEMBER_UNIT)
    dated = StageFactory(phase=first, order=1, goal="建强队伍", start_date=dt.date(2023, 3, 1),
                         end_date=dt.date(2023, 12, 31))
    TaskFactory(stage=dated, order=1, number="3", title="骨干培训", text="骨干培训\n第一期：\n第二期。",
                start_date=dt.date(2023, 4, 10), due_date=dt.date(2023, 10, 26), work_area=team)
    TaskFactory(stage=dated, order=2, number="4", title="建平台", text="建平台。", work_area=platform)
    goalless = StageFactory(phase=first, order=2, goal="", start_date=dt.date(2023, 3, 1),
                            end_date=dt.date(2023, 12, 31))
    TaskFactory(stage=goalless, order=1, number="5", title="总结", text="年终总结。")
    second = PhaseFactory(plan=plan, order=2, name="巩固提高（第二轮）", start_date=dt.date(2024, 1, 1), end_date=None)
    stage = StageFactory(phase=second, order=1, goal="", start_date=None, end_date=dt.date(2024, 6, 30))
    TaskFactory(stage=stage, order=1, number="6", title="自评", text="自评。", due_date=dt.date(2024, 5, 31))
    return plan


def test_a_plan_of_our_own_round_trips(world, staff):
    source = own_plan(world)
    content = plan_workbook(source, dt.date(2024, 1, 1))
    sheet = load_workbook(io.BytesIO(content)).active
    assert [cell.value for cell in sheet[3]][:10] == HEADERS
    copy = import_plan(staff, world.institution, content)
    assert as_data(copy) == as_data(source)
    assert list(copy.work_areas.values_list("name", flat=True)) == ["队伍建设", "平台建设"]


# --- Files as Excel users make them ------------------------------------------------------------------------------


def sheet_file(rows: list[list], *, merges: tuple[str, ...] = (), title: str | None = "测试大学推进表",
               headers: list[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_merged_cells_and_cells_written_only_in_their_first_row(world, staff):
    rows = [
        ["学习推进年（2019.2—2021.7）", "2019.2—7", "深入学习", "1", "学习文件。", "校关工委",
         "各二级关工委、离退休工作处", None, None, None],
        [None, None, None, "2", "召开会议。", "校关工委", None, None, None, None],
        [None, "2019.9—2021.7", "加强队伍", "3", "培训骨干。", "各二级关工委", None, "2019-10-01", "2020-06-30",
         "队伍建设"],
        [None, None, "强化平台", "4", "建设平台。", "机电工程学院", "团委；化工学院", None, None, "平台建设"],
        ["合格评审年", None, None, "1", "迎接评审。", "校关工委", None, "2021-08-18", "2021-08-18", None],
    ]
    content = sheet_file(rows, merges=("A3:A6",))  # the phase merged; 时间 and 目标 written in first rows only
    plan = import_plan(staff, world.institution, content)
    data = as_data(plan)
    assert data["title"] == "测试大学推进表" and data["restarts"] is True  # 1 recurs in the second phase
    first, second = data["phases"]
    assert (first[1], first[2], first[3]) == ("学习推进年", dt.date(2019, 2, 1), dt.date(2021, 7, 31))
    assert [(s[0], s[1], format_window(s[2], s[3]), len(s[4])) for s in first[4]] == [
        (1, "深入学习", "2019.2—7", 2), (2, "加强队伍", "2019.9—2021.7", 1), (3, "强化平台", "2019.9—2021.7", 1)]
    training = first[4][1][4][0]
    assert training[3:6] == (dt.date(2019, 10, 1), dt.date(2020, 6, 30), False)
    assert training[6] == "队伍建设"
    assert first[4][0][4][0][7] == sorted([("lead", "school_committee", world.committee.pk),
                                           ("cooperating", "college", 0),
                                           ("cooperating", "member_unit", world.member_unit.pk)])
    assert first[4][2][4][0][7] == sorted([("lead", "college", world.college.pk),
                                           ("cooperating", "member_unit", world.other_member_unit.pk),
                                           ("cooperating", "college", world.other_college.pk)])
    direct = second[4][0]
    assert direct[0] == 0 and direct[1] == "" and direct[4][0][3:6] == (None, dt.date(2021, 8, 18), True)


# --- Bad input: each named by row and column, nothing written --------------------------------------------------


def test_every_bad_row_is_named_and_nothing_is_written(world, staff):
    rows = [
        ["学习推进年", "2019.13", "深入学习", "1", "学习文件。", "校关工委", None, None, None, None],
        [None, "2019.9—12", "加强队伍", None, "培训骨干。", "校关工委", None, None, None, None],
        [None, None, None, "3", "建设平台。", "火星学院", None, None, "2020-02-30", None],
        [None, None, None, "3", "再次建设。", "校关工委", None, None, None, None],
    ]
    before = Plan.objects.count()
    found = errors_of(staff, world.institution, sheet_file(rows))
    where = {(row, column) for row, column, _message in found}
    assert {(3, "时间"), (4, "序号"), (5, "牵头单位"), (5, "完成时限"), (6, "序号")} <= where
    assert any("火星学院" in message for _r, _c, message in found)
    assert any("row 5" in message or "第5行" in message for _r, column, message in found if column == "序号")
    assert Plan.objects.count() == before


def test_a_retired_or_foreign_unit_is_not_accepted(world, staff):
    OrgUnitFactory(institution=world.institution, kind="member_unit", name="原校史馆", retired_on=dt.date(2021, 7, 1))
    OrgUnitFactory(institution=world.other_institution, kind="member_unit", name="苏大档案馆")
    rows = [["学习推进年", None, None, "1", "学习文件。", "原校史馆", "苏大档案馆", None, None, None]]
    found = errors_of(staff, world.institution, sheet_file(rows))
    assert [(row, column) for row, column, _m in found] == [(3, "牵头单位"), (3, "配合单位")]


def test_a_missing_column_is_named(world, staff):
    headers = [h for h in HEADERS if h != "牵头单位"]
    found = errors_of(staff, world.institution, sheet_file([["一", None, None, "1", "x", None, None, None, None]],
                                                           headers=headers))
    assert len(found) == 1 and found[0][0] is None and "牵头单位" in found[0][2]


def test_a_merged_cell_running_across_two_phases_is_refused(world, staff):
    rows = [["学习推进年", "2019.2—7", "深入学习", "1", "a。", "校关工委", None, None, None, None],
            ["合格评审年", None, None, "2", "b。", "校关工委", None, None, None, None]]
    found = errors_of(staff, world.institution, sheet_file(rows, merges=("B3:B4",)))
    assert (4, "时间") in {(row, column) for row, column, _m in found}


def test_five_thousand_rows_are_refused_quickly_with_a_clear_message(world, staff):
    rows = [["学习推进年", None, None, str(n), "任务。", "校关工委", None, None, None, None] for n in range(5000)]
    found = errors_of(staff, world.institution, sheet_file(rows))
    assert len(found) == 1 and found[0][0] is None and "1,100" in found[0][2]


def test_a_file_that_is_not_xlsx_is_refused(world, staff):
    found = errors_of(staff, world.institution, b"%PDF-1.4 not a workbook")
    assert len(found) == 1 and found[0][0] is None


# --- Through the pages ---------------------------------------------------------------------------------------------


def test_upload_preview_confirm_creates_a_new_plan_with_the_title_typed(world, staff):
    client = client_for(staff)
    url = reverse("tracker:plan-import")
    assert client.get(url).status_code == 200
    content = plan_workbook(own_plan(world), dt.date(2024, 1, 1))
    before = Plan.objects.count()
    response = client.post(url, {"institution": world.institution.pk, "file": upload(content),
                                 "issued_on": "2023-02-01", "title": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "收到省厅通知" in html and "均衡发展实施方案" in html
    assert Plan.objects.count() == before  # nothing written by the check
    payload = response.context["confirm_form"].initial["payload"]
    response = client.post(reverse("tracker:plan-import-confirm"), {
        "institution": world.institution.pk, "payload": payload, "title": "均衡发展实施方案（导入）",
        "issued_on": "2023-02-01"})
    assert response.status_code == 302
    plan = Plan.objects.get(title="均衡发展实施方案（导入）")
    assert response["Location"] == plan.get_absolute_url()
    assert plan.issued_on == dt.date(2023, 2, 1) and plan.institution == world.institution


def test_a_file_with_errors_shows_them_by_row_and_keeps_the_form(world, staff):
    rows = [["学习推进年", None, None, None, "学习文件。", "校关工委", None, None, None, None]]
    response = client_for(staff).post(reverse("tracker:plan-import"), {
        "institution": world.institution.pk, "file": upload(sheet_file(rows)), "issued_on": "2023-02-01",
        "title": "我的标题"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "import-errors" in html and "序号" in html and 'value="我的标题"' in html


def test_a_tampered_preview_creates_nothing(world, staff):
    response = client_for(staff).post(reverse("tracker:plan-import-confirm"), {
        "institution": world.institution.pk, "payload": "tampered", "title": "x", "issued_on": "2023-02-01"})
    assert response.status_code == 400
    assert not Plan.objects.filter(title="x").exists()


def test_another_institutions_staff_gets_404_and_a_secretary_403(world, other_staff, secretary):
    url = reverse("tracker:plan-import")
    assert client_for(other_staff).get(url, {"institution": world.institution.pk}).status_code == 404
    assert client_for(secretary).get(url).status_code == 403
    assert client_for(secretary).get(reverse("tracker:plan-import-template")).status_code == 403


def test_the_template_has_the_headers_and_one_example_that_imports(world, staff):
    response = client_for(staff).get(reverse("tracker:plan-import-template"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[3]] == HEADERS
    assert sheet.max_row == 4
    plan = import_plan(staff, world.institution, response.content)
    assert plan.phases.count() == 1 and Task.objects.filter(stage__phase__plan=plan).count() == 1


def test_the_plan_list_links_to_the_import_for_staff_only(world, staff, leader):
    url = reverse("tracker:plan-list")
    assert reverse("tracker:plan-import") in client_for(staff).get(url).content.decode()
    assert reverse("tracker:plan-import") not in client_for(leader).get(url).content.decode()


def test_the_check_and_the_creation_take_a_flat_number_of_queries(world, staff, django_assert_max_num_queries):
    content = plan_workbook(own_plan(world), dt.date(2024, 1, 1))
    with django_assert_max_num_queries(3):
        importing.plan_import_check(actor=staff, institution=world.institution, upload=upload(content))


@pytest.mark.parametrize("typed", ["一、学习动员（2026.1—12）", "2. 学习动员（2026.1—12）",
                                   "第一阶段：学习动员（2026.1—12）", "学习动员（2026.1—12）"])
def test_a_phase_number_typed_before_the_name_is_not_kept_in_it(typed):
    from tracker.plans.xlsx_import import split_heading

    assert split_heading(typed) == ("学习动员", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
