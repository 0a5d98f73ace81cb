"""Writes for the roster and teams: volunteers, speciality tags, team memberships and roster imports.

The roster import is openpyxl behind these services rather than django-import-export: that library's preview
and confirm steps are built around the admin, its errors name model fields rather than the Chinese column
and row a secretary sees in her file, and its per-row saves would bypass the bulk checks (one query per
lookup, not per row) that make a 20,000-row file feasible. The same rules (`volunteer_rule_errors`)
serve the form and the import.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tracker import access
from tracker.org.forms import EARLIEST_DATE, LATEST_DATE
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.org.versions import lock_at_version
from tracker.roster import xlsx as roster_xlsx
from tracker.roster.models import RosterImport, Speciality, Team, TeamMembership, Volunteer

ROSTER_FIELDS = (
    "staff_number", "name", "gender", "birth_year", "retired_year", "former_post", "former_unit", "category",
    "party_member", "phone", "layer", "eligible", "participating", "backbone", "active_from", "active_to",
)
DATE_FIELDS = ("active_from", "active_to")
TAG_SEPARATORS = re.compile(r"[,，、;；\n\r]+")
SPECIALITY_MAX_LENGTH = Speciality._meta.get_field("name").max_length
EARLIEST_YEAR = 1900
BULK_BATCH = 500


@dataclass
class VolunteerData:
    """What a form or an import row says about one volunteer."""

    unit: OrgUnit
    staff_number: str
    name: str
    gender: str = ""
    birth_year: int | None = None
    retired_year: int | None = None
    former_post: str = ""
    former_unit: str = ""
    category: str = ""
    party_member: bool = False
    phone: str = ""
    layer: str = ""
    eligible: bool = True
    participating: bool = False
    backbone: bool = False
    active_from: dt.date | None = None
    active_to: dt.date | None = None
    specialities: list[str] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ROSTER_FIELDS}


def split_specialities(text: str) -> list[str]:
    """“党建、书法，摄影” → ["党建", "书法", "摄影"]: split on commas (both widths), 、 and semicolons, drop repeats."""
    names: list[str] = []
    for part in TAG_SEPARATORS.split(text or ""):
        name = part.strip()
        if name and name not in names:
            names.append(name)
    return names


def speciality_errors(names: Sequence[str]) -> list[str]:
    return [
        _("The speciality “%(name)s” is longer than %(limit)s characters.")
        % {"name": name, "limit": SPECIALITY_MAX_LENGTH}
        for name in names
        if len(name) > SPECIALITY_MAX_LENGTH
    ]


def volunteer_rule_errors(values: Mapping[str, Any], *, today: dt.date | None = None) -> dict[str, list[str]]:
    """The roster's own rules, checked before the database's constraints so each gets a message on its field.

    Backbone implies participating, participating implies eligible (有条件); dates and years in order.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = defaultdict(list)
    if values.get("backbone") and not values.get("participating"):
        errors["backbone"].append(_("A backbone volunteer must also be marked as participating."))
    if values.get("participating") and not values.get("eligible"):
        errors["participating"].append(_("A participating volunteer must also be marked as eligible (有条件)."))
    birth, retired = values.get("birth_year"), values.get("retired_year")
    span = {"first": EARLIEST_YEAR, "last": today.year}
    if birth is not None and not EARLIEST_YEAR <= birth <= today.year:
        errors["birth_year"].append(_("The year of birth must be between %(first)s and %(last)s.") % span)
    if retired is not None and not EARLIEST_YEAR <= retired <= today.year:
        errors["retired_year"].append(_("The year retired must be between %(first)s and %(last)s.") % span)
    elif retired is not None and birth is not None and retired <= birth:
        errors["retired_year"].append(_("The year retired must come after the year of birth."))
    start, end = values.get("active_from"), values.get("active_to")
    plausible = {"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()}
    for name in DATE_FIELDS:  # typed or imported alike: a year-1 date is a slip, never a period of work
        day = values.get(name)
        if day and not EARLIEST_DATE <= day <= LATEST_DATE:
            errors[name].append(_("Enter a date between %(earliest)s and %(latest)s.") % plausible)
    if start and end and end < start:
        errors["active_to"].append(_("The end date cannot be before the start date."))
    return dict(errors)


def _merge(*error_dicts: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = defaultdict(list)
    for errors in error_dicts:
        for key, messages in errors.items():
            merged[key].extend(message for message in messages if message not in merged[key])
    return dict(merged)


@transaction.atomic
def speciality_tags(*, institution: Institution, names: Iterable[str]) -> dict[str, Speciality]:
    """The institution's speciality tags of these names, made where missing: a constant number of queries."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    found = {tag.name: tag for tag in Speciality.objects.filter(institution=institution, name__in=wanted)}
    missing = [Speciality(institution=institution, name=name) for name in wanted if name not in found]
    if missing:
        for tag in missing:
            tag.full_clean(validate_unique=False, validate_constraints=False)
        # ignore_conflicts: a tag another user made a moment ago is simply fetched below.
        Speciality.objects.bulk_create(missing, ignore_conflicts=True, batch_size=BULK_BATCH)
        found = {tag.name: tag for tag in Speciality.objects.filter(institution=institution, name__in=wanted)}
    return found


def _check_unit(actor: AbstractBaseUser, unit: OrgUnit) -> None:
    if unit.institution_id is None or unit.kind in OrgUnit.OUTSIDE_KINDS:
        raise ValidationError({"unit": _("A roster belongs to a college or unit of a university.")})
    if not access.can_keep_unit_records(actor, unit):
        raise PermissionDenied("actor may not keep this unit's roster")


def _staff_number_errors(unit: OrgUnit, staff_number: str, exclude_pk: int | None = None) -> dict[str, list[str]]:
    taken = Volunteer.objects.filter(institution_id=unit.institution_id, staff_number=staff_number)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if staff_number and taken.exists():
        return {"staff_number": [
            _("Staff number %(number)s is already on the roster; each person is listed once.")
            % {"number": staff_number}
        ]}
    return {}


def _validate(volunteer: Volunteer, data: VolunteerData) -> None:
    errors = _merge(
        volunteer_rule_errors(data.values()),
        _staff_number_errors(data.unit, data.staff_number, volunteer.pk),
        {"specialities": speciality_errors(data.specialities)} if speciality_errors(data.specialities) else {},
    )
    try:
        # Uniqueness and the check constraints were checked above with messages on their fields.
        volunteer.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors = _merge(errors, error.message_dict)
    if errors:
        raise ValidationError(errors)


def _set_specialities(actor: AbstractBaseUser, volunteer: Volunteer, names: Sequence[str]) -> None:
    tags = speciality_tags(institution=volunteer.institution, names=names)
    volunteer._history_user = actor
    volunteer.specialities.set([tags[name] for name in names])


@transaction.atomic
def volunteer_create(*, actor: AbstractBaseUser, data: VolunteerData) -> Volunteer:
    """Add a person to a unit's roster, with speciality tags made as needed."""
    _check_unit(actor, data.unit)
    volunteer = Volunteer(institution_id=data.unit.institution_id, unit=data.unit, **data.values())
    _validate(volunteer, data)
    volunteer._history_user = actor
    volunteer.save()
    _set_specialities(actor, volunteer, data.specialities)
    return volunteer


@transaction.atomic
def volunteer_update(
    *, actor: AbstractBaseUser, volunteer: Volunteer, loaded_version: int, data: VolunteerData,
) -> Volunteer:
    """Change a person on the roster, refusing a save made against an older version of the record.

    Moving a person to another unit needs the right to keep both units' rosters.
    """
    _check_unit(actor, volunteer.unit)
    _check_unit(actor, data.unit)
    if data.unit.institution_id != volunteer.institution_id:
        raise ValidationError({"unit": _("The unit belongs to another institution.")})
    current = lock_at_version(
        Volunteer.objects.select_related("institution"), volunteer.pk, loaded_version,
        _("Someone else changed this person's record after you opened it. Your input is kept below; "
          "look at the record as it is now, then save again."),
    )
    current.unit = data.unit
    for name, value in data.values().items():
        setattr(current, name, value)
    _validate(current, data)
    current.version += 1
    current._history_user = actor
    current.save(update_fields=["unit", *ROSTER_FIELDS, "version"])
    _set_specialities(actor, current, data.specialities)
    return current


# --- Teams -----------------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *, actor: AbstractBaseUser, institution: Institution, name: str, description: str = "", order: int = 0,
) -> Team:
    """Add a standing corps to an institution (committee staff)."""
    if not access.can_keep_unit_records_of_institution(actor, institution.pk):
        raise PermissionDenied("only committee staff add teams")
    team = Team(institution=institution, name=name.strip(), description=description.strip(), order=order)
    team.full_clean()
    team._history_user = actor
    team.save()
    return team


def _date_errors(day: dt.date, field_name: str) -> dict[str, list[str]]:
    if day > timezone.localdate():
        return {field_name: [_("The date cannot be in the future.")]}
    return {}


@transaction.atomic
def team_membership_add(
    *, actor: AbstractBaseUser, team: Team, volunteer: Volunteer, joined_on: dt.date,
) -> TeamMembership:
    """Put a volunteer in a team from a date: staff for anyone, a secretary or liaison for her own unit's people."""
    if volunteer.institution_id != team.institution_id:
        raise ValidationError({"volunteer": _("This person is on another institution's roster.")})
    if not access.can_keep_unit_records(actor, volunteer.unit):
        raise PermissionDenied("actor may not keep this volunteer's records")
    errors = _date_errors(joined_on, "joined_on")
    memberships = TeamMembership.objects.select_for_update().filter(team=team, volunteer=volunteer)
    for membership in memberships:
        if membership.left_on is None:
            errors.setdefault("volunteer", []).append(
                _("%(name)s is already a member of this team.") % {"name": volunteer.name}
            )
        elif membership.left_on >= joined_on:
            errors.setdefault("joined_on", []).append(
                _("%(name)s was a member of this team until %(day)s; the new membership must start later.")
                % {"name": volunteer.name, "day": membership.left_on.isoformat()}
            )
    if errors:
        raise ValidationError(errors)
    membership = TeamMembership(team=team, volunteer=volunteer, joined_on=joined_on)
    membership.full_clean()
    membership._history_user = actor
    membership.save()
    return membership


@transaction.atomic
def team_membership_end(*, actor: AbstractBaseUser, membership: TeamMembership, left_on: dt.date) -> TeamMembership:
    """Record the day a volunteer left a team; the membership stays in the team's history."""
    if not access.can_keep_unit_records(actor, membership.volunteer.unit):
        raise PermissionDenied("actor may not keep this volunteer's records")
    current = TeamMembership.objects.select_for_update().get(pk=membership.pk)
    errors = _date_errors(left_on, "left_on")
    if current.left_on is not None:
        errors.setdefault("left_on", []).append(_("This membership has already ended."))
    elif left_on < current.joined_on:
        errors.setdefault("left_on", []).append(_("The day of leaving cannot be before the day of joining."))
    if errors:
        raise ValidationError(errors)
    current.left_on = left_on
    current.full_clean()
    current._history_user = actor
    current.save(update_fields=["left_on"])
    return current


# --- Roster import ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in the file: its sheet row (None for the file as a whole) and column header."""

    row: int | None
    column: str
    message: str


@dataclass(frozen=True)
class PreviewRow:
    row: int
    staff_number: str
    name: str
    unit: str
    changed: tuple[str, ...] = ()


@dataclass
class RosterPreview:
    """What an upload would do: people to add, people to change, and every error by row and column."""

    file_name: str
    errors: list[RowError] = field(default_factory=list)
    creates: list[PreviewRow] = field(default_factory=list)
    updates: list[PreviewRow] = field(default_factory=list)
    unchanged: int | None = 0  # None: not known (a preview shown again from the stored rows)
    ignored_headers: list[str] = field(default_factory=list)
    record: RosterImport | None = None

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def file_errors(self) -> list[RowError]:
        return [error for error in self.errors if error.row is None]

    @property
    def row_errors(self) -> list[RowError]:
        return [error for error in self.errors if error.row is not None]

    @property
    def rows_with_errors(self) -> int:
        return len({error.row for error in self.row_errors})


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _coerce(column: roster_xlsx.Column, raw: Any, lookups: Mapping[str, Mapping[str, str]]) -> Any:
    if column.kind in ("text", "unit"):
        return roster_xlsx.cell_text(raw)
    if column.kind == "year":
        return roster_xlsx.cell_year(raw)
    if column.kind == "bool":
        return roster_xlsx.cell_bool(raw)
    if column.kind == "date":
        return roster_xlsx.cell_date(raw)
    if column.kind == "choice":
        return roster_xlsx.cell_choice(raw, lookups[column.field], roster_xlsx.CHOICES[column.field])
    if column.kind == "tags":
        return split_specialities(roster_xlsx.cell_text(raw))
    raise AssertionError(column.kind)


def _json_safe(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in values.items()}


def _from_json(values: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(values)
    for key in DATE_FIELDS:
        if result.get(key):
            result[key] = dt.date.fromisoformat(result[key])
    return result


def _bound_unit(actor: AbstractBaseUser) -> OrgUnit | None:
    profile = access.profile_of(actor)
    if profile is not None and profile.role in (Profile.Role.SECRETARY, Profile.Role.LIAISON):
        return profile.unit
    return None


DEFAULTS = {name: Volunteer._meta.get_field(name).get_default() for name in ROSTER_FIELDS}


class _RosterChecker:
    """Checks rows against the roster as it is, with every lookup loaded up front (a fixed number of queries)."""

    def __init__(self, actor: AbstractBaseUser, institution: Institution):
        self.institution = institution
        self.editable = {unit.pk: unit for unit in access.units_editable_by(actor).filter(institution=institution)}
        units = OrgUnit.objects.filter(institution=institution).exclude(kind__in=OrgUnit.OUTSIDE_KINDS)
        self.units_by_pk: dict[int, OrgUnit] = {}
        self.units_by_name: dict[str, OrgUnit] = {}
        for unit in units:
            self.units_by_pk[unit.pk] = unit
            if unit.short_name:
                self.units_by_name.setdefault(unit.short_name, unit)
        for unit in self.units_by_pk.values():
            self.units_by_name[unit.name] = unit  # full names win over short ones
        self.existing = {v.staff_number: v for v in Volunteer.objects.filter(institution=institution)}
        self.tags: dict[int, list[str]] = defaultdict(list)
        through = Volunteer.specialities.through.objects.filter(volunteer__institution=institution)
        for volunteer_id, name in through.values_list("volunteer_id", "speciality__name").order_by("speciality__name"):
            self.tags[volunteer_id].append(name)
        self.default_unit = next(iter(self.editable.values())) if len(self.editable) == 1 else None


def _header(field_name: str) -> str:
    column = roster_xlsx.COLUMN_BY_FIELD.get(field_name)
    return column.header if column else ""


def roster_import_stage(*, actor: AbstractBaseUser, upload: UploadedFile, institution: Institution) -> RosterPreview:
    """Read an uploaded roster and check every row; keep the checked rows for confirmation only if all are valid.

    Nothing reaches the roster here. A file with any error is not kept at all; the preview lists each error
    with its row number and column so the user can fix the file and upload it again.
    """
    checker = _RosterChecker(actor, institution)
    if not checker.editable:
        raise PermissionDenied("actor keeps no roster in this institution")
    preview = RosterPreview(file_name=upload.name or "")
    try:
        sheet = roster_xlsx.read_roster(upload)
    except roster_xlsx.RosterFileError as error:
        preview.errors = [RowError(None, "", message) for message in error.messages]
        return preview
    preview.ignored_headers = sheet.ignored_headers
    lookups = {name: roster_xlsx.choice_lookup(choices) for name, choices in roster_xlsx.CHOICES.items()}
    present = [column for column in roster_xlsx.COLUMNS if column.header in sheet.columns]
    seen: dict[str, int] = {}
    stored: list[dict[str, Any]] = []
    today = timezone.localdate()
    for number, cells in sheet.rows:
        errors: list[RowError] = []
        given: dict[str, Any] = {}
        for column in present:
            try:
                given[column.field] = _coerce(column, sheet.value(cells, column.header), lookups)
            except roster_xlsx.CellError as error:
                errors.append(RowError(number, column.header, str(error)))
        staff_number = given.get("staff_number", "")
        if "staff_number" in given and not staff_number:
            errors.append(RowError(number, "工号", _("This column must be filled in.")))
        elif staff_number in seen:
            errors.append(RowError(number, "工号", _("Staff number %(number)s also appears in row %(row)s.")
                                   % {"number": staff_number, "row": seen[staff_number]}))
        elif staff_number:
            seen[staff_number] = number
        if "name" in given and not given["name"]:
            errors.append(RowError(number, "姓名", _("This column must be filled in.")))

        unit_name = given.pop("unit", "")
        unit = checker.units_by_name.get(unit_name) if unit_name else checker.default_unit
        if not unit_name and unit is None:
            errors.append(RowError(number, "所在单位", _("This column must be filled in.")))
        elif unit is None:
            errors.append(RowError(number, "所在单位", _("There is no unit called “%(name)s”.") % {"name": unit_name}))
        elif unit.pk not in checker.editable:
            errors.append(RowError(number, "所在单位", _("You may not keep the roster of %(unit)s.")
                                   % {"unit": unit.name}))

        current = checker.existing.get(staff_number) if staff_number else None
        if current is not None and current.unit_id not in checker.editable:
            errors.append(RowError(number, "工号", _("This staff number belongs to a person on the roster of a "
                                                    "unit you do not keep.")))
        tags = given.pop("specialities", None)
        for message in speciality_errors(tags or []):
            errors.append(RowError(number, "资源特长", message))

        # Columns left out of the file keep what the roster holds (or the defaults, for new people).
        values = {name: getattr(current, name) for name in ROSTER_FIELDS} if current else dict(DEFAULTS)
        values.update({name: (value if value is not None else DEFAULTS[name]) for name, value in given.items()})
        for field_name, messages in volunteer_rule_errors(values, today=today).items():
            errors.extend(RowError(number, _header(field_name), message) for message in messages)
        if unit is not None and not errors:
            candidate = Volunteer(institution=institution, unit=unit, **values)
            try:
                # The unit and institution come from the lookups above; validating them again costs a query each.
                candidate.clean_fields(exclude=["unit", "institution"])
            except ValidationError as error:
                for field_name, messages in error.message_dict.items():
                    errors.extend(RowError(number, _header(field_name), message) for message in messages)
        if errors:
            preview.errors.extend(errors)
            continue

        old_tags = checker.tags.get(current.pk, []) if current else []
        new_tags = tags if tags is not None else old_tags
        shown = PreviewRow(number, staff_number, values["name"], unit.name)
        if current is None:
            preview.creates.append(shown)
            action = "create"
        else:
            changed = [_header(name) for name in ROSTER_FIELDS if getattr(current, name) != values[name]]
            if current.unit_id != unit.pk:
                changed.insert(0, "所在单位")
            if sorted(old_tags) != sorted(new_tags):
                changed.append("资源特长")
            if not changed:
                preview.unchanged += 1
                continue
            preview.updates.append(PreviewRow(number, staff_number, values["name"], unit.name, tuple(changed)))
            action = "update"
        stored.append({
            "row": number, "action": action, "id": current.pk if current else None,
            "version": current.version if current else None, "unit": unit.pk,
            "fields": _json_safe(values), "specialities": new_tags,
            "changed": list(preview.updates[-1].changed) if action == "update" else [],  # shown again (issue 15)
        })
    if preview.errors or not stored:
        return preview
    record = RosterImport(
        institution=institution, unit=_bound_unit(actor), created_by=actor,
        file_name=(upload.name or "roster.xlsx")[:255], rows=stored,
    )
    record.full_clean()
    record.save()
    preview.record = record
    return preview


def roster_import_preview(*, roster_import: RosterImport) -> RosterPreview:
    """The preview of a checked file not yet applied, shown again from its stored rows (issue 15: the uploader's
    to-do list links here). Files checked before the rows kept their changed columns show none."""
    names = dict(OrgUnit.objects.filter(pk__in={row["unit"] for row in roster_import.rows}).values_list("pk", "name"))
    preview = RosterPreview(file_name=roster_import.file_name, record=roster_import, unchanged=None)
    for row in roster_import.rows:
        shown = PreviewRow(row["row"], row["fields"].get("staff_number", ""), row["fields"].get("name", ""),
                           names.get(row["unit"], ""), tuple(row.get("changed", ())))
        (preview.creates if row["action"] == "create" else preview.updates).append(shown)
    return preview


@transaction.atomic
def roster_import_apply(*, actor: AbstractBaseUser, roster_import: RosterImport) -> ImportResult:
    """Apply a checked import in one transaction: all its rows or none.

    Refused if the import is not the actor's, was applied already, or the roster changed since the preview
    (a person edited or added in between): the user uploads the file again and sees a fresh preview.
    """
    record = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if record.created_by_id != actor.pk:
        raise PermissionDenied("only the person who uploaded a roster file may apply it")
    if record.applied_at is not None:
        raise ValidationError(_("This file was already applied to the roster; it cannot be applied twice."))
    if not record.rows:
        raise ValidationError(_("This file has no changes to apply."))
    institution = record.institution
    editable = {unit.pk: unit for unit in access.units_editable_by(actor).filter(institution=institution)}
    existing = {v.pk: v for v in Volunteer.objects.select_for_update().filter(institution=institution)}
    taken = {v.staff_number for v in existing.values()}
    problems: list[str] = []
    for row in record.rows:
        unit_allowed = row["unit"] in editable and (record.unit_id is None or row["unit"] == record.unit_id)
        current = existing.get(row["id"]) if row["id"] else None
        if not unit_allowed or (current is not None and current.unit_id not in editable):
            raise PermissionDenied("actor may no longer keep a unit in this file")
        if row["action"] == "create" and row["fields"]["staff_number"] in taken:
            problems.append(str(row["row"]))
        if row["action"] == "update" and (current is None or current.version != row["version"]):
            problems.append(str(row["row"]))
    if problems:
        raise ValidationError(
            _("The roster changed after this file was checked (rows %(rows)s). Upload the file again to see "
              "a fresh preview.") % {"rows": ", ".join(problems[:20])}
        )

    tags = speciality_tags(institution=institution, names=[name for row in record.rows for name in row["specialities"]])
    created: list[Volunteer] = []
    updated: list[Volunteer] = []
    wanted_tags: list[tuple[Volunteer, list[str]]] = []
    for row in record.rows:
        values = _from_json(row["fields"])
        if row["action"] == "create":
            volunteer = Volunteer(institution=institution, unit=editable[row["unit"]], **values)
            created.append(volunteer)
        else:
            volunteer = existing[row["id"]]
            volunteer.unit = editable[row["unit"]]
            for name, value in values.items():
                setattr(volunteer, name, value)
            volunteer.version += 1
            updated.append(volunteer)
        # Uniqueness and versions were checked for the whole file above, against the locked rows; unit and
        # institution come from them too (validating a foreign key costs a query per row).
        volunteer.full_clean(exclude=["unit", "institution"], validate_unique=False, validate_constraints=False)
        wanted_tags.append((volunteer, row["specialities"]))
    reason = f"roster import {record.pk}"
    # bulk_create sets the new primary keys on these same objects (SQLite ≥ 3.35 and PostgreSQL return them).
    bulk_create_with_history(
        created, Volunteer, batch_size=BULK_BATCH, default_user=actor, default_change_reason=reason,
    )
    if updated:
        bulk_update_with_history(
            updated, Volunteer, ["unit", *ROSTER_FIELDS, "version"], batch_size=BULK_BATCH,
            default_user=actor, default_change_reason=reason,
        )
    _replace_specialities(wanted_tags, tags)
    record.applied_at = timezone.now()
    record.save(update_fields=["applied_at"])
    return ImportResult(created=len(created), updated=len(updated))


def _replace_specialities(wanted: Sequence[tuple[Volunteer, Sequence[str]]], tags: Mapping[str, Speciality]) -> None:
    """Set each volunteer's tags in bulk (the import's many rows would cost three queries each with `.set()`)."""
    through = Volunteer.specialities.through
    ids = [volunteer.pk for volunteer, _names in wanted]
    for start in range(0, len(ids), BULK_BATCH):
        through.objects.filter(volunteer_id__in=ids[start:start + BULK_BATCH]).delete()
    links = [
        through(volunteer_id=volunteer.pk, speciality_id=tags[name].pk)
        for volunteer, names in wanted
        for name in names
    ]
    through.objects.bulk_create(links, batch_size=BULK_BATCH)
