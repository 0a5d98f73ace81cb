"""Copy forward: a plan carried into the next cycle (2019 优质化 → 2021 均衡发展 → 2025 …).

The copy has the source's whole structure (phases, stages, work areas, tasks and their parties) under a new title,
every date moved by the same number of months, and none of the source's progress: every task not started, at 0 %,
at version 1, with no updates and so no evidence. It points at its source (`copied_from`). Optionally the tasks the
source has done are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from tracker import access
from tracker.org.windows import months_between, shift_by_months
from tracker.plans.models import Phase, Plan, Stage, Task, TaskParty, WorkArea

REASON = "copy forward"
Errors = dict[str, list[str]]


def plan_title_taken(institution_id: int, title: str) -> bool:
    """The institution has a plan of this title already (titles are how people tell the cycles apart)."""
    return Plan.objects.filter(institution_id=institution_id, title=title.strip()).exists()


@dataclass
class PlanCopyDates:
    """How the copy's dates follow from the source's: shifted by `shift_months`, the plan's own window set anew
    where `start_date` / `end_date` are given. With no shift but a new start, the shift is the months from the
    source's start to the new one."""

    shift_months: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


def _resolve_shift(plan: Plan, dates: PlanCopyDates, errors: Errors) -> int:
    if dates.shift_months is not None:
        return dates.shift_months
    if dates.start_date is not None and plan.start_date is not None:
        return months_between(plan.start_date, dates.start_date)
    if dates.start_date is not None:
        errors.setdefault("shift_by", []).append(_(
            "The plan being copied has no start date, so its other dates cannot follow a new start: say by how much "
            "to move them."))
    else:
        errors.setdefault("shift_by", []).append(_("Say by how much to move the dates, or give the new plan's start."))
    return 0


@transaction.atomic
def copy_plan(*, actor: AbstractBaseUser, plan: Plan, title: str, issued_on: dt.date,
              dates: PlanCopyDates, leave_out_done: bool = False, document_number: str = "") -> Plan:
    """Copy `plan` into a new plan of the same institution for the next cycle (see the module's docstring).

    Named parties whose unit has been retired are not carried over (the unit no longer works on anything); parties
    named by kind always are. With `leave_out_done`, a done task is not copied, nor a stage (or phase) left with no
    task by that; numbers stay as the source has them.
    """
    if not access.can_edit_plan(actor, plan):
        raise PermissionDenied("actor may not copy this plan")
    errors: Errors = {}
    title = title.strip()
    if not title:
        errors.setdefault("title", []).append(_("Give the new plan a title."))
    elif plan_title_taken(plan.institution_id, title):
        errors.setdefault("title", []).append(
            _("There is already a plan called “%(title)s”; give the new one another title.") % {"title": title})
    months = _resolve_shift(plan, dates, errors)
    start = dates.start_date or shift_by_months(plan.start_date, months)
    end = dates.end_date or shift_by_months(plan.end_date, months)
    if start and end and start > end:
        errors.setdefault("end_date", []).append(_("The end date cannot be before the start date."))
    if errors:
        raise ValidationError(errors)

    def moved(day: dt.date | None) -> dt.date | None:
        return shift_by_months(day, months)

    copy = Plan(institution_id=plan.institution_id, title=title, attachment_title=plan.attachment_title,
                document_number=document_number.strip(), issued_on=issued_on,
                numbering_restarts_each_phase=plan.numbering_restarts_each_phase,
                start_date=start, end_date=end, copied_from=plan)
    copy.full_clean(validate_constraints=False)  # the window was checked above, with its message
    copy._history_user = actor
    copy._change_reason = REASON
    copy.save()

    # The source in four reads whatever its size: phases, stages, tasks, parties (with their units).
    phases = list(Phase.objects.filter(plan=plan).order_by("order"))
    stages = list(Stage.objects.filter(phase__plan=plan).order_by("phase__order", "order"))
    tasks = list(Task.objects.filter(stage__phase__plan=plan).order_by("stage__phase__order", "stage__order",
                                                                       "order", "id"))
    parties = list(TaskParty.objects.filter(task__stage__phase__plan=plan).select_related("unit")
                   .order_by("task_id", "role", "id"))
    areas = list(WorkArea.objects.filter(plan=plan).order_by("order", "id"))

    kept_tasks = [task for task in tasks if not (leave_out_done and task.status == Task.Status.DONE)]
    if leave_out_done:
        # A stage that had tasks and has none left is done as a whole; a phase likewise.
        had = {task.stage_id for task in tasks}
        left = {task.stage_id for task in kept_tasks}
        phase_had = {stage.phase_id for stage in stages if stage.pk in had}
        stages = [stage for stage in stages if stage.pk not in had or stage.pk in left]
        phase_left = {stage.phase_id for stage in stages}
        phases = [phase for phase in phases if phase.pk not in phase_had or phase.pk in phase_left]

    new_phases = {phase.pk: Phase(plan=copy, order=phase.order, name=phase.name, description=phase.description,
                                  start_date=moved(phase.start_date), end_date=moved(phase.end_date))
                  for phase in phases}
    bulk_create_with_history(list(new_phases.values()), Phase, default_user=actor, default_change_reason=REASON)
    new_stages = {stage.pk: Stage(phase=new_phases[stage.phase_id], order=stage.order, goal=stage.goal,
                                  start_date=moved(stage.start_date), end_date=moved(stage.end_date))
                  for stage in stages if stage.phase_id in new_phases}
    bulk_create_with_history(list(new_stages.values()), Stage, default_user=actor, default_change_reason=REASON)
    new_areas = {area.pk: WorkArea(plan=copy, order=area.order, name=area.name) for area in areas}
    bulk_create_with_history(list(new_areas.values()), WorkArea, default_user=actor, default_change_reason=REASON)
    new_tasks = {task.pk: Task(stage=new_stages[task.stage_id], order=task.order, number=task.number,
                               title=task.title, text=task.text, milestone=task.milestone,
                               work_area=new_areas.get(task.work_area_id),
                               start_date=moved(task.start_date), due_date=moved(task.due_date),
                               status=Task.Status.NOT_STARTED, progress=0, done_on=None, version=1)
                 for task in kept_tasks if task.stage_id in new_stages}
    bulk_create_with_history(list(new_tasks.values()), Task, default_user=actor, default_change_reason=REASON)
    new_parties = [TaskParty(task=new_tasks[party.task_id], role=party.role, kind=party.kind, unit_id=party.unit_id)
                   for party in parties
                   if party.task_id in new_tasks and (party.unit is None or not party.unit.is_retired)]
    bulk_create_with_history(new_parties, TaskParty, default_user=actor, default_change_reason=REASON)
    return copy
