"""EXPLAIN (ANALYZE, BUFFERS) of the queries the heavy pages run at bench scale (docs/benchmarks.md, "Indexes").

    .venv/bin/python bench/explain.py --setup --drop     # make the data (scale 10), explain every page, drop it
    .venv/bin/python bench/explain.py --setup            # the same, keeping the database for another look
    .venv/bin/python bench/explain.py --plans            # again on the kept database, with every plan in full
    .venv/bin/python bench/explain.py --only activity-list --try 'CREATE INDEX try_a ON tracker_activity (date)'
                                                         # some pages, with a candidate index (rolled back after)

The database is BENCH_DATABASE (default `youthwork_explain`) on the server DATABASE_URL names (else the loopback
server `.ci/start-postgres` starts), never DATABASE_URL's own database, as in bench/run.py. `--setup` drops and
creates it, migrates it, generates `--scale` universities (`manage.py bench_generate`, 10 by default: 50,000
ledger entries, 30,000 volunteers); ANALYZE runs before every explanation.

Each page is requested with Django's test Client, signed in (force_login) as university 1's committee staff
(`bench01_staff`) or as its first college's secretary (`bench01_secretary_01`), the dashboard's kept build
cleared first. Every SELECT it sends is captured with its parameters (a `connection.execute_wrapper`, inside
Django's `CaptureQueriesContext`) and sent again as `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` with the same
parameters. Printed for each query on a big table: the page, the statement's short form, the time PostgreSQL
reports, and every scan of a big table (Seq Scan / Index Scan using …) and every sort above one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The tables that grow with the deployment (rows at scale 10 in docs/benchmarks.md, "Indexes").
BIG_TABLES = (
    "tracker_activity", "tracker_activity_retirees", "tracker_historicalactivity", "tracker_volunteer",
    "tracker_volunteer_specialities", "tracker_historicalvolunteer", "tracker_evidencefile",
    "tracker_historicalevidencefile", "tracker_taskupdate", "tracker_historicaltaskupdate", "tracker_historicaltask",
    "tracker_assessmententry", "tracker_historicalassessmententry", "tracker_teammembership",
    "tracker_rectification", "tracker_historicalrectification",
)
STAFF, SECRETARY = "bench01_staff", "bench01_secretary_01"


def say(message: str = "") -> None:
    print(message, flush=True)


# --- The database ------------------------------------------------------------------------------------


def setup(server: str, name: str, scale: str) -> None:
    from bench.run import manage, reset_database

    say(f"== database {name} on {urlsplit(server).hostname} (dropped and created), scale {scale}")
    reset_database(server, name)
    manage("migrate", "--noinput", "-v", "0")
    manage("bench_generate", "--scale", scale)


def drop(server: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(server.replace("postgres://", "postgresql://", 1), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    say(f"== database {name} dropped")


def row_counts() -> list[tuple[str, int]]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = []
        for table in BIG_TABLES:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts.append((table, cursor.fetchone()[0]))
    return sorted(counts, key=lambda row: -row[1])


# --- The pages -----------------------------------------------------------------------------------------


@dataclass
class Page:
    who: str
    name: str
    url: str


def pages() -> list[Page]:
    from django.urls import reverse

    from bench.benchdata import code_for
    from tracker.org.models import Institution, OrgUnit
    from tracker.plans.models import Plan, Task
    from tracker.roster.models import Volunteer
    from tracker.work.models.platforms import Activity

    institution = Institution.objects.get(code=code_for(1))
    plan = Plan.objects.filter(institution=institution).order_by("id").first()
    task = (Task.objects.filter(stage__phase__plan=plan, number="15").first()
            or Task.objects.filter(stage__phase__plan=plan).order_by("id").first())
    college = OrgUnit.objects.filter(institution=institution, kind=OrgUnit.Kind.COLLEGE).order_by("order").first()
    entry = Activity.objects.filter(unit=college).order_by("-date", "-id").first()
    volunteer = Volunteer.objects.filter(unit=college).order_by("id").first()

    def url(name: str, *args) -> str:
        return reverse(f"tracker:{name}", args=args)

    ledger = url("activity-list")
    both = [
        ("dashboard-college", url("dashboard-college", college.pk)),
        ("activity-list", ledger),
        ("activity-list (2020)", f"{ledger}?date_from=2020-01-01&date_to=2020-12-31"),
        ("activity-list (last page)", f"{ledger}?page=9999"),
        ("activity-detail", url("activity-detail", entry.pk)),
        ("volunteer-list", url("volunteer-list")),
        ("volunteer-list (last page)", url("volunteer-list") + "?page=9999"),
        ("volunteer-detail", url("volunteer-detail", volunteer.pk)),
        ("plan-detail", url("plan-detail", plan.pk)),
        ("task-detail", url("task-detail", task.pk)),
        ("reminder-list", url("reminder-list")),
        ("rectification-list", url("rectification-list")),
    ]
    staff_only = [
        ("dashboard", url("dashboard")),
        ("activity-list (one college)", f"{ledger}?unit={college.pk}"),
        ("volunteer-list (one college)", url("volunteer-list") + f"?unit={college.pk}"),
        ("activity-export", url("activity-export")),
        ("roster-export", url("roster-export")),
    ]
    return ([Page(STAFF, name, link) for name, link in staff_only + both]
            + [Page(SECRETARY, name, link) for name, link in both])


# --- Capturing and explaining ---------------------------------------------------------------------------


@dataclass
class Query:
    sql: str
    params: tuple | list | None
    ms: float  # as Django timed it in the page


@dataclass
class Explained:
    page: Page
    query: Query
    ms: float  # PostgreSQL's execution time
    planning_ms: float
    nodes: list[str] = field(default_factory=list)
    text: str = ""


def capture(client, url: str) -> tuple[int, list[Query]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tracker.reporting.dashboard import clear_kept

    calls: list[tuple[str, object]] = []

    def remember(execute, sql, params, many, context):
        calls.append((sql, params))
        return execute(sql, params, many, context)

    clear_kept()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(remember):
        response = client.get(url)
    if len(calls) != len(captured.captured_queries):
        raise SystemExit(f"explain: {url}: {len(calls)} statements seen, {len(captured)} captured")
    queries = [Query(sql, params, float(timed["time"]) * 1000)
               for (sql, params), timed in zip(calls, captured.captured_queries, strict=True)]
    return response.status_code, queries


def _walk(node: dict, out: list[str]) -> None:
    relation = node.get("Relation Name")
    kind = node["Node Type"]
    time = node.get("Actual Total Time", 0) * node.get("Actual Loops", 1)
    rows = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
    if relation in BIG_TABLES:
        index = f" using {node['Index Name']}" if node.get("Index Name") else ""
        out.append(f"{kind}{index} on {relation} ({rows} rows, {time:.2f} ms)")
    elif kind in ("Sort", "Incremental Sort") and node.get("Actual Rows", 0) > 0:
        key = ", ".join(node.get("Sort Key", []))
        out.append(f"{kind} [{key}] ({node.get('Sort Method', '')}, {rows} rows, {time:.2f} ms)")
    for child in node.get("Plans", []):
        _walk(child, out)


def explain(page: Page, query: Query, with_text: bool, repeat: int) -> Explained:
    """EXPLAIN ANALYZE `repeat` times: the fastest run's time and scans (the machine is shared: the others wait)."""
    from django.db import connection

    best = None
    with connection.cursor() as cursor:
        for _ in range(repeat):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query.sql, query.params)
            raw = cursor.fetchone()[0]
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
            if best is None or plan["Execution Time"] < best["Execution Time"]:
                best = plan
        text = ""
        if with_text:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query.sql, query.params)
            text = "\n".join(row[0] for row in cursor.fetchall())
    result = Explained(page, query, best["Execution Time"], best["Planning Time"], text=text)
    _walk(best["Plan"], result.nodes)
    return result


def short(sql: str) -> str:
    """SELECT … FROM the first table … WHERE/ORDER BY (trimmed): enough to recognise the statement."""
    sql = re.sub(r'"tracker_(\w+)"\.', "", sql)
    sql = re.sub(r'"(\w+)"', r"\1", sql)
    match = re.search(r"\bFROM\b(.*)", sql, re.S)
    body = match.group(1) if match else sql
    body = re.sub(r"\s+", " ", body).strip()
    return "FROM " + (body[:220] + " …" if len(body) > 220 else body)


def touches_big(sql: str) -> bool:
    return any(re.search(rf'"{table}"', sql) for table in BIG_TABLES)


def run(args) -> list[Explained]:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client

    users = {name: get_user_model().objects.get(username=name) for name in (STAFF, SECRETARY)}
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    captured = []
    for page in pages():
        if args.only and not any(word in page.name for word in args.only):
            continue
        client = clients[page.who]
        client.get(page.url)  # warm: the session row, Django's caches, the table pages in PostgreSQL's buffers
        status, queries = capture(client, page.url)
        big = [q for q in queries if q.sql.lstrip().upper().startswith("SELECT") and touches_big(q.sql)]
        captured.append((page, status, queries, big))
    results = []
    # --try: the statements (CREATE INDEX …) run in a transaction that is rolled back after the EXPLAINs.
    with transaction.atomic():
        if args.try_sql:
            with connection.cursor() as cursor:
                for statement in args.try_sql:
                    say(f"== trying: {statement}")
                    cursor.execute(statement)
                cursor.execute("ANALYZE")
        for page, status, queries, big in captured:
            say(f"\n## {page.who} {page.name} {page.url}: {status}, {len(queries)} queries, {len(big)} on big tables")
            for query in big:
                done = explain(page, query, args.plans, args.repeat)
                results.append(done)
                flag = "  <-- SEQ SCAN" if any(n.startswith("Seq Scan") for n in done.nodes) else ""
                say(f"- {done.ms:7.2f} ms (in page {query.ms:6.2f} ms) {short(query.sql)}{flag}")
                for node in done.nodes:
                    say(f"      {node}")
                if args.plans:
                    say("\n".join("      | " + line for line in done.text.splitlines()))
        transaction.set_rollback(True)
    return results


def summary(results: list[Explained]) -> None:
    scans = [r for r in results if any(n.startswith("Seq Scan") for n in r.nodes)]
    say(f"\n== {len(results)} queries on big tables explained; {len(scans)} with a sequential scan of one:")
    for r in sorted(scans, key=lambda r: -r.ms):
        nodes = "; ".join(n for n in r.nodes if n.startswith("Seq Scan"))
        say(f"  {r.ms:7.2f} ms  {r.page.who} {r.page.name}: {nodes}")
    slow = sorted(results, key=lambda r: -r.ms)[:10]
    say("== the ten slowest:")
    for r in slow:
        say(f"  {r.ms:7.2f} ms  {r.page.who} {r.page.name}: {short(r.query.sql)[:120]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--setup", action="store_true", help="Drop, create, migrate, generate and ANALYZE first.")
    parser.add_argument("--scale", default="10", help="Universities to generate with --setup (10).")
    parser.add_argument("--drop", action="store_true", help="Drop the database at the end.")
    parser.add_argument("--plans", action="store_true", help="Print every plan in full (EXPLAIN's text form).")
    parser.add_argument("--only", nargs="+", default=[], help="Pages whose name contains one of these words.")
    parser.add_argument("--repeat", type=int, default=3, help="EXPLAIN ANALYZE each query this often, keep the "
                        "fastest (3).")
    parser.add_argument("--try", dest="try_sql", action="append", default=[], metavar="SQL",
                        help="A statement (CREATE INDEX …) to run before the EXPLAINs, rolled back after them.")
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DJANGO_STATIC_COLLECTED"] = "false"  # static files from the apps: no collectstatic, same queries
    os.environ.setdefault("BENCH_DATABASE", "youthwork_explain")
    from bench.run import bench_database_url

    url, server, name = bench_database_url()
    if name == urlsplit(server).path.lstrip("/"):
        sys.exit(f"explain: {name} is DATABASE_URL's own database; set BENCH_DATABASE to another name")
    os.environ["DATABASE_URL"] = url
    if args.setup:
        setup(server, name, args.scale)
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SHOW server_version")
        say(f"== PostgreSQL {cursor.fetchone()[0]}, database {name}; load average {os.getloadavg()[0]:.2f} "
            f"on {os.cpu_count()} cores")
    for table, count in row_counts():
        say(f"  {table:<36} {count:>7,} rows")
    summary(run(args))
    if args.drop:
        drop(server, name)


if __name__ == "__main__":
    main()
