"""Writes. Views, admin actions, commands and imports all call these, so each rule is written once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker import access
from tracker.notifications import services as notices
from tracker.notifications.models import Notification
from tracker.org.evidence import store_evidence
from tracker.org.models import OrgUnit
from tracker.org.uploads import check_evidence_file
from tracker.org.versions import lock_at_version
from tracker.plans.models import Task, TaskUpdate


@transaction.atomic
def task_add_update(
    *,
    actor: AbstractBaseUser,
    task: Task,
    loaded_version: int,
    date: dt.date,
    note: str,
    status: str | None = None,
    progress: int | None = None,
    files: Sequence[UploadedFile] = (),
) -> TaskUpdate:
    """Record a dated update on a task, with evidence, and move the task to the status and progress it reports.

    Those who may report but not steer the task (a college secretary on 各二级关工委 tasks, say) leave
    status and progress as they are: pass None for both.
    """
    if not access.can_report_on_task(actor, task):
        raise PermissionDenied("actor may not report on this task")
    steering = status is not None or progress is not None
    if steering and not access.can_set_task_status(actor, task):
        raise PermissionDenied("actor may not change this task's status")

    # A task's versions are its updates: what changed since is the updates recorded after the one loaded.
    current = lock_at_version(
        Task, task.pk, loaded_version,
        _("Someone else updated this task after you opened it. Your input is kept below; "
          "look at their changes, then save again."),
        changes=lambda task: list(TaskUpdate.objects.filter(task=task, task_version__gt=loaded_version)
                                  .select_related("author").order_by("task_version")),
    )

    status = current.status if status is None else status
    progress = current.progress if progress is None else progress
    errors: dict[str, list[str]] = {}
    if status not in Task.Status.values:
        errors.setdefault("status", []).append(_("Choose a status from the list."))
    if not 0 <= progress <= 100:
        errors.setdefault("progress", []).append(_("Progress must be between 0 and 100."))
    if status == Task.Status.DONE and not note.strip():
        errors.setdefault("note", []).append(_("Say what was done before marking the task done."))
    if status == Task.Status.NOT_STARTED and progress > 0:
        errors.setdefault("progress", []).append(_("A task that has not started has 0 % progress."))
    if date > timezone.localdate():
        errors.setdefault("date", []).append(_("The date cannot be in the future."))
    if not note.strip() and not files and not steering:
        errors.setdefault("note", []).append(_("Write a note or attach evidence."))
    for upload in files:
        try:
            check_evidence_file(upload)
        except ValidationError as error:
            errors.setdefault("files", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)

    if status == Task.Status.DONE:
        progress = 100
    update = TaskUpdate(
        task=current, author=actor, unit=access.reporting_unit(actor), date=date, note=note.strip(),
        status=status, progress=progress, task_version=current.version + 1,
    )
    update._history_user = actor
    update.full_clean()
    update.save()
    store_evidence(files, actor, update=update)

    was_done = current.status == Task.Status.DONE
    current.status = status
    current.progress = progress
    if status == Task.Status.DONE and not was_done:
        current.done_on = date
    elif status != Task.Status.DONE:
        current.done_on = None
    current.version += 1
    current._change_reason = "task update"
    current._history_user = actor
    current.full_clean()
    current.save(update_fields=["status", "progress", "done_on", "version"])
    tell_task_changed(current, actor, event=f"task:{current.pk}:update:{update.pk}",
                      what=_("%(status)s, %(progress)s %%: %(note)s") % {
                          "status": current.get_status_display(), "progress": current.progress,
                          "note": update.note[:300] or _("evidence attached")})
    return update


# --- issue 15: telling the units a task names when someone else changes it -------------------------------


def answering_unit_ids(task: Task) -> list[int]:
    """The units in service that answer for the task: those it names, and every unit of a kind it names."""
    parties = list(task.parties.all())
    named = {party.unit_id for party in parties if party.unit_id is not None}
    kinds = {party.kind for party in parties if party.unit_id is None}
    institution_id = task.stage.phase.plan.institution_id
    by_kind = (OrgUnit.objects.in_service().filter(institution_id=institution_id, kind__in=kinds)
               .values_list("pk", flat=True) if kinds else [])
    return sorted(named | set(by_kind))


def tell_task_changed(task: Task, actor: AbstractBaseUser, *, event: str, what: str) -> int:
    """The people of the units that answer for the task, but not the one who changed it."""
    return notices.notify_unit_people(
        kind=Notification.Kind.TASK_CHANGED, event=event, unit_ids=answering_unit_ids(task),
        institution_id=task.stage.phase.plan.institution_id,
        title=_("Task %(number)s “%(title)s” was changed") % {"number": task.number, "title": task.title[:60]},
        body=what, path=reverse("tracker:task-detail", args=[task.pk]), actor=actor)


# --- People and roles --------------------------------------------------------------------------


