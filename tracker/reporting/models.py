"""Reporting snapshots: the dashboard frozen under a name and a date, so an official figure can be shown again
exactly as it was reported, whatever changed since. Reminder claims: which daily reminder mails have gone out.
Export jobs: the long exports the task queue builds."""

import uuid

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


# --- Exports as jobs (issue 18, the task queue) ------------------------------------------------------------------


class ExportJob(models.Model):
    """One long export asked for by one person: the university's whole file (全校资料包), or every university's,
    built by the task queue (`tracker.build_export`) step by step into one .zip in the media storage.

    The job is the person's own: its file holds what *they* may see (a leader's roster has no phone column), so no
    one else opens or downloads it. A job is run by claiming it (queued → running, one conditional UPDATE that
    counts the run); a second run of the same task finds it running with a fresh heartbeat, or done, and leaves it.
    """

    class Kind(models.TextChoices):
        INSTITUTION = "institution", _("the university's whole file")
        EVERY_INSTITUTION = "every_institution", _("every university's files")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    OPEN = (Status.QUEUED, Status.RUNNING)

    token = models.UUIDField(_("token"), default=uuid.uuid4, editable=False)
    kind = models.CharField(_("export"), max_length=30, choices=Kind.choices)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="export_jobs",
        null=True, blank=True, help_text=_("Empty for every university's files."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked for by"), on_delete=models.CASCADE, related_name="export_jobs",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(_("steps done"), default=0)
    progress_total = models.PositiveIntegerField(_("steps in all"), default=0)
    step = models.CharField(_("current step"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to="exports/", max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0, help_text=_("How many times a worker took it up."))
    created_at = models.DateTimeField(_("asked for at"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["token"], name="tracker_exportjob_unique_token"),
            # One open job per person and export: asking again while one runs shows that one.
            models.UniqueConstraint(
                fields=["requested_by", "kind", "institution"],
                condition=Q(status__in=["queued", "running"], institution__isnull=False),
                name="tracker_exportjob_one_open",
            ),
            models.UniqueConstraint(
                fields=["requested_by", "kind"],
                condition=Q(status__in=["queued", "running"], institution__isnull=True),
                name="tracker_exportjob_one_open_every",
            ),
            models.CheckConstraint(
                condition=(Q(kind="institution") & Q(institution__isnull=False))
                | (Q(kind="every_institution") & Q(institution__isnull=True)),
                name="tracker_exportjob_institution_for_kind",
            ),
        ]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="tracker_exportjob_mine_idx")]

    def __str__(self) -> str:
        return f"{self.institution or self.get_kind_display()} · {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("tracker:export-job", args=[self.token])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return self.progress_done * 100 // self.progress_total if self.progress_total else 0

    @property
    def size_mb(self) -> str:
        """The file's size in MB, as the portal writes sizes (“2.3 MB”; at least 0.1)."""
        return f"{max((self.size or 0) / 1024 / 1024, 0.1):.1f}"

    @property
    def download_name(self) -> str:
        """全校资料包 of the university, or 各高校资料包, with the day it was made."""
        day = timezone.localdate(self.finished_at or self.created_at)
        if self.institution_id:
            return f"{self.institution.name}全校资料包_{day:%Y-%m-%d}.zip"
        return f"各高校资料包_{day:%Y-%m-%d}.zip"
