"""Every API endpoint × every method it takes × every persona → the status that persona gets, through a personal
token (the documentation page, which is for people, through the session).

Built from the URLconf like tests/test_permissions.py: an endpoint (or a method of one) without a row fails
`test_every_api_endpoint_and_method_has_a_row`. The statuses are the pages' (another institution's object 404, a
page the role may not open 403), except that the signed-out get 401 instead of the sign-in page. A refused request
leaves the database and the stored files as they were (tests/dbstate.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from . import dbstate
from .conftest import PERSONAS
from .factories import (
    ActivityFactory,
    EvidenceFileFactory,
    QuotaFactory,
    RectificationFactory,
    ReviewFactory,
    TaskUpdateFactory,
    VolunteerFactory,
    WorkPlatformFactory,
    api_token,
    start_assessment,
)
from .factories import AssessmentRoundFactory as RoundFactory
from .test_permissions import snapshot_of

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Row:
    args: Callable  # world → reverse() args
    expect: dict[str, int]
    data: Callable | None = None  # world → the JSON body
    session: bool = False  # a page for people: signed in through the session, not a token


def everyone(status: int, **overrides: int) -> dict[str, int]:
    result = dict.fromkeys(PERSONAS, status)
    result.update(overrides)
    return result


def tokens(status: int, **overrides: int) -> dict[str, int]:
    """Through a token: the signed-out get 401; a reviewer is refused everything but the review file (403)."""
    return everyone(status, **{"anonymous": 401, "reviewer": 403, **overrides})


def no_args(world) -> list:
    return []


def update_data(world) -> dict:
    return {"version": 1, "date": "2021-10-01", "status": "in_progress", "progress": 10, "note": "接口权限测试"}


def ledger_data(world) -> dict:
    return {"unit": world.college.pk, "date": "2021-06-18", "kind": "study", "title": "学习会"}


def ledger_update_data(world) -> dict:
    return {**ledger_data(world), "version": 1, "retiree_count": 5}


# Keys: "<URL name> <METHOD>".
MATRIX: dict[str, Row] = {
    "api:institution-list GET": Row(no_args, tokens(200)),
    "api:institution-detail GET": Row(lambda w: [w.institution.pk], tokens(200, other_staff=404)),
    "api:unit-list GET": Row(no_args, tokens(200)),
    "api:unit-detail GET": Row(lambda w: [w.college.pk], tokens(200, other_staff=404)),
    "api:plan-list GET": Row(no_args, tokens(200)),
    "api:plan-detail GET": Row(lambda w: [w.plan.pk], tokens(200, other_staff=404)),
    "api:task-list GET": Row(no_args, tokens(200)),
    "api:task-detail GET": Row(lambda w: [w.school_task.pk], tokens(200, other_staff=404)),
    "api:task-updates GET": Row(lambda w: [w.school_task.pk], tokens(200, other_staff=404)),
    # the school committee's task: staff report on it; the other roles are not among its parties
    "api:task-updates POST": Row(lambda w: [w.school_task.pk],
                                 tokens(403, admin_user=201, staff=201, other_staff=404), update_data),
    "api:quota-list GET": Row(no_args, tokens(200)),
    "api:quota-detail GET": Row(lambda w: [QuotaFactory(institution=w.institution).pk],
                                tokens(200, other_staff=404)),
    "api:volunteer-list GET": Row(no_args, tokens(200)),
    "api:volunteer-detail GET": Row(lambda w: [VolunteerFactory(unit=w.college).pk],
                                    tokens(200, other_staff=404, other_secretary=404, liaison=404)),
    "api:platform-list GET": Row(no_args, tokens(200)),
    "api:platform-detail GET": Row(lambda w: [WorkPlatformFactory(owner=w.college).pk],
                                   tokens(200, other_staff=404)),
    "api:activity-list GET": Row(no_args, tokens(200)),
    # another college is not among the units the other secretary keeps (403 from the service), nor the liaison's;
    # the other institution's staff keep no unit at all, and the college is not theirs to name
    "api:activity-list POST": Row(
        no_args, tokens(201, other_staff=403, other_secretary=403, liaison=403, leader=403), ledger_data),
    "api:activity-detail GET": Row(lambda w: [ActivityFactory(unit=w.college).pk],
                                   tokens(200, other_staff=404, other_secretary=404, liaison=404)),
    "api:activity-detail PUT": Row(lambda w: [ActivityFactory(unit=w.college).pk],
                                   tokens(200, other_staff=404, other_secretary=404, liaison=404, leader=403),
                                   ledger_update_data),
    "api:assessment-list GET": Row(no_args, tokens(200)),
    "api:assessment-detail GET": Row(
        lambda w: [start_assessment(w.college, RoundFactory(institution=w.institution)).pk],
        tokens(200, other_staff=404, other_secretary=404, liaison=404)),
    "api:rectification-list GET": Row(no_args, tokens(200)),
    "api:rectification-detail GET": Row(lambda w: [RectificationFactory(unit=w.college).pk],
                                        tokens(200, other_staff=404, other_secretary=404, liaison=404)),
    "api:review-list GET": Row(no_args, tokens(200, secretary=403, other_secretary=403, liaison=403, reviewer=200)),
    "api:review-detail GET": Row(
        lambda w: [ReviewFactory(institution=w.institution).pk],
        tokens(200, other_staff=404, secretary=404, other_secretary=404, liaison=404, reviewer=200)),
    # a secretary gets her own college's figures; the other institution's staff their own institution's
    "api:dashboard GET": Row(no_args, tokens(200, liaison=403)),
    "api:snapshot-list GET": Row(no_args, tokens(200, secretary=403, other_secretary=403, liaison=403)),
    "api:snapshot-detail GET": Row(lambda w: [snapshot_of(w).pk],
                                   tokens(200, other_staff=404, secretary=403, other_secretary=403, liaison=403)),
    # the page's rule (access.get_evidence_for_user): whoever may see the task; a reviewer only the review file's
    "api:evidence-download GET": Row(
        lambda w: [EvidenceFileFactory(update=TaskUpdateFactory(task=w.school_task)).pk],
        tokens(200, other_staff=404, reviewer=404)),
    "api:schema GET": Row(no_args, tokens(200, reviewer=200)),
    "api:docs GET": Row(no_args, everyone(200, anonymous=302), session=True),  # a page: sign in first
}


def api_patterns() -> list[tuple[str, URLPattern]]:
    def walk(patterns, namespace: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and namespace.startswith("api:"):
                yield f"{namespace}{pattern.name}", pattern

    return list(walk(get_resolver().url_patterns, ""))


def methods_of(pattern: URLPattern) -> set[str]:
    """The methods an endpoint's view answers (HEAD and OPTIONS, which DRF adds to every view, aside)."""
    view = pattern.callback.cls
    return {method.upper() for method in view.http_method_names
            if hasattr(view, method) and method not in ("head", "options")}


def test_every_api_endpoint_and_method_has_a_row():
    found = {f"{name} {method}" for name, pattern in api_patterns() for method in methods_of(pattern)}
    assert found == set(MATRIX)


def client_as(user, *, session: bool = False):
    """A client for `user`: a personal token in the Authorization header (or, for pages, a signed-in session)."""
    if session:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client
    client = APIClient()
    if user is not None:
        _token, key = api_token(user, name="矩阵测试")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", sorted(MATRIX))
def test_api_permission_matrix(request, world, key, persona, settings):
    """Each persona gets the row's status, every refusal is the JSON shape with a code, and a refused request leaves
    the database and the stored files as they were."""
    settings.DASHBOARD_CACHE_SECONDS = 0
    name, method = key.split()
    row = MATRIX[key]
    client = client_as(request.getfixturevalue(persona), session=row.session)
    url = reverse(name, args=row.args(world))
    data = row.data(world) if row.data else None
    before = dbstate.take()
    if method == "GET":
        response = client.get(url)
    else:
        response = getattr(client, method.lower())(url, data, format="json")
    assert response.status_code == row.expect[persona], f"{key} as {persona}: {response.content[:300]!r}"
    if response.status_code >= 400:
        body = response.json()
        assert body["code"] and body["detail"], key
        found = dbstate.changes(before, dbstate.take())
        assert not found, f"{key} as {persona} was refused ({response.status_code}) but wrote: {found}"


def test_a_token_acts_as_its_owner_only(world, staff, other_staff):
    """The same request, one token each: each owner reads his own institution only."""
    mine, theirs = client_as(staff), client_as(other_staff)
    url = reverse("api:plan-detail", args=[world.plan.pk])
    assert mine.get(url).status_code == 200
    assert theirs.get(url).status_code == 404
    names = {row["name"] for row in theirs.get(reverse("api:institution-list")).json()["results"]}
    assert names == {world.other_institution.name}


def test_the_session_answers_as_the_pages_do(world, secretary):
    """Signed in to the portal, the API sees what the pages see: the same rule for the same person."""
    client = client_as(secretary, session=True)
    assert client.get(reverse("api:volunteer-detail", args=[VolunteerFactory(unit=world.college).pk])).status_code \
        == 200
    assert client.get(reverse("api:volunteer-detail", args=[VolunteerFactory(unit=world.other_college).pk])) \
        .status_code == 404


def test_a_reviewer_signed_in_reads_the_review_file_only(world, reviewer):
    review = ReviewFactory(institution=world.institution)
    client = client_as(reviewer, session=True)
    assert client.get(reverse("api:review-detail", args=[review.pk])).status_code == 200
    assert client.get(reverse("api:plan-list")).status_code == 403


def test_an_administrator_reads_every_institution(world, admin_user):
    client = client_as(admin_user)
    codes = {row["code"] for row in client.get(reverse("api:institution-list")).json()["results"]}
    assert codes == {world.institution.code, world.other_institution.code}
    assert client.get(reverse("api:plan-detail", args=[world.other_plan.pk])).status_code == 200

