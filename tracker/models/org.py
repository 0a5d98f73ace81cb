"""Who exists: institutions, their organisational units, and the people who sign in."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Institution(models.Model):
    """One university (学校)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class OrgUnit(models.Model):
    """A unit of the programme's organisation, arranged as a tree (学校党委 → 校关工委 → 二级关工委 …)."""

    class Kind(models.TextChoices):
        PARTY_COMMITTEE = "party_committee", _("Party committee")
        SCHOOL_COMMITTEE = "school_committee", _("School committee")
        COLLEGE = "college", _("College committee")
        MEMBER_UNIT = "member_unit", _("Member unit")
        ZONE = "zone", _("Review zone")
        PROVINCE = "province", _("Province")

    # Zones and the province stand above institutions; every other unit belongs to one.
    OUTSIDE_KINDS = (Kind.ZONE, Kind.PROVINCE)

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE,
        related_name="units", null=True, blank=True,
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), on_delete=models.PROTECT,
        related_name="children", null=True, blank=True,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    email = models.EmailField(_("contact e-mail"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        ordering = ["institution_id", "kind", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="tracker_orgunit_unique_name"),
            models.CheckConstraint(
                condition=Q(kind__in=["zone", "province"]) | Q(institution__isnull=False),
                name="tracker_orgunit_institution_unless_outside",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def clean(self) -> None:
        if self.parent_id and self.parent.institution_id not in (None, self.institution_id):
            raise ValidationError({"parent": _("The parent unit belongs to another institution.")})


class Profile(models.Model):
    """A person's role in the portal and the unit that role is bound to."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        STAFF = "staff", _("Committee staff")
        SECRETARY = "secretary", _("College secretary")
        LIAISON = "liaison", _("Member-unit liaison")
        LEADER = "leader", _("Leader")
        REVIEWER = "reviewer", _("Reviewer")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="profile",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT,
        related_name="profiles", null=True, blank=True,
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="profiles", null=True, blank=True,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(role="admin") | Q(institution__isnull=False),
                name="tracker_profile_institution_unless_admin",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["secretary", "liaison"]) | Q(unit__isnull=False),
                name="tracker_profile_unit_for_bound_roles",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.get_role_display()})"

    def clean(self) -> None:
        expected = {self.Role.SECRETARY: OrgUnit.Kind.COLLEGE, self.Role.LIAISON: OrgUnit.Kind.MEMBER_UNIT}
        kind = expected.get(self.role)
        if kind and self.unit_id is None:
            raise ValidationError({"unit": _("This role must be bound to a unit.")})
        if kind and self.unit.kind != kind:
            raise ValidationError({"unit": _("This role must be bound to a unit of kind “%(kind)s”.")
                                   % {"kind": OrgUnit.Kind(kind).label}})
        if self.unit_id and self.institution_id and self.unit.institution_id != self.institution_id:
            raise ValidationError({"unit": _("The unit belongs to another institution.")})
