"""Notifications, the group robots they are posted to, each person's choice of what comes by e-mail, and what a
leader's home page saw last (issue 15).

- `Notification`: one per person and event ("the self-assessment of 机电工程学院 was returned"), written in the same
  transaction as the change that caused it, so it is never lost when a send fails. `event` names what happened;
  a person is told of one event once.
- `Webhook`: a group robot (企业微信群机器人 or 钉钉自定义机器人) an institution pastes in, for the committee (no
  unit) or for one unit. Only https addresses of the robots' own hosts are taken (tracker/notifications/webhooks.py).
- `MailChoice`: the kinds a person does not want by e-mail (none: every kind); the portal's list always has all.
- `HomeVisit`: the figures a leader's home page showed, to say what changed since (tracker/portal/todo.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.org.models import Institution, OrgUnit


class Notification(models.Model):
    class Kind(models.TextChoices):
        ASSESSMENT_SUBMITTED = "assessment_submitted", _("Self-assessment submitted")
        ASSESSMENT_RETURNED = "assessment_returned", _("Self-assessment returned")
        ASSESSMENT_ACCEPTED = "assessment_accepted", _("Self-assessment accepted")
        RECTIFICATION_ASSIGNED = "rectification_assigned", _("Rectification assigned")
        RECTIFICATION_DONE = "rectification_done", _("Rectification done")
        RECTIFICATION_VERIFIED = "rectification_verified", _("Rectification verified")
        OPINION_ADDED = "opinion_added", _("Review opinion added")
        ROUND_OPENED = "round_opened", _("Filing round opened")
        REMINDER_SENT = "reminder_sent", _("Filing reminder")
        TASK_CHANGED = "task_changed", _("Task changed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    event = models.CharField(_("event"), max_length=200, editable=False,
                             help_text=_("What happened, e.g. one return of one self-assessment: told once."))
    institution = models.ForeignKey(Institution, verbose_name=_("institution"), on_delete=models.CASCADE,
                                    related_name="notifications")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, null=True, blank=True,
                             related_name="notifications",
                             help_text=_("The unit the record belongs to; empty: the whole institution."))
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    path = models.CharField(_("link"), max_length=500, help_text=_("The page where it is dealt with."))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event"], name="tracker_notification_once_per_event"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="tracker_notice_unread_idx")]

    def __str__(self) -> str:
        return self.title


# issue 15, the daily digest (`manage.py send_reminders`, tracker/reporting/mailing.py): not a notification (the
# portal's list never shows it) but a kind of mail a person may switch off like one, stored in
# `MailChoice.not_mailed` beside the notification kinds. A plain constant, not a `Notification.Kind` choice, so that
# no migration is needed. The e-mail choices page lists `MAIL_KINDS`: every notification kind, then the digest.
DIGEST = "digest"
DIGEST_LABEL = _("Daily digest of what is due and overdue")
MAIL_KINDS = [*Notification.Kind.choices, (DIGEST, DIGEST_LABEL)]
MAIL_KIND_VALUES = [value for value, _label in MAIL_KINDS]

class Webhook(models.Model):
    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot (企业微信)")
        DINGTALK = "dingtalk", _("DingTalk custom robot (钉钉)")

    institution = models.ForeignKey(Institution, verbose_name=_("institution"), on_delete=models.CASCADE,
                                    related_name="webhooks")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, null=True, blank=True,
                             related_name="webhooks",
                             help_text=_("Empty: the committee's group, told what the committee staff are told."))
    kind = models.CharField(_("robot"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("group name"), max_length=100)
    url = models.URLField(_("robot address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True,
                              help_text=_("DingTalk robots with 加签 only: the secret beginning with SEC."))
    active = models.BooleanField(_("in use"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["institution_id", "unit_id", "name", "id"]

    def __str__(self) -> str:
        return self.name


class MailChoice(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="mail_choice")
    not_mailed = models.JSONField(_("kinds not sent by e-mail"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("e-mail choice")
        verbose_name_plural = _("e-mail choices")

    def __str__(self) -> str:
        return str(self.user)


class HomeVisit(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="home_visit")
    figures = models.JSONField(_("figures last shown"), default=dict)
    previous = models.JSONField(_("figures before the last change"), default=dict)
    changed_at = models.DateTimeField(_("figures changed"), null=True, blank=True)
    seen_at = models.DateTimeField(_("last visit"), default=timezone.now)

    class Meta:
        verbose_name = _("home page visit")
        verbose_name_plural = _("home page visits")

    def __str__(self) -> str:
        return str(self.user)
