"""The demonstration standards: loaded by seed_plans after the quotas, once; honestly labelled; every item
scorable by its mode."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tracker.assessments.models.standards import Standard, StandardItem
from tracker.assessments.services.standards import score_choices

from .factories import StandardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    call_command("seed_plans", verbosity=0)


def test_both_standards_load_with_their_groups_and_items(seeded):
    college = Standard.objects.get(level=Standard.Level.COLLEGE)
    school = Standard.objects.get(level=Standard.Level.SCHOOL)
    assert (college.groups.count(), StandardItem.objects.filter(group__standard=college).count()) == (5, 12)
    assert (school.groups.count(), StandardItem.objects.filter(group__standard=school).count()) == (5, 11)
    assert list(college.groups.values_list("name", flat=True)) == ["领导机制", "组织制度", "队伍建设", "平台建设",
                                                                  "工作成效"]
    assert college.institution is None and school.institution is None  # shared by both seed institutions


def test_source_says_where_the_items_come_from_and_that_they_are_not_the_provincial_text(seeded):
    for standard in Standard.objects.all():
        assert "中矿委〔2020〕20号" in standard.source_document
        assert "具体安排" in standard.source_document
        assert "非省《基本要求》原文" in standard.source_document


def test_items_are_drawn_from_the_seed_plans_obligations(seeded):
    college = " ".join(StandardItem.objects.filter(group__standard__level="college").values_list("text", flat=True))
    school = " ".join(StandardItem.objects.filter(group__standard__level="school").values_list("text", flat=True))
    for words in ("参与", "≥60%", "≥20%", "≥2个", "双菜单", "听取"):
        assert words in college
    for words in ("学校党委每年至少一次听取", "≥10个", "品牌≥2个", "骨干人员培训班", "联系二级关工委", "驻会办公",
                  "档案"):
        assert words in school


def test_every_item_has_a_valid_mode_and_deductions_have_steps(seeded):
    items = list(StandardItem.objects.all())
    assert len(items) == 23
    for item in items:
        item.full_clean()  # mode among the choices, deduction step where (and only where) it belongs
        assert item.mode in StandardItem.Mode.values
        if item.mode == StandardItem.Mode.DEDUCTION:
            assert item.deduction_step and item.deduction_step > 0
            assert score_choices(item)[-1][0] == Decimal("0")  # the floor is reached
        else:
            assert item.deduction_step is None
    assert {item.mode for item in items} == set(StandardItem.Mode.values)  # every mode is demonstrated


def test_full_marks_are_100_with_bonus_on_top(seeded):
    for standard in Standard.objects.all():
        items = StandardItem.objects.filter(group__standard=standard)
        assert sum(item.points for item in items if item.counts_in_total) == Decimal("100")
        assert sum(item.points for item in items if not item.counts_in_total) == Decimal("2")


def test_seed_plans_loads_standards_once(seeded):
    call_command("seed_plans", verbosity=0)
    assert Standard.objects.count() == 2 and StandardItem.objects.count() == 23


def test_seed_plans_loads_standards_into_a_database_seeded_before_them(seeded):
    Standard.objects.all().delete()
    call_command("seed_plans", verbosity=0)
    assert Standard.objects.count() == 2 and StandardItem.objects.count() == 23


def test_seed_plans_refuses_to_overwrite_a_standard_using_the_seed_ids(seeded):
    Standard.objects.all().delete()
    StandardFactory(pk=1, name="本校导入的标准")
    with pytest.raises(CommandError, match="standards"):
        call_command("seed_plans", verbosity=0)
    assert Standard.objects.get().name == "本校导入的标准"
