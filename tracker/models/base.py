"""Pieces several models share."""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
