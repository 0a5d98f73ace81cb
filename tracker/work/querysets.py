"""Named reads of platforms and the ledger."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models

from tracker.org.querysets import ActivePeriodQuerySet

if TYPE_CHECKING:
    pass


class WorkPlatformQuerySet(ActivePeriodQuerySet):
    def for_list(self) -> WorkPlatformQuerySet:
        """Platforms with owner, host and volunteer co-leader joined and the number of volunteers involved."""
        return self.select_related("owner", "host", "volunteer_leader").annotate(
            volunteer_total=models.Count("volunteers", distinct=True)
        )


class ActivityQuerySet(models.QuerySet):
    def for_ledger(self) -> ActivityQuerySet:
        """Ledger entries with unit and platform joined and the number of evidence files, newest first."""
        return self.select_related("unit", "platform", "recorded_by").annotate(
            evidence_total=models.Count("evidence", distinct=True)
        ).order_by("-date", "-id")

    def between(self, start: dt.date | None, end: dt.date | None) -> ActivityQuerySet:
        """Entries dated within [start, end]; either bound may be open."""
        queryset = self
        if start:
            queryset = queryset.filter(date__gte=start)
        if end:
            queryset = queryset.filter(date__lte=end)
        return queryset

