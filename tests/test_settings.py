"""The settings module: production refuses to start unconfigured; the portal speaks Chinese on China's clock; the
database is shared by several users at once (SQLite: WAL, write lock up front, a busy timeout; PostgreSQL: connections
kept and health-checked)."""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from youthwork import settings as project_settings

from .conftest import client_for
from .factories import TaskUpdateFactory

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_production_refuses_to_start_without_secret_key_or_hosts():
    missing_key = run_check(DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="portal.example.edu.cn")
    assert missing_key.returncode != 0 and "DJANGO_SECRET_KEY" in missing_key.stderr
    missing_hosts = run_check(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50)
    assert missing_hosts.returncode != 0 and "DJANGO_ALLOWED_HOSTS" in missing_hosts.stderr
    configured = run_check(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50,
                           DJANGO_ALLOWED_HOSTS="portal.example.edu.cn")
    assert configured.returncode == 0, configured.stderr


@pytest.mark.django_db
def test_the_portal_speaks_chinese_whatever_the_browser_asks_until_english_is_chosen(client, settings):
    settings.LANGUAGE_CODE = project_settings.LANGUAGE_CODE  # tests/conftest.py sets Chinese; here the portal's own
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert '<html lang="zh-hans">' in html and "<h1>登录</h1>" in html
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in html and "<h1>Sign in</h1>" in html


def test_times_and_today_are_those_of_china(world, staff):
    """An update recorded at 00:30 UTC reads 08:30; at 16:30 UTC on New Year's Eve it is already the new year."""
    with time_machine.travel(dt.datetime(2021, 10, 1, 0, 30, tzinfo=dt.UTC), tick=False):
        TaskUpdateFactory(task=world.school_task)
    client = client_for(staff)
    task_page = client.get(reverse("tracker:task-detail", args=[world.school_task.pk])).content.decode()
    assert "2021-10-01 08:30" in task_page and "00:30" not in task_page
    with time_machine.travel(dt.datetime(2021, 12, 31, 16, 30, tzinfo=dt.UTC), tick=False):
        dashboard = client.get(reverse("tracker:dashboard")).content.decode()
    as_of = dashboard[dashboard.index('<p class="as-of">'):][:300]
    assert "2022-01-01" in as_of and "2021-12-31" not in as_of


# Run in a fresh interpreter on a database file of its own: the test database is SQLite in memory.
SQLITE_CONTENTION = """
import json, sqlite3, sys, threading, time
import django
django.setup()
from django.db import connection, transaction

path = sys.argv[1]
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE note (text TEXT)")
seen = {}

# A reader in the middle of a long page does not stop a writer saving, and keeps reading what it started with.
reader = sqlite3.connect(path, timeout=0, isolation_level=None)
reader.execute("BEGIN")
reader.execute("SELECT count(*) FROM note").fetchall()
started = time.monotonic()
try:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO note VALUES ('saved while someone reads')")
    seen["saved_while_read"] = time.monotonic() - started < 2
except Exception as error:
    seen["saved_while_read"] = repr(error)
seen["reader_still_sees"] = reader.execute("SELECT count(*) FROM note").fetchone()[0]
reader.execute("COMMIT")
seen["reader_then_sees"] = reader.execute("SELECT count(*) FROM note").fetchone()[0]

# A transaction takes the write lock when it starts, before it has written anything.
other = sqlite3.connect(path, timeout=0, isolation_level=None)
with transaction.atomic():
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        seen["locked_from_the_start"] = False
    except sqlite3.OperationalError as error:
        seen["locked_from_the_start"] = "locked" in str(error)

# A writer that finds the database busy waits for it (here 1.5 s) instead of failing.
holder = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
holder.execute("BEGIN IMMEDIATE")
holder.execute("INSERT INTO note VALUES ('the other writer')")
threading.Timer(1.5, lambda: holder.execute("COMMIT")).start()
started = time.monotonic()
try:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO note VALUES ('after waiting')")
    seen["waited"] = round(time.monotonic() - started, 1)
except Exception as error:
    seen["waited"] = repr(error)
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM note")
    seen["notes"] = cursor.fetchone()[0]
print(json.dumps(seen))
"""


def test_sqlite_lets_readers_and_writers_share_the_database(tmp_path):
    """WAL (a reader does not block a writer), BEGIN IMMEDIATE (the write lock is taken up front, so two
    read-then-write transactions cannot deadlock), and a busy timeout (a writer waits instead of failing)."""
    path = tmp_path / "db.sqlite3"
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    done = subprocess.run([sys.executable, "-c", SQLITE_CONTENTION, str(path)], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["saved_while_read"] is True
    assert seen["reader_still_sees"] == 0 and seen["reader_then_sees"] == 1
    assert seen["locked_from_the_start"] is True
    assert isinstance(seen["waited"], float) and 1.2 <= seen["waited"] < 5, seen["waited"]
    assert seen["notes"] == 3


POSTGRESQL_CONNECTIONS = """
import json, time
import django
django.setup()
from django.core.signals import request_finished, request_started
from django.db import connection, connections

def backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]

def request() -> int:
    request_started.send(sender=None)
    try:
        return backend()
    finally:
        request_finished.send(sender=None)

seen = {"first": request()}
seen["second"] = request()  # kept between requests
killer = connections.create_connection("default")
with killer.cursor() as cursor:
    cursor.execute("SELECT pg_terminate_backend(%s)", [seen["second"]])
    for _ in range(50):  # until the server has ended it
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [seen["second"]])
        if not cursor.fetchone()[0]:
            break
        time.sleep(0.1)
killer.close()
try:
    seen["after_the_server_dropped_it"] = request()  # a dead connection is noticed and replaced
except Exception as error:
    seen["after_the_server_dropped_it"] = repr(error)
print(json.dumps(seen))
"""


@pytest.mark.django_db
def test_postgresql_connections_are_kept_between_requests_and_replaced_once_dead():
    if connection.vendor != "postgresql":
        pytest.skip("the suite runs on SQLite (DATABASE_URL names PostgreSQL on CI's second run)")
    done = subprocess.run([sys.executable, "-c", POSTGRESQL_CONNECTIONS], cwd=ROOT, env=os.environ,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["second"] == seen["first"]
    assert isinstance(seen["after_the_server_dropped_it"], int), seen["after_the_server_dropped_it"]
    assert seen["after_the_server_dropped_it"] != seen["second"]


def test_an_unconfigured_checkout_runs_manage_py_in_development_but_the_wsgi_server_refuses():
    assert run_check().returncode == 0  # a developer's fresh clone: `manage.py check` works
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    served = subprocess.run([sys.executable, "-c", "import youthwork.wsgi"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=60)
    assert served.returncode != 0 and "DJANGO_SECRET_KEY" in served.stderr


CACHE_COUNT = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "youthwork.settings")
django.setup()
from django.core.cache import cache
cache.add("signin-attempts", 0)
print(cache.incr("signin-attempts"))
"""


def count_in_a_new_process(**env: str) -> int:
    environment = {key: value for key, value in os.environ.items() if key != "CACHE_URL"}
    environment.update(DJANGO_DEBUG="true", **env)
    done = subprocess.run([sys.executable, "-c", CACHE_COUNT], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip())


def test_a_shared_cache_counts_once_for_every_process_and_the_default_counts_each_alone(tmp_path):
    """What the rate limits rely on (docs/deploy.md § 11): with CACHE_URL set, a count made by one worker process
    is seen by the next; with the development default (memory), each process starts from nothing."""
    shared = f"filecache://{tmp_path / 'cache'}"
    assert [count_in_a_new_process(CACHE_URL=shared) for _ in range(3)] == [1, 2, 3]
    assert [count_in_a_new_process() for _ in range(2)] == [1, 1]
