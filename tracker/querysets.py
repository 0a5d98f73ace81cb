"""Named reads. A view calls one of these; it never builds joins itself."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Prefetch, Q
from django.db.models.functions import Coalesce

if TYPE_CHECKING:
    from .models import OrgUnit


class TaskQuerySet(models.QuerySet):
    def with_schedule(self) -> TaskQuerySet:
        """Tasks with their stage, phase and plan joined, `due_on` annotated and responsible parties prefetched."""
        from .models import TaskParty

        return (
            self.select_related("stage__phase__plan__institution")
            .annotate(due_on=Coalesce(F("due_date"), F("stage__end_date")))
            .prefetch_related(
                Prefetch("parties", queryset=TaskParty.objects.select_related("unit").order_by("role", "id"))
            )
        )

    def overdue_on(self, day: dt.date) -> TaskQuerySet:
        """Tasks not done whose due date (their own, else their stage's end) is before `day`."""
        return self.annotate(due_on=Coalesce(F("due_date"), F("stage__end_date"))).filter(
            due_on__lt=day
        ).exclude(status="done")

    def for_unit(self, unit: OrgUnit) -> TaskQuerySet:
        """Tasks this unit answers for: named as that unit, or as every unit of its kind."""
        return self.filter(
            Q(parties__unit=unit) | Q(parties__unit__isnull=True, parties__kind=unit.kind)
        ).distinct()

    def led_by(self, unit: OrgUnit) -> TaskQuerySet:
        """Tasks whose lead party is this unit, or every unit of its kind."""
        return self.filter(
            Q(parties__role="lead") & (Q(parties__unit=unit) | Q(parties__unit__isnull=True, parties__kind=unit.kind))
        ).distinct()


class TaskUpdateQuerySet(models.QuerySet):
    def for_log(self) -> TaskUpdateQuerySet:
        """Updates newest first, with author, unit and evidence files fetched in two more queries at most."""
        return self.select_related("author", "unit").prefetch_related("evidence")


class PlanQuerySet(models.QuerySet):
    def with_progress(self) -> PlanQuerySet:
        """Plans with their institution and counts of tasks in all and done."""
        return self.select_related("institution").annotate(
            task_total=models.Count("phases__stages__tasks", distinct=True),
            task_done=models.Count("phases__stages__tasks", filter=Q(phases__stages__tasks__status="done"),
                                   distinct=True),
        )


class VolunteerQuerySet(models.QuerySet):
    def for_roster(self) -> VolunteerQuerySet:
        """Volunteers with their unit joined and specialities prefetched, in roster order."""
        return self.select_related("unit").prefetch_related("specialities").order_by("unit__order", "unit__name", "name")

    def active_on(self, day: dt.date) -> VolunteerQuerySet:
        """Volunteers on the roster on `day` (no dates means always)."""
        return self.filter(Q(active_from__isnull=True) | Q(active_from__lte=day)).filter(
            Q(active_to__isnull=True) | Q(active_to__gte=day)
        )


class WorkPlatformQuerySet(models.QuerySet):
    def for_list(self) -> WorkPlatformQuerySet:
        """Platforms with owner, host and volunteer co-leader joined and the number of volunteers involved."""
        return self.select_related("owner", "host", "volunteer_leader").annotate(
            volunteer_total=models.Count("volunteers", distinct=True)
        )

    def active_on(self, day: dt.date) -> WorkPlatformQuerySet:
        """Platforms running on `day` (no dates means always)."""
        return self.filter(Q(active_from__isnull=True) | Q(active_from__lte=day)).filter(
            Q(active_to__isnull=True) | Q(active_to__gte=day)
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
