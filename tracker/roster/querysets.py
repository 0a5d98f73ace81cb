"""Named reads of the roster."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Prefetch, Q

from tracker.org.querysets import ActivePeriodQuerySet

if TYPE_CHECKING:
    pass


class VolunteerQuerySet(ActivePeriodQuerySet):
    def for_roster(self) -> VolunteerQuerySet:
        """Volunteers with their unit joined and specialities prefetched, in roster order."""
        return (
            self.select_related("unit").prefetch_related("specialities").order_by("unit__order", "unit__name", "name")
        )


def volunteers_for_roster_page(volunteers: models.QuerySet) -> models.QuerySet:
    """Roster rows: unit joined, specialities and current team memberships (with their team) prefetched."""
    TeamMembership = volunteers.model._meta.get_field("memberships").related_model  # noqa: N806  (models import us)
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

