"""Reads the kernel shares: records with an active period, and the units still in service."""

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


class OrgUnitQuerySet(models.QuerySet):
    """Organisational units."""

    def in_service(self, on: dt.date | None = None) -> OrgUnitQuerySet:
        """Units not retired (today), or not yet retired on the day `on`: the ones quotas, the dashboard and the
        boards count. A retired unit's records stay readable through the units themselves."""
        if on is None:
            return self.filter(retired_on__isnull=True)
        return self.filter(Q(retired_on__isnull=True) | Q(retired_on__gt=on))

    def offered(self, *keep: int | None) -> OrgUnitQuerySet:
        """The units a record may be given in a form: those in service, and the ones in `keep` (the unit a record
        already points at), so a record of a retired unit still shows its unit and saves unchanged."""
        condition = Q(retired_on__isnull=True)
        kept = [pk for pk in keep if pk]
        if kept:
            condition |= Q(pk__in=kept)
        return self.filter(condition)
