"""The stack for the two-server test (bench/stack.py): started once for the module, stopped at the end.

Not part of `make test`: the test runs with MULTISERVER=1 (`make test-multiserver`), and is skipped without it or
when the stack cannot start here (no PostgreSQL server, no redis-server, no gunicorn); REQUIRE_MULTISERVER=1 (CI)
turns either skip into a failure. The logs of every process stay in test-artifacts/multiserver/ (under
PLAYWRIGHT_ARTIFACTS where CI names another folder); the stack's database, youthwork_multiserver on the PostgreSQL
server DATABASE_URL names, is left for looking at and made anew by the next run.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from bench.stack import ROOT, Stack, missing

from .client import Browser

REQUIRED = os.environ.get("REQUIRE_MULTISERVER") == "1"
WANTED = REQUIRED or os.environ.get("MULTISERVER") == "1"
PASSWORD = "demo12345"  # tracker/demo: every demo account's


def _not_here(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"REQUIRE_MULTISERVER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def stack():
    if not WANTED:
        _not_here("starts PostgreSQL's database, Redis, two gunicorn servers and a Celery worker: "
                  "`make test-multiserver` (MULTISERVER=1) runs it")
    lacking = missing()
    if lacking:
        _not_here("the stack cannot start here: " + "; ".join(lacking))
    logs = Path(os.environ.get("PLAYWRIGHT_ARTIFACTS") or ROOT / "test-artifacts") / "multiserver"
    shutil.rmtree(logs, ignore_errors=True)
    started = time.perf_counter()
    with Stack(logs=logs) as running:
        times = running.prepare_database(demo=True)
        running.start()
        times["stack_s"] = round(time.perf_counter() - started, 1)
        (logs / "timings.txt").write_text(f"{times}\n", encoding="utf-8")
        yield running


@pytest.fixture(scope="module")
def staff(stack) -> Browser:
    """Committee staff of 中国矿业大学 (the demo's `staff`), signed in on server A."""
    browser = Browser()
    browser.sign_in(stack.urls[0], "staff", PASSWORD)
    return browser
