"""Scores a standard item's mode allows: the rules self-assessments and reviews are checked against."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tracker.assessments.models.standards import StandardItem
from tracker.assessments.services.standards import score_choices, validate_score

Mode = StandardItem.Mode


def item(mode: str, points: str, step: str | None = None) -> StandardItem:
    return StandardItem(mode=mode, points=Decimal(points), deduction_step=Decimal(step) if step else None)


def test_all_or_nothing_allows_only_full_or_zero():
    twenty = item(Mode.ALL_OR_NOTHING, "20")
    assert validate_score(twenty, "20") == Decimal("20") and validate_score(twenty, 0) == 0
    with pytest.raises(ValidationError):
        validate_score(twenty, "15")


def test_abcd_grades_are_100_60_40_0_percent():
    five = item(Mode.GRADED_ABCD, "5")
    assert [value for value, _label in score_choices(five)] == [Decimal("5.00"), Decimal("3.00"), Decimal("2.00"),
                                                               Decimal("0.00")]
    assert validate_score(five, "3") == Decimal("3.00")
    with pytest.raises(ValidationError, match="3"):
        validate_score(five, "4")  # a graded item given a free number


def test_three_grades_met_basically_met_not_met():
    ten = item(Mode.GRADED_THREE, "10")
    assert validate_score(ten, "6") == Decimal("6.00")
    with pytest.raises(ValidationError):
        validate_score(ten, "5")


def test_deduction_per_shortfall_floors_at_zero():
    two = item(Mode.DEDUCTION, "2", "0.5")
    assert [value for value, _label in score_choices(two)] == [Decimal(x) for x in ("2", "1.5", "1", "0.5", "0")]
    three = item(Mode.DEDUCTION, "1", "0.4")  # 1, 0.6, 0.2, then 0 rather than -0.2
    assert [value for value, _label in score_choices(three)][-1] == Decimal("0")
    with pytest.raises(ValidationError):
        validate_score(two, "1.2")


def test_bonus_allows_any_amount_up_to_its_maximum_and_is_not_in_full_marks():
    bonus = item(Mode.BONUS, "1")
    assert validate_score(bonus, "0.5") == Decimal("0.50")
    assert not bonus.counts_in_total and item(Mode.ALL_OR_NOTHING, "1").counts_in_total


@pytest.mark.parametrize("raw", ["-1", "21", "abc", "", "NaN", "Infinity"])
def test_negative_too_high_or_non_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        validate_score(item(Mode.BONUS, "20"), raw)
