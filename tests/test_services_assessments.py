"""Self-assessment workflow, rectifications and the university review: the rules in the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.assessments.models.assessments import (
    Assessment,
    AssessmentRound,
    AssessmentTransition,
    FilingReminder,
    Rectification,
    ReviewStep,
)
from tracker.assessments.services import assessments as svc
from tracker.assessments.services.standards import validate_score
from tracker.org.versions import StaleEditError

from .factories import (
    AssessmentRoundFactory,
    OrgUnitFactory,
    RectificationFactory,
    UserFactory,
    fill_assessment,
    pdf_upload,
    start_assessment,
)

pytestmark = pytest.mark.django_db
Status = Assessment.Status


@pytest.fixture
def assessment_round(world):
    return AssessmentRoundFactory(institution=world.institution)


@pytest.fixture
def draft(world, assessment_round, secretary):
    return svc.assessment_start(actor=secretary, assessment_round=assessment_round, unit=world.college)


def entry_numbered(assessment, number):
    return assessment.entries.select_related("item").get(item__number=number)


def save_self(actor, entry, score, **more):
    return svc.entry_save_self(actor=actor, entry=entry, loaded_version=entry.version,
                               part=svc.SelfPart(self_score=str(score), **more))


def fill_all(actor, assessment, *, full=True):
    for entry in assessment.entries.select_related("item"):
        if full or not entry.item.counts_in_total:
            save_self(actor, entry, entry.item.points if entry.item.counts_in_total else 0)
        else:
            save_self(actor, entry, 0, gap="制度不全", measure="补齐制度", owner="王老师",
                      deadline=dt.date(2099, 3, 31))
    assessment.refresh_from_db()
    return assessment


def review_all(actor, assessment, *, comment_on=None):
    for entry in assessment.entries.select_related("item"):
        comment = "请补充佐证材料" if entry.item.number == comment_on else ""
        svc.entry_save_review(actor=actor, entry=entry, loaded_version=entry.version,
                              part=svc.ReviewPart(review_score=str(entry.self_score), review_comment=comment))
    assessment.refresh_from_db()
    return assessment


# --- Starting and filling in ---------------------------------------------------------------------


def test_start_opens_one_entry_per_item_and_is_reused(world, assessment_round, secretary, draft):
    assert draft.status == Status.DRAFT
    assert draft.entries.count() == 5
    again = svc.assessment_start(actor=secretary, assessment_round=assessment_round, unit=world.college)
    assert again.pk == draft.pk and Assessment.objects.count() == 1


def test_a_secretary_cannot_start_another_colleges_or_the_schools(world, assessment_round, other_secretary, leader):
    with pytest.raises(PermissionDenied):
        svc.assessment_start(actor=other_secretary, assessment_round=assessment_round, unit=world.college)
    with pytest.raises(PermissionDenied):
        svc.assessment_start(actor=leader, assessment_round=assessment_round, unit=world.college)
    assert not Assessment.objects.exists()


def test_a_college_round_is_not_filed_by_the_school_committee(world, assessment_round, staff):
    with pytest.raises(PermissionDenied):
        svc.assessment_start(actor=staff, assessment_round=assessment_round, unit=world.committee)


@pytest.mark.parametrize(("number", "score"), [
    ("1", "12"),   # above the item's 10 points
    ("1", "-1"),   # negative
    ("2", "7"),    # graded three: 10 / 6 / 0 only
    ("3", "5"),    # A/B/C/D: 10 / 6 / 4 / 0 only
    ("4", "4.2"),  # deduction of 0.5 per shortfall from 5
    ("1", "十"),   # not a number
])
def test_bad_self_scores_are_refused_and_change_nothing(secretary, draft, number, score):
    entry = entry_numbered(draft, number)
    with pytest.raises(ValidationError) as error:
        save_self(secretary, entry, score)
    with pytest.raises(ValidationError) as rule:  # the scoring rule's own message (tests/test_standards_scoring.py)
        validate_score(entry.item, score)
    assert error.value.message_dict["self_score"] == rule.value.messages
    entry.refresh_from_db()
    assert entry.self_score is None and entry.version == 1


def test_allowed_scores_are_saved_with_who_and_when(secretary, draft):
    entry = save_self(secretary, entry_numbered(draft, "4"), "3.5", gap="缺3人次", measure="补训",
                      owner="王老师", deadline=dt.date(2099, 1, 1), )
    assert entry.self_score == Decimal("3.50") and entry.version == 2
    assert entry.updated_by == secretary
    record = entry.history.first()
    assert record.history_user == secretary and record.self_score == Decimal("3.50")


def test_bonus_takes_any_number_up_to_its_maximum(secretary, draft):
    assert save_self(secretary, entry_numbered(draft, "5"), "1.5").self_score == Decimal("1.50")
    with pytest.raises(ValidationError):
        save_self(secretary, entry_numbered(draft, "5"), "2.5")


def test_a_stale_item_edit_is_refused_with_the_other_change(world, secretary, draft):
    from .conftest import make_person

    colleague = make_person("co_secretary", "secretary", world.institution, world.college)
    entry = entry_numbered(draft, "1")
    save_self(colleague, entry, "10")
    with pytest.raises(StaleEditError) as error:
        svc.entry_save_self(actor=secretary, entry=entry, loaded_version=1, part=svc.SelfPart(self_score="0"))
    assert [change.self_score for change in error.value.changes] == [Decimal("10.00")]
    assert error.value.changes[0].history_user == colleague
    entry.refresh_from_db()
    assert entry.self_score == Decimal("10.00")


def test_evidence_on_an_item_is_checked_and_stored(secretary, draft):
    entry = entry_numbered(draft, "1")
    svc.entry_save_self(actor=secretary, entry=entry, loaded_version=1, part=svc.SelfPart(self_score="10"),
                        files=[pdf_upload("会议纪要.pdf")])
    assert [file.original_name for file in entry.evidence.all()] == ["会议纪要.pdf"]
    fake = SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        svc.entry_save_self(actor=secretary, entry=entry, loaded_version=2, part=svc.SelfPart(self_score="0"),
                            files=[fake])
    assert "files" in error.value.message_dict
    entry.refresh_from_db()
    assert entry.self_score == Decimal("10.00") and entry.evidence.count() == 1


def test_the_report_keeps_to_the_rounds_limit(world, secretary):
    assessment_round = AssessmentRoundFactory(institution=world.institution, report_max_chars=10)
    draft = svc.assessment_start(actor=secretary, assessment_round=assessment_round, unit=world.college)
    with pytest.raises(ValidationError) as error:
        svc.assessment_save_report(actor=secretary, assessment=draft, loaded_version=1, report="字" * 11)
    assert "report" in error.value.message_dict
    saved = svc.assessment_save_report(actor=secretary, assessment=draft, loaded_version=1, report="字" * 10)
    assert saved.report == "字" * 10 and saved.version == 2


# --- The workflow -----------------------------------------------------------------------------------


def test_submit_with_empty_items_is_refused_and_names_them(secretary, draft):
    save_self(secretary, entry_numbered(draft, "1"), "10")
    with pytest.raises(ValidationError) as error:
        svc.assessment_submit(actor=secretary, assessment=draft, loaded_version=draft.version)
    text = " ".join(error.value.messages)
    for number in ("2", "3", "4", "5"):
        assert _("Item %(number)s has no self-score.") % {"number": number} in text
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and not draft.transitions.exists()


def test_a_gap_needs_its_measure_and_deadline_before_submitting(secretary, draft):
    for entry in draft.entries.select_related("item"):
        save_self(secretary, entry, 0)
    with pytest.raises(ValidationError) as error:
        svc.assessment_submit(actor=secretary, assessment=draft, loaded_version=draft.version)
    assert len(error.value.messages) == 4  # the bonus item is no gap


def test_the_whole_workflow_is_recorded_with_who_and_when(secretary, staff, draft):
    fill_all(secretary, draft, full=False)
    submitted = svc.assessment_submit(actor=secretary, assessment=draft, loaded_version=draft.version)
    assert submitted.status == Status.SUBMITTED and submitted.submitted_at is not None

    with pytest.raises(ValidationError):  # a secretary's edits wait until it comes back
        save_self(secretary, entry_numbered(submitted, "1"), "10")

    review_all(staff, submitted, comment_on="2")
    returned = svc.assessment_return(actor=staff, assessment=submitted, loaded_version=submitted.version,
                                     comment="第2项请补充")
    assert returned.status == Status.RETURNED

    save_self(secretary, entry_numbered(returned, "2"), "6", gap="部分制度未更新", measure="修订制度",
              deadline=dt.date(2099, 2, 1))
    returned.refresh_from_db()
    resubmitted = svc.assessment_submit(actor=secretary, assessment=returned, loaded_version=returned.version)
    assert resubmitted.status == Status.RESUBMITTED

    review_all(staff, resubmitted)
    accepted = svc.assessment_accept(actor=staff, assessment=resubmitted, loaded_version=resubmitted.version)
    assert accepted.status == Status.ACCEPTED and accepted.accepted_at is not None
    steps = list(AssessmentTransition.objects.filter(assessment=accepted)
                 .values_list("from_status", "to_status", "actor__username"))
    assert steps == [
        ("draft", "submitted", "secretary"), ("submitted", "returned", "staff"),
        ("returned", "resubmitted", "secretary"), ("resubmitted", "accepted", "staff"),
    ]
    assert accepted.transitions.get(to_status="returned").comment == "第2项请补充"


def test_accepting_makes_every_counted_gap_a_rectification(world, secretary, staff, draft):
    fill_all(secretary, draft, full=False)
    draft = svc.assessment_submit(actor=secretary, assessment=draft, loaded_version=draft.version)
    review_all(staff, draft)
    svc.assessment_accept(actor=staff, assessment=draft, loaded_version=draft.version)
    entries = Rectification.objects.filter(source=Rectification.Source.SELF_ASSESSMENT)
    assert sorted(entries.values_list("entry__item__number", flat=True)) == ["1", "2", "3", "4"]
    first = entries.get(entry__item__number="1")
    assert first.unit == world.college and first.deadline == dt.date(2099, 3, 31)
    assert first.measure == "补齐制度" and first.status == Rectification.Status.OPEN


@pytest.mark.parametrize("start", ["draft", "accepted"])
def test_transitions_the_state_does_not_allow_are_refused(secretary, staff, draft, start):
    if start == "accepted":
        fill_all(secretary, draft)
        draft = svc.assessment_submit(actor=secretary, assessment=draft, loaded_version=draft.version)
        review_all(staff, draft)
        draft = svc.assessment_accept(actor=staff, assessment=draft, loaded_version=draft.version)
    version = draft.version
    for action in (svc.assessment_accept, svc.assessment_return):
        with pytest.raises(ValidationError) as error:
            action(actor=staff, assessment=draft, loaded_version=version)
        target = {svc.assessment_accept: Status.ACCEPTED, svc.assessment_return: Status.RETURNED}[action]
        assert error.value.messages == [_("A self-assessment that is “%(current)s” cannot be made “%(target)s”.")
                                        % {"current": Status(start).label, "target": target.label}]
    draft.refresh_from_db()
    assert draft.status == start and draft.version == version


def test_returning_needs_a_comment_on_an_item_and_accepting_needs_every_review_score(secretary, staff, draft):
    fill_all(secretary, draft)
    draft = svc.assessment_submit(actor=secretary, assessment=draft, loaded_version=draft.version)
    with pytest.raises(ValidationError):
        svc.assessment_return(actor=staff, assessment=draft, loaded_version=draft.version)
    with pytest.raises(ValidationError) as error:
        svc.assessment_accept(actor=staff, assessment=draft, loaded_version=draft.version)
    assert "1、2、3、4、5" in error.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_only_committee_staff_review(secretary, leader, other_staff, draft):
    fill_all(secretary, draft)
    draft = svc.assessment_submit(actor=secretary, assessment=draft, loaded_version=draft.version)
    entry = entry_numbered(draft, "1")
    for actor in (secretary, leader, other_staff):
        with pytest.raises(PermissionDenied):
            svc.entry_save_review(actor=actor, entry=entry, loaded_version=entry.version,
                                  part=svc.ReviewPart(review_score="10"))
        with pytest.raises(PermissionDenied):
            svc.assessment_accept(actor=actor, assessment=draft, loaded_version=draft.version)


def test_another_colleges_secretary_cannot_submit(secretary, other_secretary, draft):
    fill_all(secretary, draft)
    with pytest.raises(PermissionDenied):
        svc.assessment_submit(actor=other_secretary, assessment=draft, loaded_version=draft.version)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_two_reviewers_on_one_item_the_later_is_refused(world, secretary, staff, draft):
    from .conftest import make_person

    second = make_person("staff2", "staff", world.institution)
    fill_all(secretary, draft)
    draft = svc.assessment_submit(actor=secretary, assessment=draft, loaded_version=draft.version)
    entry = entry_numbered(draft, "2")
    loaded = entry.version  # both open the item now
    svc.entry_save_review(actor=staff, entry=entry, loaded_version=loaded,
                          part=svc.ReviewPart(review_score="6", review_comment="制度缺修订记录"))
    with pytest.raises(StaleEditError) as error:
        svc.entry_save_review(actor=second, entry=entry, loaded_version=loaded,
                              part=svc.ReviewPart(review_score="10", review_comment="同意"))
    change = error.value.changes[-1]
    assert (change.review_score, change.review_comment, change.history_user) == (Decimal("6.00"), "制度缺修订记录",
                                                                                  staff)
    entry.refresh_from_db()
    assert entry.review_score == Decimal("6.00") and entry.reviewed_by == staff


def test_totals_by_group_and_overall_are_computed(secretary, draft):
    fill_all(secretary, draft)
    groups, overall = svc.assessment_totals(list(draft.entries.select_related("item__group")))
    assert [group.group.name for group in groups] == ["领导机制", "工作成效"]
    assert [group.totals.self_score for group in groups] == [Decimal("20"), Decimal("15")]
    assert (overall.full, overall.bonus_max, overall.self_score, overall.scored) == (35, 2, 35, 5)


# --- Reminders -------------------------------------------------------------------------------


def test_reminders_go_to_every_unit_behind_and_are_logged(world, assessment_round, staff, secretary, draft):
    secretary.email = "jd@example.edu.cn"
    secretary.save()
    world.other_college.email = "hg@example.edu.cn"
    world.other_college.save()
    silent = OrgUnitFactory(institution=world.institution, kind="college", name="文学院")
    submitted_unit = OrgUnitFactory(institution=world.institution, kind="college", name="数学学院")
    done = fill_assessment(start_assessment(submitted_unit, assessment_round))
    done.status = Status.SUBMITTED
    done.save()

    result = svc.send_filing_reminders(actor=staff, assessment_round=assessment_round)

    assert sorted(reminder.unit.name for reminder in result.sent) == ["化工学院", "机电工程学院"]
    assert [unit.name for unit in result.without_address] == [silent.name]
    assert sorted(message.to[0] for message in mail.outbox) == ["hg@example.edu.cn", "jd@example.edu.cn"]
    assert assessment_round.name in mail.outbox[0].subject
    log = FilingReminder.objects.get(unit=world.college)
    assert log.sent_by == staff and log.status_then == "draft" and log.status_then_label == Status.DRAFT.label


def test_only_staff_send_reminders(assessment_round, secretary, leader):
    for actor in (secretary, leader):
        with pytest.raises(PermissionDenied):
            svc.send_filing_reminders(actor=actor, assessment_round=assessment_round)
    assert not mail.outbox


# --- Rectifications -----------------------------------------------------------------------------


@pytest.fixture
def gap(world):
    return RectificationFactory(unit=world.college, created_by=UserFactory())


def advance(actor, entry, status, **more):
    return svc.rectification_advance(actor=actor, rectification=entry, loaded_version=entry.version,
                                     status=status, **more)


def test_the_owner_unit_moves_an_entry_to_done_with_evidence(secretary, gap):
    gap = advance(secretary, gap, "in_progress", note="已着手")
    with pytest.raises(ValidationError) as error:
        advance(secretary, gap, "done", note="完成")
    assert "files" in error.value.message_dict
    gap = advance(secretary, gap, "done", note="完成", files=[pdf_upload("整改报告.pdf")])
    assert gap.status == "done" and gap.done_on == timezone.localdate()
    assert gap.history.first().history_user == secretary


def test_only_staff_verify_and_only_with_evidence(secretary, staff, gap):
    gap.status = "done"
    gap.save()
    with pytest.raises(PermissionDenied):
        advance(secretary, gap, "verified")
    with pytest.raises(ValidationError) as error:
        advance(staff, gap, "verified")
    assert "files" in error.value.message_dict
    gap.refresh_from_db()
    assert gap.status == "done"
    gap = advance(staff, gap, "verified", files=[pdf_upload()])
    assert gap.status == "verified" and gap.verified_by == staff


def test_steps_out_of_order_and_other_units_are_refused(staff, other_secretary, gap):
    with pytest.raises(ValidationError) as error:
        advance(staff, gap, "verified", files=[pdf_upload()])
    assert "status" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        advance(other_secretary, gap, "in_progress")
    gap.refresh_from_db()
    assert gap.status == "open" and gap.version == 1


def test_overdue_is_derived_from_the_deadline(gap):
    gap.deadline = dt.date(2020, 1, 1)
    assert gap.is_overdue_on(dt.date(2020, 1, 2)) and not gap.is_overdue_on(dt.date(2019, 12, 31))
    gap.status = "done"
    assert not gap.is_overdue_on(dt.date(2020, 1, 2))


def test_staff_enter_inspection_opinions(world, staff, secretary):
    entry = svc.rectification_create(actor=staff, institution=world.institution, unit=world.college,
                                     source="inspection", problem="台账不全", measure="补记",
                                     deadline=dt.date(2099, 1, 1))
    assert entry.source == "inspection" and entry.created_by == staff
    with pytest.raises(PermissionDenied):
        svc.rectification_create(actor=secretary, institution=world.institution, unit=world.college,
                                 source="inspection", problem="x", measure="", deadline=dt.date(2099, 1, 1))
    with pytest.raises(ValidationError):
        svc.rectification_create(actor=staff, institution=world.institution, unit=world.college,
                                 source="self_assessment", problem="x", measure="", deadline=None)


# --- The review of the whole university -----------------------------------------------------------


def test_a_review_walks_its_steps_in_order(world, staff):
    review = svc.review_create(actor=staff, institution=world.institution, name="2022年片区评议",
                               planned={"apply": dt.date(2022, 3, 1), "rectify": dt.date(2022, 9, 30)})
    steps = {step.kind: step for step in review.steps.all()}
    assert [step.kind for step in review.steps.order_by("id")] == ReviewStep.ORDER
    assert steps["rectify"].planned_on == dt.date(2022, 9, 30)
    with pytest.raises(ValidationError) as error:
        svc.review_step_record(actor=staff, step=steps["publish"], loaded_version=1, planned_on=None,
                               done_on=dt.date(2022, 5, 1))
    assert "done_on" in error.value.message_dict
    step = svc.review_step_record(actor=staff, step=steps["apply"], loaded_version=1,
                                  planned_on=dt.date(2022, 3, 1), done_on=dt.date(2022, 3, 2), note="已报送")
    assert step.done_on == dt.date(2022, 3, 2) and step.version == 2


def test_a_reviewers_opinion_enters_the_rectification_list(world, staff, reviewer, secretary):
    review = svc.review_create(actor=staff, institution=world.institution, name="2022年片区评议",
                               planned={"rectify": dt.date(2022, 9, 30)})
    opinion = svc.review_opinion_add(actor=reviewer, review=review, text="五老参与率有待提高")
    entry = opinion.rectification
    assert entry.source == "zone_review" and entry.unit == world.committee
    assert entry.deadline == dt.date(2022, 9, 30) and entry.created_by == reviewer
    with pytest.raises(PermissionDenied):
        svc.review_opinion_add(actor=secretary, review=review, text="x")


# --- After the review of the change ------------------------------------------------------------


def test_an_item_changed_after_a_return_is_reviewed_afresh_and_its_gap_reaches_the_list(secretary, staff, draft):
    fill_all(secretary, draft)
    draft = svc.assessment_submit(actor=secretary, assessment=draft, loaded_version=draft.version)
    review_all(staff, draft, comment_on="2")
    draft = svc.assessment_return(actor=staff, assessment=draft, loaded_version=draft.version)
    changed = save_self(secretary, entry_numbered(draft, "2"), "0", gap="制度未修订", measure="修订",
                        deadline=dt.date(2099, 5, 1))
    assert (changed.review_score, changed.review_comment, changed.reviewed_by) == (None, "", None)
    assert changed.history.filter(review_comment="请补充佐证材料").exists(), "the old review stays in the history"
    draft.refresh_from_db()
    draft = svc.assessment_submit(actor=secretary, assessment=draft, loaded_version=draft.version)
    with pytest.raises(ValidationError) as error:
        svc.assessment_accept(actor=staff, assessment=draft, loaded_version=draft.version)
    assert "2" in error.value.messages[0]
    entry = entry_numbered(draft, "2")
    svc.entry_save_review(actor=staff, entry=entry, loaded_version=entry.version, part=svc.ReviewPart("0"))
    draft.refresh_from_db()
    svc.assessment_accept(actor=staff, assessment=draft, loaded_version=draft.version)
    assert Rectification.objects.get(entry__item__number="2").problem == "2. 制度未修订"


def test_a_verified_rectification_is_closed(staff, secretary, gap):
    gap.status = "done"
    gap.save()
    gap = advance(staff, gap, "verified", files=[pdf_upload()])
    for actor in (secretary, staff):
        with pytest.raises(ValidationError):
            advance(actor, gap, "verified", note="再改一次")
    gap.refresh_from_db()
    assert gap.note == "" and gap.status == "verified"


def test_review_steps_stay_in_order_both_ways(world, staff):
    review = svc.review_create(actor=staff, institution=world.institution, name="2022年片区评议")
    steps = {step.kind: step for step in review.steps.all()}
    apply_step = svc.review_step_record(actor=staff, step=steps["apply"], loaded_version=1, planned_on=None,
                                        done_on=dt.date(2022, 3, 1))
    svc.review_step_record(actor=staff, step=steps["peer_review"], loaded_version=1, planned_on=None,
                           done_on=dt.date(2022, 5, 1))
    for done_on in (None, dt.date(2022, 6, 1)):  # cleared, or moved after the later step
        with pytest.raises(ValidationError):
            svc.review_step_record(actor=staff, step=apply_step, loaded_version=apply_step.version,
                                   planned_on=None, done_on=done_on)
    apply_step.refresh_from_db()
    assert apply_step.done_on == dt.date(2022, 3, 1)


def test_no_opinion_after_the_decision_is_published(world, staff, reviewer):
    review = svc.review_create(actor=staff, institution=world.institution, name="2022年片区评议")
    review.steps.update(done_on=dt.date(2022, 6, 1))
    with pytest.raises(ValidationError):
        svc.review_opinion_add(actor=reviewer, review=review, text="补充意见")
    assert not review.opinions.exists()


def test_a_review_takes_only_a_school_level_round(world, staff, assessment_round):
    with pytest.raises(ValidationError) as error:
        svc.review_create(actor=staff, institution=world.institution, name="评议", assessment_round=assessment_round)
    assert "assessment_round" in error.value.message_dict


def test_a_mail_server_failure_leaves_the_other_reminders_sent_and_logged(world, assessment_round, staff,
                                                                          monkeypatch):
    from smtplib import SMTPException

    world.college.email = "jd@example.edu.cn"
    world.college.save()
    world.other_college.email = "hg@example.edu.cn"
    world.other_college.save()
    real = svc.send_mail

    def flaky(subject, body, sender, recipients, **kwargs):
        if recipients == ["hg@example.edu.cn"]:
            raise SMTPException("connection refused")
        return real(subject, body, sender, recipients, **kwargs)

    monkeypatch.setattr(svc, "send_mail", flaky)
    result = svc.send_filing_reminders(actor=staff, assessment_round=assessment_round)
    assert [unit.name for unit in result.failed] == ["化工学院"]
    assert [reminder.unit.name for reminder in result.sent] == ["机电工程学院"]
    assert FilingReminder.objects.get().status_then == "not_started"
    assert len(mail.outbox) == 1


def test_starting_twice_at_once_gives_the_one_assessment(world, assessment_round, secretary, monkeypatch):
    first = svc.assessment_start(actor=secretary, assessment_round=assessment_round, unit=world.college)
    # the second click did not see the first one's row when it checked
    monkeypatch.setattr(svc.Assessment.objects, "filter", lambda **kw: svc.Assessment.objects.none())
    again = svc.assessment_start(actor=secretary, assessment_round=assessment_round, unit=world.college)
    assert again.pk == first.pk


# --- Rounds for chosen units; steps and opinions dated when they happened (issue 14) ----------------


def five_colleges(world) -> list:
    """The world's two colleges and three more: five colleges of the first institution, in board order."""
    more = [OrgUnitFactory(institution=world.institution, kind="college", name=name, order=n)
            for n, name in enumerate(["外国语言文化学院", "公共管理学院", "体育学院"], start=10)]
    return [world.college, world.other_college, *more]


def test_a_round_opened_for_three_of_five_colleges_is_filed_by_those_three_only(world, staff, secretary,
                                                                                other_secretary):
    colleges = five_colleges(world)
    pilot = [colleges[0], colleges[2], colleges[3]]  # 机电工程学院 and two of the new ones; not 化工学院
    standard = AssessmentRoundFactory(institution=world.institution).standard
    assessment_round = svc.round_create(actor=staff, institution=world.institution, standard=standard,
                                        name="2023年试点对标找差", due_on=dt.date(2099, 6, 30), units=pilot)
    assessment_round = AssessmentRound.objects.get(pk=assessment_round.pk)
    assert set(assessment_round.units.all()) == set(pilot)
    assert list(svc.filing_units(assessment_round)) == pilot
    assert svc.assessment_start(actor=secretary, assessment_round=assessment_round, unit=world.college)
    with pytest.raises(PermissionDenied):  # 化工学院 is outside the pilot, although a college of the institution
        svc.assessment_start(actor=other_secretary, assessment_round=assessment_round, unit=world.other_college)
    assert not Assessment.objects.filter(unit=world.other_college).exists()


def test_a_round_takes_only_units_of_its_institution_and_kind(world, staff):
    standard = AssessmentRoundFactory(institution=world.institution).standard  # a college-level standard
    elsewhere = OrgUnitFactory(institution=world.other_institution, kind="college", name="文正学院")
    for strangers in ([world.member_unit], [world.committee], [elsewhere]):
        with pytest.raises(ValidationError) as refused:
            svc.round_create(actor=staff, institution=world.institution, standard=standard, name="2023年第一批",
                             due_on=dt.date(2099, 6, 30), units=[world.college, *strangers])
        assert "units" in refused.value.message_dict
        assert strangers[0].label in refused.value.message_dict["units"][0]
    assert not AssessmentRound.objects.filter(name="2023年第一批").exists()


def test_filing_reminders_of_a_round_for_chosen_units_go_to_those_behind_only(world, staff):
    colleges = five_colleges(world)
    for n, unit in enumerate(colleges):
        unit.email = f"college{n}@example.edu.cn"
        unit.save()
    standard = AssessmentRoundFactory(institution=world.institution).standard
    assessment_round = svc.round_create(actor=staff, institution=world.institution, standard=standard,
                                        name="2023年第一批", due_on=dt.date(2099, 6, 30), units=colleges[2:])
    filed = fill_assessment(start_assessment(colleges[4], assessment_round))
    filed.status = Status.SUBMITTED
    filed.save()

    result = svc.send_filing_reminders(actor=staff, assessment_round=assessment_round)

    assert sorted(reminder.unit.pk for reminder in result.sent) == sorted([colleges[2].pk, colleges[3].pk])
    assert sorted(message.to[0] for message in mail.outbox) == ["college2@example.edu.cn", "college3@example.edu.cn"]
    assert not result.without_address and not FilingReminder.objects.filter(unit__in=colleges[:2]).exists()


def test_a_step_carries_the_day_it_happened_and_refuses_a_future_day_or_one_before_the_step_before(
        secretary, staff, draft):
    today = timezone.localdate()
    fill_all(secretary, draft)
    with pytest.raises(ValidationError) as refused:
        svc.assessment_submit(actor=secretary, assessment=draft, loaded_version=draft.version,
                              occurred_on=today + dt.timedelta(days=1))
    assert "occurred_on" in refused.value.message_dict
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and not draft.transitions.exists()

    filed_on = today - dt.timedelta(days=12)  # filed on paper, entered today
    submitted = svc.assessment_submit(actor=secretary, assessment=draft, loaded_version=draft.version,
                                      occurred_on=filed_on)
    step = submitted.transitions.get()
    assert step.occurred_on == filed_on and timezone.localtime(step.at).date() == today

    review_all(staff, submitted, comment_on="2")
    with pytest.raises(ValidationError) as refused:
        svc.assessment_return(actor=staff, assessment=submitted, loaded_version=submitted.version,
                              comment="补充", occurred_on=filed_on - dt.timedelta(days=1))
    assert filed_on.isoformat() in refused.value.message_dict["occurred_on"][0]
    returned = svc.assessment_return(actor=staff, assessment=submitted, loaded_version=submitted.version,
                                     comment="补充")  # no day given: today
    assert returned.transitions.get(to_status="returned").occurred_on == today


def test_an_opinion_given_on_paper_keeps_its_day_and_its_deadline_counts_from_it(world, staff, reviewer):
    today = timezone.localdate()
    review = svc.review_create(actor=staff, institution=world.institution, name="2023年片区评议")
    given = today - dt.timedelta(days=20)
    opinion = svc.review_opinion_add(actor=staff, review=review, text="二级关工委台账不全", occurred_on=given)
    assert opinion.occurred_on == given and timezone.localtime(opinion.created_at).date() == today
    assert opinion.rectification.deadline == given + dt.timedelta(days=svc.OPINION_DAYS)
    assert svc.review_opinion_add(actor=reviewer, review=review, text="品牌建设待加强").occurred_on == today
    with pytest.raises(ValidationError) as refused:
        svc.review_opinion_add(actor=reviewer, review=review, text="明日意见", occurred_on=today + dt.timedelta(days=1))
    assert "occurred_on" in refused.value.message_dict
    assert not review.opinions.filter(text="明日意见").exists()
