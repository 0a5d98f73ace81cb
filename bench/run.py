"""`make bench`: the portal's speed at one university, at ten and at a province's 160, beside the stack's ceiling.

    .venv/bin/python bench/run.py                 # what `make bench` runs: the whole benchmark (≈ 15 minutes)
    .venv/bin/python bench/run.py profile dashboard [--requests 20]   # cProfile of one page on the bench database

The run, in order (docs/benchmarks.md explains every figure):

1. a fresh PostgreSQL database `youthwork_bench` (BENCH_DATABASE, on the server DATABASE_URL names, else the
   loopback server `.ci/start-postgres` starts), migrated, static files collected (bench/settings.py);
2. scale 1 generated (`manage.py bench_generate --scale 1`), then every page and export measured in process with
   Django's test Client, signed in as university 1's committee staff: queries per request, median time of N
   requests;
3. under load: gunicorn on 127.0.0.1 (2 sync workers, bench.settings), wrk (or, without wrk, a Python client)
   for BENCH_SECONDS (10) per page with the session cookie of that same user, then the bare page of the same size
   (bench/urls.py) for as long, one after the other: requests per second, p50 and p99 latency, ratio page / bare;
4. scale 10 generated (universities 2-10 added), every page measured in process again: the query counts must not
   change;
5. the province (issue 18): 160 universities (11-160 lighter, bench/benchdata.py LIGHT); university 1's dashboard
   and the administrator's dashboard of university 10 in process, then under load through one and through two
   gunicorn servers with Redis as their cache (bench/stack.py), at 8 and 32 connections, each beside its bare page
   (--no-province skips it; --only province runs it alone);
6. bench/results.json written (the previous one compared first), and the tables in docs/benchmarks.md refreshed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results.json"
DOC = ROOT / "docs" / "benchmarks.md"
LOG_DIR = ROOT / "var" / "bench"
DEFAULT_SERVER = "postgres://youthwork:youthwork@127.0.0.1:5432/youthwork"
HOST = "127.0.0.1"


def _free_port() -> int:
    """BENCH_PORT, else a port nobody listens on (asked of the system, so a server already running is never hit)."""
    if os.environ.get("BENCH_PORT"):
        return int(os.environ["BENCH_PORT"])
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


PORT = _free_port()
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
PAGE_REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20"))
EXPORT_REQUESTS = int(os.environ.get("BENCH_EXPORT_REQUESTS", "5"))
LOAD_AVERAGE: dict[str, list[float]] = {}  # the machine's 1, 5, 15-minute load: other work skews the figures
TABLE_START, TABLE_END = "<!-- bench:table:start -->", "<!-- bench:table:end -->"
RUN_START, RUN_END = "<!-- bench:run:start -->", "<!-- bench:run:end -->"
PROVINCE_START, PROVINCE_END = "<!-- bench:province:start -->", "<!-- bench:province:end -->"
PROVINCE_RUN_START, PROVINCE_RUN_END = "<!-- bench:province-run:start -->", "<!-- bench:province-run:end -->"


def say(message: str) -> None:
    print(message, flush=True)


# --- The database ------------------------------------------------------------------------------------


def bench_database_url() -> tuple[str, str, str]:
    """(bench database URL, server URL, bench database name): the bench database lives on the server DATABASE_URL
    names (else the loopback default) but is never DATABASE_URL's own database."""
    server = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    parts = urlsplit(server)
    if not parts.scheme.startswith("postgres"):
        sys.exit("bench: the benchmark needs PostgreSQL (DATABASE_URL=postgres://…), not " + parts.scheme)
    name = os.environ.get("BENCH_DATABASE", "youthwork_bench")
    return urlunsplit(parts._replace(path="/" + name)), server, name


def reset_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server.replace("postgres://", "postgresql://", 1), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def manage(*args: str) -> float:
    """Run manage.py under the bench settings; return its wall time."""
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)
    return time.perf_counter() - started


def setup_django() -> None:
    import django

    django.setup()


# --- What is measured --------------------------------------------------------------------------------


@dataclass
class Target:
    name: str  # the URL name without the namespace
    label: str
    url: str
    export: bool = False


ONLY: set[str] = set()  # --only: measure these pages alone (while working on them)


def targets() -> list[Target]:
    """University 1's pages and exports, for its committee staff (those --only names, if given)."""
    return [target for target in all_targets() if not ONLY or target.name in ONLY]


def all_targets() -> list[Target]:
    from django.urls import reverse

    from bench.benchdata import code_for
    from tracker.assessments.models.assessments import Assessment, AssessmentRound
    from tracker.org.models import Institution, OrgUnit
    from tracker.plans.models import Plan, Task

    institution = Institution.objects.get(code=code_for(1))
    plan = Plan.objects.filter(institution=institution).order_by("id").first()
    task = (Task.objects.filter(stage__phase__plan=plan, number="15").first()
            or Task.objects.filter(stage__phase__plan=plan).order_by("id").first())
    assessment_round = AssessmentRound.objects.filter(institution=institution).order_by("id").first()
    college = OrgUnit.objects.filter(institution=institution, kind=OrgUnit.Kind.COLLEGE).order_by("order").first()
    assessment = Assessment.objects.filter(round=assessment_round, unit=college).first()

    def url(name: str, *args) -> str:
        return reverse(f"tracker:{name}", args=args)

    return [
        Target("plan-detail", "plan (推进表, 23 tasks)", url("plan-detail", plan.pk)),
        Target("task-detail", "task (10 updates, history)", url("task-detail", task.pk)),
        Target("volunteer-list", "roster (3,000 volunteers, page 1)", url("volunteer-list")),
        Target("quota-list", "quotas (11, 30 colleges)", url("quota-list")),
        Target("round-board", "filing board (30 × 28)", url("round-board", assessment_round.pk)),
        Target("assessment-detail", "assessment (28 items)", url("assessment-detail", assessment.pk)),
        Target("dashboard", "dashboard", url("dashboard")),
        Target("dashboard-college", "college page", url("dashboard-college", college.pk)),
        Target("plan-export", "task table xlsx", url("plan-export", plan.pk), export=True),
        Target("roster-export", "roster xlsx (3,000)", url("roster-export"), export=True),
        Target("dashboard-export", "dashboard xlsx", url("dashboard-export"), export=True),
        Target("annual-report", "annual report docx", url("annual-report"), export=True),
        Target("review-file", "review file docx", url("review-file"), export=True),
        Target("activity-export", "ledger xlsx (5,000)", url("activity-export"), export=True),
        # The JSON API beside the pages it answers for (docs/api.md), signed in the same way.
        Target("api-plan", "API: plan with its tasks (JSON)", reverse("api:plan-detail", args=[plan.pk]),
               export=True),
        Target("api-tasks", "API: tasks, page 1 (JSON)", reverse("api:task-list"), export=True),
        Target("api-dashboard", "API: dashboard figures (JSON)", reverse("api:dashboard"), export=True),
    ]


def bench_user():
    from django.contrib.auth import get_user_model

    from bench.benchdata import code_for

    return get_user_model().objects.get(username=f"{code_for(1)}_staff")


class TableShape(HTMLParser):
    """The page's main table: the one with the most cells (rows, cells)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[list[int]] = []
        self.tables: list[tuple[int, int]] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "table":
            self.stack.append([0, 0])
        elif self.stack and tag == "tr":
            self.stack[-1][0] += 1
        elif self.stack and tag in ("td", "th"):
            self.stack[-1][1] += 1

    def handle_endtag(self, tag) -> None:
        if tag == "table" and self.stack:
            self.tables.append(tuple(self.stack.pop()))

    @classmethod
    def of(cls, html: str) -> tuple[int, int]:
        parser = cls()
        parser.feed(html)
        rows, cells = max(parser.tables, key=lambda t: t[1], default=(1, 1))
        rows = max(rows, 1)
        return rows, max(1, round(cells / rows))


@dataclass
class InProcess:
    status: int
    queries: int  # the first request (nothing kept yet)
    queries_again: int  # the same request again (the dashboard's kept build reused)
    median_ms: float
    requests: int
    bytes: int
    rows: int = 0
    cols: int = 0
    bare_ms: float | None = None  # the bare page of the same size, timed alternately with the page


def measure_in_process(target: Target, client) -> InProcess:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tracker.reporting.dashboard import clear_kept

    clear_kept()  # the first request builds what the dashboard keeps: its queries are the page's real shape
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target.url)
    content = response.content
    if response.status_code != 200:
        raise SystemExit(f"bench: {target.url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as again:
        client.get(target.url)
    result = InProcess(response.status_code, len(captured), len(again), 0.0, 0, len(content))
    if not target.export:
        result.rows, result.cols = TableShape.of(content.decode())
    # The page and its bare page alternately, so that whatever else the machine does weighs on both alike.
    times, bare_times = [], []
    bare = None if target.export else bare_url(result)
    count = EXPORT_REQUESTS if target.export else PAGE_REQUESTS
    for _ in range(count):
        started = time.perf_counter()
        client.get(target.url)
        times.append((time.perf_counter() - started) * 1000)
        if bare:
            started = time.perf_counter()
            client.get(bare)
            bare_times.append((time.perf_counter() - started) * 1000)
    result.median_ms = round(statistics.median(times), 1)
    result.bare_ms = round(statistics.median(bare_times), 1) if bare_times else None
    result.requests = count
    return result


def signed_in_client():
    from django.test import Client

    client = Client()
    client.force_login(bench_user())
    return client


def in_process(scale: int) -> dict[str, InProcess]:
    client = signed_in_client()
    results = {}
    for target in targets():
        results[target.name] = measure_in_process(target, client)
        r = results[target.name]
        say(f"  s{scale} {target.name:<18} {r.queries:>3} queries ({r.queries_again:>2} again)  "
            f"median {r.median_ms:>8.1f} ms  {r.bytes:>9} bytes"
            + (f"  main table {r.rows}×{r.cols}, bare {r.bare_ms} ms" if r.rows else ""))
    return results


# --- Under load ---------------------------------------------------------------------------------------


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    client_cpu: float  # the load client's CPU time ÷ wall time (share of one core)


WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    return float(match.group(1)) * WRK_UNITS[match.group(2)] if match else float("nan")


def load_wrk(url: str, cookie: str, seconds: float) -> Load:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    output = subprocess.run(
        ["wrk", "-t", str(min(2, CONNECTIONS)), "-c", str(CONNECTIONS), "-d", f"{seconds:g}s", "--latency",
         "--timeout", "60s", "-H", f"Cookie: {cookie}", f"http://{HOST}:{PORT}{url}"],
        check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _wrk_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _wrk_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += int(socket_errors.group(1)) + int(socket_errors.group(4))
    return Load(round(rps, 1), round(p50, 1), round(p99, 1), total, errors, round(cpu / wall, 2))


def load_python(url: str, cookie: str, seconds: float) -> Load:
    """The fallback client: CONNECTIONS threads, each a loop of GETs over http.client (gunicorn's sync workers
    close the connection after each response). Its own CPU share is reported: beside a fast page it is the
    bottleneck, which is why wrk is preferred."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker() -> None:
        mine, bad = [], 0
        while time.perf_counter() < stop:
            started = time.perf_counter()
            connection = HTTPConnection(HOST, PORT, timeout=60)
            try:
                connection.request("GET", url, headers={"Cookie": cookie})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except OSError:
                bad += 1
            finally:
                connection.close()
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    before = time.process_time()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu = time.process_time() - before
    latencies.sort()

    def pct(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] if latencies else float("nan")

    return Load(round(len(latencies) / wall, 1), round(pct(0.5), 1), round(pct(0.99), 1), len(latencies),
                errors[0], round(cpu / wall, 2))


def get(url: str, cookie: str) -> tuple[int, str, bytes]:
    connection = HTTPConnection(HOST, PORT, timeout=120)
    try:
        connection.request("GET", url, headers={"Cookie": cookie})
        response = connection.getresponse()
        return response.status, response.getheader("Server", ""), response.read()
    finally:
        connection.close()


class Gunicorn:
    """gunicorn on 127.0.0.1 with the bench settings and bench/gunicorn.conf.py: 2 sync workers, no access log."""

    def __enter__(self) -> Gunicorn:
        with socket.socket() as probe:
            if probe.connect_ex((HOST, PORT)) == 0:
                raise SystemExit(f"bench: something already listens on {HOST}:{PORT}; set BENCH_PORT to a free port")
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log = open(LOG_DIR / "gunicorn.log", "w")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--config", str(ROOT / "bench" / "gunicorn.conf.py"),
             "--bind", f"{HOST}:{PORT}", "--workers", str(WORKERS), "youthwork.wsgi:application"],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: gunicorn stopped; see {LOG_DIR / 'gunicorn.log'}")
            with socket.socket() as probe:
                if probe.connect_ex((HOST, PORT)) == 0:
                    return self
            time.sleep(0.2)
        raise SystemExit("bench: gunicorn did not start within 30 s")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def bare_url(shape: InProcess) -> str:
    return f"/bench/bare/?rows={shape.rows}&cols={shape.cols}&bytes={shape.bytes}"


def under_load(measured: dict[str, InProcess]) -> tuple[dict[str, Load], dict[str, Load], str]:
    from django.conf import settings

    client = signed_in_client()  # a real session row in the database; its cookie goes with every request
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    tool = "wrk" if shutil.which("wrk") else "python"
    run = load_wrk if tool == "wrk" else load_python
    pages, bares = {}, {}
    LOAD_AVERAGE["before_load_test"] = [round(x, 2) for x in os.getloadavg()]
    with Gunicorn():
        for target in targets():
            shape = measured[target.name]
            urls = [("page", target.url)] + ([] if target.export else [("bare", bare_url(shape))])
            for kind, url in urls:
                for _ in range(2 if target.export else 4):  # warm both workers; check the session works
                    status, server, _body = get(url, cookie)
                    if status != 200 or not server.startswith("gunicorn"):
                        raise SystemExit(f"bench: {url} answered {status} from {server!r}, not 200 from gunicorn")
                result = run(url, cookie, SECONDS)
                (pages if kind == "page" else bares)[target.name] = result
                say(f"  load {target.name:<18} {kind:<4} {result.rps:>8.1f} req/s  p50 {result.p50_ms:>8.1f} ms  "
                    f"p99 {result.p99_ms:>8.1f} ms  ({result.requests} requests, {result.errors} errors, "
                    f"client {result.client_cpu:.2f} core)")
    LOAD_AVERAGE["after_load_test"] = [round(x, 2) for x in os.getloadavg()]
    return pages, bares, tool


# --- The province: 160 universities, one and two app servers with Redis (issue 18) -------------------------
#
# The data grows to 160 universities (10 full, 11-160 LIGHT: bench/benchdata.py). Two gunicorn servers (each
# BENCH_WORKERS sync workers, bench/gunicorn.conf.py) and Redis start on loopback (bench/stack.py), Redis as the
# cache of both (REDIS_URL). There is no load balancer: "one server" is wrk with all the connections against server
# A (B idle); "two servers" is two wrk processes at once, half the connections each, against A and B. Their requests
# per second add up; their latencies are merged from each process's distribution (bench/latency.lua prints it as
# quantiles; merge_quantiles weighs each by its request count). Every window is followed by the bare page of the
# same size under the same load. The province dashboard itself comes with issue 17; measured here are university
# 1's dashboard (its committee staff) and the administrator's dashboard of one chosen university.

PROVINCE_UNIVERSITIES = int(os.environ.get("BENCH_PROVINCE", "160"))  # fewer only to try the harness quickly
PROVINCE_LIGHT_FROM = 11
PROVINCE_CONCURRENCY = (8, 32)
PROVINCE_ADMIN_OF = 10  # the administrator's dashboard is that of 基准测试大学10, the last full university
LATENCY_SCRIPT = ROOT / "bench" / "latency.lua"


def province_targets() -> list[Target]:
    from django.urls import reverse

    from bench.benchdata import code_for
    from tracker.org.models import Institution

    chosen = Institution.objects.get(code=code_for(PROVINCE_ADMIN_OF))
    dashboard = reverse("tracker:dashboard")
    return [
        Target("dashboard", "university dashboard (基准测试大学01's committee staff)", dashboard),
        Target("dashboard-admin", f"administrator's dashboard of {chosen.name}",
               f"{dashboard}?institution={chosen.pk}"),
    ]


def admin_client():
    """The administrator (`bench_admin`, made here if missing, no password), signed in with a confirmed second
    factor, as the production profile asks of an administrator (OTP_ADMIN_REQUIRED)."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.benchdata import NOT_A_PASSWORD
    from tracker.org.models import Profile
    from tracker.org.services import profile_assign_role

    admin, created = get_user_model().objects.get_or_create(
        username="bench_admin", defaults={"first_name": "基准管理员", "password": NOT_A_PASSWORD})
    if created:
        profile_assign_role(user=admin, role=Profile.Role.ADMIN, institution=None)
    device = (TOTPDevice.objects.filter(user=admin, confirmed=True).first()
              or TOTPDevice.objects.create(user=admin, name="bench", confirmed=True))
    client = Client()
    client.force_login(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def settings_cookie_name() -> str:
    from django.conf import settings

    return settings.SESSION_COOKIE_NAME


def cookie_of(client) -> str:
    name = settings_cookie_name()
    return f"{name}={client.cookies[name].value}"


def province_in_process() -> tuple[dict[str, InProcess], dict[str, str]]:
    """The province pages in process (queries, median), and the session cookie each is measured with."""
    clients = {"dashboard": signed_in_client(), "dashboard-admin": admin_client()}
    results, cookies = {}, {}
    for target in province_targets():
        client = clients[target.name]
        results[target.name] = r = measure_in_process(target, client)
        cookies[target.name] = cookie_of(client)
        say(f"  s{PROVINCE_UNIVERSITIES} {target.name:<17} {r.queries:>3} queries ({r.queries_again:>2} again)  "
            f"median {r.median_ms:>8.1f} ms  {r.bytes:>9} bytes  main table {r.rows}×{r.cols}, bare {r.bare_ms} ms")
    return results, cookies


def merge_quantiles(runs: list[tuple[int, list[tuple[float, float]]]], share: float) -> float:
    """The `share` quantile (0.5, 0.99) of several latency distributions together: each run's (requests,
    [(percent, latency)…]) read as a step distribution function, weighted by its requests."""
    total = sum(count for count, _points in runs)
    if not total:
        return float("nan")
    candidates = sorted({latency for _count, points in runs for _p, latency in points})

    def below(points: list[tuple[float, float]], value: float) -> float:
        return max((percent for percent, latency in points if latency <= value), default=0.0) / 100

    for value in candidates:
        if sum(count * below(points, value) for count, points in runs) >= share * total - 1e-9:
            return value
    return candidates[-1]


def load_servers(urls: list[str], path: str, cookie: str, connections: int, seconds: float) -> Load:
    """wrk against every server in `urls` at once, `connections` shared out among them; one Load for all."""
    share = max(1, connections // len(urls))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    processes = [subprocess.Popen(
        ["wrk", "-t", str(min(2, share)), "-c", str(share), "-d", f"{seconds:g}s", "--timeout", "60s",
         "-s", str(LATENCY_SCRIPT), "-H", f"Cookie: {cookie}", f"{url}{path}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for url in urls]
    outputs = [process.communicate()[0] for process in processes]
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    runs, rps, errors, total = [], 0.0, 0, 0
    for process, output in zip(processes, outputs, strict=True):
        head = re.search(r"^BENCH requests=(\d+) duration_us=(\d+) status_errors=(\d+) connect_errors=(\d+) "
                         r"timeouts=(\d+)", output, re.M)
        if process.returncode or not head:
            raise SystemExit(f"bench: wrk failed ({process.returncode}):\n{output}")
        count, duration, status_errors, connect_errors, timeouts = map(int, head.groups())
        points = [(float(p), int(us) / 1000) for p, us in re.findall(r"^BENCH-Q ([\d.]+) (\d+)", output, re.M)]
        runs.append((count, points))
        rps += count / (duration / 1e6) if duration else 0.0
        errors += status_errors + connect_errors + timeouts
        total += count
    return Load(round(rps, 1), round(merge_quantiles(runs, 0.5), 1), round(merge_quantiles(runs, 0.99), 1), total,
                errors, round(cpu / wall, 2))


def province_under_load(measured: dict[str, InProcess], cookies: dict[str, str]) -> list[dict]:
    from django.conf import settings

    from bench.stack import Stack

    windows = []
    env = {"DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the sessions made here must be good on the servers
           "DJANGO_STATIC_COLLECTED": "true", "DJANGO_STATIC_ROOT": str(settings.STATIC_ROOT),
           "OTP_ADMIN_REQUIRED": "true"}  # the production profile: the administrator's session has its factor
    with Stack(logs=LOG_DIR / "province", database_url=os.environ["DATABASE_URL"], servers=2,
               gunicorn_workers=WORKERS, worker=False, settings="bench.settings",
               gunicorn_config=ROOT / "bench" / "gunicorn.conf.py", env=env) as stack:
        stack.start()
        say(f"  servers {', '.join(stack.urls)}; Redis {stack.redis_url} (the cache of both)")
        for target in province_targets():
            cookie = cookies[target.name]
            for path in (target.url, bare_url(measured[target.name])):
                for url in stack.urls:  # warm every worker of both servers; check the session is good on each
                    for _ in range(2 * WORKERS):
                        status, server, _body = get_from(url, path, cookie)
                        if status != 200 or not server.startswith("gunicorn"):
                            raise SystemExit(f"bench: {url}{path} answered {status} from {server!r}")
            for connections in PROVINCE_CONCURRENCY:
                for servers in (1, 2):
                    for kind, path in (("page", target.url), ("bare", bare_url(measured[target.name]))):
                        result = load_servers(stack.urls[:servers], path, cookie, connections, SECONDS)
                        windows.append({"page": target.name, "label": target.label, "kind": kind,
                                        "servers": servers, "connections": connections, **result.__dict__})
                        say(f"  load {target.name:<16} {kind:<4} {servers} server(s) c{connections:<3} "
                            f"{result.rps:>8.1f} req/s  p50 {result.p50_ms:>8.1f} ms  p99 {result.p99_ms:>8.1f} ms  "
                            f"({result.requests} requests, {result.errors} errors, client {result.client_cpu:.2f})")
        kept = stack.redis_client(1).dbsize()
        say(f"  Redis held {kept} cache keys at the end")
    return windows


def get_from(base: str, path: str, cookie: str) -> tuple[int, str, bytes]:
    parts = urlsplit(base)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        return response.status, response.getheader("Server", ""), response.read()
    finally:
        connection.close()


def province_table(province: dict) -> str:
    """One row per page, concurrency and number of servers: the page and its bare page under the same load."""
    lines = [
        "| page | servers | connections | req/s | p50 ms | p99 ms | bare req/s | bare p50 ms | bare p99 ms "
        "| ratio | 2 ÷ 1 server |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    windows = province.get("load", [])
    found = {(w["page"], w["kind"], w["servers"], w["connections"]): w for w in windows}
    for target in province.get("pages", []):
        for connections in PROVINCE_CONCURRENCY:
            for servers in (1, 2):
                page, bare = (found.get((target["page"], kind, servers, connections)) for kind in ("page", "bare"))
                if not page:
                    continue
                one = found.get((target["page"], "page", 1, connections))
                gain = f"{page['rps'] / one['rps']:.2f} ×" if servers == 2 and one and one["rps"] else ""
                lines.append(
                    f"| {target['label']} (`{target['page']}`) | {servers} | {connections} | {_fmt(page['rps'])} | "
                    f"{_fmt(page['p50_ms'])} | {_fmt(page['p99_ms'])} | {_fmt(bare['rps'] if bare else None)} | "
                    f"{_fmt(bare['p50_ms'] if bare else None)} | {_fmt(bare['p99_ms'] if bare else None)} | "
                    f"{_percent(page['rps'] / bare['rps'] if bare and bare['rps'] else None)} | {gain} |")
    return "\n".join(lines)


def province_facts(province: dict) -> str:
    data = province.get("data", {})
    pages = {row["page"]: row for row in province.get("pages", [])}
    parts = [
        f"- **Data**: {data.get('institutions', '?')} universities ({PROVINCE_LIGHT_FROM - 1} full, the rest light: "
        f"bench/benchdata.py `LIGHT`), {data.get('volunteers', 0):,} volunteers, "
        f"{data.get('ledger_entries', 0):,} ledger entries; universities {PROVINCE_LIGHT_FROM}–"
        f"{province.get('universities')} generated in "
        f"{province.get('generate_s', 0):.0f} s",
        f"- **Servers**: 2 gunicorn servers × {province.get('gunicorn_workers')} sync workers on this one machine "
        f"({province.get('cores')} cores, shared with PostgreSQL, Redis and wrk), Redis as the cache of both; "
        f"{province.get('seconds_per_window', SECONDS):g} s per window; load test {province.get('load_s', 0):.0f} s",
    ]
    load = province.get("load_average")
    if load:
        parts.append(f"- **Machine load** (1-minute average, 2 cores): {load['before'][0]} before and "
                     f"{load['after'][0]} after the province's load test (the two servers and the load clients keep "
                     "about two cores busy; more means other work shared the CPU)")
    for name, row in pages.items():
        parts.append(f"- **In process at {province.get('universities')}** (`{name}`): {row['queries']} queries on "
                     f"the first request, {row['queries_again']} when kept; median {_fmt(row['median_ms'])} ms (bare "
                     f"{_fmt(row['bare_ms'])} ms), {row['bytes']:,} bytes")
    return "\n".join(parts)


def run_province(timings: dict) -> dict:
    from django.db import connection

    from tracker.org.models import Institution
    from tracker.roster.models import Volunteer
    from tracker.work.models.platforms import Activity

    say(f"== province: {PROVINCE_UNIVERSITIES} universities ({PROVINCE_LIGHT_FROM} on light), generating what is "
        "missing")
    generate_s = manage("bench_generate", "--scale", str(PROVINCE_UNIVERSITIES), "--light-from",
                        str(PROVINCE_LIGHT_FROM))
    timings["generate_s160_s"] = round(generate_s, 1)
    connection.close()
    say("== province, in process")
    measured, cookies = province_in_process()
    province = {
        "universities": PROVINCE_UNIVERSITIES, "light_from": PROVINCE_LIGHT_FROM, "generate_s": round(generate_s, 1),
        "admin_of": PROVINCE_ADMIN_OF, "gunicorn_workers": WORKERS, "cores": os.cpu_count(),
        "seconds_per_window": SECONDS, "concurrency": list(PROVINCE_CONCURRENCY),
        "data": {"institutions": Institution.objects.count(), "volunteers": Volunteer.objects.count(),
                 "ledger_entries": Activity.objects.count()},
        "pages": [{"page": t.name, "label": t.label, "url": t.url, **measured[t.name].__dict__}
                  for t in province_targets()],
        "load": [],
    }
    from bench.stack import REDIS_SERVER

    if shutil.which("wrk") and Path(REDIS_SERVER).exists():
        say(f"== province, under load: 1 and 2 gunicorn servers × {WORKERS} workers, Redis, "
            f"{' and '.join(map(str, PROVINCE_CONCURRENCY))} connections, {SECONDS:g} s each")
        started = time.perf_counter()
        LOAD_AVERAGE["before_province_load"] = [round(x, 2) for x in os.getloadavg()]
        province["load"] = province_under_load(measured, cookies)
        LOAD_AVERAGE["after_province_load"] = [round(x, 2) for x in os.getloadavg()]
        province["load_average"] = {"before": LOAD_AVERAGE["before_province_load"],
                                    "after": LOAD_AVERAGE["after_province_load"]}
        province["load_s"] = timings["province_load_s"] = round(time.perf_counter() - started, 1)
    else:
        say("== province under load skipped: it needs wrk (two load clients at once) and redis-server")
    return province


# --- The machine, the results, the comparison -----------------------------------------------------------


def machine() -> dict:
    from django import get_version
    from django.db import connection

    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        mem_kb = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    wrk = shutil.which("wrk")
    wrk_version = ""
    if wrk:
        probe = subprocess.run([wrk, "--version"], capture_output=True, text=True)
        wrk_version = (probe.stdout + probe.stderr).split("\n")[0].split(" Copyright")[0].strip()
    gunicorn = subprocess.run([str(Path(sys.executable).parent / "gunicorn"), "--version"], capture_output=True,
                              text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1), "postgresql": pg,
            "python": platform.python_version(), "django": get_version(), "gunicorn": gunicorn,
            "load_client": wrk_version or "python threads + http.client", "os": platform.platform()}


def django_settings() -> dict:
    """What the portal runs with in the bench: production profile, cached templates, persistent connections."""
    from django.conf import settings
    from django.template import engines

    loaders = engines["django"].engine.loaders
    return {"debug": settings.DEBUG, "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
            "template_loaders": [loader if isinstance(loader, str) else loader[0] for loader in loaders],
            "dashboard_cache_seconds": getattr(settings, "DASHBOARD_CACHE_SECONDS", 30)}


def build_rows(s1: dict[str, InProcess], s10: dict[str, InProcess] | None, pages: dict[str, Load],
               bares: dict[str, Load]) -> list[dict]:
    rows = []
    for target in targets():
        a = s1[target.name]
        b = s10.get(target.name) if s10 else None
        page, bare = pages.get(target.name), bares.get(target.name)
        rows.append({
            "page": target.name, "label": target.label, "url": target.url, "export": target.export,
            "queries_s1": a.queries, "queries_s10": b.queries if b else None,
            "queries_again_s1": a.queries_again, "queries_again_s10": b.queries_again if b else None,
            "median_ms_s1": a.median_ms, "median_ms_s10": b.median_ms if b else None,
            "bytes": a.bytes, "table": f"{a.rows}×{a.cols}" if a.rows else "",
            "bare_ms_s1": a.bare_ms,
            "ratio_in_process": round(a.bare_ms / a.median_ms, 3) if a.bare_ms and a.median_ms else None,
            "rps": page.rps if page else None, "p50_ms": page.p50_ms if page else None,
            "p99_ms": page.p99_ms if page else None, "errors": page.errors if page else None,
            "bare_rps": bare.rps if bare else None, "bare_p50_ms": bare.p50_ms if bare else None,
            "ratio": round(page.rps / bare.rps, 3) if page and bare and bare.rps else None,
            "client_cpu": page.client_cpu if page else None, "bare_client_cpu": bare.client_cpu if bare else None,
        })
    return rows


def _fmt(value, suffix: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}{suffix}" if value >= 10 else f"{value:.2f}{suffix}"
    return f"{value}{suffix}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def markdown_table(rows: list[dict]) -> str:
    lines = [
        "| page | queries s1 | queries s10 | median ms s1 | median ms s10 | bare ms | ratio in process | req/s "
        "| p50 ms | p99 ms | bare req/s | ratio under load |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        same = row["queries_s10"] is None or row["queries_s1"] == row["queries_s10"]
        lines.append(
            f"| {row['label']} (`{row['page']}`) | {row['queries_s1']} | {_fmt(row['queries_s10'])}"
            f"{'' if same else ' ⚠'} | {_fmt(row['median_ms_s1'])} | {_fmt(row['median_ms_s10'])} | "
            f"{_fmt(row['bare_ms_s1'])} | {_percent(row['ratio_in_process'])} | "
            f"{_fmt(row['rps'])} | {_fmt(row['p50_ms'])} | {_fmt(row['p99_ms'])} | {_fmt(row['bare_rps'])} | "
            f"{_percent(row['ratio'])} |")
    return "\n".join(lines)


def compare(previous: dict, current: dict) -> list[str]:
    """What changed since the previous results.json: ratios, medians, query counts."""
    before = {row["page"]: row for row in previous.get("rows", [])}
    lines = []
    for row in current["rows"]:
        old = before.get(row["page"])
        if not old:
            continue
        parts = []
        for key, label in (("queries_s1", "queries"), ("median_ms_s1", "median ms s1"),
                           ("median_ms_s10", "median ms s10"), ("ratio_in_process", "ratio in process"),
                           ("rps", "req/s"), ("ratio", "ratio under load")):
            if old.get(key) is not None and row.get(key) is not None and old[key] != row[key]:
                change = (row[key] - old[key]) / old[key] * 100 if old[key] else 0
                parts.append(f"{label} {old[key]} → {row[key]} ({change:+.0f} %)")
        if parts:
            lines.append(f"  {row['page']}: " + "; ".join(parts))
    return lines


def run_facts(result: dict) -> str:
    """The machine and the run, as the doc lists them."""
    m, t, load = result["machine"], result["timings"], result.get("load_average", {})
    data = result["data_at_end"]

    def seconds(key: str) -> str:
        return f"{t[key]:.0f} s" if key in t else "—"

    return "\n".join([
        f"- **When**: {result['when']}",
        f"- **CPU**: {m['cpu']}, {m['cores']} cores; **RAM**: {m['ram_gb']} GB; {m['os']}",
        f"- **Software**: PostgreSQL {m['postgresql']}; Python {m['python']}; Django {m['django']}; {m['gunicorn']}; "
        f"load client {m['load_client']}",
        f"- **Load test**: {result['settings']['gunicorn_workers']} gunicorn sync workers, "
        f"{result['settings']['connections']} connections, {result['settings']['seconds_per_page']:g} s per page and "
        f"as long for its bare page; in process: {result['settings']['requests_in_process']} requests per page "
        f"({result['settings']['export_requests_in_process']} per export), median",
        f"- **Machine load** (1-minute average, 2 cores): {load.get('at_start', ['?'])[0]} at the start, "
        f"{load.get('before_load_test', ['?'])[0]} before and {load.get('after_load_test', ['?'])[0]} after the "
        "load test (the benchmark itself keeps about one process busy before the load test and three during it; "
        "more means other work shared the CPU)",
        f"- **Data at the end**: {data['institutions']} universities, {data['volunteers']:,} volunteers, "
        f"{data['ledger_entries']:,} ledger entries",
        f"- **Times**: migrate {seconds('migrate_s')}, scale 1 generated in {seconds('generate_s1_s')}, load test "
        f"{seconds('load_s')}, scale 10 generated in {seconds('generate_s10_s')}, the province (universities "
        f"11–160) in {seconds('generate_s160_s')}, its load test {seconds('province_load_s')}; `make bench` "
        f"{seconds('total_s')} in all (after the virtualenv and PostgreSQL are installed)",
    ])


def _replace_between(text: str, start: str, end: str, body: str) -> str:
    if start not in text or end not in text:
        return text
    head, rest = text.split(start, 1)
    _old, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}\n{end}{tail}"


def update_doc(table: str, facts: str, province: str | None = None, province_run: str | None = None) -> None:
    if not DOC.exists():
        return
    text = DOC.read_text(encoding="utf-8")
    text = _replace_between(text, TABLE_START, TABLE_END, table)
    text = _replace_between(text, RUN_START, RUN_END, facts)
    if province is not None:
        text = _replace_between(text, PROVINCE_START, PROVINCE_END, province)
    if province_run is not None:
        text = _replace_between(text, PROVINCE_RUN_START, PROVINCE_RUN_END, province_run)
    DOC.write_text(text, encoding="utf-8")


# --- The run -------------------------------------------------------------------------------------------


def run_all(args) -> None:
    started = time.perf_counter()
    url, server, name = bench_database_url()
    os.environ["DATABASE_URL"] = url
    timings = {}
    LOAD_AVERAGE["at_start"] = [round(x, 2) for x in os.getloadavg()]
    if not args.reuse:
        say(f"== database {name} on {urlsplit(server).hostname} (dropped and created)")
        reset_database(server, name)
        timings["migrate_s"] = round(manage("migrate", "--noinput", "-v", "0"), 1)
        timings["collectstatic_s"] = round(manage("collectstatic", "--noinput", "-v", "0"), 1)
        say("== scale 1: one university")
        timings["generate_s1_s"] = round(manage("bench_generate", "--scale", "1"), 1)
    setup_django()
    say("== scale 1, in process (Django test Client)")
    s1 = in_process(1)
    pages, bares, tool = {}, {}, ""
    if not args.no_load:
        say(f"== scale 1, under load: gunicorn {WORKERS} workers, {CONNECTIONS} connections, {SECONDS:g} s each")
        load_started = time.perf_counter()
        pages, bares, tool = under_load(s1)
        timings["load_s"] = round(time.perf_counter() - load_started, 1)
    s10 = None
    if not args.no_scale10:
        say("== scale 10: ten universities")
        timings["generate_s10_s"] = round(manage("bench_generate", "--scale", "10"), 1)
        from django.db import connection

        connection.close()
        say("== scale 10, in process")
        s10 = in_process(10)
    province = None
    if not args.no_province:
        province = run_province(timings)
    timings["total_s"] = round(time.perf_counter() - started, 1)

    from django.db import connection

    from tracker.org.models import Institution
    from tracker.roster.models import Volunteer
    from tracker.work.models.platforms import Activity
    with connection.cursor():
        data = {"institutions": Institution.objects.count(), "volunteers": Volunteer.objects.count(),
                "ledger_entries": Activity.objects.count()}
    rows = build_rows(s1, s10, pages, bares)
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": machine(),
        "settings": {"gunicorn_workers": WORKERS, "connections": CONNECTIONS, "seconds_per_page": SECONDS,
                     "requests_in_process": PAGE_REQUESTS, "export_requests_in_process": EXPORT_REQUESTS,
                     "load_client": tool, "settings_module": os.environ["DJANGO_SETTINGS_MODULE"],
                     **django_settings()},
        "data_at_end": data,
        "load_average": LOAD_AVERAGE,
        "timings": timings,
        "rows": rows,
    }
    if province is not None:
        result["province"] = province
    differing = [row["page"] for row in rows if row["queries_s10"] is not None
                 and row["queries_s1"] != row["queries_s10"]]
    result["query_counts_differ"] = differing
    table = markdown_table(rows)
    say("\n" + table + "\n")
    if province:
        say(province_table(province) + "\n")
    if differing:
        say("Query counts differ between scale 1 and 10: " + ", ".join(differing))
    else:
        say("Query counts are the same at scale 1 and scale 10 on every page.")
    if RESULTS.exists():
        previous = json.loads(RESULTS.read_text(encoding="utf-8"))
        changes = compare(previous, result)
        say(f"Changes since the previous run ({previous.get('when', '?')}):")
        say("\n".join(changes) if changes else "  none")
    if not args.no_write:
        RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        update_doc(table, run_facts(result), province_table(province) if province else None,
                   province_facts(province) if province else None)
        say(f"Wrote {RESULTS.relative_to(ROOT)}" + (" and the table in docs/benchmarks.md" if DOC.exists() else ""))
    say(f"bench: {timings['total_s']:.0f} s in all ({json.dumps(timings)})")


def profile(args) -> None:
    """cProfile around the test client: N requests of one page on the existing bench database."""
    import cProfile
    import pstats

    url, _server, _name = bench_database_url()
    os.environ["DATABASE_URL"] = url
    setup_django()
    target = next((t for t in all_targets() if t.name == args.page), None)
    if target is None:
        sys.exit("bench: no page " + args.page + "; one of " + ", ".join(t.name for t in all_targets()))
    client = signed_in_client()
    client.get(target.url)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.requests):
        client.get(target.url)
    profiler.disable()
    say(f"{target.url}: {(time.perf_counter() - started) / args.requests * 1000:.1f} ms a request under the profiler")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats(args.sort).print_stats(args.lines)


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--reuse", action="store_true", help="Keep the bench database as it is (no reset, no "
                        "generation of scale 1).")
    parser.add_argument("--no-load", action="store_true", help="Skip the load test.")
    parser.add_argument("--no-scale10", action="store_true", help="Skip scale 10.")
    parser.add_argument("--no-province", action="store_true", help="Skip the province (160 universities, 1 and 2 "
                        "app servers with Redis).")
    parser.add_argument("--no-write", action="store_true", help="Do not write results.json or the doc.")
    parser.add_argument("--only", default="", help="Comma-separated page names to measure (implies --no-write).")
    prof = sub.add_parser("profile", help="cProfile one page (after a run: the bench database must exist).")
    prof.add_argument("page")
    prof.add_argument("--requests", type=int, default=20)
    prof.add_argument("--sort", default="cumulative")
    prof.add_argument("--lines", type=int, default=40)
    args = parser.parse_args()
    if args.only:
        ONLY.update(name.strip() for name in args.only.split(",") if name.strip())
        args.no_write = True
        args.no_province = args.no_province or "province" not in ONLY
    if args.command == "profile":
        profile(args)
    else:
        run_all(args)


if __name__ == "__main__":
    main()
