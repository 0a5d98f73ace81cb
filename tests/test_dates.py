"""Dates outside the programme's plausible range (2000-01-01 to 2100-12-31) are refused on every form with the
range named, and nothing is saved; a date inside it is taken."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from tracker.assessments.models.assessments import Rectification
from tracker.reporting.models import ReportSnapshot

from .conftest import client_for

pytestmark = pytest.mark.django_db

MESSAGE = "请填写 2000-01-01 至 2100-12-31 之间的日期。"
IMPLAUSIBLE = ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"]


@pytest.mark.parametrize("day", IMPLAUSIBLE)
def test_dashboard_as_of_outside_the_range_is_refused(world, staff, day):
    response = client_for(staff).get(reverse("tracker:dashboard"), {"as_of": day})
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()


def test_dashboard_as_of_inside_the_range_is_taken(world, staff):
    response = client_for(staff).get(reverse("tracker:dashboard"), {"as_of": "2021-12-31"})
    assert response.status_code == 200 and MESSAGE not in response.content.decode()


@pytest.mark.parametrize("day", IMPLAUSIBLE)
def test_a_snapshot_as_of_outside_the_range_is_refused_and_not_kept(world, staff, day):
    response = client_for(staff).post(reverse("tracker:snapshot-list"), {"name": "留存", "as_of": day})
    assert response.status_code == 400
    assert ReportSnapshot.objects.count() == 0


def rectification_data(world, deadline: str) -> dict:
    return {"unit": world.college.pk, "source": Rectification.Source.INSPECTION, "problem": "台账不全",
            "measure": "补齐台账", "deadline": deadline}


@pytest.mark.parametrize("day", IMPLAUSIBLE)
def test_a_rectification_deadline_outside_the_range_is_refused_and_nothing_saved(world, staff, day):
    response = client_for(staff).post(reverse("tracker:rectification-create"), rectification_data(world, day))
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    assert "台账不全" in response.content.decode()  # what was typed is kept
    assert Rectification.objects.count() == 0


def test_a_rectification_deadline_inside_the_range_is_saved(world, staff):
    response = client_for(staff).post(reverse("tracker:rectification-create"), rectification_data(world, "2026-12-31"))
    assert response.status_code == 302
    assert Rectification.objects.get().deadline.isoformat() == "2026-12-31"


def test_an_admin_date_outside_the_range_is_refused(world, admin_user):
    from tracker.plans.models import Plan

    response = client_for(admin_user).post(reverse("admin:tracker_plan_add"), {
        "institution": world.institution.pk, "title": "新计划", "issued_on": "0001-01-01",
        "phases-TOTAL_FORMS": 0, "phases-INITIAL_FORMS": 0})
    assert response.status_code == 200 and MESSAGE in response.content.decode()
    assert not Plan.objects.filter(title="新计划").exists()


def test_every_date_field_of_the_portal_checks_the_range():
    root = Path(__file__).resolve().parent.parent / "tracker"
    for path in root.rglob("*.py"):
        if path.parent.name == "org" and path.name == "forms.py":
            continue
        assert "forms.DateField" not in path.read_text(), path


@pytest.mark.parametrize("day", IMPLAUSIBLE)
def test_a_volunteers_period_outside_the_range_is_refused_and_nothing_saved(world, secretary, day):
    from tracker.roster.models import Volunteer

    response = client_for(secretary).post(reverse("tracker:volunteer-create"), {
        "staff_number": "D001", "name": "郑老师", "unit": world.college.pk, "active_from": day,
    })
    assert response.status_code == 400 and MESSAGE in response.content.decode()
    assert not Volunteer.objects.filter(staff_number="D001").exists()
