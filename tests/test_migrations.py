"""The migrations themselves. The suite makes its tables straight from the models (`--no-migrations`, see
conftest.py), so this test runs every migration on an empty database of the engine the suite runs on (SQLite here,
PostgreSQL in CI's second run), as `make run` and a deployment do, and checks that the models need no new one."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "true"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture
def empty_database(tmp_path):
    """The address of an empty database on the suite's engine, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    params = connection.settings_dict
    name = f"youthwork_migrations_{uuid.uuid4().hex[:8]}"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        yield (f"postgres://{params['USER']}:{params['PASSWORD']}@{params['HOST'] or '127.0.0.1'}:"
               f"{params['PORT'] or 5432}/{name}")
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")


@pytest.mark.django_db
def test_every_migration_applies_to_an_empty_database_and_the_models_match(empty_database):
    migrated = manage("migrate", "--noinput", database_url=empty_database)
    assert migrated.returncode == 0, migrated.stderr
    on_disk = sorted(path.stem for path in (ROOT / "tracker" / "migrations").glob("0*.py"))
    assert on_disk and all(f"Applying tracker.{name}... OK" in migrated.stdout for name in on_disk), migrated.stdout
    # No model change without its migration (`makemigrations --check` also runs in .ci/run's deploy checks).
    check = manage("makemigrations", "--check", "--dry-run", database_url=empty_database)
    assert check.returncode == 0, check.stdout + check.stderr
