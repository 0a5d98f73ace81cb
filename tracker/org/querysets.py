"""Reads the kernel shares: records with an active period."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    pass


class ActivePeriodQuerySet(models.QuerySet):
    """For models with an active_from / active_to period (volunteers on a roster, running platforms)."""

    def active_on(self, day: dt.date) -> ActivePeriodQuerySet:
        """Rows active on `day`; an empty bound is open."""
        return self.filter(Q(active_from__isnull=True) | Q(active_from__lte=day)).filter(
            Q(active_to__isnull=True) | Q(active_to__gte=day)
        )

