"""The shared cache (issue 18): the kept dashboard and its drawn body live in Django's cache, keyed by the data's
version, so a change committed through one server is seen by the next request to any other; Redis through
django-redis, and a Redis that stops only makes pages slower (tracker/reporting/dashboard.py, youthwork/settings.py).

The Redis tests run against a real redis-server (tests/redisserver.py): REDIS_URL, else Debian's redis-server on a
free port, else skipped (REQUIRE_REDIS=1 in CI fails instead)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tracker.plans.models import Task
from tracker.plans.services import task_add_update
from tracker.reporting import dashboard
from tracker.reporting.dashboard import build_dashboard, kept_key
from youthwork.settings import cache_config

from . import redisserver
from .conftest import client_for
from .factories import api_token
from .redisserver import closed_port_url, redis_cache

BASE_DIR = Path(__file__).resolve().parent.parent
redis_url = redisserver.redis_url  # the fixtures
redis_cache_settings = redisserver.redis_cache_settings


@pytest.fixture
def builds(monkeypatch) -> list:
    """Every time the dashboard is really built (not taken from the cache), an entry."""
    made: list = []
    original = dashboard._build
    monkeypatch.setattr(dashboard, "_build", lambda *args, **kwargs: made.append(args) or original(*args, **kwargs))
    return made


def only_from_cache(patch, who: str) -> None:
    """From here on (within `patch`) a dashboard and its body can only come from the cache."""
    from tracker.reporting.views import dashboard as views

    def refuse(*args, **kwargs):
        pytest.fail(f"{who} built or drew what the other server had kept")

    patch.setattr(dashboard, "_build", refuse)
    patch.setattr(views, "_draw_body", refuse)


def finish(task: Task, actor) -> None:
    task_add_update(actor=actor, task=task, loaded_version=task.version, date=dt.date.today(), note="完成",
                    status=Task.Status.DONE, progress=100)


def done_figure(response) -> int:
    html = response.content.decode()
    figure = html.split('id="figure-tasks_done"', 1)[1].split("</a>", 1)[0]
    numbers = [int(part.split("<", 1)[0]) for part in figure.replace(" ", "").split(">") if part[:1].isdigit()]
    return numbers[0]


def body_of(response) -> str:
    """The part of the dashboard page that is kept (the rest holds the user's name and a CSRF token)."""
    return response.content.decode().split('<section class="figures"', 1)[1].split('id="freeze"', 1)[0]


# --- Settings ---------------------------------------------------------------------------------------------------


def test_the_cache_is_chosen_from_cache_url_then_redis_url_then_the_one_server_default():
    redis = cache_config("", "redis://10.0.0.5:6379", debug=False)
    assert redis["BACKEND"] == "django_redis.cache.RedisCache" and redis["LOCATION"] == "redis://10.0.0.5:6379/1"
    assert redis["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert 0 < redis["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] <= 1 and 0 < redis["OPTIONS"]["SOCKET_TIMEOUT"] <= 1
    # CACHE_URL wins, and a redis:// one goes to django-redis with the same options (its query string wins).
    given = cache_config("redis://10.0.0.6:6379/2?socket_timeout=2", "redis://10.0.0.5:6379", debug=False)
    assert given["BACKEND"] == "django_redis.cache.RedisCache" and given["LOCATION"] == "redis://10.0.0.6:6379/2"
    assert given["OPTIONS"]["IGNORE_EXCEPTIONS"] is True and given["OPTIONS"]["SOCKET_TIMEOUT"] == 2
    assert cache_config("rediss://10.0.0.6:6380/1", "", debug=False)["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert cache_config("locmemcache://", "redis://10.0.0.5:6379", debug=False)["BACKEND"].endswith("LocMemCache")
    assert cache_config("", "", debug=True)["BACKEND"].endswith("LocMemCache")
    assert cache_config("", "", debug=False)["BACKEND"].endswith("FileBasedCache")


def test_the_key_is_short_and_holds_what_the_dashboard_depends_on(world):
    key = kept_key(world.institution, None, None)
    assert key.startswith("dashboard:") and len(key) == len("dashboard:") + 32
    assert kept_key(world.institution, None, None) == key
    assert kept_key(world.institution, dt.date(2021, 12, 31), None) != key
    assert kept_key(world.institution, None, world.college) != key
    assert kept_key(world.other_institution, None, None) != key
    with translation.override("en"):
        assert kept_key(world.institution, None, None) != key
    world.school_task.title = "改名"
    world.school_task.save()  # a history record: another data version
    assert kept_key(world.institution, None, None) != key


# --- Kept in Django's cache ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_is_seen_on_the_next_dashboard_request(world, staff, builds):
    client = client_for(staff)
    url = reverse("tracker:dashboard")
    first = client.get(url)
    assert client.get(url).status_code == 200 and len(builds) == 1  # the second from the cache
    finish(world.school_task, staff)
    after = client.get(url)
    assert len(builds) == 2 and done_figure(after) == done_figure(first) + 1


@pytest.mark.django_db(transaction=True)
def test_a_kept_dashboard_is_handed_out_as_a_copy_nothing_can_change(world, staff, builds):
    with translation.override("zh-hans"):
        first = build_dashboard(world.institution)
        first.figures[0].value = 999
        first.overdue.clear()
        again = build_dashboard(world.institution)
        assert len(builds) == 1 and again.figures[0].value != 999
        again.figures.clear()
        assert build_dashboard(world.institution).figures


@pytest.mark.django_db(transaction=True)
def test_a_dashboard_served_from_the_cache_costs_only_the_version_query_beyond_the_page(world, staff):
    client = client_for(staff)
    url = reverse("tracker:dashboard")
    with CaptureQueriesContext(connection) as build:
        dashboard._build(world.institution)
    assert len(build.captured_queries) > 3
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).status_code == 200
    assert len(second.captured_queries) < len(first.captured_queries)
    assert len(second.captured_queries) <= len(first.captured_queries) - len(build.captured_queries)
    sql = [query["sql"] for query in second.captured_queries]
    assert sum(1 for text in sql if "history_id" in text and "MAX(" in text) == 1  # data_version
    assert not [text for text in sql if 'FROM "tracker_task"' in text]


@pytest.mark.django_db(transaction=True)
def test_the_drawn_body_is_kept_beside_the_dashboard_and_a_work_area_has_its_own(world, staff, monkeypatch):
    from tracker.plans.models import WorkArea
    from tracker.reporting.views import dashboard as views

    world.school_task.work_area = WorkArea.objects.create(plan=world.plan, order=1, name="队伍建设")
    world.school_task.save()
    drawn = []
    original = views._draw_body
    monkeypatch.setattr(views, "_draw_body", lambda board: drawn.append(len(board.upcoming)) or original(board))
    client = client_for(staff)
    url = reverse("tracker:dashboard")
    whole = body_of(client.get(url))
    assert body_of(client.get(url)) == whole and len(drawn) == 1
    narrowed = client.get(url, {"work_area": "队伍建设"})
    assert narrowed.status_code == 200 and len(drawn) == 2 and body_of(narrowed) != whole
    assert body_of(client.get(url, {"work_area": "队伍建设"})) == body_of(narrowed) and len(drawn) == 2
    key = kept_key(world.institution, None, None)
    assert cache.get(key) is not None and "figure-tasks_done" in cache.get(f"{key}:body")


@pytest.mark.django_db
def test_a_build_inside_a_transaction_neither_reads_nor_fills_the_cache(world, builds):
    with translation.override("zh-hans"):
        build_dashboard(world.institution)
        build_dashboard(world.institution)
        assert len(builds) == 2 and cache.get(kept_key(world.institution, None, None)) is None


# --- On a real Redis: two servers, two processes ----------------------------------------------------------------


def redis_keys(redis_url: str, prefix: str) -> list[str]:
    import redis

    client = redis.Redis.from_url(f"{redis_url}/1")
    return sorted(key.decode() for key in client.scan_iter(match=f"{prefix}:*"))


@pytest.mark.django_db(transaction=True)
def test_two_servers_share_the_kept_dashboard_and_body_through_redis(world, staff, settings, redis_url,
                                                                      redis_cache_settings, monkeypatch):
    """Server A and server B: two cache clients on two connections to one Redis. What A built and drew, B reuses;
    a change committed through A is seen by B's next request, and what B then built, A reuses."""
    prefix = redis_cache_settings
    settings.CACHES = {**settings.CACHES,
                       "server_b": {**redis_cache(redis_url, prefix),
                                    "LOCATION": f"{redis_url}/1?client_name=server-b"}}  # its own connections
    client = client_for(staff)
    url = reverse("tracker:dashboard")
    page_a = client.get(url)
    assert page_a.status_code == 200
    key = kept_key(world.institution, None, None)
    assert f"{prefix}:1:{key}" in redis_keys(redis_url, prefix)
    assert f"{prefix}:1:{key}:body" in redis_keys(redis_url, prefix)
    pools = {alias: caches[alias].client.get_client().connection_pool for alias in ("default", "server_b")}
    assert pools["default"] is not pools["server_b"]

    monkeypatch.setattr(dashboard, "CACHE_ALIAS", "server_b")
    with monkeypatch.context() as patch:
        only_from_cache(patch, "server B")
        page_b = client.get(url)
    assert done_figure(page_b) == done_figure(page_a)

    finish(world.school_task, staff)  # through server A
    page_b = client.get(url)
    assert done_figure(page_b) == done_figure(page_a) + 1
    monkeypatch.setattr(dashboard, "CACHE_ALIAS", "default")
    with monkeypatch.context() as patch:
        only_from_cache(patch, "server A")
        assert done_figure(client.get(url)) == done_figure(page_a) + 1


SERVER_SCRIPT = """
import hashlib, json, sys
import django
django.setup()
from django.utils import translation
from tracker.org.models import Institution
from tracker.reporting import dashboard
from tracker.reporting.views import dashboard as views
if sys.argv[2] == "kept-only":
    def refuse(*args, **kwargs):
        raise SystemExit("built in the other process instead of taken from Redis")
    dashboard._build = views._draw_body = refuse
with translation.override("zh-hans"):
    board = dashboard.build_dashboard(Institution.objects.get(pk=int(sys.argv[1])))
    body = views._body(board)
print(json.dumps({"done": board.figure("tasks_done").value, "body": hashlib.sha256(body.encode()).hexdigest()}))
"""


def other_process(institution, mode: str, redis_url: str, prefix: str) -> dict:
    """The dashboard as another server process sees it: the same database and Redis, nothing else shared."""
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    environment = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                   "CACHE_URL": f"{redis_url}/1?key_prefix={prefix}", "DJANGO_SETTINGS_MODULE": "youthwork.settings"}
    result = subprocess.run([sys.executable, "-c", SERVER_SCRIPT, str(institution.pk), mode], cwd=BASE_DIR,
                            env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_another_process_reuses_what_one_built_and_sees_a_change_at_once(world, staff, redis_url,
                                                                         redis_cache_settings):
    if connection.vendor != "postgresql":
        pytest.skip("another process cannot open the tests' in-memory SQLite database (runs on PostgreSQL)")
    prefix = redis_cache_settings
    page = client_for(staff).get(reverse("tracker:dashboard"))
    key = kept_key(world.institution, None, None)
    body = cache.get(f"{key}:body")
    assert body and f"{prefix}:1:{key}:body" in redis_keys(redis_url, prefix)
    seen = other_process(world.institution, "kept-only", redis_url, prefix)
    assert seen == {"done": done_figure(page), "body": hashlib.sha256(body.encode()).hexdigest()}
    finish(world.school_task, staff)
    assert other_process(world.institution, "build", redis_url, prefix)["done"] == done_figure(page) + 1


# --- Redis stopped ------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_pages_and_sign_in_still_answer_and_a_warning_is_logged(world, staff, settings, caplog,
                                                                                   builds):
    settings.CACHES = {"default": redis_cache(closed_port_url(), "stopped")}
    client = client_for(staff)
    url = reverse("tracker:dashboard")
    with caplog.at_level(logging.WARNING):
        assert client.get(url).status_code == 200
        assert client.get(url).status_code == 200
        assert len(builds) == 2  # nothing kept: built each time
        assert client_for(None).get(reverse("login")).status_code == 200
        for _ in range(3):  # the sign-in rate limit fails open: a wrong password is a form error, never a 429
            refused = client_for(None).post(reverse("login"), {"username": "staff", "password": "wrong"})
            assert refused.status_code == 200
        api = client_for(None)
        api.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_token(staff)[1]}"
        assert api.get(reverse("api:plan-list")).status_code == 200  # DRF's throttling too
    warnings = [record for record in caplog.records if record.name == "django_redis.cache"]
    assert warnings and all(record.levelno == logging.WARNING and not record.exc_info for record in warnings)
    assert "unreachable" in warnings[0].getMessage() and "Connection" in warnings[0].getMessage()
