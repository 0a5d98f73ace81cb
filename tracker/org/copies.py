"""Copy forward's links on a record's page: the record it was copied from and the copies made of it, each only as
far as the reader may see it (plans, standards and rounds all have `copied_from`, related name `copies`)."""

from __future__ import annotations

from django.db.models import Model, QuerySet


def copy_links(obj: Model, visible: QuerySet) -> dict:
    """`copied_from`: the source if `visible` holds it, else None; `copied_from_hidden`: a source the reader may not
    open (named on the page without its title); `copies`: the copies `visible` holds, oldest first. Two queries at
    most."""
    source_id = obj.copied_from_id
    source = visible.filter(pk=source_id).first() if source_id else None
    return {
        "copied_from": source,
        "copied_from_hidden": bool(source_id) and source is None,
        "copies": list(visible.filter(copied_from=obj).order_by("pk")),
    }
