"""The roster and team pages through the test client: who sees whom, phones, counts, forms and query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from tracker.org.models import OrgUnit
from tracker.roster import xlsx as roster_xlsx
from tracker.roster.models import TeamMembership, Volunteer

from .conftest import client_for
from .factories import (
    OrgUnitFactory,
    SpecialityFactory,
    TeamFactory,
    TeamMembershipFactory,
    VolunteerFactory,
    person_row,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db

LIST = reverse("tracker:volunteer-list")


def shows(response, message: str) -> bool:
    return escape(message) in response.content.decode()


def export_rows(client, **params) -> list[dict]:
    content = client.get(reverse("tracker:roster-export"), params).content
    rows = list(load_workbook(io.BytesIO(content))[roster_xlsx.SHEET_TITLE].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def people(world):
    """Two colleges' people: 机电工程学院 has a backbone, a participant, an eligible one and one not eligible."""
    return {
        "backbone": VolunteerFactory(unit=world.college, name="张国庆", eligible=True, participating=True,
                                     backbone=True, layer="core", phone="13900000001"),
        "participating": VolunteerFactory(unit=world.college, name="李淑芬", participating=True,
                                          layer="participation", phone="13900000002"),
        "eligible": VolunteerFactory(unit=world.college, name="王建华", phone="13900000003"),
        "resting": VolunteerFactory(unit=world.college, name="赵德明", eligible=False, phone="13900000004"),
        "other": VolunteerFactory(unit=world.other_college, name="孙志远", participating=True,
                                  phone="13900000005"),
    }


# --- The roster page -----------------------------------------------------------------------------


def test_roster_page_counts_the_people_shown(world, staff, people):
    client = client_for(staff)
    everyone = client.get(LIST)
    assert everyone.status_code == 200
    assert everyone.context["counts"] == {"total": 5, "eligible": 4, "participating": 3, "backbone": 1}
    one_college = client.get(LIST, {"unit": world.college.pk})
    assert one_college.context["counts"] == {"total": 4, "eligible": 3, "participating": 2, "backbone": 1}
    html = one_college.content.decode()
    assert '<dd class="roster-count" data-count="participating">2</dd>' in html
    assert "张国庆" in html and "孙志远" not in html


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"status": "backbone"}, {"张国庆"}),
        ({"status": "participating"}, {"张国庆", "李淑芬", "孙志远"}),
        ({"status": "not_eligible"}, {"赵德明"}),
        ({"layer": "participation"}, {"李淑芬"}),
        ({"q": "淑芬"}, {"李淑芬"}),
    ],
)
def test_roster_filters_by_status_layer_and_name(world, staff, people, params, names):
    response = client_for(staff).get(LIST, params)
    assert {row.volunteer.name for row in response.context["rows"]} == names


def test_unknown_filter_is_reported_not_silently_applied(world, staff, people):
    response = client_for(staff).get(LIST, {"unit": 999999})
    assert len(response.context["rows"]) == 5
    assert shows(response, _("A filter was not understood, so it was not applied."))


def test_roster_page_paginates_fifty_a_page_and_keeps_the_filter(world, staff):
    for n in range(55):
        VolunteerFactory(unit=world.college, name=f"志愿者{n:02d}")
    VolunteerFactory(unit=world.other_college)
    client = client_for(staff)
    first = client.get(LIST, {"unit": world.college.pk})
    assert len(first.context["rows"]) == 50
    assert f"?unit={world.college.pk}&amp;page=2" in first.content.decode()
    second = client.get(LIST, {"unit": world.college.pk, "page": 2})
    assert len(second.context["rows"]) == 5


def test_empty_roster_says_what_to_do(world, secretary):
    response = client_for(secretary).get(LIST)
    assert shows(response, _("No one is on the roster yet."))
    assert reverse("tracker:roster-template") in response.content.decode()


def test_roster_shows_specialities_and_current_teams(world, staff, people):
    person = people["backbone"]
    person.specialities.add(SpecialityFactory(institution=world.institution, name="教学督导"))
    TeamMembershipFactory(team=TeamFactory(institution=world.institution, name="教学督导员"), volunteer=person)
    TeamMembershipFactory(team=TeamFactory(institution=world.institution, name="讲师团"), volunteer=person,
                          left_on=dt.date(2021, 1, 1))
    html = client_for(staff).get(LIST).content.decode()
    assert '<span class="tag">教学督导</span>' in html and '<span class="tag">教学督导员</span>' in html
    assert '<span class="tag">讲师团</span>' not in html  # a team she has left


# --- Who sees whom ---------------------------------------------------------------------------------


def test_secretary_cannot_see_other_college_roster(world, secretary, people):
    client = client_for(secretary)
    html = client.get(LIST).content.decode()
    assert "张国庆" in html and "孙志远" not in html
    assert "13900000001" in html  # her own college's phones
    assert client.get(people["other"].get_absolute_url()).status_code == 404
    assert client.get(reverse("tracker:volunteer-update", args=[people["other"].pk])).status_code == 404
    exported = export_rows(client)
    assert {row["姓名"] for row in exported} == {"张国庆", "李淑芬", "王建华", "赵德明"}
    refused = client.post(reverse("tracker:roster-import"), {
        "file": SimpleUploadedFile("花名册.xlsx", workbook_bytes([person_row("N001", "周明", "化工学院")]))})
    assert refused.status_code == 400
    assert Volunteer.objects.filter(unit=world.other_college).count() == 1


def test_leader_reads_everyone_but_sees_no_phone_number(world, leader, people):
    client = client_for(leader)
    response = client.get(LIST)
    html = response.content.decode()
    assert "张国庆" in html and "孙志远" in html
    assert not response.context["show_phone"] and "139000000" not in html
    assert "139000000" not in client.get(people["backbone"].get_absolute_url()).content.decode()
    exported = export_rows(client)
    assert len(exported) == 5 and "联系电话" not in exported[0]
    assert b"volunteer-create" not in client.get(LIST).content


def test_staff_sees_every_phone(world, staff, people):
    response = client_for(staff).get(LIST)
    assert response.context["show_phone"]
    assert "13900000005" in response.content.decode()
    assert {row["联系电话"] for row in export_rows(client_for(staff))} >= {"13900000001", "13900000005"}


def test_liaison_sees_only_his_units_people(world, liaison, people):
    own = VolunteerFactory(unit=world.member_unit, name="钱学明")
    response = client_for(liaison).get(LIST)
    assert [row.volunteer for row in response.context["rows"]] == [own]


def test_other_institution_sees_none_of_these_people(world, other_staff, people):
    response = client_for(other_staff).get(LIST)
    assert response.context["counts"]["total"] == 0
    assert client_for(other_staff).get(people["backbone"].get_absolute_url()).status_code == 404


# --- Query counts ----------------------------------------------------------------------------------


def add_people(world, colleges) -> None:
    """The same three people in each college: a speciality tag and a current team membership each."""
    team = TeamFactory(institution=world.institution, name="讲师团")
    tag = SpecialityFactory(institution=world.institution, name="党建")
    for college in colleges:
        for m in range(3):
            person = VolunteerFactory(unit=college, participating=bool(m), backbone=m == 2)
            person.specialities.add(tag)
            TeamMembershipFactory(team=team, volunteer=person)


def more_colleges(world, count: int) -> list[OrgUnit]:
    return [OrgUnitFactory(institution=world.institution, kind=OrgUnit.Kind.COLLEGE, name=f"学院{n}", order=n)
            for n in range(count)]


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_roster_page_query_count_is_the_same_at_2_and_40_colleges(world, staff):
    # session, user, profile, units for the filter, the counts, the page's count, the page's volunteers (+unit),
    # their specialities, their current memberships (+team), whether the user keeps any unit (the add button)
    add_people(world, [world.college, world.other_college])
    client = client_for(staff)
    at_two = queries(client, LIST)
    add_people(world, more_colleges(world, 38))
    assert Volunteer.objects.count() == 120
    assert queries(client, LIST) == at_two
    assert at_two <= 10


def test_team_page_query_count_stays_flat(world, staff):
    # session, user, profile, team, memberships (+volunteer, unit), hidden counts, keepable-check, choices
    add_people(world, [world.college, world.other_college])
    team = TeamFactory(institution=world.institution, name="教学督导员")
    client = client_for(staff)
    url = team.get_absolute_url()
    before = queries(client, url)
    for person in Volunteer.objects.all():
        TeamMembershipFactory(team=team, volunteer=person)
    add_people(world, more_colleges(world, 10))
    assert queries(client, url) == before


# --- Create and edit ---------------------------------------------------------------------------------


def volunteer_post(**fields) -> dict:
    data = {"staff_number": "N001", "name": "周明", "gender": "male", "birth_year": "1952", "retired_year": "2012",
            "category": "teacher", "eligible": "on", "specialities": "党建、书法，摄影"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def test_secretary_adds_a_person_to_her_college_whatever_unit_is_posted(world, secretary):
    client = client_for(secretary)
    form = client.get(reverse("tracker:volunteer-create")).context["form"]
    assert form.fields["unit"].disabled and list(form.fields["unit"].queryset) == [world.college]
    response = client.post(reverse("tracker:volunteer-create"), volunteer_post(unit=world.other_college.pk))
    assert response.status_code == 302
    person = Volunteer.objects.get()
    assert person.unit == world.college
    assert sorted(person.specialities.values_list("name", flat=True)) == sorted(["党建", "书法", "摄影"])
    assert response["Location"] == person.get_absolute_url()


def test_staff_chooses_among_the_units_of_her_institution(world, staff):
    form = client_for(staff).get(reverse("tracker:volunteer-create")).context["form"]
    units = set(form.fields["unit"].queryset)
    assert world.college in units and world.member_unit in units
    assert all(unit.institution == world.institution for unit in units)


def test_backbone_without_participating_is_refused_with_a_message(world, staff):
    response = client_for(staff).post(reverse("tracker:volunteer-create"),
                                      volunteer_post(unit=world.college.pk, backbone="on"))
    assert response.status_code == 400
    assert shows(response, _("A backbone volunteer must also be marked as participating."))
    assert 'value="周明"' in response.content.decode()
    assert Volunteer.objects.count() == 0


def test_stale_edit_is_refused_and_keeps_the_users_input(world, staff, secretary):
    person = VolunteerFactory(unit=world.college, name="周明", staff_number="N001")
    url = reverse("tracker:volunteer-update", args=[person.pk])
    first = client_for(staff).post(url, volunteer_post(unit=world.college.pk, version=1, phone="13800000001"))
    assert first.status_code == 302
    response = client_for(secretary).post(url, volunteer_post(version=1, name="周明远", phone="13800000002"))
    assert response.status_code == 409
    html = response.content.decode()
    assert 'value="周明远"' in html and 'value="13800000002"' in html
    assert 'name="version" value="2"' in html
    assert shows(response, _("Someone else changed this person's record after you opened it. Your input is kept "
                             "below; look at the record as it is now, then save again."))
    person.refresh_from_db()
    assert (person.name, person.phone, person.version) == ("周明", "13800000001", 2)
    again = client_for(secretary).post(url, volunteer_post(version=2, name="周明远"))
    assert again.status_code == 302 and Volunteer.objects.get().name == "周明远"


def test_edit_form_shows_the_record_and_leader_may_not_open_it(world, staff, leader):
    person = VolunteerFactory(unit=world.college, name="周明")
    person.specialities.add(SpecialityFactory(institution=world.institution, name="书法"))
    url = reverse("tracker:volunteer-update", args=[person.pk])
    html = client_for(staff).get(url).content.decode()
    assert 'value="周明"' in html and 'value="书法"' in html and 'name="version" value="1"' in html
    assert client_for(leader).get(url).status_code == 403


def test_volunteer_page_shows_team_memberships(world, secretary):
    person = VolunteerFactory(unit=world.college)
    TeamMembershipFactory(team=TeamFactory(institution=world.institution, name="大学生成长导师"), volunteer=person)
    html = client_for(secretary).get(person.get_absolute_url()).content.decode()
    assert "大学生成长导师" in html and 'name="left_on"' in html


# --- Teams ----------------------------------------------------------------------------------------------


def test_team_list_counts_current_members_only(world, leader):
    team = TeamFactory(institution=world.institution, name="教学督导员")
    TeamMembershipFactory(team=team, volunteer=VolunteerFactory(unit=world.college))
    TeamMembershipFactory(team=team, volunteer=VolunteerFactory(unit=world.other_college))
    TeamMembershipFactory(team=team, volunteer=VolunteerFactory(unit=world.college), left_on=dt.date(2021, 1, 1))
    TeamFactory(institution=world.other_institution, name="别校讲师团")
    response = client_for(leader).get(reverse("tracker:team-list"))
    assert [(t.name, t.current_total) for t in response.context["teams"]] == [("教学督导员", 2)]


def test_secretary_sees_her_colleges_members_and_a_count_of_the_others(world, secretary):
    team = TeamFactory(institution=world.institution)
    TeamMembershipFactory(team=team, volunteer=VolunteerFactory(unit=world.college, name="张国庆"))
    TeamMembershipFactory(team=team, volunteer=VolunteerFactory(unit=world.college, name="李淑芬"),
                          left_on=dt.date(2021, 1, 1))
    TeamMembershipFactory(team=team, volunteer=VolunteerFactory(unit=world.other_college, name="孙志远"))
    TeamMembershipFactory(team=team, volunteer=VolunteerFactory(unit=world.other_college, name="钱学明"))
    response = client_for(secretary).get(team.get_absolute_url())
    html = response.content.decode()
    assert "张国庆" in html and "李淑芬" in html and "孙志远" not in html and "钱学明" not in html
    assert response.context["hidden"] == {"current": 2, "past": 0}
    assert [m.volunteer.name for m in response.context["past"]] == ["李淑芬"]


def test_secretary_adds_and_ends_a_membership(world, secretary):
    team = TeamFactory(institution=world.institution)
    person = VolunteerFactory(unit=world.college, name="张国庆")
    VolunteerFactory(unit=world.other_college, name="孙志远")
    client = client_for(secretary)
    choices = client.get(team.get_absolute_url()).context["add_form"].fields["volunteer"].queryset
    assert list(choices) == [person]
    add = client.post(reverse("tracker:team-membership-add", args=[team.pk]),
                      {"volunteer": person.pk, "joined_on": "2021-09-01"})
    assert add.status_code == 302
    membership = TeamMembership.objects.get()
    end_url = reverse("tracker:team-membership-end", args=[team.pk, membership.pk])
    early = client.post(end_url, {"left_on": "2021-08-01"})
    assert early.status_code == 400
    assert shows(early, _("The day of leaving cannot be before the day of joining."))
    assert client.post(end_url, {"left_on": "2021-12-31", "next": person.get_absolute_url()})["Location"] == (
        person.get_absolute_url())
    membership.refresh_from_db()
    assert membership.left_on == dt.date(2021, 12, 31)


def test_membership_in_the_future_is_refused_and_nothing_stored(world, staff):
    team = TeamFactory(institution=world.institution)
    person = VolunteerFactory(unit=world.college)
    response = client_for(staff).post(reverse("tracker:team-membership-add", args=[team.pk]),
                                      {"volunteer": person.pk, "joined_on": "2099-01-01"})
    assert response.status_code == 400
    assert shows(response, _("The date cannot be in the future."))
    assert TeamMembership.objects.count() == 0


def test_end_form_redirect_ignores_foreign_addresses(world, staff):
    membership = TeamMembershipFactory(team=TeamFactory(institution=world.institution),
                                       volunteer=VolunteerFactory(unit=world.college))
    response = client_for(staff).post(
        reverse("tracker:team-membership-end", args=[membership.team_id, membership.pk]),
        {"left_on": "2021-12-31", "next": "https://example.com/"},
    )
    assert response["Location"] == membership.team.get_absolute_url()


def test_import_page_offers_the_template_and_the_upload_form(world, secretary):
    html = client_for(secretary).get(reverse("tracker:roster-import")).content.decode()
    assert 'name="file"' in html and reverse("tracker:roster-template") in html
    assert 'type="hidden" name="institution"' in html


def test_administrator_chooses_the_university_to_import_into(world, admin_user, staff):
    OrgUnitFactory(institution=world.other_institution, kind=OrgUnit.Kind.COLLEGE, name="机电工程学院")
    client = client_for(admin_user)
    form = client.get(reverse("tracker:roster-import")).context["form"]
    assert set(form.fields["institution"].queryset) == {world.institution, world.other_institution}
    content = workbook_bytes([person_row("N001", "周明", "机电工程学院")])
    response = client.post(reverse("tracker:roster-import"), {
        "institution": world.other_institution.pk, "file": SimpleUploadedFile("花名册.xlsx", content)})
    assert response.status_code == 200
    record = response.context["preview"].record
    assert client.post(reverse("tracker:roster-import-confirm", args=[record.pk])).status_code == 302
    assert Volunteer.objects.get().institution == world.other_institution
