"""Writes of the group robots (issue 15): committee staff add the institution's 企业微信群机器人 and 钉钉自定义机器人
(one for the committee's own group, one per unit's group), change, remove and test them.

- An address is taken only if it is https on the robot's own host (tracker/outbox/robots.py `check_url`, again
  before each POST), so a pasted address can never make the portal call into the campus network.
- A 钉钉 robot with 加签 has a secret beginning with SEC; a 企业微信 robot has none. The secret is never shown back:
  a change that leaves it empty keeps the one stored (or removes it, when asked).
- Every change is a saved version (history without the secret: `Webhook.history`), refused against an older one
  (`lock_at_version`).
- A robot switched off or removed sends nothing more: its messages not sent yet are closed as failed, with the
  reason, and stay on the delivery log.
- A test message goes through the same outbox as every notification (`webhook_queue`: sent after commit, retried,
  logged), under a key of its own each time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker import access
from tracker.notifications.models import Webhook
from tracker.notifications.services import webhook_queue
from tracker.org.models import Institution, OrgUnit
from tracker.org.versions import lock_at_version
from tracker.outbox import robots
from tracker.outbox.models import Delivery
from tracker.outbox.services import MAX_ATTEMPTS

Kind = Webhook.Kind
# The units told in a group of their own: those with a secretary (a college) or a liaison (a member unit); everyone
# else is told in the committee's group (a robot with no unit: tracker/notifications/services.py routes so).
UNIT_KINDS = (OrgUnit.Kind.COLLEGE, OrgUnit.Kind.MEMBER_UNIT)
SECRET_PREFIX = "SEC"
FIELDS = ("kind", "name", "url", "secret", "unit", "active")


@dataclass
class WebhookData:
    """What the form says: `secret` None keeps the stored one (empty on a new robot); `remove_secret` drops it."""

    kind: str
    name: str
    url: str
    unit: OrgUnit | None = None
    active: bool = True
    secret: str | None = None
    remove_secret: bool = False


def _check_access(actor: AbstractBaseUser, institution_id: int) -> None:
    if not access.can_manage_webhooks(actor, institution_id):
        raise PermissionDenied("actor does not set up this institution's robots")


def _stale() -> str:
    return _("Someone else changed this group robot after you opened the page. Your input is kept below; look at "
             "the robot as it is now, then save again.")


def validate_webhook(hook: Webhook, *, unit_changed: bool = True) -> None:
    """The robot's rules, each refusal under its field (ValidationError, in Chinese)."""
    errors: dict[str, list[str]] = {}
    if hook.kind not in Kind.values:
        errors.setdefault("kind", []).append(_("Choose WeCom (企业微信) or DingTalk (钉钉)."))
    else:
        try:
            robots.check_url(hook.kind, hook.url)
        except ValidationError as error:
            errors.setdefault("url", []).extend(error.messages)
    if hook.kind == Kind.DINGTALK and hook.secret and not hook.secret.startswith(SECRET_PREFIX):
        errors.setdefault("secret", []).append(
            _("A DingTalk signing secret begins with SEC. Copy it from the robot's 加签 setting, or leave it empty "
              "if the robot uses keywords instead."))
    if hook.kind == Kind.WECOM and hook.secret:
        errors.setdefault("secret", []).append(
            _("A WeCom group robot has no signing secret: leave this empty, or choose DingTalk."))
    unit = hook.unit
    if unit is not None:
        if unit.institution_id != hook.institution_id or unit.kind in OrgUnit.OUTSIDE_KINDS:
            errors.setdefault("unit", []).append(_("Choose one of this university's own units."))
        elif unit.kind not in UNIT_KINDS:
            errors.setdefault("unit", []).append(
                _("Only a college or a member unit has a group of its own here (its secretary or liaison is told "
                  "in it); for the school committee, choose the committee's group."))
        elif unit_changed and unit.is_retired:
            errors.setdefault("unit", []).append(_("This unit is retired: choose a unit in service."))
    try:
        hook.full_clean(exclude=["unit", "institution", *errors], validate_unique=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _apply(hook: Webhook, data: WebhookData) -> None:
    hook.kind = data.kind
    hook.name = data.name.strip()
    hook.url = data.url.strip()
    hook.unit = data.unit
    hook.active = data.active
    typed = (data.secret or "").strip()
    if typed:
        hook.secret = typed
    elif data.remove_secret or data.kind == Kind.WECOM:  # a 企业微信 robot has none: a kept one goes
        hook.secret = ""


def _close_unsent(hook: Webhook, reason: str) -> int:
    """Mark the robot's messages not sent yet failed for good (no more attempts), with the reason."""
    return Delivery.objects.filter(webhook=hook, status__in=[Delivery.Status.QUEUED, Delivery.Status.FAILED]).update(
        status=Delivery.Status.FAILED, attempts=MAX_ATTEMPTS, last_error=reason, claimed_at=timezone.now())


@transaction.atomic
def webhook_create(*, actor: AbstractBaseUser, institution: Institution, data: WebhookData) -> Webhook:
    """Add a group robot to the institution: the committee's (no unit) or one unit's."""
    _check_access(actor, institution.pk)
    hook = Webhook(institution=institution)
    _apply(hook, data)
    validate_webhook(hook)
    hook._history_user = actor
    hook.save()
    return hook


@transaction.atomic
def webhook_update(*, actor: AbstractBaseUser, webhook: Webhook, loaded_version: int, data: WebhookData) -> Webhook:
    """Change a robot (its secret kept unless a new one is typed or its removal asked); switching it off closes
    its messages not sent yet."""
    _check_access(actor, webhook.institution_id)
    current = lock_at_version(Webhook.objects.select_related("institution", "unit"), webhook.pk, loaded_version,
                              _stale())
    was_active, unit_before = current.active, current.unit_id
    _apply(current, data)
    validate_webhook(current, unit_changed=current.unit_id != unit_before)
    current.version += 1
    current._history_user = actor
    current.save(update_fields=[*FIELDS, "version"])
    if was_active and not current.active:
        _close_unsent(current, _("Not sent: the group robot was switched off."))
    return current


@transaction.atomic
def webhook_delete(*, actor: AbstractBaseUser, webhook: Webhook, loaded_version: int) -> None:
    """Remove a robot. Its deliveries stay on the log (without the robot); those not sent yet are closed."""
    _check_access(actor, webhook.institution_id)
    current = lock_at_version(Webhook, webhook.pk, loaded_version, _stale())
    _close_unsent(current, _("Not sent: the group robot was removed."))
    current._history_user = actor
    current.delete()


def webhook_test(*, actor: AbstractBaseUser, webhook: Webhook) -> Delivery:
    """Queue one test message to the robot (sent once the transaction commits, like any notification)."""
    _check_access(actor, webhook.institution_id)
    if not webhook.active:
        raise ValidationError(_("This robot is switched off. Switch it on first, then send a test message."))
    sender = actor.get_full_name() or actor.get_username()
    lines = [_("This is a test message from %(portal)s to the group “%(group)s”.")
             % {"portal": settings.PORTAL_NAME, "group": webhook.name},
             _("If it arrived, the robot is set up correctly: the portal's notifications will arrive here too."),
             _("Sent by %(name)s at %(time)s.") % {"name": sender,
                                                  "time": timezone.localtime().strftime("%Y-%m-%d %H:%M")}]
    return webhook_queue(webhook, key=f"hook-test:{webhook.pk}:{uuid.uuid4().hex}",
                         title=_("Test message from the portal"), lines=lines,
                         link=settings.PORTAL_BASE_URL.rstrip("/") + "/")
