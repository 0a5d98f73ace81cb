"""Outbound deliveries (tracker/outbox, issue 18): each mail or webhook written once under its key, sent once however
many times its task runs, retried with back-off when the other end fails. Webhooks go to a local HTTP server the
test starts (never an outside address)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from tracker.outbox import services
from tracker.outbox.models import Delivery
from tracker.outbox.services import DeliveryFailed, delivery_create, delivery_queue, delivery_send
from tracker.tasks import deliver

from . import queue_helpers

pytestmark = pytest.mark.django_db

# The task queue's fixtures (tests/queue_helpers.py)
eager_queue = queue_helpers.eager_queue
eager_retries = queue_helpers.eager_retries


@dataclass
class Endpoint:
    """A local webhook receiver: answers each POST with the next of `answers` (the last one once they run out)."""

    answers: list[tuple[int, bytes]]
    received: list[dict] = field(default_factory=list)
    url: str = ""

    @property
    def succeeded(self) -> list[dict]:
        return [entry for entry in self.received if 200 <= entry["status"] < 300]


@pytest.fixture
def endpoint() -> Iterator:
    servers = []

    def make(*answers: tuple[int, bytes]) -> Endpoint:
        target = Endpoint(list(answers))

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server interface
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status, answer = target.answers[min(len(target.received), len(target.answers) - 1)]
                target.received.append({"status": status, "body": body, "type": self.headers["Content-Type"]})
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        target.url = f"http://127.0.0.1:{server.server_port}/robot/send?key=test"
        return target

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


OK = (200, b'{"errcode": 0, "errmsg": "ok"}')


def webhook(url: str, key: str = "notice:1", **fields) -> Delivery:
    payload = {"msgtype": "text", "text": {"content": "机电工程学院：自评已退回，请修改后重新提交。"}}
    return delivery_create(key=key, channel="webhook", url=url, subject="自评已退回", payload=payload, **fields)


def a_mail(key: str = "reminder:unit:1:2022-01-02", **fields) -> Delivery:
    values = {"recipients": ["jidian@cumt.example.edu.cn"], "subject": "提醒", "body": "您有一项任务已逾期。"}
    values.update(fields)
    return delivery_create(key=key, channel="mail", **values)


# --- Written once under its key ----------------------------------------------------------------------


def test_a_key_is_one_delivery_and_a_message_not_yet_sent_takes_the_newer_text(world):
    first = a_mail(institution=world.institution)
    again = a_mail(body="新的正文")
    assert again.pk == first.pk and Delivery.objects.count() == 1
    assert again.body == "新的正文"  # not sent yet: the newer text goes
    delivery_send(delivery_id=first.pk)
    third = a_mail(body="第三次")
    assert third.pk == first.pk and third.body == "新的正文" and third.status == "sent"  # sent: as it went out


def test_a_mail_without_recipients_or_a_webhook_without_address_is_refused(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        delivery_create(key="x:1", channel="mail", recipients=[], subject="空")
    with pytest.raises(ValidationError):
        delivery_create(key="x:2", channel="webhook", url="", payload={})
    assert not Delivery.objects.exists()


# --- Sent once -------------------------------------------------------------------------------------


def test_a_queued_mail_is_sent_when_the_transaction_commits(world, eager_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        delivery = delivery_queue(key="notice:7", channel="mail", recipients=["li@cumt.example.edu.cn"],
                                  subject="整改事项已指派", body="请查看。")
    assert mail.outbox == [] and len(queued) == 1  # nothing leaves before the commit
    queued[0]()
    delivery.refresh_from_db()
    [message] = mail.outbox
    assert message.to == ["li@cumt.example.edu.cn"] and message.subject == "整改事项已指派"
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.sent_at is not None


def test_a_delivery_task_run_twice_sends_once(world, eager_queue, endpoint):
    delivery = a_mail()
    assert deliver.delay(delivery_id=delivery.pk).get() == services.SENT
    assert deliver.delay(delivery_id=delivery.pk).get() == services.ALREADY  # e.g. redelivered after a timeout
    assert len(mail.outbox) == 1 and Delivery.objects.get().attempts == 1
    target = endpoint(OK)
    hook = webhook(target.url, key="notice:2")
    deliver.delay(delivery_id=hook.pk)
    deliver.delay(delivery_id=hook.pk)
    assert len(target.received) == 1


def test_a_delivery_another_worker_is_sending_is_left_to_it_until_its_claim_is_stale(world):
    delivery = a_mail()
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=timezone.now(), attempts=1)
    assert delivery_send(delivery_id=delivery.pk) == services.ALREADY and mail.outbox == []
    # That worker died before it marked the delivery: once the claim is stale, another sends it.
    stale = timezone.now() - services.STALE_CLAIM - dt.timedelta(seconds=1)
    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=stale)
    assert delivery_send(delivery_id=delivery.pk) == services.SENT
    assert len(mail.outbox) == 1 and Delivery.objects.get().attempts == 2


def test_webhook_posts_the_payload_as_utf8_json(world, endpoint):
    target = endpoint(OK)
    delivery = webhook(target.url)
    assert delivery_send(delivery_id=delivery.pk) == services.SENT
    [request] = target.received
    assert request["type"] == "application/json; charset=utf-8"
    assert json.loads(request["body"].decode("utf-8")) == delivery.payload
    assert "自评已退回".encode() in request["body"]  # UTF-8, not \\u escapes


# --- Retried -------------------------------------------------------------------------------------------


def test_a_webhook_that_fails_once_is_retried_and_sent_once(world, eager_retries, endpoint):
    target = endpoint((500, b'{"error": "busy"}'), OK)
    delivery = webhook(target.url)
    deliver.delay(delivery_id=delivery.pk)  # eager: the retry runs at once instead of after its back-off
    delivery.refresh_from_db()
    assert [entry["status"] for entry in target.received] == [500, 200]
    assert len(target.succeeded) == 1
    assert delivery.status == "sent" and delivery.attempts == 2 and delivery.last_error == ""


@pytest.mark.parametrize("answer", [(503, b"down"), (200, b'{"errcode": 93000, "errmsg": "invalid webhook url"}'),
                                    (302, b"")], ids=["error status", "robot errcode", "redirect"])
def test_a_webhook_that_keeps_failing_is_retried_then_left_failed_with_its_error(world, eager_retries, endpoint,
                                                                                answer):
    target = endpoint(answer)
    delivery = webhook(target.url)
    result = deliver.delay(delivery_id=delivery.pk)
    assert result.failed() and isinstance(result.result, DeliveryFailed)
    delivery.refresh_from_db()
    assert len(target.received) == deliver.max_retries + 1  # the first try and each retry, no more
    assert delivery.status == "failed" and delivery.attempts == deliver.max_retries + 1 and delivery.sent_at is None
    assert str(answer[0]) in delivery.last_error or "93000" in delivery.last_error


def test_the_retry_backs_off(world):
    assert deliver.autoretry_for == (DeliveryFailed,)
    assert deliver.retry_backoff == 30 and deliver.retry_backoff_max == 3600 and deliver.max_retries == 6


def test_a_webhook_that_does_not_answer_in_time_fails(world, settings):
    import socket

    settings.OUTBOX_WEBHOOK_TIMEOUT = 0.2
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    try:
        delivery = webhook(f"http://127.0.0.1:{silent.getsockname()[1]}/robot")
        with pytest.raises(DeliveryFailed):
            delivery_send(delivery_id=delivery.pk)
    finally:
        silent.close()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "Timeout" in delivery.last_error


def test_a_failed_mail_is_sent_by_the_next_attempt(world):
    from unittest import mock

    from django.core.mail.backends.locmem import EmailBackend

    delivery = a_mail()
    with mock.patch.object(EmailBackend, "send_messages", side_effect=OSError("421 try again later")), \
            pytest.raises(DeliveryFailed):
        delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "421 try again later" in delivery.last_error and mail.outbox == []
    assert delivery_send(delivery_id=delivery.pk) == services.SENT
    assert len(mail.outbox) == 1 and Delivery.objects.get().attempts == 2
