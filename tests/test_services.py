import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tracker.org.models import EvidenceFile
from tracker.org.versions import StaleEditError
from tracker.plans.models import Task, TaskUpdate
from tracker.plans.services import task_add_update

from .factories import PDF_BYTES


def add(actor, task, **kwargs):
    task.refresh_from_db()
    defaults = {"loaded_version": task.version, "date": dt.date(2021, 10, 1), "note": "召开培训班。",
                "status": Task.Status.IN_PROGRESS, "progress": 40}
    defaults.update(kwargs)
    return task_add_update(actor=actor, task=task, **defaults)


def test_update_moves_task_and_records_who_and_when(world, staff):
    update = add(staff, world.school_task, files=[SimpleUploadedFile("纪要.pdf", PDF_BYTES)])
    task = Task.objects.get(pk=world.school_task.pk)
    assert (task.status, task.progress, task.version) == ("in_progress", 40, 2)
    assert update.author == staff and update.task_version == 2
    assert update.evidence.get().original_name == "纪要.pdf"
    assert task.history.first().history_user == staff
    assert update.history.first().history_user == staff


def test_done_sets_done_date_and_full_progress(world, staff):
    add(staff, world.school_task, status="done", progress=80, date=dt.date(2021, 12, 1))
    task = Task.objects.get(pk=world.school_task.pk)
    assert task.status == "done" and task.progress == 100 and task.done_on == dt.date(2021, 12, 1)
    assert not task.is_overdue_on(dt.date(2030, 1, 1))


def test_reopening_clears_done_date(world, staff):
    add(staff, world.school_task, status="done", progress=100)
    add(staff, world.school_task, status="in_progress", progress=90, note="评审组要求补充材料。")
    assert Task.objects.get(pk=world.school_task.pk).done_on is None


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        ({"progress": 101}, "progress", "0 到 100"),
        ({"progress": -1}, "progress", "0 到 100"),
        ({"status": "done", "note": "  "}, "note", "说明"),
        ({"status": "not_started", "progress": 20}, "progress", "未开始"),
        ({"date": dt.date(2099, 1, 1)}, "date", "未来"),
        ({"status": "finished"}, "status", "状态"),
    ],
)
def test_bad_update_is_refused_with_chinese_message_and_nothing_stored(world, staff, kwargs, field, fragment):
    with pytest.raises(ValidationError) as error:
        add(staff, world.school_task, **kwargs)
    assert any(fragment in message for message in error.value.message_dict[field])
    assert TaskUpdate.objects.count() == 0
    assert Task.objects.get(pk=world.school_task.pk).version == 1


def test_bad_file_stores_nothing_at_all(world, staff, settings):
    with pytest.raises(ValidationError):
        add(staff, world.school_task, files=[SimpleUploadedFile("a.pdf", PDF_BYTES),
                                             SimpleUploadedFile("b.pdf", b"not a pdf")])
    assert TaskUpdate.objects.count() == 0 and EvidenceFile.objects.count() == 0
    assert not list((settings.MEDIA_ROOT).glob("**/*.pdf"))


def test_stale_edit_is_refused_and_names_the_change_in_between(world, staff, leader):
    task = world.school_task
    add(staff, task, note="第一位同事的更新。")
    with pytest.raises(StaleEditError) as stale:
        add(staff, task, loaded_version=1, note="基于旧页面的更新。")
    assert [change.note for change in stale.value.changes] == ["第一位同事的更新。"]
    assert TaskUpdate.objects.count() == 1


def test_secretary_contributes_without_changing_status(world, secretary):
    add(secretary, world.college_task, status=None, progress=None, note="本院已提交对标找差材料。")
    task = Task.objects.get(pk=world.college_task.pk)
    assert task.status == "not_started" and task.progress == 0
    update = task.updates.get()
    assert update.unit == world.college and update.status == "not_started"


def test_secretary_cannot_steer_or_report_on_others_tasks(world, secretary):
    with pytest.raises(PermissionDenied):
        add(secretary, world.college_task)  # status and progress given: steering
    with pytest.raises(PermissionDenied):
        add(secretary, world.school_task, status=None, progress=None)


def test_liaison_steers_the_task_his_unit_leads(world, liaison):
    add(liaison, world.unit_task, status="in_progress", progress=30)
    assert Task.objects.get(pk=world.unit_task.pk).progress == 30


def test_leader_cannot_report(world, leader):
    with pytest.raises(PermissionDenied):
        add(leader, world.school_task, status=None, progress=None)


def test_overdue_is_derived_from_stage_end_and_today(world):
    task = Task.objects.with_schedule().get(pk=world.school_task.pk)
    assert task.due == dt.date(2021, 12, 31)
    assert task.is_overdue_on(dt.date(2022, 1, 1)) and not task.is_overdue_on(dt.date(2021, 12, 31))
    overdue = set(Task.objects.overdue_on(dt.date(2022, 1, 1)).values_list("pk", flat=True))
    assert world.school_task.pk in overdue and world.unit_task.pk not in overdue

