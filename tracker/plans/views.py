"""The plan (推进表 / 具体安排) and its tasks: read by every role, updated by those responsible."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tracker import access
from tracker.org.copies import copy_links
from tracker.org.forms import add_errors
from tracker.org.history import changes_for
from tracker.org.models import OrgUnit
from tracker.org.versions import StaleEditError, refused_as_stale
from tracker.plans.copying import PlanCopyDates, copy_plan
from tracker.plans.forms import PlanCopyForm, PlanFilterForm, TaskUpdateForm
from tracker.plans.models import Phase, Stage, Task
from tracker.plans.services import task_add_update


def plan_list(request: HttpRequest) -> HttpResponse:
    plans = access.plans_visible_to(request.user).with_progress()
    profile = access.profile_of(request.user)
    own = profile.institution_id if profile is not None else None
    may_create = access.is_admin(request.user) or (own is not None and access.can_create_plan(request.user, own))
    return render(request, "tracker/plans/plan_list.html", {"plans": plans, "may_create_plan": may_create})


@dataclass
class StageRows:
    stage: Stage
    tasks: list[Task] = field(default_factory=list)


@dataclass
class PhaseRows:
    phase: Phase
    stages: list[StageRows] = field(default_factory=list)

    @property
    def rowspan(self) -> int:
        return sum(len(s.tasks) for s in self.stages)


def group_by_phase(tasks: list[Task]) -> list[PhaseRows]:
    """Tasks (already in plan order) grouped as the 推进表 lays them out: phase → stage → task."""
    groups: list[PhaseRows] = []
    for task in tasks:
        stage = task.stage
        if not groups or groups[-1].phase.pk != stage.phase_id:
            groups.append(PhaseRows(stage.phase))
        phase_rows = groups[-1]
        if not phase_rows.stages or phase_rows.stages[-1].stage.pk != stage.pk:
            phase_rows.stages.append(StageRows(stage))
        phase_rows.stages[-1].tasks.append(task)
    return groups


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access.get_plan_for_user(request.user, pk)
    phases = list(plan.phases.all())
    units = list(OrgUnit.objects.filter(institution=plan.institution_id).order_by("kind", "order", "name"))
    work_areas = list(plan.work_areas.order_by("order", "pk"))
    filters = PlanFilterForm(request.GET or None, phases=phases, units=units, work_areas=work_areas)
    tasks = Task.objects.filter(stage__phase__plan=plan).with_schedule()
    today = timezone.localdate()
    if filters.is_valid():
        wanted = filters.cleaned_data
        if wanted["phase"]:
            tasks = tasks.filter(stage__phase_id=wanted["phase"])
        if wanted["status"] == PlanFilterForm.OVERDUE:
            tasks = tasks.overdue_on(today)
        elif wanted["status"]:
            tasks = tasks.filter(status=wanted["status"])
        if wanted["unit"]:
            tasks = tasks.for_unit(filters.units[wanted["unit"]])
        if wanted.get("work_area"):
            tasks = tasks.filter(work_area_id=wanted["work_area"])
    task_list = list(tasks.order_by("stage__phase__order", "stage__order", "order"))
    context = {
        "plan": plan,
        "filters": filters,
        "groups": group_by_phase(task_list),
        "shown": len(task_list),
        "today": today,
        "is_filtered": bool(request.GET),
        "has_work_areas": bool(work_areas),
        "may_edit": access.can_edit_plan(request.user, plan),
        **plan_copy_links(request, plan),
    }
    return render(request, "tracker/plans/plan_detail.html", context)


def _task_page(request: HttpRequest, task: Task, form: TaskUpdateForm | None, *, status: int = 200,
               stale_changes: list | None = None) -> HttpResponse:
    updates = list(task.updates.for_log())
    # A save of the task made by an update happened on the update's day (its version is the update's).
    days = {update.task_version: update.date for update in updates}
    context = {
        "task": task,
        "plan": task.plan,
        "updates": updates,
        "form": form,
        "stale_changes": stale_changes,
        "today": timezone.localdate(),
        "history": changes_for(task, occurred=lambda record: days.get(record.version)),
    }
    return render(request, "tracker/plans/task_detail.html", context, status=status)


def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = access.get_task_for_user(request.user, pk)
    form = None
    if access.can_report_on_task(request.user, task):
        form = TaskUpdateForm(task=task, steering=access.can_set_task_status(request.user, task))
    return _task_page(request, task, form)


@require_POST
def task_update_create(request: HttpRequest, pk: int) -> HttpResponse:
    task = access.get_task_for_user(request.user, pk)
    if not access.can_report_on_task(request.user, task):
        raise PermissionDenied
    steering = access.can_set_task_status(request.user, task)
    form = TaskUpdateForm(request.POST, request.FILES, task=task, steering=steering)
    if not form.is_valid():
        return _task_page(request, task, form, status=400)
    data = form.cleaned_data
    try:
        task_add_update(
            actor=request.user, task=task, loaded_version=data["version"], date=data["date"], note=data["note"],
            status=data.get("status") if steering else None, progress=data.get("progress") if steering else None,
            files=data["files"],
        )
    except StaleEditError as stale:
        task = access.get_task_for_user(request.user, pk)
        form = refused_as_stale(request, stale, task, lambda bound: TaskUpdateForm(bound, task=task, steering=steering),
                                files_dropped=bool(data["files"]))
        return _task_page(request, task, form, status=409, stale_changes=stale.changes)
    except ValidationError as error:
        add_errors(form, error)
        return _task_page(request, task, form, status=400)
    messages.success(request, _("Your update on task %(code)s was saved.") % {"code": task.code})
    return redirect(task)


# --- Copy forward to a new cycle --------------------------------------------------------------


def plan_copy_links(request: HttpRequest, plan) -> dict:
    """The plan page's copy-forward context: its source, its copies and the copy button."""
    links = copy_links(plan, access.plans_visible_to(request.user))
    may_copy = access.can_edit_plan(request.user, plan)
    return {**links, "copy_url": reverse("tracker:plan-copy", args=[plan.pk]) if may_copy else ""}


@require_http_methods(["GET", "POST"])
def plan_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the form to copy the plan into a new cycle. POST: copy it and go to the copy."""
    plan = access.get_plan_for_user(request.user, pk)
    if not access.can_edit_plan(request.user, plan):
        raise PermissionDenied
    form = PlanCopyForm(request.POST if request.method == "POST" else None, plan=plan)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            dates = PlanCopyDates(shift_months=form.shift_months(), start_date=data["start_date"],
                                  end_date=data["end_date"])
            try:
                copy = copy_plan(actor=request.user, plan=plan, title=data["title"], issued_on=data["issued_on"],
                                 dates=dates, leave_out_done=data["leave_out_done"],
                                 document_number=data["document_number"])
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The plan was copied into “%(title)s”. Every task starts anew; check "
                                            "the dates and edit what the new cycle changes.") % {"title": copy.title})
                return redirect(copy)
    context = {"plan": plan, "form": form}
    return render(request, "tracker/plans/copy.html", context, status=status)
