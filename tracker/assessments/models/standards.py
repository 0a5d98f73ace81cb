"""Standards (基本要求): scored checklists that units assess themselves against (对标找差)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.org.models import Institution


class Standard(models.Model):
    """A standard for the school level or for colleges, as issued by the province or adopted by a university."""

    class Level(models.TextChoices):
        SCHOOL = "school", _("School level")
        COLLEGE = "college", _("College level")

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="standards",
        null=True, blank=True, help_text=_("Empty for a standard shared by every institution (e.g. the province's)."),
    )
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    source_document = models.CharField(_("source document"), max_length=300)
    # The standard of an earlier cycle this one was copied from (copy forward); kept when the source is deleted.
    copied_from = models.ForeignKey(
        "self", verbose_name=_("copied from"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="copies",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["level", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="tracker_standard_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tracker:standard-detail", args=[self.pk])


class StandardGroup(models.Model):
    """A first-level indicator (一级指标) grouping items of a standard."""

    standard = models.ForeignKey(Standard, verbose_name=_("standard"), on_delete=models.CASCADE, related_name="groups")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator group")
        verbose_name_plural = _("indicator groups")
        ordering = ["standard_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "order"], name="tracker_standardgroup_unique_order"),
            models.UniqueConstraint(fields=["standard", "name"], name="tracker_standardgroup_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class StandardItem(models.Model):
    """One scored requirement: its text, how it is scored (评分要求) and its points (分值)."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
        GRADED_THREE = "graded_three", _("Graded: met / basically met / not met")
        GRADED_ABCD = "graded_abcd", _("Graded: A / B / C / D")
        DEDUCTION = "deduction", _("Deduction per shortfall")
        BONUS = "bonus", _("Bonus on top")

    # Share of the item's points each grade earns (DOMAIN: A/B/C/D = 100/60/40/0 %; 达标/基本达标/未达标).
    GRADES = {
        Mode.GRADED_THREE: {"met": Decimal("1"), "basically_met": Decimal("0.6"), "not_met": Decimal("0")},
        Mode.GRADED_ABCD: {"A": Decimal("1"), "B": Decimal("0.6"), "C": Decimal("0.4"), "D": Decimal("0")},
    }

    group = models.ForeignKey(StandardGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("order"))
    number = models.CharField(_("number"), max_length=10)
    text = models.TextField(_("content"))
    rule = models.TextField(_("scoring rule"), blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    mode = models.CharField(_("scoring mode"), max_length=20, choices=Mode.choices)
    deduction_step = models.DecimalField(
        _("points deducted per shortfall"), max_digits=6, decimal_places=2, null=True, blank=True,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("standard item")
        verbose_name_plural = _("standard items")
        ordering = ["group__standard_id", "group__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["group", "order"], name="tracker_standarditem_unique_order"),
            models.CheckConstraint(condition=Q(points__gte=0), name="tracker_standarditem_points_positive"),
            models.CheckConstraint(
                condition=~Q(mode="deduction") | Q(deduction_step__gt=0),
                name="tracker_standarditem_deduction_has_step",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:40]}"

    def clean(self) -> None:
        if self.mode == self.Mode.DEDUCTION and not self.deduction_step:
            raise ValidationError({"deduction_step": _("A deduction item needs the points taken off per shortfall.")})
        if self.mode != self.Mode.DEDUCTION and self.deduction_step:
            raise ValidationError({"deduction_step": _("Only a deduction item takes points off per shortfall.")})

    @property
    def counts_in_total(self) -> bool:
        """Bonus points come on top: they are not part of the standard's full marks."""
        return self.mode != self.Mode.BONUS
