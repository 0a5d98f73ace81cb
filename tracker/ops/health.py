"""`/healthz` for load balancers (issue 18): whether this server can answer pages, without showing anything of them.

200 {"status": "ok", "database": "ok", "cache": "ok"} when the database answers `SELECT 1` and Django's cache gives
back a value just put in it; 503 with "error" beside the part that failed otherwise (what went wrong goes to the
log, never into the answer). Open to anyone without signing in; it reads no session and sets no cookie, is never
rate-limited, and is not redirected to https (SECURE_REDIRECT_EXEMPT), since a load balancer asks each server over
plain http. A cache the portal would merely run slower without (Redis stopped: pages go on, docs/deploy.md) still
makes the answer 503, so that the load balancer and its alerts see it.
"""

from __future__ import annotations

import logging
import uuid

from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

CACHE_ALIAS = "default"


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception:  # any failure is a 503, never a 500 page
        logger.warning("Health check: the database did not answer", exc_info=True)
        return False


def cache_ok() -> bool:
    """A round trip through the cache under a key of this check's own (two checks at once never meet). A cache that
    ignores its errors (django-redis while Redis is away) answers None, which is not the value put."""
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache = caches[CACHE_ALIAS]
    try:
        cache.set(key, value, timeout=10)
        answered = cache.get(key) == value
        cache.delete(key)
    except Exception:
        logger.warning("Health check: the cache did not answer", exc_info=True)
        return False
    if not answered:
        logger.warning("Health check: the cache did not give back the value just put in it")
    return answered


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    parts = {"database": database_ok(), "cache": cache_ok()}
    healthy = all(parts.values())
    body = {"status": "ok" if healthy else "error", **{part: "ok" if ok else "error" for part, ok in parts.items()}}
    return JsonResponse(body, status=200 if healthy else 503)
