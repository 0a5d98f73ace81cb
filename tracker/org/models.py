"""Who exists (institutions, their organisational units, the people who sign in), the evidence files every
record may carry, and the active period several records share."""

import datetime as dt
import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.signals import pre_save
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords

from tracker.org.querysets import OrgUnitQuerySet


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
    # A retired unit (撤销) keeps its records and history but leaves the quotas, the dashboard and the boards.
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    objects = OrgUnitQuerySet.as_manager()

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

    @property
    def is_retired(self) -> bool:
        return self.retired_on is not None

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


class ActivePeriod(models.Model):
    """An optional active period; an empty bound is open."""

    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_to = models.DateField(_("active to"), null=True, blank=True)

    class Meta:
        abstract = True

    @staticmethod
    def period_constraint(name: str) -> models.CheckConstraint:
        """The end of the period is not before its start."""
        return models.CheckConstraint(
            condition=Q(active_to__isnull=True) | Q(active_from__isnull=True)
            | Q(active_from__lte=models.F("active_to")),
            name=name,
        )

    def is_active_on(self, day: dt.date) -> bool:
        started = self.active_from is None or self.active_from <= day
        return started and (self.active_to is None or day <= self.active_to)



def _at_most_one(fields: tuple[str, ...]) -> Q:
    """No two of `fields` are set at once."""
    condition = Q()
    for i, first in enumerate(fields):
        for second in fields[i + 1:]:
            condition &= Q(**{f"{first}__isnull": True}) | Q(**{f"{second}__isnull": True})
    return condition


# The records an evidence file may support; it supports exactly one of them (a quota value points to its file).
EVIDENCE_OWNERS = ("update", "activity", "entry", "rectification")


def evidence_path(instance: "EvidenceFile", filename: str) -> str:
    """A generated name: nothing a user typed reaches the file system."""
    suffix = PurePath(filename).suffix.lower()
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class EvidenceFile(models.Model):
    """A supporting document (佐证材料) attached to a task update, kept under its original name for download."""

    OWNER_FIELDS = EVIDENCE_OWNERS

    # A file supports one task update or one ledger entry; a quota value entered by hand points to its file.
    update = models.ForeignKey(
        "tracker.TaskUpdate", verbose_name=_("task update"), on_delete=models.CASCADE, related_name="evidence",
        null=True, blank=True,
    )
    activity = models.ForeignKey(
        "tracker.Activity", verbose_name=_("ledger entry"), on_delete=models.CASCADE, related_name="evidence",
        null=True, blank=True,
    )
    entry = models.ForeignKey(
        "tracker.AssessmentEntry", verbose_name=_("assessment item"), on_delete=models.CASCADE,
        related_name="evidence", null=True, blank=True,
    )
    rectification = models.ForeignKey(
        "tracker.Rectification", verbose_name=_("rectification"), on_delete=models.CASCADE,
        related_name="evidence", null=True, blank=True,
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    kind = models.CharField(_("file type"), max_length=10)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT,
        related_name="evidence_files",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=_at_most_one(EVIDENCE_OWNERS), name="tracker_evidencefile_one_owner"),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("tracker:evidence-download", args=[self.pk])


# --- A person's own record ------------------------------------------------------------------------------
# The account (django.contrib.auth's User) keeps history too, so a change of a person's name, user name, e-mail
# or active state shows on the account's page beside the role changes (the Profile's). The historical table is
# the tracker app's (tracker_historicaluser). The password hash and the time of the last sign-in are not copied;
# a save that stamps only the sign-in time writes no history at all.
USER_HISTORY_EXCLUDED = ["password", "last_login"]
register(get_user_model(), app="tracker", manager_name="history", excluded_fields=USER_HISTORY_EXCLUDED)


def _no_history_for_sign_in_stamp(sender, instance, update_fields=None, **kwargs) -> None:
    """django.contrib.auth's update_last_login saves only `last_login`: no history record for it."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        instance.skip_history_when_saving = True
        instance._history_skipped_for_sign_in = True
    elif instance.__dict__.pop("_history_skipped_for_sign_in", False):
        instance.__dict__.pop("skip_history_when_saving", None)


pre_save.connect(_no_history_for_sign_in_stamp, sender=get_user_model(), dispatch_uid="tracker_user_sign_in_stamp")
