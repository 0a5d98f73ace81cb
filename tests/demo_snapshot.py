"""The demo (`seed_plans` + `seed_demo`), seeded once per test process and copied into a test's database on demand.

Seeding takes seconds; about twenty test modules read the demo. So the first test that asks for it seeds it into the
test database, the rows of every table are copied aside, and the database is emptied again. `load()` then copies
the rows back, with plain `INSERT … SELECT`, inside whatever transaction is open: a test under `db` sees the demo and
its changes are rolled back with the test, a test under `transactional_db` (the browser tests) has them flushed.

Where the copy lives: SQLite, a database file attached to the test connection (`ATTACH`); PostgreSQL, a schema of
the test database. The copy is taken after migrations, so it has the same tables and columns in the same order.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import override_settings

SCHEMA = "demo_snapshot"
SKIPPED = {"django_migrations", "sqlite_sequence"}


class Snapshot:
    def __init__(self, media: Path, folder: Path):
        self.media = media
        self.folder = folder
        self.tables: list[str] = []

    # --- Taking it, once per process ------------------------------------------------------------------

    def take(self) -> None:
        """Seed the demo into the (empty, committed) test database, copy its rows aside, empty the database."""
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            MEDIA_ROOT=self.media,
        ):
            call_command("seed_plans", verbosity=0)
            call_command("seed_demo", force=True, verbosity=0)
        self.tables = [name for name in connection.introspection.table_names() if name not in SKIPPED]
        if connection.vendor == "sqlite":
            self._take_sqlite()
        else:
            self._take_postgresql()
        call_command("flush", interactive=False, verbosity=0)
        _clear_caches()

    def _take_sqlite(self) -> None:
        path = self.folder / "demo.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)  # the whole database, schema and rows, as it is committed
        finally:
            target.close()
        self._attach()

    def _attach(self) -> None:
        """Attach the copy to the test connection, unless it is already (a new connection has lost it)."""
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA database_list")
            if SCHEMA not in {row[1] for row in cursor.fetchall()}:
                cursor.execute(f"ATTACH DATABASE %s AS {SCHEMA}", [str(self.folder / "demo.sqlite3")])

    def _take_postgresql(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {SCHEMA}")
            for table in self.tables:
                cursor.execute(f"CREATE TABLE {SCHEMA}.{quote(table)} AS TABLE public.{quote(table)}")

    # --- Loading it, per test -------------------------------------------------------------------------

    def load(self) -> None:
        """Replace every row of the test database with the demo's, in the transaction now open."""
        quote = connection.ops.quote_name
        main = "main" if connection.vendor == "sqlite" else "public"
        if connection.vendor == "sqlite":
            self._attach()
        # Foreign keys: off while the rows are replaced where a test commits (SQLite's count of deferred violations
        # does not come back to zero after the deletes and inserts, though none is left), then checked; under `db`
        # they are deferred to a commit that never comes.
        with connection.constraint_checks_disabled(), transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in self.tables:  # only content types and permissions are not empty here
                cursor.execute(f"DELETE FROM {main}.{quote(table)}")
            for table in self.tables:
                cursor.execute(f"INSERT INTO {main}.{quote(table)} SELECT * FROM {SCHEMA}.{quote(table)}")
            if connection.vendor == "postgresql":
                for statement in connection.ops.sequence_reset_sql(no_style(), _models()):
                    cursor.execute(statement)
        connection.check_constraints()
        _clear_caches()


def _models() -> list:
    from django.apps import apps

    return list(apps.get_models(include_auto_created=True))


def _clear_caches() -> None:
    """Content types and the site are cached by id; the ids are the demo's now (or gone)."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
