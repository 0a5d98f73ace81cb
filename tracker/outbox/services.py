"""Writing and sending deliveries: each message once, however many times it is asked for or its task is run.

- `delivery_create` writes the delivery under its key, or returns the one already there (a message not yet sent
  takes the newer text); `delivery_queue` also queues the `tracker.deliver` task once the transaction commits.
- `delivery_send` claims it (queued or failed → sending, one conditional UPDATE; a claim older than
  `STALE_CLAIM` counts as abandoned by a worker that died), sends it, and marks it sent or failed. A delivery
  already sent, or being sent by someone else right now, is left alone: `ALREADY`.
- A failed send raises `DeliveryFailed`, after recording the error and the attempt: the task retries it with
  back-off (tracker/tasks.py); the portal's own action that caused the message was committed before and stays.

Mail goes through Django's mail settings (`EMAIL_URL`). A webhook is an HTTPS POST of the payload as JSON with a
short timeout; an answer other than 2xx, or a JSON answer whose `errcode` is not 0 (企业微信 and 钉钉 robots answer
200 with `{"errcode": …}`), is a failure. Redirects are not followed.

(issue 18, the sweeper) `outbox_sweep` (run every 10 minutes by `tracker.sweep`, and by `manage.py sweep` and
`send_reminders` where there is no beat) queues `tracker.deliver` again for what would otherwise wait for ever: a
delivery still queued `QUEUED_LOST_AFTER` after it was written (its message may never have reached the broker), one
that failed and has attempts left once it has rested for its back-off (`retry_after`: without a broker a task is
not retried later by Celery), and one whose claim is stale (its worker died). The claim above makes it safe to
sweep at any time: a delivery swept while its first message is on its way is sent by whichever runs first, once.
After `MAX_ATTEMPTS` attempts a delivery is left failed (Administration → 外发消息), and the log says so.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from tracker.org.models import Institution
from tracker.org.queue import QUEUED_LOST_AFTER, queue_after_commit, queue_each
from tracker.outbox import robots
from tracker.outbox.models import Delivery

logger = logging.getLogger(__name__)
Status = Delivery.Status
STALE_CLAIM = dt.timedelta(minutes=10)  # far longer than a send may take (the webhook timeout is seconds)
ERROR_LENGTH = 2000

# (issue 18, the sweeper) The first try and the `tracker.deliver` task's 6 retries; then the delivery stays failed.
MAX_ATTEMPTS = 7
RETRY_FIRST = dt.timedelta(seconds=30)  # the sweep's back-off: 30 s × 2^attempts, at most an hour
RETRY_LONGEST = dt.timedelta(hours=1)
# Keys of a message about one day (the daily reminder mail, tracker/reporting/mailing.py: its own runs retry it):
# the sweep leaves them once their day is over, as a day's reminder sent late would arrive beside the next day's.
DAILY_KEYS = ("reminder:",)

# What became of a send.
SENT = "sent"
ALREADY = "already"  # sent before, or being sent by another worker now
GAVE_UP = "gave up"  # (issue 18, the sweeper) failed `max_attempts` times: not tried again


class DeliveryFailed(Exception):
    """A delivery could not be sent this time; the delivery records the error, the task queue retries it."""


def delivery_create(*, key: str, channel: str, institution: Institution | None = None,
                    recipients: Sequence[str] = (), url: str = "", subject: str = "", body: str = "",
                    payload: Any = None, webhook=None) -> Delivery:
    """The delivery under `key`: new, or the one written before (a message not sent yet takes this text).
    `webhook` (issue 15): the group robot posted to, whose address is checked and signed at each attempt."""
    fields = {"channel": channel, "institution": institution, "recipients": "\n".join(recipients), "url": url,
              "subject": subject[:300], "body": body, "payload": payload, "webhook": webhook}
    if not key or len(key) > Delivery._meta.get_field("key").max_length:
        raise ValueError(f"not a delivery key: {key!r}")
    delivery = Delivery(key=key, **fields)
    delivery.full_clean(exclude=["key"], validate_unique=False)  # the key's uniqueness: the insert below
    try:
        with transaction.atomic():
            delivery.save(force_insert=True)
        return delivery
    except IntegrityError:  # tracker_delivery_unique_key: asked for before
        pass
    Delivery.objects.filter(key=key, status__in=[Status.QUEUED, Status.FAILED]).update(**fields)
    return Delivery.objects.get(key=key)


def delivery_queue(**fields: Any) -> Delivery:
    """`delivery_create`, then queue `tracker.deliver` for it when the transaction commits (unless it was sent)."""
    delivery = delivery_create(**fields)
    if delivery.status != Status.SENT:
        queue_after_commit("tracker.deliver", delivery_id=delivery.pk)
    return delivery


def _claim(delivery_id: int, max_attempts: int | None = None) -> dt.datetime | None:
    """Take the delivery for this attempt: the claim's time, or None if it is sent or being sent by another (or,
    given `max_attempts`, has been tried that many times)."""
    now = timezone.now()
    again = Q(status=Status.FAILED) | Q(status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
    if max_attempts is not None:
        again &= Q(attempts__lt=max_attempts)
    claimable = Q(status=Status.QUEUED) | again
    taken = Delivery.objects.filter(claimable, pk=delivery_id).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    return now if taken else None


def delivery_send(*, delivery_id: int, connection=None, max_attempts: int | None = None) -> str:
    """Send the delivery once: SENT, or ALREADY if it was sent (or is being sent) by someone else. Raises
    `DeliveryFailed` when this attempt failed (the delivery is then `failed`, with the error, until retried).
    With `max_attempts` (the task queue's sends) a delivery that failed that many times is left failed: GAVE_UP."""
    claimed_at = _claim(delivery_id, max_attempts)
    if claimed_at is None:
        if max_attempts is not None and Delivery.objects.filter(pk=delivery_id, status=Status.FAILED,
                                                                attempts__gte=max_attempts).exists():
            return GAVE_UP
        return ALREADY
    delivery = Delivery.objects.get(pk=delivery_id)
    mine = Delivery.objects.filter(pk=delivery_id, status=Status.SENDING, claimed_at=claimed_at)
    try:
        if delivery.channel == Delivery.Channel.MAIL:
            _send_mail(delivery, connection)
        else:
            _post_webhook(delivery)
    except Exception as error:  # noqa: BLE001 - SMTP, socket, HTTP errors alike: recorded, then retried
        message = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
        mine.update(status=Status.FAILED, last_error=message)
        if delivery.attempts >= MAX_ATTEMPTS:  # issue 18, the sweeper: no more automatic attempts
            logger.error("Delivery %s (%s) failed %d times, giving up: it stays failed (Administration → 外发消息). "
                         "Last error: %s", delivery.pk, delivery.key, delivery.attempts, message)
        raise DeliveryFailed(message) from error
    mine.update(status=Status.SENT, sent_at=timezone.now(), last_error="")
    return SENT


def _send_mail(delivery: Delivery, connection) -> None:
    EmailMessage(delivery.subject, delivery.body, None, delivery.recipient_list, connection=connection).send()


def _post_webhook(delivery: Delivery) -> None:
    content = json.dumps(delivery.payload if delivery.payload is not None else {"text": delivery.body},
                         ensure_ascii=False).encode()
    url = delivery.url
    if delivery.webhook_id is not None:  # issue 15: a group robot's address, checked again and signed now
        hook = delivery.webhook
        if not hook.active:  # switched off after the message was written (its unsent ones are closed then)
            raise DeliveryFailed("The group robot is switched off.")
        robots.check_url(hook.kind, hook.url)
        url = robots.signed_url(hook.kind, hook.url, hook.secret)
    try:
        response = requests.post(url, data=content, timeout=settings.OUTBOX_WEBHOOK_TIMEOUT, allow_redirects=False,
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    except requests.RequestException as error:  # its message names the address: never the robot's key (issue 15)
        raise DeliveryFailed(robots.redact(f"{type(error).__name__}: {error}", url)) from None
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:200]}")
    try:
        answer = response.json()
    except ValueError:
        return  # a plain 2xx answer is a success
    if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, "0"):
        raise DeliveryFailed(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:200])


# --- issue 18, the sweeper ------------------------------------------------------------------------------------


@dataclass
class OutboxSweep:
    """What one sweep of the deliveries found (their ids, oldest first) and did."""

    queued: list[int] = field(default_factory=list)  # still queued QUEUED_LOST_AFTER on: the message may be lost
    failed: list[int] = field(default_factory=list)  # failed, with attempts left, rested for their back-off
    sending: list[int] = field(default_factory=list)  # claimed longer ago than STALE_CLAIM: the worker died
    given_up: list[int] = field(default_factory=list)  # abandoned during their last attempt: now failed for good
    not_queued: int = 0  # of those to queue again, how many the broker did not take (the next sweep tries again)

    @property
    def requeued(self) -> list[int]:
        return self.queued + self.failed + self.sending


def retry_after(attempts: int) -> dt.timedelta:
    """How long a delivery that failed its `attempts`-th attempt rests before the sweep tries it again."""
    return min(RETRY_FIRST * 2**attempts, RETRY_LONGEST)


def _retry_due(now: dt.datetime) -> Q:
    """Failed, with attempts left, and the last attempt older than the back-off for that many attempts."""
    due = Q()
    for attempts in range(MAX_ATTEMPTS):
        due |= Q(attempts=attempts, claimed_at__lt=now - retry_after(attempts))
    return Q(status=Status.FAILED) & due


def _day_over(now: dt.datetime) -> Q:
    """The messages about one day (DAILY_KEYS) written before today, in the portal's time zone."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    daily = Q()
    for prefix in DAILY_KEYS:
        daily |= Q(key__startswith=prefix)
    return daily & Q(created_at__lt=today)


def outbox_sweep() -> OutboxSweep:
    """Queue `tracker.deliver` again for each delivery that would otherwise wait for ever (see the module); mark
    failed the ones abandoned during their last attempt. Safe at any time, beside any number of workers."""
    now = timezone.now()
    result = OutboxSweep()
    deliveries = Delivery.objects.exclude(_day_over(now)).order_by("created_at", "id")
    ids = deliveries.values_list("pk", flat=True)
    result.queued = list(ids.filter(status=Status.QUEUED, created_at__lt=now - QUEUED_LOST_AFTER))
    result.failed = list(ids.filter(_retry_due(now)))
    stale = deliveries.filter(status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
    result.sending = list(stale.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True))
    for delivery in stale.filter(attempts__gte=MAX_ATTEMPTS).only("pk", "key", "attempts", "claimed_at"):
        message = f"The worker was lost during attempt {delivery.attempts}; no more attempts."
        if Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING, claimed_at=delivery.claimed_at).update(
                status=Status.FAILED, last_error=message):
            result.given_up.append(delivery.pk)
            logger.error("Delivery %s (%s) was abandoned during its attempt %d, giving up: it stays failed "
                         "(Administration → 外发消息).", delivery.pk, delivery.key, delivery.attempts)
    again = result.requeued
    result.not_queued = len(again) - queue_each("tracker.deliver", [{"delivery_id": pk} for pk in again])
    if result.not_queued:
        logger.warning("Sweep: the task queue did not take %d of %d delivery(ies) to queue again; the next sweep "
                       "tries again", result.not_queued, len(again))
    elif again:
        logger.info("Sweep: queued %d delivery(ies) again (%d queued, %d failed, %d sending)", len(again),
                    len(result.queued), len(result.failed), len(result.sending))
    return result
