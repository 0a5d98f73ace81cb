"""Reporting snapshots: the dashboard frozen under a name and a date, so an official figure can be shown again
exactly as it was reported, whatever changed since."""

from django.conf import settings
from django.db import models
from django.urls import reverse
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
