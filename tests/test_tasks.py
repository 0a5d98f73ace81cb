"""The task queue's tasks (tracker/tasks.py, issue 18): their names, the beat's schedule, queuing after commit, and
the daily reminder mail and the nightly backup run as tasks. Deliveries: tests/test_deliveries.py; export jobs:
tests/test_exports.py."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction

from tracker.org import queue
from tracker.outbox.models import Delivery
from tracker.reporting.models import ReminderClaim
from tracker.tasks import backup, send_reminders
from youthwork.celery import app

from . import queue_helpers, test_reminders
from .queue_helpers import celery_conf

pytestmark = pytest.mark.django_db

# The task queue's fixtures (tests/queue_helpers.py)
eager_queue = queue_helpers.eager_queue
eager_retries = queue_helpers.eager_retries
addresses = test_reminders.addresses  # the reminder tests' fixture: who has an address
mail_to = test_reminders.mail_to

DAY = "2022-01-02"  # the world's college and school tasks are due 2021-12-31: overdue on that day
TASKS = {"tracker.send_reminders", "tracker.deliver", "tracker.backup", "tracker.build_export"}
TASKS |= {"tracker.sweep"}  # issue 18, the sweeper (tests/test_sweep.py)


def mails() -> list[tuple]:
    return sorted((tuple(message.to), message.subject, message.body) for message in mail.outbox)


# --- Names and schedule ---------------------------------------------------------------------------


def test_the_tasks_are_registered_under_their_names():
    queue._load_tasks()
    assert TASKS <= set(app.tasks)


def test_the_beat_sends_the_reminders_at_seven_thirty_and_backs_up_at_two_thirty():
    schedule = settings.CELERY_BEAT_SCHEDULE
    by_task = {entry["task"]: entry for entry in schedule.values()}
    # issue 18, the sweeper: and tracker.sweep every 10 minutes (tests/test_sweep.py)
    assert set(by_task) == {"tracker.send_reminders", "tracker.backup", "tracker.sweep"} and set(by_task) <= TASKS
    assert by_task["tracker.send_reminders"]["schedule"] == crontab(hour=7, minute=30)
    assert by_task["tracker.backup"]["schedule"] == crontab(hour=2, minute=30)
    assert app.conf.timezone == "Asia/Shanghai"  # the beat's clock is the portal's


# --- Queued when the transaction commits ----------------------------------------------------------------


def test_a_task_is_queued_when_the_transaction_commits_and_not_if_it_rolls_back(world, eager_queue,
                                                                                django_capture_on_commit_callbacks):
    sent = []
    with mock.patch.object(queue, "signature", side_effect=lambda name, kwargs: sent.append((name, kwargs)) or
                           mock.Mock()):
        with django_capture_on_commit_callbacks(execute=True) as committed:
            with transaction.atomic():
                queue.queue_after_commit("tracker.deliver", delivery_id=1)
            try:
                with transaction.atomic():
                    queue.queue_after_commit("tracker.deliver", delivery_id=2)
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
    assert len(committed) == 1 and sent == [("tracker.deliver", {"delivery_id": 1})]


def test_a_broker_that_cannot_be_reached_is_logged_and_does_not_fail_the_caller(world, caplog):
    with celery_conf(task_always_eager=False, broker_url="redis://127.0.0.1:9/0",
                     broker_connection_timeout=0.5, broker_connection_max_retries=0,
                     task_publish_retry=False), caplog.at_level(logging.WARNING, logger="tracker.org.queue"):
        assert queue.queue_now("tracker.build_export", job_id=1) is False
    assert "Could not queue or run the task tracker.build_export" in caplog.text


# --- The daily reminder mail ------------------------------------------------------------------------------


def test_the_reminder_task_sends_the_same_mails_as_the_command(world, addresses, eager_queue):
    call_command("send_reminders", "--date", DAY, stdout=StringIO())
    by_command = mails()
    assert len(by_command) == 3  # the college's digest to its address and its secretary, 中国矿业大学's staff summary
    ReminderClaim.objects.all().delete()
    Delivery.objects.all().delete()
    mail.outbox.clear()
    counts = send_reminders.delay(day=DAY, days=7).get()
    assert mails() == by_command
    assert counts == {"sent": 3, "already": 0, "failed": 0, "without_address": 3, "posts": 0}


def test_the_reminder_task_run_twice_sends_each_mail_once(world, addresses, eager_queue, secretary, staff):
    send_reminders.delay(day=DAY).get()
    first = mails()
    assert send_reminders.delay(day=DAY).get()["already"] == 3  # e.g. run again after a timeout
    assert mails() == first and len(first) == 3
    keys = sorted(Delivery.objects.values_list("key", "status", "attempts"))
    # issue 15: a digest per person and day (the secretary's, the staff member's), and the college's own address.
    assert keys == sorted([(f"reminder:person:{secretary.pk}:{DAY}", "sent", 1),
                           (f"reminder:person:{staff.pk}:{DAY}", "sent", 1),
                           (f"reminder:unit:{world.college.pk}:{DAY}", "sent", 1)])


def test_the_command_run_after_the_task_sends_nothing_again(world, addresses, eager_queue):
    send_reminders.delay(day=DAY).get()
    output = StringIO()
    call_command("send_reminders", "--date", DAY, stdout=output)
    assert len(mail.outbox) == 3 and "Sent 0 mail(s)" in output.getvalue()


def test_a_mail_that_failed_is_sent_by_the_tasks_retry_and_nothing_twice(world, addresses, eager_retries):
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages
    refused = []

    def refuse_the_college_once(self, messages):
        if not refused and any("jidian@cumt.example.edu.cn" in message.to for message in messages):
            refused.append(True)
            raise OSError("451 try again later")
        return original(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", refuse_the_college_once):
        result = send_reminders.delay(day=DAY)  # eager: the retry runs at once
    # The retry: the college's address (refused once), sent now; the secretary's and the staff's went the first time.
    assert result.successful() and result.get() == {"sent": 1, "already": 2, "failed": 0, "without_address": 3,
                                                    "posts": 0}
    assert refused and len(mail_to("jidian@cumt.example.edu.cn")) == 1 and len(mail_to("wang@cumt.example.edu.cn")) == 1
    college = Delivery.objects.get(key=f"reminder:unit:{world.college.pk}:{DAY}")
    assert college.status == "sent" and college.attempts == 2 and ReminderClaim.objects.count() == 2


def test_send_reminders_queue_queues_the_task(world, addresses, eager_queue):
    output = StringIO()
    call_command("send_reminders", "--date", DAY, "--days", "3", "--queue", stdout=output)
    assert "Queued the reminder mails for 2022-01-02 (looking 3 days ahead)." in output.getvalue()
    assert len(mail.outbox) == 3  # eager, as without a broker: the task ran at once
    with pytest.raises(CommandError):
        call_command("send_reminders", "--queue", "--dry-run", stdout=StringIO())


def test_send_reminders_queue_waits_for_a_worker_when_there_is_a_broker(world, addresses):
    from kombu.transport.memory import Channel

    with celery_conf(task_always_eager=False, broker_url="memory://") as configured:
        call_command("send_reminders", "--date", DAY, "--queue", stdout=StringIO())
        with configured.connection_for_read() as conn:
            assert conn.default_channel.queue_declare("celery", passive=True).message_count == 1
    Channel.queues.clear()
    assert mail.outbox == []


# --- The nightly backup ----------------------------------------------------------------------------------


def test_the_backup_task_writes_a_backup_and_deletes_those_past_the_days_kept(world, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    old = folder / "youthwork-backup-20200101-023000.tar.gz"
    recent = folder / "youthwork-backup-20211230-023000.tar.gz"
    other = folder / "notes.txt"
    for path in (old, recent, other):
        path.write_bytes(b"x")
    month_ago = time.time() - 31 * 24 * 3600
    os.utime(old, (month_ago, month_ago))
    os.utime(other, (month_ago, month_ago))
    written = Path(backup.apply(kwargs={"folder": str(folder), "keep_days": 30}).get())
    assert written.parent == folder and written.name.startswith("youthwork-backup-") and written.stat().st_size > 0
    assert sorted(path.name for path in folder.iterdir()) == sorted([written.name, recent.name, other.name])


def test_the_backup_task_writes_into_the_configured_folder_by_default(world, tmp_path, settings):
    settings.PORTAL_BACKUP_DIR = tmp_path / "nightly"
    settings.PORTAL_BACKUP_KEEP_DAYS = 0  # keep every one
    first = Path(backup.apply().get())
    second = Path(backup.apply().get())
    assert first.parent == second.parent == tmp_path / "nightly" and first != second
    assert first.exists() and second.exists()


def test_reminder_day_is_counted_in_the_portals_time_zone(world, addresses, eager_queue):
    import time_machine

    # 2022-01-01 23:30 UTC is 2022-01-02 07:30 in Shanghai: the beat's run counts from the 2nd.
    with time_machine.travel(dt.datetime(2022, 1, 1, 23, 30, tzinfo=dt.UTC), tick=False):
        send_reminders.delay().get()
    assert ReminderClaim.objects.filter(day=dt.date(2022, 1, 2)).count() == 2
