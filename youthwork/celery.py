"""The task queue (Celery): work that should not run inside a request or from a bare cron line.

Without a broker (CELERY_BROKER_URL, or REDIS_URL) every task runs at once, in the process that queued it
(`task_always_eager`), so `make run` and the tests need nothing but Python. With one, `celery -A youthwork worker`
runs the queued tasks and `celery -A youthwork beat` queues the daily ones (settings: CELERY_BEAT_SCHEDULE;
docs/deploy.md, "Several servers").
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "youthwork.settings")

app = Celery("youthwork")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
