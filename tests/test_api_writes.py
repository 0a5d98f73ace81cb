"""Writes through the API: a task's progress update (with evidence) and a ledger entry, through the pages' services.
Every refusal is a JSON error with a stable code and the right status, and leaves nothing stored."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tracker.org.models import EvidenceFile
from tracker.plans.models import Task, TaskUpdate
from tracker.work.models.platforms import Activity

from . import dbstate
from .factories import (
    PDF_BYTES,
    ActivityFactory,
    EvidenceFileFactory,
    ReviewFactory,
    TaskUpdateFactory,
    VolunteerFactory,
    api_token,
    pdf_upload,
)
from .test_views_reviews import school_assessment, school_round

pytestmark = pytest.mark.django_db


NUMBERS = itertools.count()


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(user, name=f'写入测试{next(NUMBERS)}')[1]}")
    return client


def updates_url(task) -> str:
    return reverse("api:task-updates", args=[task.pk])


def good_update(**overrides) -> dict:
    return {"version": 1, "date": "2021-10-08", "status": "in_progress", "progress": 40,
            "note": "召开骨干培训筹备会", **overrides}


def refused_and_nothing_stored(client, url, data, *, status: int, code: str, fmt: str = "json", method="post"):
    """Send; assert the status, the code and a Chinese sentence; assert that nothing was written."""
    before = dbstate.take()
    response = getattr(client, method)(url, data, format=fmt) if fmt else getattr(client, method)(
        url, data, content_type="application/json")
    assert response.status_code == status, response.content[:400]
    body = response.json()
    assert body["code"] == code, body
    assert any("\u4e00" <= char <= "\u9fff" for char in body["detail"]), body["detail"]  # a Chinese sentence
    assert dbstate.changes(before, dbstate.take()) == []
    return body


# --- A task's progress update ----------------------------------------------------------------------------


def test_staff_post_an_update_with_evidence_and_the_task_moves(world, staff):
    client = token_client(staff)
    data = {**good_update(), "files": [pdf_upload("培训通知.pdf"), pdf_upload("签到表.pdf")]}
    response = client.post(updates_url(world.school_task), data, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["update"]["note"] == "召开骨干培训筹备会"
    assert [file["name"] for file in body["update"]["evidence"]] == ["培训通知.pdf", "签到表.pdf"]
    assert body["task"]["status"] == "in_progress" and body["task"]["progress"] == 40
    assert body["task"]["version"] == 2
    task = Task.objects.get(pk=world.school_task.pk)
    assert (task.status, task.progress, task.version) == ("in_progress", 40, 2)
    update = TaskUpdate.objects.get(task=task)
    assert update.author == staff and update.evidence.count() == 2
    assert task.history.latest().history_user == staff  # recorded as the token's owner, like a page's save


def test_a_json_update_without_files_works_too(world, staff):
    response = token_client(staff).post(updates_url(world.school_task), good_update(), format="json")
    assert response.status_code == 201


def test_a_stale_version_is_a_409_with_the_other_change_and_nothing_stored(world, staff, leader):
    token_client(staff).post(updates_url(world.school_task), good_update(note="第一次更新"), format="json")
    other = make_staff_colleague(world)
    body = refused_and_nothing_stored(token_client(other), updates_url(world.school_task),
                                      good_update(note="基于旧版本的更新", progress=60), status=409,
                                      code="stale_version")
    assert body["current_version"] == 2
    assert [change["note"] for change in body["changes"]] == ["第一次更新"]
    assert body["changes"][0]["task_version"] == 2
    # Read again at the version now current, the same update goes through.
    retry = token_client(other).post(updates_url(world.school_task), good_update(version=2, progress=60),
                                     format="json")
    assert retry.status_code == 201


def make_staff_colleague(world):
    from .conftest import make_person

    return make_person("staff2", "staff", world.institution)


def test_malformed_json_is_a_400(world, staff):
    refused_and_nothing_stored(token_client(staff), updates_url(world.school_task), '{"version": 1, "note": ',
                               status=400, code="parse_error", fmt=None)


def test_an_unknown_field_is_a_400_naming_it(world, staff):
    body = refused_and_nothing_stored(token_client(staff), updates_url(world.school_task),
                                      good_update(progres=50), status=400, code="unknown_fields")
    assert list(body["errors"]) == ["progres"]


@pytest.mark.parametrize("field,value", [
    ("version", "one"), ("date", "2021-13-45"), ("progress", 140), ("status", "finished"), ("progress", "半"),
])
def test_a_wrong_type_or_value_is_a_400_on_that_field(world, staff, field, value):
    body = refused_and_nothing_stored(token_client(staff), updates_url(world.school_task),
                                      good_update(**{field: value}), status=400, code="invalid")
    assert list(body["errors"]) == [field]
    assert all(any("\u4e00" <= c <= "\u9fff" for c in message) for message in body["errors"][field])


def test_the_services_rules_are_the_pages_rules(world, staff):
    """A date in the future, done without a note: the service's messages, per field."""
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    body = refused_and_nothing_stored(token_client(staff), updates_url(world.school_task),
                                      good_update(date=tomorrow, status="done", note=""), status=400, code="invalid")
    assert set(body["errors"]) == {"date", "note"}


def test_an_upload_too_large_is_a_413_and_nothing_is_stored(world, staff, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    big = SimpleUploadedFile("大文件.pdf", PDF_BYTES + b"0" * 2048, content_type="application/pdf")
    body = refused_and_nothing_stored(token_client(staff), updates_url(world.school_task),
                                      {**good_update(), "files": [pdf_upload(), big]}, status=413,
                                      code="file_too_large", fmt="multipart")
    assert "大文件.pdf" in body["detail"]
    assert not EvidenceFile.objects.exists()


def test_a_file_of_the_wrong_type_is_a_400_and_nothing_is_stored(world, staff):
    renamed = SimpleUploadedFile("通知.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    body = refused_and_nothing_stored(token_client(staff), updates_url(world.school_task),
                                      {**good_update(), "files": [pdf_upload(), renamed]}, status=400,
                                      code="invalid", fmt="multipart")
    assert "files" in body["errors"]


def test_a_secretary_reports_on_her_colleges_task_but_may_not_steer_it(world, secretary):
    client = token_client(secretary)
    url = updates_url(world.college_task)
    body = refused_and_nothing_stored(client, url, good_update(), status=403, code="permission_denied")
    assert "状态" in body["detail"]
    response = client.post(url, {"version": 1, "date": "2021-10-08", "note": "学院已对标找差"}, format="json")
    assert response.status_code == 201
    assert response.json()["task"]["status"] == world.college_task.status  # unchanged


def test_another_institutions_task_is_a_404(world, other_staff):
    refused_and_nothing_stored(token_client(other_staff), updates_url(world.school_task), good_update(),
                               status=404, code="not_found")


def test_session_writes_need_the_csrf_token(world, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    refused_and_nothing_stored(client, updates_url(world.school_task), good_update(), status=403,
                               code="csrf_failed")
    client.get(reverse("tracker:task-detail", args=[world.school_task.pk]))  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(updates_url(world.school_task), good_update(), content_type="application/json",
                           headers={"X-CSRFToken": token})
    assert response.status_code == 201


# --- Ledger entries ------------------------------------------------------------------------------------------


def entry_data(world, **overrides) -> dict:
    return {"unit": world.college.pk, "date": "2021-06-18", "kind": "study", "title": "党史学习会",
            "retiree_count": 3, "youth_count": 40, **overrides}


def test_a_secretary_records_a_ledger_entry_with_evidence(world, secretary):
    person = VolunteerFactory(unit=world.college)
    data = {**entry_data(world), "retirees": [person.pk], "files": [pdf_upload("签到表.pdf")]}
    response = token_client(secretary).post(reverse("api:activity-list"), data, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["retirees"] == [{"id": person.pk, "name": person.name, "unit_id": world.college.pk}]
    assert [file["name"] for file in body["evidence"]] == ["签到表.pdf"]
    entry = Activity.objects.get(pk=body["id"])
    assert entry.recorded_by == secretary and list(entry.retirees.all()) == [person]


def test_a_unit_of_another_institution_is_refused_as_unknown(world, staff, other_staff):
    from .factories import OrgUnitFactory

    theirs = OrgUnitFactory(institution=world.other_institution, kind="college", name="文学院")
    body = refused_and_nothing_stored(token_client(staff), reverse("api:activity-list"),
                                      entry_data(world, unit=theirs.pk), status=400, code="invalid")
    assert list(body["errors"]) == ["unit"]


def test_the_ledgers_own_rule_holds(world, staff):
    person = VolunteerFactory(unit=world.college)
    body = refused_and_nothing_stored(token_client(staff), reverse("api:activity-list"),
                                      entry_data(world, retirees=[person.pk, VolunteerFactory(unit=world.college).pk],
                                                 retiree_count=1), status=400, code="invalid")
    assert list(body["errors"]) == ["retiree_count"]


def test_a_ledger_entry_changed_at_a_stale_version_is_a_409(world, staff, secretary):
    entry = ActivityFactory(unit=world.college)
    url = reverse("api:activity-detail", args=[entry.pk])
    first = token_client(staff).put(url, {**entry_data(world, title="改过一次"), "version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    body = refused_and_nothing_stored(token_client(secretary), url, {**entry_data(world), "version": 1},
                                      status=409, code="stale_version", method="put")
    assert body["current_version"] == 2
    assert [(change["version"], change["changed_by"]) for change in body["changes"]] == [
        (2, staff.get_full_name() or staff.username)]
    assert Activity.objects.get(pk=entry.pk).title == "改过一次"


def test_an_update_without_its_version_is_a_400(world, staff):
    entry = ActivityFactory(unit=world.college)
    body = refused_and_nothing_stored(token_client(staff), reverse("api:activity-detail", args=[entry.pk]),
                                      entry_data(world), status=400, code="invalid", method="put")
    assert "version" in body["errors"]


def test_a_method_the_address_does_not_take_and_a_body_of_another_type_are_refused_in_json(world, staff):
    client = token_client(staff)
    refused_and_nothing_stored(client, reverse("api:plan-list"), {}, status=405, code="method_not_allowed")
    before = dbstate.take()
    response = client.post(updates_url(world.school_task), "version=1", content_type="text/plain")
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")
    assert "JSON" in response.json()["detail"] and dbstate.changes(before, dbstate.take()) == []


# --- Evidence back out: the page's download rule -------------------------------------------------------------


def test_evidence_downloads_under_the_pages_rule(world, staff, other_staff, secretary, other_secretary):
    task_file = EvidenceFileFactory(update=TaskUpdateFactory(task=world.school_task))
    ledger_file = EvidenceFileFactory(ledger=True, activity=ActivityFactory(unit=world.college))

    def status(user, evidence) -> int:
        return token_client(user).get(reverse("api:evidence-download", args=[evidence.pk])).status_code

    assert [status(user, task_file) for user in (staff, secretary, other_staff)] == [200, 200, 404]
    assert [status(user, ledger_file) for user in (staff, secretary, other_secretary)] == [200, 200, 404]
    first = token_client(staff).get(reverse("api:evidence-download", args=[task_file.pk]))
    again = token_client(staff).get(reverse("api:evidence-download", args=[task_file.pk]),
                                    HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304
    refused = token_client(other_staff).get(reverse("api:evidence-download", args=[task_file.pk]))
    assert refused.json()["code"] == "not_found" and "会议纪要" not in refused.content.decode()


def test_a_reviewer_downloads_the_review_files_evidence_through_his_token(world, reviewer):
    assessment_round = school_round(world)
    evidence = EvidenceFileFactory(standalone=True, entry=school_assessment(world, assessment_round).entries.first())
    ReviewFactory(institution=world.institution, assessment_round=assessment_round)
    response = token_client(reviewer).get(reverse("api:evidence-download", args=[evidence.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content)
    task_file = EvidenceFileFactory(update=TaskUpdateFactory(task=world.school_task))
    assert token_client(reviewer).get(reverse("api:evidence-download", args=[task_file.pk])).status_code == 404


def test_evidence_missing_from_storage_is_a_json_404(world, staff):
    evidence = EvidenceFileFactory(update=TaskUpdateFactory(task=world.school_task))
    evidence.file.delete(save=False)
    response = token_client(staff).get(reverse("api:evidence-download", args=[evidence.pk]))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
