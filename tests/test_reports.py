"""The report library (tracker/reports): the 推进表 workbook, the annual report (年度工作汇报) and the review file
(申报材料), checked against the plan and the records counted another way, and opened by LibreOffice."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import time
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from docx import Document
from openpyxl import load_workbook

from tracker.assessments.models.assessments import Assessment, AssessmentEntry, Rectification
from tracker.assessments.models.standards import Standard
from tracker.assessments.services.assessments import round_create
from tracker.org.models import EvidenceFile, Institution, OrgUnit
from tracker.plans.models import Phase, Plan, Stage, Task, chinese_numeral
from tracker.plans.services import task_add_update
from tracker.quotas.metrics import QuotaStatus, colleges_by_institution, evaluate
from tracker.quotas.models import Quota, QuotaEntry
from tracker.reporting import data
from tracker.reporting.docx import annual_report, review_file
from tracker.reporting.plan_xlsx import FIRST_TASK_ROW, HEADER_ROW, plan_workbook
from tracker.work.models.platforms import Activity, WorkPlatform

from .factories import (
    ActivityFactory,
    AssessmentRoundFactory,
    EvidenceFileFactory,
    OrgUnitFactory,
    QuotaEntryFactory,
    QuotaFactory,
    RectificationFactory,
    StageFactory,
    TaskFactory,
    TaskPartyFactory,
    TaskUpdateFactory,
    fill_assessment,
    scored_standard,
    start_assessment,
)

pytestmark = pytest.mark.django_db

HEADERS = ["主题", "时间", "目标", "序号", "内容", "牵头单位", "配合单位", "开始", "完成时限", "工作领域", "状态",
           "进度", "完成日期", "最新进展"]
STATUS, PROGRESS, LATEST = 11, 12, 14


def sheet_of(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def task_rows(sheet) -> dict[str, tuple]:
    """序号 → the row's cells, for every task row."""
    return {row[3]: row for row in sheet.iter_rows(min_row=FIRST_TASK_ROW, values_only=True)}


def docx_parts(content: bytes) -> tuple[list[tuple[str, str]], list[list[list[str]]]]:
    """(style name, text) of every paragraph, and every table as rows of cell texts."""
    document = Document(io.BytesIO(content))
    paragraphs = [(paragraph.style.name, paragraph.text) for paragraph in document.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    return paragraphs, tables


def headings(paragraphs: list[tuple[str, str]]) -> list[str]:
    return [text for style, text in paragraphs if style.startswith("Heading")]


def tables_headed(tables: list[list[list[str]]], *header: str) -> list[list[list[str]]]:
    """The tables whose header row is `header`, without their header row."""
    return [table[1:] for table in tables if table[0] == list(header)]


def label(choice) -> str:
    with translation.override("zh-hans"):
        return str(choice.label)


def queries(build) -> int:
    with CaptureQueriesContext(connection) as captured:
        build()
    return len(captured)


# --- The 推进表 workbook -----------------------------------------------------------------------------


def test_workbook_lays_out_the_seeded_cumt_plan_as_the_documents_table():
    call_command("seed_plans")
    plan = Plan.objects.get(institution__code="cumt")
    sheet = sheet_of(plan_workbook(plan, dt.date(2021, 12, 1)))

    assert sheet.cell(1, 1).value == "中国矿业大学关工委优质化建设工作推进表"
    assert [cell.value for cell in sheet[HEADER_ROW]] == HEADERS
    numbers = [row[3] for row in sheet.iter_rows(min_row=FIRST_TASK_ROW, values_only=True)]
    in_order = Task.objects.filter(stage__phase__plan=plan).order_by("stage__phase__order", "stage__order", "order")
    assert numbers == list(in_order.values_list("number", flat=True))
    assert numbers == [str(n) for n in range(1, 24)]  # the attachment numbers its 23 tasks straight through

    merged = {str(cell_range) for cell_range in sheet.merged_cells.ranges}
    row = FIRST_TASK_ROW
    phase_cells = []
    for phase in Phase.objects.filter(plan=plan).annotate(tasks=Count("stages__tasks")).order_by("order"):
        last = row + phase.tasks - 1
        assert f"A{row}:A{last}" in merged or phase.tasks == 1  # 合格认定年 has one task: one cell, no merge
        phase_cells.append(sheet.cell(row, 1).value)
        row = last + 1
    assert row == FIRST_TASK_ROW + len(numbers)
    assert phase_cells == ["学习推进年（2019.2—2021.7）", "合格评审年（2021.7—2022.6）", "合格认定年（2022.7—12）"]
    # One 目标 cell per stage of several tasks; the three goals of 2019.9—2021.7 share one 时间 cell (tasks 4-13).
    multi_task_stages = Stage.objects.filter(phase__plan=plan).annotate(n=Count("tasks")).filter(n__gt=1).count()
    assert len([r for r in merged if r.startswith("C")]) == multi_task_stages
    first_of_4, last_of_13 = FIRST_TASK_ROW + numbers.index("4"), FIRST_TASK_ROW + numbers.index("13")
    assert f"B{first_of_4}:B{last_of_13}" in merged
    assert sheet.cell(first_of_4, 2).value == "2019.9—2021.7"
    assert sheet.cell(first_of_4 - 1, 2).value is None  # within the merge of 2019.2—7 above
    rows = task_rows(sheet)
    assert rows["20"][4] == "向第五片区提出评议申请。"
    assert rows["1"][5] == "学校党委"

    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert "$3:$3" in str(sheet.print_title_rows)
    assert sheet.cell(HEADER_ROW, 1).font.bold
    assert sheet.cell(FIRST_TASK_ROW, 5).alignment.wrap_text


def test_workbook_marks_overdue_tasks_and_shows_each_tasks_latest_update(world, staff):
    task = world.school_task
    for day, note, progress in [(dt.date(2021, 10, 20), "举办骨干培训班。", 60),
                                (dt.date(2021, 9, 1), "筹备培训班。", 20)]:  # entered later, dated earlier
        task.refresh_from_db()
        task_add_update(actor=staff, task=task, loaded_version=task.version, date=day, note=note,
                                 status=Task.Status.IN_PROGRESS, progress=progress)
    sheet = sheet_of(plan_workbook(world.plan, dt.date(2022, 1, 10)))
    rows = task_rows(sheet)

    assert rows["15"][STATUS - 1] == "进行中（逾期）"
    assert rows["15"][LATEST - 1] == "2021-10-20 举办骨干培训班。"
    assert rows["15"][PROGRESS - 1] == pytest.approx(0.2)  # the task's own progress: the later entry set it
    assert rows["17"][STATUS - 1] == "未开始（逾期）"
    assert rows["12"][STATUS - 1] == "未开始"  # due 2099: not overdue
    assert rows["12"][LATEST - 1] is None
    overdue_cell = sheet.cell(FIRST_TASK_ROW, STATUS)
    assert overdue_cell.font.color.rgb.endswith("C00000")
    assert "共3项任务，已完成0项，逾期2项" in sheet.cell(2, 1).value


def _add_tasks(world, count: int) -> None:
    """`count` more tasks in a new stage, each with two parties, two updates and an evidence file."""
    stage = StageFactory(phase=world.school_task.stage.phase, order=9, start_date=dt.date(2022, 1, 1),
                         end_date=dt.date(2022, 6, 30))
    for n in range(count):
        task = TaskFactory(stage=stage, order=n + 1, number=str(100 + n))
        TaskPartyFactory(task=task, kind=OrgUnit.Kind.SCHOOL_COMMITTEE, unit=world.committee)
        TaskPartyFactory(task=task, kind=OrgUnit.Kind.COLLEGE, role="cooperating")
        TaskUpdateFactory(task=task, date=dt.date(2021, 3, 1))
        EvidenceFileFactory(update=TaskUpdateFactory(task=task, date=dt.date(2021, 5, 1)))


def test_workbook_query_count_stays_flat(world):
    # tasks (+stage, phase, plan, institution), parties (+unit), latest updates
    build = partial(plan_workbook, world.plan, dt.date(2022, 1, 10))
    before = queries(build)
    _add_tasks(world, 20)
    assert queries(build) == before == 3
    assert len(task_rows(sheet_of(build()))) == 23


# --- The annual report and the review file: small world, query counts ---------------------------------


def _world_records(world, staff, colleges: list[OrgUnit]) -> None:
    """Quotas of three kinds, a college round and a school round, a rectification and a ledger entry."""
    QuotaFactory(institution=world.institution, name="参与率", metric="participation_rate")
    QuotaFactory(institution=world.institution, name="校级工作平台", metric="school_platforms",
                 scope=Quota.Scope.INSTITUTION, target=Decimal("10"))
    QuotaFactory(institution=world.institution, name="工作制度健全", metric="manual",
                 comparator=Quota.Comparator.EQUAL, target=Decimal("1"))
    college_round = AssessmentRoundFactory(institution=world.institution, name="2021年对标找差",
                                           due_on=dt.date(2021, 12, 31))
    for college in colleges:
        fill_assessment(start_assessment(college, college_round))
    school_round = AssessmentRoundFactory(
        institution=world.institution, name="2021年学校自评", due_on=dt.date(2021, 11, 30),
        standard=scored_standard(world.institution, level=Standard.Level.SCHOOL, name="校级基本要求（测试）"),
    )
    fill_assessment(start_assessment(world.committee, school_round))
    RectificationFactory(unit=world.college, deadline=dt.date(2021, 6, 30))
    ActivityFactory(unit=world.college, date=dt.date(2021, 5, 20))


def _grow(world, staff, more: int) -> None:
    """`more` of everything a report lists: tasks with updates and evidence, colleges with assessments, ledger
    entries with evidence, rectifications with evidence, quota values entered by hand."""
    _add_tasks(world, more)
    college_round = world.institution.assessment_rounds.get(name="2021年对标找差")
    manual = Quota.objects.get(institution=world.institution, metric="manual")
    for n in range(more):
        college = OrgUnitFactory(institution=world.institution, name=f"新增学院{n}", order=10 + n)
        if n % 4 == 0:
            assessment = fill_assessment(start_assessment(college, college_round))
            entry = assessment.entries.first()
            EvidenceFileFactory(update=None, entry=entry, uploaded_by=staff)
        activity = ActivityFactory(unit=college, date=dt.date(2021, 4, 1))
        EvidenceFileFactory(ledger=True, activity=activity)
        rectification = RectificationFactory(unit=college, deadline=dt.date(2021, 12, 1))
        EvidenceFileFactory(update=None, rectification=rectification, uploaded_by=staff)
        QuotaEntryFactory(quota=manual, unit=college)


def test_annual_report_and_review_file_query_counts_stay_flat(world, staff):
    _world_records(world, staff, [world.college, world.other_college])
    today = dt.date(2022, 1, 10)
    annual = partial(annual_report, world.institution, 2021, today)
    review = partial(review_file, world.institution, today)
    before = (queries(annual), queries(review))
    _grow(world, staff, 20)
    after = (queries(annual), queries(review))
    # Annual: plans, tasks, parties, latest updates (4); quotas, colleges and the three metrics' own (5);
    # rounds, filing units, filed counts (3); rectifications (1); colleges, ledger counts (2).
    # Review: the same plan reads (4) and quota reads (5); rounds, units, assessments, entries (4);
    # rectifications (1); evidence files, quota values' files (2).
    assert after == before == (15, 16)
    assert len(Task.objects.filter(stage__phase__plan=world.plan)) == 23


def test_annual_report_of_a_past_year_shows_each_task_as_it_stood_at_the_years_end(world, staff):
    task = world.school_task
    task_add_update(actor=staff, task=task, loaded_version=task.version, date=dt.date(2021, 10, 20),
                             note="举办骨干培训班。", status=Task.Status.IN_PROGRESS, progress=60)
    task.refresh_from_db()
    task_add_update(actor=staff, task=task, loaded_version=task.version, date=dt.date(2022, 3, 1),
                             note="培训班总结上报。", status=Task.Status.DONE, progress=100)
    today = dt.date(2022, 6, 1)

    report_2021 = data.annual_report_data(world.institution, 2021, today)
    assert report_2021.as_of == dt.date(2021, 12, 31)
    # Tasks 15 and 17 fall due on 2021-12-31 itself: not yet overdue on the day the report is drawn up as of.
    assert (report_2021.figures.tasks_done, report_2021.figures.tasks_overdue) == (0, 0)
    (row,) = [t for phase in report_2021.phases for t in phase.tasks]
    assert (row.code, row.status, row.progress, row.latest) == ("15", "进行中", 60, "2021-10-20 举办骨干培训班。")

    paragraphs, tables = docx_parts(annual_report(world.institution, 2022, today))
    assert "截至2022年6月1日，学校实施方案共列任务3项，已完成1项（其中本年度完成1项），逾期未完成1项" in \
        "\n".join(text for _style, text in paragraphs)
    (phase_table,) = tables_headed(tables, "序号", "任务", "状态", "完成日期", "最新进展")
    assert phase_table == [["15", "举办关工委骨干人员培训班", "已完成", "2022-03-01", "2022-03-01 培训班总结上报。"]]


# --- On the demo data ----------------------------------------------------------------------------------


@pytest.fixture
def cumt(demo):
    return Institution.objects.get(code="cumt")


@pytest.mark.parametrize("check", [
    "annual_report_of_the_demo_states_the_figures_counted_another_way",
    "annual_report_of_2021_counts_that_years_self_assessment_round",
    "review_file_of_the_demo_holds_plan_quotas_scores_rectifications_and_evidence",
])
def test_the_documents_of_the_demo(cumt, check):
    """Each check on realistic data, each on the demo as it was seeded."""
    globals()[f"check_{check}"](cumt)


def check_annual_report_of_the_demo_states_the_figures_counted_another_way(demo):
    today = timezone.localdate()
    content = annual_report(demo, today.year, today)
    paragraphs, tables = docx_parts(content)
    text = "\n".join(t for _style, t in paragraphs)

    assert paragraphs[0] == ("Title", f"中国矿业大学关工委{today.year}年度工作汇报")
    assert headings(paragraphs)[:2] == ["一、总体情况", "二、任务推进情况"]
    assert {"三、指标完成情况", "四、工作台账", "五、对标找差与整改"} <= set(headings(paragraphs))
    # Every plan's phases, the newest plan's first (the demo's current cycle), then the seed plan's.
    current = Phase.objects.filter(plan__institution=demo, plan__issued_on__gt=dt.date(2020, 5, 25))
    assert current.count() == 3
    first = current.count() + 1
    assert {f"（{chinese_numeral(first)}）学习推进年（2019.2—2021.7）",
            f"（{chinese_numeral(first + 1)}）合格评审年（2021.7—2022.6）",
            f"（{chinese_numeral(first + 2)}）合格认定年（2022.7—12）"} <= set(headings(paragraphs))
    assert f"（一）{current.order_by('order').first().name}（" in "\n".join(headings(paragraphs))

    tasks = Task.objects.filter(stage__phase__plan__institution=demo)
    done_this_year = tasks.filter(done_on__year=today.year).count()
    quotas = list(Quota.objects.filter(institution=demo))
    met = sum(1 for r in evaluate(quotas, colleges_by_institution([demo.pk]), today) if r.status == QuotaStatus.MET)
    rectifications = Rectification.objects.filter(institution=demo)
    opened = rectifications.filter(created_at__year=today.year).count()
    closed = rectifications.filter(done_on__year=today.year).count()
    still_open = rectifications.exclude(status__in=Rectification.CLOSED).count()
    assert (
        f"学校实施方案共列任务{tasks.count()}项，已完成{tasks.filter(status='done').count()}项"
        f"（其中本年度完成{done_this_year}项），逾期未完成{tasks.overdue_on(today).count()}项；"
        f"{len(quotas)}项指标中已达标{met}项；"
    ) in text
    assert f"本年度新增整改事项{opened}项，完成{closed}项，尚未完成{still_open}项。" in text
    assert met and opened and closed and still_open, "the demo gives every figure something to count"

    (quota_table,) = tables_headed(tables, "序号", "指标", "目标", "当前值", "状态")
    assert [row[1] for row in quota_table] == [q.name for q in quotas]
    platforms = WorkPlatform.objects.filter(institution=demo, level="school").active_on(today).count()
    assert quota_table[[q.metric for q in quotas].index("school_platforms")][3] == f"{platforms}个"

    (ledger,) = tables_headed(tables, "单位", "活动次数", "参与老同志人次", "受益青年师生人次")
    colleges = OrgUnit.objects.filter(institution=demo, kind=OrgUnit.Kind.COLLEGE).order_by("order", "name")
    this_year = Activity.objects.filter(date__year=today.year)
    for college, row in zip(colleges, ledger, strict=False):
        assert row[:2] == [college.label, str(this_year.filter(unit=college).count())]
    assert ledger[-1][:2] == ["合计", str(this_year.filter(unit__institution=demo).count())]

    (sources,) = tables_headed(tables, "来源", "本年度新增", "本年度完成", "尚未完成")
    assert [row[0] for row in sources] == [label(source) for source in Rectification.Source]
    assert sum(int(row[1]) for row in sources) == opened


def check_annual_report_of_2021_counts_that_years_self_assessment_round(demo):
    today = timezone.localdate()
    paragraphs, tables = docx_parts(annual_report(demo, 2021, today))
    assessments = Assessment.objects.filter(round__institution=demo, round__due_on__year=2021)
    colleges = OrgUnit.objects.filter(institution=demo, kind=OrgUnit.Kind.COLLEGE).count()
    filed = assessments.exclude(status=Assessment.Status.DRAFT).count()
    accepted = assessments.filter(status=Assessment.Status.ACCEPTED).count()

    (rounds,) = tables_headed(tables, "评估轮次", "应报单位", "已提交", "已通过验收")
    assert rounds == [["2021年二级关工委对标找差", str(colleges), str(filed), str(accepted)]]
    assert f"本年度对标找差应报{colleges}个单位，已提交{filed}个，已通过验收{accepted}个" in \
        "\n".join(t for _s, t in paragraphs)
    assert colleges > filed > accepted > 0, "the demo round has colleges not started, filed and accepted"


def check_review_file_of_the_demo_holds_plan_quotas_scores_rectifications_and_evidence(demo):
    today = timezone.localdate()
    content = review_file(demo, today)
    paragraphs, tables = docx_parts(content)
    assert paragraphs[0] == ("Title", "中国矿业大学关工委优质化建设申报材料")
    section = Document(io.BytesIO(content)).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4 portrait
    footer = section.footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer
    assert [h for h in headings(paragraphs) if h[1] == "、"] == [
        "一、实施方案与推进情况", "二、指标完成情况", "三、对标自评得分", "四、整改清单", "五、佐证材料索引",
    ]
    assert {"（一）2021年二级关工委对标找差", "（二）2022年学校对标自评"} <= set(headings(paragraphs))

    # 1. The task tables, one per plan: one row per task, under one heading row per phase and per stage (none for
    # the stage of a phase's own tasks).
    task_tables = tables_headed(tables, "序号", "内容", "状态", "进度", "完成日期", "牵头单位")
    assert len(task_tables) == Plan.objects.filter(institution=demo).count() == 2
    task_table = [row for table in task_tables for row in table]
    tasks = Task.objects.filter(stage__phase__plan__institution=demo)
    task_lines = [row for row in task_table if len(set(row)) > 1]
    assert len(task_lines) == tasks.count()
    stages = Stage.objects.filter(phase__plan__institution=demo).exclude(
        start_date=None, end_date=None, goal="").count()
    phases = Phase.objects.filter(plan__institution=demo).count()
    assert len(task_table) - len(task_lines) == stages + phases
    assert all(row[0] for row in task_table), "no empty heading row"
    assert sum(1 for row in task_lines if row[2] == label(Task.Status.DONE)) == tasks.filter(status="done").count()
    assert sum(1 for row in task_lines if row[2].endswith("（逾期）")) == tasks.overdue_on(today).count()

    # 2. Quotas, with their source.
    (quota_table,) = tables_headed(tables, "序号", "指标", "依据", "目标", "当前值", "状态")
    assert len(quota_table) == Quota.objects.filter(institution=demo).count()

    # 3. Scores: every college of the college round, every item of the school round.
    # (issue 15) the rounds by deadline: 2021, 2022, then this year's college round, which no college has filed yet
    college_round, school_round, current_round = tables_headed(tables, "单位", "状态", "自评总分", "考评总分", "满分")
    colleges = OrgUnit.objects.filter(institution=demo, kind=OrgUnit.Kind.COLLEGE)
    assert len(college_round) == colleges.count()
    assert [row[1] for row in current_round] == ["未开始"] * colleges.count()
    statuses = [row[1] for row in college_round]
    assert statuses.count("未开始") == colleges.count() - Assessment.objects.filter(
        round__name="2021年二级关工委对标找差").count()
    assert statuses.count(label(Assessment.Status.ACCEPTED)) == 1
    (items,) = tables_headed(tables, "序号", "内容", "分值", "自评分", "考评分")
    entries = AssessmentEntry.objects.filter(assessment__round__name="2022年学校对标自评").select_related("item")
    scored = {row[0]: row[3:] for row in items if row[0] and len(set(row)) > 1}
    assert scored == {e.item.number: [data.number(e.self_score), data.number(e.review_score)] for e in entries}

    # 4. The rectification list.
    (rectification_table,) = tables_headed(tables, "序号", "问题", "来源", "责任单位", "整改时限", "状态", "逾期")
    rectifications = Rectification.objects.filter(institution=demo)
    assert len(rectification_table) == rectifications.count()
    overdue = sum(1 for r in rectifications if r.is_overdue_on(today))
    assert [row[6] for row in rectification_table].count("是") == overdue

    # 5. Every evidence file of the institution, whichever record it supports.
    (evidence,) = tables_headed(tables, "序号", "文件名", "类别", "所属记录", "上传时间", "大小")
    files = EvidenceFile.objects
    expected = (
        files.filter(update__task__stage__phase__plan__institution=demo).count()
        + files.filter(activity__unit__institution=demo).count()
        + files.filter(entry__assessment__round__institution=demo).count()
        + files.filter(rectification__institution=demo).count()
        + QuotaEntry.objects.filter(quota__institution=demo).values("evidence").distinct().count()
    )
    assert len(evidence) == expected
    assert {row[2] for row in evidence} == {"任务进展", "工作台账", "自评", "整改", "指标"}
    assert f"共{expected}份佐证材料" in "\n".join(t for _s, t in paragraphs)


# --- LibreOffice round trip ----------------------------------------------------------------------------


def soffice() -> str:
    """LibreOffice's command; without it the test is skipped, or fails under REQUIRE_LIBREOFFICE=1 (CI)."""
    path = shutil.which("soffice")
    if path is None:
        if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is not installed and REQUIRE_LIBREOFFICE=1")
        pytest.skip("LibreOffice (soffice) is not installed here")
    return path


@pytest.mark.libreoffice
def test_libreoffice_converts_the_workbooks_and_both_documents_to_pdf(tmp_path: Path):
    from tracker.reporting.dashboard import build_dashboard
    from tracker.reporting.dashboard_xlsx import dashboard_workbook

    command = soffice()  # before seeding the demo, so a skip costs nothing
    call_command("seed_plans")
    call_command("seed_demo", force=True)
    demo = Institution.objects.get(code="cumt")
    today = timezone.localdate()
    sources = {
        "推进表.xlsx": plan_workbook(Plan.objects.filter(institution=demo).order_by("-issued_on").first(), today),
        "年度工作汇报.docx": annual_report(demo, today.year, today),
        "申报材料.docx": review_file(demo, today),
        "工作总览.xlsx": dashboard_workbook(build_dashboard(demo)),
    }
    for name, content in sources.items():
        (tmp_path / name).write_bytes(content)
    out = tmp_path / "pdf"
    started = time.monotonic()
    completed = subprocess.run(
        [command, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), *[str(tmp_path / name) for name in sources]],
        capture_output=True, text=True, timeout=180, check=False,
    )
    elapsed = time.monotonic() - started
    for name in sources:
        pdf = out / (Path(name).stem + ".pdf")
        assert pdf.exists(), (
            f"LibreOffice made no PDF of {name} in {elapsed:.1f} s (Writer and Calc are both needed: "
            f"libreoffice-writer-nogui, libreoffice-calc-nogui):\n{completed.stdout}\n{completed.stderr}"
        )
        content = pdf.read_bytes()
        assert content.startswith(b"%PDF") and len(content) > 5_000


# --- Rounds for chosen units (issue 14) ------------------------------------------------------------


def test_a_round_naming_three_of_five_colleges_expects_those_three_in_the_reports(world, staff):
    more = [OrgUnitFactory(institution=world.institution, kind="college", name=name, order=n)
            for n, name in enumerate(["信息与控制工程学院", "材料与物理学院", "数学学院"], start=10)]
    named = [world.college, *more[:2]]
    pilot = round_create(actor=staff, institution=world.institution, standard=scored_standard(world.institution),
                         name="2021年试点对标找差", due_on=dt.date(2021, 12, 20), units=named)
    every = round_create(actor=staff, institution=world.institution, name="2021年全面对标找差",
                         standard=pilot.standard, due_on=dt.date(2021, 12, 25))
    filed = start_assessment(more[0], pilot)
    filed.status = Assessment.Status.SUBMITTED
    filed.save()
    filings = {f.name: f for f in data.round_filings(world.institution, [pilot, every])}
    assert (filings[pilot.name].expected, filings[pilot.name].filed) == (3, 1)
    assert filings[every.name].expected == 5  # naming none: every college
    scores = {block.name: block for block in data.round_scores(world.institution, [pilot, every])}
    assert [line.unit for line in scores[pilot.name].units] == [unit.label for unit in named]
    assert len(scores[every.name].units) == 5
    report_2021 = data.annual_report_data(world.institution, 2021, dt.date(2022, 1, 10))
    assert report_2021.figures.assessments_expected == 3 + 5
