"""The task queue in tests (issue 18): its configuration changed for one test and put back after.

`eager_queue`: every task runs at once, in the test's process (as `make run` and the test settings have it; set here
as well, so a broker in the environment, e.g. the multi-server harness's REDIS_URL, changes nothing).

`eager_retries`: eager, and a task's retries run too (see the fixture).

`memory_broker`: a real broker, Celery's in-memory transport, and no worker: a task queued waits in the queue until
the test starts a worker (`celery.contrib.testing.worker.start_worker`) in a thread of its own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from youthwork.celery import app


def _reset_connections() -> None:
    """Forget the app's connection pool, so the next task is sent to the broker now configured (kombu keeps one pool
    per broker address, so the earlier broker's is found again when its address is put back)."""
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_conf(**values) -> Iterator:
    old = {name: app.conf[name] for name in values}
    app.conf.update(values)
    _reset_connections()
    try:
        yield app
    finally:
        app.conf.update(old)
        _reset_connections()


@pytest.fixture
def eager_queue():
    with celery_conf(task_always_eager=True, task_eager_propagates=True) as configured:
        yield configured


@pytest.fixture
def eager_retries():
    """Eager, with a task's retries run at once, one after the other. Celery's eager mode re-runs a retrying task
    only when it does not propagate exceptions (with `task_eager_propagates` its `Retry` is raised to the caller
    instead); so here a task that fails for good ends as a failed result, not an exception."""
    with celery_conf(task_always_eager=True, task_eager_propagates=False) as configured:
        yield configured


@pytest.fixture
def memory_broker(monkeypatch):
    from kombu.transport.memory import Channel

    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")  # a test's worker need not run Django's system checks again
    for name in ("CELERY_LOG_LEVEL", "CELERY_LOG_FILE"):  # a started worker sets them
        monkeypatch.setenv(name, os.environ.get(name, ""))
    # A started worker sets up logging for itself (the root logger's level, warnings into logging): put back after.
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    with celery_conf(task_always_eager=False, broker_url="memory://", worker_hijack_root_logger=False) as configured:
        yield configured
    Channel.queues.clear()  # what the test left queued goes with it
    root.setLevel(level)
    root.handlers[:] = handlers
    logging.captureWarnings(False)
