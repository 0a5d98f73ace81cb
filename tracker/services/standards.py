"""Scoring rules of standard items: which scores an item's mode allows (used by self-assessments and reviews)."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import StandardItem

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
