"""The task queue's tasks (Celery; found by `app.autodiscover_tasks()` in youthwork/celery.py).

Each task is a thin wrapper around a service, named explicitly so that the beat schedule (settings:
CELERY_BEAT_SCHEDULE), `manage.py send_reminders --queue`, the packages (tracker/org/queue.py queues by name) and the
multi-server harness can name it. Every task may run twice (acks_late: a worker lost half-way leaves its task for
the next) without doing its work twice: the daily digest is claimed per unit and day (its mails keyed per person
and day, issue 15), a delivery is claimed before it is sent, an export job before it is built.

    tracker.send_reminders  day: "YYYY-MM-DD" or None (today), days: int     the daily digest: a mail per person,
                                                                             a post per group robot (issue 15)
    tracker.deliver         delivery_id: int                                 one outbound mail or webhook, retried
    tracker.backup          folder: str or None, keep_days: int or None       the nightly backup, old ones pruned
    tracker.build_export    job_id: int                                      one export job's .zip
    tracker.notify          event: str                                       an event's notification mails, robot posts
                                                                             (issue 15)
    tracker.sweep           (none)                                           queues again what waits for ever
                                                                             (issue 18, the sweeper)
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from tracker.ops.scheduled import nightly_backup
from tracker.ops.sweep import sweep as queue_sweep
from tracker.outbox.services import MAX_ATTEMPTS, DeliveryFailed, delivery_send
from tracker.reporting import exports, mailing, reminders

logger = logging.getLogger(__name__)


class RemindersNotAllSent(Exception):
    """Some reminder mails of the day could not be sent; the task runs again later and sends only those."""


@shared_task(name="tracker.send_reminders", bind=True, max_retries=3)
def send_reminders(self, day: str | None = None, days: int = reminders.MAIL_DAYS) -> dict[str, int]:
    """The day's digests (`manage.py send_reminders` sends the same). A mail that failed is sent by a retry
    of the same day's run (5, 10, 20 minutes later); what went out is never sent again."""
    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    run = mailing.reminders_send(day=today, days=days)
    counts = {"sent": run.sent, "already": run.already, "failed": run.failed,
              "without_address": len(run.units_without_address) + len(run.summaries_without_address),
              "posts": run.posted}  # issue 15: robot posts queued (each sent by its own tracker.deliver task)
    logger.info("Reminder mails for %s: %s", today, counts)
    if run.failed:
        error = RemindersNotAllSent(f"{run.failed} reminder mail(s) for {today} could not be sent")
        raise self.retry(kwargs={"day": today.isoformat(), "days": days}, exc=error,
                         countdown=300 * 2 ** self.request.retries)
    return counts


@shared_task(name="tracker.deliver", autoretry_for=(DeliveryFailed,), retry_backoff=30, retry_backoff_max=3600,
             retry_jitter=True, max_retries=MAX_ATTEMPTS - 1)
def deliver(delivery_id: int) -> str:
    """Send one delivery; a failure is retried with back-off (30 s, 1, 2, 4 … minutes, at most an hour apart), and
    by the sweep after that, until it has been tried MAX_ATTEMPTS times in all (then it stays failed)."""
    return delivery_send(delivery_id=delivery_id, max_attempts=MAX_ATTEMPTS)


@shared_task(name="tracker.backup")
def backup(folder: str | None = None, keep_days: int | None = None) -> str:
    """The nightly backup into `folder` (default PORTAL_BACKUP_DIR), keeping `keep_days` days of them."""
    result = nightly_backup(folder=Path(folder or settings.PORTAL_BACKUP_DIR),
                            keep_days=settings.PORTAL_BACKUP_KEEP_DAYS if keep_days is None else keep_days)
    logger.info("Backup written: %s (%d old ones deleted)", result.backup.path, len(result.deleted))
    return str(result.backup.path)


@shared_task(name="tracker.build_export")
def build_export(job_id: int) -> str:
    """Build one export job's file (a second delivery of the task finds the job taken or done, and does nothing)."""
    return exports.export_job_run(job_id=job_id)


# issue 18, the sweeper
@shared_task(name="tracker.sweep")
def sweep() -> dict[str, int]:
    """Queue again the deliveries and export jobs whose queuing was lost, that failed and are due another attempt,
    or whose worker died (tracker/ops/sweep.py); the beat runs it every 10 minutes."""
    result = queue_sweep()
    counts = result.counts()
    if any(counts.values()):
        logger.info("Sweep: %s", counts)
    return counts


# issue 15, notifications
@shared_task(name="tracker.notify")
def notify(event: str) -> dict[str, int]:
    """Send one event's notifications by e-mail and to the group robots (each delivery once, however often run)."""
    from tracker.notifications.services import notify_send

    sent = notify_send(event=event)
    return {"mails": sent.mails, "posts": sent.posts, "withheld": sent.withheld}
