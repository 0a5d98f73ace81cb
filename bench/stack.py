"""The portal's distributed parts on loopback, for tests/multiserver and `make bench` (issue 18).

    with Stack(logs=Path("test-artifacts/multiserver")) as stack:   # database youthwork_multiserver
        stack.prepare_database(demo=True)   # a fresh database: its tables, seed_plans, seed_demo
        stack.start()                       # redis-server, two gunicorn servers, one Celery worker
        stack.urls                          # ["http://127.0.0.1:41234", "http://127.0.0.1:41235"]

What runs, each on a free port of 127.0.0.1 and each with its log in `logs`:

- **PostgreSQL**: not started here. The stack's database (`youthwork_multiserver` unless named) lives on the server
  DATABASE_URL names (else the loopback server `.ci/start-postgres` starts); it is dropped and made anew, never
  DATABASE_URL's own database (the test suite's); its tables are made from the models as the test suite makes
  them (`schema="migrations"` runs `migrate` instead);
- **Redis**: Debian's `/usr/bin/redis-server`, no persistence (no RDB, no AOF), so a restart starts empty;
- **two gunicorn servers** (`gunicorn youthwork.wsgi`, 2 sync workers each by default, the deployment's
  gunicorn.conf.py unless another is given) and **one Celery worker** (`celery -A youthwork worker --pool solo`), all
  with the same environment: REDIS_URL (the cache in its database 1, the queue's broker in database 0), one
  MEDIA_ROOT folder on local disk for all of them, mail written to files in one folder (EMAIL_URL=filemail://), the
  production profile (DJANGO_DEBUG unset) with a test-only key and loopback host names, plain http.

A server counts as up when `/healthz` answers 200; where the portal has no `/healthz` yet (404), when the sign-in
page answers 200. Everything started is stopped at the end (its own process group, by id), the logs are kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DEFAULT_SERVER = "postgres://youthwork:youthwork@127.0.0.1:5432/youthwork"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
TEST_SECRET = "multiserver-only-not-a-secret-8d2f4a6c0e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f"
# What the parent's environment may hold that must not leak into the stack's processes: the stack sets its own.
NOT_INHERITED = ("DJANGO_", "CACHE_URL", "CELERY_", "REDIS_URL", "EMAIL_URL", "DATABASE_URL", "GUNICORN_",
                 "PORTAL_BASE_URL", "OTP_ADMIN_REQUIRED", "DASHBOARD_CACHE_SECONDS")


def free_port() -> int:
    """A port nobody listens on now (asked of the system)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def database_urls(name: str) -> tuple[str, str]:
    """(the stack's database URL, the server's URL): database `name` on the server DATABASE_URL names (else the
    loopback default). Refuses a server that is not PostgreSQL and a `name` that is DATABASE_URL's own database."""
    server = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    parts = urlsplit(server)
    if not parts.scheme.startswith("postgres"):
        raise RuntimeError(f"the stack needs PostgreSQL (DATABASE_URL=postgres://…), not {parts.scheme}")
    if parts.path.lstrip("/") == name:
        raise RuntimeError(f"the stack's database {name} may not be DATABASE_URL's own database")
    return urlunsplit(parts._replace(path="/" + name)), server


def _libpq(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def reset_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_libpq(server), autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def postgres_reachable(server: str | None = None) -> str:
    """'' if the PostgreSQL server answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(_libpq(server or os.environ.get("DATABASE_URL") or DEFAULT_SERVER), connect_timeout=3):
            return ""
    except Exception as error:  # noqa: BLE001 - any reason is a reason to skip
        return f"PostgreSQL not reachable ({error.__class__.__name__}: {str(error).strip()[:200]})"


def missing() -> list[str]:
    """What the stack needs and this machine lacks (empty: it can start)."""
    lacking = []
    if not Path(REDIS_SERVER).exists():
        lacking.append("redis-server (apt-get install redis-server)")
    for program in ("gunicorn", "celery"):
        if not (BIN / program).exists():
            lacking.append(f"{program} in {BIN} (pip install -r requirements.txt)")
    reason = postgres_reachable()
    if reason:
        lacking.append(reason)
    return lacking


def http_get(base: str, path: str, timeout: float = 10) -> tuple[int, bytes]:
    parts = urlsplit(base)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Process:
    """One program of the stack: started in its own process group, its output in `log`; stopped by that id."""

    def __init__(self, name: str, argv: list[str], env: dict, log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "a", encoding="utf-8") as log:
            log.write(f"\n=== {time.strftime('%H:%M:%S')} start: {' '.join(self.argv)}\n")
            log.flush()
            self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the program's own process group (gunicorn's workers with it), SIGKILL after `timeout`."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # anything of that group left behind
        self.process = None

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def failed(self, why: str) -> RuntimeError:
        return RuntimeError(f"{self.name}: {why}; its log ({self.log}) ends:\n{self.tail()}")


class Stack:
    """PostgreSQL's database, Redis, `servers` gunicorn servers and (if `worker`) one Celery worker on loopback."""

    def __init__(self, *, logs: Path, database: str = "youthwork_multiserver", database_url: str | None = None,
                 servers: int = 2, gunicorn_workers: int = 2, worker: bool = True,
                 settings: str = "youthwork.settings", gunicorn_config: Path | None = None,
                 env: dict | None = None) -> None:
        """`database` on DATABASE_URL's server, made by prepare_database(); or `database_url`, a database made
        already (the benchmark's), which prepare_database() refuses to touch."""
        self.logs = logs
        if database_url:
            self.database_url, self.server_url = database_url, None
            self.database = urlsplit(database_url).path.lstrip("/")
        else:
            self.database_url, self.server_url = database_urls(database)
            self.database = database
        self.servers, self.gunicorn_workers, self.with_worker = servers, gunicorn_workers, worker
        self.gunicorn_config = gunicorn_config or ROOT / "gunicorn.conf.py"
        self.folder = Path(tempfile.mkdtemp(prefix="youthwork-stack-"))
        self.media, self.mail, self.static = self.folder / "media", self.folder / "mail", self.folder / "static"
        for folder in (self.media, self.mail, self.static, self.folder / "redis"):
            folder.mkdir()
        self.redis_port = free_port()
        self.ports = [free_port() for _ in range(servers)]
        self.urls = [f"http://{HOST}:{port}" for port in self.ports]
        self.redis_url = f"redis://{HOST}:{self.redis_port}"
        self.env = self._environment(settings, env or {})
        self.redis: Process | None = None
        self.gunicorns: list[Process] = []
        self.worker: Process | None = None

    # --- the environment every process of the stack shares ------------------------------------------------

    def _environment(self, settings: str, extra: dict) -> dict:
        env = {name: value for name, value in os.environ.items() if not name.startswith(NOT_INHERITED)}
        env.update({
            "DJANGO_SETTINGS_MODULE": settings,
            # The production profile (DJANGO_DEBUG unset), with what a test on loopback needs: a key, the host
            # names, plain http (no redirect to https, cookies without Secure, no HSTS).
            "DJANGO_SECRET_KEY": TEST_SECRET,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_HSTS_SECONDS": "0",
            # Static files from the source folders through whitenoise's finders (no collectstatic); STATIC_ROOT
            # named anyway, apart from the media folder.
            "DJANGO_STATIC_COLLECTED": "false",
            "DJANGO_STATIC_ROOT": str(self.static),
            "DJANGO_MEDIA_ROOT": str(self.media),  # one folder on local disk for every server and the worker
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,  # the cache in database 1, the broker in database 0 (settings.py)
            "EMAIL_URL": f"filemail:///{self.mail}",  # filemail:////abs/path: an absolute folder
            "PORTAL_BASE_URL": self.urls[0] if self.urls else "http://127.0.0.1",
            "OTP_ADMIN_REQUIRED": "false",  # the demo's administrator signs in without a second factor
            "DJANGO_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        })
        env.setdefault("PGOPTIONS", "-c synchronous_commit=off")  # a throwaway database
        env.update(extra)
        return env

    # --- the database ----------------------------------------------------------------------------------------

    def python(self, *args: str, timeout: float = 900) -> None:
        """`python args` with the stack's environment, from the project folder; output to logs/manage.log."""
        self.logs.mkdir(parents=True, exist_ok=True)
        with open(self.logs / "manage.log", "a", encoding="utf-8") as log:
            log.write(f"\n=== {time.strftime('%H:%M:%S')} python {' '.join(args)}\n")
            log.flush()
            result = subprocess.run([sys.executable, *args], cwd=ROOT, env=self.env, stdout=log,
                                    stderr=subprocess.STDOUT, timeout=timeout, check=False)
        if result.returncode:
            raise RuntimeError(f"python {' '.join(args)} failed ({result.returncode}); see {self.logs}/manage.log")

    def manage(self, *args: str, timeout: float = 900) -> None:
        """manage.py with the stack's environment; its output appended to logs/manage.log; raises if it fails."""
        self.python(str(ROOT / "manage.py"), *args, timeout=timeout)

    def prepare_database(self, *, demo: bool = True, schema: str = "models") -> dict[str, float]:
        """Drop and make the stack's database, make its tables and (with `demo`) load the seed plans and the demo.
        Returns the seconds each step took.

        `schema="models"` makes the tables from the models and records every migration as applied, as the test
        suite does (`--no-migrations`): seconds where the migrations take half a minute, and the same tables, since
        CI's `makemigrations --check` holds the migrations to the models. `schema="migrations"` runs `migrate`."""
        if self.server_url is None:
            raise RuntimeError("this stack was given its database: it does not make one")
        times = {}
        started = time.perf_counter()
        reset_database(self.server_url, self.database)
        if schema == "migrations":
            self.manage("migrate", "--noinput", "-v", "0")
        else:
            self.python("-m", "bench.stack", "tables")
        times["tables_s"] = round(time.perf_counter() - started, 1)
        if demo:
            started = time.perf_counter()
            self.manage("seed_plans")
            self.manage("seed_demo", "--force")  # the production profile: the demo's known password, on purpose
            times["seed_s"] = round(time.perf_counter() - started, 1)
        return times

    def sql(self, query: str, params: Iterable = ()) -> list[tuple]:
        """Rows of a query on the stack's database (for a test to look at what the servers wrote)."""
        import psycopg

        with psycopg.connect(_libpq(self.database_url), autocommit=True) as connection:
            cursor = connection.execute(query, tuple(params))
            return cursor.fetchall() if cursor.description else []

    def queue(self, name: str, **kwargs) -> str:
        """Queue the task `name` with `kwargs` as the portal would, through its own Celery app and settings
        (`celery -A youthwork call`, the stack's broker); returns the task's id. Nothing runs it but a worker."""
        result = subprocess.run([str(BIN / "celery"), "-A", "youthwork", "call", name, "--kwargs", json.dumps(kwargs)],
                                cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode:
            raise RuntimeError(f"celery call {name} failed: {result.stdout}{result.stderr}")
        return result.stdout.strip().splitlines()[-1]

    def mails(self) -> list[str]:
        """The mail the stack's processes sent (EMAIL_URL=filemail://): each file's text, oldest first."""
        files = sorted(self.mail.glob("*.log"), key=lambda path: path.stat().st_mtime)
        return [path.read_text(encoding="utf-8", errors="replace") for path in files]

    def redis_client(self, db: int):
        import redis

        return redis.Redis(host=HOST, port=self.redis_port, db=db, socket_timeout=5)

    # --- the programs ---------------------------------------------------------------------------------------

    def start(self) -> Stack:
        try:
            self.start_redis()
            for index, port in enumerate(self.ports):
                argv = [str(BIN / "gunicorn"), "--config", str(self.gunicorn_config), "--bind", f"{HOST}:{port}",
                        "--workers", str(self.gunicorn_workers), "youthwork.wsgi:application"]
                self.gunicorns.append(Process(f"gunicorn {'ABCDEFGH'[index]}", argv, self.env,
                                              self.logs / f"gunicorn-{'abcdefgh'[index]}.log"))
            for server in self.gunicorns:
                server.start()
            if self.with_worker:
                self.start_worker()
            for server, url in zip(self.gunicorns, self.urls, strict=True):
                self.wait_for_server(server, url)
        except BaseException:
            self.stop()
            raise
        return self

    def start_redis(self) -> None:
        argv = [REDIS_SERVER, "--port", str(self.redis_port), "--bind", HOST, "--save", "", "--appendonly", "no",
                "--dir", str(self.folder / "redis"), "--daemonize", "no", "--protected-mode", "yes"]
        self.redis = Process("redis-server", argv, self.env, self.logs / "redis.log")
        self.redis.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if not self.redis.running:
                raise self.redis.failed("stopped at start")
            with contextlib.suppress(Exception):
                if self.redis_client(0).ping():
                    return
            time.sleep(0.1)
        raise self.redis.failed("did not answer PING within 20 s")

    def stop_redis(self) -> None:
        if self.redis:
            self.redis.stop()

    def start_worker(self, timeout: float = 60) -> None:
        argv = [str(BIN / "celery"), "-A", "youthwork", "worker", "--pool", "solo", "--loglevel", "INFO",
                "--hostname", f"stack-{self.redis_port}@%h", "--without-gossip", "--without-mingle",
                "--without-heartbeat"]
        self.worker = Process("celery worker", argv, self.env, self.logs / "worker.log")
        start = self.worker.log.stat().st_size if self.worker.log.exists() else 0
        self.worker.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.worker.running:
                raise self.worker.failed("stopped at start")
            with open(self.worker.log, encoding="utf-8", errors="replace") as log:
                log.seek(start)
                if " ready." in log.read():
                    return
            time.sleep(0.2)
        raise self.worker.failed(f"not ready within {timeout:g} s")

    def stop_worker(self) -> None:
        if self.worker:
            self.worker.stop(timeout=30)  # a warm shutdown finishes the task at hand

    @staticmethod
    def wait_for_server(server: Process, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if not server.running:
                raise server.failed("stopped at start")
            try:
                status, _body = http_get(url, "/healthz")
                if status == 200:
                    return
                if status == 404:  # a portal without /healthz: the sign-in page
                    status, _body = http_get(url, "/accounts/login/")
                    if status == 200:
                        return
                last = f"answered {status}"
            except OSError as error:
                last = str(error)
            time.sleep(0.2)
        raise server.failed(f"not up within {timeout:g} s ({last})")

    def stop(self) -> None:
        for process in [self.worker, *self.gunicorns, self.redis]:
            if process is not None:
                process.stop()
        self.gunicorns = []

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def tables_from_models() -> None:
    """The database's tables made from the models (no migration run), every migration on disk recorded as applied:
    what the test suite's `--no-migrations` does (tests/conftest.py). Run as `python -m bench.stack tables` with
    DJANGO_SETTINGS_MODULE and DATABASE_URL set."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder
    from django.test.utils import override_settings

    class NoMigrations(dict):
        def __contains__(self, app_label) -> bool:
            return True

        def __getitem__(self, app_label) -> None:
            return None

    with override_settings(MIGRATION_MODULES=NoMigrations()):
        call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    applied = recorder.applied_migrations()
    for key in sorted(MigrationLoader(connection, ignore_no_migrations=True).disk_migrations):
        if key not in applied:
            recorder.record_applied(*key)


if __name__ == "__main__":
    if sys.argv[1:] != ["tables"]:
        sys.exit("usage: python -m bench.stack tables")
    tables_from_models()
