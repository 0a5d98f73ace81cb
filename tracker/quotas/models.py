"""Quotas the plans set (participation ≥ 60 % per college, ≥ 10 school platforms …) and values entered by hand."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.org.models import EvidenceFile, Institution, OrgUnit
from tracker.plans.models import Plan


class Quota(models.Model):
    """A number a plan sets, its target, its scope, and the metric that computes its current value."""

    class Comparator(models.TextChoices):
        AT_LEAST = "gte", "≥"
        AT_MOST = "lte", "≤"
        EQUAL = "eq", "="

    class Scope(models.TextChoices):
        INSTITUTION = "institution", _("The institution")
        EACH_COLLEGE = "each_college", _("Each college")

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="quotas",
    )
    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.SET_NULL, related_name="quotas", null=True, blank=True,
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=100)
    metric = models.CharField(_("metric"), max_length=40, help_text=_("A key of tracker.quotas.metrics.METRICS."))
    comparator = models.CharField(_("comparator"), max_length=3, choices=Comparator.choices, default="gte")
    target = models.DecimalField(_("target"), max_digits=8, decimal_places=2)
    scope = models.CharField(_("scope"), max_length=15, choices=Scope.choices)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    source_document = models.CharField(_("source document"), max_length=100)
    source_clause = models.CharField(_("clause"), max_length=50, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["institution_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="tracker_quota_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tracker:quota-detail", args=[self.pk])


class QuotaEntry(models.Model):
    """A value entered by hand for a quota that no data can answer, with evidence and who entered it."""

    quota = models.ForeignKey(Quota, verbose_name=_("quota"), on_delete=models.CASCADE, related_name="entries")
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="quota_entries",
        null=True, blank=True, help_text=_("Empty for a quota on the whole institution."),
    )
    value = models.DecimalField(_("value"), max_digits=8, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    evidence = models.ForeignKey(
        EvidenceFile, verbose_name=_("evidence"), on_delete=models.PROTECT, related_name="quota_entries",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT,
        related_name="quota_entries",
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quota value entered by hand")
        verbose_name_plural = _("quota values entered by hand")
        ordering = ["quota_id", "unit_id", "-entered_at", "-id"]

    def __str__(self) -> str:
        return f"{self.quota}: {self.value}"
