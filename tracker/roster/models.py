"""The retired-staff volunteers (五老) on a college's or unit's roster."""


from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.org.models import ActivePeriod, Institution, OrgUnit
from tracker.roster.querysets import VolunteerQuerySet


class Speciality(models.Model):
    """A resource or speciality tag (资源特长), shared by the roster and the double menus."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="specialities",
    )
    name = models.CharField(_("name"), max_length=30)

    class Meta:
        verbose_name = _("speciality")
        verbose_name_plural = _("specialities")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="tracker_speciality_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Volunteer(ActivePeriod):
    """A retired member of staff on a unit's roster, and how far they take part in the committee's work."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Category(models.TextChoices):
        CADRE = "cadre", _("Veteran cadre")
        SOLDIER = "soldier", _("Veteran soldier")
        EXPERT = "expert", _("Veteran expert")
        TEACHER = "teacher", _("Veteran teacher")
        MODEL = "model", _("Veteran model worker")

    class Layer(models.TextChoices):
        CORE = "core", _("Core layer")
        BACKBONE = "backbone", _("Backbone layer")
        PARTICIPATION = "participation", _("Participation layer")

    # The institution scopes the staff number; the unit is the college or department whose roster holds the person.
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="volunteers",
    )
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="volunteers")
    staff_number = models.CharField(
        _("staff number"), max_length=30, help_text=_("The former staff number: the key that matches re-imports."),
    )
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    retired_year = models.PositiveSmallIntegerField(_("year retired"), null=True, blank=True)
    former_post = models.CharField(_("former post"), max_length=100, blank=True)
    former_unit = models.CharField(_("former unit"), max_length=100, blank=True)
    category = models.CharField(_("category (五老)"), max_length=10, choices=Category.choices, blank=True)
    party_member = models.BooleanField(_("Party member"), default=False)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    specialities = models.ManyToManyField(
        Speciality, verbose_name=_("specialities"), related_name="volunteers", blank=True,
    )
    layer = models.CharField(_("layer"), max_length=15, choices=Layer.choices, blank=True)
    eligible = models.BooleanField(_("eligible (有条件)"), default=True)
    participating = models.BooleanField(_("participating"), default=False)
    backbone = models.BooleanField(_("backbone"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords(m2m_fields=[specialities])

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["unit_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "staff_number"], name="tracker_volunteer_unique_staff_number",
            ),
            models.CheckConstraint(
                condition=Q(backbone=False) | Q(participating=True), name="tracker_volunteer_backbone_participates",
            ),
            models.CheckConstraint(
                condition=Q(participating=False) | Q(eligible=True), name="tracker_volunteer_participant_eligible",
            ),
            ActivePeriod.period_constraint("tracker_volunteer_active_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tracker:volunteer-detail", args=[self.pk])

    def clean(self) -> None:
        if self.unit_id and self.institution_id and self.unit.institution_id != self.institution_id:
            raise ValidationError({"unit": _("The unit belongs to another institution.")})



class Team(models.Model):
    """A standing volunteer corps: 讲师团, 特邀党建组织员, 教学督导员, 大学生成长导师, or one a university adds."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="teams",
    )
    name = models.CharField(_("name"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["institution_id", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="tracker_team_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tracker:team-detail", args=[self.pk])


class TeamMembership(models.Model):
    """A volunteer's dated membership of a team."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="memberships",
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["team_id", "-joined_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="tracker_teammembership_dates_ordered",
            ),
            models.UniqueConstraint(
                fields=["team", "volunteer"], condition=Q(left_on__isnull=True),
                name="tracker_teammembership_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.team}"


class RosterImport(models.Model):
    """An uploaded roster file, checked row by row and held here until the user confirms it.

    Nothing reaches the roster before confirmation; `rows` holds the validated rows to apply.
    """

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="roster_imports",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="roster_imports",
        null=True, blank=True, help_text=_("The only unit the file may touch; empty for committee staff."),
    )
    created_by = models.ForeignKey(
        "auth.User", verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="roster_imports",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    rows = models.JSONField(_("validated rows"), default=list)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name
