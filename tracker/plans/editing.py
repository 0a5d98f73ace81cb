"""Writes of the plan editor: a plan, its phases, stages, work areas and tasks (with their parties).

Every function takes `actor=`, checks `access.can_create_plan` / `access.can_edit_plan`, validates (a
ValidationError with its messages under the field they are about), refuses a save made against an older version
(`lock_at_version`; each save raises the version) and records who (`_history_user`).

Dates: a reversed window (start after end) is refused on a plan, a phase, a stage and a task. A task whose own
dates fall outside its phase's or stage's window, and a phase outside its plan's, is saved with a warning: the
documents do that ("2019年11月前" for a phase whose training is held in December). Each write that can warn returns
an `Edited`: the object and the warnings.

Order numbers are given here, never typed: a new phase, stage, work area or task comes after the others; a move
swaps two neighbours (through a free number, since (plan, order) and (phase, order) are unique); a deletion closes
the gap, so that phases stay 一、二、三.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from tracker import access
from tracker.org.models import Institution, OrgUnit
from tracker.org.versions import StaleEditError, lock_at_version
from tracker.org.windows import format_window
from tracker.plans.models import PARTY_KIND_LABELS, Phase, Plan, Stage, Task, TaskParty, WorkArea
from tracker.plans.services import tell_task_changed  # issue 15

Errors = dict[str, list[str]]
DIRECT_ORDER = 0  # the order of a phase's direct stage (its tasks held without a stage)


@dataclass
class Edited:
    """What a write saved, and what it warns about (saved all the same)."""

    obj: models.Model
    warnings: list[str] = field(default_factory=list)


@dataclass
class PlanData:
    title: str
    issued_on: dt.date | None
    attachment_title: str = ""
    document_number: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    numbering_restarts_each_phase: bool = False


@dataclass
class PhaseData:
    name: str
    description: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None


@dataclass
class StageData:
    goal: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None


@dataclass(frozen=True)
class Party:
    """A responsible party as chosen: every unit of `kind` (unit None), or one named unit."""

    kind: str
    unit: OrgUnit | None = None

    @property
    def key(self) -> tuple[str, int | None]:
        return self.kind, self.unit.pk if self.unit is not None else None

    @property
    def label(self) -> str:
        return self.unit.label if self.unit is not None else str(PARTY_KIND_LABELS.get(self.kind, self.kind))


@dataclass
class TaskData:
    number: str
    title: str
    text: str = ""
    work_area: WorkArea | None = None
    milestone: bool = False
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    lead: Sequence[Party] = ()
    cooperating: Sequence[Party] = ()


# --- Shared rules -------------------------------------------------------------------------------


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _check_window(errors: Errors, start: dt.date | None, end: dt.date | None, end_field: str = "end_date") -> None:
    if start is not None and end is not None and start > end:
        _add(errors, end_field, _("The end (%(end)s) is before the start (%(start)s).")
             % {"end": end.isoformat(), "start": start.isoformat()})


def _outside(start: dt.date | None, end: dt.date | None, outer_start: dt.date | None,
             outer_end: dt.date | None) -> bool:
    """Whether a known date of [start, end] falls outside the known ends of the outer window."""
    dates = [day for day in (start, end) if day is not None]
    return any((outer_start is not None and day < outer_start) or (outer_end is not None and day > outer_end)
               for day in dates)


def phase_warnings(phase: Phase) -> list[str]:
    """A phase whose window reaches outside its plan's."""
    plan = phase.plan
    if _outside(phase.start_date, phase.end_date, plan.start_date, plan.end_date):
        return [_("The phase “%(name)s” (%(window)s) falls outside the plan's time (%(plan)s).")
                % {"name": phase.name, "window": phase.window, "plan": plan.window}]
    return []


def task_warnings(task: Task) -> list[str]:
    """A task whose own dates fall outside its stage's or its phase's window (reads the stage and phase joined)."""
    stage = task.stage
    phase = stage.phase
    start = None if task.milestone else task.start_date
    window = format_window(start, task.due_date) if not task.milestone else task.due_date.isoformat()
    warnings = []
    if _outside(start, task.due_date, phase.start_date, phase.end_date):
        warnings.append(_("Task %(number)s (%(window)s) falls outside its phase's time (%(phase)s).")
                        % {"number": task.number, "window": window, "phase": phase.window})
    elif not stage.is_direct and _outside(start, task.due_date, stage.start_date, stage.end_date):
        warnings.append(_("Task %(number)s (%(window)s) falls outside its stage's time (%(stage)s).")
                        % {"number": task.number, "window": window, "stage": stage.window})
    return warnings


def _check_plan(actor: AbstractBaseUser, plan: Plan) -> None:
    if not access.can_edit_plan(actor, plan):
        raise PermissionDenied("actor may not edit this plan")


def _stale() -> str:
    return _("Someone else changed this after you opened the page. Your input is kept below; look at their "
             "changes, then save again.")


def _save(actor: AbstractBaseUser, obj: models.Model, *, new_version: bool = True) -> None:
    if new_version and obj.pk is not None and hasattr(obj, "version"):
        obj.version += 1
    obj._history_user = actor
    obj.save()


def _full_clean(obj: models.Model, errors: Errors, exclude: Iterable[str] = ()) -> None:
    """The model's own field checks (lengths, required), merged under their fields; constraints are checked above
    with messages that say what to do."""
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            for message in messages:
                if message not in errors.get(key, []):
                    _add(errors, key, message)


def _raise(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _close_gap(rows: models.QuerySet, removed: int) -> None:
    """After a deletion, the rows after `removed` move one place up (ascending: each into the place just freed)."""
    for row in rows.filter(order__gt=removed).order_by("order"):
        type(row).objects.filter(pk=row.pk).update(order=row.order - 1)


def _renumber_moved(actor: AbstractBaseUser, siblings: QuerySet, current: models.Model, up: bool) -> None:
    """Move `current` one place up or down among `siblings` (rows with no unique order: work areas, tasks) and
    number them 1, 2, … again; at either end nothing moves."""
    rows = list(siblings.select_for_update().order_by("order", "pk"))
    index = next(n for n, sibling in enumerate(rows) if sibling.pk == current.pk)
    target = index - 1 if up else index + 1
    if not 0 <= target < len(rows):
        return
    rows[index], rows[target] = rows[target], rows[index]
    for position, sibling in enumerate(rows, start=1):
        if sibling.order != position:
            sibling.order = position
            _save(actor, sibling)


def _swap(actor: AbstractBaseUser, first: models.Model, second: models.Model, free: int) -> None:
    """Swap two rows' order numbers through a free one (the pair is unique), each saved as a new version."""
    a, b = first.order, second.order
    type(first).objects.filter(pk=first.pk).update(order=free)
    second.order = a
    _save(actor, second)
    first.order = b
    _save(actor, first)


# --- Plans --------------------------------------------------------------------------------------


def _apply_plan(plan: Plan, data: PlanData) -> None:
    plan.title = data.title.strip()
    plan.attachment_title = data.attachment_title.strip()
    plan.document_number = data.document_number.strip()
    plan.issued_on = data.issued_on
    plan.start_date = data.start_date
    plan.end_date = data.end_date
    plan.numbering_restarts_each_phase = data.numbering_restarts_each_phase


def _validate_plan(plan: Plan) -> None:
    errors: Errors = {}
    if not plan.title:
        _add(errors, "title", _("Give the plan its title, as the document has it."))
    if plan.issued_on is None:
        _add(errors, "issued_on", _("Give the date the plan was issued."))
    _check_window(errors, plan.start_date, plan.end_date)
    _full_clean(plan, errors, exclude=["copied_from"])
    _raise(errors)


@transaction.atomic
def plan_create(*, actor: AbstractBaseUser, institution: Institution, data: PlanData) -> Edited:
    """A new plan of the institution, with no phase yet."""
    if not access.can_create_plan(actor, institution.pk):
        raise PermissionDenied("actor may not create plans for this institution")
    plan = Plan(institution=institution)
    _apply_plan(plan, data)
    _validate_plan(plan)
    _save(actor, plan)
    return Edited(plan)


@transaction.atomic
def plan_update(*, actor: AbstractBaseUser, plan: Plan, loaded_version: int, data: PlanData) -> Edited:
    """The plan's own fields; warns of phases that now fall outside its window."""
    _check_plan(actor, plan)
    current = lock_at_version(Plan.objects.select_related("institution"), plan.pk, loaded_version, _stale())
    _apply_plan(current, data)
    _validate_plan(current)
    _save(actor, current)
    warnings = [w for phase in current.phases.all() for w in phase_warnings(phase)]
    return Edited(current, warnings)


# --- Phases -------------------------------------------------------------------------------------


def _validate_phase(phase: Phase) -> None:
    errors: Errors = {}
    if not phase.name:
        _add(errors, "name", _("Give the phase its name (学习推进年, 对标找差 …)."))
    _check_window(errors, phase.start_date, phase.end_date)
    _full_clean(phase, errors, exclude=["plan", "order"])
    _raise(errors)


def _apply_phase(phase: Phase, data: PhaseData) -> None:
    phase.name = data.name.strip()
    phase.description = data.description.strip()
    phase.start_date = data.start_date
    phase.end_date = data.end_date


def _next_order(rows: models.QuerySet, at_least: int = 1) -> int:
    last = rows.aggregate(last=Max("order"))["last"]
    return max((last or 0) + 1, at_least)


@transaction.atomic
def phase_add(*, actor: AbstractBaseUser, plan: Plan, data: PhaseData) -> Edited:
    """A new phase after the others."""
    _check_plan(actor, plan)
    Plan.objects.select_for_update().get(pk=plan.pk)  # one order number at a time
    phase = Phase(plan=plan)
    _apply_phase(phase, data)
    _validate_phase(phase)
    phase.order = _next_order(plan.phases.all())
    _save(actor, phase)
    return Edited(phase, phase_warnings(phase))


def _locked_phase(actor: AbstractBaseUser, phase: Phase, loaded_version: int) -> Phase:
    _check_plan(actor, phase.plan)
    return lock_at_version(Phase.objects.select_related("plan"), phase.pk, loaded_version, _stale())


@transaction.atomic
def phase_update(*, actor: AbstractBaseUser, phase: Phase, loaded_version: int, data: PhaseData) -> Edited:
    """The phase's name, description and window; warns when it leaves the plan's window, or its tasks leave it."""
    current = _locked_phase(actor, phase, loaded_version)
    _apply_phase(current, data)
    _validate_phase(current)
    _save(actor, current)
    warnings = phase_warnings(current)
    for task in Task.objects.filter(stage__phase=current).select_related("stage__phase__plan").order_by(
            "stage__order", "order", "pk"):
        warnings += task_warnings(task)
    return Edited(current, warnings)


@transaction.atomic
def phase_move(*, actor: AbstractBaseUser, phase: Phase, loaded_version: int, up: bool) -> Phase:
    """One place up or down among the plan's phases (the first stays first, the last last)."""
    current = _locked_phase(actor, phase, loaded_version)
    siblings = list(Phase.objects.select_for_update().filter(plan_id=current.plan_id).order_by("order", "pk"))
    index = next(n for n, sibling in enumerate(siblings) if sibling.pk == current.pk)
    target = index - 1 if up else index + 1
    if not 0 <= target < len(siblings):
        return current
    _swap(actor, siblings[index], siblings[target], free=siblings[-1].order + 1)
    return siblings[index]


def _tasks_with_updates(tasks: models.QuerySet) -> list[Task]:
    return list(tasks.filter(updates__isnull=False).distinct().order_by("number"))


@transaction.atomic
def phase_delete(*, actor: AbstractBaseUser, phase: Phase, loaded_version: int) -> None:
    """Delete an empty phase (its direct stage and empty stages with it); a phase that holds tasks is refused."""
    current = _locked_phase(actor, phase, loaded_version)
    if Task.objects.filter(stage__phase=current).exists():
        raise ValidationError(_("The phase “%(name)s” still holds tasks: delete or move them first.")
                              % {"name": current.name})
    for stage in current.stages.all():
        stage._history_user = actor
        stage.delete()
    order, plan_id = current.order, current.plan_id
    current._history_user = actor
    current.delete()
    _close_gap(Phase.objects.filter(plan_id=plan_id), order)


# --- Stages -------------------------------------------------------------------------------------


def _apply_stage(stage: Stage, data: StageData) -> None:
    stage.goal = data.goal.strip()
    stage.start_date = data.start_date
    stage.end_date = data.end_date


def _validate_stage(stage: Stage) -> None:
    errors: Errors = {}
    if not stage.goal and stage.start_date is None and stage.end_date is None:
        _add(errors, "goal", _("Give the stage a goal or a time. Tasks the phase holds without a stage are added "
                               "with “Add a task to the phase”."))
    _check_window(errors, stage.start_date, stage.end_date)
    _full_clean(stage, errors, exclude=["phase", "order"])
    _raise(errors)


def stage_window_warnings(stage: Stage) -> list[str]:
    phase = stage.phase
    if _outside(stage.start_date, stage.end_date, phase.start_date, phase.end_date):
        return [_("The stage (%(window)s) falls outside its phase's time (%(phase)s).")
                % {"window": stage.window, "phase": phase.window}]
    return []


@transaction.atomic
def stage_add(*, actor: AbstractBaseUser, phase: Phase, data: StageData) -> Edited:
    """A new stage of the phase, after its others."""
    _check_plan(actor, phase.plan)
    Phase.objects.select_for_update().get(pk=phase.pk)
    stage = Stage(phase=phase)
    _apply_stage(stage, data)
    _validate_stage(stage)
    stage.order = _next_order(phase.stages.all())
    _save(actor, stage)
    return Edited(stage, stage_window_warnings(stage))


def _locked_stage(actor: AbstractBaseUser, stage: Stage, loaded_version: int) -> Stage:
    _check_plan(actor, stage.phase.plan)
    return lock_at_version(Stage.objects.select_related("phase__plan"), stage.pk, loaded_version, _stale())


@transaction.atomic
def stage_update(*, actor: AbstractBaseUser, stage: Stage, loaded_version: int, data: StageData) -> Edited:
    current = _locked_stage(actor, stage, loaded_version)
    if current.is_direct:
        raise ValidationError(_("The tasks the phase holds directly have no goal or time of their own."))
    _apply_stage(current, data)
    _validate_stage(current)
    _save(actor, current)
    warnings = stage_window_warnings(current)
    for task in current.tasks.select_related("stage__phase__plan").order_by("order", "pk"):
        warnings += task_warnings(task)
    return Edited(current, warnings)


@transaction.atomic
def stage_move(*, actor: AbstractBaseUser, stage: Stage, loaded_version: int, up: bool) -> Stage:
    """One place up or down among the phase's stages (the phase's own tasks stay first)."""
    current = _locked_stage(actor, stage, loaded_version)
    siblings = [s for s in Stage.objects.select_for_update().filter(phase_id=current.phase_id).order_by("order", "pk")
                if not (s.order == DIRECT_ORDER and s.is_direct)]
    index = next(n for n, sibling in enumerate(siblings) if sibling.pk == current.pk)
    target = index - 1 if up else index + 1
    if not 0 <= target < len(siblings):
        return current
    _swap(actor, siblings[index], siblings[target], free=max(s.order for s in siblings) + 1)
    return siblings[index]


@transaction.atomic
def stage_delete(*, actor: AbstractBaseUser, stage: Stage, loaded_version: int) -> None:
    """Delete a stage that holds no task."""
    current = _locked_stage(actor, stage, loaded_version)
    if current.tasks.exists():
        raise ValidationError(_("This stage still holds tasks: delete or move them first."))
    order, phase_id = current.order, current.phase_id
    current._history_user = actor
    current.delete()
    if order != DIRECT_ORDER:
        _close_gap(Stage.objects.filter(phase_id=phase_id).exclude(order=DIRECT_ORDER), order)


def direct_stage(actor: AbstractBaseUser, phase: Phase) -> Stage:
    """The stage holding the tasks the phase has directly (order 0, no window, no goal), made on first use."""
    stage = phase.stages.filter(order=DIRECT_ORDER).first()
    if stage is not None:
        if not stage.is_direct:
            raise ValidationError({"placement": _("This phase's first stage has a goal or a time; add the task to "
                                                  "a stage.")})
        return stage
    stage = Stage(phase=phase, order=DIRECT_ORDER)
    _save(actor, stage)
    return stage


# --- Work areas ---------------------------------------------------------------------------------


def _validate_area(area: WorkArea) -> None:
    errors: Errors = {}
    if not area.name:
        _add(errors, "name", _("Give the work area a name (队伍建设, 平台建设 …)."))
    elif WorkArea.objects.filter(plan_id=area.plan_id, name=area.name).exclude(pk=area.pk).exists():
        _add(errors, "name", _("The plan already has a work area called “%(name)s”.") % {"name": area.name})
    _full_clean(area, errors, exclude=["plan", "order"])
    _raise(errors)


@transaction.atomic
def work_area_add(*, actor: AbstractBaseUser, plan: Plan, name: str) -> WorkArea:
    _check_plan(actor, plan)
    Plan.objects.select_for_update().get(pk=plan.pk)
    area = WorkArea(plan=plan, name=name.strip(), order=_next_order(plan.work_areas.all()))
    _validate_area(area)
    _save(actor, area)
    return area


def _locked_area(actor: AbstractBaseUser, area: WorkArea, loaded_name: str) -> WorkArea:
    """A work area has no version: the name the page showed stands for it."""
    _check_plan(actor, area.plan)
    current = WorkArea.objects.select_for_update().select_related("plan").get(pk=area.pk)
    if current.name != loaded_name:
        newer = list(current.history.select_related("history_user").order_by("-history_id")[:1])
        raise StaleEditError(_stale(), newer)
    return current


@transaction.atomic
def work_area_rename(*, actor: AbstractBaseUser, area: WorkArea, loaded_name: str, name: str) -> WorkArea:
    current = _locked_area(actor, area, loaded_name)
    current.name = name.strip()
    _validate_area(current)
    _save(actor, current)
    return current


@transaction.atomic
def work_area_move(*, actor: AbstractBaseUser, area: WorkArea, loaded_name: str, up: bool) -> WorkArea:
    current = _locked_area(actor, area, loaded_name)
    _renumber_moved(actor, WorkArea.objects.filter(plan_id=current.plan_id), current, up)
    return current


@transaction.atomic
def work_area_delete(*, actor: AbstractBaseUser, area: WorkArea, loaded_name: str) -> int:
    """Delete a work area; its tasks stay, with no work area. Returns how many tasks it had."""
    current = _locked_area(actor, area, loaded_name)
    tasks = list(current.tasks.select_for_update())
    for task in tasks:
        task.work_area = None
        _save(actor, task)
    current._history_user = actor
    current.delete()
    return len(tasks)


# --- Tasks --------------------------------------------------------------------------------------


def _check_parties(errors: Errors, plan: Plan, data: TaskData, kept_units: set[int]) -> None:
    """At least one lead; each party of a kind the documents name, each named unit the plan's institution's and in
    service (a retired unit already a party of the task stays)."""
    if not data.lead:
        _add(errors, "lead", _("Choose at least one lead unit."))
    for key, parties in (("lead", data.lead), ("cooperating", data.cooperating)):
        for party in parties:
            if party.kind not in PARTY_KIND_LABELS:
                _add(errors, key, _("Choose the parties from the list."))
            elif party.unit is not None:
                unit = party.unit
                if unit.institution_id != plan.institution_id or unit.kind != party.kind:
                    _add(errors, key, _("Choose the parties from the list."))
                elif unit.is_retired and unit.pk not in kept_units:
                    _add(errors, key, _("%(name)s was retired and cannot be given new tasks.") % {"name": unit.name})
    both = {p.key for p in data.lead} & {p.key for p in data.cooperating}
    for party in data.lead:
        if party.key in both:
            _add(errors, "cooperating", _("%(name)s is already the lead; it cannot also co-operate.")
                 % {"name": party.label})


def _validate_task(task: Task, data: TaskData, kept_units: set[int]) -> None:
    errors: Errors = {}
    phase = task.stage.phase
    plan = phase.plan
    if not task.number:
        _add(errors, "number", _("Give the task its number, as the document numbers it."))
    else:
        same = (Task.objects.filter(stage__phase=phase, number=task.number).exclude(pk=task.pk)
                .order_by("pk").first())
        if same is not None:
            _add(errors, "number", _("Number %(number)s is already task “%(title)s” of this phase.")
                 % {"number": task.number, "title": same.title})
    if not task.title:
        _add(errors, "title", _("Give the task a title (its first sentence)."))
    if task.milestone:
        if task.due_date is None:
            _add(errors, "due_date", _("A milestone needs its date."))
        if task.start_date is not None:
            _add(errors, "start_date", _("A milestone is a single dated event: leave the start empty and give "
                                         "its date as the due date."))
    else:
        _check_window(errors, task.start_date, task.due_date, end_field="due_date")
    if task.work_area_id is not None and task.work_area.plan_id != plan.pk:
        _add(errors, "work_area", _("Choose a work area of this plan."))
    _check_parties(errors, plan, data, kept_units)
    _full_clean(task, errors, exclude=["stage", "order", "work_area", "text"])
    _raise(errors)


def _apply_task(task: Task, data: TaskData) -> None:
    task.number = data.number.strip()
    task.title = data.title.strip()
    task.text = data.text.strip() or task.title
    task.work_area = data.work_area
    task.milestone = data.milestone
    task.start_date = data.start_date
    task.due_date = data.due_date


def _set_parties(actor: AbstractBaseUser, task: Task, data: TaskData) -> None:
    """The task's parties become those chosen: the others deleted, the new ones added (each change recorded)."""
    wanted = {(TaskParty.Role.LEAD, p.key): p for p in data.lead}
    wanted |= {(TaskParty.Role.COOPERATING, p.key): p for p in data.cooperating}
    existing = {}
    for party in task.parties.all():
        existing[(party.role, (party.kind, party.unit_id))] = party
    for key, party in existing.items():
        if key not in wanted:
            party._history_user = actor
            party.delete()
    for (role, key), chosen in wanted.items():
        if (role, key) not in existing:
            party = TaskParty(task=task, role=role, kind=chosen.kind, unit=chosen.unit)
            party._history_user = actor
            party.save()


def _placement_stage(actor: AbstractBaseUser, plan: Plan, phase: Phase | None, stage: Stage | None) -> Stage:
    """The stage a task goes in: the stage chosen, or the phase's direct stage."""
    if stage is not None:
        if stage.phase.plan_id != plan.pk:
            raise ValidationError({"placement": _("Choose a phase or stage of this plan.")})
        return stage
    if phase is None or phase.plan_id != plan.pk:
        raise ValidationError({"placement": _("Choose a phase or stage of this plan.")})
    return direct_stage(actor, phase)


@transaction.atomic
def task_add(*, actor: AbstractBaseUser, plan: Plan, data: TaskData, phase: Phase | None = None,
             stage: Stage | None = None) -> Edited:
    """A new task at the end of `stage`, or of the phase's own tasks (its direct stage, made on demand), with its
    parties."""
    _check_plan(actor, plan)
    Plan.objects.select_for_update().get(pk=plan.pk)
    stage = _placement_stage(actor, plan, phase, stage)
    task = Task(stage=stage)
    _apply_task(task, data)
    _validate_task(task, data, kept_units=set())
    task.order = _next_order(stage.tasks.all())
    _save(actor, task)
    _set_parties(actor, task, data)
    return Edited(task, task_warnings(task))


def _locked_task(actor: AbstractBaseUser, task: Task, loaded_version: int) -> Task:
    _check_plan(actor, task.stage.phase.plan)
    return lock_at_version(Task.objects.select_related("stage__phase__plan", "work_area"), task.pk, loaded_version,
                           _stale())


@transaction.atomic
def task_update(*, actor: AbstractBaseUser, task: Task, loaded_version: int, data: TaskData,
                phase: Phase | None = None, stage: Stage | None = None) -> Edited:
    """The task's number, words, work area, dates and parties; given a phase or stage, it moves there (to its end).
    Its status and progress are its updates' to change."""
    current = _locked_task(actor, task, loaded_version)
    plan = current.stage.phase.plan
    if phase is not None or stage is not None:
        target = _placement_stage(actor, plan, phase, stage)
        if target.pk != current.stage_id:
            current.stage = target
            current.order = _next_order(target.tasks.all())
    _apply_task(current, data)
    kept = {party.unit_id for party in current.parties.all() if party.unit_id is not None}
    _validate_task(current, data, kept_units=kept)
    _save(actor, current)
    _set_parties(actor, current, data)
    tell_task_changed(current, actor, event=f"task:{current.pk}:edit:v{current.version}",
                      what=_("Its wording, dates or responsible units were edited in the plan."))
    return Edited(current, task_warnings(current))


@transaction.atomic
def task_move(*, actor: AbstractBaseUser, task: Task, loaded_version: int, up: bool) -> Task:
    """One place up or down among the tasks of its stage."""
    current = _locked_task(actor, task, loaded_version)
    _renumber_moved(actor, Task.objects.filter(stage_id=current.stage_id), current, up)
    return current


@transaction.atomic
def task_delete(*, actor: AbstractBaseUser, task: Task, loaded_version: int) -> None:
    """Delete a task and its parties; a task with progress updates is refused (its log is the record)."""
    current = _locked_task(actor, task, loaded_version)
    count = current.updates.count()
    if count:
        raise ValidationError(
            _("Task %(number)s has %(count)s progress updates: it cannot be deleted, since its log is the record "
              "of the work done.") % {"number": current.number, "count": count})
    for party in current.parties.all():
        party._history_user = actor
        party.delete()
    current._history_user = actor
    current.delete()


def next_task_number(plan: Plan, phase: Phase | None) -> str:
    """The number a new task is offered: after the highest plain number of the phase (numbering restarts) or of
    the plan."""
    tasks = Task.objects.filter(stage__phase__plan=plan)
    if plan.numbering_restarts_each_phase and phase is not None:
        tasks = tasks.filter(stage__phase=phase)
    numbers = [int(n) for n in tasks.values_list("number", flat=True) if n.isdigit()]
    return str(max(numbers, default=0) + 1)
