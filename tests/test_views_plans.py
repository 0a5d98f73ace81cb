"""The plan page, the task page and adding an update, through the test client."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tracker.org.models import EvidenceFile
from tracker.plans.models import Task, TaskUpdate
from tracker.reporting.plan_xlsx import FIRST_TASK_ROW, HEADER_ROW

from .conftest import client_for
from .factories import (
    PDF_BYTES,
    EvidenceFileFactory,
    PhaseFactory,
    PlanFactory,
    StageFactory,
    TaskFactory,
    TaskPartyFactory,
    TaskUpdateFactory,
)

pytestmark = pytest.mark.django_db


def post_update(client, task, **fields):
    task.refresh_from_db()
    data = {"version": task.version, "date": "2021-10-20", "status": "in_progress", "progress": 40,
            "note": "举办骨干培训班。"}
    data.update(fields)
    return client.post(reverse("tracker:task-update-create", args=[task.pk]), data)


def test_plan_page_lays_out_phase_stage_and_tasks(world, staff):
    response = client_for(staff).get(world.plan.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "合格评审年" in html and "2021.7—12" in html and "校院协同，齐抓共管，推进落实" in html
    assert html.index("举办关工委骨干人员培训班") < html.index("二级关工委对标找差")
    assert "已逾期" in html  # 2021 tasks not done are overdue today


def test_plan_page_filters_by_status_and_unit(world, staff):
    client = client_for(staff)
    url = world.plan.get_absolute_url()
    overdue = client.get(url, {"status": "overdue"}).content.decode()
    assert "举办关工委骨干人员培训班" in overdue and "完善委员单位职责" not in overdue
    by_unit = client.get(url, {"unit": world.member_unit.pk}).content.decode()
    assert "完善委员单位职责" in by_unit and "举办关工委骨干人员培训班" not in by_unit
    by_college = client.get(url, {"unit": world.college.pk}).content.decode()
    assert "二级关工委对标找差" in by_college and "完善委员单位职责" not in by_college


def test_plan_of_other_institution_is_404(world, staff):
    assert client_for(staff).get(world.other_plan.get_absolute_url()).status_code == 404


def test_staff_adds_update_with_pdf_and_sees_it_in_history(world, staff):
    client = client_for(staff)
    pdf = SimpleUploadedFile("培训班通知.pdf", PDF_BYTES, content_type="application/pdf")
    response = post_update(client, world.school_task, files=[pdf])
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已保存" in page and "培训班通知.pdf" in page and "举办骨干培训班。" in page
    evidence = EvidenceFile.objects.get()
    assert evidence.file.name.startswith("evidence/") and "培训班" not in evidence.file.name
    download = client.get(evidence.get_absolute_url())
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E5%9F%B9" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF_BYTES


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"progress": 120}, "100"),
        ({"status": "done", "note": ""}, "说明"),
        ({"files": [SimpleUploadedFile("伪装.pdf", b"MZ\x90\x00binary")]}, "内容与文件名不符"),
        ({"files": [SimpleUploadedFile("宏.exe", b"MZ\x90\x00")]}, "不接受"),
    ],
)
def test_bad_input_gets_a_chinese_message_and_stores_nothing(world, staff, fields, message):
    response = post_update(client_for(staff), world.school_task, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "未保存" in html
    assert TaskUpdate.objects.count() == 0 and EvidenceFile.objects.count() == 0


def test_oversized_file_is_refused(world, staff, settings):
    settings.EVIDENCE_MAX_BYTES = 50
    response = post_update(client_for(staff), world.school_task,
                           files=[SimpleUploadedFile("大.pdf", PDF_BYTES + b"0" * 100)])
    assert response.status_code == 400 and "最大" in response.content.decode()
    assert TaskUpdate.objects.count() == 0


def test_stale_form_is_refused_and_keeps_the_users_note(world, staff):
    client = client_for(staff)
    post_update(client, world.school_task, note="同事先保存的进展。")
    response = client.post(reverse("tracker:task-update-create", args=[world.school_task.pk]),
                           {"version": 1, "date": "2021-10-21", "status": "in_progress", "progress": 60,
                            "note": "我基于旧页面写的进展。"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "其他人" in html and "同事先保存的进展。" in html and "我基于旧页面写的进展。" in html
    assert TaskUpdate.objects.count() == 1
    assert f'name="version" value="{Task.objects.get(pk=world.school_task.pk).version}"' in html


def test_secretary_form_has_no_status_and_her_note_is_logged(world, secretary):
    client = client_for(secretary)
    page = client.get(world.college_task.get_absolute_url()).content.decode()
    assert 'name="note"' in page and 'name="status"' not in page
    response = post_update(client, world.college_task, note="本院完成对标找差。")
    assert response.status_code == 302
    assert Task.objects.get(pk=world.college_task.pk).status == "not_started"
    assert TaskUpdate.objects.get().unit == world.college


def test_leader_sees_no_form_and_cannot_post(world, leader):
    client = client_for(leader)
    assert 'name="note"' not in client.get(world.school_task.get_absolute_url()).content.decode()
    assert post_update(client, world.school_task).status_code == 403
    assert TaskUpdate.objects.count() == 0


def test_task_of_other_institution_is_404_for_page_post_and_evidence(world, staff):
    client = client_for(staff)
    evidence = EvidenceFileFactory(update=TaskUpdateFactory(task=world.other_task))
    assert client.get(world.other_task.get_absolute_url()).status_code == 404
    assert post_update(client, world.other_task).status_code == 404
    assert client.get(evidence.get_absolute_url()).status_code == 404
    assert client.get(reverse("tracker:task-detail", args=[999999])).status_code == 404


def test_home_sends_secretary_to_her_colleges_tasks(world, secretary):
    html = client_for(secretary).get(reverse("tracker:home")).content.decode()
    assert "机电工程学院" in html and "二级关工委对标找差" in html


def _add_tasks(world, count):
    for n in range(count):
        task = TaskFactory(stage=world.school_task.stage, order=100 + n, number=f"x{n}", title=f"追加任务{n}")
        TaskPartyFactory(task=task, kind="college")
        TaskPartyFactory(task=task, role="cooperating", kind="member_unit", unit=world.member_unit)


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_plan_page_query_count_stays_flat(world, staff):
    # session, user, profile, plan+counts, phases, units, tasks, parties(+unit)
    client = client_for(staff)
    url = world.plan.get_absolute_url()
    before = _queries(client, url)
    _add_tasks(world, 20)
    assert _queries(client, url) == before
    assert before <= 10  # and the plan's work areas (the work-area filter and column)


def test_task_page_query_count_stays_flat(world, staff):
    # session, user, profile, task(+stage, phase, plan, institution), parties, updates(+author, unit), evidence
    client = client_for(staff)
    url = world.school_task.get_absolute_url()
    TaskUpdateFactory(task=world.school_task, author=staff)
    before = _queries(client, url)
    for n in range(20):
        update = TaskUpdateFactory(task=world.school_task, author=staff, date=dt.date(2021, 1, 1 + n))
        EvidenceFileFactory(update=update)
    assert _queries(client, url) == before
    assert before <= 9


def test_home_query_count_stays_flat(world, staff):
    client = client_for(staff)
    url = reverse("tracker:home")
    before = _queries(client, url)
    _add_tasks(world, 20)
    assert _queries(client, url) == before


def test_stale_save_with_files_asks_to_choose_them_again(world, staff):
    client = client_for(staff)
    post_update(client, world.school_task, note="先保存的进展。")
    response = client.post(reverse("tracker:task-update-create", args=[world.school_task.pk]),
                           {"version": 1, "date": "2021-10-21", "status": "in_progress", "progress": 60,
                            "note": "附材料的旧页面。", "files": [SimpleUploadedFile("纪要.pdf", PDF_BYTES)]})
    assert response.status_code == 409
    assert "重新选择" in response.content.decode()
    assert EvidenceFile.objects.count() == 0


def test_unknown_filter_is_reported_not_silently_ignored(world, staff, other_staff):
    foreign_unit = world.other_college.pk + 1000
    html = client_for(staff).get(world.plan.get_absolute_url(), {"unit": foreign_unit, "status": "zzz"}).content
    assert "筛选条件无法识别" in html.decode()


# --- Several plans at once (issue 14) ---------------------------------------------------------------


def test_each_plans_export_gives_every_task_its_deadline_when_two_plans_overlap(world, staff):
    second = PlanFactory(institution=world.institution, title="关于推进优质化建设均衡发展的实施意见",
                         attachment_title="均衡发展推进表", issued_on=dt.date(2021, 9, 1))
    phase = PhaseFactory(plan=second, order=1, name="均衡发展年", start_date=dt.date(2021, 9, 1),
                         end_date=dt.date(2022, 8, 31))  # overlaps the first plan's 合格评审年 (2021.7—2022.6)
    stage = StageFactory(phase=phase, order=1, start_date=dt.date(2021, 9, 1), end_date=dt.date(2022, 3, 31))
    TaskFactory(stage=stage, order=1, number="1", title="学院对标", due_date=dt.date(2021, 11, 30))
    TaskFactory(stage=stage, order=2, number="2", title="学院整改")  # no date of its own: the stage's end

    def deadlines(plan) -> dict:
        response = client_for(staff).get(reverse("tracker:plan-export", args=[plan.pk]))
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        headers = [cell.value for cell in sheet[HEADER_ROW]]
        column = headers.index("完成时限")
        assert headers[column - 1] == "开始" and headers[column + 1] == "工作领域"
        due = {row[3]: row[column] for row in sheet.iter_rows(min_row=FIRST_TASK_ROW, values_only=True)}
        return {number: value.date() if hasattr(value, "date") else value for number, value in due.items()}

    assert deadlines(second) == {"1": dt.date(2021, 11, 30), "2": dt.date(2022, 3, 31)}
    assert deadlines(world.plan) == {"15": dt.date(2021, 12, 31), "17": dt.date(2021, 12, 31),
                                     "12": dt.date(2099, 12, 31)}
