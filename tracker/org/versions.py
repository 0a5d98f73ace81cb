"""Optimistic locking for shared records that carry a `version`: load, compare, refuse with what changed.

Services lock and compare (`lock_at_version`); views answer a refusal with `refused_as_stale`, which keeps what
the user typed against the version now current, so that a second save goes through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

F = TypeVar("F", bound=forms.BaseForm)


class StaleEditError(ValidationError):
    """The record changed after the form was loaded; `changes` lists what others recorded in between."""

    def __init__(self, message: str, changes: Sequence[models.Model]):
        super().__init__(message)
        self.changes = list(changes)


def newer_versions(history: QuerySet, loaded_version: int) -> list:
    """One history record per version saved after `loaded_version` (the last of each: m2m changes add records)."""
    latest: dict[int, object] = {}
    for record in history.filter(version__gt=loaded_version).select_related("history_user").order_by("history_id"):
        latest[record.version] = record
    return [latest[version] for version in sorted(latest)]


def lock_at_version(model: type[models.Model] | QuerySet, pk: int, loaded_version: int, stale_message: str, *,
                    changes: Callable[[models.Model], Sequence] | None = None) -> models.Model:
    """The row of `model` (or of a queryset, to load related rows with it), locked for this transaction, if it is
    still at `loaded_version`; else StaleEditError with what changed since: `changes(current)` where given (a task's
    updates, say), else the record's own history versions.

    Locking before comparing means two people saving at once cannot both pass.
    """
    rows = model if isinstance(model, QuerySet) else model.objects.all()
    current = rows.select_for_update(of=("self",)).get(pk=pk)  # this row only, not the rows joined to it
    if current.version != loaded_version:
        newer = changes(current) if changes else newer_versions(current.history, loaded_version)
        raise StaleEditError(stale_message, newer)
    return current


def refused_as_stale(request: HttpRequest, stale: StaleEditError, current: models.Model,
                     form_for: Callable[[dict], F], *, files_dropped: bool = False, tell: bool = True) -> F:
    """The form to show again after `stale`: the user's input, bound against `current` (the record as it is now,
    read again), so that a second save goes through; its errors shown.

    `tell` puts the refusal in the page's messages (pass False where the page shows `stale.messages` itself);
    `files_dropped` says on the files field that chosen files must be chosen again (a browser cannot be handed
    them back).
    """
    if tell:
        messages.error(request, stale.messages[0])
    bound = request.POST.copy()
    bound["version"] = current.version
    form = form_for(bound)
    form.is_valid()
    if files_dropped:
        form.add_error("files", _("Files are not kept across a refused save: choose them again."))
    return form
