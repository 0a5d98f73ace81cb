"""Refusals Django makes before (or instead of) an API view: an address under /api/ that resolves to nothing, a
method an endpoint does not take, a reviewer's session stopped by the middleware, a request Django finds
suspicious, an error nobody caught. Under /api/ each is the API's JSON shape (a stable `code`, a Chinese `detail`)
with the right status; the portal's own pages keep their HTML error pages."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from tracker.api import errors
from tracker.api.views import reads

from .factories import api_token

pytestmark = pytest.mark.django_db
NUMBERS = itertools.count()


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(user, name=f'错误测试{next(NUMBERS)}')[1]}")
    return client


def json_refusal(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["code"] == code, body
    assert any("\u4e00" <= char <= "\u9fff" for char in body["detail"]), body["detail"]  # a Chinese sentence
    return body


UNKNOWN = ["/api/v1/nothing/", "/api/v1/plans/abc/", "/api/v1/plans/1/phases/", "/api/v1/", "/api/v2/plans/",
           "/api/nothing"]


@pytest.mark.parametrize("path", UNKNOWN)
def test_an_unknown_address_under_api_is_a_json_404_for_a_token(world, staff, path):
    json_refusal(token_client(staff).get(path), 404, "not_found")
    json_refusal(token_client(staff).post(path, {"note": "x"}, format="json"), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v1/plans/abc/"])
def test_an_unknown_address_is_a_json_404_signed_out_and_in_a_session(world, staff, path):
    """Nothing to resolve, nothing to sign in to: the signed-out get the same 404, not the sign-in page."""
    json_refusal(APIClient().get(path), 404, "not_found")
    session = Client()
    session.force_login(staff)
    json_refusal(session.get(path), 404, "not_found")


def test_the_portals_own_404_is_still_its_page(world, staff):
    session = Client()
    session.force_login(staff)
    response = session.get("/plans/nothing-here/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert "error-404" in response.content.decode()
    # and a path that merely begins like the API's is the portal's
    assert session.get("/apis/").status_code == 404
    assert session.get("/apis/")["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(("method", "name", "args"), [
    ("delete", "api:plan-detail", True), ("post", "api:plan-list", False), ("put", "api:task-detail", True),
    ("patch", "api:dashboard", False), ("delete", "api:task-updates", True),
])
def test_a_method_the_endpoint_does_not_take_is_a_json_405(world, staff, method, name, args):
    url = reverse(name, args=[world.school_task.pk if "task" in name else world.plan.pk] if args else [])
    response = getattr(token_client(staff), method)(url, {}, format="json")
    json_refusal(response, 405, "method_not_allowed")
    assert response["Allow"]


def test_an_uncaught_error_under_api_is_a_json_500_and_the_page_keeps_its_own(world, staff, monkeypatch):
    def broken(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(reads.PlanList, "get_queryset", broken)
    client = token_client(staff)
    client.raise_request_exception = False
    json_refusal(client.get(reverse("api:plan-list")), 500, "server_error")
    page = errors.server_error(RequestFactory().get("/plans/"))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_a_suspicious_request_under_api_is_a_json_400(world, staff, monkeypatch):
    def suspicious(self):
        raise SuspiciousOperation("a forged header")

    monkeypatch.setattr(reads.PlanList, "get_queryset", suspicious)
    json_refusal(token_client(staff).get(reverse("api:plan-list")), 400, "bad_request")


def test_a_reviewers_session_off_the_review_file_is_a_json_403(world, reviewer):
    """ReviewerScopeMiddleware stops the session before the API's view: the same code his token would get."""
    session = Client()
    session.force_login(reviewer)
    json_refusal(session.get(reverse("api:plan-list")), 403, "reviewer_scope")
    json_refusal(token_client(reviewer).get(reverse("api:plan-list")), 403, "reviewer_scope")
    page = session.get(reverse("tracker:plan-list"))
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
