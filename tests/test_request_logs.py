"""Logs with a request id (issue 18; django-guid and python-json-logger, LOGGING in youthwork/settings.py): every
response carries X-Request-ID, a valid one sent by the load balancer is kept, and every log line written while the
request runs carries the same id, as one JSON object a line in production."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.urls import reverse
from django_guid import get_guid, set_guid

from tracker.ops import health

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parent.parent
HEX = set("0123456789abcdef")


@pytest.fixture
def lines():
    """What the portal's console handler writes, formatted and filtered as configured (LOGGING), one entry a
    line; the test's own copy of that handler, writing to memory."""
    console = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    stream = io.StringIO()
    probe = logging.StreamHandler(stream)
    probe.setFormatter(console.formatter)
    for kept in console.filters:
        probe.addFilter(kept)
    logging.getLogger().addHandler(probe)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    finally:
        logging.getLogger().removeHandler(probe)


def is_new_id(value: str) -> bool:
    return len(value) == 32 and set(value) <= HEX


def test_every_response_carries_a_new_request_id(client):
    first, second = client.get(reverse("login")), client.get("/healthz")
    assert is_new_id(first["X-Request-ID"]) and is_new_id(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


# Fixed ids: pytest-xdist requires every worker to collect the same parameters.
@pytest.mark.parametrize("sent", ["5281125eaaf546889c3241faaaa7055a", "13ea24e5-d7bb-442d-80d9-0f58301bd43f"])
def test_a_valid_id_from_the_load_balancer_is_kept(client, sent):
    assert client.get(reverse("login"), headers={"X-Request-ID": sent})["X-Request-ID"] == sent


@pytest.mark.parametrize("sent", ["1234", "x" * 32, "<script>", "a" * 500])
def test_anything_else_is_replaced_by_a_new_id(client, sent):
    answered = client.get(reverse("login"), headers={"X-Request-ID": sent})["X-Request-ID"]
    assert answered != sent and is_new_id(answered)


def test_a_line_written_during_a_request_carries_its_id_as_json(client, lines):
    sent = uuid.uuid4().hex
    assert client.get("/no-such-page/", headers={"X-Request-ID": sent}).status_code == 404
    written = [line for line in lines() if line["logger"] == "django.request"]
    assert written and written[-1]["request_id"] == sent and written[-1]["level"] == "WARNING"
    assert "/no-such-page/" in written[-1]["message"] and written[-1]["time"]


def test_a_server_error_is_logged_with_its_request_id_and_traceback(client, lines, monkeypatch):
    def fail() -> bool:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(health, "database_ok", fail)
    client.raise_request_exception = False
    response = client.get("/healthz")
    assert response.status_code == 500
    errors = [line for line in lines() if line["logger"] == "django.request" and line["level"] == "ERROR"]
    assert errors and errors[-1]["request_id"] == response["X-Request-ID"]
    assert "the disk is on fire" in errors[-1]["exc_info"]


def test_the_portals_own_lines_carry_it_too(client, lines, monkeypatch):
    from django.core.cache import caches

    monkeypatch.setattr(type(caches["default"]), "get", lambda self, key, default=None, version=None: default)
    response = client.get("/healthz")
    mine = [line for line in lines() if line["logger"] == "tracker.ops.health"]
    assert mine and mine[-1]["request_id"] == response["X-Request-ID"] and mine[-1]["level"] == "WARNING"


def test_a_task_run_at_once_inside_a_request_logs_with_the_requests_id(lines, settings):
    """Without a broker a task runs in the process that queued it: its lines carry the id of the request, which
    stays the request's afterwards (django-guid's Celery integration is for a real worker only)."""
    from celery import shared_task

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("a broker is configured (REDIS_URL or CELERY_BROKER_URL): tasks go to a worker")

    @shared_task(name="tests.log_a_line")
    def log_a_line():
        logging.getLogger("tracker.tests").warning("from the task")

    request_id = set_guid(uuid.uuid4().hex)
    try:
        log_a_line.delay()
        assert get_guid() == request_id
    finally:
        set_guid(None)
    written = [line for line in lines() if line["message"] == "from the task"]
    assert written and written[-1]["request_id"] == request_id


PROBE = """
import django, json
django.setup()
from django.conf import settings
from django_guid.config import settings as guid
print(json.dumps({"format": settings.LOG_FORMAT,
                  "handler": settings.LOGGING["handlers"]["console"]["formatter"],
                  "celery": [integration.identifier for integration in guid.integrations]}))
"""


def settings_under(**environment: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "youthwork.settings", **environment}
    for name in ("LOG_FORMAT", "CELERY_BROKER_URL", "REDIS_URL"):
        if name not in environment:
            env.pop(name, None)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_json_lines_in_production_plain_text_under_debug_and_the_celery_ids_with_a_broker():
    assert settings_under(DJANGO_DEBUG="false") == {"format": "json", "handler": "json", "celery": []}
    assert settings_under(DJANGO_DEBUG="true") == {"format": "text", "handler": "text", "celery": []}
    assert settings_under(DJANGO_DEBUG="false", LOG_FORMAT="text", CELERY_BROKER_URL="redis://127.0.0.1:1/0") == {
        "format": "text", "handler": "text", "celery": ["CeleryIntegration"]}
