"""Telling people (issue 15): a notification per person and event, in the portal at once, then by e-mail and the
group robots of their institution once the change that caused it has committed.

`notify()` is called by the services that make the change (an assessment returned, a rectification assigned …),
inside their transaction: the notifications are rows of that transaction, so they exist exactly when the change
does. The person who made the change is not told of it. When the transaction commits, the `tracker.notify` task is
queued for the event (run at once in-process without a broker): `notify_send(event)` sends each person's mail (if
they have an address and have not switched that kind off) and one post to each robot concerned, each as a
delivery of tracker/outbox (sent once, retried with back-off, failures logged and shown on the delivery log). Before
sending, each person is checked again: someone who has since left the unit or the institution, or whose account
was closed, is not sent it.

Routing to robots: a person of the unit the record belongs to (its secretary or liaison) is told in that unit's
group; anyone else (committee staff, leaders) in the committee's group (a robot with no unit).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tracker.notifications import webhooks
from tracker.notifications.models import MAIL_KIND_VALUES, MailChoice, Notification, Webhook
from tracker.org.models import Profile
from tracker.org.queue import queue_after_commit
from tracker.outbox import robots
from tracker.outbox.models import Delivery
from tracker.outbox.services import delivery_queue

logger = logging.getLogger(__name__)
Kind = Notification.Kind
UNIT_ROLES = (Profile.Role.SECRETARY, Profile.Role.LIAISON)
INSTITUTION_ROLES = (Profile.Role.STAFF, Profile.Role.LEADER, Profile.Role.ADMIN)


# --- Who is told --------------------------------------------------------------------------------------------


def unit_people(unit_id: int | None) -> list[AbstractBaseUser]:
    """The active secretaries and liaisons of a unit."""
    if unit_id is None:
        return []
    return list(get_user_model().objects.filter(is_active=True, profile__unit_id=unit_id,
                                                profile__role__in=UNIT_ROLES))


def committee_staff(institution_id: int) -> list[AbstractBaseUser]:
    """The active committee staff of an institution."""
    return list(get_user_model().objects.filter(is_active=True, profile__institution_id=institution_id,
                                                profile__role=Profile.Role.STAFF))


def may_receive(notification: Notification, profile: Profile | None, active: bool = True) -> bool:
    """Whether the person may still see what the notification is about: an active account, of the institution for
    committee staff and leaders, of the very unit for a secretary or liaison."""
    if not active or profile is None:
        return False
    if profile.role == Profile.Role.ADMIN:
        return True
    if profile.institution_id != notification.institution_id:
        return False
    if profile.role in UNIT_ROLES:
        return notification.unit_id is not None and profile.unit_id == notification.unit_id
    return profile.role in INSTITUTION_ROLES


# --- Telling them -------------------------------------------------------------------------------------------


def notify(*, kind: str, event: str, recipients: Iterable[AbstractBaseUser], institution_id: int,
           unit_id: int | None, title: str, path: str, body: str = "",
           actor: AbstractBaseUser | None = None) -> int:
    """One notification per recipient (but not the actor) for `event`, sent out once the transaction commits.
    How many people were told (a person told of this event before is not told again)."""
    return _write([(user, unit_id) for user in recipients], kind=kind, event=event, institution_id=institution_id,
                  title=title, path=path, body=body, actor=actor)


def notify_unit_people(*, kind: str, event: str, unit_ids: Iterable[int], institution_id: int, title: str,
                       path: str, body: str = "", actor: AbstractBaseUser | None = None) -> int:
    """`notify` for the secretaries and liaisons of several units at once (one query), each told as of their unit."""
    people = get_user_model().objects.filter(is_active=True, profile__unit_id__in=list(unit_ids),
                                             profile__role__in=UNIT_ROLES).select_related("profile")
    return _write([(user, user.profile.unit_id) for user in people], kind=kind, event=event,
                  institution_id=institution_id, title=title, path=path, body=body, actor=actor)


def _write(recipients: list[tuple[AbstractBaseUser, int | None]], *, kind: str, event: str, institution_id: int,
           title: str, path: str, body: str, actor: AbstractBaseUser | None) -> int:
    people = {user.pk: (user, unit_id) for user, unit_id in recipients
              if user.is_active and (actor is None or user.pk != actor.pk)}
    if not people:
        return 0
    now = timezone.now()
    told = set(Notification.objects.filter(event=event, recipient_id__in=people).values_list("recipient_id",
                                                                                               flat=True))
    rows = [Notification(recipient_id=pk, kind=kind, event=event[:200], institution_id=institution_id,
                         unit_id=unit_id, title=title[:300], body=body, path=path, actor=actor, created_at=now)
            for pk, (_user, unit_id) in people.items() if pk not in told]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        queue_after_commit("tracker.notify", event=event[:200])
    return len(rows)


@dataclass
class Sent:
    mails: int = 0
    posts: int = 0
    withheld: int = 0  # people who may no longer see the record


def _absolute(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"


def _mailed_kinds_off(user_ids: Iterable[int]) -> dict[int, set[str]]:
    return {user_id: set(kinds or ()) for user_id, kinds in
            MailChoice.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "not_mailed")}


def notify_send(*, event: str) -> Sent:
    """Send the event's notifications by e-mail and to the robots concerned (each delivery once, whatever the number
    of runs)."""
    result = Sent()
    notifications = list(Notification.objects.filter(event=event).select_related("recipient", "institution"))
    if not notifications:
        return result
    profiles = {profile.user_id: profile for profile in
                Profile.objects.filter(user_id__in=[n.recipient_id for n in notifications])}
    off = _mailed_kinds_off(n.recipient_id for n in notifications)
    routes: set[int | None] = set()
    first = notifications[0]
    with translation.override(settings.LANGUAGE_CODE):
        for notification in notifications:
            user, profile = notification.recipient, profiles.get(notification.recipient_id)
            if not may_receive(notification, profile, user.is_active):
                result.withheld += 1
                logger.info("Notification %s not sent to user %s: they may no longer see it", notification.pk,
                            user.pk)
                continue
            in_unit = profile.role in UNIT_ROLES
            routes.add(notification.unit_id if in_unit else None)
            if user.email and notification.kind not in off.get(user.pk, set()):
                delivery_queue(
                    key=f"notice:{notification.pk}:mail", channel=Delivery.Channel.MAIL,
                    institution=notification.institution, recipients=[user.email],
                    subject=f"[{settings.PORTAL_NAME}] {notification.title}",
                    body=_mail_body(notification),
                )
                result.mails += 1
        lines = [line for line in first.body.splitlines() if line.strip()]
        for hook in webhooks.hooks_for(first.institution_id, sorted(routes, key=lambda unit: unit or 0)):
            webhook_queue(hook, key=f"notice:{event}:hook:{hook.pk}"[:200], title=first.title,
                                   lines=lines, link=_absolute(first.path))
            result.posts += 1
    return result


def webhook_queue(hook: Webhook, *, key: str, title: str, lines: Sequence[str], link: str = ""):
    """Write the robot's message under `key` (tracker/outbox: sent once, retried with back-off) and queue it for
    when the transaction commits."""
    return delivery_queue(key=key, channel=Delivery.Channel.WEBHOOK, institution=hook.institution, url=hook.url,
                          subject=title, body="\n".join(lines), payload=robots.payload(hook.kind, title, lines, link),
                          webhook=hook)


def _mail_body(notification: Notification) -> str:
    parts = [notification.title, ""]
    if notification.body:
        parts += [notification.body, ""]
    parts += [_("Open it in the portal: %(url)s") % {"url": _absolute(notification.path)}, "", "-- ",
              _("%(portal)s tells you this because it needs you. Choose which kinds come by e-mail under "
                "“My notifications”.") % {"portal": settings.PORTAL_NAME}]
    return "\n".join(parts)


# --- Reading them -------------------------------------------------------------------------------------------


def unread_count(user: AbstractBaseUser) -> int:
    """The bell's number: the person's unread notifications. tracker/access.py's `profile_of` reads it with the
    profile, in the query every signed-in page makes anyway; a person without a profile costs one query."""
    profile = getattr(user, "_tracker_profile", None)
    if profile is not None and hasattr(profile, "unread_notifications"):
        return profile.unread_notifications
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@transaction.atomic
def notification_open(*, actor: AbstractBaseUser, notification: Notification) -> Notification:
    """Mark one's own notification read (opening it does)."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied("not the recipient")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    return notification


@transaction.atomic
def notifications_mark_read(*, actor: AbstractBaseUser, ids: Iterable[int] | None = None) -> int:
    """Mark the person's unread notifications read: those of `ids`, or all of them."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    count = unread.update(read_at=timezone.now())
    return count


@transaction.atomic
def mail_choice_save(*, actor: AbstractBaseUser, mailed: Iterable[str]) -> MailChoice:
    """The kinds the person wants by e-mail (the rest are switched off); recorded with its history."""
    wanted = set(mailed)
    choice, _created = MailChoice.objects.select_for_update().get_or_create(user=actor)
    choice.not_mailed = sorted(kind for kind in MAIL_KIND_VALUES if kind not in wanted)
    choice._history_user = actor
    choice.save()
    return choice


def mailed_kinds(user: AbstractBaseUser) -> set[str]:
    off = MailChoice.objects.filter(user=user).values_list("not_mailed", flat=True).first() or []
    return set(MAIL_KIND_VALUES) - set(off)
