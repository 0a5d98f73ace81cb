"""/healthz for load balancers (issue 18, tracker/ops/health.py): 200 when the database and the cache answer, 503
naming the part that does not; open to anyone, no cookie, no data, never redirected to https."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

from tracker.ops import health

from . import redisserver
from .conftest import client_for
from .redisserver import closed_port_url, redis_cache

pytestmark = pytest.mark.django_db
redis_url = redisserver.redis_url  # the fixtures
redis_cache_settings = redisserver.redis_cache_settings

URL = "/healthz"


def test_the_address_is_healthz():
    assert reverse("healthz") == URL


def test_healthy_answers_200_with_no_cookie_no_data_and_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):  # SELECT 1: no session, no user, nothing of the portal's records
        response = client.get(URL)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "Set-Cookie" not in response.headers and not response.cookies
    assert "no-store" in response["Cache-Control"]
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405


def test_signed_in_it_answers_the_same(world, staff):
    response = client_for(staff).get(URL)
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert "Set-Cookie" not in response.headers


def test_a_database_that_does_not_answer_is_503(client, monkeypatch):
    broken = mock.Mock()
    broken.cursor.side_effect = OperationalError("connection refused")
    monkeypatch.setattr(health, "connection", broken)
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "cache": "ok"}
    assert "refused" not in response.content.decode()  # what went wrong goes to the log only
    assert "Set-Cookie" not in response.headers


def test_a_cache_that_loses_what_was_put_is_503(client, monkeypatch):
    from django.core.cache import caches

    monkeypatch.setattr(type(caches["default"]), "get", lambda self, key, default=None, version=None: default)
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "error"}


def test_a_stopped_redis_is_503_and_the_pages_still_answer(client, settings, world, staff):
    settings.CACHES = {"default": redis_cache(closed_port_url(), "stopped")}
    response = client.get(URL)
    assert response.status_code == 503 and response.json()["cache"] == "error"
    assert client_for(staff).get(reverse("tracker:home")).status_code == 200


def test_a_running_redis_is_ok(client, redis_cache_settings):
    assert client.get(URL).json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_it_is_answered_over_plain_http_where_pages_are_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("login")).status_code == 301
    assert client.get(URL).status_code == 200

