"""Roster and team services, the xlsx cell readers, and the demo roster."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from tracker.demo.roster import SPECIALITIES, TEAMS, college_roster
from tracker.org.models import OrgUnit
from tracker.org.versions import StaleEditError
from tracker.roster import xlsx as roster_xlsx
from tracker.roster.models import Speciality, Team, TeamMembership, Volunteer
from tracker.roster.services import (
    VolunteerData,
    split_specialities,
    team_create,
    team_membership_add,
    team_membership_end,
    volunteer_create,
    volunteer_update,
)

from .factories import TeamFactory, TeamMembershipFactory, VolunteerFactory

pytestmark = pytest.mark.django_db


def data(unit, **fields) -> VolunteerData:
    values = {"staff_number": "S001", "name": "周明"}
    values.update(fields)
    return VolunteerData(unit=unit, **values)


# --- Cells as Excel and LibreOffice store them -------------------------------------------------


@pytest.mark.parametrize("raw", [1956, 1956.0, "1956", " 1956 ", "1956.0", "1956年", dt.date(1956, 3, 1)])
def test_year_cells_accept_numbers_text_and_floats(raw):
    assert roster_xlsx.cell_year(raw) == 1956


@pytest.mark.parametrize("raw", ["一九五六", "56年", 1956.5, True, "1956-03"])
def test_year_cells_refuse_what_is_not_a_year(raw):
    with pytest.raises(roster_xlsx.CellError):
        roster_xlsx.cell_year(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("是", True), ("否", False), ("Y", True), ("n", False), ("1", True), (0, False), (1.0, True),
     ("TRUE", True), ("false", False), (True, True), (" 是 ", True), (None, None), ("", None)],
)
def test_yes_no_cells(raw, expected):
    assert roster_xlsx.cell_bool(raw) is expected


def test_yes_no_cell_refuses_other_words():
    with pytest.raises(roster_xlsx.CellError):
        roster_xlsx.cell_bool("也许")


@pytest.mark.parametrize(
    "raw", [dt.date(2020, 1, 1), dt.datetime(2020, 1, 1, 0, 0), "2020-01-01", "2020/1/1", "2020.1.1", "2020年1月1日",
            43831],
)
def test_date_cells_accept_date_cells_and_text(raw):
    assert roster_xlsx.cell_date(raw) == dt.date(2020, 1, 1)


@pytest.mark.parametrize("raw", ["2020-13-01", "明年", "1/1/2020"])
def test_date_cells_refuse_other_text(raw):
    with pytest.raises(roster_xlsx.CellError):
        roster_xlsx.cell_date(raw)


def test_text_cells_turn_numbers_into_digits_and_strip_spaces():
    assert roster_xlsx.cell_text(2019001.0) == "2019001"
    assert roster_xlsx.cell_text("\u3000赵丽华 ") == "赵丽华"


def test_choice_cells_accept_chinese_and_english_labels_and_values():
    lookup = roster_xlsx.choice_lookup(Volunteer.Category)
    chinese = roster_xlsx.chinese_label(Volunteer.Category, "expert")
    for raw in (chinese, "Veteran expert", "expert", " EXPERT "):
        assert roster_xlsx.cell_choice(raw, lookup, Volunteer.Category) == "expert"
    with pytest.raises(roster_xlsx.CellError):
        roster_xlsx.cell_choice("老学者", lookup, Volunteer.Category)


def test_specialities_split_on_commas_and_enumeration_commas():
    assert split_specialities("党建、书法，摄影, 外语;党建") == ["党建", "书法", "摄影", "外语"]
    assert split_specialities("  ") == []


# --- Volunteers ----------------------------------------------------------------------------------


def test_create_makes_speciality_tags_once_per_institution_and_records_who(world, staff):
    first = volunteer_create(actor=staff, data=data(world.college, specialities=["党建", "书法"]))
    second = volunteer_create(actor=staff, data=data(world.college, staff_number="S002", specialities=["书法"]))
    assert Speciality.objects.filter(institution=world.institution).count() == 2
    assert set(first.specialities.values_list("name", flat=True)) == {"党建", "书法"}
    assert second.specialities.get().name == "书法"
    assert first.institution == world.institution and first.version == 1
    assert first.history.first().history_user == staff


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"backbone": True, "participating": False}, "backbone",
         "A backbone volunteer must also be marked as participating."),
        ({"participating": True, "eligible": False}, "participating",
         "A participating volunteer must also be marked as eligible (有条件)."),
        ({"active_from": dt.date(2021, 1, 1), "active_to": dt.date(2020, 1, 1)}, "active_to",
         "The end date cannot be before the start date."),
        ({"birth_year": 1960, "retired_year": 1950}, "retired_year",
         "The year retired must come after the year of birth."),
    ],
)
def test_roster_rules_are_refused_with_a_message_on_the_field(world, staff, fields, field, message):
    with pytest.raises(ValidationError) as error:
        volunteer_create(actor=staff, data=data(world.college, **fields))
    assert _(message) in error.value.message_dict[field]
    assert Volunteer.objects.count() == 0


def test_a_staff_number_is_listed_once_per_institution(world, staff, other_staff):
    volunteer_create(actor=staff, data=data(world.college))
    with pytest.raises(ValidationError) as error:
        volunteer_create(actor=staff, data=data(world.other_college))
    assert "staff_number" in error.value.message_dict
    other_college = OrgUnit.objects.create(institution=world.other_institution, kind="college", name="文学院")
    volunteer_create(actor=other_staff, data=data(other_college))  # another university: fine
    assert Volunteer.objects.count() == 2


def test_secretary_keeps_only_her_colleges_roster(world, secretary):
    volunteer_create(actor=secretary, data=data(world.college))
    with pytest.raises(PermissionDenied):
        volunteer_create(actor=secretary, data=data(world.other_college, staff_number="S002"))
    other = VolunteerFactory(unit=world.other_college)
    with pytest.raises(PermissionDenied):
        volunteer_update(actor=secretary, volunteer=other, loaded_version=1, data=data(world.college, staff_number="X"))


def test_leader_cannot_change_the_roster(world, leader):
    with pytest.raises(PermissionDenied):
        volunteer_create(actor=leader, data=data(world.college))


def test_update_bumps_version_and_refuses_a_stale_save(world, staff):
    person = volunteer_create(actor=staff, data=data(world.college, specialities=["党建"]))
    updated = volunteer_update(actor=staff, volunteer=person, loaded_version=1,
                               data=data(world.college, phone="13800000000", specialities=["书法"]))
    assert updated.version == 2 and updated.specialities.get().name == "书法"
    with pytest.raises(StaleEditError) as stale:
        volunteer_update(actor=staff, volunteer=person, loaded_version=1, data=data(world.college, name="周明明"))
    assert [change.version for change in stale.value.changes][-1] == 2
    assert Volunteer.objects.get().name == "周明"


def test_staff_can_move_a_person_between_colleges_but_not_institutions(world, staff):
    person = volunteer_create(actor=staff, data=data(world.college))
    moved = volunteer_update(actor=staff, volunteer=person, loaded_version=1, data=data(world.other_college))
    assert moved.unit == world.other_college
    foreign = OrgUnit.objects.create(institution=world.other_institution, kind="college", name="文学院")
    with pytest.raises((PermissionDenied, ValidationError)):
        volunteer_update(actor=staff, volunteer=moved, loaded_version=2, data=data(foreign))


# --- Teams ---------------------------------------------------------------------------------------


def test_only_staff_add_teams(world, staff, secretary):
    team = team_create(actor=staff, institution=world.institution, name="教学督导员")
    assert team.institution == world.institution
    with pytest.raises(PermissionDenied):
        team_create(actor=secretary, institution=world.institution, name="讲师团")


def test_membership_add_and_end_with_dates_in_order(world, secretary):
    team = TeamFactory(institution=world.institution)
    person = VolunteerFactory(unit=world.college)
    membership = team_membership_add(actor=secretary, team=team, volunteer=person, joined_on=dt.date(2020, 9, 1))
    with pytest.raises(ValidationError) as twice:
        team_membership_add(actor=secretary, team=team, volunteer=person, joined_on=dt.date(2021, 1, 1))
    assert "volunteer" in twice.value.message_dict
    with pytest.raises(ValidationError) as early:
        team_membership_end(actor=secretary, membership=membership, left_on=dt.date(2020, 1, 1))
    assert _("The day of leaving cannot be before the day of joining.") in early.value.message_dict["left_on"]
    ended = team_membership_end(actor=secretary, membership=membership, left_on=dt.date(2021, 6, 30))
    assert ended.left_on == dt.date(2021, 6, 30)
    with pytest.raises(ValidationError):
        team_membership_end(actor=secretary, membership=ended, left_on=dt.date(2021, 7, 1))
    with pytest.raises(ValidationError) as overlap:
        team_membership_add(actor=secretary, team=team, volunteer=person, joined_on=dt.date(2021, 6, 1))
    assert "joined_on" in overlap.value.message_dict
    team_membership_add(actor=secretary, team=team, volunteer=person, joined_on=dt.date(2021, 9, 1))
    assert TeamMembership.objects.filter(team=team, volunteer=person).count() == 2


def test_membership_dates_cannot_be_in_the_future(world, staff):
    team = TeamFactory(institution=world.institution)
    with pytest.raises(ValidationError) as error:
        team_membership_add(actor=staff, team=team, volunteer=VolunteerFactory(unit=world.college),
                            joined_on=dt.date(2999, 1, 1))
    assert _("The date cannot be in the future.") in error.value.message_dict["joined_on"]


def test_secretary_cannot_put_another_colleges_person_in_a_team(world, secretary, other_secretary):
    team = TeamFactory(institution=world.institution)
    with pytest.raises(PermissionDenied):
        team_membership_add(actor=secretary, team=team, volunteer=VolunteerFactory(unit=world.other_college),
                            joined_on=dt.date(2020, 9, 1))
    membership = TeamMembershipFactory(team=team, volunteer=VolunteerFactory(unit=world.college))
    with pytest.raises(PermissionDenied):
        team_membership_end(actor=other_secretary, membership=membership, left_on=dt.date(2021, 1, 1))


def test_a_team_takes_only_its_own_institutions_people(world, other_staff):
    team = TeamFactory(institution=world.other_institution)
    with pytest.raises(ValidationError):
        team_membership_add(actor=other_staff, team=team, volunteer=VolunteerFactory(unit=world.college),
                            joined_on=dt.date(2020, 9, 1))


# --- Demo ----------------------------------------------------------------------------------------


def roster_counts() -> tuple[int, ...]:
    return (Volunteer.objects.count(), Team.objects.count(), TeamMembership.objects.count(),
            Speciality.objects.count(), Volunteer.history.count())


def test_demo_roster_is_varied_deterministic_and_made_once(demo):
    first = roster_counts()
    names = list(Volunteer.objects.order_by("staff_number").values_list("staff_number", "name"))
    call_command("seed_demo", force=True)
    assert roster_counts() == first, "a second run creates nothing"

    for code in ("cumt", "suda"):
        assert list(Team.objects.filter(institution__code=code).values_list("name", flat=True)) == [
            name for name, _about in TEAMS]
    colleges = OrgUnit.objects.filter(kind=OrgUnit.Kind.COLLEGE).annotate(
        people=Count("volunteers"),
        eligible=Count("volunteers", filter=Q(volunteers__eligible=True)),
        taking_part=Count("volunteers", filter=Q(volunteers__participating=True)),
        backbone=Count("volunteers", filter=Q(volunteers__backbone=True)),
    )
    assert all(12 <= college.people <= 40 for college in colleges)
    with_data = [c for c in colleges if c.eligible]
    meets = [c for c in with_data if c.taking_part / c.eligible >= 0.6 and c.backbone / c.eligible >= 0.2]
    assert meets and len(meets) < len(with_data), "some colleges meet both quotas and some do not"
    assert {c.name for c in colleges if c.eligible == 0} == {"马克思主义学院", "东吴商学院"}
    assert set(Speciality.objects.values_list("name", flat=True)) <= set(SPECIALITIES)
    assert TeamMembership.objects.filter(left_on__isnull=False).exists()
    assert not Volunteer.objects.filter(backbone=True, participating=False).exists()

    # Same seed, same people: drawing a college's roster again gives the same names as the database holds.
    college = OrgUnit.objects.get(institution__code="cumt", name="矿业工程学院")
    drawn = college_roster(college.institution, college, 0, no_eligible=False)
    assert [(p.staff_number, p.name) for p in drawn] == [n for n in names if n[0].startswith("CUMT01")]
