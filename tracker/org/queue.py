"""Queuing a task of the task queue (Celery, youthwork/celery.py) by its name, once the current transaction commits.

Every package may queue work without importing `tracker.tasks` (which imports the packages, so the packages cannot
import it back): a task is named by the name it is registered under (`tracker.build_export`). It is queued only
when the transaction that asked for it commits, so a request that is rolled back queues nothing, and a worker never
looks for a row that is not committed yet. Without a broker (`CELERY_TASK_ALWAYS_EAGER`) the task runs at once,
in this process, right after the commit.

A broker that cannot be reached does not undo what the user did: the row that asked for the work is committed
already, the failure is logged, and the work waits (an export job stays "queued") until the sweep
(`tracker.sweep`, tracker/ops/sweep.py) queues it again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from celery import current_app, signature
from django.db import transaction

logger = logging.getLogger(__name__)
_loaded = False
# (issue 18, the sweeper) A row still queued this long after it was written may have lost its message (the broker
# was unreachable when it was queued): the sweep queues it again.
QUEUED_LOST_AFTER = dt.timedelta(minutes=5)


def _load_tasks() -> None:
    """Register the app's tasks in this process (a worker does it when it starts; a web server does not)."""
    global _loaded
    if not _loaded:
        current_app.loader.import_default_modules()  # runs the app's `autodiscover_tasks()`: tracker/tasks.py
        _loaded = True


def queue_now(name: str, **kwargs: Any) -> bool:
    """Queue the task `name` with these keyword arguments now; False (and a warning logged) if the broker could
    not take it. Under `task_always_eager` it runs here and now, and its own failure is logged, not raised."""
    _load_tasks()
    try:
        signature(name, kwargs=kwargs).delay()
    except Exception:  # noqa: BLE001 - the broker's or the eager task's: the caller's work is already committed
        logger.warning("Could not queue or run the task %s(%s)", name, kwargs, exc_info=True)
        return False
    return True


def queue_after_commit(name: str, **kwargs: Any) -> None:
    """Queue the task `name` when the current transaction commits (at once outside one); nothing if it rolls back."""
    transaction.on_commit(partial(queue_now, name, **kwargs))


# --- issue 18, the sweeper: queuing many at once -----------------------------------------------------------------


def queue_each(name: str, calls: Sequence[dict[str, Any]]) -> int:
    """Queue the task `name` now once for each set of keyword arguments in `calls`, in order; how many were taken.
    With a broker, the first one it does not take stops the rest (each would wait for the unreachable broker again;
    the caller tries them another time). Under `task_always_eager` each runs here and now, and one that fails (its
    failure logged by `queue_now`) does not stop the others."""
    _load_tasks()
    eager = current_app.conf.task_always_eager
    for done, kwargs in enumerate(calls):
        if not queue_now(name, **kwargs) and not eager:
            return done
    return len(calls)
