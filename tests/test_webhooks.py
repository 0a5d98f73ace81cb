"""Group robots (issue 15): committee staff set up the university's 企业微信群机器人 and 钉钉自定义机器人 under 设置,
send them a test message, and read the delivery log.

The robots are a local HTTP server each test starts (127.0.0.1, a free port), named in NOTIFY_WEBHOOK_HOSTS with
plain http allowed (NOTIFY_WEBHOOK_HTTP), so no test ever calls an outside address. What arrives is checked against
the robots' documented shapes:

- 企业微信: POST `{"msgtype": "markdown", "markdown": {"content": …}}` (at most 4096 bytes), answered
  `{"errcode": 0, "errmsg": "ok"}`;
- 钉钉: POST `{"msgtype": "markdown", "markdown": {"title": …, "text": …}}`; with 加签, `timestamp` (ms) and
  `sign` = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))) on the address, recomputed here.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tracker.notifications import services_webhooks as services
from tracker.notifications.models import Webhook
from tracker.notifications.services import webhook_queue
from tracker.outbox import robots
from tracker.outbox import services as outbox
from tracker.outbox.models import Delivery
from tracker.outbox.services import DeliveryFailed, delivery_send, outbox_sweep

from . import queue_helpers
from .conftest import client_for
from .factories import OrgUnitFactory

pytestmark = pytest.mark.django_db

eager_queue = queue_helpers.eager_queue

OK = (200, b'{"errcode": 0, "errmsg": "ok"}')
SLOW = "slow"  # an answer that comes after the portal stopped waiting
DING_SECRET = "SEC6d2b1c0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3"


@dataclass
class Robot:
    """A local robot server: answers each POST with the next of `answers` (the last one once they run out)."""

    answers: list
    received: list[dict] = field(default_factory=list)
    base: str = ""

    def wecom_url(self, key: str = "693a91f6-7a4c-4b3e-9d1f-2c8e5b7a0d31") -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={key}"

    def dingtalk_url(self, token: str = "1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c") -> str:
        return f"{self.base}/robot/send?access_token={token}"

    @property
    def succeeded(self) -> list[dict]:
        return [entry for entry in self.received if entry["answered"] == 200 and b'"errcode": 0' in entry["answer"]]


@pytest.fixture
def robot_server(settings) -> Iterator:
    servers = []

    def start(*answers) -> Robot:
        robot = Robot(list(answers) or [OK])

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server interface
                body = self.rfile.read(int(self.headers["Content-Length"]))
                answer = robot.answers[min(len(robot.received), len(robot.answers) - 1)]
                entry = {"path": self.path, "body": body, "type": self.headers["Content-Type"],
                         "answered": None, "answer": b""}
                robot.received.append(entry)
                if answer == SLOW:
                    time.sleep(1.0)
                    return
                status, text = answer
                entry["answered"], entry["answer"] = status, text
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.handle_error = lambda *args: None  # the slow answer's client is gone: nothing to report
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        host = f"127.0.0.1:{server.server_port}"
        settings.NOTIFY_WEBHOOK_HOSTS = {"wecom": [host], "dingtalk": [host]}
        settings.NOTIFY_WEBHOOK_HTTP = True
        robot.base = f"http://{host}"
        return robot

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def make_robot(world, url: str, *, kind: str = "wecom", secret: str = "", unit=None, name: str = "机电学院关工委工作群",
               institution=None) -> Webhook:
    return Webhook.objects.create(institution=institution or world.institution, unit=unit, kind=kind, name=name,
                                  url=url, secret=secret)


def form_data(world, **overrides) -> dict:
    data = {"institution": world.institution.pk, "name": "化工学院关工委工作群", "kind": "wecom",
            "unit": world.other_college.pk, "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=5f0c-77ab",
            "secret": "", "active": "on"}
    data.update(overrides)
    return data


def send_test(client, hook: Webhook, captured) -> object:
    """Press 发送测试消息; the message goes once the request's writes commit (as without a broker)."""
    with captured(execute=True):
        response = client.post(reverse("tracker:webhook-test", args=[hook.pk]))
    assert response.status_code == 302
    return Delivery.objects.get(webhook=hook)


# --- What arrives: the documented shapes -------------------------------------------------------------------


def test_a_wecom_test_message_arrives_as_documented_markdown(world, staff, robot_server, eager_queue,
                                                              django_capture_on_commit_callbacks):
    robot = robot_server(OK)
    hook = make_robot(world, robot.wecom_url(), unit=world.college)
    delivery = send_test(client_for(staff), hook, django_capture_on_commit_callbacks)
    [request] = robot.received
    assert request["path"] == "/cgi-bin/webhook/send?key=693a91f6-7a4c-4b3e-9d1f-2c8e5b7a0d31"  # unsigned, unchanged
    assert request["type"] == "application/json; charset=utf-8"
    body = json.loads(request["body"].decode("utf-8"))
    assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"content"}
    content = body["markdown"]["content"]
    assert content.startswith("**平台测试消息**") and "机电学院关工委工作群" in content
    assert len(content.encode()) <= 4096
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.institution_id == world.institution.pk


def dingtalk_sign(timestamp: str, secret: str) -> str:
    """钉钉's signature, as its documentation computes it (written again here, not the portal's code)."""
    string_to_sign = f"{timestamp}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, digestmod=hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_a_dingtalk_message_arrives_signed_with_a_timestamp_and_sign_that_verify(world, staff, robot_server,
                                                                                  eager_queue,
                                                                                  django_capture_on_commit_callbacks):
    robot = robot_server(OK)
    hook = make_robot(world, robot.dingtalk_url(), kind="dingtalk", secret=DING_SECRET, name="校关工委钉钉群")
    before = int(time.time() * 1000)
    delivery = send_test(client_for(staff), hook, django_capture_on_commit_callbacks)
    [request] = robot.received
    path, _sep, raw_query = request["path"].partition("?")
    assert path == "/robot/send"
    query = parse_qs(raw_query)
    assert query["access_token"] == ["1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c"]
    [timestamp], [sign] = query["timestamp"], query["sign"]
    assert before <= int(timestamp) <= int(time.time() * 1000)  # milliseconds, now
    assert sign == dingtalk_sign(timestamp, DING_SECRET)
    assert f"sign={quote_plus(sign)}" in raw_query  # URL-encoded on the address (base64's + / = escaped)
    body = json.loads(request["body"].decode("utf-8"))
    assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"title", "text"}
    assert body["markdown"]["title"] == "平台测试消息" and "校关工委钉钉群" in body["markdown"]["text"]
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert DING_SECRET not in json.dumps(delivery.payload) and "sign=" not in delivery.url  # signed when posted only


def test_a_dingtalk_message_is_signed_again_at_each_attempt(world, robot_server):
    robot = robot_server((500, b"busy"), OK)
    hook = make_robot(world, robot.dingtalk_url(), kind="dingtalk", secret=DING_SECRET)
    delivery = webhook_queue(hook, key="notice:sign-again", title="自评已退回", lines=["机电工程学院"])
    first, later = 1_700_000_000_000, 1_700_000_000_000 + 2 * 3600 * 1000  # 钉钉 refuses a signature over 1 h old
    with mock.patch.object(robots.time, "time", return_value=first / 1000), pytest.raises(DeliveryFailed):
        delivery_send(delivery_id=delivery.pk)
    with mock.patch.object(robots.time, "time", return_value=later / 1000):
        assert delivery_send(delivery_id=delivery.pk) == outbox.SENT
    stamps = [parse_qs(urlsplit(entry["path"]).query)["timestamp"][0] for entry in robot.received]
    signs = [parse_qs(urlsplit(entry["path"]).query)["sign"][0] for entry in robot.received]
    assert stamps == [str(first), str(later)]
    assert signs == [dingtalk_sign(str(first), DING_SECRET), dingtalk_sign(str(later), DING_SECRET)]


# --- A robot that fails: failed with its error, retried, sent once ------------------------------------------


FAILURES = {
    "error status": ((500, b'{"error": "internal"}'), "HTTP 500"),
    "robot errcode": ((200, b'{"errcode": 93000, "errmsg": "invalid webhook url"}'), "errcode 93000"),
    "timeout": (SLOW, "Timeout"),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_failing_robot_leaves_the_delivery_failed_then_a_later_attempt_sends_it_once(world, robot_server, settings,
                                                                                       eager_queue, failure):
    answer, error = FAILURES[failure]
    settings.OUTBOX_WEBHOOK_TIMEOUT = 0.3
    robot = robot_server(answer, OK)  # fails once, then the robot has recovered
    hook = make_robot(world, robot.wecom_url(key="never-in-the-log"))
    delivery = webhook_queue(hook, key=f"notice:fails:{failure}", title="整改已指派", lines=["请在 30 天内完成"])
    with pytest.raises(DeliveryFailed):
        delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 1 and error in delivery.last_error
    assert "never-in-the-log" not in delivery.last_error  # the robot's key is not written into the log
    # The sweep leaves it while it rests for its back-off, then queues it again (eager: sent at once).
    assert outbox_sweep().failed == []
    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now() - dt.timedelta(minutes=2))
    assert outbox_sweep().failed == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2 and delivery.last_error == ""
    assert delivery_send(delivery_id=delivery.pk) == outbox.ALREADY  # asked again: not sent again
    assert outbox_sweep().requeued == []
    assert len(robot.succeeded) == 1 and len(robot.received) == 2


def test_an_unreachable_robot_fails_without_its_key_in_the_log(world, settings):
    import socket

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    host = f"127.0.0.1:{closed.getsockname()[1]}"
    closed.close()  # nothing listens there: the connection is refused
    settings.NOTIFY_WEBHOOK_HOSTS, settings.NOTIFY_WEBHOOK_HTTP = {"dingtalk": [host]}, True
    hook = make_robot(world, f"http://{host}/robot/send?access_token=tok-never-in-the-log", kind="dingtalk",
                      secret=DING_SECRET)
    delivery = webhook_queue(hook, key="notice:unreachable", title="提醒", lines=[])
    with pytest.raises(DeliveryFailed):
        delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "ConnectionError" in delivery.last_error
    assert "tok-never-in-the-log" not in delivery.last_error and "sign=" not in delivery.last_error


def test_a_robot_switched_off_or_removed_is_sent_nothing_more(world, staff, robot_server):
    robot = robot_server((500, b"down"))
    hook = make_robot(world, robot.wecom_url())
    failed = webhook_queue(hook, key="notice:off:1", title="提醒", lines=[])
    with pytest.raises(DeliveryFailed):
        delivery_send(delivery_id=failed.pk)
    waiting = webhook_queue(hook, key="notice:off:2", title="提醒", lines=[])
    services.webhook_update(actor=staff, webhook=hook, loaded_version=1,
                            data=services.WebhookData(kind="wecom", name=hook.name, url=hook.url, active=False))
    for delivery in (failed, waiting):
        delivery.refresh_from_db()
        assert delivery.status == "failed" and delivery.attempts == outbox.MAX_ATTEMPTS
        assert delivery.last_error == "未发送：群机器人已停用。"
    assert outbox_sweep().requeued == []
    assert len(robot.received) == 1  # only the first attempt, before it was switched off
    # A message written before it was switched off and sent after is refused before any POST.
    Delivery.objects.filter(pk=waiting.pk).update(status="queued", attempts=0)
    with pytest.raises(DeliveryFailed):
        delivery_send(delivery_id=waiting.pk)
    assert len(robot.received) == 1
    # Removed: its deliveries stay on the log, without the robot; nothing is posted to its address again.
    hook.refresh_from_db()
    Delivery.objects.filter(pk=waiting.pk).update(status="queued", attempts=0)
    services.webhook_delete(actor=staff, webhook=hook, loaded_version=hook.version)
    waiting.refresh_from_db()
    assert waiting.webhook_id is None and waiting.status == "failed"
    assert waiting.last_error == "未发送：群机器人已删除。"
    assert outbox_sweep().requeued == [] and Delivery.objects.filter(institution=world.institution).count() == 2


# --- Entry: only the robots' own https hosts -----------------------------------------------------------------


REFUSED_URLS = [
    "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=5f0c",  # not https
    "http://10.0.0.1/",
    "https://10.0.0.1/cgi-bin/webhook/send?key=5f0c",
    "https://192.168.1.20:8080/robot",
    "https://localhost/cgi-bin/webhook/send",
    "https://evil.example.com/",
    "https://qyapi.weixin.qq.com.evil.com/cgi-bin/webhook/send?key=5f0c",
    "https://evilqyapi.weixin.qq.com/cgi-bin/webhook/send",
    "https://qyapi.weixin.qq.com@evil.example.com/cgi-bin/webhook/send",
    "https://evil.example.com@qyapi.weixin.qq.com/cgi-bin/webhook/send",
    "https://user:password@qyapi.weixin.qq.com/cgi-bin/webhook/send",
    "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send",
    "https://qyapi.weixin.qq.com\\@evil.example.com/",
    "https://qyapi.weixin.qq.com%2F@evil.example.com/",
    "https://qyapi.weixin.qq.com\t.evil.example.com/",
    "https://qyapi.weixin.\nqq.com/cgi-bin/webhook/send?key=5f0c",  # a parser that drops line breaks sees qyapi
    "https://qyapi.weixin.qq.com\u3002evil.example.com/",  # an ideographic full stop, a dot to IDNA
    "https://oapi.dingtalk.com/robot/send?access_token=abc",  # 钉钉's host, for a 企业微信 robot
    "ftp://qyapi.weixin.qq.com/",
    "file:///etc/passwd",
    "qyapi.weixin.qq.com/cgi-bin/webhook/send",
    "https://[::1/",
]


REFUSALS = (
    "机器人地址必须以 https:// 开头。",
    "这不是有效的网址。请从群机器人设置中原样复制机器人地址。",
    "这不是企业微信群机器人的地址：地址必须在 qyapi.weixin.qq.com 上。请从群机器人设置中复制。",
)


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_the_form_refuses_an_address_not_on_the_robots_own_https_host_and_keeps_the_input(world, staff, url):
    response = client_for(staff).post(reverse("tracker:webhook-create"), form_data(world, url=url))
    assert response.status_code == 400
    assert not Webhook.objects.exists()
    page = response.content.decode()
    assert "请更正以下错误。本次填写的内容未保存。" in page and "field--error" in page  # at the top and by the field
    [message] = response.context["form"].errors["url"]
    assert message in REFUSALS and escape(message) in page
    assert f'value="{escape(url)}"' in page  # what was typed is there to correct
    assert 'value="化工学院关工委工作群"' in page


def test_the_robots_real_addresses_are_taken_without_calling_them(world, staff):
    client = client_for(staff)
    wecom = form_data(world, url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7a4c-4b3e")
    ding = form_data(world, name="校关工委钉钉群", kind="dingtalk", unit="", secret=DING_SECRET,
                     url="https://oapi.dingtalk.com/robot/send?access_token=1d2c3b4a")
    with mock.patch("requests.post", side_effect=AssertionError("no request at entry")):
        assert client.post(reverse("tracker:webhook-create"), wecom).status_code == 302
        assert client.post(reverse("tracker:webhook-create"), ding).status_code == 302
    hooks = {hook.kind: hook for hook in Webhook.objects.all()}
    assert hooks["wecom"].unit == world.other_college and hooks["wecom"].secret == ""
    assert hooks["dingtalk"].unit is None and hooks["dingtalk"].secret == DING_SECRET
    assert hooks["dingtalk"].history.get().history_user == staff


def test_a_dingtalk_secret_must_begin_with_sec_and_a_wecom_robot_has_none(world, staff):
    client = client_for(staff)
    ding = form_data(world, kind="dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=1d2c",
                     secret="6d2b1c0a9f8e")
    response = client.post(reverse("tracker:webhook-create"), ding)
    assert response.status_code == 400 and "以 SEC 开头" in response.context["form"].errors["secret"][0]
    wecom = form_data(world, secret=DING_SECRET)
    response = client.post(reverse("tracker:webhook-create"), wecom)
    assert response.status_code == 400 and "没有加签密钥" in response.context["form"].errors["secret"][0]
    assert "您填写的加签密钥不会再显示" in response.content.decode()  # so: paste it again
    assert DING_SECRET not in response.content.decode()  # a secret is never written back into a page
    assert not Webhook.objects.exists()


def test_a_unit_of_another_institution_is_refused(world, staff):
    elsewhere = OrgUnitFactory(institution=world.other_institution, name="苏大文学院")
    response = client_for(staff).post(reverse("tracker:webhook-create"), form_data(world, unit=elsewhere.pk))
    assert response.status_code == 400 and response.context["form"].errors["unit"]
    with pytest.raises(ValidationError) as refused:
        services.webhook_create(actor=staff, institution=world.institution,
                                data=services.WebhookData(kind="wecom", name="群", unit=elsewhere,
                                                          url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a"))
    assert refused.value.message_dict["unit"] == ["请选择本校自己的单位。"]
    assert not Webhook.objects.exists()


def test_the_school_committee_is_told_in_the_committees_group_not_a_unit_robot(world, staff):
    units = client_for(staff).get(reverse("tracker:webhook-create")).context["form"].fields["unit"].queryset
    assert world.college in units and world.member_unit in units and world.committee not in units
    with pytest.raises(ValidationError) as refused:
        services.webhook_create(actor=staff, institution=world.institution,
                                data=services.WebhookData(kind="wecom", name="群", unit=world.committee,
                                                          url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a"))
    assert "校关工委请选择“校关工委”" in refused.value.message_dict["unit"][0]


def test_only_committee_staff_of_the_institution_and_the_administrator_manage_its_robots(world, secretary,
                                                                                        other_staff, admin_user):
    data = services.WebhookData(kind="wecom", name="群", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a")
    for outsider in (secretary, other_staff):
        with pytest.raises(PermissionDenied):
            services.webhook_create(actor=outsider, institution=world.institution, data=data)
    assert services.webhook_create(actor=admin_user, institution=world.institution, data=data).pk


# --- Editing: the secret kept and never shown, versions, history ---------------------------------------------


def test_an_edit_keeps_the_secret_unless_a_new_one_is_typed_and_never_shows_it(world, staff):
    hook = make_robot(world, "https://oapi.dingtalk.com/robot/send?access_token=1d2c", kind="dingtalk",
                      secret=DING_SECRET, name="校关工委钉钉群")
    client = client_for(staff)
    url = reverse("tracker:webhook-update", args=[hook.pk])
    page = client.get(url).content.decode()
    assert DING_SECRET not in page and "已保存密钥" in page
    edit = {"version": 1, "name": "校关工委工作群", "kind": "dingtalk", "unit": "", "url": hook.url, "secret": "",
            "active": "on"}
    assert client.post(url, edit).status_code == 302
    hook.refresh_from_db()
    assert hook.name == "校关工委工作群" and hook.secret == DING_SECRET and hook.version == 2
    assert client.post(url, {**edit, "version": 2, "secret": "SECnew0123"}).status_code == 302
    hook.refresh_from_db()
    assert hook.secret == "SECnew0123"
    assert client.post(url, {**edit, "version": 3, "remove_secret": "on"}).status_code == 302
    hook.refresh_from_db()
    assert hook.secret == "" and hook.version == 4
    assert [record.history_user for record in hook.history.all()] == [staff] * 3 + [None]
    assert not hasattr(hook.history.first(), "secret")  # the history never holds the secret


def test_an_edit_against_an_older_version_is_refused_with_the_input_kept(world, staff, admin_user):
    hook = make_robot(world, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a1")
    services.webhook_update(actor=admin_user, webhook=hook, loaded_version=1,
                            data=services.WebhookData(kind="wecom", name="改过的群名", url=hook.url))
    response = client_for(staff).post(reverse("tracker:webhook-update", args=[hook.pk]), {
        "version": 1, "name": "我的新群名", "kind": "wecom", "unit": "", "url": hook.url, "active": "on"})
    assert response.status_code == 409
    assert 'value="我的新群名"' in response.content.decode() and "有人修改了这个群机器人" in response.content.decode()
    hook.refresh_from_db()
    assert hook.name == "改过的群名" and hook.version == 2


def test_remove_asks_first_then_removes(world, staff):
    hook = make_robot(world, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a1")
    client = client_for(staff)
    url = reverse("tracker:webhook-delete", args=[hook.pk])
    assert "确认删除" in client.get(url).content.decode() and Webhook.objects.exists()
    assert client.post(url, {"version": 1}).status_code == 302
    assert not Webhook.objects.exists()
    assert hook.history.order_by("-history_id").first().history_type == "-"


# --- The pages: the list, the test message's answer, the delivery log ----------------------------------------


def test_the_list_shows_each_robot_with_its_last_message(world, staff, robot_server, eager_queue,
                                                         django_capture_on_commit_callbacks):
    robot = robot_server((200, b'{"errcode": 310000, "errmsg": "sign not match"}'))
    hook = make_robot(world, robot.dingtalk_url(), kind="dingtalk", secret=DING_SECRET, unit=world.college)
    make_robot(world, robot.wecom_url(), name="校关工委工作群")
    client = client_for(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tracker:webhook-test", args=[hook.pk]))
    page = client.get(reverse("tracker:webhook-list")).content.decode()
    row = page.split(f'id="webhook-{hook.pk}"')[1].split("</tr>")[0]
    assert "机电工程学院" in row and "钉钉" in row and "badge--overdue" in row and "sign not match" in row
    assert page.index("校关工委工作群") < page.index(f'id="webhook-{hook.pk}"')  # the committee's group first
    assert "尚未发送过" in page


def test_the_test_message_says_at_once_whether_it_went(world, staff, robot_server, eager_queue):
    robot = robot_server(OK)
    hook = make_robot(world, robot.wecom_url())
    client = client_for(staff)
    with mock.patch("tracker.org.queue.transaction.on_commit", side_effect=lambda callback: callback()):
        response = client.post(reverse("tracker:webhook-test", args=[hook.pk]), follow=True)
    assert "测试消息已发给“机电学院关工委工作群”" in response.content.decode()
    assert len(robot.succeeded) == 1
    Webhook.objects.filter(pk=hook.pk).update(active=False)
    response = client.post(reverse("tracker:webhook-test", args=[hook.pk]), follow=True)
    assert "这个机器人已停用" in response.content.decode() and Delivery.objects.count() == 1


def failed_delivery(world, hook: Webhook, key: str = "notice:log:1") -> Delivery:
    delivery = webhook_queue(hook, key=key, title="机电工程学院自评已退回", lines=["请修改后重新提交"])
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=3,
                                                   last_error="DeliveryFailed: HTTP 502: bad gateway")
    return delivery


def test_the_delivery_log_shows_a_failed_delivery_to_staff_and_not_to_another_institutions(world, staff,
                                                                                          other_staff, admin_user):
    hook = make_robot(world, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a1", unit=world.college)
    delivery = failed_delivery(world, hook)
    page = client_for(staff).get(reverse("tracker:delivery-log")).content.decode()
    row = page.split(f'id="delivery-{delivery.pk}"')[1].split("</tr>")[0]
    assert "机电工程学院自评已退回" in row and "机电学院关工委工作群（机电工程学院）" in row
    assert "badge--overdue" in row and "已尝试 3 次" in row and "HTTP 502: bad gateway" in row
    assert "key=a1" not in page  # the robot's address (its key) is not shown
    other = client_for(other_staff)
    assert other.get(reverse("tracker:delivery-log") + f"?institution={world.institution.pk}").status_code == 404
    assert "机电工程学院自评已退回" not in other.get(reverse("tracker:delivery-log")).content.decode()
    admin = client_for(admin_user)
    chosen = admin.get(reverse("tracker:delivery-log") + f"?institution={world.institution.pk}").content.decode()
    assert "机电工程学院自评已退回" in chosen
    shown = admin.get(reverse("tracker:delivery-log") + f"?institution={world.other_institution.pk}")
    assert "机电工程学院自评已退回" not in shown.content.decode()


def test_the_delivery_log_is_newest_first_paged_and_its_queries_flat(world, staff, django_assert_max_num_queries):
    hook = make_robot(world, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a1", unit=world.college)
    client = client_for(staff)
    url = reverse("tracker:delivery-log")

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            delivery = webhook_queue(hook, key=f"notice:page:{n}", title=f"第{n}条通知", lines=[])
            Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() + dt.timedelta(minutes=n))
        Delivery.objects.create(key=f"mail:{start}", channel="mail", institution=world.institution,
                                recipients="jidian@cumt.example.edu.cn", subject="催报")

    add(5, 0)
    client.get(url)  # the session, the profile and the page's frame once
    # session, user, profile, institution, the frame's institutions, count, the page's rows (robot and unit joined)
    with django_assert_max_num_queries(7) as few:
        assert client.get(url).status_code == 200
    add(60, 5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.index("第64条通知") < page.index("第63条通知") and "第10条通知" not in page
    second = client.get(url + "?page=2").content.decode()
    assert "第10条通知" in second and "第64条通知" not in second and "第 2 页，共 2 页" in second
    failed_delivery(world, hook, key="notice:page:failed")
    failed_only = client.get(url + "?show=failed").content.decode()
    assert failed_only.count('class="delivery-log__row') == 1


def test_the_set_up_page_links_to_the_robots_and_the_log(world, staff):
    page = client_for(staff).get(reverse("tracker:setup")).content.decode()
    assert reverse("tracker:webhook-list") in page and reverse("tracker:delivery-log") in page
    assert "群机器人" in page and "消息发送记录" in page


def test_the_robot_list_costs_the_same_queries_however_many_robots(world, staff, django_assert_max_num_queries):
    client = client_for(staff)
    url = reverse("tracker:webhook-list")

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            hook = make_robot(world, f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k{n}", unit=world.college,
                              name=f"第{n}号工作群")
            failed_delivery(world, hook, key=f"notice:list:{n}")

    add(2, 0)
    client.get(url)
    # session, user, profile, institution, the frame's institutions, the robots with their last message and unit
    with django_assert_max_num_queries(6) as few:
        assert client.get(url).status_code == 200
    add(20, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("badge--overdue") == 22 and "第21号工作群" in page
