"""What the database and the media folder hold, cheaply enough to look before and after every request.

`take()` runs one query (a UNION ALL of one aggregate row per table, built once per process) for each table's row
count, largest primary key and sum of `version` (where the model keeps one), and lists the files under MEDIA_ROOT
with their size and modification time. `changes(before, after)` says what differs. That catches a row added (the
count or the largest key moves), a row removed (the count falls), a versioned row saved (the version sum moves), any
save or delete of a model kept by django-simple-history (its history table gains a row), and a file stored, changed
or removed. It does not see an in-place change to a row of a table with neither a version nor a history.

Every installed model's table is watched (the tracker's tables, their history tables and the many-to-many tables
Django makes for them, the accounts, the admin's log, second-factor devices, sign-in attempts) except the sessions
table: every signed-in request may write its session (the inactivity sign-out keeps the time of the last request)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Count, Max, Sum, Value
from django.db.models.functions import Cast

UNWATCHED = {"sessions.session"}
INTEGER_TYPES = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
                 "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField"}


@dataclass(frozen=True)
class State:
    tables: dict[str, tuple[int, int | None, int | None]]  # label → (rows, largest primary key, sum of versions)
    files: frozenset[tuple[str, int, int]]  # (path under MEDIA_ROOT, size, mtime in ns)


def watched_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models(include_auto_created=True)
            if model._meta.label_lower not in UNWATCHED and not model._meta.proxy and model._meta.managed]


def _integer_pk(model: type[models.Model]) -> bool:
    pk = model._meta.pk
    return (pk.target_field if pk.is_relation else pk).get_internal_type() in INTEGER_TYPES


def _summary(index: int, model: type[models.Model], alias: str) -> models.QuerySet:
    """One row: the table's number, its row count, its largest primary key and its sum of versions."""
    names = {field.name for field in model._meta.concrete_fields}
    none = Cast(Value(None), output_field=models.BigIntegerField())  # typed, or PostgreSQL takes it for text
    table = Value(index, output_field=models.IntegerField())
    return model._base_manager.using(alias).order_by().values(table=table).annotate(
        rows=Count("pk"),
        top=Max("pk", output_field=models.BigIntegerField()) if _integer_pk(model) else none,
        versions=Sum("version", output_field=models.BigIntegerField()) if "version" in names else none,
    )


def _files() -> frozenset[tuple[str, int, int]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return frozenset()
    found = set()
    for path in root.rglob("*"):
        if path.is_file():
            stat = path.stat()
            found.add((str(path.relative_to(root)), stat.st_size, stat.st_mtime_ns))
    return frozenset(found)


@functools.cache
def _query(alias: str) -> tuple[list[str], str, tuple]:
    """The labels of the watched tables and the one query that sums them up, built once (building the union takes
    far longer than running it)."""
    watched = watched_models()
    first, *rest = [_summary(index, model, alias) for index, model in enumerate(watched)]
    sql, params = first.union(*rest, all=True).query.sql_with_params()
    return [model._meta.label for model in watched], sql, params


def take(alias: str = DEFAULT_DB_ALIAS) -> State:
    """The database's and the media folder's state, in one query and one walk of MEDIA_ROOT."""
    labels, sql, params = _query(alias)
    tables = dict.fromkeys(labels, (0, None, None))  # an empty table may yield no row
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        for index, rows, top, versions in cursor.fetchall():
            tables[labels[index]] = (rows, top, versions)
    return State(tables, _files())


def changes(before: State, after: State) -> list[str]:
    """What differs between two states, one line per table or file; empty when nothing does."""
    found = [f"{label}: (rows, largest id, sum of versions) {before.tables[label]} → {after.tables[label]}"
             for label in before.tables if before.tables[label] != after.tables[label]]
    found += [f"file added or changed: {name}" for name, *_ in sorted(after.files - before.files)]
    found += [f"file removed or changed: {name}" for name, *_ in sorted(before.files - after.files)]
    return found

