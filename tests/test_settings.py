"""The settings module: production refuses to start unconfigured; SQLite is set up for several users."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

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


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai"
    assert ("en", "English") in settings.LANGUAGES


def test_sqlite_is_configured_for_concurrent_users():
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        assert database["CONN_MAX_AGE"] > 0 and database["CONN_HEALTH_CHECKS"]
        return
    options = database["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def test_an_unconfigured_checkout_runs_manage_py_in_development_but_the_wsgi_server_refuses():
    assert run_check().returncode == 0  # a developer's fresh clone: `manage.py check` works
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    served = subprocess.run([sys.executable, "-c", "import youthwork.wsgi"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=60)
    assert served.returncode != 0 and "DJANGO_SECRET_KEY" in served.stderr
