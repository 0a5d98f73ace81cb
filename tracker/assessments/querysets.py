"""Named reads of standards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F

if TYPE_CHECKING:
    pass


def standards_for_list(standards: models.QuerySet) -> models.QuerySet:
    """Standards with their institution joined and their item count, shared ones first, then by level and name."""
    return standards.select_related("institution").annotate(item_count=models.Count("groups__items")).order_by(
        F("institution__code").asc(nulls_first=True), "level", "name", "id",
    )


def standard_items_for_page(standard: models.Model) -> models.QuerySet:
    """A standard's items in order, each with its group joined (one query for the whole table)."""
    from tracker.assessments.models.standards import (  # the models import this module: import here, not at the top
        StandardItem,
    )

    return StandardItem.objects.filter(group__standard=standard).select_related("group").order_by(
        "group__order", "order", "id",
    )

