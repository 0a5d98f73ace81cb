"""The double menus (双菜单): what retirees offer, what young students and teachers ask for, and their matches."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.org.models import OrgUnit
from tracker.roster.models import Speciality, Volunteer


class ResourceItem(models.Model):
    """An entry of the resource menu (资源特长菜单): something a volunteer offers."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="resources",
    )
    title = models.CharField(_("what is offered"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    tags = models.ManyToManyField(Speciality, verbose_name=_("tags"), related_name="resources", blank=True)
    active = models.BooleanField(_("on the menu"), default=True)
    history = HistoricalRecords(m2m_fields=[tags])

    class Meta:
        verbose_name = _("resource item")
        verbose_name_plural = _("resource items")
        ordering = ["volunteer_id", "title"]

    def __str__(self) -> str:
        return f"{self.volunteer}: {self.title}"


class NeedItem(models.Model):
    """An entry of the needs menu (需求菜单): something a college's students or young teachers ask for."""

    class Audience(models.TextChoices):
        STUDENTS = "students", _("Students")
        YOUNG_TEACHERS = "young_teachers", _("Young teachers")

    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="needs")
    audience = models.CharField(_("who asks"), max_length=20, choices=Audience.choices)
    title = models.CharField(_("what is needed"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    tags = models.ManyToManyField(Speciality, verbose_name=_("tags"), related_name="needs", blank=True)
    active = models.BooleanField(_("on the menu"), default=True)
    history = HistoricalRecords(m2m_fields=[tags])

    class Meta:
        verbose_name = _("need item")
        verbose_name_plural = _("need items")
        ordering = ["unit_id", "title"]

    def __str__(self) -> str:
        return f"{self.unit}: {self.title}"


class MenuMatch(models.Model):
    """A confirmed pairing of an offer with a need, followed from proposal to delivery."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        AGREED = "agreed", _("Agreed")
        DELIVERED = "delivered", _("Delivered")

    # The only moves a match may make.
    TRANSITIONS = {Status.PROPOSED: (Status.AGREED,), Status.AGREED: (Status.DELIVERED,), Status.DELIVERED: ()}

    resource = models.ForeignKey(
        ResourceItem, verbose_name=_("resource item"), on_delete=models.PROTECT, related_name="matches",
    )
    need = models.ForeignKey(NeedItem, verbose_name=_("need item"), on_delete=models.PROTECT, related_name="matches")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_on = models.DateField(_("proposed on"))
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("menu match")
        verbose_name_plural = _("menu matches")
        ordering = ["-proposed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "need"], name="tracker_menumatch_unique_pair"),
            models.CheckConstraint(
                condition=(Q(status="delivered") & Q(delivered_on__isnull=False))
                | (~Q(status="delivered") & Q(delivered_on__isnull=True)),
                name="tracker_menumatch_delivered_on_iff_delivered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource.title} → {self.need.title}"

    def clean(self) -> None:
        if self.resource_id and self.need_id and (
            self.resource.volunteer.institution_id != self.need.unit.institution_id
        ):
            raise ValidationError(_("The offer and the need belong to different institutions."))
