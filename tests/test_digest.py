"""The daily digest (issue 15): `manage.py send_reminders` sends each person one mail of what is due and overdue for
them, and each group robot one post, once a day however many runs (tracker/reporting/mailing.py).

The data is our own: a college of the world's university with two secretaries, a contact address, tasks and a
rectification; committee staff and a leader with addresses; robots of the college, of another college and of the
committee. Robot posts are deliveries written by the run; under a test's transaction nothing is posted (the task
queue is asked only when the run commits), except in the test that starts a local robot server and commits.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import translation
from django.utils.translation import gettext

from tracker.notifications.models import DIGEST, MAIL_KIND_VALUES, MAIL_KINDS, MailChoice, Notification, Webhook
from tracker.org.models import OrgUnit, Profile
from tracker.outbox.models import Delivery
from tracker.reporting import mailing
from tracker.reporting.models import ReminderClaim

from . import queue_helpers
from .conftest import make_person
from .factories import OrgUnitFactory, RectificationFactory, TaskFactory, TaskPartyFactory

pytestmark = pytest.mark.django_db

eager_queue = queue_helpers.eager_queue

DAY = "2022-01-02"  # the world's college task (各二级关工委) is due 2021-12-31: overdue that day
WECOM_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0b5e2c1d-7f3a-4d6e-8a9b-1c2d3e4f5a6b"
DING_URL = "https://oapi.dingtalk.com/robot/send?access_token=4f7d9a1b3c5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e"


def zh(message: str, **values) -> str:
    with translation.override("zh-hans"):
        return gettext(message) % values if values else gettext(message)


def with_email(user, address: str):
    user.email = address
    user.save()
    return user


@pytest.fixture
def survey(world) -> SimpleNamespace:
    """环境与测绘学院: two secretaries, a contact address of its own, two tasks and a rectification of its own (and
    the world's college task, which names every college); the committee's staff and a leader with addresses."""
    unit = OrgUnitFactory(institution=world.institution, kind=OrgUnit.Kind.COLLEGE, name="环境与测绘学院",
                          parent=world.committee, email="hcxy@cumt.example.edu.cn")
    qian = with_email(make_person("qian.xy", Profile.Role.SECRETARY, world.institution, unit),
                      "qianxy@cumt.example.edu.cn")
    sun = with_email(make_person("sun.lj", Profile.Role.SECRETARY, world.institution, unit),
                     "sunlj@cumt.example.edu.cn")
    stage = world.school_task.stage
    overdue = TaskFactory(stage=stage, order=40, number="41", title="编写五老宣讲稿", due_date=dt.date(2021, 12, 20))
    TaskPartyFactory(task=overdue, kind=unit.kind, unit=unit)
    soon = TaskFactory(stage=stage, order=41, number="42", title="组织青年学生座谈", due_date=dt.date(2022, 1, 5))
    TaskPartyFactory(task=soon, kind=unit.kind, unit=unit)
    gap = RectificationFactory(unit=unit, deadline=dt.date(2021, 12, 25), problem="工作台账缺少签到表")
    staff = with_email(make_person("zhou.staff", Profile.Role.STAFF, world.institution), "zhoum@cumt.example.edu.cn")
    leader = with_email(make_person("wu.leader", Profile.Role.LEADER, world.institution), "wuld@cumt.example.edu.cn")
    titles = ["编写五老宣讲稿", "组织青年学生座谈", "工作台账缺少签到表", world.college_task.title]
    return SimpleNamespace(unit=unit, qian=qian, sun=sun, staff=staff, leader=leader, gap=gap, titles=titles)


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_reminders", "--date", DAY, *args, stdout=out)
    return out.getvalue()


def mail_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def robot(world, unit, url: str = WECOM_URL, kind: str = "wecom", name: str = "测绘学院关工委群") -> Webhook:
    return Webhook.objects.create(institution=world.institution, unit=unit, kind=kind, name=name, url=url)


# --- One digest per person ----------------------------------------------------------------------------------


def test_two_secretaries_of_one_unit_get_one_digest_each_with_all_their_items(world, survey, settings):
    output = run()
    with translation.override("zh-hans"):
        subject = gettext("[%(portal)s] %(unit)s: %(overdue)d overdue, %(due)d due within %(days)d days") % {
            "portal": str(settings.PORTAL_NAME), "unit": "环境与测绘学院", "overdue": 3, "due": 1, "days": 7}
    for person, address in ((survey.qian, "qianxy@cumt.example.edu.cn"), (survey.sun, "sunlj@cumt.example.edu.cn")):
        [digest] = mail_to(address)  # one mail, not one per item
        assert digest.to == [address]  # her own, not the unit's list of addresses
        assert digest.body.startswith(zh("%(unit)s, %(name)s:", unit="环境与测绘学院", name=person.first_name))
        for title in survey.titles:
            assert title in digest.body
        assert digest.subject == subject
        assert f"→ {person.first_name} <{address}>" in output
    # The unit's own address, which is neither's, gets the same digest once; nobody else's items are in them.
    [unit_mail] = mail_to("hcxy@cumt.example.edu.cn")
    assert unit_mail.to == ["hcxy@cumt.example.edu.cn"] and all(title in unit_mail.body for title in survey.titles)
    assert world.school_task.title not in unit_mail.body
    # Four addresses in all: the college's two secretaries and its own address, the staff member; no leader.
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "hcxy@cumt.example.edu.cn", "qianxy@cumt.example.edu.cn", "sunlj@cumt.example.edu.cn",
        "zhoum@cumt.example.edu.cn"]


def test_committee_staff_get_the_summary_and_leaders_get_none(world, survey):
    other_staff = with_email(make_person("zheng.staff", Profile.Role.STAFF, world.institution),
                             "zhengh@cumt.example.edu.cn")
    run()
    summaries = [*mail_to("zhoum@cumt.example.edu.cn"), *mail_to("zhengh@cumt.example.edu.cn")]
    assert len(summaries) == 2 and all(len(message.to) == 1 for message in summaries)
    for message, person in zip(summaries, (survey.staff, other_staff), strict=True):
        assert message.body.startswith(zh("%(name)s:", name=person.first_name))
        assert "编写五老宣讲稿" in message.body and "工作台账缺少签到表" in message.body
        assert "组织青年学生座谈" not in message.body  # not yet overdue: the summary is of what is overdue
    assert mail_to("wuld@cumt.example.edu.cn") == []


def test_the_units_address_is_not_mailed_twice_when_it_is_one_of_its_people(world, survey):
    OrgUnit.objects.filter(pk=survey.unit.pk).update(email="QianXY@cumt.example.edu.cn")  # her address, in capitals
    run()
    assert len(mail_to("qianxy@cumt.example.edu.cn")) == 1 and mail_to("QianXY@cumt.example.edu.cn") == []
    claim = ReminderClaim.objects.get(unit=survey.unit)
    assert claim.recipients.splitlines() == ["qianxy@cumt.example.edu.cn", "sunlj@cumt.example.edu.cn"]


def test_an_inactive_person_gets_no_digest(world, survey):
    survey.sun.is_active = False
    survey.sun.save()
    run()
    assert mail_to("sunlj@cumt.example.edu.cn") == [] and len(mail_to("qianxy@cumt.example.edu.cn")) == 1


# --- Switched off -----------------------------------------------------------------------------------------------


def test_a_person_who_switched_the_digest_off_gets_none(world, survey):
    MailChoice.objects.create(user=survey.sun, not_mailed=[DIGEST])
    # Another kind switched off is not the digest: the staff member still gets hers.
    MailChoice.objects.create(user=survey.staff, not_mailed=[Notification.Kind.TASK_CHANGED])
    output = run("-v", "2")
    assert mail_to("sunlj@cumt.example.edu.cn") == []
    assert len(mail_to("qianxy@cumt.example.edu.cn")) == 1 and len(mail_to("hcxy@cumt.example.edu.cn")) == 1
    assert len(mail_to("zhoum@cumt.example.edu.cn")) == 1
    assert f"Switched the digest off: {survey.sun.first_name} <sunlj@cumt.example.edu.cn>" in output
    assert "1 person(s) switched the digest off" in output
    assert "No address: 中国矿业大学 · 环境与测绘学院" not in output  # she has one; she chose


def test_when_its_only_person_switched_it_off_the_units_address_is_still_mailed_but_hers_is_not(world, survey):
    survey.sun.profile.delete()
    MailChoice.objects.create(user=survey.qian, not_mailed=[DIGEST])
    run()
    assert mail_to("qianxy@cumt.example.edu.cn") == [] and len(mail_to("hcxy@cumt.example.edu.cn")) == 1
    # Her address as the unit's: her choice covers it.
    mail.outbox.clear()
    OrgUnit.objects.filter(pk=survey.unit.pk).update(email="qianxy@cumt.example.edu.cn")
    call_command("send_reminders", "--date", "2022-01-03", stdout=StringIO())
    assert mail_to("qianxy@cumt.example.edu.cn") == []


def test_the_digest_is_a_kind_the_mail_choices_page_can_list():
    assert (DIGEST, MAIL_KINDS[-1][1]) == MAIL_KINDS[-1] and DIGEST not in Notification.Kind.values
    assert MAIL_KIND_VALUES == [*Notification.Kind.values, DIGEST]
    with translation.override("zh-hans"):
        assert str(MAIL_KINDS[-1][1]) == "每日待办摘要（到期和逾期事项）"


# --- Once a day ---------------------------------------------------------------------------------------------------


def test_run_twice_the_same_day_sends_and_posts_nothing_again(world, survey):
    robot(world, survey.unit)
    robot(world, None, url=DING_URL, kind="dingtalk", name="校关工委工作群")
    run()
    deliveries = sorted(Delivery.objects.values_list("key", "status"))
    sent = len(mail.outbox)
    assert sent == 4 and len(deliveries) == 6  # four mails, two robot posts
    output = run()
    assert len(mail.outbox) == sent and sorted(Delivery.objects.values_list("key", "status")) == deliveries
    assert "Sent 0 mail(s) for 2022-01-02" in output and "4 already sent that day" in output
    assert "Posted 0 digest(s) to group robots; 2 already posted that day." in output
    # The next day is another digest, for each person and robot.
    call_command("send_reminders", "--date", "2022-01-03", stdout=StringIO())
    assert len(mail.outbox) == 2 * sent and Delivery.objects.count() == 2 * len(deliveries)


def test_mails_are_keyed_per_person_and_day(world, survey):
    run()
    keys = set(Delivery.objects.filter(channel="mail").values_list("key", flat=True))
    assert keys == {f"reminder:person:{survey.qian.pk}:{DAY}", f"reminder:person:{survey.sun.pk}:{DAY}",
                    f"reminder:unit:{survey.unit.pk}:{DAY}", f"reminder:person:{survey.staff.pk}:{DAY}"}


def test_a_refused_mail_goes_with_the_next_run_and_the_others_are_not_sent_twice(world, survey):
    from unittest import mock

    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def refuse_sun(self, messages):
        if any("sunlj@cumt.example.edu.cn" in message.to for message in messages):
            raise OSError("550 mailbox unavailable")
        return original(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", refuse_sun), pytest.raises(CommandError):
        call_command("send_reminders", "--date", DAY, stdout=StringIO(), stderr=StringIO())
    assert not ReminderClaim.objects.filter(unit=survey.unit).exists()  # given back
    run()
    for address in ("qianxy@cumt.example.edu.cn", "sunlj@cumt.example.edu.cn", "hcxy@cumt.example.edu.cn"):
        assert len(mail_to(address)) == 1, address


# --- Group robots -------------------------------------------------------------------------------------------------


def test_each_units_robot_gets_its_digest_and_the_committees_the_summary_once_a_day(world, survey, settings):
    settings.PORTAL_BASE_URL = "https://gwgw.example.edu.cn"
    unit_hook = robot(world, survey.unit)
    committee_hook = robot(world, None, url=DING_URL, kind="dingtalk", name="校关工委工作群")
    quiet = robot(world, world.other_member_unit, name="团委工作群")  # nothing due there: no post
    off = robot(world, survey.unit, name="停用的群")
    Webhook.objects.filter(pk=off.pk).update(active=False)
    other = Webhook.objects.create(institution=world.other_institution, unit=None, kind="wecom", name="苏大关工委群",
                                   url=WECOM_URL)
    output = run()
    posts = {delivery.webhook_id: delivery for delivery in Delivery.objects.filter(webhook__isnull=False)}
    assert set(posts) == {unit_hook.pk, committee_hook.pk, other.pk}
    assert quiet.pk not in posts and off.pk not in posts
    # 苏州大学's committee group is told 苏州大学's overdue task, and nothing of 中国矿业大学.
    theirs = posts[other.pk].payload["markdown"]["content"]
    assert world.other_task.title in theirs and "苏州大学" in theirs
    assert "中国矿业大学" not in theirs and "编写五老宣讲稿" not in theirs

    unit_post = posts[unit_hook.pk]
    assert unit_post.key == f"reminder:hook:{unit_hook.pk}:{DAY}" and unit_post.channel == "webhook"
    assert unit_post.status == "queued" and unit_post.url == WECOM_URL  # under the test's transaction: not posted
    payload = unit_post.payload
    assert set(payload) == {"msgtype", "markdown"} and payload["msgtype"] == "markdown"  # 企业微信's shape
    content = payload["markdown"]["content"]
    assert set(payload["markdown"]) == {"content"} and len(content.encode()) <= 4096
    assert content.startswith("**") and "环境与测绘学院" in content.splitlines()[0]
    for title in survey.titles:
        assert title in content
    assert f"(https://gwgw.example.edu.cn{survey.gap.get_absolute_url()})" in content  # each item links its page
    assert "(https://gwgw.example.edu.cn/reminders/)" in content

    summary = posts[committee_hook.pk].payload  # 钉钉's shape: a title and the text
    assert summary["msgtype"] == "markdown" and set(summary["markdown"]) == {"title", "text"}
    assert "中国矿业大学" in summary["markdown"]["title"] and len(summary["markdown"]["title"]) <= 60
    assert "编写五老宣讲稿" in summary["markdown"]["text"] and "组织青年学生座谈" not in summary["markdown"]["text"]
    assert "中国矿业大学 · 环境与测绘学院: digest posted to the group robot “测绘学院关工委群”" in output
    assert "中国矿业大学 · committee: digest posted to the group robot “校关工委工作群”" in output

    run()
    assert Delivery.objects.filter(webhook__isnull=False).count() == 3  # once a day


def test_a_unit_reached_only_by_its_robot_is_not_listed_as_without_address(world, survey):
    robot(world, world.other_college, name="化工学院工作群")  # 化工学院: no address, no person, the college task due
    output = run()
    assert "No address: 中国矿业大学 · 化工学院" not in output
    assert Delivery.objects.filter(webhook__unit=world.other_college).count() == 1


def test_a_dry_run_writes_no_post_and_says_what_it_would_post(world, survey):
    robot(world, survey.unit)
    output = run("--dry-run")
    assert not Delivery.objects.exists() and not ReminderClaim.objects.exists() and mail.outbox == []
    assert "[dry run] 中国矿业大学 · 环境与测绘学院: digest posted to the group robot" in output
    assert "[dry run] Would post 1 digest(s) to group robots" in output


@pytest.fixture
def robot_server(settings) -> Iterator[SimpleNamespace]:
    """A local stand-in for the robots' servers (127.0.0.1, a free port), answering as they do."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server interface
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "json": json.loads(body)})
            answer = b'{"errcode": 0, "errmsg": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    host = f"127.0.0.1:{server.server_port}"
    settings.NOTIFY_WEBHOOK_HOSTS = {"wecom": [host], "dingtalk": [host]}
    settings.NOTIFY_WEBHOOK_HTTP = True
    yield SimpleNamespace(base=f"http://{host}", received=received)
    server.shutdown()
    server.server_close()


def test_the_posts_reach_the_robots_once_when_the_run_commits(world, survey, robot_server, eager_queue,
                                                               django_capture_on_commit_callbacks):
    unit_hook = robot(world, survey.unit, url=f"{robot_server.base}/cgi-bin/webhook/send?key=k1")
    robot(world, None, url=f"{robot_server.base}/robot/send?access_token=t1", kind="dingtalk", name="校关工委工作群")
    with django_capture_on_commit_callbacks(execute=True):
        run()
    with django_capture_on_commit_callbacks(execute=True):
        run()  # the same day again: nothing more arrives
    assert sorted(entry["path"].split("?")[0] for entry in robot_server.received) == [
        "/cgi-bin/webhook/send", "/robot/send"]
    wecom = next(entry["json"] for entry in robot_server.received if entry["path"].startswith("/cgi-bin"))
    assert wecom["msgtype"] == "markdown" and "编写五老宣讲稿" in wecom["markdown"]["content"]
    assert Delivery.objects.get(webhook=unit_hook).status == "sent"


# --- The reads stay flat --------------------------------------------------------------------------------------


def test_a_dry_run_reads_a_fixed_number_of_queries_whatever_the_people_and_robots(world, survey,
                                                                                  django_assert_max_num_queries):
    def more(count: int) -> None:
        for n in range(count):
            unit = OrgUnitFactory(institution=world.institution, kind=OrgUnit.Kind.COLLEGE, name=f"新设学院{count}-{n}",
                                  email=f"xy{count}{n}@cumt.example.edu.cn")
            with_email(make_person(f"sec{count}-{n}", Profile.Role.SECRETARY, world.institution, unit),
                       f"sec{count}{n}@cumt.example.edu.cn")
            robot(world, unit, name=f"新设学院群{count}-{n}")
            MailChoice.objects.create(user=get_user_model().objects.get(username=f"sec{count}-{n}"),
                                      not_mailed=[DIGEST] if n % 2 else [])

    # units, tasks, parties, rectifications, people; tasks, parties, rectifications, steps, staff; robots; claims
    more(2)
    with django_assert_max_num_queries(12):
        small = mailing.reminders_send(day=dt.date(2022, 1, 2), dry_run=True)
    more(20)
    with django_assert_max_num_queries(12):
        large = mailing.reminders_send(day=dt.date(2022, 1, 2), dry_run=True)
    assert len(large.outcomes) > len(small.outcomes) and len(large.posts) == 22
    assert len(large.switched_off) == 1 + 10


# --- The demo: every unit and account has an address, so 催报 and the digest send --------------------------------


def test_every_demo_unit_and_account_has_an_address_on_an_example_domain(demo):
    from tracker.demo import ACCOUNTS

    units = OrgUnit.objects.filter(institution__isnull=False).exclude(kind__in=OrgUnit.OUTSIDE_KINDS)
    assert units.count() >= 2 * (2 + 8) + 10 + 8  # both committees and member units, each university's colleges
    assert not units.filter(email="").exists()
    for unit in units.select_related("institution"):
        assert unit.email.endswith(f"@{unit.institution.code}.example.edu.cn"), unit
    assert {unit.institution_id: unit.email for unit in units.filter(name="机电工程学院")} == {
        units.get(name="机电工程学院").institution_id: "jdxy@cumt.example.edu.cn"}
    for code in ("cumt", "suda"):  # one address per unit
        addresses = list(units.filter(institution__code=code).values_list("email", flat=True))
        assert len(addresses) == len(set(addresses))
    users = {user.username: user.email for user in get_user_model().objects.filter(
        username__in=[account.username for account in ACCOUNTS])}
    assert len(users) == len(ACCOUNTS) and all(email.endswith(".example.edu.cn") for email in users.values())
    assert users["secretary"] == "lixiuying@cumt.example.edu.cn"


def test_the_demos_filing_reminders_reach_every_unit_behind(demo):
    from django.urls import reverse

    from tracker.assessments.models.assessments import AssessmentRound
    from tracker.assessments.services.assessments import send_filing_reminders

    from .conftest import client_for

    User = get_user_model()
    rounds = AssessmentRound.objects.select_related("institution").order_by("pk")
    assert rounds.exists()
    reminded = 0
    for assessment_round in rounds:
        staff = User.objects.get(username="staff" if assessment_round.institution.code == "cumt" else "suda_staff")
        result = send_filing_reminders(actor=staff, assessment_round=assessment_round)
        assert result.without_address == [] and result.failed == [], assessment_round
        reminded += len(result.sent)
    assert reminded > 0
    # The secretary's college, whose assessment is returned, is reminded at its address and hers.
    assert any(message.to == ["jdxy@cumt.example.edu.cn", "lixiuying@cumt.example.edu.cn"] for message in mail.outbox)
    # As the committee staff see it on the round page: 催报 names no unit without an address.
    mail.outbox.clear()
    college_round = [entry for entry in rounds
                     if entry.institution.code == "cumt" and entry.unit_kind == OrgUnit.Kind.COLLEGE][-1]
    response = client_for(User.objects.get(username="staff")).post(
        reverse("tracker:round-remind", args=[college_round.pk]), follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and mail.outbox

    def fixed(message: str) -> list[str]:  # the words of a message around the units it names
        return zh(message, units="\0").split("\0")

    assert all(words in html for words in fixed("Reminders were sent to %(units)s."))
    assert fixed("No e-mail address is known for %(units)s: remind them by telephone, or add an address to the "
                 "unit or its secretary.")[0] not in html


def test_the_demos_daily_digest_has_an_address_for_every_unit(demo):
    output = StringIO()
    call_command("send_reminders", "--date", "2022-01-04", "--dry-run", stdout=output)
    text = output.getvalue()
    assert "No address:" not in text and "; 0 unit(s) without an address" in text
    assert "→ 李秀英 <lixiuying@cumt.example.edu.cn>" in text  # the demo secretary's own digest
    assert "committee staff: summary of" in text and "<wangjianguo@cumt.example.edu.cn>" in text
