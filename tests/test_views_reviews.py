"""The review of a whole university (片区评议) through the test client: the list, opening a review, the review file
with its five dated steps, opinions that become rectification entries, the school's self-assessment read-only,
what a reviewer may and may not open, and the query count of the review file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.assessments.models.assessments import (
    Assessment,
    AssessmentEntry,
    Rectification,
    Review,
    ReviewOpinion,
    ReviewStep,
)
from tracker.assessments.models.standards import Standard
from tracker.assessments.services.assessments import review_opinion_add
from tracker.org.models import OrgUnit

from .conftest import client_for
from .factories import (
    AssessmentRoundFactory,
    EvidenceFileFactory,
    OrgUnitFactory,
    ReviewFactory,
    StandardItemFactory,
    fill_assessment,
    scored_standard,
    start_assessment,
)

pytestmark = pytest.mark.django_db
Kind = ReviewStep.Kind
TODAY = timezone.localdate()


def html_of(response) -> str:
    return response.content.decode()


def school_round(world, name: str = "2022年学校对标找差"):
    standard = scored_standard(world.institution, level=Standard.Level.SCHOOL, name=f"{name}标准")
    return AssessmentRoundFactory(institution=world.institution, standard=standard, name=name)


def school_assessment(world, assessment_round):
    """The school committee's assessment in the round: every item at zero with a gap, item 1 reviewed."""
    assessment = fill_assessment(start_assessment(world.committee, assessment_round), full=False)
    first = assessment.entries.select_related("item").get(item__number="1")
    first.self_score, first.review_score, first.gap = Decimal("10"), Decimal("8"), ""
    first.save()
    assessment.status = Assessment.Status.SUBMITTED  # filed: a draft is not part of the review file
    assessment.save()
    return assessment


def step_of(review: Review, kind: str) -> ReviewStep:
    return review.steps.get(kind=kind)


def record_step(client, review: Review, step: ReviewStep, *, version=None, planned_on="", done_on="", note=""):
    return client.post(reverse("tracker:review-step", args=[review.pk, step.pk]), {
        "version": step.version if version is None else version, "planned_on": planned_on, "done_on": done_on,
        "note": note,
    })


# --- The list ------------------------------------------------------------------------------------


def test_staff_leader_and_reviewer_see_the_list_and_only_staff_may_open_a_review(world, staff, leader, reviewer):
    review = ReviewFactory(institution=world.institution, name="2022年苏南片区评议")
    create = reverse("tracker:review-create")
    staff_html = html_of(client_for(staff).get(reverse("tracker:review-list")))
    assert review.name in staff_html and create in staff_html
    for person in (leader, reviewer):
        response = client_for(person).get(reverse("tracker:review-list"))
        assert response.status_code == 200 and review.name in html_of(response) and create not in html_of(response)


def test_secretaries_and_liaisons_are_refused_the_list(world, secretary, liaison):
    for person in (secretary, liaison):
        assert client_for(person).get(reverse("tracker:review-list")).status_code == 403


def test_another_institutions_staff_do_not_see_the_review(world, other_staff):
    review = ReviewFactory(institution=world.institution, name="矿大评议")
    assert "矿大评议" not in html_of(client_for(other_staff).get(reverse("tracker:review-list")))
    assert client_for(other_staff).get(review.get_absolute_url()).status_code == 404


def test_empty_list_says_what_to_do_next(world, staff, leader):
    staff_html = html_of(client_for(staff).get(reverse("tracker:review-list")))
    assert _("No university review has been opened yet.") in staff_html
    assert _("Open the review file with its five steps and their planned dates.") in staff_html
    assert _("Committee staff open a review when the zone review is announced.") in \
        html_of(client_for(leader).get(reverse("tracker:review-list")))


def test_list_shows_the_next_step_and_an_overdue_mark(world, staff):
    review = ReviewFactory(institution=world.institution)
    ReviewStep.objects.filter(review=review, kind=Kind.APPLY).update(planned_on=TODAY - dt.timedelta(days=1))
    row = client_for(staff).get(reverse("tracker:review-list")).context["rows"][0]
    assert row.next_step.kind == Kind.APPLY and row.overdue


# --- Opening a review ------------------------------------------------------------------------------


def test_create_offers_zones_and_the_institutions_school_level_rounds(world, staff):
    zone = OrgUnitFactory(institution=None, kind=OrgUnit.Kind.ZONE, name="苏南片区")
    school = school_round(world)
    college_round = AssessmentRoundFactory(institution=world.institution, name="学院对标找差")
    form = client_for(staff).get(reverse("tracker:review-create")).context["form"]
    assert list(form.fields["zone"].queryset) == [zone]
    assert list(form.fields["assessment_round"].queryset) == [school]
    assert college_round not in form.fields["assessment_round"].queryset
    assert "institution" not in form.fields  # staff open reviews of their own institution


def test_staff_open_a_review_with_its_five_planned_steps(world, staff):
    zone = OrgUnitFactory(institution=None, kind=OrgUnit.Kind.ZONE, name="苏南片区")
    assessment_round = school_round(world)
    response = client_for(staff).post(reverse("tracker:review-create"), {
        "name": "2022年片区评议", "zone": zone.pk, "assessment_round": assessment_round.pk,
        "planned_apply": "2022-03-01", "planned_peer_review": "2022-04-15", "planned_file": "2022-07-01",
    })
    review = Review.objects.get()
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
    assert (review.institution, review.zone, review.assessment_round) == (world.institution, zone, assessment_round)
    planned = {step.kind: step.planned_on for step in review.steps.all()}
    assert planned == {Kind.APPLY: dt.date(2022, 3, 1), Kind.PEER_REVIEW: dt.date(2022, 4, 15),
                       Kind.RECTIFY: None, Kind.PUBLISH: None, Kind.FILE: dt.date(2022, 7, 1)}


def test_create_errors_are_400_and_keep_the_input(world, staff):
    ReviewFactory(institution=world.institution, name="2022年片区评议")
    response = client_for(staff).post(reverse("tracker:review-create"), {
        "name": "2022年片区评议", "planned_apply": "2022-03-01",
    })
    assert response.status_code == 400
    assert response.context["form"].errors["name"] and 'value="2022-03-01"' in html_of(response)
    assert Review.objects.count() == 1


def test_only_staff_open_reviews(world, leader, reviewer, secretary):
    for person in (leader, reviewer, secretary):
        assert client_for(person).get(reverse("tracker:review-create")).status_code == 403
        assert client_for(person).post(reverse("tracker:review-create"), {"name": "x"}).status_code == 403
    assert not Review.objects.exists()


# --- The review file -----------------------------------------------------------------------------


def test_review_file_shows_the_five_steps_in_order_with_dates_and_overdue(world, leader):
    review = ReviewFactory(institution=world.institution)
    ReviewStep.objects.filter(review=review, kind=Kind.APPLY).update(done_on=dt.date(2022, 3, 1), note="已提交申报书")
    ReviewStep.objects.filter(review=review, kind=Kind.PEER_REVIEW).update(planned_on=TODAY - dt.timedelta(days=2))
    ReviewStep.objects.filter(review=review, kind=Kind.RECTIFY).update(planned_on=TODAY + dt.timedelta(days=30))
    response = client_for(leader).get(review.get_absolute_url())
    rows = response.context["steps"]
    assert [row.step.kind for row in rows] == list(ReviewStep.ORDER)
    assert [row.step.number for row in rows] == [1, 2, 3, 4, 5]
    assert [row.overdue for row in rows] == [False, True, False, False, False]
    html = html_of(response)
    assert "已提交申报书" in html and "2022-03-01" in html
    timeline = html[html.index('id="steps"'):html.index('id="opinions"')]
    positions = [timeline.index(str(kind.label)) for kind in ReviewStep.ORDER]
    assert positions == sorted(positions)
    assert all(row.form is None for row in rows) and response.context["opinion_form"] is None


def test_staff_date_a_step_done(world, staff):
    review = ReviewFactory(institution=world.institution)
    apply = step_of(review, Kind.APPLY)
    response = record_step(client_for(staff), review, apply, planned_on="2022-03-01", done_on="2022-03-02",
                           note="申报材料已报送")
    assert response.status_code == 302
    apply.refresh_from_db()
    assert (apply.planned_on, apply.done_on, apply.note, apply.version) == \
        (dt.date(2022, 3, 1), dt.date(2022, 3, 2), "申报材料已报送", 2)


def test_a_step_done_before_the_earlier_ones_is_400_with_the_message(world, staff):
    review = ReviewFactory(institution=world.institution)
    publish = step_of(review, Kind.PUBLISH)
    response = record_step(client_for(staff), review, publish, done_on="2022-06-01", note="已公布")
    assert response.status_code == 400
    assert _("“%(step)s” comes first and is not done yet.") % {"step": Kind.APPLY.label} in html_of(response)
    assert "已公布" in html_of(response)  # the input is kept
    publish.refresh_from_db()
    assert publish.done_on is None


def test_a_stale_step_is_409_with_the_newer_version(world, staff, admin_user):
    review = ReviewFactory(institution=world.institution)
    apply = step_of(review, Kind.APPLY)
    assert record_step(client_for(admin_user), review, apply, planned_on="2022-03-05").status_code == 302
    response = record_step(client_for(staff), review, apply, version=1, planned_on="2022-03-09", note="我的备注")
    assert response.status_code == 409
    html = html_of(response)
    assert "我的备注" in html and 'name="version" value="2"' in html and "2022-03-05" in html
    assert response.context["steps"][0].stale_changes[0].history_user == admin_user
    apply.refresh_from_db()
    assert apply.planned_on == dt.date(2022, 3, 5)


def test_only_staff_record_steps(world, leader, reviewer, secretary, other_staff):
    review = ReviewFactory(institution=world.institution)
    apply = step_of(review, Kind.APPLY)
    assert record_step(client_for(leader), review, apply, planned_on="2022-03-01").status_code == 403
    assert record_step(client_for(reviewer), review, apply, planned_on="2022-03-01").status_code == 403
    assert record_step(client_for(secretary), review, apply, planned_on="2022-03-01").status_code == 404
    assert record_step(client_for(other_staff), review, apply, planned_on="2022-03-01").status_code == 404
    apply.refresh_from_db()
    assert apply.planned_on is None


def test_a_step_of_another_review_is_404(world, staff):
    review = ReviewFactory(institution=world.institution)
    other = ReviewFactory(institution=world.institution)
    assert record_step(client_for(staff), review, step_of(other, Kind.APPLY), planned_on="2022-03-01") \
        .status_code == 404


# --- Opinions ------------------------------------------------------------------------------------


def test_reviewer_writes_an_opinion_that_enters_the_rectification_list_owned_by_the_school_committee(
    world, reviewer, staff,
):
    review = ReviewFactory(institution=world.institution, name="2022年片区评议")
    step = step_of(review, Kind.RECTIFY)
    step.planned_on = dt.date(2099, 5, 31)
    step.save()
    page = client_for(reviewer).get(review.get_absolute_url())
    assert page.status_code == 200 and page.context["opinion_form"] is not None
    response = client_for(reviewer).post(reverse("tracker:review-opinion-create", args=[review.pk]),
                                         {"text": "校级品牌项目特色不够鲜明"})
    assert response.status_code == 302
    opinion = ReviewOpinion.objects.get()
    entry = opinion.rectification
    assert (entry.unit, entry.source, entry.deadline) == \
        (world.committee, Rectification.Source.ZONE_REVIEW, dt.date(2099, 5, 31))
    listing = client_for(staff).get(reverse("tracker:rectification-list"), {"source": "zone_review"})
    rows = listing.context["rows"]
    assert [row.entry.pk for row in rows] == [entry.pk] and rows[0].entry.unit == world.committee
    assert "校级品牌项目特色不够鲜明" in html_of(listing) and review.get_absolute_url() in html_of(listing)


def test_opinions_show_their_entrys_status_with_a_link_for_staff_but_not_the_reviewer(world, staff, reviewer):
    review = ReviewFactory(institution=world.institution)
    opinion = review_opinion_add(actor=reviewer, review=review, text="台账资料不齐全")
    link = opinion.rectification.get_absolute_url()
    staff_html = html_of(client_for(staff).get(review.get_absolute_url()))
    reviewer_html = html_of(client_for(reviewer).get(review.get_absolute_url()))
    for html in (staff_html, reviewer_html):
        assert "台账资料不齐全" in html and str(Rectification.Status.OPEN.label) in html
    assert link in staff_html and link not in reviewer_html


def test_an_empty_opinion_is_400(world, reviewer):
    review = ReviewFactory(institution=world.institution)
    response = client_for(reviewer).post(reverse("tracker:review-opinion-create", args=[review.pk]), {"text": " "})
    assert response.status_code == 400 and not ReviewOpinion.objects.exists()


def test_leader_reads_but_does_not_write_opinions(world, leader):
    review = ReviewFactory(institution=world.institution)
    response = client_for(leader).post(reverse("tracker:review-opinion-create", args=[review.pk]), {"text": "意见"})
    assert response.status_code == 403 and not ReviewOpinion.objects.exists()


# --- The school's self-assessment in the file ------------------------------------------------------


def test_review_file_shows_the_schools_self_assessment_with_scores_gaps_totals_and_evidence(world, reviewer):
    assessment_round = school_round(world)
    assessment = school_assessment(world, assessment_round)
    # a college's assessment in another round is not part of the file
    college_assessment = start_assessment(world.college, AssessmentRoundFactory(institution=world.institution))
    entry = assessment.entries.get(item__number="2")
    evidence = EvidenceFileFactory(standalone=True, entry=entry, original_name="工作制度汇编.pdf")
    review = ReviewFactory(institution=world.institution, assessment_round=assessment_round)
    response = client_for(reviewer).get(review.get_absolute_url())
    assert response.status_code == 200 and response.context["assessment"] == assessment
    assert response.context["assessment"] != college_assessment
    totals = response.context["totals"]
    assert (totals.full, totals.self_score, totals.review_score, totals.reviewed) == \
        (Decimal("35"), Decimal("10"), Decimal("8"), 1)
    html = html_of(response)
    for header in ("自评分", "考评分", "差距"):
        assert header in html
    assert "制度不全" in html  # the gap of items below full marks
    assert evidence.get_absolute_url() in html and "工作制度汇编.pdf" in html
    assert f'id="entry-{entry.pk}"' in html


def test_review_without_a_round_says_so(world, staff):
    review = ReviewFactory(institution=world.institution)
    html = html_of(client_for(staff).get(review.get_absolute_url()))
    assert _("No self-assessment round is linked to this review.") in html


def test_reviewer_downloads_evidence_of_the_review_round(world, reviewer):
    assessment_round = school_round(world)
    assessment = school_assessment(world, assessment_round)
    evidence = EvidenceFileFactory(standalone=True, entry=assessment.entries.first())
    ReviewFactory(institution=world.institution, assessment_round=assessment_round)
    assert client_for(reviewer).get(evidence.get_absolute_url()).status_code == 200


# --- A reviewer's reach ------------------------------------------------------------------------------


def test_reviewers_home_is_his_to_do_list_of_review_files(world, reviewer):
    # (issue 15) no longer sent to the review list: his 我的待办 lists the review file, linked (tests/test_todo.py)
    review = ReviewFactory(institution=world.institution)
    response = client_for(reviewer).get(reverse("tracker:home"))
    assert response.status_code == 200
    assert f'href="{reverse("tracker:review-detail", args=[review.pk])}"' in response.content.decode()


def test_reviewer_is_refused_every_other_page(world, reviewer, staff):
    entry = review_opinion_add(actor=staff, review=ReviewFactory(institution=world.institution),
                               text="意见").rectification
    assessment = start_assessment(world.committee, school_round(world))
    client = client_for(reviewer)
    for url in (reverse("tracker:rectification-list"), entry.get_absolute_url(), reverse("tracker:plan-list"),
                reverse("tracker:review-create"), assessment.get_absolute_url(), reverse("tracker:round-list")):
        assert client.get(url).status_code == 403, url


# --- Query count ---------------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(staff, review, assessment, n: int) -> None:
    """n more opinions, n more items (and entries) in the school's assessment, each with evidence."""
    group = assessment.round.standard.groups.first()
    for i in range(n):
        review_opinion_add(actor=staff, review=review, text=f"意见{n}-{i}")
        item = StandardItemFactory(group=group, order=100 * n + i, number=f"{n}.{i}", text=f"新增指标{n}-{i}")
        entry = AssessmentEntry.objects.create(assessment=assessment, item=item, self_score=item.points)
        EvidenceFileFactory(standalone=True, entry=entry)


def test_review_file_query_count_is_the_same_at_1_and_20_opinions_and_items(world, staff):
    # session, user, profile, review (+institution, zone, round), steps, opinions (+author, entry, unit), the
    # entries the reader may open, the school's assessment (+unit, round, standard), its entries (+item, group),
    # their evidence, the steps' history (+user): none of them per opinion, step or item.
    assessment_round = school_round(world)
    assessment = school_assessment(world, assessment_round)
    review = ReviewFactory(institution=world.institution, assessment_round=assessment_round)
    _grow(staff, review, assessment, 1)
    client = client_for(staff)
    before = _queries(client, review.get_absolute_url())
    _grow(staff, review, assessment, 19)
    assert review.opinions.count() == 20 and assessment.entries.count() == 25
    assert _queries(client, review.get_absolute_url()) == before
    assert before <= 11


def test_a_reviewer_of_another_institution_sees_neither_the_review_nor_its_evidence(world, staff):
    from .conftest import make_person

    outsider = make_person("outside_reviewer", "reviewer", world.other_institution)
    assessment_round = school_round(world)
    assessment = school_assessment(world, assessment_round)
    evidence = EvidenceFileFactory(standalone=True, entry=assessment.entries.first())
    review = ReviewFactory(institution=world.institution, assessment_round=assessment_round)
    client = client_for(outsider)
    assert client.get(review.get_absolute_url()).status_code == 404
    assert client.get(evidence.get_absolute_url()).status_code == 404
    assert world.institution.name not in client.get(reverse("tracker:review-list")).content.decode()


def test_a_reviewer_does_not_see_the_schools_draft(world, staff, reviewer):
    assessment_round = school_round(world)
    assessment = school_assessment(world, assessment_round)
    assessment.status = Assessment.Status.DRAFT
    assessment.save()
    evidence = EvidenceFileFactory(standalone=True, entry=assessment.entries.first())
    review = ReviewFactory(institution=world.institution, assessment_round=assessment_round)
    html = client_for(reviewer).get(review.get_absolute_url()).content.decode()
    assert "制度不全" not in html
    assert client_for(reviewer).get(evidence.get_absolute_url()).status_code == 404
    assert "制度不全" in client_for(staff).get(review.get_absolute_url()).content.decode()


# --- Opinions given on paper, entered later (issue 14) ----------------------------------------------


def test_an_opinion_given_on_paper_is_entered_with_its_day_and_the_file_shows_both_days(world, staff, reviewer):
    review = ReviewFactory(institution=world.institution, name="2023年片区评议")  # no planned rectification date
    assert 'name="occurred_on"' in html_of(client_for(staff).get(review.get_absolute_url()))
    given = TODAY - dt.timedelta(days=15)
    response = client_for(staff).post(reverse("tracker:review-opinion-create", args=[review.pk]),
                                      {"text": "现场调研：五老队伍年龄结构偏大", "occurred_on": given.isoformat()})
    assert response.status_code == 302
    opinion = ReviewOpinion.objects.get()
    assert opinion.occurred_on == given and opinion.rectification.deadline == given + dt.timedelta(days=90)
    html = html_of(client_for(reviewer).get(review.get_absolute_url()))
    item = html[html.index(f'id="opinion-{opinion.pk}"'):]
    item = item[:item.index("</li>")]
    assert f'<time class="occurred" datetime="{given:%Y-%m-%d}">' in item
    recorded = timezone.localtime(opinion.created_at).strftime("%Y-%m-%d %H:%M")
    assert _("recorded %(at)s") % {"at": recorded} in item
    # An opinion entered on the day it is given shows that day only.
    today_opinion = review_opinion_add(actor=reviewer, review=review, text="品牌特色待凝练")
    html = html_of(client_for(reviewer).get(review.get_absolute_url()))
    item = html[html.index(f'id="opinion-{today_opinion.pk}"'):]
    assert 'class="occurred"' not in item[:item.index("</li>")]
    assert html.index("五老队伍年龄结构偏大") < html.index("品牌特色待凝练")  # in the order they were given


@pytest.mark.parametrize("day,message", [
    (TODAY + dt.timedelta(days=1), lambda: _("The date cannot be in the future.")),
    (dt.date(1999, 6, 1), lambda: _("Enter a date between %(earliest)s and %(latest)s.") % {
        "earliest": "2000-01-01", "latest": "2100-12-31"}),
])
def test_an_opinion_dated_tomorrow_or_before_2000_is_refused_and_its_text_kept(world, reviewer, day, message):
    review = ReviewFactory(institution=world.institution)
    response = client_for(reviewer).post(reverse("tracker:review-opinion-create", args=[review.pk]),
                                         {"text": "活动记录不规范", "occurred_on": day.isoformat()})
    assert response.status_code == 400 and not ReviewOpinion.objects.exists() and not Rectification.objects.exists()
    html = html_of(response)
    assert message() in html and "活动记录不规范" in html
