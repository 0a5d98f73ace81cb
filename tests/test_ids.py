"""Ids too long for the database are a 404 on every URL, and a query-string id that cannot be one is ignored or a
404, never a 500 (SQLite refuses integers past 2⁶³ − 1 with an OverflowError; PostgreSQL with an error too)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, get_resolver

from tracker.org.ids import MAX_DIGITS, as_id

from .conftest import client_for

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


def tracker_patterns_with_ids() -> list[URLPattern]:
    for resolver in get_resolver().url_patterns:
        if getattr(resolver, "namespace", None) == "tracker":
            return [pattern for pattern in resolver.url_patterns if pattern.pattern.converters]
    raise AssertionError("no tracker URLconf")


def test_every_id_in_a_tracker_url_is_an_id_converter():
    patterns = tracker_patterns_with_ids()
    assert patterns
    for pattern in patterns:
        assert "<int:" not in str(pattern.pattern), pattern.name


@pytest.mark.parametrize("persona", ["staff", "admin_user", "secretary"])
def test_every_url_with_an_id_too_long_is_a_404(request, world, persona):
    client = client_for(request.getfixturevalue(persona))
    for pattern in tracker_patterns_with_ids():
        route = str(pattern.pattern)
        path = "/" + route
        for name in pattern.pattern.converters:
            path = path.replace(f"<id:{name}>", HUGE)
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code == 404, f"{method} {path}: {response.status_code}"


def test_query_string_ids_too_long_are_not_a_500(world, staff, admin_user):
    for user in (staff, admin_user):
        client = client_for(user)
        for path in (f"/dashboard/?institution={HUGE}", f"/dashboard/tables.xlsx?unit={HUGE}",
                     f"/plans/?phase={HUGE}&unit={HUGE}", f"/roster/?unit={HUGE}", f"/ledger/?unit={HUGE}",
                     f"/platforms/?owner={HUGE}", f"/dashboard/snapshots/?institution={HUGE}"):
            assert client.get(path).status_code in (200, 400, 404), path


def test_as_id_takes_only_what_can_be_an_id():
    assert as_id("42") == 42
    assert as_id("9" * MAX_DIGITS) == int("9" * MAX_DIGITS)
    assert as_id("9" * (MAX_DIGITS + 1)) is None
    assert as_id("-1") is None and as_id("") is None and as_id(None) is None and as_id("1e3") is None


FORMS = [
    ("/roster/new/", {"unit": HUGE, "name": "王老师"}),
    ("/ledger/new/", {"unit": HUGE, "platform": HUGE, "retirees": [HUGE]}),
    ("/platforms/new/", {"owner": HUGE, "host": HUGE, "volunteer_leader": HUGE, "volunteers": [HUGE]}),
    ("/rectifications/new/", {"unit": HUGE}),
    ("/menus/matches/new/", {"need": HUGE, "resource": HUGE}),
    ("/menus/needs/new/", {"unit": HUGE, "tags": [HUGE]}),
    ("/assessments/rounds/new/", {"standard": HUGE, "institution": HUGE}),
    ("/reviews/new/", {"assessment_round": HUGE, "institution": HUGE, "zone": HUGE}),
]


@pytest.mark.parametrize(("path", "data"), FORMS, ids=[path for path, _data in FORMS])
def test_a_form_given_an_id_too_long_answers_with_the_form_not_a_500(world, staff, path, data):
    response = client_for(staff).post(path, data)
    assert response.status_code in (400, 403, 404), response.status_code


def test_an_admin_form_given_an_id_too_long_answers_with_the_form(world, admin_user):
    from tracker.org.models import OrgUnit

    before = OrgUnit.objects.count()
    response = client_for(admin_user).post("/admin/tracker/orgunit/add/", {
        "institution": HUGE, "parent": HUGE, "kind": "college", "name": "新学院", "order": 0})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert OrgUnit.objects.count() == before


def test_every_tracker_form_uses_the_id_checking_model_choice_fields():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "tracker"
    for path in root.rglob("*.py"):
        if path.name == "forms.py" and path.parent.name == "org":
            continue
        text = path.read_text()
        assert "forms.ModelChoiceField" not in text and "forms.ModelMultipleChoiceField" not in text, path
