"""The sweep (issue 18, the sweeper: tracker/ops/sweep.py, `tracker.sweep`, `manage.py sweep`): work whose queuing
was lost, deliveries that failed and are due another attempt, and work whose worker died are queued again, each rule
at its time and not before; a delivery is given up after its last attempt; the sweep and the original message both
running send once and build once."""

from __future__ import annotations

import datetime as dt
import logging
import time
from io import StringIO
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.core.files.storage import default_storage
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.utils import timezone
from time_machine import travel

from tracker.ops.sweep import sweep
from tracker.org import queue
from tracker.outbox import services
from tracker.outbox.models import Delivery
from tracker.outbox.services import MAX_ATTEMPTS, STALE_CLAIM, delivery_queue, outbox_sweep, retry_after
from tracker.reporting import exports
from tracker.reporting.exports import STALE_HEARTBEAT, Step, export_job_start, export_jobs_sweep
from tracker.reporting.models import ExportJob
from tracker.tasks import deliver
from tracker.tasks import sweep as sweep_task
from youthwork.celery import app

from . import queue_helpers, test_deliveries
from .queue_helpers import celery_conf
from .test_deliveries import a_mail, webhook

pytestmark = pytest.mark.django_db

# The task queue's fixtures (tests/queue_helpers.py) and the deliveries' local webhook receiver
eager_queue = queue_helpers.eager_queue
eager_retries = queue_helpers.eager_retries
memory_broker = queue_helpers.memory_broker
endpoint = test_deliveries.endpoint

T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SECOND = dt.timedelta(seconds=1)
FIVE_MINUTES = dt.timedelta(minutes=5)
UNREACHABLE = {"task_always_eager": False, "broker_url": "redis://127.0.0.1:9/0", "broker_connection_timeout": 0.5,
               "broker_connection_max_retries": 0, "task_publish_retry": False}


@pytest.fixture(autouse=True, scope="module")
def _tasks_loaded():
    """The tasks registered before a test captures the log (registering them sets Django's logging up again, which
    would drop the capture's handler)."""
    queue._load_tasks()


@pytest.fixture
def clock(time_machine):
    """Time stands at T0 (09:00 in the portal's time zone) until the test moves it."""
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def requeued():
    """What the sweep queues, by task name and arguments, instead of queuing it."""
    sent: list[tuple[str, dict]] = []
    with mock.patch.object(queue, "signature",
                           side_effect=lambda name, kwargs: sent.append((name, kwargs)) or mock.Mock()):
        yield sent


def deliveries_in(sent: list[tuple[str, dict]]) -> list[int]:
    return [kwargs["delivery_id"] for name, kwargs in sent if name == "tracker.deliver"]


def jobs_in(sent: list[tuple[str, dict]]) -> list[int]:
    return [kwargs["job_id"] for name, kwargs in sent if name == "tracker.build_export"]


def mark(delivery: Delivery, **fields) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(**fields)


def quick_steps(job, today) -> list[Step]:
    return [Step("第一步", "1.txt", lambda: b"1"), Step("第二步", "2.txt", lambda: b"2")]


def stored_exports() -> list[str]:
    try:
        return default_storage.listdir("exports")[1]
    except FileNotFoundError:
        return []


# --- Deliveries: each rule at its time, and not before -------------------------------------------------------


def test_a_delivery_still_queued_after_five_minutes_is_queued_again(world, clock, requeued):
    delivery = a_mail(key="notice:1")  # written and committed; its message never reached the broker
    clock.shift(FIVE_MINUTES - SECOND)
    assert outbox_sweep().queued == [] and requeued == []  # its first message may still be on its way
    clock.shift(2 * SECOND)
    result = outbox_sweep()
    assert result.queued == result.requeued == [delivery.pk]
    assert requeued == [("tracker.deliver", {"delivery_id": delivery.pk})]


def test_the_back_off_doubles_from_thirty_seconds_up_to_an_hour():
    assert [retry_after(attempts) for attempts in range(MAX_ATTEMPTS + 2)] == [
        dt.timedelta(seconds=seconds) for seconds in (30, 60, 120, 240, 480, 960, 1920, 3600, 3600)]


@pytest.mark.parametrize(("attempts", "back_off"), [(1, dt.timedelta(minutes=1)), (3, dt.timedelta(minutes=4)),
                                                     (MAX_ATTEMPTS - 1, dt.timedelta(minutes=32))])
def test_a_failed_delivery_is_tried_again_once_its_back_off_has_passed(world, clock, requeued, attempts, back_off):
    delivery = a_mail(key="notice:1")
    mark(delivery, status="failed", attempts=attempts, claimed_at=timezone.now(), last_error="OSError: 421")
    clock.shift(back_off - SECOND)
    assert outbox_sweep().requeued == [] and requeued == []
    clock.shift(2 * SECOND)
    result = outbox_sweep()
    assert result.failed == [delivery.pk] and result.queued == result.sending == []
    assert deliveries_in(requeued) == [delivery.pk]


def test_a_delivery_left_sending_by_a_dead_worker_is_queued_again_once_its_claim_is_stale(world, clock, requeued):
    delivery = a_mail(key="notice:1")
    mark(delivery, status="sending", attempts=1, claimed_at=timezone.now())  # a worker is sending it, or died
    clock.shift(STALE_CLAIM - SECOND)
    assert outbox_sweep().requeued == [] and requeued == []  # as far as anyone knows, it is still being sent
    clock.shift(2 * SECOND)
    result = outbox_sweep()
    assert result.sending == [delivery.pk] and deliveries_in(requeued) == [delivery.pk]


def test_sent_deliveries_and_those_out_of_attempts_are_left_alone(world, clock, requeued):
    sent = a_mail(key="notice:sent")
    mark(sent, status="sent", attempts=1, claimed_at=timezone.now(), sent_at=timezone.now())
    spent = a_mail(key="notice:spent")
    mark(spent, status="failed", attempts=MAX_ATTEMPTS, claimed_at=timezone.now())
    clock.shift(dt.timedelta(days=3))
    result = outbox_sweep()
    assert result.requeued == result.given_up == [] and requeued == []
    assert Delivery.objects.get(pk=spent.pk).status == "failed"  # visible as failed in the admin


def test_a_days_reminder_mail_is_tried_again_on_its_day_and_left_once_the_day_is_over(world, clock, requeued):
    reminder = a_mail(key="reminder:unit:1:2025-03-03")
    notice = a_mail(key="notice:3")
    for delivery in (reminder, notice):
        mark(delivery, status="failed", attempts=1, claimed_at=timezone.now())
    clock.shift(dt.timedelta(minutes=2))
    assert outbox_sweep().failed == [reminder.pk, notice.pk]
    # The next morning (say the sweep runs only with the daily cron): the notice is tried again; yesterday's
    # reminder is not, as today's reminder mail lists what is open today.
    requeued.clear()
    clock.move_to(T0 + dt.timedelta(days=1), tick=False)
    assert outbox_sweep().failed == [notice.pk] and deliveries_in(requeued) == [notice.pk]


# --- Deliveries: given up after the last attempt -----------------------------------------------------------


def test_a_webhook_that_keeps_failing_is_given_up_after_its_last_attempt_and_the_log_says_so(
        world, eager_retries, endpoint, caplog):
    target = endpoint((503, b"down"))
    hook = webhook(target.url)
    mark(hook, status="failed", attempts=MAX_ATTEMPTS - 3, claimed_at=timezone.now() - dt.timedelta(days=1))
    with caplog.at_level(logging.WARNING, logger="tracker.outbox.services"):
        result = outbox_sweep()  # eager, with the task's own retries run at once
    assert result.failed == [hook.pk]
    hook.refresh_from_db()
    # The sweep's task and its retries tried it until it had MAX_ATTEMPTS attempts, no more.
    assert len(target.received) == 3 and hook.attempts == MAX_ATTEMPTS and hook.status == "failed"
    assert f"Delivery {hook.pk} (notice:1) failed {MAX_ATTEMPTS} times, giving up" in caplog.text
    # Given up: the sweep leaves it however long it waits, and a message for it still in the queue sends nothing.
    mark(hook, claimed_at=timezone.now() - dt.timedelta(days=7))
    assert outbox_sweep().requeued == []
    assert deliver.apply(kwargs={"delivery_id": hook.pk}).get() == services.GAVE_UP
    assert len(target.received) == 3 and Delivery.objects.get(pk=hook.pk).attempts == MAX_ATTEMPTS


def test_a_delivery_abandoned_during_its_last_attempt_is_marked_failed_and_the_log_says_so(world, clock, requeued,
                                                                                          caplog):
    delivery = a_mail(key="notice:4")
    mark(delivery, status="sending", attempts=MAX_ATTEMPTS, claimed_at=timezone.now())
    clock.shift(STALE_CLAIM + SECOND)
    with caplog.at_level(logging.WARNING, logger="tracker.outbox.services"):
        result = outbox_sweep()
    assert result.given_up == [delivery.pk] and result.requeued == [] and requeued == []
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "worker was lost during attempt 7" in delivery.last_error
    assert f"Delivery {delivery.pk} (notice:4) was abandoned during its attempt 7" in caplog.text
    assert outbox_sweep().given_up == []  # said once


# --- Export jobs -------------------------------------------------------------------------------------------


def test_an_export_job_still_queued_after_five_minutes_is_queued_again(world, staff, clock, requeued):
    job, _created = export_job_start(actor=staff, kind="institution", institution=world.institution)
    # (the test's transaction never commits: the job's own message is never sent, as with an unreachable broker)
    clock.shift(FIVE_MINUTES - SECOND)
    assert export_jobs_sweep().requeued == [] and requeued == []
    clock.shift(2 * SECOND)
    result = export_jobs_sweep()
    assert result.queued == result.requeued == [job.pk]
    assert requeued == [("tracker.build_export", {"job_id": job.pk})]


def test_an_export_job_whose_worker_died_is_queued_again_once_its_heartbeat_is_stale(world, staff, clock, requeued):
    job, _created = export_job_start(actor=staff, kind="institution", institution=world.institution)
    ExportJob.objects.filter(pk=job.pk).update(status="running", runs=1, started_at=timezone.now(),
                                               heartbeat_at=timezone.now())
    clock.shift(STALE_HEARTBEAT - SECOND)
    assert export_jobs_sweep().requeued == [] and requeued == []  # still building, as far as anyone knows
    clock.shift(2 * SECOND)
    result = export_jobs_sweep()
    assert result.running == [job.pk] and jobs_in(requeued) == [job.pk]


def test_finished_export_jobs_are_left_alone(world, staff, admin_user, clock, requeued):
    ExportJob.objects.create(requested_by=staff, kind="institution", institution=world.institution, status="done",
                             file="exports/a.zip", size=10)
    ExportJob.objects.create(requested_by=admin_user, kind="institution", institution=world.institution,
                             status="failed", error="ValueError: x")
    clock.shift(dt.timedelta(days=2))
    result = export_jobs_sweep()
    assert result.requeued == result.given_up == [] and requeued == []


def test_an_export_job_whose_workers_died_three_times_is_failed_and_the_log_says_so(world, staff, clock, requeued,
                                                                                    caplog):
    job, _created = export_job_start(actor=staff, kind="institution", institution=world.institution)
    ExportJob.objects.filter(pk=job.pk).update(status="running", runs=exports.MAX_RUNS, heartbeat_at=timezone.now())
    clock.shift(STALE_HEARTBEAT + SECOND)
    with caplog.at_level(logging.WARNING, logger="tracker.reporting.exports"):
        result = export_jobs_sweep()
    assert result.given_up == [job.pk] and result.requeued == [] and requeued == []
    job.refresh_from_db()
    assert job.status == "failed" and "lost 3 times" in job.error and job.finished_at is not None
    assert f"Export job {job.pk}: its worker was lost 3 times, giving up" in caplog.text


# --- Without a broker: the sweep runs the work at once ---------------------------------------------------------


def test_without_a_broker_the_sweep_task_sends_a_failed_mail_and_builds_a_lost_export(
        world, staff, clock, eager_queue, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(exports, "job_steps", quick_steps)
    with mock.patch.object(EmailBackend, "send_messages", side_effect=OSError("421 try again later")), \
            django_capture_on_commit_callbacks(execute=True):
        delivery = delivery_queue(key="notice:9", channel="mail", recipients=["li@cumt.example.edu.cn"],
                                  subject="整改事项已指派", body="请查看。")  # eager: tried at once, and failed
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 1 and mail.outbox == []  # eager cannot retry later
    with django_capture_on_commit_callbacks(execute=False):
        job, _created = export_job_start(actor=staff, kind="institution", institution=world.institution)  # lost
    clock.shift(FIVE_MINUTES + SECOND)
    counts = sweep_task.delay().get()
    assert counts == {"deliveries_queued": 0, "deliveries_failed": 1, "deliveries_sending": 0,
                      "deliveries_given_up": 0, "exports_queued": 1, "exports_running": 0, "exports_given_up": 0,
                      "not_queued": 0}
    delivery.refresh_from_db()
    job.refresh_from_db()
    assert [message.to for message in mail.outbox] == [["li@cumt.example.edu.cn"]]
    assert delivery.status == "sent" and delivery.attempts == 2
    assert job.status == "done" and job.runs == 1 and stored_exports() == [f"{job.token}.zip"]
    assert sweep_task.delay().get() == dict.fromkeys(counts, 0)  # nothing left waiting
    assert len(mail.outbox) == 1


def test_without_a_broker_one_delivery_failing_again_does_not_stop_the_others(world, clock, eager_queue):
    first, second = a_mail(key="notice:1"), a_mail(key="notice:2")
    for delivery in (first, second):
        mark(delivery, status="failed", attempts=1, claimed_at=timezone.now())
    clock.shift(dt.timedelta(minutes=2))
    with mock.patch.object(EmailBackend, "send_messages", side_effect=OSError("421 try again later")):
        result = outbox_sweep()
    assert result.failed == [first.pk, second.pk] and result.not_queued == 0
    assert list(Delivery.objects.order_by("pk").values_list("attempts", flat=True)) == [2, 2]  # both tried


# --- A broker that cannot be reached, then comes back ---------------------------------------------------------


def test_while_the_broker_is_unreachable_the_sweep_stops_at_the_first_refusal_and_queues_all_once_it_is_back(
        world, caplog, django_capture_on_commit_callbacks):
    # (time runs here: kombu's connection retries wait on the clock)
    with celery_conf(**UNREACHABLE), django_capture_on_commit_callbacks(execute=True):
        first = delivery_queue(key="notice:1", channel="mail", recipients=["li@cumt.example.edu.cn"], subject="一")
    assert Delivery.objects.get().status == "queued"  # committed, and no message
    second = a_mail(key="notice:2")  # another one whose queuing failed
    Delivery.objects.update(created_at=timezone.now() - FIVE_MINUTES - SECOND)
    with celery_conf(**UNREACHABLE), caplog.at_level(logging.WARNING), \
            mock.patch.object(queue, "signature", wraps=queue.signature) as asked:
        result = outbox_sweep()
    assert result.queued == [first.pk, second.pk] and result.not_queued == 2
    assert asked.call_count == 1  # the broker is asked once, not once per delivery
    assert "did not take 2 of 2 delivery(ies)" in caplog.text
    from kombu.transport.memory import Channel

    with celery_conf(task_always_eager=False, broker_url="memory://") as configured:  # the broker is back
        result = outbox_sweep()
        with configured.connection_for_read() as conn:
            waiting = conn.default_channel.queue_declare("celery", passive=True).message_count
    Channel.queues.clear()
    assert result.queued == [first.pk, second.pk] and result.not_queued == 0 and waiting == 2
    assert mail.outbox == []  # no worker in this test: the messages wait in the broker


# --- The sweep and the original message both run -------------------------------------------------------------


def wait_for(condition, seconds: float = 60) -> bool:
    """Poll until `condition()` holds (the worker runs in a thread of its own); False if it never does."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)  # the worker in another thread reads what was committed
def test_the_sweep_and_the_original_message_both_run_and_send_once_and_build_once(world, staff, memory_broker,
                                                                                   monkeypatch):
    from celery.contrib.testing.worker import start_worker

    monkeypatch.setattr(exports, "job_steps", quick_steps)
    # Both queued, their messages in the broker; the worker is slow to come, so the sweep finds them still queued.
    delivery = delivery_queue(key="notice:5", channel="mail", recipients=["li@cumt.example.edu.cn"],
                              subject="整改事项已指派", body="请查看。")
    job, _created = export_job_start(actor=staff, kind="institution", institution=world.institution)
    with travel(timezone.now() + FIVE_MINUTES + SECOND, tick=False):
        result = sweep()
    assert result.deliveries.queued == [delivery.pk] and result.exports.queued == [job.pk]
    with memory_broker.connection_for_read() as conn:
        assert conn.default_channel.queue_declare("celery", passive=True).message_count == 4  # two of each
    ran: list[tuple[str, str]] = []

    def record(sender=None, retval=None, **kwargs):
        ran.append((sender.name, retval))

    task_postrun.connect(record, weak=False)
    try:
        with start_worker(memory_broker, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            assert wait_for(lambda: len(ran) == 4)
    finally:
        task_postrun.disconnect(record)
    assert sorted(ran) == [("tracker.build_export", exports.BUILT), ("tracker.build_export", exports.SKIPPED),
                           ("tracker.deliver", services.ALREADY), ("tracker.deliver", services.SENT)]
    delivery.refresh_from_db()
    job.refresh_from_db()
    assert len(mail.outbox) == 1 and delivery.status == "sent" and delivery.attempts == 1  # one send
    assert job.status == "done" and job.runs == 1 and stored_exports() == [f"{job.token}.zip"]  # one file


# --- Scheduled: the beat, and cron where there is no beat -----------------------------------------------------


def test_the_beat_sweeps_every_ten_minutes_with_a_registered_task():
    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "tracker.sweep"]
    assert len(entries) == 1 and entries[0]["schedule"] == crontab(minute="*/10")
    assert entries[0]["schedule"].minute == {0, 10, 20, 30, 40, 50}
    assert "tracker.sweep" in {entry["task"] for entry in app.conf.beat_schedule.values()}  # the beat reads it
    queue._load_tasks()
    registered = app.tasks["tracker.sweep"]  # what a worker runs for the beat's message: the task of tracker/tasks.py
    assert registered.__module__ == "tracker.tasks" and registered.run.__name__ == "sweep"


def test_manage_py_sweep_sends_what_waits_and_says_so(world, clock, eager_queue):
    a_mail(key="notice:1")  # queued; its message was lost
    clock.shift(FIVE_MINUTES + SECOND)
    output = StringIO()
    call_command("sweep", stdout=output)
    assert output.getvalue().startswith("Queued again: 1 delivery(ies) (1 waiting, 0 failed, 0 abandoned) and 0 "
                                        "export job(s)")
    assert len(mail.outbox) == 1 and Delivery.objects.get().status == "sent"
    output = StringIO()
    call_command("sweep", stdout=output)  # cron ten minutes later
    assert output.getvalue().startswith("Queued again: 0 delivery(ies)") and len(mail.outbox) == 1


def test_send_reminders_sweeps_first_and_a_dry_run_does_not(world, clock, eager_queue):
    notice = a_mail(key="notice:1", recipients=["zhao@cumt.example.edu.cn"])
    mark(notice, status="failed", attempts=1, claimed_at=timezone.now())
    clock.shift(dt.timedelta(days=1))  # the next morning's cron
    output = StringIO()
    call_command("send_reminders", "--dry-run", stdout=output)
    assert "Queued again" not in output.getvalue() and Delivery.objects.get(pk=notice.pk).status == "failed"
    output = StringIO()
    call_command("send_reminders", stdout=output)
    assert output.getvalue().startswith("Queued again: 1 delivery(ies) (0 waiting, 1 failed, 0 abandoned)")
    assert [message.to for message in mail.outbox if "zhao@cumt.example.edu.cn" in message.to] == [
        ["zhao@cumt.example.edu.cn"]]
    assert Delivery.objects.get(pk=notice.pk).status == "sent"
