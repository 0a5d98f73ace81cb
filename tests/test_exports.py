"""Long exports as jobs (issue 18): the university's whole file and every university's, built by the task queue
(`tracker.build_export`) step by step, with a progress bar, a download for the person who asked, and a job that
survives its page being left, a worker being down, and its task being run twice."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from tracker.reporting import exports
from tracker.reporting.exports import Step, export_job_run, export_job_start
from tracker.reporting.models import ExportJob
from tracker.tasks import build_export

from . import queue_helpers
from .conftest import client_for, make_person
from .factories import ActivityFactory, InstitutionFactory, VolunteerFactory

pytestmark = pytest.mark.django_db

# The task queue's fixtures (tests/queue_helpers.py)
eager_queue = queue_helpers.eager_queue
memory_broker = queue_helpers.memory_broker

START = "tracker:export-start"


def start(client, institution=None, kind: str = "institution"):
    data = {"kind": kind}
    if institution is not None:
        data["institution"] = institution.pk
    return client.post(reverse(START), data)


def download(client, job: ExportJob) -> zipfile.ZipFile:
    response = client.get(reverse("tracker:export-download", args=[job.token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def stored_exports() -> list[str]:
    try:
        return default_storage.listdir("exports")[1]
    except FileNotFoundError:
        return []


def steps_recording(seen: list, count: int = 3) -> list[Step]:
    """Steps whose making records the job as the database holds it at that moment."""
    def make(index: int):
        def made() -> bytes:
            seen.append(ExportJob.objects.values_list("status", "progress_done", "progress_total", "step").get())
            return f"第{index}份".encode()
        return made
    return [Step(f"第{index}步", f"{index}.txt", make(index)) for index in range(count)]


# --- End to end, through the pages ------------------------------------------------------------------


def test_staff_export_the_whole_file_and_download_a_zip_of_every_export(world, staff, eager_queue,
                                                                         django_capture_on_commit_callbacks):
    VolunteerFactory(unit=world.college, name="周明", phone="13900000001")
    ActivityFactory(unit=world.college, title="骨干培训班")
    client = client_for(staff)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = start(client, world.institution)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert len(queued) == 1  # the task is sent when the request's transaction commits
    # Queued: the job's page says so, with an empty bar that htmx asks for again.
    page = client.get(job.get_absolute_url()).content.decode()
    assert "排队中" in page and 'value="0"' in page and 'hx-trigger="every 2s"' in page
    assert "htmx-2.min.js" in page
    queued[0]()  # the commit: the task runs (eagerly, as without a broker)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.runs == 1
    assert job.progress_done == job.progress_total == 6  # dashboard, one plan, report, review file, roster, ledger
    partial = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "hx-trigger" not in partial  # done: the bar stops asking
    assert 'value="100"' in partial and reverse("tracker:export-download", args=[job.token]) in partial
    archive = download(client, job)
    today = timezone.localdate()
    names = archive.namelist()
    assert names == ["工作总览.xlsx", f"推进表/{world.plan.attachment_title or world.plan.title}_{today}.xlsx",
                     f"{today.year}年度工作汇报.docx", "优质化建设申报材料.docx", "花名册.xlsx", "工作台账.xlsx",
                     "说明.txt"]
    for name in names:
        content = io.BytesIO(archive.read(name))
        if name.endswith(".xlsx"):
            load_workbook(content)
        elif name.endswith(".docx"):
            Document(content)
    roster = load_workbook(io.BytesIO(archive.read("花名册.xlsx"))).active
    rows = [[cell.value for cell in row] for row in roster.iter_rows()]
    assert "13900000001" in rows[1] and "周明" in rows[1]  # staff see phones
    ledger = load_workbook(io.BytesIO(archive.read("工作台账.xlsx"))).active
    assert "骨干培训班" in [cell.value for row in ledger.iter_rows() for cell in row]
    readme = archive.read("说明.txt").decode()
    assert "中国矿业大学全校资料包" in readme and "花名册.xlsx" in readme


def test_a_leaders_file_holds_what_a_leader_may_see(world, leader, eager_queue, django_capture_on_commit_callbacks):
    VolunteerFactory(unit=world.college, name="周明", phone="13900000001")
    client = client_for(leader)
    with django_capture_on_commit_callbacks(execute=True):
        start(client, world.institution)
    archive = download(client, ExportJob.objects.get(requested_by=leader))
    roster = load_workbook(io.BytesIO(archive.read("花名册.xlsx"))).active
    cells = [cell.value for row in roster.iter_rows() for cell in row]
    assert "周明" in cells and "13900000001" not in cells and "联系电话" not in cells[:20]


def test_the_job_page_shows_each_step_while_the_job_runs(world, staff, monkeypatch):
    job, _created = export_job_start(actor=staff, kind="institution", institution=world.institution)
    client = client_for(staff)
    pages: list[str] = []
    seen: list = []

    def steps(job, today):
        recorded = steps_recording(seen)
        original = recorded[1].make

        def second() -> bytes:
            pages.append(client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode())
            return original()
        recorded[1] = Step(recorded[1].label, recorded[1].path, second)
        return recorded

    monkeypatch.setattr(exports, "job_steps", steps)
    assert export_job_run(job_id=job.pk) == exports.BUILT
    assert seen == [("running", 0, 3, "第0步"), ("running", 1, 3, "第1步"), ("running", 2, 3, "第2步")]
    [page] = pages
    assert "生成中" in page and 'value="33"' in page and "第1步" in page and 'hx-trigger="every 2s"' in page
    job.refresh_from_db()
    assert job.status == "done" and job.progress_done == 3 and job.finished_at is not None


def test_the_job_survives_the_page_being_left_and_shows_on_the_exports_page(world, staff, eager_queue,
                                                                             django_capture_on_commit_callbacks):
    client = client_for(staff)
    with django_capture_on_commit_callbacks(execute=True):
        start(client, world.institution)
    job = ExportJob.objects.get()
    page = client.get(reverse("tracker:export-list")).content.decode()  # a new visit, another page
    assert job.get_absolute_url() in page and "已完成" in page
    assert reverse("tracker:export-download", args=[job.token]) in page


def test_the_dashboard_and_the_exports_page_offer_the_whole_file(world, staff, secretary):
    page = client_for(staff).get(reverse("tracker:dashboard")).content.decode()
    assert "导出全校资料包" in page and reverse(START) in page and reverse("tracker:export-list") in page
    # A secretary sees her college's page: no whole file there.
    assert "导出全校资料包" not in client_for(secretary).get(reverse("tracker:dashboard"), follow=True).content.decode()


# --- Starting twice, running twice -------------------------------------------------------------------


def test_starting_the_same_export_while_it_runs_shows_the_running_one(world, staff, admin_user):
    client = client_for(staff)
    first = start(client, world.institution)
    second = start(client, world.institution)
    job = ExportJob.objects.get()
    assert first["Location"] == second["Location"] == job.get_absolute_url()
    page = client.get(second["Location"]).content.decode()
    assert "相同的导出正在进行中" in page
    # Someone else's, or another export of the administrator's, is a job of its own.
    admin = client_for(admin_user)
    start(admin, world.institution)
    start(admin, world.other_institution)
    start(admin, kind="every_institution")
    start(admin, kind="every_institution")
    assert ExportJob.objects.count() == 4


def test_the_database_refuses_a_second_open_job_of_the_same_export(world, staff):
    from django.db import IntegrityError

    ExportJob.objects.create(requested_by=staff, kind="institution", institution=world.institution)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExportJob.objects.create(requested_by=staff, kind="institution", institution=world.institution)
    ExportJob.objects.filter(requested_by=staff).update(status="done")
    ExportJob.objects.create(requested_by=staff, kind="institution", institution=world.institution)  # a new one


def test_a_task_run_twice_builds_the_file_once(world, staff):
    job, _created = export_job_start(actor=staff, kind="institution", institution=world.institution)
    assert build_export.apply(kwargs={"job_id": job.pk}).get() == exports.BUILT
    job.refresh_from_db()
    finished = job.finished_at
    assert build_export.apply(kwargs={"job_id": job.pk}).get() == exports.SKIPPED  # delivered again
    job.refresh_from_db()
    assert job.runs == 1 and job.finished_at == finished and stored_exports() == [f"{job.token}.zip"]


def test_a_job_running_elsewhere_is_left_alone_until_its_heartbeat_goes_stale(world, staff, monkeypatch):
    job, _created = export_job_start(actor=staff, kind="institution", institution=world.institution)
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(status="running", runs=1, heartbeat_at=now, started_at=now)
    assert export_job_run(job_id=job.pk) == exports.SKIPPED
    assert ExportJob.objects.get().runs == 1 and stored_exports() == []
    # The worker that had it died: once its heartbeat is stale the job is taken up again and built.
    stale = now - exports.STALE_HEARTBEAT - dt.timedelta(seconds=1)
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=stale)
    monkeypatch.setattr(exports, "job_steps", lambda job, today: steps_recording([]))
    assert export_job_run(job_id=job.pk) == exports.BUILT
    job.refresh_from_db()
    assert job.runs == 2 and job.status == "done" and stored_exports() == [f"{job.token}.zip"]


def test_a_run_that_lost_its_job_to_another_stores_nothing(world, staff, monkeypatch):
    job, _created = export_job_start(actor=staff, kind="institution", institution=world.institution)

    def taken_over() -> bytes:
        ExportJob.objects.filter(pk=job.pk).update(runs=5)  # another worker took the job over meanwhile
        return b"x"

    monkeypatch.setattr(exports, "job_steps", lambda job, today: [Step("第一步", "1.txt", taken_over),
                                                                  Step("第二步", "2.txt", lambda: b"y")])
    assert export_job_run(job_id=job.pk) == exports.LOST
    assert stored_exports() == [] and ExportJob.objects.get().status == "running"  # the other run's to finish


def test_a_failed_export_says_so_in_chinese_and_keeps_the_error(world, staff, monkeypatch):
    job, _created = export_job_start(actor=staff, kind="institution", institution=world.institution)

    def broken() -> bytes:
        raise ValueError("the workbook could not be drawn")

    monkeypatch.setattr(exports, "job_steps", lambda job, today: [Step("第一步", "1.txt", broken)])
    assert export_job_run(job_id=job.pk) == exports.FAILED
    job.refresh_from_db()
    assert job.status == "failed" and job.error == "ValueError: the workbook could not be drawn"
    page = client_for(staff).get(job.get_absolute_url()).content.decode()
    assert "导出没有完成" in page and "hx-trigger" not in page and "the workbook" not in page
    assert client_for(staff).get(reverse("tracker:export-download", args=[job.token])).status_code == 404
    assert stored_exports() == []


def test_an_account_that_lost_its_role_before_the_run_gets_nothing(world, staff):
    job, _created = export_job_start(actor=staff, kind="institution", institution=world.institution)
    staff.profile.role = "secretary"
    staff.profile.unit = world.college
    staff.profile.save()
    assert export_job_run(job_id=job.pk) == exports.FAILED
    assert stored_exports() == []


# --- Every university's files -------------------------------------------------------------------------


def test_the_administrator_exports_every_university_with_a_folder_each(world, admin_user, eager_queue,
                                                                         django_capture_on_commit_callbacks):
    InstitutionFactory(name="南京大学", code="nju")
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, kind="every_institution")
    job = ExportJob.objects.get()
    assert response["Location"] == job.get_absolute_url() and job.institution is None and job.status == "done"
    names = download(client, job).namelist()
    for university in ("中国矿业大学", "苏州大学", "南京大学"):
        assert f"{university}/工作总览.xlsx" in names and f"{university}/花名册.xlsx" in names
    assert f"中国矿业大学/推进表/{world.plan.attachment_title or world.plan.title}_{timezone.localdate()}.xlsx" in names
    assert "说明.txt" in names and job.download_name.startswith("各高校资料包_")


def test_only_the_administrator_exports_every_university(world, staff, leader):
    for user in (staff, leader):
        assert start(client_for(user), kind="every_institution").status_code == 403
    assert not ExportJob.objects.exists()


# --- Who may ------------------------------------------------------------------------------------------


def test_a_job_is_its_askers_own(world, staff, leader, other_staff, secretary):
    job, _created = export_job_start(actor=staff, kind="institution", institution=world.institution)
    export_job_run(job_id=job.pk)
    colleague = make_person("staff2", "staff", world.institution)
    for user, status in ((staff, 200), (colleague, 404), (leader, 404), (other_staff, 404), (secretary, 403)):
        client = client_for(user)
        assert client.get(job.get_absolute_url()).status_code == status
        assert client.get(reverse("tracker:export-download", args=[job.token])).status_code == status
    assert job.get_absolute_url() not in client_for(colleague).get(reverse("tracker:export-list")).content.decode()


def test_another_institutions_staff_cannot_start_this_ones_export(world, other_staff, secretary, liaison):
    assert start(client_for(other_staff), world.institution).status_code == 404
    for user in (secretary, liaison):
        assert start(client_for(user), world.institution).status_code == 403
    assert not ExportJob.objects.exists()


def test_a_bad_kind_is_refused_with_a_message(world, staff):
    response = client_for(staff).post(reverse(START), {"kind": "everything"})
    assert response.status_code == 400 and "请选择要导出的内容" in response.content.decode()


def test_a_rolled_back_start_queues_nothing(world, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        try:
            with transaction.atomic():
                export_job_start(actor=staff, kind="institution", institution=world.institution)
                raise RuntimeError("the request failed after asking")
        except RuntimeError:
            pass
    assert queued == [] and not ExportJob.objects.exists()


# --- The list page's queries ---------------------------------------------------------------------------


def test_the_exports_page_takes_the_same_queries_however_many_jobs(world, staff):
    client = client_for(staff)
    client.get(reverse("tracker:export-list"))  # session and profile warmed

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("tracker:export-list")).status_code == 200
        return len(captured)

    ExportJob.objects.create(requested_by=staff, kind="institution", institution=world.institution, status="done",
                             file="exports/a.zip", size=10)
    one = queries()
    for n in range(25):
        ExportJob.objects.create(requested_by=staff, kind="institution", institution=world.institution,
                                 status="failed" if n % 2 else "done", file="exports/b.zip", size=10)
    # session, user, profile (with institution and unit), the institutions for the form, the jobs with their
    # institution (one join): a fixed number whatever the jobs
    assert queries() == one == 5, one


# --- The worker is down ----------------------------------------------------------------------------------


def wait_for(condition, seconds: float = 60) -> bool:
    """Poll until `condition()` holds (the worker runs in a thread of its own); False if it never does."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)  # a worker in another thread reads what the request committed
def test_with_the_worker_down_the_export_waits_queued_and_runs_when_a_worker_comes(world, staff, memory_broker):
    from celery.contrib.testing.worker import start_worker

    client = client_for(staff)
    response = start(client, world.institution)
    assert response.status_code == 302  # the user's action has succeeded: the job is queued
    job = ExportJob.objects.get()
    assert job.status == "queued"
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200 and "排队中" in page.content.decode()
    with memory_broker.connection_for_read() as conn:  # the task waits in the broker
        assert conn.default_channel.queue_declare("celery", passive=True).message_count == 1
    assert ExportJob.objects.get().status == "queued"
    with start_worker(memory_broker, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        assert wait_for(lambda: ExportJob.objects.get().status == "done")
    job.refresh_from_db()
    assert job.runs == 1 and stored_exports() == [f"{job.token}.zip"]
    assert "花名册.xlsx" in download(client, job).namelist()
