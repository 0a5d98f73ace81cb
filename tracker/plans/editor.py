"""The plan editor: a plan, its phases, stages, work areas and tasks, edited on a page laid out as the 推进表.

Committee staff of the plan's institution and the administrator edit (`access.can_edit_plan`); every other role
that reads the plan gets a 403, another institution's plan, phase, stage, task or work area is a 404. Writes go
through `tracker.plans.editing`; a refused form is shown again with what was typed (400), a stale one with what
others saved since (409).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker import access
from tracker.org.forms import add_errors
from tracker.org.history import changes_among, changes_in
from tracker.org.ids import as_id
from tracker.org.models import Institution, OrgUnit
from tracker.org.versions import StaleEditError, refused_as_stale
from tracker.org.windows import format_window
from tracker.plans import editing
from tracker.plans.editor_forms import (
    DeleteForm,
    MoveForm,
    PhaseForm,
    PlanForm,
    StageForm,
    TaskForm,
    WorkAreaForm,
)
from tracker.plans.models import Phase, Plan, Stage, Task, TaskParty, WorkArea

RECENT = 15  # lines of the editor page's "recent changes"
FORM_TEMPLATE = "tracker/plans/editor/form.html"


# --- Finding what is edited: 404 for another institution's, 403 for those who may not edit -------------------


def _editable_plan(request: HttpRequest, pk: int) -> Plan:
    plan = access.get_plan_for_user(request.user, pk)
    if not access.can_edit_plan(request.user, plan):
        raise PermissionDenied
    return plan


def _editable(request: HttpRequest, queryset, pk: int, plan_of):
    obj = get_object_or_404(queryset, pk=pk)
    if not access.can_edit_plan(request.user, plan_of(obj)):
        raise PermissionDenied
    return obj


def _phase(request: HttpRequest, pk: int) -> Phase:
    rows = Phase.objects.filter(plan__in=access.plans_visible_to(request.user)).select_related("plan__institution")
    return _editable(request, rows, pk, lambda phase: phase.plan)


def _stage(request: HttpRequest, pk: int) -> Stage:
    rows = Stage.objects.filter(phase__plan__in=access.plans_visible_to(request.user))
    return _editable(request, rows.select_related("phase__plan__institution"), pk, lambda stage: stage.phase.plan)


def _task(request: HttpRequest, pk: int) -> Task:
    rows = access.tasks_visible_to(request.user).with_schedule().select_related("work_area")
    return _editable(request, rows, pk, lambda task: task.stage.phase.plan)


def _area(request: HttpRequest, pk: int) -> WorkArea:
    rows = WorkArea.objects.filter(plan__in=access.plans_visible_to(request.user)).select_related("plan")
    return _editable(request, rows, pk, lambda area: area.plan)


def editor_url(plan_or_pk, anchor: str = "") -> str:
    pk = plan_or_pk.pk if isinstance(plan_or_pk, Plan) else plan_or_pk
    return reverse("tracker:plan-editor", args=[pk]) + (f"#{anchor}" if anchor else "")


def _tell(request: HttpRequest, saved: str, warnings: list[str]) -> None:
    messages.success(request, saved)
    for warning in warnings:
        messages.warning(request, warning)


def _version(form) -> int | None:
    return form.cleaned_data.get("version")


# --- The editor page ---------------------------------------------------------------------------


@dataclass
class StageBlock:
    stage: Stage
    tasks: list[Task]
    first: bool = False
    last: bool = False

    @property
    def rows(self) -> list[Task | None]:
        return self.tasks or [None]


@dataclass
class PhaseBlock:
    phase: Phase
    stages: list[StageBlock] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    first: bool = False
    last: bool = False

    @property
    def rowspan(self) -> int:
        return sum(len(block.rows) for block in self.stages) or 1


def _blocks(plan: Plan, phases: list[Phase], tasks: list[Task]) -> list[PhaseBlock]:
    by_stage: dict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        task.warnings = editing.task_warnings(task)
        by_stage[task.stage_id].append(task)
    blocks = []
    for n, phase in enumerate(phases):
        phase.plan = plan
        block = PhaseBlock(phase, warnings=editing.phase_warnings(phase), first=n == 0, last=n == len(phases) - 1)
        stages = sorted(phase.stages.all(), key=lambda stage: (stage.order, stage.pk))
        # The phase's own tasks come first and show no stage line; an empty direct stage is not shown.
        shown = [stage for stage in stages if not stage.is_direct or by_stage[stage.pk]]
        ordinary = [stage for stage in shown if not stage.is_direct]
        for stage in shown:
            item = StageBlock(stage, by_stage[stage.pk])
            if ordinary and not stage.is_direct:
                item.first, item.last = stage is ordinary[0], stage is ordinary[-1]
            block.stages.append(item)
        blocks.append(block)
    return blocks


def recent_changes(plan: Plan, phases: list[Phase], limit: int = RECENT) -> list:
    """The latest saves of the plan, its phases, stages, work areas and tasks, newest first, each line naming its
    record: a fixed number of queries however many tasks (deleted records included)."""
    stage_ids = [stage.pk for phase in phases for stage in phase.stages.all()]
    phase_ids = [phase.pk for phase in phases]
    lines = []
    lines += changes_in(Plan.history.filter(id=plan.pk), limit=limit, subject=lambda r: _("Plan"))
    lines += changes_in(Phase.history.filter(plan_id=plan.pk), limit=limit,
                        subject=lambda r: _("Phase %(name)s") % {"name": r.name})
    lines += changes_in(Stage.history.filter(phase_id__in=phase_ids), limit=limit,
                        subject=lambda r: _("Stage %(goal)s")
                        % {"goal": r.goal or format_window(r.start_date, r.end_date) or "—"})
    lines += changes_in(WorkArea.history.filter(plan_id=plan.pk), limit=limit,
                        subject=lambda r: _("Work area %(name)s") % {"name": r.name})
    lines += changes_in(Task.history.filter(stage_id__in=stage_ids), limit=limit,
                        subject=lambda r: _("Task %(number)s %(title)s") % {"number": r.number, "title": r.title})
    lines += changes_in(TaskParty.history.filter(
        task_id__in=Task.objects.filter(stage_id__in=stage_ids).values("pk")), limit=limit,
                        subject=lambda r: _("Parties of a task"))
    lines.sort(key=lambda line: line.when, reverse=True)
    return lines[:limit]


def _editor_page(request: HttpRequest, plan: Plan, *, status: int = 200) -> HttpResponse:
    phases = list(plan.phases.prefetch_related("stages").order_by("order", "pk"))
    tasks = list(Task.objects.filter(stage__phase__plan=plan).with_schedule().select_related("work_area")
                 .order_by("stage__phase__order", "stage__order", "order", "pk"))
    areas = list(plan.work_areas.order_by("order", "pk"))
    for n, area in enumerate(areas):
        area.first, area.last = n == 0, n == len(areas) - 1
    blocks = _blocks(plan, phases, tasks)
    context = {
        "plan": plan, "blocks": blocks, "areas": areas, "area_form": WorkAreaForm(),
        "task_count": len(tasks), "warning_count": sum(1 for task in tasks if task.warnings)
        + sum(1 for block in blocks if block.warnings),
        "history": recent_changes(plan, phases),
    }
    return render(request, "tracker/plans/editor/editor.html", context, status=status)


@require_GET
def plan_editor(request: HttpRequest, pk: int) -> HttpResponse:
    return _editor_page(request, _editable_plan(request, pk))


def _refused_on_editor(request: HttpRequest, plan: Plan, error: ValidationError) -> HttpResponse:
    """A move or deletion refused: the editor again with the reason (409 when the record changed)."""
    for message in error.messages:
        messages.error(request, message)
    plan = access.get_plan_for_user(request.user, plan.pk)
    return _editor_page(request, plan, status=409 if isinstance(error, StaleEditError) else 400)


# --- Forms: one page for each (plan, phase, stage, task) ---------------------------------------


def _form_page(request: HttpRequest, form, *, plan: Plan | None, title: str, action: str, cancel: str,
               status: int = 200, stale_changes: list | None = None, history: list | None = None,
               delete_url: str = "", delete_version: int | None = None, intro: str = "") -> HttpResponse:
    context = {"form": form, "plan": plan, "title": title, "action": action, "cancel": cancel,
               "stale_changes": stale_changes, "stale_history": changes_among(stale_changes or []),
               "history": history, "delete_url": delete_url, "delete_version": delete_version, "intro": intro}
    return render(request, FORM_TEMPLATE, context, status=status)


def _creation_institution(request: HttpRequest) -> Institution:
    """The institution a new plan is for: `institution` of the form or query string (another one: 404), else the
    user's own (the administrator's: the first)."""
    raw = request.POST.get("institution") or request.GET.get("institution")
    institutions = access.institutions_visible_to(request.user).order_by("code")
    if raw:
        pk = as_id(raw)
        institution = get_object_or_404(institutions, pk=pk if pk is not None else 0)
    else:
        institution = institutions.first()
        if institution is None:
            raise PermissionDenied
    if not access.can_create_plan(request.user, institution.pk):
        raise PermissionDenied
    return institution


@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    institution = _creation_institution(request)
    title = _("New plan of %(name)s") % {"name": institution.name}
    page = {"plan": None, "title": title, "action": reverse("tracker:plan-create") + f"?institution={institution.pk}",
            "cancel": reverse("tracker:plan-list")}
    if request.method == "GET":
        return _form_page(request, PlanForm(), **page)
    form = PlanForm(request.POST)
    if form.is_valid():
        try:
            edited = editing.plan_create(actor=request.user, institution=institution, data=form.to_data())
        except ValidationError as error:
            add_errors(form, error)
        else:
            _tell(request, _("The plan was created. Add its phases, stages and tasks below."), edited.warnings)
            return redirect(editor_url(edited.obj))
    return _form_page(request, form, status=400, **page)


def _versioned_edit(request: HttpRequest, record, *, page: dict, form_for: Callable, reload: Callable,
                    save: Callable, saved: Callable, done: str) -> HttpResponse:
    """The edit page of a record that carries a `version` (plan, phase, stage, task): GET the form; POST save it at
    the version the form was loaded at. A refused save answers 400 with the form's errors, or 409 with the other
    person's change and the input kept against the record as it now is; a save goes back to the editor.

    `form_for(data, record)` makes the form, `reload()` reads the record again after a stale refusal,
    `save(form)` calls the service and returns its `Edited`, `saved(edited)` is the message."""
    if request.method == "GET":
        return _form_page(request, form_for(None, record), **page)
    form = form_for(request.POST, record)
    if not form.is_valid() or _version(form) is None:
        return _form_page(request, form, status=400, **page)
    try:
        edited = save(form)
    except StaleEditError as stale:
        current = reload()
        form = refused_as_stale(request, stale, current, lambda bound: form_for(bound, current))
        if "delete_version" in page:
            page = {**page, "delete_version": current.version}
        return _form_page(request, form, status=409, stale_changes=stale.changes, **page)
    except ValidationError as error:
        add_errors(form, error)
        return _form_page(request, form, status=400, **page)
    _tell(request, saved(edited), edited.warnings)
    return redirect(done)


@require_http_methods(["GET", "POST"])
def plan_update(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _editable_plan(request, pk)
    page = {"plan": plan, "title": _("The plan's own fields"), "action": reverse("tracker:plan-update", args=[pk]),
            "cancel": editor_url(plan), "history": changes_in(plan.history.all(), limit=20)}
    return _versioned_edit(
        request, plan, page=page, form_for=lambda data, record: PlanForm(data, plan=record),
        reload=lambda: _editable_plan(request, pk),
        save=lambda form: editing.plan_update(actor=request.user, plan=plan, loaded_version=_version(form),
                                              data=form.to_data()),
        saved=lambda edited: _("The plan was saved."), done=editor_url(plan))


@require_http_methods(["GET", "POST"])
def phase_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _editable_plan(request, pk)
    page = {"plan": plan, "title": _("Add a phase"), "action": reverse("tracker:phase-create", args=[pk]),
            "cancel": editor_url(plan)}
    if request.method == "GET":
        return _form_page(request, PhaseForm(), **page)
    form = PhaseForm(request.POST)
    if form.is_valid():
        try:
            edited = editing.phase_add(actor=request.user, plan=plan, data=form.to_data())
        except ValidationError as error:
            add_errors(form, error)
        else:
            _tell(request, _("The phase “%(name)s” was added.") % {"name": edited.obj.name}, edited.warnings)
            return redirect(editor_url(plan, f"phase-{edited.obj.pk}"))
    return _form_page(request, form, status=400, **page)


@require_http_methods(["GET", "POST"])
def phase_update(request: HttpRequest, pk: int) -> HttpResponse:
    phase = _phase(request, pk)
    plan = phase.plan
    page = {"plan": plan, "title": _("Edit the phase “%(name)s”") % {"name": phase.name},
            "action": reverse("tracker:phase-update", args=[pk]), "cancel": editor_url(plan, f"phase-{pk}"),
            "history": changes_in(phase.history.all(), limit=20),
            "delete_url": reverse("tracker:phase-delete", args=[pk]), "delete_version": phase.version}
    return _versioned_edit(
        request, phase, page=page, form_for=lambda data, record: PhaseForm(data, phase=record),
        reload=lambda: _phase(request, pk),
        save=lambda form: editing.phase_update(actor=request.user, phase=phase, loaded_version=_version(form),
                                               data=form.to_data()),
        saved=lambda edited: _("The phase “%(name)s” was saved.") % {"name": edited.obj.name},
        done=editor_url(plan, f"phase-{pk}"))


@require_http_methods(["GET", "POST"])
def stage_create(request: HttpRequest, pk: int) -> HttpResponse:
    phase = _phase(request, pk)
    plan = phase.plan
    page = {"plan": plan, "title": _("Add a stage to “%(name)s”") % {"name": phase.name},
            "action": reverse("tracker:stage-create", args=[pk]), "cancel": editor_url(plan, f"phase-{pk}")}
    if request.method == "GET":
        return _form_page(request, StageForm(), **page)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            edited = editing.stage_add(actor=request.user, phase=phase, data=form.to_data())
        except ValidationError as error:
            add_errors(form, error)
        else:
            _tell(request, _("The stage was added."), edited.warnings)
            return redirect(editor_url(plan, f"phase-{pk}"))
    return _form_page(request, form, status=400, **page)


@require_http_methods(["GET", "POST"])
def stage_update(request: HttpRequest, pk: int) -> HttpResponse:
    stage = _stage(request, pk)
    plan = stage.phase.plan
    page = {"plan": plan, "title": _("Edit a stage of “%(name)s”") % {"name": stage.phase.name},
            "action": reverse("tracker:stage-update", args=[pk]), "cancel": editor_url(plan, f"phase-{stage.phase_id}"),
            "history": changes_in(stage.history.all(), limit=20),
            "delete_url": reverse("tracker:stage-delete", args=[pk]), "delete_version": stage.version}
    return _versioned_edit(
        request, stage, page=page, form_for=lambda data, record: StageForm(data, stage=record),
        reload=lambda: _stage(request, pk),
        save=lambda form: editing.stage_update(actor=request.user, stage=stage, loaded_version=_version(form),
                                               data=form.to_data()),
        saved=lambda edited: _("The stage was saved."), done=editor_url(plan, f"phase-{stage.phase_id}"))


def _task_form_parts(plan: Plan, task: Task | None = None) -> dict:
    """What the task form offers: the plan's phases and stages, its work areas, and the parties (units in service,
    and a retired unit already a party of the task)."""
    phases = list(plan.phases.prefetch_related("stages").order_by("order", "pk"))
    areas = list(plan.work_areas.order_by("order", "pk"))
    units = list(OrgUnit.objects.in_service().filter(institution_id=plan.institution_id)
                 .exclude(kind__in=OrgUnit.OUTSIDE_KINDS).order_by("kind", "order", "name", "pk"))
    if task is not None:
        have = {unit.pk for unit in units}
        units += [party.unit for party in task.parties.all() if party.unit_id is not None and party.unit_id not in have]
    return {"phases": phases, "areas": areas, "units": units}


@require_http_methods(["GET", "POST"])
def task_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _editable_plan(request, pk)
    parts = _task_form_parts(plan)
    page = {"plan": plan, "title": _("Add a task"), "action": reverse("tracker:task-create", args=[pk]),
            "cancel": editor_url(plan)}
    if request.method == "GET":
        phase_pk, stage_pk = as_id(request.GET.get("phase", "")), as_id(request.GET.get("stage", ""))
        placement = f"stage-{stage_pk}" if stage_pk else (f"phase-{phase_pk}" if phase_pk else "")
        phase = next((p for p in parts["phases"] if p.pk == phase_pk
                      or any(s.pk == stage_pk for s in p.stages.all())), None)
        initial = {"placement": placement, "number": editing.next_task_number(plan, phase)}
        return _form_page(request, TaskForm(initial=initial, **parts), **page)
    form = TaskForm(request.POST, **parts)
    if form.is_valid():
        phase, stage = form.place()
        try:
            edited = editing.task_add(actor=request.user, plan=plan, data=form.to_data(), phase=phase, stage=stage)
        except ValidationError as error:
            add_errors(form, error)
        else:
            _tell(request, _("Task %(number)s was added.") % {"number": edited.obj.number}, edited.warnings)
            return redirect(editor_url(plan, f"task-{edited.obj.pk}"))
    return _form_page(request, form, status=400, **page)


@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    plan = task.stage.phase.plan
    page = {"plan": plan, "title": _("Edit task %(code)s") % {"code": task.code},
            "action": reverse("tracker:task-edit", args=[pk]), "cancel": editor_url(plan, f"task-{pk}"),
            "delete_url": reverse("tracker:task-delete", args=[pk]), "delete_version": task.version,
            "intro": _("Its status and progress are changed by progress updates, on the task's page.")}

    def save(form) -> editing.Edited:
        phase, stage = form.place()
        return editing.task_update(actor=request.user, task=task, loaded_version=_version(form),
                                   data=form.to_data(), phase=phase, stage=stage)

    return _versioned_edit(
        request, task, page=page,
        form_for=lambda data, record: TaskForm(data, task=record, **_task_form_parts(plan, record)),
        reload=lambda: _task(request, pk), save=save,
        saved=lambda edited: _("Task %(number)s was saved.") % {"number": edited.obj.number},
        done=editor_url(plan, f"task-{pk}"))


# --- Moves and deletions (buttons on the editor page) ------------------------------------------


def _move_or_delete(request: HttpRequest, plan: Plan, form_class, action, anchor: str, done: str = ""):
    form = form_class(request.POST)
    if not form.is_valid():
        return _refused_on_editor(request, plan, ValidationError(_("Reload the page and try again.")))
    try:
        action(form.cleaned_data)
    except ValidationError as error:
        return _refused_on_editor(request, plan, error)
    if done:
        messages.success(request, done)
    return redirect(editor_url(plan, anchor))


def _up(data) -> bool:
    return data["direction"] == "up"


@require_POST
def phase_move(request: HttpRequest, pk: int) -> HttpResponse:
    phase = _phase(request, pk)
    return _move_or_delete(request, phase.plan, MoveForm, lambda data: editing.phase_move(
        actor=request.user, phase=phase, loaded_version=data["version"] or 0, up=_up(data)), f"phase-{pk}")


@require_POST
def phase_delete(request: HttpRequest, pk: int) -> HttpResponse:
    phase = _phase(request, pk)
    return _move_or_delete(request, phase.plan, DeleteForm, lambda data: editing.phase_delete(
        actor=request.user, phase=phase, loaded_version=data["version"] or 0), "phases",
        _("The phase “%(name)s” was deleted.") % {"name": phase.name})


@require_POST
def stage_move(request: HttpRequest, pk: int) -> HttpResponse:
    stage = _stage(request, pk)
    return _move_or_delete(request, stage.phase.plan, MoveForm, lambda data: editing.stage_move(
        actor=request.user, stage=stage, loaded_version=data["version"] or 0, up=_up(data)),
        f"phase-{stage.phase_id}")


@require_POST
def stage_delete(request: HttpRequest, pk: int) -> HttpResponse:
    stage = _stage(request, pk)
    return _move_or_delete(request, stage.phase.plan, DeleteForm, lambda data: editing.stage_delete(
        actor=request.user, stage=stage, loaded_version=data["version"] or 0), f"phase-{stage.phase_id}",
        _("The stage was deleted."))


@require_POST
def task_move(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    return _move_or_delete(request, task.stage.phase.plan, MoveForm, lambda data: editing.task_move(
        actor=request.user, task=task, loaded_version=data["version"] or 0, up=_up(data)), f"task-{pk}")


@require_POST
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    return _move_or_delete(request, task.stage.phase.plan, DeleteForm, lambda data: editing.task_delete(
        actor=request.user, task=task, loaded_version=data["version"] or 0), f"phase-{task.stage.phase_id}",
        _("Task %(number)s was deleted.") % {"number": task.number})


@require_POST
def work_area_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _editable_plan(request, pk)
    form = WorkAreaForm(request.POST)
    if form.is_valid():
        try:
            editing.work_area_add(actor=request.user, plan=plan, name=form.cleaned_data["name"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The work area “%(name)s” was added.") % {"name": form.cleaned_data["name"]})
            return redirect(editor_url(plan, "work-areas"))
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)
    return _editor_page(request, access.get_plan_for_user(request.user, pk), status=400)


@require_POST
def work_area_rename(request: HttpRequest, pk: int) -> HttpResponse:
    area = _area(request, pk)
    form = WorkAreaForm(request.POST)
    if not form.is_valid():
        return _refused_on_editor(request, area.plan, ValidationError(list(form.errors.get("name", []))
                                                                      or _("Reload the page and try again.")))
    return _move_or_delete(request, area.plan, WorkAreaForm, lambda data: editing.work_area_rename(
        actor=request.user, area=area, loaded_name=data["loaded_name"] or "", name=data["name"]), "work-areas",
        _("The work area was renamed “%(name)s”.") % {"name": form.cleaned_data["name"]})


@require_POST
def work_area_move(request: HttpRequest, pk: int) -> HttpResponse:
    area = _area(request, pk)
    return _move_or_delete(request, area.plan, MoveForm, lambda data: editing.work_area_move(
        actor=request.user, area=area, loaded_name=data["loaded_name"] or "", up=_up(data)), "work-areas")


@require_POST
def work_area_delete(request: HttpRequest, pk: int) -> HttpResponse:
    area = _area(request, pk)
    return _move_or_delete(request, area.plan, DeleteForm, lambda data: editing.work_area_delete(
        actor=request.user, area=area, loaded_name=data["loaded_name"] or ""), "work-areas",
        _("The work area “%(name)s” was deleted; its tasks stay, with no work area.") % {"name": area.name})
