"""gunicorn settings for the portal behind nginx (docs/deploy.md).

    .venv/bin/gunicorn -c gunicorn.conf.py          # from the project folder; systemd does the same

Every value can be changed from the environment (the systemd unit reads /srv/youthwork/.env): GUNICORN_BIND,
GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT, GUNICORN_ACCESS_LOG.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "youthwork.wsgi:application"
# Loopback only: nginx on the same host terminates TLS and forwards here. Another app server behind a load balancer
# binds its private address instead (GUNICORN_BIND=10.0.0.12:8001) and firewalls it.
bind = os.environ.get("GUNICORN_BIND", "").strip() or "127.0.0.1:8001"
# Synchronous workers: pages are short and database-bound. 2 × cores + 1 is gunicorn's rule of thumb; each worker
# holds one persistent PostgreSQL connection (DATABASE_CONN_MAX_AGE), so keep workers × servers below max_connections.
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 1)
# The slowest requests are exports and uploads of large evidence files; nginx's proxy_read_timeout should be longer.
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak in any library cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# Logs go to the journal (systemd) unless a file is named; "-" is standard output / standard error, "off" none.
_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "").strip() or "-"
accesslog = None if _access_log.lower() == "off" else _access_log
access_log_format = '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "").strip() or "info"
proc_name = "youthwork"
# Only nginx on this host may claim the original scheme and address (X-Forwarded-Proto / -For).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "").strip() or "127.0.0.1,::1"
