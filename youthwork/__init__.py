# The task queue's app is loaded with Django, so that `@shared_task` tasks bind to it (youthwork/celery.py).
from youthwork.celery import app as celery_app

__all__ = ("celery_app",)
