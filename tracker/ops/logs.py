"""Logging pieces the settings' LOGGING names (issue 18). The request id itself is django-guid's (its middleware and
its `CorrelationId` filter); JSON lines are python-json-logger's."""

from __future__ import annotations

import logging


class RedisOutage(logging.Filter):
    """django-redis, told to ignore a cache call that failed (`IGNORE_EXCEPTIONS`), logs it as an ERROR with the
    whole traceback, on every call while Redis is away. The portal goes on without the cache, so this makes it one
    WARNING line that says what failed (the exception's own words: the address refused, the time-out)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            cause = error.__cause__ or error  # django-redis wraps the client's error in ConnectionInterrupted
            record.msg = "Redis cache unreachable, the page goes on without it: %s: %s"
            record.args = (type(cause).__name__, cause)
            record.exc_info = None
            record.exc_text = None
        record.levelno = logging.WARNING
        record.levelname = logging.getLevelName(logging.WARNING)
        return True
