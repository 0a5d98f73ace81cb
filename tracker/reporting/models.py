"""Reporting snapshots: the dashboard frozen under a name and a date, so an official figure can be shown again
exactly as it was reported, whatever changed since. Reminder claims: which daily reminder mails have gone out."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.org.models import Institution, OrgUnit


class ReportSnapshot(models.Model):
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="snapshots",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("college"), on_delete=models.CASCADE, related_name="snapshots", null=True, blank=True,
        help_text=_("Empty for the whole institution's dashboard."),
    )
    name = models.CharField(_("name"), max_length=100)
    as_of = models.DateField(_("figures as of"))
    data = models.JSONField(_("frozen figures"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("frozen by"), on_delete=models.PROTECT, related_name="+",
    )
    created_at = models.DateTimeField(_("frozen at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reporting snapshot")
        verbose_name_plural = _("reporting snapshots")
        ordering = ["institution_id", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="tracker_reportsnapshot_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.as_of:%Y-%m-%d}）"

    def get_absolute_url(self) -> str:
        return reverse("tracker:snapshot-detail", args=[self.pk])


class ReminderClaim(models.Model):
    """One day's reminder mail to a unit, or to an institution's committee staff, claimed by the run of
    `send_reminders` that sends it. The row is written before the mail goes and the unique constraints let only one
    run write it, so a second run on the same day, or one running at the same time, sends nothing again."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("reminder to a unit")
        SUMMARY = "summary", _("summary for committee staff")

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="reminder_claims",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="reminder_claims",
        null=True, blank=True, help_text=_("Empty for the committee staff's summary."),
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("mail"), max_length=20, choices=Kind.choices)
    recipients = models.TextField(_("sent to"), help_text=_("E-mail addresses, one per line."))
    claimed_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder mail sent")
        verbose_name_plural = _("reminder mails sent")
        ordering = ["-day", "institution_id", "kind", "unit_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "day", "kind"], condition=Q(unit__isnull=False), name="tracker_reminderclaim_unique",
            ),
            models.UniqueConstraint(
                fields=["institution", "day", "kind"], condition=Q(unit__isnull=True),
                name="tracker_reminderclaim_unique_summary",
            ),
            models.CheckConstraint(
                condition=(Q(kind="unit") & Q(unit__isnull=False)) | (Q(kind="summary") & Q(unit__isnull=True)),
                name="tracker_reminderclaim_unit_for_unit_mail",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.unit or self.institution}"
