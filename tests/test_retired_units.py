"""A retired unit (OrgUnit.retired_on) is not offered for new records; a record that already has it keeps it."""

import datetime as dt

import pytest
from django import forms
from django.urls import reverse

from tracker.org.models import OrgUnit
from tracker.roster.models import Volunteer
from tracker.work.models.platforms import Activity, WorkPlatform

from .conftest import client_for
from .factories import ActivityFactory, OrgUnitFactory, VolunteerFactory, WorkPlatformFactory

pytestmark = pytest.mark.django_db

RETIRED_ON = dt.date(2024, 7, 1)


@pytest.fixture
def retired(world) -> OrgUnit:
    """A college merged into another in 2024: 资源学院 (a name the seeds do not have)."""
    return OrgUnitFactory(institution=world.institution, kind=OrgUnit.Kind.COLLEGE, name="资源学院",
                          parent=world.committee, retired_on=RETIRED_ON)


def _choices(response, name: str) -> set[int]:
    field = response.context["form"].fields[name]
    return {unit.pk for unit in field.queryset}


def _resubmit(form: forms.Form, **changes) -> dict:
    """What the browser posts back for `form` as it was shown (its initial values), with `changes`."""
    data = {}
    for name, bound in form.fields.items():
        if isinstance(bound, forms.FileField) or bound.disabled:
            continue
        value = form[name].value()
        if isinstance(bound.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
            continue
        if value is None:
            value = ""
        if isinstance(value, dt.date):
            value = value.isoformat()
        if isinstance(value, (list, tuple)):
            value = [str(v.pk if hasattr(v, "pk") else v) for v in value]
        data[name] = value
    data.update(changes)
    return data


def test_in_service_and_offered_querysets(world, retired):
    assert retired not in OrgUnit.objects.in_service()
    assert retired in OrgUnit.objects.in_service(on=RETIRED_ON - dt.timedelta(days=1))
    assert retired not in OrgUnit.objects.offered()
    assert retired not in OrgUnit.objects.offered(None)
    assert retired in OrgUnit.objects.offered(retired.pk)
    assert world.college in OrgUnit.objects.offered(retired.pk)


# --- Roster ---------------------------------------------------------------------------------------


def test_roster_new_person_is_not_offered_a_retired_unit(world, retired, staff):
    client = client_for(staff)
    response = client.get(reverse("tracker:volunteer-create"))
    assert response.status_code == 200
    assert world.college.pk in _choices(response, "unit") and retired.pk not in _choices(response, "unit")
    assert "资源学院" not in response.content.decode()
    form = response.context["form"]
    data = _resubmit(form, unit=str(retired.pk), staff_number="R990001", name="韩守仁", gender="male",
                     birth_year="1950", retired_year="2010", category="teacher", eligible="on")
    response = client.post(reverse("tracker:volunteer-create"), data)
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert response.context["form"]["name"].value() == "韩守仁", "what was typed is kept"
    assert not Volunteer.objects.filter(staff_number="R990001").exists()
    data["unit"] = str(world.college.pk)
    assert client.post(reverse("tracker:volunteer-create"), data).status_code == 302
    assert Volunteer.objects.get(staff_number="R990001").unit == world.college


def test_roster_person_of_a_retired_unit_still_shows_and_saves(world, retired, staff):
    person = VolunteerFactory(unit=retired, name="韩守仁", staff_number="R990002")
    client = client_for(staff)
    url = reverse("tracker:volunteer-update", args=[person.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert retired.pk in _choices(response, "unit")
    assert "资源学院" in response.content.decode()
    data = _resubmit(response.context["form"], former_post="副教授")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    person.refresh_from_db()
    assert person.unit == retired and person.former_post == "副教授"


# --- Ledger ---------------------------------------------------------------------------------------


def test_ledger_new_entry_is_not_offered_a_retired_unit(world, retired, staff):
    client = client_for(staff)
    response = client.get(reverse("tracker:activity-create"))
    assert response.status_code == 200
    assert world.college.pk in _choices(response, "unit") and retired.pk not in _choices(response, "unit")
    data = _resubmit(response.context["form"], unit=str(retired.pk), date="2025-03-12", kind="meeting",
                     title="资源学院关工委工作例会", retiree_count="4", youth_count="0")
    response = client.post(reverse("tracker:activity-create"), data)
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert not Activity.objects.filter(title="资源学院关工委工作例会").exists()


def test_ledger_entry_of_a_retired_unit_still_shows_and_saves(world, retired, staff):
    entry = ActivityFactory(unit=retired, title="资源学院老同志座谈会", date=dt.date(2023, 11, 2), recorded_by=staff)
    client = client_for(staff)
    url = reverse("tracker:activity-update", args=[entry.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert retired.pk in _choices(response, "unit")
    data = _resubmit(response.context["form"], youth_count="45")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    entry.refresh_from_db()
    assert entry.unit == retired and entry.youth_count == 45


# --- Platforms ------------------------------------------------------------------------------------


def test_platform_owner_and_host_leave_out_retired_units_but_keep_the_current_ones(world, retired, staff):
    retired_host = OrgUnitFactory(institution=world.institution, kind=OrgUnit.Kind.MEMBER_UNIT, name="老干部处",
                                  retired_on=RETIRED_ON)
    client = client_for(staff)
    response = client.get(reverse("tracker:platform-create"))
    assert response.status_code == 200
    assert retired.pk not in _choices(response, "owner") and world.college.pk in _choices(response, "owner")
    assert retired_host.pk not in _choices(response, "host") and world.member_unit.pk in _choices(response, "host")

    platform = WorkPlatformFactory(owner=retired, host=retired_host, name="资源学院院史育人平台")
    url = reverse("tracker:platform-update", args=[platform.pk])
    response = client.get(url)
    assert retired.pk in _choices(response, "owner") and retired_host.pk in _choices(response, "host")
    data = _resubmit(response.context["form"], serving_leader="刘海涛")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    platform.refresh_from_db()
    assert (platform.owner, platform.host, platform.serving_leader) == (retired, retired_host, "刘海涛")


# --- Needs, rectifications, rounds ----------------------------------------------------------------


def test_need_rectification_and_round_forms_leave_out_retired_units(world, retired, staff):
    client = client_for(staff)
    for name, field in (("tracker:need-create", "unit"), ("tracker:rectification-create", "unit"),
                        ("tracker:round-create", "units")):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        offered = _choices(response, field)
        assert world.college.pk in offered and retired.pk not in offered, name


def test_retired_unit_kept_when_reassigning_its_rectification(world, retired, staff):
    from tracker.assessments.forms.rectifications import RectificationReassignForm

    from .factories import RectificationFactory

    entry = RectificationFactory(unit=retired)
    units = OrgUnit.objects.filter(institution=world.institution)
    offered = {unit.pk for unit in RectificationReassignForm(rectification=entry, units=units).fields["unit"].queryset}
    assert retired.pk in offered and world.college.pk in offered
    other = RectificationFactory(unit=world.college)
    offered = {unit.pk for unit in RectificationReassignForm(rectification=other, units=units).fields["unit"].queryset}
    assert retired.pk not in offered


def test_platform_form_query_count_stays_flat(world, retired, staff, django_assert_max_num_queries):
    for n in range(8):
        OrgUnitFactory(institution=world.institution, kind=OrgUnit.Kind.COLLEGE, name=f"撤并学院{n}",
                       retired_on=RETIRED_ON)
    client = client_for(staff)
    client.get(reverse("tracker:platform-create"))
    with django_assert_max_num_queries(30):
        response = client.get(reverse("tracker:platform-create"))
    assert not _choices(response, "owner") & set(
        OrgUnit.objects.filter(retired_on__isnull=False).values_list("pk", flat=True))
    assert WorkPlatform.objects.count() == 0
