"""Deliveries: each outbound message (an e-mail, a webhook's POST) the portal sends, one row per message.

A delivery is written before it is sent, under a key that names what it is (`reminder:unit:12:2025-03-01`), which
the database lets exist once: whoever asks for the same message twice gets the same row. It is sent by claiming it
first (queued or failed → sending, one conditional UPDATE, as healthchecks' `sendalerts` claims a check), so two
workers given the same task, or a task run again after a timeout, send it once (tracker/outbox/services.py).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.org.models import Institution


class Delivery(models.Model):
    class Channel(models.TextChoices):
        MAIL = "mail", _("e-mail")
        WEBHOOK = "webhook", _("webhook")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    key = models.CharField(
        _("key"), max_length=200, editable=False,
        help_text=_("What the message is, e.g. the reminder to one unit on one day: each key is sent once."),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="deliveries",
        null=True, blank=True,
    )
    recipients = models.TextField(_("recipients"), blank=True, help_text=_("E-mail addresses, one per line."))
    url = models.URLField(_("address"), max_length=500, blank=True, help_text=_("Where a webhook is posted."))
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("message text"), blank=True)
    payload = models.JSONField(_("content posted"), null=True, blank=True)
    # issue 15: the group robot posted to (a 钉钉 robot's address is signed at each attempt, with its secret)
    webhook = models.ForeignKey("tracker.Webhook", verbose_name=_("group robot"), on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="deliveries")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    claimed_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="tracker_delivery_unique_key"),
            models.CheckConstraint(condition=~Q(channel="mail") | ~Q(recipients=""),
                                   name="tracker_delivery_mail_has_recipients"),
            models.CheckConstraint(condition=~Q(channel="webhook") | ~Q(url=""),
                                   name="tracker_delivery_webhook_has_url"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="tracker_delivery_status_idx")]

    def __str__(self) -> str:
        return self.subject or self.key

    @property
    def recipient_list(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]
