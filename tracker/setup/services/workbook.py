"""The set-up workbook's import: check every row of both sheets, preview, confirm.

The check compares every row with the database and with the file itself, then the checked rows go to the
confirmation in a signed value (as the standards import does): nothing is written before confirmation, a changed
value is refused, and the confirmation checks every row again in its transaction, so that a second confirmation of
the same value finds every name taken and creates nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _

from tracker.org.checked import checked_sign, checked_unsign
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.org.xlsx import normalise
from tracker.setup import xlsx as setup_xlsx
from tracker.setup.services.accounts import BOUND_KINDS, AccountData, admin_refusal, create_account
from tracker.setup.services.units import UnitData, check_institution, name_taken_message, new_unit, validate_unit
from tracker.setup.xlsx import ACCOUNTS_SHEET, SETUP_ROLES, UNIT_KINDS, UNITS_SHEET

User = get_user_model()
Role = Profile.Role
Kind = OrgUnit.Kind

IMPORT_SALT = "tracker.setup.import"
UNIT_HEADERS = {column.field: column.header for column in setup_xlsx.UNIT_COLUMNS}
ACCOUNT_HEADERS = {column.field: column.header for column in setup_xlsx.ACCOUNT_COLUMNS}
ACCOUNT_FIELD_HEADERS = {**ACCOUNT_HEADERS, "first_name": ACCOUNT_HEADERS["full_name"]}
KIND_RANK = {kind: rank for rank, kind in enumerate(UNIT_KINDS)}


@dataclass(frozen=True)
class SetupRowError:
    """One problem in the file: its sheet ("" for the file as a whole), row (None likewise) and column header."""

    sheet: str
    row: int | None
    column: str
    message: str


@dataclass
class SetupPreview:
    """What an upload would create (the checked rows, as texts by header), or every error by sheet, row, column."""

    file_name: str
    errors: list[SetupRowError] = field(default_factory=list)
    units: list[dict[str, Any]] = field(default_factory=list)
    accounts: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, list] = field(default_factory=dict)  # the rows as read, carried to the confirmation

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def file_errors(self) -> list[SetupRowError]:
        return [error for error in self.errors if error.row is None]

    @property
    def row_errors(self) -> list[SetupRowError]:
        return [error for error in self.errors if error.row is not None]

    @property
    def rows_with_errors(self) -> int:
        return len({(error.sheet, error.row) for error in self.row_errors})


def _lookup(choices: Iterable[Any]) -> dict[str, str]:
    """Every accepted spelling of each choice (Chinese label, English label, stored value) → stored value."""
    found: dict[str, str] = {}
    for choice in choices:
        found[choice.value.lower()] = choice.value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                found[normalise(str(choice.label)).lower()] = choice.value
    return found


# What offices write for a role besides its label (二级关工委秘书 is also 学院秘书, 校领导 is 领导 …).
ROLE_ALIASES = {
    "学院秘书": Role.SECRETARY, "秘书": Role.SECRETARY, "二级关工委秘书长": Role.SECRETARY,
    "工作人员": Role.STAFF, "关工委工作人员": Role.STAFF, "校关工委秘书": Role.STAFF,
    "联络员": Role.LIAISON, "委员单位联系人": Role.LIAISON,
    "领导": Role.LEADER, "学校领导": Role.LEADER,
    "专家": Role.REVIEWER, "评审": Role.REVIEWER,
}


def _allowed(choices: Iterable[Any]) -> str:
    return "、".join(setup_xlsx.chinese_label(choice) for choice in choices)


def _order(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


class _Checker:
    """Checks the rows of both sheets against the institution as it is, with every lookup loaded up front."""

    def __init__(self, institution: Institution):
        self.institution = institution
        self.kinds = _lookup(Kind(kind) for kind in UNIT_KINDS)
        self.roles = {**ROLE_ALIASES, **_lookup(Role)}
        self.units_by_name: dict[str, OrgUnit] = {}
        units = list(OrgUnit.objects.filter(institution=institution).exclude(kind__in=OrgUnit.OUTSIDE_KINDS))
        for unit in units:
            if unit.short_name:
                self.units_by_name.setdefault(unit.short_name, unit)
        for unit in units:
            self.units_by_name[unit.name] = unit  # full names win over short ones
        self.unit_names = {unit.name: unit for unit in units}
        self.errors: list[SetupRowError] = []

    def error(self, sheet: str, row: int, column: str, message: str) -> None:
        self.errors.append(SetupRowError(sheet, row, column, message))

    def units(self, rows: Sequence[tuple[int, Mapping[str, str]]]) -> list[dict[str, Any]]:
        checked = []
        seen: dict[str, int] = {}
        self.new_units: dict[str, dict[str, Any]] = {}
        for number, cells in rows:
            before = len(self.errors)
            kind_text, name = cells.get("类型", ""), cells.get("名称", "")
            kind = self.kinds.get(kind_text.lower())
            if not kind_text:
                self.error(UNITS_SHEET, number, "类型", _("This column must be filled in."))
            elif kind is None:
                self.error(UNITS_SHEET, number, "类型", _("“%(value)s” is not a kind of unit; write one of "
                                                          "%(allowed)s.") % {"value": kind_text,
                                                                              "allowed": _allowed(Kind(k) for k in
                                                                                                  UNIT_KINDS)})
            if not name:
                self.error(UNITS_SHEET, number, "名称", _("This column must be filled in."))
            elif name in seen:
                self.error(UNITS_SHEET, number, "名称", _("The unit “%(name)s” also appears in row %(row)s.")
                           % {"name": name, "row": seen[name]})
            elif name in self.unit_names:
                self.error(UNITS_SHEET, number, "名称", name_taken_message(self.unit_names[name]))
            if name:
                seen.setdefault(name, number)
            try:
                order = _order(cells.get("顺序", ""))
            except ValueError:
                order = None
                self.error(UNITS_SHEET, number, "顺序", _("“%(value)s” is not a whole number; write it like 10.")
                           % {"value": cells.get("顺序", "")})
            candidate = OrgUnit(institution=self.institution, kind=kind or Kind.COLLEGE, name=name,
                                short_name=cells.get("简称", ""), email=cells.get("联系邮箱", ""), order=order or 0)
            try:
                # The kind and an empty name were reported above; the other fields' lengths and the e-mail here.
                candidate.clean_fields(exclude=["institution", "parent", "kind", *([] if name else ["name"])])
            except ValidationError as error:
                for key, messages in error.message_dict.items():
                    for message in messages:
                        self.error(UNITS_SHEET, number, UNIT_HEADERS.get(key, ""), message)
            if len(self.errors) > before:
                continue
            row = {"row": number, "kind": kind, "name": name, "short_name": candidate.short_name,
                   "email": candidate.email, "order": order}
            checked.append(row)
            self.new_units[name] = row
            if candidate.short_name:
                self.new_units.setdefault(candidate.short_name, row)
        return checked

    def _unit_of(self, number: int, name: str) -> tuple[str | None, str | None]:
        """(kind, full name) of the unit a row names, from the file's own units or the database's."""
        if name in self.new_units:
            row = self.new_units[name]
            return row["kind"], row["name"]
        unit = self.units_by_name.get(name)
        if unit is None:
            self.error(ACCOUNTS_SHEET, number, "所在单位", _(
                "There is no unit called “%(name)s”, neither in the portal nor on the sheet “%(sheet)s”.")
                % {"name": name, "sheet": UNITS_SHEET})
            return None, None
        if unit.is_retired:
            self.error(ACCOUNTS_SHEET, number, "所在单位", _(
                "%(unit)s is retired; bring it back first or choose another unit.") % {"unit": unit.name})
            return None, None
        return unit.kind, unit.name

    def accounts(self, rows: Sequence[tuple[int, Mapping[str, str]]]) -> list[dict[str, Any]]:
        checked = []
        seen: dict[str, int] = {}
        # User names taken whatever the case of their letters (Li.Ming and li.ming): one query for the file.
        wanted = {cells.get("用户名", "").lower() for _number, cells in rows} - {""}
        taken = set(User.objects.annotate(lowered=Lower("username")).filter(lowered__in=wanted)
                    .values_list("lowered", flat=True))
        for number, cells in rows:
            before = len(self.errors)
            full_name, username = normalise(cells.get("姓名", "")), cells.get("用户名", "")
            role_text, unit_name = cells.get("角色", ""), cells.get("所在单位", "")
            for header, value in (("姓名", full_name), ("用户名", username), ("角色", role_text)):
                if not value:
                    self.error(ACCOUNTS_SHEET, number, header, _("This column must be filled in."))
            key = username.lower()
            if username and key in seen:
                self.error(ACCOUNTS_SHEET, number, "用户名", _("The user name “%(name)s” also appears in row %(row)s.")
                           % {"name": username, "row": seen[key]})
            elif username and key in taken:
                self.error(ACCOUNTS_SHEET, number, "用户名", _("The user name “%(name)s” is taken; choose another.")
                           % {"name": username})
            if username:
                seen.setdefault(key, number)
            role = self.roles.get(role_text.lower()) if role_text else None
            if role_text and role == Role.ADMIN:
                self.error(ACCOUNTS_SHEET, number, "角色", admin_refusal())
            elif role_text and role is None:
                self.error(ACCOUNTS_SHEET, number, "角色", _("“%(value)s” is not a role; write one of %(allowed)s.")
                           % {"value": role_text, "allowed": _allowed(SETUP_ROLES)})
            unit_kind = unit_full_name = None
            if unit_name:
                unit_kind, unit_full_name = self._unit_of(number, unit_name)
            bound = BOUND_KINDS.get(role) if role else None
            if bound and not unit_name:
                self.error(ACCOUNTS_SHEET, number, "所在单位", _(
                    "A %(role)s must be bound to a unit of kind “%(kind)s”: write its name.")
                    % {"role": Role(role).label, "kind": Kind(bound).label})
            elif bound and unit_kind and unit_kind != bound:
                self.error(ACCOUNTS_SHEET, number, "所在单位", _(
                    "A %(role)s must be bound to a unit of kind “%(kind)s”; %(unit)s is a %(other)s.")
                    % {"role": Role(role).label, "kind": Kind(bound).label, "unit": unit_full_name,
                       "other": Kind(unit_kind).label})
            candidate = User(username=username, first_name=full_name, email=cells.get("邮箱", ""))
            exclude = ["password"] + [f for f, v in (("username", username), ("first_name", full_name)) if not v]
            try:
                candidate.clean_fields(exclude=exclude)
            except ValidationError as error:
                for field_name, messages in error.message_dict.items():
                    for message in messages:
                        self.error(ACCOUNTS_SHEET, number, ACCOUNT_FIELD_HEADERS.get(field_name, ""), message)
            if len(self.errors) > before:
                continue
            checked.append({"row": number, "full_name": full_name, "username": username,
                            "email": candidate.email, "role": role, "unit": unit_full_name})
        return checked


def _check_rows(institution: Institution, unit_rows: Sequence[tuple[int, Mapping[str, str]]],
                account_rows: Sequence[tuple[int, Mapping[str, str]]]) -> tuple[list[SetupRowError], list, list]:
    checker = _Checker(institution)
    units = checker.units(unit_rows)
    accounts = checker.accounts(account_rows)
    return checker.errors, units, accounts


def setup_import_check(*, actor: AbstractBaseUser, institution: Institution, upload: UploadedFile) -> SetupPreview:
    """Read an uploaded set-up workbook and check every row of both sheets; nothing is stored.

    The preview holds the checked rows when the whole file is valid, or every error with its sheet, row number and
    column, so the user can fix the file and upload it again.
    """
    check_institution(actor, institution)
    preview = SetupPreview(file_name=upload.name or "")
    try:
        book = setup_xlsx.read_setup(upload)
    except setup_xlsx.XlsxFileError as error:
        preview.errors = [SetupRowError("", None, "", message) for message in error.messages]
        return preview
    preview.errors, preview.units, preview.accounts = _check_rows(institution, book.units.rows, book.accounts.rows)
    if preview.errors:
        preview.units, preview.accounts = [], []
    else:
        preview.raw = {"units": book.units.rows, "accounts": book.accounts.rows}
    return preview


def setup_import_sign(*, actor: AbstractBaseUser, institution: Institution, preview: SetupPreview) -> str:
    """The checked rows (as read from the file) as a signed value for the confirm form (org.checked)."""
    payload = {"institution": institution.pk, "file": preview.file_name,
               "units": preview.raw["units"], "accounts": preview.raw["accounts"]}
    return checked_sign(payload, actor=actor, salt=IMPORT_SALT)


def setup_import_unsign(*, actor: AbstractBaseUser, token: str) -> dict[str, Any]:
    """The rows a signed value carries; a ValidationError if it was changed, is too old or is someone else's."""
    return checked_unsign(token, actor=actor, salt=IMPORT_SALT)


@dataclass
class SetupResult:
    units: list[OrgUnit]
    accounts: list[AbstractBaseUser]


@transaction.atomic
def setup_import_apply(*, actor: AbstractBaseUser, institution: Institution, payload: Mapping[str, Any]) -> SetupResult:
    """Create the units and accounts of a confirmed preview in one transaction: all of them or none.

    Every row is checked again against the database as it is now: a row whose name or user name was taken since
    the check (by someone else, or by this same preview confirmed before) makes the whole import refused.
    """
    check_institution(actor, institution)
    unit_rows = [(number, dict(cells)) for number, cells in payload["units"]]
    account_rows = [(number, dict(cells)) for number, cells in payload["accounts"]]
    errors, units, accounts = _check_rows(institution, unit_rows, account_rows)
    if errors:
        where = sorted({f"{error.sheet} {error.row}" for error in errors if error.row is not None})
        raise ValidationError(
            _("The portal changed after this file was checked (%(rows)s), so nothing was imported. Upload the file "
              "again to see a fresh check.") % {"rows": "、".join(where[:20]) or _("the file")}
        )
    created: list[OrgUnit] = []
    by_name = {unit.name: unit for unit in OrgUnit.objects.filter(institution=institution)}
    for row in sorted(units, key=lambda row: KIND_RANK[row["kind"]]):  # parents before the units they lead
        # An empty 顺序 puts the unit after those of its kind, the ones made just before included.
        unit = new_unit(institution, UnitData(kind=row["kind"], name=row["name"], short_name=row["short_name"],
                                               email=row["email"], order=row["order"]))
        validate_unit(unit)
        unit._history_user = actor
        unit.save()
        created.append(unit)
        by_name[unit.name] = unit
    people = []
    for row in accounts:
        unit = by_name[row["unit"]] if row["unit"] else None
        people.append(create_account(actor, institution, AccountData(
            full_name=row["full_name"], username=row["username"], email=row["email"], role=row["role"], unit=unit)))
    file_order = {row["name"]: row["row"] for row in units}
    created.sort(key=lambda unit: file_order[unit.name])
    return SetupResult(units=created, accounts=people)
