"""Reminders: what falls due and what is overdue, for a unit or a user (tracker/reminders.py), the daily mail
(`manage.py send_reminders`) and the "my reminders" page."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from tracker.assessments.models.assessments import Rectification, ReviewStep
from tracker.org.models import OrgUnit
from tracker.plans.models import Task
from tracker.reporting import reminders
from tracker.reporting.models import ReminderClaim

from .conftest import client_for, make_person
from .factories import (
    PhaseFactory,
    PlanFactory,
    RectificationFactory,
    ReviewFactory,
    StageFactory,
    TaskFactory,
    TaskPartyFactory,
)

pytestmark = pytest.mark.django_db

NUMBERS = itertools.count(100)  # task numbers clear of the world's 12, 15 and 17

# The world's stage ends 2021-12-31: its school task (校关工委) and college task (各二级关工委) are due then.
TODAY = dt.date(2021, 12, 28)


def zh(message: str, **values) -> str:
    with translation.override("zh-hans"):
        return gettext(message) % values if values else gettext(message)


def task_due(world, due: dt.date, *, kind: str = OrgUnit.Kind.COLLEGE, unit=None, title: str = "追加任务",
             status: str = Task.Status.NOT_STARTED, role: str = "lead") -> Task:
    """A task of the world's plan due on `due`, naming `unit` (or every unit of `kind`)."""
    stage = world.school_task.stage
    task = TaskFactory(stage=stage, order=stage.tasks.count() + 10, number=str(next(NUMBERS)), title=title,
                       due_date=due, status=status,
                       done_on=due if status == Task.Status.DONE else None)
    TaskPartyFactory(task=task, role=role, kind=unit.kind if unit else kind, unit=unit)
    return task


def keys(result: reminders.Reminders) -> set[tuple[str, str]]:
    """(kind, title) of every task and rectification, and of every review step, in a result."""
    return {(item.kind, item.title) for item in [*result.items, *result.steps]}


def grow(world, count: int, today: dt.date) -> None:
    """`count` more of everything a reminder lists, due or overdue around `today`, in both of the world's colleges."""
    for n in range(count):
        due = today + dt.timedelta(days=n % 20 - 10)
        task_due(world, due, title=f"学院任务{n}")
        task_due(world, due, unit=world.committee, title=f"校关工委任务{n}")
        task = task_due(world, due, unit=world.member_unit, title=f"委员单位任务{n}")
        TaskPartyFactory(task=task, role="cooperating", kind=OrgUnit.Kind.COLLEGE)
        RectificationFactory(unit=world.college, deadline=due, problem=f"台账问题{n}")
        RectificationFactory(unit=world.other_college, deadline=due, problem=f"制度问题{n}")
        review = ReviewFactory(institution=world.institution)
        ReviewStep.objects.filter(review=review, kind="apply").update(planned_on=due)


# --- The data -------------------------------------------------------------------------------------


def test_secretary_gets_tasks_naming_her_college_by_kind_and_her_own_rectifications(world, secretary):
    mine = RectificationFactory(unit=world.college, deadline=TODAY + dt.timedelta(days=3), problem="台账不完整")
    RectificationFactory(unit=world.other_college, deadline=TODAY, problem="别的学院的问题")
    result = reminders.for_user(secretary, today=TODAY, days=7)
    assert result.scope == reminders.UNIT and result.unit == world.college
    assert keys(result) == {("task", "二级关工委对标找差"), ("rectification", "台账不完整")}
    assert [item.obj for item in result.due_soon] == [world.college_task, mine]  # by due date: 12-31, then 12-31
    assert result.overdue == []


def test_due_means_by_today_plus_days_and_overdue_means_before_today(world, liaison):
    for days in (-30, -1, 0, 7, 8):
        task_due(world, TODAY + dt.timedelta(days=days), unit=world.member_unit, title=f"相对{days}天")
    result = reminders.for_user(liaison, today=TODAY, days=7)
    titles = {item.title for item in result.items}
    assert titles == {"相对-30天", "相对-1天", "相对0天", "相对7天"}
    assert {item.title: item.days_overdue for item in result.overdue} == {"相对-30天": 30, "相对-1天": 1}
    assert {item.title: item.days_left for item in result.due_soon} == {"相对0天": 0, "相对7天": 7}


def test_done_tasks_and_closed_rectifications_are_not_reminded(world, secretary, staff):
    task_due(world, TODAY - dt.timedelta(days=5), title="已完成的任务", status=Task.Status.DONE)
    for status in (Rectification.Status.DONE, Rectification.Status.VERIFIED):
        RectificationFactory(unit=world.college, deadline=TODAY, problem=f"已{status}", status=status,
                             verified_by=staff if status == Rectification.Status.VERIFIED else None)
    RectificationFactory(unit=world.college, deadline=TODAY, problem="进行中", status="in_progress")
    result = reminders.for_user(secretary, today=TODAY, days=7)
    assert keys(result) == {("task", "二级关工委对标找差"), ("rectification", "进行中")}


def test_a_task_of_another_institution_naming_the_same_kind_is_not_the_colleges(world, secretary):
    other_stage = world.other_task.stage
    task = TaskFactory(stage=other_stage, order=50, title="苏大学院任务", due_date=TODAY)
    TaskPartyFactory(task=task, kind=OrgUnit.Kind.COLLEGE)
    assert "苏大学院任务" not in {item.title for item in reminders.for_user(secretary, today=TODAY, days=7).items}
    assert "苏大学院任务" not in {item.title for item in reminders.for_unit(world.college, today=TODAY, days=7).items}


def test_staff_and_leaders_see_the_institution_grouped_by_lead_unit_with_review_steps(world, staff, leader):
    RectificationFactory(unit=world.other_college, deadline=TODAY - dt.timedelta(days=1), problem="未听取汇报")
    shared = task_due(world, TODAY, unit=world.committee, title="两家牵头")
    TaskPartyFactory(task=shared, kind=OrgUnit.Kind.PARTY_COMMITTEE)
    review = ReviewFactory(institution=world.institution, name="2022年片区评议")
    ReviewStep.objects.filter(review=review, kind="apply").update(planned_on=TODAY - dt.timedelta(days=2))
    ReviewStep.objects.filter(review=review, kind="file").update(planned_on=TODAY, done_on=TODAY)
    for user in (staff, leader):
        with translation.override("zh-hans"):
            result = reminders.for_user(user, today=TODAY, days=7)
        assert result.scope == reminders.INSTITUTION
        by_label = {group.label: [item.title for item in group.items] for group in result.groups}
        assert by_label == {
            str(zh("Party committees")): ["两家牵头"],
            "校关工委": ["两家牵头", "举办关工委骨干人员培训班"],  # by due date
            str(zh("College committees")): ["二级关工委对标找差"],
            "化工学院": ["未听取汇报"],
        }
        assert [item.title for item in result.steps] == [f"2022年片区评议：{zh('Application')}"]
        assert len(result.items) == 4  # the task with two leads is counted once
        assert len(result.overdue) == 2 and not result.several_institutions


def test_administrator_sees_every_institution(world, admin_user):
    TaskFactory(stage=world.other_task.stage, order=60, title="苏大任务", due_date=TODAY)
    result = reminders.for_user(admin_user, today=TODAY, days=7)
    assert "苏大任务" in {item.title for item in result.items} and result.several_institutions


def test_other_institutions_staff_sees_only_their_own(world, other_staff):
    result = reminders.for_user(other_staff, today=TODAY, days=7)
    assert {item.obj for item in result.items} == {world.other_task}


def test_reviewer_and_user_without_role_get_nothing(world, reviewer):
    from .factories import UserFactory

    for user in (reviewer, UserFactory(username="nobody")):
        result = reminders.for_user(user, today=TODAY, days=7)
        assert result.scope == reminders.NOTHING and result.is_empty


def test_the_mail_read_and_the_page_read_agree_for_every_unit(world, secretary, other_secretary, liaison):
    grow(world, 3, TODAY)
    task_due(world, TODAY, unit=world.college, title="点名机电学院")
    by_unit = {mailing.unit: mailing.reminders for mailing in reminders.mailings(today=TODAY, days=7)}
    for user, unit in ((secretary, world.college), (other_secretary, world.other_college),
                       (liaison, world.member_unit)):
        page = reminders.for_user(user, today=TODAY, days=7)
        direct = reminders.for_unit(unit, today=TODAY, days=7)
        assert [(i.kind, i.obj.pk) for i in by_unit[unit].items] == [(i.kind, i.obj.pk) for i in page.items]
        assert [(i.kind, i.obj.pk) for i in direct.items] == [(i.kind, i.obj.pk) for i in page.items]


def _count(function, *args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        function(*args, **kwargs)
    return len(captured)


def test_reads_take_a_fixed_number_of_queries_whatever_the_data(world, staff, secretary):
    grow(world, 2, TODAY)
    sizes = []
    for _ in range(2):
        for user in (staff, secretary):
            user.__dict__.pop("_tracker_profile", None)
        sizes.append((
            _count(reminders.for_user, staff, today=TODAY, days=30),  # profile, tasks, parties, rectifications, steps
            _count(reminders.for_user, secretary, today=TODAY, days=30),  # profile, tasks, parties, rectifications
            _count(reminders.mailings, today=TODAY, days=7),  # tasks, parties, rectifications, units, addresses
            _count(reminders.staff_summaries, today=TODAY),  # tasks, parties, rectifications, steps, addresses
        ))
        grow(world, 25, TODAY)
    assert sizes[0] == sizes[1] == (5, 4, 5, 5)


# --- The daily mail ---------------------------------------------------------------------------------


@pytest.fixture
def addresses(world, secretary, liaison, staff):
    """The college has a contact address and a secretary with an e-mail; so do the liaison and the staff."""
    OrgUnit.objects.filter(pk=world.college.pk).update(email="jidian@cumt.example.edu.cn")
    for user, address in ((secretary, "li@cumt.example.edu.cn"), (liaison, "zhang@cumt.example.edu.cn"),
                          (staff, "wang@cumt.example.edu.cn")):
        user.email = address
        user.save()


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def mail_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def test_each_unit_gets_its_overdue_and_due_soon_items_in_plain_chinese_text(world, addresses, secretary, settings):
    settings.PORTAL_BASE_URL = "https://gwgw.example.edu.cn"
    entry = RectificationFactory(unit=world.college, deadline=dt.date(2022, 1, 3), problem="台账不完整\n第二行")
    output = run("--date", "2022-01-02", "--days", "7")
    # issue 15: one digest per address, no longer one mail to the unit's address list: the unit's own, the secretary's.
    [message] = mail_to("jidian@cumt.example.edu.cn")
    [hers] = mail_to("li@cumt.example.edu.cn")
    assert message.to == ["jidian@cumt.example.edu.cn"] and hers.to == ["li@cumt.example.edu.cn"]
    assert hers.subject == message.subject
    assert hers.body.startswith(zh("%(unit)s, %(name)s:", unit="机电工程学院", name=secretary.first_name))
    assert message.body.startswith(zh("%(unit)s:", unit="机电工程学院"))
    assert "https://gwgw.example.edu.cn/notifications/" in hers.body  # where she switches it off
    assert "/notifications/" not in message.body  # the unit's address has no choice to make
    with translation.override("zh-hans"):
        portal = str(settings.PORTAL_NAME)
        overdue = ngettext("Due %(date)s, %(days)d day overdue", "Due %(date)s, %(days)d days overdue", 2) % {
            "date": "2021-12-31", "days": 2}
        left = ngettext("Due %(date)s, %(days)d day left", "Due %(date)s, %(days)d days left", 1) % {
            "date": "2022-01-03", "days": 1}
        task_line = gettext("%(index)d. %(kind)s %(number)s: %(title)s") % {
            "index": 1, "kind": gettext("Task"), "number": "17", "title": "二级关工委对标找差"}
    assert portal in message.subject and "机电工程学院" in message.subject
    assert message.content_subtype == "plain" and not getattr(message, "alternatives", None)
    body = message.body
    assert task_line in body and overdue in body and left in body
    assert f"https://gwgw.example.edu.cn{world.college_task.get_absolute_url()}" in body
    assert f"https://gwgw.example.edu.cn{entry.get_absolute_url()}" in body and "台账不完整" in body
    assert "第二行" not in body  # the problem's first line is its title
    assert "https://gwgw.example.edu.cn/reminders/" in body
    assert body.index(overdue) < body.index(left)  # overdue first
    assert "中国矿业大学 · 机电工程学院: 1 overdue, 1 due within 7 days → the unit's address " \
           "<jidian@cumt.example.edu.cn>" in output
    assert f"中国矿业大学 · 机电工程学院: 1 overdue, 1 due within 7 days → {secretary.first_name} " \
           "<li@cumt.example.edu.cn>" in output
    for body in (message.body, hers.body):  # the same items in both
        assert task_line in body and "台账不完整" in body


def test_units_with_nothing_due_get_no_mail_and_units_without_address_are_listed(world, addresses):
    output = run("--date", "2022-01-02")
    # The liaison's unit task is due in 2099: no mail to him. The other college (no address) has the college task.
    assert mail_to("zhang@cumt.example.edu.cn") == []
    assert "No address: 中国矿业大学 · 化工学院 (1 overdue, 0 due within 7 days)" in output
    # 苏州大学's school committee is named by kind only and has no unit in this world; 团委 has nothing due.
    assert "团委" not in output
    assert re.search(r"Sent \d+ mail\(s\) for 2022-01-02 \(looking 7 days ahead\); 2 unit\(s\) without", output)


def test_inactive_people_and_people_of_other_units_are_not_recipients(world, addresses, other_secretary):
    other_secretary.email = "other@cumt.example.edu.cn"
    other_secretary.save()
    retired = make_person("retired_secretary", "secretary", world.institution, world.college)
    retired.email, retired.is_active = "gone@cumt.example.edu.cn", False
    retired.save()
    run("--date", "2022-01-02")
    [message] = mail_to("jidian@cumt.example.edu.cn")
    assert "gone@cumt.example.edu.cn" not in message.to and "other@cumt.example.edu.cn" not in message.to
    assert mail_to("other@cumt.example.edu.cn")[0].to == ["other@cumt.example.edu.cn"]  # her own college's mail


def test_the_horizon_defaults_to_seven_days(world, addresses):
    task_due(world, dt.date(2022, 1, 9), unit=world.member_unit, title="七天后到期")
    task_due(world, dt.date(2022, 1, 10), unit=world.member_unit, title="八天后到期")
    run("--date", "2022-01-02")
    [message] = mail_to("zhang@cumt.example.edu.cn")
    assert "七天后到期" in message.body and "八天后到期" not in message.body


def test_committee_staff_get_one_summary_of_everything_overdue(world, addresses, staff):
    RectificationFactory(unit=world.other_college, deadline=dt.date(2021, 12, 1), problem="未听取汇报")
    task_due(world, dt.date(2022, 1, 5), title="尚未到期")
    review = ReviewFactory(institution=world.institution, name="2022年片区评议")
    ReviewStep.objects.filter(review=review, kind="apply").update(planned_on=dt.date(2021, 12, 20))
    output = run("--date", "2022-01-02")
    [summary] = [m for m in mail_to("wang@cumt.example.edu.cn") if "中国矿业大学" in m.subject]
    assert summary.to == ["wang@cumt.example.edu.cn"]
    body = summary.body
    for text in ("举办关工委骨干人员培训班", "二级关工委对标找差", "未听取汇报", "2022年片区评议", "化工学院"):
        assert text in body
    assert "尚未到期" not in body
    assert f"中国矿业大学 · committee staff: summary of 4 overdue → {staff.first_name} <wang@cumt.example.edu.cn>" \
        in output
    assert body.startswith(zh("%(name)s:", name=staff.first_name))
    assert not [m for m in mail.outbox if "苏州大学" in m.subject]  # no staff address there: listed instead
    assert "No address: 苏州大学 · committee staff" in output


def test_dry_run_sends_nothing_and_prints_what_it_would_send(world, addresses):
    output = run("--date", "2022-01-02", "--dry-run", "-v", "2")
    assert mail.outbox == [] and not ReminderClaim.objects.exists()
    assert "[dry run] 中国矿业大学 · 机电工程学院: 1 overdue" in output
    assert "Subject: " in output and "二级关工委对标找差" in output
    assert "[dry run] Would send" in output


def test_bad_arguments_are_refused(world):
    with pytest.raises(CommandError):
        run("--date", "2022-13-01")
    with pytest.raises(CommandError):
        run("--days", "-1")


def test_a_refused_mail_is_reported_the_others_still_go_and_the_run_fails(world, addresses, liaison):
    task_due(world, dt.date(2022, 1, 3), unit=world.member_unit, title="委员单位任务")
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def refuse_the_college(self, messages):
        if any("jidian@cumt.example.edu.cn" in message.to for message in messages):
            raise OSError("550 mailbox unavailable")
        return original(self, messages)

    err = StringIO()
    with mock.patch.object(EmailBackend, "send_messages", refuse_the_college), pytest.raises(CommandError):
        call_command("send_reminders", "--date", "2022-01-02", stdout=StringIO(), stderr=err)
    assert "550 mailbox unavailable" in err.getvalue()
    assert mail_to("zhang@cumt.example.edu.cn") and mail_to("wang@cumt.example.edu.cn")


# --- Each mail once a day, however many runs --------------------------------------------------------


def sent_to() -> list[tuple[str, ...]]:
    return sorted(tuple(message.to) for message in mail.outbox)


def test_a_second_run_on_the_same_day_sends_nothing_again(world, addresses):
    run("--date", "2022-01-02")
    first = sent_to()
    # The college's digest to its address and to its secretary, and 中国矿业大学's staff summary.
    assert first == [("jidian@cumt.example.edu.cn",), ("li@cumt.example.edu.cn",), ("wang@cumt.example.edu.cn",)]
    output = run("--date", "2022-01-02")
    assert sent_to() == first
    assert "Already sent on 2022-01-02: 中国矿业大学 · 机电工程学院 → the unit's address" in output
    assert "<li@cumt.example.edu.cn>" in output.split("Already sent on 2022-01-02: 中国矿业大学 · 机电工程学院 → ")[2]
    assert "Already sent on 2022-01-02: 中国矿业大学 · committee staff" in output
    assert "Sent 0 mail(s) for 2022-01-02" in output and "3 already sent that day" in output
    claims = ReminderClaim.objects.order_by("kind")
    assert [(c.kind, c.unit, c.day) for c in claims] == [
        (ReminderClaim.Kind.SUMMARY, None, dt.date(2022, 1, 2)),
        (ReminderClaim.Kind.UNIT, world.college, dt.date(2022, 1, 2)),
    ]
    assert claims[1].recipients == "jidian@cumt.example.edu.cn\nli@cumt.example.edu.cn"


def test_a_run_started_while_another_is_sending_sends_only_what_that_one_has_not_claimed(world, addresses, liaison):
    task_due(world, dt.date(2022, 1, 3), unit=world.member_unit, title="委员单位任务")
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages
    second: list[str] = []
    started = []

    def start_another_run_during_the_first_mail(self, messages):
        if not started:  # the first run is sending its first mail: the second run starts now, runs to its end
            started.append(True)
            second.append(run("--date", "2022-01-02"))
        return original(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", start_another_run_during_the_first_mail):
        first = run("--date", "2022-01-02")
    # The college (its address, its secretary), the member unit, the staff: each mailed once, by one run or the other.
    assert sorted(sent_to()) == [("jidian@cumt.example.edu.cn",), ("li@cumt.example.edu.cn",),
                                 ("wang@cumt.example.edu.cn",), ("zhang@cumt.example.edu.cn",)]
    assert "Already sent on 2022-01-02: 中国矿业大学 · 机电工程学院" in second[0]  # the first run's claim
    # The second: the member unit's and the staff's, the college's two left to the first run, which sends them.
    assert "Sent 2 mail(s)" in second[0] and "2 already sent that day" in second[0]
    assert "Sent 2 mail(s)" in first and "2 already sent that day" in first


def test_a_claim_is_refused_when_another_run_holds_it(world):
    day = dt.date(2022, 1, 2)
    assert reminders.reminder_claim(institution=world.institution, unit=world.college, day=day, recipients=["a@x.cn"])
    assert reminders.reminder_claim(institution=world.institution, unit=world.college, day=day,
                                    recipients=["a@x.cn"]) is None
    assert reminders.reminder_claim(institution=world.institution, unit=None, day=day, recipients=["b@x.cn"])
    assert reminders.reminder_claim(institution=world.institution, unit=None, day=day, recipients=["b@x.cn"]) is None
    # Another college, another institution's summary and the next day are other mails.
    assert reminders.reminder_claim(institution=world.institution, unit=world.other_college, day=day,
                                    recipients=["c@x.cn"])
    assert reminders.reminder_claim(institution=world.other_institution, unit=None, day=day, recipients=["d@x.cn"])
    assert reminders.reminder_claim(institution=world.institution, unit=world.college, day=day + dt.timedelta(days=1),
                                    recipients=["a@x.cn"])
    # The database itself refuses a second claim, whatever code writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderClaim.objects.create(institution=world.institution, unit=world.college, day=day,
                                     kind=ReminderClaim.Kind.UNIT, recipients="e@x.cn")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderClaim.objects.create(institution=world.institution, unit=None, day=day,
                                     kind=ReminderClaim.Kind.SUMMARY, recipients="e@x.cn")


def test_the_next_day_sends_again(world, addresses):
    run("--date", "2022-01-02")
    run("--date", "2022-01-03")
    assert len(mail_to("jidian@cumt.example.edu.cn")) == 2 and len(mail_to("wang@cumt.example.edu.cn")) == 2


def test_force_sends_again_what_went_out_that_day(world, addresses):
    run("--date", "2022-01-02")
    output = run("--date", "2022-01-02", "--force")
    assert len(mail_to("jidian@cumt.example.edu.cn")) == 2 and len(mail_to("wang@cumt.example.edu.cn")) == 2
    assert "Already sent" not in output and ReminderClaim.objects.count() == 2


def test_a_mail_that_could_not_be_sent_goes_with_the_next_run(world, addresses):
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages

    def refuse_the_college(self, messages):
        if any("jidian@cumt.example.edu.cn" in message.to for message in messages):
            raise OSError("550 mailbox unavailable")
        return original(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", refuse_the_college), pytest.raises(CommandError):
        call_command("send_reminders", "--date", "2022-01-02", stdout=StringIO(), stderr=StringIO())
    assert not ReminderClaim.objects.filter(unit=world.college).exists()  # given back
    output = run("--date", "2022-01-02")
    assert len(mail_to("jidian@cumt.example.edu.cn")) == 1 and len(mail_to("wang@cumt.example.edu.cn")) == 1
    assert "Sent 1 mail(s)" in output


def test_dry_run_claims_nothing_and_leaves_out_what_went_out(world, addresses):
    run("--date", "2022-01-02", "--dry-run")
    assert not ReminderClaim.objects.exists()
    run("--date", "2022-01-02")
    output = run("--date", "2022-01-02", "--dry-run")
    assert "[dry run] Already sent on 2022-01-02: 中国矿业大学 · 机电工程学院" in output
    assert "[dry run] Would send 0 mail(s)" in output and ReminderClaim.objects.count() == 2


# --- The page ------------------------------------------------------------------------------------------


def test_secretary_page_lists_her_items_each_linking_to_its_page(world, secretary):
    today = timezone.localdate()
    entry = RectificationFactory(unit=world.college, deadline=today + dt.timedelta(days=29), problem="台账不完整")
    RectificationFactory(unit=world.college, deadline=today + dt.timedelta(days=31), problem="下下个月")
    response = client_for(secretary).get(reverse("tracker:reminder-list"))
    html = response.content.decode()
    assert response.status_code == 200 and zh("My reminders") in html
    assert f'href="{world.college_task.get_absolute_url()}"' in html  # overdue since 2021
    assert f'href="{entry.get_absolute_url()}"' in html and "下下个月" not in html
    assert world.school_task.title not in html
    assert response.context["overdue_count"] == 1 and response.context["due_soon_count"] == 1


def test_staff_page_groups_by_unit_and_shows_review_steps(world, staff):
    today = timezone.localdate()
    RectificationFactory(unit=world.other_college, deadline=today, problem="未听取汇报")
    review = ReviewFactory(institution=world.institution, name="2022年片区评议")
    step = ReviewStep.objects.get(review=review, kind="apply")
    ReviewStep.objects.filter(pk=step.pk).update(planned_on=today + dt.timedelta(days=3))
    html = client_for(staff).get(reverse("tracker:reminder-list")).content.decode()
    for heading in ("校关工委", zh("College committees"), "化工学院", zh("Review steps")):
        assert re.search(r'<h2 id="group-[\w-]+">\s*' + re.escape(str(heading)), html), heading
    assert f'href="{review.get_absolute_url()}#step-{step.pk}"' in html


def test_empty_page_says_nothing_is_due_and_where_to_look(world, liaison):
    response = client_for(liaison).get(reverse("tracker:reminder-list"))  # his only task is due in 2099
    html = response.content.decode()
    assert 'id="reminders-empty"' in html
    assert zh("Nothing is overdue and nothing falls due within %(days)s days.", days=30) in html
    assert reverse("tracker:plan-list") in html


def test_menu_links_to_my_reminders_but_not_for_a_reviewer(world, secretary, reviewer):
    url = reverse("tracker:reminder-list")
    assert f'href="{url}"' in client_for(secretary).get(reverse("tracker:plan-list")).content.decode()
    assert client_for(reviewer).get(url).status_code == 403


def test_page_query_count_stays_flat(world, staff, secretary):
    today = timezone.localdate()
    grow(world, 2, today)
    url = reverse("tracker:reminder-list")

    def count(user) -> int:
        client = client_for(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    # staff: session, user, profile, tasks, parties, rectifications, review steps
    # secretary: session, user, profile, tasks, parties, rectifications
    before = (count(staff), count(secretary))
    grow(world, 25, today)
    assert (count(staff), count(secretary)) == before == (7, 6)


def test_user_without_a_role_is_told_to_ask_for_one(world):
    from .factories import UserFactory

    html = client_for(UserFactory(username="nobody")).get(reverse("tracker:reminder-list")).content.decode()
    assert zh("Your account has no role yet. Ask the committee office to give you one.") in html


# --- Several plans at once (issue 14) ---------------------------------------------------------------


def test_each_task_carries_its_plan_when_the_institution_runs_two_plans_at_once(world, secretary, staff):
    today = timezone.localdate()
    second = PlanFactory(institution=world.institution, title="关于推进基层五好关工委建设的实施方案",
                         issued_on=dt.date(2025, 3, 1))
    stage = StageFactory(phase=PhaseFactory(plan=second, order=1, start_date=dt.date(2021, 7, 1),
                                            end_date=dt.date(2099, 12, 31)),
                         order=1, start_date=dt.date(2021, 7, 1), end_date=dt.date(2099, 12, 31))
    own = TaskFactory(stage=stage, order=1, number="3", title="五好关工委自评", due_date=today + dt.timedelta(days=4))
    TaskPartyFactory(task=own, kind=OrgUnit.Kind.COLLEGE)
    first = task_due(world, today + dt.timedelta(days=6), title="培训班总结")  # the world's plan, same days

    mine = reminders.for_user(secretary, today=today, days=reminders.PAGE_DAYS)
    plans = {item.title: item.plan for item in mine.items if item.kind == reminders.TASK}
    assert plans[own.title] == second.title and plans[first.title] == world.plan.title
    assert plans[world.college_task.title] == world.plan.title  # overdue since 2021
    rectification = RectificationFactory(unit=world.college, deadline=today, problem="台账不全")
    assert next(item for item in reminders.for_user(secretary, today=today).items
                if item.obj == rectification).plan == ""

    html = client_for(staff).get(reverse("tracker:reminder-list")).content.decode()
    assert f"<th scope=\"col\">{zh('Plan')}</th>" in html
    row = html[html.index(f'data-kind="task" data-pk="{own.pk}"'):]
    assert f'<td class="reminder-plan">{second.title}</td>' in row[:row.index("</tr>")]
    row = html[html.index(f'data-kind="task" data-pk="{first.pk}"'):]
    assert f'<td class="reminder-plan">{world.plan.title}</td>' in row[:row.index("</tr>")]
