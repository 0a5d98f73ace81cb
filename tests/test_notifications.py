"""Notifications (issue 15): who is told of what, in the portal and by e-mail and group robot, once; the bell, the
list, opening and marking read, the e-mail choices; a send that fails loses neither the notification nor the change;
a person who may no longer see the record is not sent it.

The institution here is one of this file's own (江南工学院, with 艺术设计学院 and 后勤处), not a seed's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tracker.assessments.models.assessments import Assessment, Rectification
from tracker.assessments.services import assessments as services
from tracker.notifications import services as notices
from tracker.notifications.models import MailChoice, Notification, Webhook
from tracker.org.models import OrgUnit, Profile
from tracker.outbox.models import Delivery
from tracker.plans.services import task_add_update

from .conftest import client_for
from .factories import (
    AssessmentRoundFactory,
    InstitutionFactory,
    OrgUnitFactory,
    PhaseFactory,
    PlanFactory,
    ProfileFactory,
    StageFactory,
    TaskFactory,
    TaskPartyFactory,
    UserFactory,
    fill_assessment,
    start_assessment,
)

pytestmark = pytest.mark.django_db
Kind = Notification.Kind
INSPECTION = Rectification.Source.INSPECTION


def person(username: str, role: str, institution, unit=None, email: str = ""):
    user = UserFactory(username=username, email=email or f"{username}@jngxy.example.edu.cn")
    ProfileFactory(user=user, role=role, institution=institution, unit=unit)
    return user


@pytest.fixture
def school():
    institution = InstitutionFactory(name="江南工学院", short_name="江工", code="jngxy")
    committee = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.SCHOOL_COMMITTEE, name="校关工委")
    art = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.COLLEGE, name="艺术设计学院")
    law = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.COLLEGE, name="法学院")
    logistics = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.MEMBER_UNIT, name="后勤处")
    people = {
        "office": person("office", Profile.Role.STAFF, institution),
        "office2": person("office2", Profile.Role.STAFF, institution),
        "art": person("art", Profile.Role.SECRETARY, institution, art),
        "art2": person("art2", Profile.Role.SECRETARY, institution, art, email="art2@jngxy.example.edu.cn"),
        "law": person("law", Profile.Role.SECRETARY, institution, law),
        "logistics": person("logistics", Profile.Role.LIAISON, institution, logistics),
        "head": person("head", Profile.Role.LEADER, institution),
    }
    stranger_school = InstitutionFactory(name="湖滨师范学院", code="hbsf")
    people["stranger"] = person("stranger", Profile.Role.STAFF, stranger_school)
    return {"institution": institution, "committee": committee, "art_unit": art, "law_unit": law,
            "logistics_unit": logistics, **people}


@pytest.fixture
def sent_on_commit(django_capture_on_commit_callbacks):
    """What the portal does once the change commits (the notify task, then the deliveries), run here: under `db`
    the test's transaction never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def submitted(school, *, full: bool = True) -> Assessment:
    assessment_round = AssessmentRoundFactory(institution=school["institution"], due_on=dt.date(2099, 3, 31))
    assessment = fill_assessment(start_assessment(school["art_unit"], assessment_round, by=school["art"]), full=full)
    return services.assessment_submit(actor=school["art"], assessment=assessment,
                                      loaded_version=Assessment.objects.get(pk=assessment.pk).version)


def fresh(assessment: Assessment) -> Assessment:
    return Assessment.objects.get(pk=assessment.pk)


# --- Who is told of what ------------------------------------------------------------------------------------


def test_a_submitted_assessment_tells_the_committee_staff_and_not_the_secretary_who_submitted_it(school):
    assessment = submitted(school)
    assert told(Kind.ASSESSMENT_SUBMITTED) == {"office", "office2"}
    notification = Notification.objects.get(recipient=school["office"])
    assert "艺术设计学院" in notification.title and "审核" in notification.title
    assert notification.path == reverse("tracker:assessment-detail", args=[assessment.pk])
    assert notification.unit_id == school["art_unit"].pk and notification.actor == school["art"]


def test_a_returned_assessment_tells_the_units_people_with_the_comments(school):
    assessment = submitted(school)
    entry = assessment.entries.select_related("item").order_by("item__order").first()
    entry.review_comment = "请补充学院党委听取汇报的会议纪要"
    entry.save()
    services.assessment_return(actor=school["office"], assessment=assessment, loaded_version=fresh(assessment).version,
                               comment="第1条佐证不足")
    assert told(Kind.ASSESSMENT_RETURNED) == {"art", "art2"}  # not the other college, not the staff
    notification = Notification.objects.get(recipient=school["art"], kind=Kind.ASSESSMENT_RETURNED)
    assert "退回" in notification.title
    assert "第1条佐证不足" in notification.body and "会议纪要" in notification.body


def test_an_accepted_assessment_with_gaps_tells_the_unit_and_counts_its_rectifications(school):
    assessment = submitted(school, full=False)
    for entry in assessment.entries.all():
        entry.review_score = Decimal("0")
        entry.save()
    services.assessment_accept(actor=school["office"], assessment=assessment, loaded_version=fresh(assessment).version)
    assert told(Kind.ASSESSMENT_ACCEPTED) == {"art", "art2"}
    count = Rectification.objects.filter(unit=school["art_unit"]).count()
    assert count and f"{count} 个" in Notification.objects.get(recipient=school["art2"]).body


def test_rectifications_assigned_done_and_verified_each_tell_who_acts_next(school):
    office, art = school["office"], school["art"]
    rectification = services.rectification_create(
        actor=office, institution=school["institution"], unit=school["art_unit"], source=INSPECTION,
        problem="工作台账不完整", measure="补齐台账", deadline=dt.date(2099, 5, 1))
    assert told(Kind.RECTIFICATION_ASSIGNED) == {"art", "art2"}
    from .factories import pdf_upload

    services.rectification_advance(actor=art, rectification=rectification, loaded_version=1,
                                   status=Rectification.Status.DONE, note="已补齐", files=[pdf_upload()])
    assert told(Kind.RECTIFICATION_DONE) == {"office", "office2"}
    current = Rectification.objects.get(pk=rectification.pk)
    services.rectification_advance(actor=office, rectification=current, loaded_version=current.version,
                                   status=Rectification.Status.VERIFIED)
    assert told(Kind.RECTIFICATION_VERIFIED) == {"art", "art2"}
    # a reassignment to another unit tells the new unit
    other = services.rectification_create(
        actor=office, institution=school["institution"], unit=school["art_unit"], source=INSPECTION,
        problem="队伍名册未更新", measure="", deadline=dt.date(2099, 5, 1))
    services.rectification_reassign(actor=office, rectification=other, loaded_version=other.version,
                                    unit=school["law_unit"], measure="由法学院牵头", deadline=dt.date(2099, 6, 1))
    assert "law" in told(Kind.RECTIFICATION_ASSIGNED)


def test_a_new_round_tells_every_unit_that_files_and_a_reminder_tells_the_unit_reminded(school):
    from .factories import scored_standard

    assessment_round = services.round_create(actor=school["office"], institution=school["institution"],
                                             standard=scored_standard(school["institution"]), name="2027年对标找差",
                                             due_on=timezone.localdate() + dt.timedelta(days=28))
    assert told(Kind.ROUND_OPENED) == {"art", "art2", "law"}  # the colleges; not the member unit's liaison
    opened = Notification.objects.filter(kind=Kind.ROUND_OPENED).first()
    assert "2027年对标找差" in opened.title
    # the round's row of the round list, whose button starts the assessment (the start page takes a POST only)
    assert opened.path == reverse("tracker:round-list") + f"#round-{assessment_round.pk}"
    school["law_unit"].email = "fxy@jngxy.example.edu.cn"
    school["law_unit"].save()
    services.send_filing_reminders(actor=school["office"], assessment_round=assessment_round)
    assert told(Kind.REMINDER_SENT) == {"art", "art2", "law"}


def test_a_task_changed_by_someone_else_tells_the_units_it_names_not_the_one_who_changed_it(school):
    plan = PlanFactory(institution=school["institution"])
    stage = StageFactory(phase=PhaseFactory(plan=plan, order=1, start_date=None, end_date=None), order=1)
    task = TaskFactory(stage=stage, order=1, number="8", title="建立二级关工委工作台账")
    TaskPartyFactory(task=task, kind=OrgUnit.Kind.COLLEGE)  # 各二级关工委: every college
    TaskPartyFactory(task=task, kind=OrgUnit.Kind.MEMBER_UNIT, unit=school["logistics_unit"], role="cooperating")
    task_add_update(actor=school["office"], task=task, loaded_version=task.version, date=timezone.localdate(),
                    note="已下发台账模板", status="in_progress", progress=20)
    assert told(Kind.TASK_CHANGED) == {"art", "art2", "law", "logistics"}
    Notification.objects.all().delete()
    task.refresh_from_db()
    task_add_update(actor=school["art"], task=task, loaded_version=task.version, date=timezone.localdate(),
                    note="学院台账已建立")
    assert told(Kind.TASK_CHANGED) == {"art2", "law", "logistics"}  # the secretary who wrote it is not told


def test_an_opinion_tells_the_committee_staff(school):
    from .factories import ReviewFactory

    review = ReviewFactory(institution=school["institution"])
    expert = person("expert", Profile.Role.REVIEWER, school["institution"])
    services.review_opinion_add(actor=expert, review=review, text="关心下一代工作纳入学院考核的制度需完善")
    assert {"office", "office2"} <= told(Kind.OPINION_ADDED)
    assert "stranger" not in told(Kind.OPINION_ADDED)


# --- Sending: once, by the person's choice, never to who may no longer see it ---------------------------------


def test_each_person_is_mailed_once_and_a_second_run_sends_nothing_more(school, sent_on_commit):
    mail.outbox.clear()
    with sent_on_commit():
        assessment = submitted(school)
    addresses = sorted(address for message in mail.outbox for address in message.to)
    assert addresses == ["office2@jngxy.example.edu.cn", "office@jngxy.example.edu.cn"]
    assert all(message.subject.endswith("请审核") for message in mail.outbox)
    assert reverse("tracker:assessment-detail", args=[assessment.pk]) in mail.outbox[0].body
    event = Notification.objects.first().event
    with sent_on_commit():
        assert notices.notify_send(event=event).mails == 2  # asked again: the same deliveries, already sent
    assert len(mail.outbox) == 2
    assert Delivery.objects.filter(key__startswith="notice:", status="sent").count() == 2


def test_a_kind_switched_off_is_not_mailed_but_still_listed(school, sent_on_commit):
    notices.mail_choice_save(actor=school["office"], mailed=[Kind.RECTIFICATION_DONE])
    assert notices.mailed_kinds(school["office"]) == {Kind.RECTIFICATION_DONE}
    assert MailChoice.history.filter(user=school["office"]).exists()  # the choice is recorded with who and when
    mail.outbox.clear()
    with sent_on_commit():
        submitted(school)
    assert [message.to for message in mail.outbox] == [["office2@jngxy.example.edu.cn"]]
    assert Notification.objects.filter(recipient=school["office"], kind=Kind.ASSESSMENT_SUBMITTED).exists()


def test_someone_who_left_the_unit_before_the_send_is_not_sent_it(school, django_capture_on_commit_callbacks,
                                                                   sent_on_commit):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notices.notify_unit_people(kind=Kind.ROUND_OPENED, event="测试:调岗", unit_ids=[school["art_unit"].pk],
                                   institution_id=school["institution"].pk, title="新一轮自评", path="/")
    assert callbacks
    Profile.objects.filter(user=school["art2"]).update(unit=school["law_unit"])  # moved to another college meanwhile
    mail.outbox.clear()
    with sent_on_commit():
        sent = notices.notify_send(event="测试:调岗")
    assert (sent.mails, sent.withheld) == (1, 1)
    assert [message.to for message in mail.outbox] == [["art@jngxy.example.edu.cn"]]


def test_a_mail_server_that_fails_loses_neither_the_change_nor_the_notification(school, settings, sent_on_commit):
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"
    with sent_on_commit():
        assessment = submitted(school)
    assert fresh(assessment).status == Assessment.Status.SUBMITTED
    assert told(Kind.ASSESSMENT_SUBMITTED) == {"office", "office2"}
    failed = Delivery.objects.filter(key__startswith="notice:", channel="mail")
    assert failed.count() == 2 and {delivery.status for delivery in failed} == {"failed"}
    assert "SMTP" in failed.first().last_error


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP server unreachable")


def test_robots_get_one_post_per_event_in_the_group_of_whom_it_concerns(school, monkeypatch, sent_on_commit):
    posted = []

    class Answer:
        status_code = 200
        text = '{"errcode":0}'

        def json(self):
            return {"errcode": 0, "errmsg": "ok"}

    monkeypatch.setattr("tracker.outbox.services.requests.post",
                        lambda url, **kwargs: posted.append((url, kwargs["data"])) or Answer())
    institution = school["institution"]
    committee_hook = Webhook.objects.create(institution=institution, kind="wecom", name="校关工委工作群",
                                            url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=office")
    art_hook = Webhook.objects.create(institution=institution, unit=school["art_unit"], kind="dingtalk",
                                      name="艺术学院群",
                                      url="https://oapi.dingtalk.com/robot/send?access_token=art", secret="SECabc")
    Webhook.objects.create(institution=institution, unit=school["law_unit"], kind="wecom", name="法学院群",
                           url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=law")
    with sent_on_commit():
        assessment = submitted(school)  # tells the staff: the committee's group
    assert [url for url, _data in posted] == [committee_hook.url]
    posted.clear()
    assessment.entries.filter(pk=assessment.entries.first().pk).update(review_comment="请补充会议纪要")
    with sent_on_commit():
        services.assessment_return(actor=school["office"], assessment=assessment,
                                   loaded_version=fresh(assessment).version, comment="请补充材料")
    # two secretaries of 艺术设计学院 told: one post, in their group, signed for 钉钉
    assert len(posted) == 1 and posted[0][0].startswith(art_hook.url + "&timestamp=") and "&sign=" in posted[0][0]
    assert "退回" in posted[0][1].decode()
    event = Notification.objects.filter(kind=Kind.ASSESSMENT_RETURNED).first().event
    with sent_on_commit():
        notices.notify_send(event=event)
    assert len(posted) == 1  # the same event again: nothing more posted


# --- The bell, the list, opening, marking read ------------------------------------------------------------


def test_the_bell_counts_unread_and_opening_one_marks_it_read_and_goes_to_its_page(school):
    assessment = submitted(school)
    client = client_for(school["office"])
    page = client.get(reverse("tracker:plan-list")).content.decode()
    assert 'id="bell-count">1<' in page
    listing = client.get(reverse("tracker:notification-list")).content.decode()
    notification = Notification.objects.get(recipient=school["office"])
    assert notification.title in listing and "is-unread" in listing
    response = client.get(reverse("tracker:notification-open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("tracker:assessment-detail",
                                                                           args=[assessment.pk])
    assert Notification.objects.get(pk=notification.pk).read_at is not None
    assert 'id="bell-count"' not in client.get(reverse("tracker:plan-list")).content.decode()
    # someone else's notification: not found, and left unread
    theirs = Notification.objects.get(recipient=school["office2"])
    assert client.get(reverse("tracker:notification-open", args=[theirs.pk])).status_code == 404
    assert client_for(school["stranger"]).get(reverse("tracker:notification-open", args=[theirs.pk])).status_code \
        == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_all_read_and_the_mail_choices_on_the_list_page(school):
    submitted(school)
    client = client_for(school["office2"])
    assert client.post(reverse("tracker:notification-mark-read")).status_code == 302
    assert not Notification.objects.filter(recipient=school["office2"], read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=school["office"], read_at__isnull=True).exists()  # not others'
    client.post(reverse("tracker:notification-mail-choice"), {"mail": ["assessment_submitted", "not-a-kind"]})
    assert notices.mailed_kinds(school["office2"]) == {Kind.ASSESSMENT_SUBMITTED}
    page = client.get(reverse("tracker:notification-list")).content.decode()
    assert 'value="assessment_submitted" checked' in page and 'value="task_changed">' in page


def test_the_mail_choices_page_lists_the_daily_digest_and_saving_keeps_or_switches_it(school):
    from tracker.notifications.models import DIGEST

    client = client_for(school["office"])
    page = client.get(reverse("tracker:notification-list")).content.decode()
    assert f'value="{DIGEST}" checked' in page  # on until switched off
    client.post(reverse("tracker:notification-mail-choice"), {"mail": [Kind.ASSESSMENT_SUBMITTED, DIGEST]})
    assert notices.mailed_kinds(school["office"]) == {Kind.ASSESSMENT_SUBMITTED, DIGEST}
    assert DIGEST not in MailChoice.objects.get(user=school["office"]).not_mailed
    client.post(reverse("tracker:notification-mail-choice"), {"mail": [Kind.ASSESSMENT_SUBMITTED]})
    assert DIGEST in MailChoice.objects.get(user=school["office"]).not_mailed  # unticked: the digest is off
    page = client.get(reverse("tracker:notification-list")).content.decode()
    assert f'value="{DIGEST}">' in page


def test_the_bell_costs_no_query_however_many_notifications(school, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(school["office"])
    url = reverse("tracker:plan-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    Notification.objects.bulk_create(
        Notification(recipient=school["office"], kind=Kind.TASK_CHANGED, event=f"量:{n}",
                     institution=school["institution"], title=f"任务变动{n}", path="/") for n in range(200))
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert 'id="bell-count">200<' in page
    assert len(many) == len(few)
