"""Optimistic locking for shared records that carry a `version`: load, compare, refuse with what changed."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet


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


def lock_at_version(model: type[models.Model], pk: int, loaded_version: int, stale_message: str) -> models.Model:
    """The row, locked for this transaction, if it is still at `loaded_version`; else StaleEditError with what changed.

    Locking before comparing means two people saving at once cannot both pass.
    """
    current = model.objects.select_for_update().get(pk=pk)
    if current.version != loaded_version:
        raise StaleEditError(stale_message, newer_versions(current.history, loaded_version))
    return current
