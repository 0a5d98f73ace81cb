"""A record's change history, readable: who, when, and each field's old → new value.

django-simple-history keeps a full copy of the row at every save (and of its many-to-many rows), which is what
the admin's history pages show. Here the copies are turned into the lines a record's page shows: one line per
save, the fields it changed with their old and new values as a person reads them (choices by their labels,
related records by name, dates as dates), in a fixed number of queries whatever the length of the history.

A save through a service writes one history record for its fields and, when it also sets a many-to-many
relation (a platform's volunteers, say), one more per set; records of one save (same object, same version,
same user, within seconds) are shown as one line.

Something done on paper may be entered days later: a line then also carries the day it happened (`occurred`),
besides the time it was recorded. A record with a day of its own (a ledger entry's `date`, an `occurred_on`) gives
it to the line that created it; a page that knows better passes `occurred` (the task page: each update's day).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# Fields whose change is the save itself (its version, who and when: the line says those already).
BOOKKEEPING = frozenset({"version", "updated_by", "updated_at", "reviewed_by", "reviewed_at"})
# Records of one save are seconds apart at most; a later save by the same person is a line of its own.
SAME_SAVE = dt.timedelta(seconds=5)
EMPTY = "—"
# A record's own day it happened, by the field's name: the line that created it carries it.
OCCURRED_FIELDS = ("occurred_on", "date")

CREATED, CHANGED, DELETED = "created", "changed", "deleted"
KINDS = {"+": CREATED, "~": CHANGED, "-": DELETED}


@dataclass
class FieldChange:
    """One field's change: old and new value as shown; for a many-to-many field, who was added and removed."""

    field: str
    old: str = ""
    new: str = ""
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    many: bool = False


@dataclass
class Change:
    """One save of a record: who, when, created / changed / deleted, and for a change the fields it changed."""

    who: str
    when: dt.datetime
    kind: str
    changes: list[FieldChange] = field(default_factory=list)
    subject: str = ""  # which record, when one history covers several (a review's steps)
    occurred: dt.date | None = None  # the day it happened, set only where that is not the day it was recorded

    @property
    def kind_label(self) -> str:
        return {CREATED: _("Created"), CHANGED: _("Changed"), DELETED: _("Deleted")}[self.kind]


def changes_for(obj: models.Model, *, limit: int = 50, hidden: Collection[str] = (),
                scopes: Mapping[type[models.Model], QuerySet] | None = None,
                occurred: Callable[[Any], dt.date | None] | None = None) -> list[Change]:
    """The latest saves of `obj`, newest first (at most `limit`).

    `hidden`: field names the reader may not see (a phone number); a save that changed only those is left out.
    `scopes`: for a related model, the records the reader may see by name (others are counted, not named).
    `occurred(record) -> date | None`: the day the save's record says it happened (see the module's notes).
    """
    return changes_in(obj.history.all(), limit=limit, hidden=hidden, scopes=scopes, occurred=occurred)


def account_changes(user: models.Model, *, limit: int = 50) -> list[Change]:
    """An account's history as its page shows it: the person's own record (name, user name, e-mail, active) and
    their role and unit (the Profile), newest first. 姓名 is kept whole in `first_name`: it is called that here."""
    own = changes_in(user.history.all(), limit=limit, hidden=("last_name",))
    name_label = str(get_user_model()._meta.get_field("first_name").verbose_name)
    for change in own:
        for field_change in change.changes:
            if field_change.field == name_label:
                field_change.field = _("Name")
    profile = getattr(user, "profile", None)
    roles = changes_for(profile, limit=limit) if profile is not None else []
    return sorted(own + roles, key=lambda change: change.when, reverse=True)[:limit]


def changes_among(records: Sequence, *, hidden: Collection[str] = (),
                  scopes: Mapping[type[models.Model], QuerySet] | None = None) -> list[Change]:
    """The saves that wrote `records` (historical records of one model), each against the state before it.

    For a refused save: `records` are the versions others saved since the form was loaded
    (services.versions.newer_versions), and the page says what each of them changed.
    """
    if not records:
        return []
    history_model = type(records[0])
    history = history_model._default_manager.filter(history_id__in=[record.history_id for record in records])
    return changes_in(history, limit=len(records), hidden=hidden, scopes=scopes)


def changes_in(history: QuerySet, *, limit: int = 50, hidden: Collection[str] = (),
               scopes: Mapping[type[models.Model], QuerySet] | None = None,
               subject: Any = None, occurred: Callable[[Any], dt.date | None] | None = None) -> list[Change]:
    """The latest saves recorded in `history` (historical records of one model, of one or several objects).

    `subject(record) -> str` names the object of each line when the history covers several.
    `occurred(record) -> date | None`: the day each save happened; by default a creation's record's own day
    (OCCURRED_FIELDS), none for the other lines.
    """
    model = history.model.instance_type
    own_day = _own_day(model)
    key = model._meta.pk.attname
    m2m_fields = list(history.model._history_m2m_fields)
    # A save that also sets a many-to-many relation writes up to two more records per relation (remove, add).
    size = limit * (1 + 2 * len(m2m_fields)) + 1
    window = list(history.select_related("history_user").order_by("-history_id")[:size])
    groups = _group_saves(window, key, has_version="version" in {f.name for f in model._meta.fields})
    if len(window) == size:
        # The save holding the oldest record fetched may be cut by the window: it serves only as the state
        # before the later ones.
        groups = [group for group in groups if group[0] is not window[-1]]
    groups = groups[:limit]
    previous = _previous_records(history.model, groups, window, key)

    skipped = set(BOOKKEEPING) | set(hidden) | {f.name for f in m2m_fields}
    skipped |= {f.name for f in model._meta.fields if not f.editable}
    states = [record for group in groups for record in (group[-1], previous.get(id(group)))
              if record is not None]
    m2m_states = _m2m_states(history.model, m2m_fields, states)

    pending: list[tuple[Change, list[tuple[models.Field, Any, Any]]]] = []
    for group in groups:
        first, last = group[0], group[-1]
        before = previous.get(id(group))
        kind = KINDS[first.history_type] if last.history_type != "-" else DELETED
        raw: list[tuple[models.Field, Any, Any]] = []
        if kind == CHANGED and before is not None:
            delta = last.diff_against(before, excluded_fields=skipped)
            raw = [(model._meta.get_field(c.field), c.old, c.new) for c in delta.changes]
            for m2m in m2m_fields:
                if m2m.name in hidden:
                    continue
                old = m2m_states[m2m.name].get(before.history_id, set())
                new = m2m_states[m2m.name].get(last.history_id, set())
                if old != new:
                    raw.append((m2m, old, new))
            if not raw:
                continue  # nothing the reader may see changed (only the version, or a hidden field)
            order = {f.name: n for n, f in enumerate(model._meta.get_fields())}
            raw.sort(key=lambda item: order.get(item[0].name, 0))
        day = occurred(last) if occurred is not None else (own_day(last) if kind == CREATED else None)
        change = Change(who=_who(last.history_user), when=last.history_date, kind=kind,
                        subject=str(subject(last)) if subject else "", occurred=_differs(day, last.history_date))
        pending.append((change, raw))

    names = _related_names(pending, scopes or {})
    for change, raw in pending:
        change.changes = [_field_change(f, old, new, names) for f, old, new in raw]
    return [change for change, _raw in pending]


def _own_day(model: type[models.Model]) -> Callable[[Any], dt.date | None]:
    """A record's own day it happened (the first of OCCURRED_FIELDS the model has as a date), or none."""
    names = {f.name for f in model._meta.fields if isinstance(f, models.DateField)
             and not isinstance(f, models.DateTimeField)}
    name = next((candidate for candidate in OCCURRED_FIELDS if candidate in names), None)
    if name is None:
        return lambda record: None
    return lambda record: getattr(record, name)


def _differs(day: dt.date | None, when: dt.datetime) -> dt.date | None:
    """`day`, when it is not the (local) day of `when`; else None: the time recorded says it all."""
    if day is None:
        return None
    recorded = timezone.localtime(when).date() if timezone.is_aware(when) else when.date()
    return day if day != recorded else None


def _who(user) -> str:
    if user is None:
        return _("System")
    return user.get_full_name() or user.get_username()


def _group_saves(window: list, key: str, *, has_version: bool) -> list[list]:
    """The records (newest first) grouped into saves, each group oldest first; groups newest first."""
    groups: list[list] = []
    open_group: dict[Any, list] = {}  # object id → its group being built (the newest of its saves so far)
    for record in window:
        obj = getattr(record, key)
        group = open_group.get(obj)
        if group is not None and _same_save(record, group[0], has_version=has_version):
            group.insert(0, record)
            continue
        group = [record]
        open_group[obj] = group
        groups.append(group)
    return groups


def _same_save(older, newer, *, has_version: bool) -> bool:
    """Whether `newer` was written by the same save as `older`: only a record that changed no field (the version
    tells) can be; without a version every record is a save of its own."""
    return (
        has_version
        and newer.history_type == "~"
        and older.history_type != "-"
        and older.version == newer.version
        and older.history_user_id == newer.history_user_id
        and newer.history_date - older.history_date <= SAME_SAVE
    )


def _previous_records(history_model, groups: list[list], window: list, key: str) -> dict[int, Any]:
    """For each group, the record of the same object just before it: from the window, or one query for all."""
    result: dict[int, Any] = {}
    by_object: dict[Any, list] = defaultdict(list)  # object id → its records in the window, oldest first
    for record in reversed(window):
        by_object[getattr(record, key)].append(record)
    missing: dict[Any, list[list]] = defaultdict(list)
    for group in groups:
        first = group[0]
        if first.history_type == "+":
            continue
        older = [r for r in by_object[getattr(first, key)] if r.history_id < first.history_id]
        if older:
            result[id(group)] = older[-1]
        else:
            missing[getattr(first, key)].append(group)
    if missing:
        condition = Q()
        for obj, obj_groups in missing.items():
            condition |= Q(**{key: obj}, history_id__lt=min(g[0].history_id for g in obj_groups))
        latest = (history_model._default_manager.filter(condition).values(key)
                  .annotate(latest=Max("history_id")).values("latest"))
        found = {getattr(r, key): r for r in history_model._default_manager.filter(history_id__in=latest)}
        for obj, obj_groups in missing.items():
            for group in obj_groups:
                if obj in found:
                    result[id(group)] = found[obj]
    return result


def _m2m_states(history_model, m2m_fields: list, records: list) -> dict[str, dict[int, set]]:
    """For each many-to-many field, the related ids each record held: one query per field."""
    states: dict[str, dict[int, set]] = {}
    ids = {record.history_id for record in records}
    for m2m in m2m_fields:
        states[m2m.name] = defaultdict(set)
        if not ids:
            continue
        through = getattr(history_model, m2m.name).model
        related = through._meta.get_field(m2m.m2m_reverse_field_name()).attname
        for history_id, related_id in through._default_manager.filter(history_id__in=ids).values_list(
                "history_id", related):
            states[m2m.name][history_id].add(related_id)
    return states


def _related_model(model_field: models.Field):
    if model_field.many_to_many or isinstance(model_field, models.ForeignKey):
        return model_field.related_model
    return None


def _related_names(pending: list, scopes: Mapping[type[models.Model], QuerySet]) -> dict[type, dict[Any, str]]:
    """Names of the related records the changes mention: one query per related model."""
    wanted: dict[type, set] = defaultdict(set)
    for _change, raw in pending:
        for model_field, old, new in raw:
            related = _related_model(model_field)
            if related is None:
                continue
            for value in (old, new):
                if isinstance(value, set):
                    wanted[related] |= value
                elif value is not None:
                    wanted[related].add(value)
    names: dict[type, dict[Any, str]] = {}
    for related, ids in wanted.items():
        # select_related(): a name that reads a parent (a task's number reads its plan) costs no query per row.
        queryset = scopes.get(related, related._default_manager.all()).select_related()
        names[related] = {pk: _name(obj) for pk, obj in queryset.in_bulk(ids).items()}
    return names


def _name(obj: models.Model) -> str:
    if isinstance(obj, get_user_model()):
        return obj.get_full_name() or obj.get_username()
    return str(obj)


def _field_change(model_field: models.Field, old, new, names: dict[type, dict[Any, str]]) -> FieldChange:
    label = str(model_field.verbose_name)
    related = _related_model(model_field)
    if model_field.many_to_many:
        known = names.get(related, {})
        added, removed = new - old, old - new
        return FieldChange(field=label, many=True, added=_people(added, known), removed=_people(removed, known))
    if related is not None:
        known = names.get(related, {})
        return FieldChange(label, _related_value(old, known), _related_value(new, known))
    return FieldChange(label, display_value(model_field, old), display_value(model_field, new))


def _people(ids: Iterable, known: dict[Any, str]) -> list[str]:
    """Names the reader may see, sorted; the others counted in one last item."""
    shown = sorted(known[pk] for pk in ids if pk in known)
    others = sum(1 for pk in ids if pk not in known)
    if others:
        shown.append(_("%(count)s not shown") % {"count": others})
    return shown


def _related_value(value, known: dict[Any, str]) -> str:
    if value is None:
        return EMPTY
    return known.get(value, _("(not shown)"))


def display_value(model_field: models.Field, value) -> str:
    """A stored value as a person reads it: a choice's label, a date, yes / no, a number without trailing zeros."""
    if value is None or value == "":
        return EMPTY
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "Y-m-d H:i")
    if isinstance(value, dt.date):
        return date_format(value, "Y-m-d")
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text == "-0" else text
    return str(value)
