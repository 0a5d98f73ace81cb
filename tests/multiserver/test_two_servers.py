"""Two application servers behind one address agree (issue 18): a real PostgreSQL database, Redis (the cache and the
task queue's broker), two gunicorn servers and a Celery worker, all on loopback (bench/stack.py), driven over plain
HTTP as a browser would, with one cookie jar for both servers.

- a session made on server A works on server B, and signing out on B ends it on A;
- a task marked done through A shows on the dashboard read through B at once (B had that dashboard in the cache);
- an evidence file uploaded through A downloads through B, the same bytes;
- an edit opened on A and on B at the same version: A's save goes through, B's is refused with the stale message;
- the daily reminders, queued as the task `tracker.send_reminders`, run on the worker: the day's claims are
  written and the mail is in the mail folder;
- faults: Redis stopped, both servers still answer (and a change is still seen across them); the worker stopped,
  queued work waits in the broker and runs when a worker comes back.

`make test-multiserver` runs it (MULTISERVER=1); `make test` skips it (tests/multiserver/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from zoneinfo import ZoneInfo

import pytest

from tracker.demo.plans import DEMO_PDF

from .client import Browser, form_in, page

pytestmark = pytest.mark.multiserver

STALE = "您打开本页后，其他人修改了这条内容"  # tracker/plans/editing.py's refusal, in Chinese
WAIT = 60  # seconds a test waits for the worker before it fails (a wait for an effect, not a timing assertion)
CUMT = "中国矿业大学"


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def figure(response, key: str) -> tuple[int, str]:
    """A headline figure of the dashboard page: its value and its link."""
    assert response.status_code == 200, response.status_code
    element = page(response).get_element_by_id(f"figure-{key}")
    value = element.find_class("figure__value")[0].text.strip()
    return int(value), element.get("href")


def evidence_pdf() -> tuple[str, bytes]:
    """A small valid PDF no other test uploads (a random comment after its end)."""
    tag = secrets.token_hex(8)
    return f"证明材料-{tag}.pdf", DEMO_PDF + f"% multiserver {tag}\n".encode()


@pytest.fixture(scope="module")
def open_tasks(stack, staff) -> list[int]:
    """Tasks of the plan the dashboard's "tasks done" figure counts, not done yet: one for each test that changes
    a task, so that no test depends on another's change."""
    _value, link = figure(staff.get(stack.urls[1], "/dashboard/"), "tasks_done")
    plan = int(re.search(r"/plans/(\d+)/", link).group(1))
    rows = stack.sql("SELECT t.id FROM tracker_task t JOIN tracker_stage s ON s.id = t.stage_id "
                     "JOIN tracker_phase p ON p.id = s.phase_id WHERE p.plan_id = %s AND t.status <> 'done' "
                     "ORDER BY t.id", [plan])
    assert len(rows) >= 4, rows
    return [row[0] for row in rows]


def update_task(browser: Browser, base: str, task: int, *, status: str | None = None,
                upload: tuple[str, bytes] | None = None, note: str = "") -> None:
    """A progress update through the task page's form on server `base`, as its committee staff would post it."""
    form = form_in(browser.get(base, f"/tasks/{task}/"), f"/tasks/{task}/updates/")
    form.set("note", note or "两台服务器测试：进展更新。")
    if status == "done":
        form.set("status", "done").set("progress", "100")
    if upload:
        form.files["files"] = (upload[0], upload[1], "application/pdf")
    answer = browser.post(base, form)
    assert answer.status_code == 302, (answer.status_code, answer.text[:2000])
    assert answer.headers["Location"].rstrip("/").endswith(f"/tasks/{task}"), answer.headers["Location"]


# --- Sessions ----------------------------------------------------------------------------------------------


def test_a_session_made_on_server_a_is_good_on_server_b(stack, staff):
    a, b = stack.urls
    session = staff.cookie("sessionid")
    assert session, "server A set no session cookie"
    # Only the cookie, in a browser that never met server A.
    elsewhere = Browser()
    elsewhere.session.cookies.set("sessionid", session)
    dashboard = elsewhere.get(b, "/dashboard/")
    assert dashboard.status_code == 200, (dashboard.status_code, dashboard.headers.get("Location"))
    assert "王建国" in dashboard.text and CUMT in dashboard.text  # the staff's name and institution
    assert Browser().get(b, "/dashboard/").status_code == 302  # without it: to the sign-in page

    # Signed in on A, signed out on B: the session is gone on A too.
    leader = Browser()
    leader.sign_in(a, "leader", "demo12345")
    assert leader.get(b, "/dashboard/").status_code == 200
    signed_out = leader.post(b, form_in(leader.get(b, "/dashboard/"), "/accounts/logout/"))
    assert signed_out.status_code == 302
    again = leader.get(a, "/dashboard/")
    assert again.status_code == 302 and "/accounts/login/" in again.headers["Location"]


# --- The cache: a change through A, the dashboard through B -------------------------------------------------


def test_a_task_done_through_a_shows_on_the_dashboard_through_b_at_once(stack, staff, open_tasks):
    a, b = stack.urls
    done_on_b, _link = figure(staff.get(b, "/dashboard/"), "tasks_done")
    assert figure(staff.get(b, "/dashboard/"), "tasks_done")[0] == done_on_b  # B has it kept now
    assert figure(staff.get(a, "/dashboard/"), "tasks_done")[0] == done_on_b

    update_task(staff, a, open_tasks[0], status="done", note="两台服务器测试：在服务器A上标记完成。")

    kept_before = set(stack.redis_client(1).scan_iter())
    assert figure(staff.get(b, "/dashboard/"), "tasks_done")[0] == done_on_b + 1
    # B kept the dashboard it built anew in Redis (the cache's database 1), not in its own memory or disk.
    assert set(stack.redis_client(1).scan_iter()) - kept_before, "B kept nothing in Redis: it caches elsewhere"
    assert figure(staff.get(a, "/dashboard/"), "tasks_done")[0] == done_on_b + 1
    task_on_b = staff.get(b, f"/tasks/{open_tasks[0]}/")
    assert "在服务器A上标记完成" in task_on_b.text


# --- Media: uploaded through A, downloaded through B ----------------------------------------------------------


def test_evidence_uploaded_through_a_downloads_through_b(stack, staff, open_tasks):
    a, b = stack.urls
    name, content = evidence_pdf()
    update_task(staff, a, open_tasks[1], upload=(name, content), note="两台服务器测试：上传证明材料。")

    links = [link for link in page(staff.get(b, f"/tasks/{open_tasks[1]}/")).iter("a")
             if (link.text or "").strip() == name]
    assert len(links) == 1, f"server B's task page does not list {name}"
    download = staff.get(b, links[0].get("href"))
    assert download.status_code == 200, download.status_code
    assert download.content == content
    # The same file, from the one media folder both servers use.
    assert [path.read_bytes() for path in stack.media.rglob("*.pdf") if path.read_bytes() == content]


# --- Locks: the version check holds across servers -------------------------------------------------------------


def test_an_edit_opened_on_both_servers_is_refused_on_b_after_a_saved(stack, staff, open_tasks):
    a, b = stack.urls
    task = open_tasks[2]
    on_a = form_in(staff.get(a, f"/tasks/{task}/edit/"), f"/tasks/{task}/edit/")
    on_b = form_in(staff.get(b, f"/tasks/{task}/edit/"), f"/tasks/{task}/edit/")
    assert on_a.value("version") == on_b.value("version") is not None

    saved = staff.post(a, on_a.set("title", "两台服务器测试：服务器A保存的标题"))
    assert saved.status_code == 302, (saved.status_code, saved.text[:2000])
    refused = staff.post(b, on_b.set("title", "两台服务器测试：服务器B保存的标题"))
    assert refused.status_code == 409, refused.status_code
    assert STALE in refused.text
    assert form_in(refused, f"/tasks/{task}/edit/").value("title") == "两台服务器测试：服务器B保存的标题"  # kept

    assert stack.sql("SELECT title FROM tracker_task WHERE id = %s", [task]) == [("两台服务器测试：服务器A保存的标题",)]
    assert "两台服务器测试：服务器A保存的标题" in staff.get(b, f"/tasks/{task}/").text


# --- The task queue: the reminders run on the worker ------------------------------------------------------------


def _claims(stack, day: dt.date) -> list[tuple]:
    return stack.sql("SELECT kind, recipients FROM tracker_reminderclaim WHERE day = %s ORDER BY id", [day])


def _wait_for_claims(stack, day: dt.date) -> list[tuple]:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        claims = _claims(stack, day)
        if claims:
            return claims
        assert stack.worker.running, stack.worker.failed("stopped")
        if "Received unregistered task of type 'tracker.send_reminders'" in stack.worker.tail(400):
            raise AssertionError("the worker does not know the task tracker.send_reminders (tracker/tasks.py)")
        time.sleep(0.5)
    raise AssertionError(f"no reminder claim for {day} within {WAIT} s; the worker's log ends:\n"
                         f"{stack.worker.tail()}")


@pytest.fixture(scope="module")
def staff_address(stack) -> str:
    """The demo's committee staff get an address, so the reminder run has someone to mail its summary to."""
    address = "staff@cumt.example.edu.cn"
    stack.sql("UPDATE auth_user SET email = %s WHERE username = 'staff'", [address])
    return address


def test_the_reminder_task_runs_on_the_worker(stack, staff_address):
    day = today()
    assert _claims(stack, day) == []
    mails_before = len(stack.mails())
    stack.queue("tracker.send_reminders", day=day.isoformat(), days=14)

    claims = _wait_for_claims(stack, day)
    assert ("summary", staff_address) in claims
    deadline = time.monotonic() + WAIT  # the claim is written before the mail goes
    while len(stack.mails()) == mails_before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert any(f"To: {staff_address}" in mail for mail in stack.mails()[mails_before:])


# --- Faults --------------------------------------------------------------------------------------------------


def test_with_redis_stopped_both_servers_still_answer(stack, staff, open_tasks):
    a, b = stack.urls
    done, _link = figure(staff.get(b, "/dashboard/"), "tasks_done")
    logged = [server.log.stat().st_size for server in stack.gunicorns]
    stack.stop_redis()
    try:
        for base in (a, b):
            assert figure(staff.get(base, "/dashboard/"), "tasks_done")[0] == done
        for server, start in zip(stack.gunicorns, logged, strict=True):  # each server said so in its log
            with open(server.log, encoding="utf-8", errors="replace") as log:
                log.seek(start)
                assert [line for line in log if "WARNING" in line and "redis" in line.lower()], server.name
        # A change made meanwhile is seen across the servers (nothing is kept: every page is built anew).
        update_task(staff, a, open_tasks[3], status="done", note="两台服务器测试：Redis停止时标记完成。")
        assert figure(staff.get(b, "/dashboard/"), "tasks_done")[0] == done + 1
    finally:
        stack.start_redis()
    assert stack.redis_client(1).dbsize() == 0  # no persistence: Redis came back empty
    for base in (a, b):
        assert figure(staff.get(base, "/dashboard/"), "tasks_done")[0] == done + 1
    assert stack.redis_client(1).dbsize() > 0  # the servers keep what they build in Redis again


def test_with_the_worker_stopped_queued_work_waits_and_runs_when_it_returns(stack, staff_address):
    day = today() - dt.timedelta(days=1)
    broker = stack.redis_client(0)
    stack.stop_worker()
    try:
        waiting = broker.llen("celery")
        stack.queue("tracker.send_reminders", day=day.isoformat(), days=14)
        assert broker.llen("celery") == waiting + 1  # in the broker's queue, nothing took it
        assert _claims(stack, day) == []
    finally:
        stack.start_worker()
    claims = _wait_for_claims(stack, day)
    assert ("summary", staff_address) in claims
    assert broker.llen("celery") == 0
