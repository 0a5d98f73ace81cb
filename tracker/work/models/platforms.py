"""The work itself: standing work platforms (工作平台) and the activity ledger (工作台账)."""


from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.org.models import ActivePeriod, Institution, OrgUnit
from tracker.roster.models import Volunteer
from tracker.work.querysets import ActivityQuerySet, WorkPlatformQuerySet

# The 三有三化 checklist: (field name, label).
THREE_HAS_THREE_IZATIONS = [
    ("has_substance", _("Has substance (有内涵)")),
    ("has_goals", _("Has goals (有目标)")),
    ("has_plan", _("Has a plan (有计划)")),
    ("institutionalised", _("Institutionalised (制度化)")),
    ("standardised", _("Standardised (规范化)")),
    ("branded", _("Branded (品牌化)")),
]


class WorkPlatform(ActivePeriod):
    """A standing programme run with a host unit, led by one serving leader and one retired volunteer (双组长)."""

    class Level(models.TextChoices):
        SCHOOL = "school", _("School level")
        COLLEGE = "college", _("College level")

    class Brand(models.TextChoices):
        NONE = "none", _("No brand")
        COLLEGE = "college", _("College brand")
        SCHOOL = "school", _("School brand (e.g. 十佳)")
        HIGHER = "higher", _("Recognised by a higher level")

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="platforms",
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    owner = models.ForeignKey(
        OrgUnit, verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="owned_platforms",
        help_text=_("The school committee for a school-level platform; the college for a college-level one."),
    )
    host = models.ForeignKey(
        OrgUnit, verbose_name=_("host member unit"), on_delete=models.PROTECT, related_name="hosted_platforms",
        null=True, blank=True,
    )
    serving_leader = models.CharField(_("serving co-leader"), max_length=50, blank=True)
    volunteer_leader = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer co-leader"), on_delete=models.SET_NULL, related_name="led_platforms",
        null=True, blank=True,
    )
    description = models.TextField(_("description"), blank=True)
    has_substance = models.BooleanField(_("Has substance (有内涵)"), default=False)
    has_goals = models.BooleanField(_("Has goals (有目标)"), default=False)
    has_plan = models.BooleanField(_("Has a plan (有计划)"), default=False)
    institutionalised = models.BooleanField(_("Institutionalised (制度化)"), default=False)
    standardised = models.BooleanField(_("Standardised (规范化)"), default=False)
    branded = models.BooleanField(_("Branded (品牌化)"), default=False)
    brand = models.CharField(_("brand level"), max_length=10, choices=Brand.choices, default=Brand.NONE)
    recognised_by = models.CharField(_("recognised by"), max_length=100, blank=True)
    recognised_on = models.DateField(_("recognised on"), null=True, blank=True)
    volunteers = models.ManyToManyField(
        Volunteer, verbose_name=_("volunteers involved"), related_name="platforms", blank=True,
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords(m2m_fields=[volunteers])

    objects = WorkPlatformQuerySet.as_manager()

    class Meta:
        verbose_name = _("work platform")
        verbose_name_plural = _("work platforms")
        ordering = ["institution_id", "level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="tracker_workplatform_unique_name"),
            ActivePeriod.period_constraint("tracker_workplatform_active_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tracker:platform-detail", args=[self.pk])

    @property
    def checklist(self) -> list[tuple[str, bool]]:
        """The 三有三化 items with whether each is met."""
        return [(label, getattr(self, name)) for name, label in THREE_HAS_THREE_IZATIONS]

    @property
    def checklist_score(self) -> int:
        return sum(1 for _label, met in self.checklist if met)


    def clean(self) -> None:
        errors = {}
        if self.owner_id and self.owner.institution_id != self.institution_id:
            errors["owner"] = _("The unit belongs to another institution.")
        elif self.owner_id and self.level == self.Level.COLLEGE and self.owner.kind != OrgUnit.Kind.COLLEGE:
            errors["owner"] = _("A college-level platform belongs to a college.")
        if self.host_id and self.host.institution_id != self.institution_id:
            errors["host"] = _("The unit belongs to another institution.")
        if self.brand == self.Brand.HIGHER and not self.recognised_by:
            errors["recognised_by"] = _("Name the body that recognised the brand.")
        if errors:
            raise ValidationError(errors)


class Activity(models.Model):
    """One entry of the work ledger (工作台账): what was done, when, by which unit, with whom, and its evidence."""

    class Kind(models.TextChoices):
        STUDY = "study", _("Study session")
        TRAINING = "training", _("Training course")
        MEETING = "meeting", _("Meeting")
        THEME_EDUCATION = "theme_education", _("Theme education")
        RESEARCH = "research", _("Research")
        VISIT = "visit", _("Visit / 慰问")
        AWARD = "award", _("Award")
        PARTY_REPORT = "party_report", _("Report heard by the Party committee")
        OTHER = "other", _("Other")

    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="activities")
    platform = models.ForeignKey(
        WorkPlatform, verbose_name=_("work platform"), on_delete=models.SET_NULL, related_name="activities",
        null=True, blank=True,
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    retirees = models.ManyToManyField(
        Volunteer, verbose_name=_("retirees taking part"), related_name="activities", blank=True,
    )
    retiree_count = models.PositiveIntegerField(_("retirees taking part (number)"), default=0)
    youth_count = models.PositiveIntegerField(_("young students and teachers reached (number)"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        "auth.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="activities",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords(m2m_fields=[retirees])

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-date", "-id"]
        indexes = [
            # A unit's entries within a period: the ledger metrics of the dashboard and the quota list, the annual
            # report's entries per college, a secretary's ledger (docs/benchmarks.md, "Indexes").
            models.Index(fields=["unit", "date"], name="tracker_activity_unit_date"),
            # The ledger list, newest first (ActivityQuerySet.for_ledger): a page read off the index.
            models.Index(fields=["-date", "-id"], name="tracker_activity_date_id"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("tracker:activity-detail", args=[self.pk])

    def clean(self) -> None:
        if self.platform_id and self.unit_id and self.platform.institution_id != self.unit.institution_id:
            raise ValidationError({"platform": _("The platform belongs to another institution.")})
