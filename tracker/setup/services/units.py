"""Writes of the set-up's units: add, rename, reorder, retire (撤销) and bring back; and the rule helpers the
set-up's services share.

A unit is never deleted: it is retired and keeps its records and history, and can be brought back. Every change is
a saved version (django-simple-history records who and when) and a save made against an older version is refused
(`lock_at_version`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker import access
from tracker.org.models import Institution, OrgUnit
from tracker.org.versions import lock_at_version
from tracker.setup.xlsx import UNIT_KINDS

Errors = dict[str, list[str]]
Kind = OrgUnit.Kind
# Who leads whom: a new unit of a kind hangs under the first unit in service of the kind above it.
PARENT_KIND = {Kind.SCHOOL_COMMITTEE: Kind.PARTY_COMMITTEE, Kind.COLLEGE: Kind.SCHOOL_COMMITTEE,
               Kind.MEMBER_UNIT: Kind.SCHOOL_COMMITTEE}
UNIT_FIELDS = ("name", "short_name", "email", "order")


def add_error(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def merge_errors(errors: Errors, more: Mapping[str, Sequence[str]]) -> None:
    for key, messages in more.items():
        for message in messages:
            if message not in errors.get(key, []):
                add_error(errors, key, message)


def check_institution(actor: AbstractBaseUser, institution: Institution) -> None:
    """Refuse (PermissionDenied) unless the actor sets up this institution."""
    if not access.setup_institutions(actor).filter(pk=institution.pk).exists():
        raise PermissionDenied("actor does not set up this institution")


@dataclass
class UnitData:
    """What a form or a workbook row says about a unit; `order` None puts it after the others of its kind."""

    kind: str
    name: str
    short_name: str = ""
    email: str = ""
    order: int | None = None


def _stale_unit() -> str:
    return _("Someone else changed this unit after you opened the page. Your input is kept below; look at the unit "
             "as it is now, then save again.")


def unit_name_taken(institution: Institution, name: str, exclude_pk: int | None = None) -> OrgUnit | None:
    """The institution's unit of that name, retired or not (a name is the institution's for good)."""
    same = OrgUnit.objects.filter(institution=institution, name=name.strip())
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    return same.first()


def name_taken_message(unit: OrgUnit) -> str:
    if unit.is_retired:
        return _("There is already a retired unit called “%(name)s”; bring it back instead of adding it again.") % {
            "name": unit.name}
    return _("There is already a unit called “%(name)s”.") % {"name": unit.name}


def next_order(institution: Institution, kind: str) -> int:
    """The order number after the last unit of the kind."""
    last = OrgUnit.objects.filter(institution=institution, kind=kind).aggregate(last=Max("order"))["last"]
    return (last or 0) + 1


def default_parent(institution: Institution, kind: str) -> OrgUnit | None:
    """The unit a new unit of `kind` hangs under: the first unit in service of the kind above it, if any."""
    above = PARENT_KIND.get(kind)
    if above is None:
        return None
    return OrgUnit.objects.in_service().filter(institution=institution, kind=above).order_by("order", "name").first()


def validate_unit(unit: OrgUnit) -> None:
    """The unit's rules, each refusal under its field: a kind of a university's, a name not taken."""
    errors: Errors = {}
    if unit.kind not in UNIT_KINDS:
        add_error(errors, "kind", _("Choose one of the kinds of unit offered."))
    if unit.name:
        taken = unit_name_taken(unit.institution, unit.name, unit.pk)
        if taken is not None:
            add_error(errors, "name", name_taken_message(taken))
    try:
        # The name's uniqueness was checked above with a message saying what to do.
        unit.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        merge_errors(errors, error.message_dict)
    if errors:
        raise ValidationError(errors)


def new_unit(institution: Institution, data: UnitData) -> OrgUnit:
    """The unit `data` describes, not saved: after the others of its kind unless it says where."""
    return OrgUnit(
        institution=institution, kind=data.kind, name=data.name.strip(), short_name=data.short_name.strip(),
        email=data.email.strip(),
        order=data.order if data.order is not None else next_order(institution, data.kind),
        parent=default_parent(institution, data.kind),
    )


@transaction.atomic
def unit_create(*, actor: AbstractBaseUser, institution: Institution, data: UnitData) -> OrgUnit:
    """Add a unit to an institution, under the unit that leads its kind (the school committee for a college)."""
    check_institution(actor, institution)
    unit = new_unit(institution, data)
    validate_unit(unit)
    unit._history_user = actor
    unit.save()
    return unit


def _locked(actor: AbstractBaseUser, unit: OrgUnit, loaded_version: int) -> OrgUnit:
    check_institution(actor, unit.institution)
    return lock_at_version(OrgUnit.objects.select_related("institution"), unit.pk, loaded_version, _stale_unit())


def _save_version(actor: AbstractBaseUser, unit: OrgUnit, fields: Iterable[str]) -> None:
    unit.version += 1
    unit._history_user = actor
    unit.save(update_fields=[*fields, "version"])


@transaction.atomic
def unit_update(*, actor: AbstractBaseUser, unit: OrgUnit, loaded_version: int, data: UnitData) -> OrgUnit:
    """Rename a unit, change its short name, contact e-mail or order number (its kind stays what it is)."""
    current = _locked(actor, unit, loaded_version)
    current.name = data.name.strip()
    current.short_name = data.short_name.strip()
    current.email = data.email.strip()
    current.order = data.order if data.order is not None else current.order
    validate_unit(current)
    _save_version(actor, current, UNIT_FIELDS)
    return current


@transaction.atomic
def unit_move(*, actor: AbstractBaseUser, unit: OrgUnit, loaded_version: int, up: bool) -> OrgUnit:
    """Move a unit one place up or down among the units in service of its kind; the kind's order numbers become
    1, 2, 3 … (a unit already first or last stays where it is)."""
    current = _locked(actor, unit, loaded_version)
    if current.is_retired:
        raise ValidationError(_("A retired unit has no place in the order. Bring it back first."))
    siblings = list(OrgUnit.objects.select_for_update(of=("self",)).in_service()
                    .filter(institution_id=current.institution_id, kind=current.kind).order_by("order", "name", "pk"))
    index = next(position for position, sibling in enumerate(siblings) if sibling.pk == current.pk)
    target = index - 1 if up else index + 1
    if not 0 <= target < len(siblings):
        return current
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.order != position:
            sibling.order = position
            _save_version(actor, sibling, ["order"])
    return next(sibling for sibling in siblings if sibling.pk == current.pk)


def bound_accounts(unit: OrgUnit) -> list[AbstractBaseUser]:
    """The active accounts whose role is bound to the unit."""
    return list(get_user_model().objects.filter(profile__unit=unit, is_active=True).order_by("first_name", "username"))


@transaction.atomic
def unit_retire(*, actor: AbstractBaseUser, unit: OrgUnit, loaded_version: int) -> OrgUnit:
    """Retire a unit from today: it keeps its records and history and leaves the quotas, the dashboard and the
    boards. Refused while an active account is bound to it (move or deactivate those accounts first)."""
    current = _locked(actor, unit, loaded_version)
    if current.is_retired:
        raise ValidationError(_("This unit was already retired on %(day)s.") % {"day": current.retired_on.isoformat()})
    accounts = bound_accounts(current)
    if accounts:
        raise ValidationError(
            _("These accounts still work for this unit: %(names)s. Bind them to another unit or deactivate them "
              "first, then retire the unit.")
            % {"names": "、".join(account.get_full_name() or account.get_username() for account in accounts)}
        )
    current.retired_on = timezone.localdate()
    _save_version(actor, current, ["retired_on"])
    return current


@transaction.atomic
def unit_restore(*, actor: AbstractBaseUser, unit: OrgUnit, loaded_version: int) -> OrgUnit:
    """Bring a retired unit back into service, after the others of its kind."""
    current = _locked(actor, unit, loaded_version)
    if not current.is_retired:
        raise ValidationError(_("This unit is in service; there is nothing to bring back."))
    current.retired_on = None
    current.order = next_order(current.institution, current.kind)
    _save_version(actor, current, ["retired_on", "order"])
    return current
