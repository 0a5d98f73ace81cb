"""Named reads of the plan."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

if TYPE_CHECKING:
    from tracker.org.models import OrgUnit


def due_on(prefix: str = "") -> Coalesce:
    """A task's due date in SQL, as `Task.due` reads it: its own, else its stage's, phase's or plan's end.
    `prefix` is the path to the task from the queried model ("task__" from an update, say)."""
    return Coalesce(F(f"{prefix}due_date"), F(f"{prefix}stage__end_date"), F(f"{prefix}stage__phase__end_date"),
                    F(f"{prefix}stage__phase__plan__end_date"))


class TaskQuerySet(models.QuerySet):
    def with_schedule(self) -> TaskQuerySet:
        """Tasks with their stage, phase, plan and work area joined, `due_on` annotated and responsible parties
        prefetched."""
        TaskParty = self.model._meta.get_field("parties").related_model  # noqa: N806  (no import: models import us)
        return (
            self.select_related("stage__phase__plan__institution", "work_area")
            .annotate(due_on=due_on())
            .prefetch_related(
                Prefetch("parties", queryset=TaskParty.objects.select_related("unit").order_by("role", "id"))
            )
        )

    def for_report(self, *, updates_until: dt.date | None = None) -> TaskQuerySet:
        """`with_schedule` in plan order, and `latest_updates`: the latest update on or before `updates_until`."""
        TaskUpdate = self.model._meta.get_field("updates").related_model  # noqa: N806  (no import: models import us)
        latest = TaskUpdate.objects.filter(task=OuterRef("task"))
        if updates_until is not None:
            latest = latest.filter(date__lte=updates_until)
        latest_pk = latest.order_by("-date", "-created_at", "-id").values("pk")[:1]
        # With updates_until None, the latest of all. Three queries however many tasks: tasks, parties, updates.
        return (
            self.with_schedule()
            .prefetch_related(Prefetch("updates", queryset=TaskUpdate.objects.filter(pk=Subquery(latest_pk)),
                                       to_attr="latest_updates"))
            .order_by("stage__phase__plan_id", "stage__phase__order", "stage__order", "order", "id")
        )

    def overdue_on(self, day: dt.date) -> TaskQuerySet:
        """Tasks not done whose due date (`due_on`) is before `day`; a task with no known date is never overdue."""
        return self.annotate(due_on=due_on()).filter(due_on__lt=day).exclude(status="done")

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

