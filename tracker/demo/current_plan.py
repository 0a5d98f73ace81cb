"""Demo plan of the current cycle for 中国矿业大学, dated relative to the day the demo is seeded.

The seed plans are history (2019–2022); this one runs from about two years ago to a year ahead, so a newcomer's
first dashboard shows a live programme: some tasks done, some on track, a few due within 30 days, a few overdue.
Three phases: the first has two dated stages, the second holds its tasks directly (no stage line), the third has one
stage. Tasks carry the work areas 队伍建设 / 平台建设 / 机制建设 (one has none), one is a milestone (a single dated
event), parties are named units and "every college" (各二级关工委).

The structure is entered through the plan editor's services (`tracker.plans.editing`) as the demo staff account;
the progress through `task_add_update`, as the demo accounts would report it, every update dated in the past.
Deterministic relative to today and idempotent: once the plan exists (matched by its title without the years), it is
left as it is, and a task with updates gets no more.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tracker.demo.plans import DEMO_PDF
from tracker.org.models import Institution, OrgUnit
from tracker.plans import editing
from tracker.plans.models import Plan, Task
from tracker.plans.services import task_add_update

INSTITUTION = "cumt"
STAFF = "staff"
TITLE_STEM = "中国矿业大学关工委优质化暨“五好”建设推进计划"
ATTACHMENT_TITLE = "中国矿业大学关工委优质化暨“五好”建设推进表"
WORK_AREAS = ["队伍建设", "平台建设", "机制建设"]

# Unit references: a kind alone means every unit of that kind; a name picks one unit.
PARTY, COMMITTEE = "学校党委", "校关工委"
COLLEGES = OrgUnit.Kind.COLLEGE


def month_start(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) `day`'s."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date, months: int) -> dt.date:
    first = month_start(day, months)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


@dataclass(frozen=True)
class Report:
    """One dated update: `days_ago` before today, by `actor`; status and progress None for a report that only tells."""

    days_ago: int
    note: str
    status: str | None = None
    progress: int | None = None
    actor: str = STAFF
    evidence: bool = False


@dataclass(frozen=True)
class DemoTask:
    title: str
    body: str
    area: str | None
    lead: list
    cooperating: list = field(default_factory=list)
    start_in: int | None = None  # days from today to its own start (None: the stage's)
    due_in: int | None = None  # days from today to its own due date (None: the stage's, the phase's)
    milestone: bool = False
    reports: list[Report] = field(default_factory=list)


DONE, GOING = Task.Status.DONE, Task.Status.IN_PROGRESS


def _phases(today: dt.date) -> list[dict]:
    """The plan's phases, stages and tasks; every date follows from `today`."""
    return [
        {
            "name": "学习动员，对标部署", "start": month_start(today, -23), "end": month_end(today, -15),
            "stages": [
                {"goal": "深入学习文件精神，统一思想认识", "start": month_start(today, -23),
                 "end": month_end(today, -20), "tasks": [
                    DemoTask("学校党委专题研究部署", "学校党委常委会专题研究关工委优质化暨“五好”基层关工委建设工作，"
                             "将其纳入学校党建和思想政治工作总体安排，明确领导责任和工作要求。", "机制建设",
                             [PARTY], [COMMITTEE], reports=[
                                 Report(680, "党委常委会专题研究关工委优质化暨“五好”建设工作，形成会议纪要。", DONE,
                                        100, evidence=True)]),
                    DemoTask("召开关工委优质化暨“五好”建设推进会", "召开校关工委全体委员会议暨推进会，传达上级文件"
                             "精神，部署新一轮建设工作。", None, [COMMITTEE], [PARTY], due_in=-660, milestone=True,
                             reports=[Report(660, "推进会召开，校院两级关工委及委员单位负责同志120人参加。", DONE,
                                             100, evidence=True)]),
                    DemoTask("各二级关工委组织专题学习", "各二级关工委组织老同志和工作骨干专题学习文件精神，"
                             "明确“组织建设好、队伍建设好、工作制度好、活动开展好、作用发挥好”的建设要求。", "队伍建设",
                             [COLLEGES], ["组织部"], reports=[
                                 Report(640, "机电工程学院关工委组织老同志专题学习两次。", actor="secretary"),
                                 Report(610, "10个二级关工委均已完成专题学习并报送学习记录。", DONE, 100)]),
                ]},
                {"goal": "对标“五好”标准，制定推进计划", "start": month_start(today, -19),
                 "end": month_end(today, -15), "tasks": [
                    DemoTask("对照“五好”标准开展自查", "各二级关工委对照“五好”基层关工委标准逐项自查，"
                             "形成自查报告和问题清单。", "机制建设", [COLLEGES], [COMMITTEE], reports=[
                                 Report(520, "已有6个二级关工委提交自查报告。", GOING, 60),
                                 Report(470, "又有2个二级关工委提交自查报告，尚有2个未交。", GOING, 80)]),
                    DemoTask("制定推进计划，明确任务分工", "校关工委研究制定推进计划和推进表，明确各项任务的"
                             "牵头单位、配合单位和完成时限。", "机制建设", [COMMITTEE], ["离退休工作处"], reports=[
                                 Report(500, "推进计划初稿征求各二级关工委和委员单位意见。", GOING, 50),
                                 Report(455, "推进计划经校关工委常务工作组会议审议通过并印发。", DONE, 100,
                                        evidence=True)]),
                ]},
            ],
        },
        {
            "name": "全面推进，争创“五好”", "start": month_start(today, -14), "end": month_end(today, 3),
            "stages": [
                {"goal": "", "start": None, "end": None, "tasks": [
                    DemoTask("建强五老骨干队伍", "摸清离退休老同志底数，动员更多老同志参与关工委工作，"
                             "骨干层人数占参与人数的比例不低于20%。", "队伍建设", [COMMITTEE],
                             [COLLEGES, "离退休工作处"], due_in=80, reports=[
                                 Report(300, "完成离退休老同志信息摸底。", GOING, 30),
                                 Report(90, "离退休工作处新动员老同志23人参加关工委工作。", actor="liaison"),
                                 Report(60, "骨干层比例达到18%，继续动员。", GOING, 55)]),
                    DemoTask("举办关工委骨干人员培训班", "举办年度关工委骨干人员培训班，提高老同志参与关工委"
                             "工作的能力和水平。", "队伍建设", [COMMITTEE], ["组织部"], due_in=12, reports=[
                                 Report(40, "培训方案已定，邀请省关工委专家授课。", GOING, 70)]),
                    DemoTask("提升校级工作平台“三有三化”水平", "校级工作平台对照有实质内容、有工作目标、有活动计划"
                             "和制度化、规范化、品牌化要求逐一提升。", "平台建设", [COMMITTEE],
                             ["宣传部", "学生工作处"], due_in=-20, reports=[
                                 Report(200, "11个校级平台完成“三有三化”自查。", GOING, 40),
                                 Report(50, "8个平台完成整改，3个平台的活动计划尚未修订。", GOING, 60)]),
                    DemoTask("二级关工委建成两个以上特色平台", "各二级关工委结合学科特点，建成两个以上有特色、"
                             "有成效的工作平台。", "平台建设", [COLLEGES], [COMMITTEE], due_in=25, reports=[
                                 Report(120, "机电工程学院“青蓝结对平台”“专业思政平台”已运行。", actor="secretary"),
                                 Report(30, "7个二级关工委已建成两个以上平台。", GOING, 40)]),
                    DemoTask("开展“五好”基层关工委创建申报", "各二级关工委对照标准申报“五好”基层关工委，"
                             "校关工委组织初评。", "机制建设", [COLLEGES], [COMMITTEE], due_in=-8, reports=[
                                 Report(45, "已收到5个二级关工委的申报材料。", GOING, 50)]),
                    DemoTask("修订关工委工作制度汇编", "修订校院两级关工委工作制度，汇编成册印发。", "机制建设",
                             [COMMITTEE], [PARTY], due_in=-45, reports=[
                                 Report(100, "制度修订稿征求意见。", GOING, 60),
                                 Report(50, "《关工委工作制度汇编》印发各单位。", DONE, 100, evidence=True)]),
                    DemoTask("建立校院两级工作例会和考核激励机制", "建立校院两级关工委工作例会制度，将关工委工作"
                             "纳入二级单位年度考核。", "机制建设", [PARTY], [COMMITTEE, "组织部"], reports=[
                                 Report(70, "工作例会制度已试行，考核办法起草中。", GOING, 30)]),
                    DemoTask("推进老少共建实践基地建设", "依托委员单位建设老少共建实践基地，组织老同志与青年学生"
                             "共同开展实践活动。", "平台建设", ["团委"], ["离退休工作处", COLLEGES], due_in=75),
                ]},
            ],
        },
        {
            "name": "总结提升，巩固成果", "start": month_start(today, 4), "end": month_end(today, 12),
            "stages": [
                {"goal": "开展自评，迎接评估", "start": month_start(today, 4), "end": month_end(today, 12), "tasks": [
                    DemoTask("开展优质化暨“五好”建设自评", "对照建设标准开展校院两级自评，形成自评报告。",
                             "机制建设", [COMMITTEE], [COLLEGES]),
                    DemoTask("总结推广典型经验", "总结新一轮建设中的典型经验和特色品牌，做好宣传推广。", None,
                             [COMMITTEE], ["宣传部"]),
                ]},
            ],
        },
    ]


def _units(institution: Institution) -> dict[str, OrgUnit]:
    units = {}
    for unit in OrgUnit.objects.filter(institution=institution):
        units[unit.name] = unit
        if unit.short_name:
            units.setdefault(unit.short_name, unit)
    return units


def _parties(refs: list, units: dict[str, OrgUnit]) -> list[editing.Party]:
    return [editing.Party(kind=ref) if ref == COLLEGES else editing.Party(kind=units[ref].kind, unit=units[ref])
            for ref in refs]


def _build(institution: Institution, actor, today: dt.date) -> list[tuple[Task, DemoTask]]:
    """The plan's structure, entered through the plan editor's services; each task with what the demo reports."""
    phases = _phases(today)
    start, end = phases[0]["start"], phases[-1]["end"]
    issued = phases[0]["start"] + dt.timedelta(days=20)
    plan = editing.plan_create(actor=actor, institution=institution, data=editing.PlanData(
        title=f"{TITLE_STEM}（{start.year}—{end.year}）", issued_on=issued, attachment_title=ATTACHMENT_TITLE,
        document_number=f"矿关工委〔{issued.year}〕3号", start_date=start, end_date=end,
    )).obj
    areas = {name: editing.work_area_add(actor=actor, plan=plan, name=name) for name in WORK_AREAS}
    units = _units(institution)
    made = []
    number = 0
    for spec in phases:
        phase = editing.phase_add(actor=actor, plan=plan, data=editing.PhaseData(
            name=spec["name"], start_date=spec["start"], end_date=spec["end"])).obj
        for stage_spec in spec["stages"]:
            stage = None  # a phase that holds its tasks directly: the editor keeps them in its direct stage
            if stage_spec["goal"] or stage_spec["start"] or stage_spec["end"]:
                stage = editing.stage_add(actor=actor, phase=phase, data=editing.StageData(
                    goal=stage_spec["goal"], start_date=stage_spec["start"], end_date=stage_spec["end"])).obj
            for item in stage_spec["tasks"]:
                number += 1
                task = editing.task_add(actor=actor, plan=plan, phase=phase, stage=stage, data=editing.TaskData(
                    number=str(number), title=item.title, text=f"{item.title}。{item.body}",
                    work_area=areas.get(item.area), milestone=item.milestone,
                    start_date=(today + dt.timedelta(days=item.start_in)
                                if item.start_in is not None and not item.milestone else None),
                    due_date=today + dt.timedelta(days=item.due_in) if item.due_in is not None else None,
                    lead=_parties(item.lead, units), cooperating=_parties(item.cooperating, units),
                )).obj
                made.append((task, item))
    return made


def _report(task: Task, item: DemoTask, today: dt.date) -> None:
    accounts = {user.username: user for user in get_user_model().objects.filter(
        username__in={report.actor for report in item.reports})}
    for report in sorted(item.reports, key=lambda report: -report.days_ago):
        task.refresh_from_db()
        files = []
        if report.evidence:
            files.append(SimpleUploadedFile(f"{task.title[:20]}佐证材料.pdf", DEMO_PDF, "application/pdf"))
        task_add_update(
            actor=accounts[report.actor], task=task, loaded_version=task.version,
            date=today - dt.timedelta(days=report.days_ago), note=report.note, status=report.status,
            progress=report.progress, files=files,
        )


def current_plan(institution: Institution) -> Plan | None:
    """The demo's current-cycle plan of `institution`, if it has been made."""
    return Plan.objects.filter(institution=institution, title__startswith=TITLE_STEM).order_by("id").first()


@transaction.atomic
def seed_current_plan() -> Plan | None:
    """The current-cycle plan for 中国矿业大学 with its progress; nothing when it exists or its units do not."""
    institution = Institution.objects.filter(code=INSTITUTION).first()
    actor = get_user_model().objects.filter(username=STAFF).first()
    if institution is None or actor is None:
        return None
    existing = current_plan(institution)
    if existing is not None:
        return existing
    units = _units(institution)
    if PARTY not in units or COMMITTEE not in units:
        return None
    today = timezone.localdate()
    for task, item in _build(institution, actor, today):
        _report(task, item, today)
    return current_plan(institution)
