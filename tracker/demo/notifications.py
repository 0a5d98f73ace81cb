"""The demo's notifications, dated by what caused them (issue 15).

The demo writes years of past work through the services in one run, and each change tells its people at once, so
every notification would carry the moment of the seed and a 2020 progress report would sit above the self-assessment
returned today. Here a notification of recorded progress, of a dated opinion or of a round long closed takes the day
the work was done (a closed round's: its deadline), and whatever is older than `READ_AFTER_DAYS` is marked read: the
demo secretary's bell counts what is new for her. A second run changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tracker.assessments.models.assessments import AssessmentRound, ReviewOpinion
from tracker.notifications.models import Notification
from tracker.plans.models import TaskUpdate

READ_AFTER_DAYS = 14


def _when(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def _event_days(notifications: list[Notification]) -> dict[str, dt.date]:
    """The day each dated event happened: `task:<t>:update:<u>`, `opinion:<o>`, and `round:<r>:opened` of a round
    whose deadline has passed (it opened before it; a round has no opening day of its own)."""
    updates, opinions, rounds = {}, {}, {}
    for notification in notifications:
        parts = notification.event.split(":")
        if len(parts) == 4 and parts[0] == "task" and parts[2] == "update" and parts[3].isdigit():
            updates[notification.event] = int(parts[3])
        elif len(parts) == 2 and parts[0] == "opinion" and parts[1].isdigit():
            opinions[notification.event] = int(parts[1])
        elif len(parts) == 3 and parts[0] == "round" and parts[2] == "opened" and parts[1].isdigit():
            rounds[notification.event] = int(parts[1])
    update_days = dict(TaskUpdate.objects.filter(pk__in=set(updates.values())).values_list("pk", "date"))
    opinion_days = dict(ReviewOpinion.objects.filter(pk__in=set(opinions.values())).values_list("pk", "occurred_on"))
    today = timezone.localdate()
    round_days = dict(AssessmentRound.objects.filter(pk__in=set(rounds.values()), due_on__lt=today)
                      .values_list("pk", "due_on"))
    days = {event: update_days[pk] for event, pk in updates.items() if pk in update_days}
    days.update({event: round_days[pk] for event, pk in rounds.items() if pk in round_days})
    days.update({event: opinion_days[pk] for event, pk in opinions.items() if pk in opinion_days})
    return days


def settle_demo_notifications() -> int:
    """Date the demo's notifications by their events and mark the old ones read; the number changed."""
    now = timezone.now()
    notifications = list(Notification.objects.filter(read_at__isnull=True))
    days = _event_days(notifications)
    changed = []
    for notification in notifications:
        day = days.get(notification.event)
        dated = day is not None and _when(day) < notification.created_at
        if dated:
            notification.created_at = _when(day)
        old = notification.created_at < now - dt.timedelta(days=READ_AFTER_DAYS)
        if old:
            notification.read_at = now
        if dated or old:
            changed.append(notification)
    Notification.objects.bulk_update(changed, ["created_at", "read_at"], batch_size=500)
    return len(changed)
