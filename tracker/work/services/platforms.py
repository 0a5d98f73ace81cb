"""Writes for work platforms (工作平台) and the activity ledger (工作台账).

Both are shared records with a `version`: an edit names the version it was loaded at, the row is locked, and a
save against a newer version is refused with the changes made in between, so two people never overwrite each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker import access
from tracker.org.evidence import store_evidence
from tracker.org.models import OrgUnit
from tracker.org.uploads import check_evidence_file
from tracker.org.versions import lock_at_version
from tracker.roster.models import Volunteer
from tracker.work.models.platforms import Activity, WorkPlatform

Errors = dict[str, list[str]]

# Which kind of unit owns a platform of each level.
OWNER_KIND = {
    WorkPlatform.Level.SCHOOL: OrgUnit.Kind.SCHOOL_COMMITTEE,
    WorkPlatform.Level.COLLEGE: OrgUnit.Kind.COLLEGE,
}


@dataclass(frozen=True)
class PlatformFields:
    """What a person may set on a platform (everything but its institution, which follows the owner, and version)."""

    name: str
    level: str
    owner: OrgUnit
    host: OrgUnit | None = None
    serving_leader: str = ""
    volunteer_leader: Volunteer | None = None
    description: str = ""
    has_substance: bool = False
    has_goals: bool = False
    has_plan: bool = False
    institutionalised: bool = False
    standardised: bool = False
    branded: bool = False
    brand: str = WorkPlatform.Brand.NONE
    recognised_by: str = ""
    recognised_on: dt.date | None = None
    active_from: dt.date | None = None
    active_to: dt.date | None = None
    volunteers: tuple[Volunteer, ...] = ()


@dataclass(frozen=True)
class ActivityFields:
    """What a person may set on a ledger entry."""

    unit: OrgUnit
    date: dt.date
    kind: str
    title: str
    platform: WorkPlatform | None = None
    retirees: tuple[Volunteer, ...] = ()
    retiree_count: int = 0
    youth_count: int = 0
    notes: str = ""


PLAIN_PLATFORM_FIELDS = (
    "name", "level", "owner", "host", "serving_leader", "volunteer_leader", "description", "has_substance",
    "has_goals", "has_plan", "institutionalised", "standardised", "branded", "brand", "recognised_by",
    "recognised_on", "active_from", "active_to",
)
PLAIN_ACTIVITY_FIELDS = ("unit", "date", "kind", "title", "platform", "retiree_count", "youth_count", "notes")


def platform_owners_for(user: AbstractBaseUser, *, current: OrgUnit | None = None) -> QuerySet[OrgUnit]:
    """Units the user may make a platform's owner: the school committee (staff) and the colleges she keeps;
    with `current`, that owner too, so an edit that leaves the owner alone is always possible."""
    owners = Q(pk__in=access.units_editable_by(user).filter(kind__in=list(OWNER_KIND.values())))
    if current is not None:
        owners |= Q(pk=current.pk)
    return OrgUnit.objects.filter(owners).order_by("institution_id", "-kind", "order", "name")


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _clean_or_raise(obj: models.Model, errors: Errors) -> None:
    """Run the model's own validation over the fields not already in error, then raise everything together."""
    try:
        obj.full_clean(exclude=list(errors))
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(m for m in messages if m not in errors.get(field, []))
    if errors:
        raise ValidationError(errors)


def _people_errors(
    actor: AbstractBaseUser, people: Iterable[Volunteer], institution_id: int | None, field: str, errors: Errors,
) -> None:
    """Only people of the same institution whom the actor may see can be named."""
    wanted = {person.pk for person in people}
    if not wanted:
        return
    allowed = set(
        access.volunteers_visible_to(actor).filter(pk__in=wanted, institution_id=institution_id)
        .values_list("pk", flat=True)
    )
    if wanted - allowed:
        _add(errors, field, _("Choose people from your own roster of this institution."))


# --- Work platforms ----------------------------------------------------------------------------


def _platform_errors(actor: AbstractBaseUser, fields: PlatformFields, institution_id: int | None,
                     current: WorkPlatform | None) -> Errors:
    errors: Errors = {}
    if fields.level == WorkPlatform.Level.SCHOOL and fields.owner.kind != OrgUnit.Kind.SCHOOL_COMMITTEE:
        _add(errors, "owner", _("A school-level platform belongs to the school committee."))
    if fields.host is not None and fields.host.kind != OrgUnit.Kind.MEMBER_UNIT:
        _add(errors, "host", _("The host must be a member unit."))
    if fields.brand == WorkPlatform.Brand.HIGHER and fields.recognised_on is None:
        _add(errors, "recognised_on", _("Give the date the brand was recognised."))
    if fields.active_from and fields.active_to and fields.active_to < fields.active_from:
        _add(errors, "active_to", _("The active period cannot end before it starts."))
    leader = fields.volunteer_leader
    if leader is not None and (current is None or leader.pk != current.volunteer_leader_id):
        _people_errors(actor, [leader], institution_id, "volunteer_leader", errors)
    _people_errors(actor, fields.volunteers, institution_id, "volunteers", errors)
    return errors


def _apply(obj: models.Model, fields: object, names: Sequence[str]) -> None:
    for name in names:
        value = getattr(fields, name)
        setattr(obj, name, value.strip() if isinstance(value, str) else value)


@transaction.atomic
def platform_create(*, actor: AbstractBaseUser, fields: PlatformFields) -> WorkPlatform:
    """Create a platform owned by a unit the actor keeps: the school committee (staff) or a college.

    Its institution is the owner's. A college-level platform belongs to a college, a school-level one to
    the school committee; the host is a member unit of the same institution.
    """
    if not access.can_keep_unit_records(actor, fields.owner):
        raise PermissionDenied("actor may not keep this unit's platforms")
    platform = WorkPlatform(institution_id=fields.owner.institution_id)
    _apply(platform, fields, PLAIN_PLATFORM_FIELDS)
    _clean_or_raise(platform, _platform_errors(actor, fields, platform.institution_id, None))
    platform._history_user = actor
    platform.save()
    platform.volunteers.set(fields.volunteers)
    return platform


@transaction.atomic
def platform_update(
    *, actor: AbstractBaseUser, platform: WorkPlatform, loaded_version: int, fields: PlatformFields,
) -> WorkPlatform:
    """Change a platform loaded at `loaded_version`; refused with the newer versions if someone saved since.

    Volunteers the actor may not see stay involved: the actor's choice replaces only those she can see.
    """
    if not access.can_edit_platform(actor, platform):
        raise PermissionDenied("actor may not edit this platform")
    if fields.owner.pk != platform.owner_id and not access.can_keep_unit_records(actor, fields.owner):
        raise PermissionDenied("actor may not hand the platform to that unit")
    current = lock_at_version(WorkPlatform, platform.pk, loaded_version, _(
        "Someone else changed this platform after you opened it. Your input is kept below; "
        "look at their changes, then save again."
    ))
    errors = _platform_errors(actor, fields, current.institution_id, current)
    _apply(current, fields, PLAIN_PLATFORM_FIELDS)
    _clean_or_raise(current, errors)
    hidden = list(current.volunteers.exclude(pk__in=access.volunteers_visible_to(actor)))
    current.version += 1
    current._history_user = actor
    current.save()
    current.volunteers.set([*fields.volunteers, *hidden])
    return current


# --- The activity ledger -----------------------------------------------------------------------


def _activity_errors(actor: AbstractBaseUser, fields: ActivityFields, hidden_retirees: int,
                     files: Sequence[UploadedFile]) -> Errors:
    errors: Errors = {}
    if fields.date > timezone.localdate():
        _add(errors, "date", _("The date cannot be in the future."))
    if fields.platform is not None and not access.platforms_visible_to(actor).filter(pk=fields.platform.pk).exists():
        _add(errors, "platform", _("Choose a platform of your institution."))
    _people_errors(actor, fields.retirees, fields.unit.institution_id, "retirees", errors)
    named = len({person.pk for person in fields.retirees}) + hidden_retirees
    if fields.retiree_count < named:
        _add(errors, "retiree_count", _(
            "%(named)s retirees are named as taking part, so the number taking part must be at least %(named)s."
        ) % {"named": named})
    for upload in files:
        try:
            check_evidence_file(upload)
        except ValidationError as error:
            errors.setdefault("files", []).extend(error.messages)
    return errors


@transaction.atomic
def activity_create(
    *, actor: AbstractBaseUser, fields: ActivityFields, files: Sequence[UploadedFile] = (),
) -> Activity:
    """Record a ledger entry for a unit the actor keeps, with its evidence files.

    The date may not be in the future, and the number of retirees taking part is at least the number named.
    """
    if not access.can_keep_unit_records(actor, fields.unit):
        raise PermissionDenied("actor may not keep this unit's ledger")
    activity = Activity(recorded_by=actor)
    errors = _activity_errors(actor, fields, 0, files)
    _apply(activity, fields, PLAIN_ACTIVITY_FIELDS)
    _clean_or_raise(activity, errors)
    activity._history_user = actor
    activity.save()
    activity.retirees.set(fields.retirees)
    store_evidence(files, actor, activity=activity)
    return activity


@transaction.atomic
def activity_update(
    *, actor: AbstractBaseUser, activity: Activity, loaded_version: int, fields: ActivityFields,
    files: Sequence[UploadedFile] = (),
) -> Activity:
    """Change a ledger entry loaded at `loaded_version` and add more evidence; refused if someone saved since.

    Evidence already attached stays. Retirees the actor may not see stay named.
    """
    if not access.can_keep_unit_records(actor, activity.unit):
        raise PermissionDenied("actor may not keep this unit's ledger")
    if fields.unit.pk != activity.unit_id and not access.can_keep_unit_records(actor, fields.unit):
        raise PermissionDenied("actor may not move the entry to that unit")
    current = lock_at_version(Activity, activity.pk, loaded_version, _(
        "Someone else changed this ledger entry after you opened it. Your input is kept below; "
        "look at their changes, then save again."
    ))
    hidden = list(current.retirees.exclude(pk__in=access.volunteers_visible_to(actor)))
    errors = _activity_errors(actor, fields, len(hidden), files)
    _apply(current, fields, PLAIN_ACTIVITY_FIELDS)
    _clean_or_raise(current, errors)
    current.version += 1
    current._history_user = actor
    current.save()
    current.retirees.set([*fields.retirees, *hidden])
    store_evidence(files, actor, activity=current)
    return current
