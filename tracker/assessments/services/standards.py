"""Scoring rules of standard items: which scores an item's mode allows (used by self-assessments and reviews)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from tracker import access
from tracker.assessments import xlsx as standards_xlsx
from tracker.assessments.models.standards import Standard, StandardGroup, StandardItem
from tracker.assessments.querysets import standard_items_for_page
from tracker.org.checked import checked_sign, checked_unsign
from tracker.org.models import Institution, Profile

Role = Profile.Role

Mode = StandardItem.Mode
CENT = Decimal("0.01")


def score_choices(item: StandardItem) -> list[tuple[Decimal, str]] | None:
    """The scores a discrete mode allows, with labels, highest first; None where any number in range will do."""
    points = item.points
    if item.mode == Mode.ALL_OR_NOTHING:
        return [(points, _("Met (full points)")), (Decimal("0"), _("Not met (no points)"))]
    if item.mode in StandardItem.GRADES:
        labels = {"met": _("Met"), "basically_met": _("Basically met"), "not_met": _("Not met"),
                  "A": "A", "B": "B", "C": "C", "D": "D"}
        return [((points * share).quantize(CENT), f"{labels[grade]} ({share:.0%})")
                for grade, share in StandardItem.GRADES[item.mode].items()]
    if item.mode == Mode.DEDUCTION:
        steps = math.ceil(points / item.deduction_step)
        return [(max(Decimal("0"), points - item.deduction_step * k).quantize(CENT),
                 _("%(count)s shortfall(s)") % {"count": k}) for k in range(steps + 1)]
    return None  # bonus: anything from 0 to the item's maximum


def validate_score(item: StandardItem, raw: object) -> Decimal:
    """Return the score as a Decimal if the item's mode allows it; otherwise raise ValidationError in plain words."""
    try:
        score = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter a number.")) from None
    if not score.is_finite():
        raise ValidationError(_("Enter a number."))
    if score < 0:
        raise ValidationError(_("A score cannot be negative."))
    if score > item.points:
        raise ValidationError(_("A score cannot be more than the item's %(points)s points.") % {"points": item.points})
    choices = score_choices(item)
    if choices is not None and score.quantize(CENT) not in {value for value, _label in choices}:
        allowed = "、".join(f"{value.normalize():f}" for value, _label in choices)
        raise ValidationError(
            _("This item is scored “%(mode)s”: choose one of %(allowed)s.")
            % {"mode": item.get_mode_display(), "allowed": allowed}
        )
    return score.quantize(CENT)


def _check_import_target(actor: AbstractBaseUser, institution: Institution | None) -> None:
    if not access.can_import_standards(actor):
        raise PermissionDenied("only committee staff and administrators import standards")
    if institution is None and not access.is_admin(actor):
        raise PermissionDenied("only administrators import shared standards")
    if institution is not None and not access.standard_import_institutions(actor).filter(pk=institution.pk).exists():
        raise PermissionDenied("actor may not import standards into this institution")


def standard_name_taken(*, institution: Institution | None, name: str) -> bool:
    """A standard of this name already exists for the institution (or among the shared ones)."""
    same = Standard.objects.filter(name=name.strip())
    if institution is None:
        return same.filter(institution__isnull=True).exists()
    return same.filter(institution=institution).exists()


def _name_taken_error(name: str) -> ValidationError:
    return ValidationError({"name": _("A standard called “%(name)s” exists already; choose another name.")
                            % {"name": name}})


# --- Import: check every row, carry the checked rows in a signed value, then create -----------

IMPORT_SALT = "tracker.standards.import"
FIELD_HEADERS = {"number": "序号", "text": "内容", "rule": "评分要求", "points": "分值", "mode": "计分方式",
                 "deduction_step": "计分方式"}


@dataclass(frozen=True)
class StandardRowError:
    """One problem in the file: its sheet row (None for the file as a whole) and column header."""

    row: int | None
    column: str
    message: str


@dataclass
class StandardPreview:
    """What an upload would create: the checked rows, or every error by row and column."""

    file_name: str
    errors: list[StandardRowError] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def file_errors(self) -> list[StandardRowError]:
        return [error for error in self.errors if error.row is None]

    @property
    def row_errors(self) -> list[StandardRowError]:
        return [error for error in self.errors if error.row is not None]

    @property
    def rows_with_errors(self) -> int:
        return len({error.row for error in self.row_errors})

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(row["group"] for row in self.rows))

    @property
    def shown_rows(self) -> list[dict[str, Any]]:
        """The rows with their 计分方式 as the file writes it, for the preview table."""
        return [{**row, "mode_label": standards_xlsx.mode_text(
            row["mode"], Decimal(row["deduction_step"]) if row["deduction_step"] else None)} for row in self.rows]

    @property
    def full_marks(self) -> Decimal:
        return sum((Decimal(row["points"]) for row in self.rows if row["mode"] != Mode.BONUS), Decimal("0"))

    @property
    def bonus_maximum(self) -> Decimal:
        return sum((Decimal(row["points"]) for row in self.rows if row["mode"] == Mode.BONUS), Decimal("0"))


def standard_import_check(*, actor: AbstractBaseUser, upload: UploadedFile) -> StandardPreview:
    """Read an uploaded standard and check every row; nothing is stored.

    The preview holds the checked rows (JSON-safe) when the whole file is valid, or every error with its row
    number and column so the user can fix the file and upload it again.
    """
    if not access.can_import_standards(actor):
        raise PermissionDenied("only committee staff and administrators import standards")
    preview = StandardPreview(file_name=upload.name or "")
    try:
        sheet = standards_xlsx.read_standard(upload)
    except standards_xlsx.StandardFileError as error:
        preview.errors = [StandardRowError(None, "", message) for message in error.messages]
        return preview
    seen: dict[str, int] = {}
    group_field = StandardGroup._meta.get_field("name")
    for number, cells in sheet.rows:
        errors: list[StandardRowError] = []
        values: dict[str, Any] = {}
        for header, key in (("序号", "number"), ("一级指标", "group"), ("内容", "text"), ("评分要求", "rule")):
            values[key] = standards_xlsx.cell_text(sheet.value(cells, header))
        for header, key in (("序号", "number"), ("一级指标", "group"), ("内容", "text")):
            if not values[key]:
                errors.append(StandardRowError(number, header, _("This column must be filled in.")))
        if values["number"] in seen:
            errors.append(StandardRowError(number, "序号", _("Number %(number)s also appears in row %(row)s.")
                                           % {"number": values["number"], "row": seen[values["number"]]}))
        elif values["number"]:
            seen[values["number"]] = number
        if len(values["group"]) > group_field.max_length:
            errors.append(StandardRowError(number, "一级指标", _("At most %(limit)s characters.")
                                           % {"limit": group_field.max_length}))
        try:
            values["points"] = standards_xlsx.cell_points(sheet.value(cells, "分值"))
        except standards_xlsx.CellError as error:
            errors.append(StandardRowError(number, "分值", str(error)))
        try:
            values["mode"], values["deduction_step"] = standards_xlsx.parse_mode(sheet.value(cells, "计分方式"))
        except standards_xlsx.CellError as error:
            errors.append(StandardRowError(number, "计分方式", str(error)))
        if not errors:
            item = StandardItem(order=1, **{key: values[key] for key in
                                            ("number", "text", "rule", "points", "mode", "deduction_step")})
            try:
                item.full_clean(exclude=["group"], validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                for field_name, messages in error.message_dict.items():
                    errors.extend(StandardRowError(number, FIELD_HEADERS.get(field_name, ""), message)
                                  for message in messages)
        if errors:
            preview.errors.extend(errors)
            continue
        preview.rows.append({
            "row": number, "number": values["number"], "group": values["group"], "text": values["text"],
            "rule": values["rule"], "points": str(values["points"]), "mode": values["mode"],
            "deduction_step": str(values["deduction_step"]) if values["deduction_step"] is not None else None,
        })
    if preview.errors:
        preview.rows = []
    return preview


def standard_import_sign(*, actor: AbstractBaseUser, institution: Institution | None, name: str, level: str,
                         source_document: str, rows: list[dict[str, Any]]) -> str:
    """The checked import as a signed value for the confirm form (org.checked)."""
    payload = {"institution": institution.pk if institution else None, "name": name, "level": level,
               "source_document": source_document, "rows": rows}
    return checked_sign(payload, actor=actor, salt=IMPORT_SALT)


def standard_import_unsign(*, actor: AbstractBaseUser, token: str) -> dict[str, Any]:
    """The import a signed value carries; a ValidationError if it was changed, is too old or is someone else's."""
    return checked_unsign(token, actor=actor, salt=IMPORT_SALT)


@transaction.atomic
def standard_create_from_rows(*, actor: AbstractBaseUser, institution: Institution | None, name: str, level: str,
                              source_document: str, rows: Sequence[Mapping[str, Any]]) -> Standard:
    """Create a standard with its groups (in order of first appearance) and items (in file order).

    The rows are those standard_import_check accepted; they are validated again as models before saving.
    """
    _check_import_target(actor, institution)
    name = name.strip()
    if standard_name_taken(institution=institution, name=name):
        raise _name_taken_error(name)
    if not rows:
        raise ValidationError(_("A standard needs at least one item."))
    standard = Standard(institution=institution, name=name, level=level, source_document=source_document.strip())
    standard.full_clean(validate_constraints=False)  # the name was checked above, with a clearer message
    standard._history_user = actor
    standard.save()
    groups: dict[str, StandardGroup] = {}
    for row in rows:
        if row["group"] not in groups:
            group = StandardGroup(standard=standard, order=len(groups) + 1, name=row["group"])
            group.full_clean(exclude=["standard"], validate_unique=False, validate_constraints=False)
            groups[row["group"]] = group
    reason = "standard import"
    bulk_create_with_history(list(groups.values()), StandardGroup, default_user=actor, default_change_reason=reason)
    counts: dict[str, int] = defaultdict(int)
    items: list[StandardItem] = []
    for row in rows:
        counts[row["group"]] += 1
        step = row.get("deduction_step")
        item = StandardItem(
            group=groups[row["group"]], order=counts[row["group"]], number=row["number"], text=row["text"],
            rule=row.get("rule", ""), points=Decimal(row["points"]), mode=row["mode"],
            deduction_step=Decimal(step) if step else None,
        )
        item.full_clean(exclude=["group"], validate_unique=False, validate_constraints=False)
        items.append(item)
    bulk_create_with_history(items, StandardItem, default_user=actor, default_change_reason=reason)
    return standard


def standard_export_rows(standard: Standard) -> list[list[Any]]:
    """The standard's items as rows of the file layout (序号 · 一级指标 · 内容 · 评分要求 · 分值 · 计分方式)."""
    items = standard_items_for_page(standard)
    return [
        [item.number, item.group.name, item.text, item.rule, float(item.points),
         standards_xlsx.mode_text(item.mode, item.deduction_step)]
        for item in items
    ]
