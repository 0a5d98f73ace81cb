"""A real Redis for the cache tests (issue 18): REDIS_URL when set, else Debian's redis-server started on a free
loopback port for the test session, else skipped (REQUIRE_REDIS=1, as in CI, turns the skip into a failure).

`redis_cache_settings` points Django's cache at it as youthwork/settings.py does for REDIS_URL (django-redis,
errors ignored, short time-outs), under a key prefix of the test's own, so tests never see each other's keys."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port_url() -> str:
    """A Redis address where nothing listens: Redis stopped."""
    return f"redis://127.0.0.1:{free_port()}"


def _answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_REDIS") == "1":
        pytest.fail(f"REQUIRE_REDIS=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url():
    """The base address of a Redis that answers (no database number: the cache uses /1, as the settings do)."""
    given = os.environ.get("REDIS_URL", "").rstrip("/")
    if given:
        if not _answers(given):
            _unavailable(f"REDIS_URL={given} does not answer")
        yield given
        return
    if not os.path.exists(REDIS_SERVER):
        _unavailable("no redis-server (apt-get install redis-server) and no REDIS_URL")
    port = free_port()
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}"
    try:
        for _ in range(100):
            if _answers(url):
                break
            time.sleep(0.05)
        else:
            _unavailable("redis-server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def redis_cache(redis_url: str, prefix: str) -> dict:
    """The cache youthwork/settings.py makes of REDIS_URL=`redis_url`, under a key prefix."""
    from youthwork.settings import cache_config

    return {**cache_config("", redis_url, debug=False), "KEY_PREFIX": prefix}


@pytest.fixture
def redis_cache_settings(settings, redis_url):
    """Django's default cache on the real Redis, under a prefix of this test's own; returns the prefix."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {"default": redis_cache(redis_url, prefix)}
    return prefix
