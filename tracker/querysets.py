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


class ActivePeriodQuerySet(models.QuerySet):
    """For models with an active_from / active_to period (volunteers on a roster, running platforms)."""

    def active_on(self, day: dt.date) -> ActivePeriodQuerySet:
        """Rows active on `day`; an empty bound is open."""
        return self.filter(Q(active_from__isnull=True) | Q(active_from__lte=day)).filter(
            Q(active_to__isnull=True) | Q(active_to__gte=day)
        )


class VolunteerQuerySet(ActivePeriodQuerySet):
    def for_roster(self) -> VolunteerQuerySet:
        """Volunteers with their unit joined and specialities prefetched, in roster order."""
        return (
            self.select_related("unit").prefetch_related("specialities").order_by("unit__order", "unit__name", "name")
        )



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


# --- Roster and teams -------------------------------------------------------------------------
# Team and TeamMembership keep Django's plain manager (and VolunteerQuerySet's methods are not changed
# here), so these roster reads are functions over a queryset; each owns its joins like a QuerySet method.


def volunteers_for_roster_page(volunteers: models.QuerySet) -> models.QuerySet:
    """Roster rows: unit joined, specialities and current team memberships (with their team) prefetched."""
    from .models import TeamMembership

    current = TeamMembership.objects.filter(left_on__isnull=True).select_related("team").order_by("team__order")
    return volunteers.for_roster().prefetch_related(Prefetch("memberships", queryset=current, to_attr="current_teams"))


def volunteers_for_choice(volunteers: models.QuerySet) -> models.QuerySet:
    """Volunteers for a drop-down: unit joined (the label names it), in roster order."""
    return volunteers.select_related("unit").order_by("unit__order", "unit__name", "name", "id")


def teams_with_member_counts(teams: models.QuerySet) -> models.QuerySet:
    """Teams with their institution joined and `current_total`: memberships not ended."""
    return teams.select_related("institution").annotate(
        current_total=models.Count("memberships", filter=Q(memberships__left_on__isnull=True), distinct=True),
    ).order_by("institution__code", "order", "name")


def memberships_for_page(memberships: models.QuerySet) -> models.QuerySet:
    """Memberships with team, volunteer and the volunteer's unit joined: current ones first, then newest."""
    return memberships.select_related("team", "volunteer__unit").order_by(
        F("left_on").desc(nulls_first=True), "-joined_on", "volunteer__name", "id",
    )


def standards_for_list(standards: models.QuerySet) -> models.QuerySet:
    """Standards with their institution joined and their item count, shared ones first, then by level and name."""
    return standards.select_related("institution").annotate(item_count=models.Count("groups__items")).order_by(
        F("institution__code").asc(nulls_first=True), "level", "name", "id",
    )


def standard_items_for_page(standard: models.Model) -> models.QuerySet:
    """A standard's items in order, each with its group joined (one query for the whole table)."""
    from .models import StandardItem  # the models import this module: import here, not at the top

    return StandardItem.objects.filter(group__standard=standard).select_related("group").order_by(
        "group__order", "order", "id",
    )
