"""The self-assessment pages through the test client: rounds, the filing board and reminders, one unit's
assessment with its items, report and workflow, bad input, concurrent reviewers and query counts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from tracker.assessments.models.assessments import (
    Assessment,
    AssessmentEntry,
    AssessmentRound,
    AssessmentTransition,
    FilingReminder,
    Rectification,
)
from tracker.assessments.models.standards import StandardItem
from tracker.org.models import EvidenceFile, OrgUnit

from .conftest import client_for, make_person
from .factories import (
    AssessmentRoundFactory,
    EvidenceFileFactory,
    RectificationFactory,
    StandardGroupFactory,
    StandardItemFactory,
    college,
    fill_assessment,
    pdf_upload,
    scored_standard,
    start_assessment,
)

pytestmark = pytest.mark.django_db
Status = Assessment.Status
Mode = StandardItem.Mode


# --- Helpers -------------------------------------------------------------------------------------


def html_of(response) -> str:
    return response.content.decode()


def college_round(world, **fields) -> AssessmentRound:
    """A round of the first institution against the five-item college standard (10 + 10 + 10 + 5, + 2 bonus)."""
    return AssessmentRoundFactory(institution=world.institution, **fields)


def entries_of(assessment: Assessment) -> dict[str, AssessmentEntry]:
    """The assessment's entries by item number."""
    return {entry.item.number: entry for entry in assessment.entries.select_related("item")}


def item_url(entry: AssessmentEntry) -> str:
    return reverse("tracker:assessment-item", args=[entry.assessment_id, entry.pk])


def review_url(entry: AssessmentEntry) -> str:
    return reverse("tracker:assessment-item-review", args=[entry.assessment_id, entry.pk])


def detail_url(assessment: Assessment) -> str:
    return reverse("tracker:assessment-detail", args=[assessment.pk])


def transition(client, assessment: Assessment, action: str, comment: str = "", version: int | None = None):
    assessment.refresh_from_db()
    return client.post(reverse("tracker:assessment-transition", args=[assessment.pk]), {
        "action": action, "version": assessment.version if version is None else version, "comment": comment})


def self_data(entry: AssessmentEntry, score: str, **fields) -> dict:
    entry.refresh_from_db()
    data = {"version": entry.version, "self_score": score, "gap": "", "measure": "", "owner": "", "deadline": ""}
    data.update(fields)
    return data


def save_self(client, entry: AssessmentEntry, score: str, **fields):
    return client.post(item_url(entry), self_data(entry, score, **fields))


def save_review(client, entry: AssessmentEntry, score: str, comment: str = "", version: int | None = None):
    entry.refresh_from_db()
    return client.post(review_url(entry), {"version": entry.version if version is None else version,
                                           "review_score": score, "review_comment": comment})


def fill_fully_through_the_page(client, assessment: Assessment) -> None:
    """Full marks on every counted item and one bonus point, as a secretary would enter them."""
    for number, entry in entries_of(assessment).items():
        score = "1" if entry.item.mode == Mode.BONUS else f"{entry.item.points:.2f}"
        assert save_self(client, entry, score).status_code == 302, number


def submitted(world, secretary) -> Assessment:
    """The first college's assessment, filled in at full marks and submitted."""
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    fill_assessment(assessment)
    assessment.status = Status.SUBMITTED
    assessment.save()
    return assessment


def entry_evidence(entry: AssessmentEntry, user) -> EvidenceFile:
    return EvidenceFileFactory(update=None, entry=entry, original_name="制度汇编.pdf", uploaded_by=user)


def row_of(html: str, marker: str) -> str:
    """The table row that starts with `marker` (e.g. its id attribute)."""
    start = html.index(marker)
    return html[start:html.index("</tr>", start)]


def status_of(assessment: Assessment) -> str:
    assessment.refresh_from_db()
    return assessment.status


# --- Round list and creation ------------------------------------------------------------------------


def test_round_list_shows_staff_each_round_with_counts_and_board_link(world, staff, secretary, other_secretary):
    assessment_round = college_round(world, name="2021年对标找差")
    filed = start_assessment(world.college, assessment_round, by=secretary)
    filed.status = Status.ACCEPTED
    filed.save()
    start_assessment(world.other_college, assessment_round, by=other_secretary)  # a draft: not filed
    html = html_of(client_for(staff).get(reverse("tracker:round-list")))
    row = html[html.index(f'id="round-{assessment_round.pk}"'):]
    assert assessment_round.get_absolute_url() in row
    assert assessment_round.standard.name in row and "2099-06-30" in row
    assert '<td class="number round-filed">1 / 2</td>' in row
    assert '<td class="number round-accepted">1 / 2</td>' in row
    assert reverse("tracker:round-create") in html and _("New round") in html


def test_round_list_for_a_leader_links_boards_but_offers_no_new_round(world, leader):
    assessment_round = college_round(world)
    html = html_of(client_for(leader).get(reverse("tracker:round-list")))
    assert assessment_round.get_absolute_url() in html
    assert reverse("tracker:round-create") not in html


def test_secretary_starts_her_colleges_assessment_from_the_list_then_opens_it(world, secretary):
    assessment_round = college_round(world)
    client = client_for(secretary)
    html = html_of(client.get(reverse("tracker:round-list")))
    start = reverse("tracker:assessment-start", args=[assessment_round.pk])
    assert start in html and f'name="unit" value="{world.college.pk}"' in html
    assert f'href="{assessment_round.get_absolute_url()}"' not in html  # she does not see the board
    response = client.post(start, {"unit": world.college.pk})
    assessment = Assessment.objects.get(round=assessment_round, unit=world.college)
    assert response.status_code == 302 and response["Location"] == assessment.get_absolute_url()
    assert assessment.entries.count() == 5 and assessment.created_by == secretary
    html = html_of(client.get(reverse("tracker:round-list")))
    assert assessment.get_absolute_url() in html and start not in html
    assert str(Status.DRAFT.label) in html
    # Starting again opens the same assessment.
    assert client.post(start, {"unit": world.college.pk})["Location"] == assessment.get_absolute_url()
    assert Assessment.objects.count() == 1


def test_secretary_cannot_start_another_colleges_assessment(world, secretary):
    assessment_round = college_round(world)
    start = reverse("tracker:assessment-start", args=[assessment_round.pk])
    client = client_for(secretary)
    assert client.post(start, {"unit": world.other_college.pk}).status_code == 403
    assert client.post(start, {"unit": world.member_unit.pk}).status_code == 403
    assert client.post(start, {}).status_code == 403
    assert not Assessment.objects.exists()


def test_starting_in_a_round_of_another_institution_is_404(world, other_staff):
    assessment_round = college_round(world)
    response = client_for(other_staff).post(reverse("tracker:assessment-start", args=[assessment_round.pk]),
                                            {"unit": world.college.pk})
    assert response.status_code == 404 and not Assessment.objects.exists()


def test_school_level_round_is_filed_by_staff_not_by_a_secretary(world, staff, secretary):
    standard = scored_standard(world.institution, level="school", name="学校基本要求（测试）")
    assessment_round = college_round(world, standard=standard)
    html = html_of(client_for(secretary).get(reverse("tracker:round-list")))
    assert _("Filed by the school committee") in html
    start = reverse("tracker:assessment-start", args=[assessment_round.pk])
    assert client_for(secretary).post(start, {"unit": world.committee.pk}).status_code == 403
    board = html_of(client_for(staff).get(assessment_round.get_absolute_url()))
    assert f'name="unit" value="{world.committee.pk}"' in board and world.college.name not in board
    assert client_for(staff).post(start, {"unit": world.committee.pk}).status_code == 302
    assert Assessment.objects.get().unit == world.committee


def test_round_list_empty_state_says_what_to_do(world, staff, secretary):
    staff_text = _("No round has been opened yet. Open one with “New round”: choose the standard, the filing deadline "
                   "and the report length limit; every college can then start its self-assessment.")
    assert staff_text in html_of(client_for(staff).get(reverse("tracker:round-list")))
    secretary_text = _("No self-assessment round has been opened yet. Committee staff open the rounds; you will find "
                       "yours here once they do.")
    assert secretary_text in html_of(client_for(secretary).get(reverse("tracker:round-list")))


def test_staff_opens_a_round_with_the_default_report_limit(world, staff):
    standard = scored_standard(world.institution)
    client = client_for(staff)
    page = client.get(reverse("tracker:round-create"))
    assert page.status_code == 200 and 'value="2000"' in html_of(page) and standard.name in html_of(page)
    response = client.post(reverse("tracker:round-create"), {
        "institution": world.institution.pk, "name": "2021年对标找差", "standard": standard.pk,
        "due_on": "2021-09-30", "report_max_chars": "2000"})
    created = AssessmentRound.objects.get()
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert (created.institution, created.standard, created.due_on, created.report_max_chars) == (
        world.institution, standard, dt.date(2021, 9, 30), 2000)


def test_a_round_name_taken_is_refused_with_the_input_kept(world, staff):
    existing = college_round(world, name="2021年对标找差")
    response = client_for(staff).post(reverse("tracker:round-create"), {
        "institution": world.institution.pk, "name": "2021年对标找差", "standard": existing.standard.pk,
        "due_on": "2021-09-30", "report_max_chars": "1500"})
    assert response.status_code == 400
    assert _("A round called “%(name)s” exists already.") % {"name": "2021年对标找差"} in html_of(response)
    assert 'value="1500"' in html_of(response) and AssessmentRound.objects.count() == 1


def test_another_institutions_standard_is_not_offered(world, staff, other_staff):
    standard = scored_standard(world.institution)
    response = client_for(other_staff).post(reverse("tracker:round-create"), {
        "institution": world.other_institution.pk, "name": "2021年对标找差", "standard": standard.pk,
        "due_on": "2021-09-30", "report_max_chars": "2000"})
    assert response.status_code == 400 and not AssessmentRound.objects.exists()


@pytest.mark.parametrize("persona", ["secretary", "liaison", "leader"])
def test_only_staff_open_rounds(world, request, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("tracker:round-create")).status_code == 403
    standard = scored_standard(world.institution)
    response = client.post(reverse("tracker:round-create"), {
        "institution": world.institution.pk, "name": "2021年对标找差", "standard": standard.pk,
        "due_on": "2021-09-30", "report_max_chars": "2000"})
    assert response.status_code == 403 and not AssessmentRound.objects.exists()


# --- The filing board ------------------------------------------------------------------------------


def test_board_shows_each_unit_with_status_totals_cells_and_open_rectifications(world, staff, secretary):
    assessment_round = college_round(world)
    assessment = start_assessment(world.college, assessment_round, by=secretary)
    entries = entries_of(assessment)
    fill_assessment(assessment)
    below = entries["2"]
    below.self_score, below.review_score = Decimal("6"), Decimal("6")
    below.save()
    RectificationFactory(unit=world.college, source=Rectification.Source.SELF_ASSESSMENT, entry=below)
    closed = entries["1"]
    RectificationFactory(unit=world.college, source=Rectification.Source.SELF_ASSESSMENT, entry=closed,
                         status=Rectification.Status.DONE)
    html = html_of(client_for(staff).get(assessment_round.get_absolute_url()))
    row = row_of(html, f'id="unit-{world.college.pk}"')
    assert assessment.get_absolute_url() in row and str(Status.DRAFT.label) in row
    assert '<td class="number board-self-total">33</td>' in row  # 10 + 6 + 10 + 5, + 2 bonus
    assert '<td class="number board-review-total">6</td>' in row
    assert '<td class="number board-open">1</td>' in row  # the done one is not open
    assert row.count('class="rect-mark"') == 1
    assert row.count("board-cell--below") == 1 and row.count("board-cell--scored") == 4
    other = row_of(html, f'id="unit-{world.other_college.pk}"')
    assert str(_("Not started")) in other and other.count("board-cell--empty") == 5
    for group in ("领导机制", "工作成效"):
        assert group in html


def test_board_cells_show_an_items_text_escaped_in_their_title(world, staff):
    # The cells are built in Python (BoardCell.html), outside the template's autoescaping.
    assessment_round = college_round(world)
    StandardItem.objects.filter(group__standard=assessment_round.standard, number="1").update(text='<b>"x"& 制度')
    response = client_for(staff).get(reverse("tracker:round-board", args=[assessment_round.pk]))
    assert response.status_code == 200
    html = html_of(response)
    row = row_of(html, f'id="unit-{world.college.pk}"')
    assert '<td class="board-cell board-cell--empty" title="1. &lt;b&gt;&quot;x&quot;&amp; 制度">' in row
    assert '<b>"x"' not in html


def test_board_is_refused_to_secretaries_and_liaisons_and_hidden_from_other_institutions(
        world, secretary, liaison, other_staff, leader):
    url = college_round(world).get_absolute_url()
    assert client_for(secretary).get(url).status_code == 403
    assert client_for(liaison).get(url).status_code == 403
    assert client_for(other_staff).get(url).status_code == 404
    assert client_for(leader).get(url).status_code == 200


def test_reminder_button_names_how_many_units_are_behind_and_only_staff_see_it(world, staff, leader, secretary):
    assessment_round = college_round(world)
    done = start_assessment(world.college, assessment_round, by=secretary)
    done.status = Status.SUBMITTED
    done.save()
    college(world.institution, "新增学院")
    label = ngettext("Remind the %(counter)s unit that is behind (催报)",
                     "Remind the %(counter)s units that are behind (催报)", 2) % {"counter": 2}
    staff_html = html_of(client_for(staff).get(assessment_round.get_absolute_url()))
    assert reverse("tracker:round-remind", args=[assessment_round.pk]) in staff_html
    assert label in staff_html
    leader_html = html_of(client_for(leader).get(assessment_round.get_absolute_url()))
    assert reverse("tracker:round-remind", args=[assessment_round.pk]) not in leader_html


def test_reminders_are_mailed_logged_and_units_without_address_named(world, staff, secretary, other_secretary):
    assessment_round = college_round(world)
    secretary.email = "jidian@cumt.edu.cn"
    secretary.save()
    world.college.email = "gwh-jd@cumt.edu.cn"
    world.college.save()
    returned = start_assessment(world.college, assessment_round, by=secretary)
    returned.status = Status.RETURNED
    returned.save()
    filed = college(world.institution, "已报学院")
    assessment = start_assessment(filed, assessment_round)
    assessment.status = Status.SUBMITTED
    assessment.save()
    client = client_for(staff)
    response = client.post(reverse("tracker:round-remind", args=[assessment_round.pk]), follow=True)
    assert response.redirect_chain[-1][0] == assessment_round.get_absolute_url()
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"gwh-jd@cumt.edu.cn", "jidian@cumt.edu.cn"}
    assert assessment_round.name in mail.outbox[0].subject
    html = html_of(response)
    assert (_("Reminders were sent to %(units)s.") % {"units": world.college.label}) in html
    assert (_("No e-mail address is known for %(units)s: remind them by telephone, or add an address to the unit "
              "or its secretary.") % {"units": world.other_college.label}) in html
    reminder = FilingReminder.objects.get()
    assert (reminder.unit, reminder.sent_by, reminder.status_then) == (world.college, staff, Status.RETURNED)
    log = html[html.index('class="table reminder-log"'):]
    assert "jidian@cumt.edu.cn" in log and str(Status.RETURNED.label) in log


@pytest.mark.parametrize("persona", ["leader", "secretary"])
def test_only_staff_send_reminders(world, request, persona):
    assessment_round = college_round(world)
    world.college.email = "gwh-jd@cumt.edu.cn"
    world.college.save()
    response = client_for(request.getfixturevalue(persona)).post(
        reverse("tracker:round-remind", args=[assessment_round.pk]))
    assert response.status_code == 403 and not mail.outbox and not FilingReminder.objects.exists()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow_standard(standard, items: int) -> None:
    """Add items to the standard (in a third and fourth group) until it has `items`."""
    groups = [StandardGroupFactory(standard=standard, order=3, name="队伍建设"),
              StandardGroupFactory(standard=standard, order=4, name="品牌建设")]
    have = StandardItem.objects.filter(group__standard=standard).count()
    for n in range(have, items):
        StandardItemFactory(group=groups[n % 2], order=10 + n, number=str(n + 1), mode=Mode.GRADED_THREE)


def _filled_unit(unit, assessment_round, *, reminded_by=None) -> Assessment:
    assessment = start_assessment(unit, assessment_round)
    fill_assessment(assessment, full=False)
    entry = assessment.entries.first()
    RectificationFactory(unit=unit, source=Rectification.Source.SELF_ASSESSMENT, entry=entry)
    if reminded_by is not None:
        FilingReminder.objects.create(round=assessment_round, unit=unit, recipients="a@b.cn", status_then="草稿",
                                      sent_by=reminded_by)
    return assessment


def test_board_query_count_is_the_same_at_2_colleges_by_5_items_and_8_by_15(world, staff):
    # session, user, profile, round (+standard, institution), units, items (+group), assessments, entries,
    # open rectifications, reminders (+unit, who), the round's copies: none per unit, item or cell.
    assessment_round = college_round(world)
    for unit in (world.college, world.other_college):
        _filled_unit(unit, assessment_round, reminded_by=staff)
    client = client_for(staff)
    url = assessment_round.get_absolute_url()
    before = _queries(client, url)
    Rectification.objects.all().delete()
    Assessment.objects.all().delete()
    _grow_standard(assessment_round.standard, 15)
    for unit in (world.college, world.other_college):
        _filled_unit(unit, assessment_round, reminded_by=staff)
    for n in range(6):
        _filled_unit(college(world.institution, f"新增学院{n}", order=10 + n), assessment_round, reminded_by=staff)
    assert OrgUnit.objects.filter(institution=world.institution, kind="college").count() == 8
    assert AssessmentEntry.objects.count() == 8 * 15
    assert _queries(client, url) == before
    assert before <= 11


# --- One assessment: the page ------------------------------------------------------------------------


def test_assessment_page_shows_header_items_ratings_totals_and_evidence(world, secretary):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    entries = entries_of(assessment)
    client = client_for(secretary)
    assert save_self(client, entries["2"], "6.00", gap="制度未汇编", measure="年底前汇编成册", owner="王书记",
                     deadline="2099-12-31").status_code == 302
    assert save_self(client, entries["5"], "1.5").status_code == 302
    entry_evidence(entries["2"], secretary)
    html = html_of(client.get(detail_url(assessment)))
    for text in (world.college.name, assessment.round.name, assessment.round.standard.name, "2099-06-30",
                 str(Status.DRAFT.label), "序号", "评级", "佐证材料", "制度未汇编", "年底前汇编成册", "王书记",
                 "2099-12-31", "制度汇编.pdf"):
        assert text in html, text
    row = html[html.index(f'id="entry-{entries["2"].pk}"'):html.index(f'id="entry-{entries["3"].pk}"')]
    assert f"{_('Basically met')} (60%)" in row and item_url(entries["2"]) in row
    bonus_row = html[html.index(f'id="entry-{entries["5"].pk}"'):]
    assert '<td class="small">1.5</td>' in bonus_row
    assert '<td class="number" id="self-counted">6</td>' in html
    assert '<td class="number" id="self-bonus">1.5</td>' in html
    assert '<td class="number" id="self-total">7.5</td>' in html


def test_filler_sees_what_blocks_submission(world, secretary):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    entries = entries_of(assessment)
    save_self(client_for(secretary), entries["1"], "0.00")
    html = html_of(client_for(secretary).get(detail_url(assessment)))
    assert _("Item %(number)s has no self-score.") % {"number": "2"} in html
    assert (_("Item %(number)s is below full marks: fill in its %(fields)s.")
            % {"number": "1",
               "fields": "、".join([_("gap"), _("measure"), pgettext("assessment item", "deadline")])}) in html


@pytest.mark.parametrize("persona,status", [("staff", 200), ("leader", 200), ("admin_user", 200),
                                            ("secretary", 200), ("other_secretary", 404), ("liaison", 404),
                                            ("other_staff", 404)])
def test_assessment_page_for_each_role(world, request, persona, status):
    assessment = start_assessment(world.college, college_round(world))
    response = client_for(request.getfixturevalue(persona)).get(detail_url(assessment))
    assert response.status_code == status


def test_leader_reads_but_is_offered_no_form(world, leader, secretary):
    assessment = submitted(world, secretary)
    html = html_of(client_for(leader).get(detail_url(assessment)))
    assert reverse("tracker:assessment-transition", args=[assessment.pk]) not in html
    assert reverse("tracker:assessment-report", args=[assessment.pk]) not in html
    entry = assessment.entries.first()
    item = html_of(client_for(leader).get(item_url(entry)))
    assert "<form" not in item.split('id="self"')[1].split("</section>")[0]
    assert review_url(entry) not in item


def test_detail_query_count_is_the_same_at_5_items_and_30(world, staff, secretary):
    # session, user, profile, assessment (+round, standard, institution, unit), entries (+item, group, reviewer),
    # their evidence, rectifications, transitions (+actor): none per item.
    assessment_round = college_round(world)
    assessment = start_assessment(world.college, assessment_round, by=secretary)
    fill_assessment(assessment, full=False)
    for entry in assessment.entries.all():
        entry_evidence(entry, secretary)
    AssessmentTransition.objects.create(assessment=assessment, from_status="draft", to_status="submitted",
                                        actor=secretary)
    client = client_for(secretary)
    before = _queries(client, detail_url(assessment))
    assessment.delete()
    _grow_standard(assessment_round.standard, 30)
    assessment = start_assessment(world.college, assessment_round, by=secretary)
    fill_assessment(assessment, full=False)
    for entry in assessment.entries.all():
        entry_evidence(entry, secretary)
        RectificationFactory(unit=world.college, source=Rectification.Source.SELF_ASSESSMENT, entry=entry)
    AssessmentTransition.objects.create(assessment=assessment, from_status="draft", to_status="submitted",
                                        actor=secretary)
    assert _queries(client, detail_url(assessment)) == before
    assert before <= 9  # incl. the check that the entries still match the standard's items
    assert _queries(client_for(staff), detail_url(assessment)) <= before  # staff skip the submit check


# --- The whole workflow -------------------------------------------------------------------------------


def test_workflow_draft_submitted_returned_resubmitted_accepted(world, secretary, staff):
    assessment_round = college_round(world)
    sec = client_for(secretary)
    sec.post(reverse("tracker:assessment-start", args=[assessment_round.pk]), {"unit": world.college.pk})
    assessment = Assessment.objects.get()
    fill_fully_through_the_page(sec, assessment)
    entries = entries_of(assessment)
    assert save_self(sec, entries["2"], "6.00", gap="制度未汇编", measure="汇编成册",
                     deadline="2099-12-31").status_code == 302
    response = transition(sec, assessment, "submit")
    assert response.status_code == 302 and status_of(assessment) == Status.SUBMITTED
    # Submitted: read-only for the secretary.
    html = html_of(sec.get(detail_url(assessment)))
    assert reverse("tracker:assessment-report", args=[assessment.pk]) not in html
    assert reverse("tracker:assessment-transition", args=[assessment.pk]) not in html
    assert 'name="self_score"' not in html_of(sec.get(item_url(entries["1"])))

    # Staff review and return with a comment on item 2.
    st = client_for(staff)
    staff_html = html_of(st.get(detail_url(assessment)))
    assert str(_("Return for changes")) in staff_html and str(_("Accept")) in staff_html
    for number, entry in entries_of(assessment).items():
        entry.refresh_from_db()
        comment = "制度汇编请附目录" if number == "2" else ""
        assert save_review(st, entry, f"{entry.self_score:.2f}", comment).status_code == 302
    response = transition(st, assessment, "return", comment="请补充第2项佐证")
    assert response.status_code == 302 and status_of(assessment) == Status.RETURNED

    # The secretary sees what to fix, changes it and resubmits.
    html = html_of(sec.get(detail_url(assessment)))
    row = html[html.index(f'id="entry-{entries["2"].pk}"'):]
    assert "is-to-fix" in row[:200] and "制度汇编请附目录" in row
    assert "请补充第2项佐证" in html  # the comment in the log
    assert "给填报单位的意见：请补充第2项佐证" in html  # and at the top, with a Chinese colon
    assert html.count("is-to-fix") == 1
    assert sec.post(item_url(entries["2"]), {**self_data(entries["2"], "10.00"),
                                            "files": pdf_upload("制度汇编目录.pdf")}).status_code == 302
    assert transition(sec, assessment, "submit").status_code == 302
    assert status_of(assessment) == Status.RESUBMITTED

    # The reviewers still find item 2 short and accept: that gap enters the rectification list.
    assert save_review(st, entries["2"], "6.00", "仍缺目录").status_code == 302
    response = transition(st, assessment, "accept", comment="通过")
    assert response.status_code == 302 and status_of(assessment) == Status.ACCEPTED
    log = [(t.from_status, t.to_status, t.actor) for t in assessment.transitions.all()]
    assert log == [("draft", "submitted", secretary), ("submitted", "returned", staff),
                   ("returned", "resubmitted", secretary), ("resubmitted", "accepted", staff)]
    rectification = Rectification.objects.get()
    assert rectification.entry == entries["2"]
    html = html_of(sec.get(detail_url(assessment)))
    assert rectification.get_absolute_url() in html[html.index('id="rectifications"'):]
    log_html = html[html.index('id="log"'):]
    for label in (Status.DRAFT.label, Status.SUBMITTED.label, Status.RETURNED.label, Status.RESUBMITTED.label,
                  Status.ACCEPTED.label):
        assert str(label) in log_html


# --- Bad input: a clear message and no change -----------------------------------------------------------


@pytest.mark.parametrize("number,score,message", [
    ("5", "3", lambda: _("A score cannot be more than the item's %(points)s points.") % {"points": Decimal("2.00")}),
    ("5", "-1", lambda: _("A score cannot be negative.")),
    ("2", "7", lambda: _("This item is scored “%(mode)s”: choose one of %(allowed)s.") % {
        "mode": StandardItem.Mode.GRADED_THREE.label, "allowed": "10、6、0"}),
    ("1", "abc", lambda: _("Enter a number.")),
])
def test_a_score_the_item_does_not_allow_is_refused(world, secretary, number, score, message):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    entry = entries_of(assessment)[number]
    response = save_self(client_for(secretary), entry, score, gap="保留我的输入")
    assert response.status_code == 400
    html = html_of(response)
    assert str(message()) in html and "保留我的输入" in html
    entry.refresh_from_db()
    assert entry.self_score is None and entry.gap == "" and entry.version == 1


def test_a_review_score_above_the_points_is_refused(world, staff, secretary):
    assessment = submitted(world, secretary)
    entry = entries_of(assessment)["4"]
    response = save_review(client_for(staff), entry, "6", "太高")
    assert response.status_code == 400
    assert _("A score cannot be more than the item's %(points)s points.") % {"points": Decimal("5.00")} in html_of(
        response)
    entry.refresh_from_db()
    assert entry.review_score is None and entry.review_comment == ""


def test_submitting_with_items_left_empty_is_refused_with_each_problem(world, secretary):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    response = transition(client_for(secretary), assessment, "submit")
    assert response.status_code == 400
    html = html_of(response)
    for number in "12345":
        assert _("Item %(number)s has no self-score.") % {"number": number} in html
    assert status_of(assessment) == Status.DRAFT and not assessment.transitions.exists()


def test_accepting_a_draft_is_refused(world, staff, secretary):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    fill_assessment(assessment)
    response = transition(client_for(staff), assessment, "accept")
    assert response.status_code == 400
    assert (_("A self-assessment that is “%(current)s” cannot be made “%(target)s”.")
            % {"current": Status.DRAFT.label, "target": Status.ACCEPTED.label}) in html_of(response)
    assert status_of(assessment) == Status.DRAFT and not assessment.transitions.exists()


def test_returning_an_accepted_assessment_is_refused(world, staff, secretary):
    assessment = submitted(world, secretary)
    assessment.status = Status.ACCEPTED
    assessment.save()
    response = transition(client_for(staff), assessment, "return", comment="再看看")
    assert response.status_code == 400
    assert (_("A self-assessment that is “%(current)s” cannot be made “%(target)s”.")
            % {"current": Status.ACCEPTED.label, "target": Status.RETURNED.label}) in html_of(response)
    assert status_of(assessment) == Status.ACCEPTED and not assessment.transitions.exists()


def test_returning_without_a_comment_on_any_item_is_refused(world, staff, secretary):
    assessment = submitted(world, secretary)
    response = transition(client_for(staff), assessment, "return")
    assert response.status_code == 400
    assert _("Write a comment on each item the unit should change before returning it.") in html_of(response)
    assert status_of(assessment) == Status.SUBMITTED


def test_accepting_before_every_item_is_reviewed_is_refused(world, staff, secretary):
    assessment = submitted(world, secretary)
    response = transition(client_for(staff), assessment, "accept")
    assert response.status_code == 400
    assert status_of(assessment) == Status.SUBMITTED and not Rectification.objects.exists()


def test_a_secretary_cannot_submit_another_colleges_assessment(world, secretary, other_secretary):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    fill_assessment(assessment)
    client = client_for(other_secretary)
    assert transition(client, assessment, "submit").status_code == 404
    entry = assessment.entries.first()
    assert save_self(client, entry, "0").status_code == 404
    assert status_of(assessment) == Status.DRAFT
    entry.refresh_from_db()
    assert entry.self_score == entry.item.points


def test_a_secretary_cannot_accept_her_own_assessment(world, secretary):
    assessment = submitted(world, secretary)
    assert transition(client_for(secretary), assessment, "accept").status_code == 403
    assert status_of(assessment) == Status.SUBMITTED


def test_the_unit_cannot_change_an_item_once_submitted(world, secretary):
    assessment = submitted(world, secretary)
    entry = entries_of(assessment)["1"]
    response = save_self(client_for(secretary), entry, "0.00")
    assert response.status_code == 400
    assert (_("This self-assessment is “%(status)s”: it cannot be changed until the reviewers return it.")
            % {"status": Status.SUBMITTED.label}) in html_of(response)
    entry.refresh_from_db()
    assert entry.self_score == Decimal("10.00")


def test_an_unknown_action_or_a_missing_version_is_refused(world, staff, secretary):
    assessment = submitted(world, secretary)
    url = reverse("tracker:assessment-transition", args=[assessment.pk])
    assert client_for(staff).post(url, {"action": "delete", "version": 1}).status_code == 400
    assert client_for(staff).post(url, {"action": "accept"}).status_code == 400
    assert status_of(assessment) == Status.SUBMITTED


def test_a_decision_on_a_stale_page_is_refused_with_409(world, staff, secretary):
    assessment = submitted(world, secretary)
    loaded = assessment.version
    for entry in assessment.entries.all():
        entry.review_score = entry.self_score
        entry.save()
    assert transition(client_for(staff), assessment, "accept").status_code == 302
    response = transition(client_for(staff), assessment, "accept", version=loaded)
    assert response.status_code == 409 and assessment.transitions.count() == 1


# --- The written report -----------------------------------------------------------------------------


def test_report_is_saved_within_the_limit_and_refused_over_it(world, secretary):
    assessment = start_assessment(world.college, college_round(world, report_max_chars=10), by=secretary)
    client = client_for(secretary)
    url = reverse("tracker:assessment-report", args=[assessment.pk])
    page = html_of(client.get(detail_url(assessment)))
    assert 'data-limit="10"' in page and "js/assessments.js" in page and "<script>" not in page
    response = client.post(url, {"version": 1, "report": "一二三四五六七八九十十一"})
    assert response.status_code == 400
    assert (_("The report is %(length)s characters long; this round allows at most %(limit)s. Shorten it by "
              "%(over)s characters.") % {"length": 12, "limit": 10, "over": 2}) in html_of(response)
    assert "一二三四五六七八九十十一" in html_of(response)
    assessment.refresh_from_db()
    assert assessment.report == "" and assessment.version == 1
    # A line break counts as one character, as the writer sees it.
    assert client.post(url, {"version": 1, "report": "一二三四\r\n五六七八九"}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.report == "一二三四\n五六七八九"


def test_report_is_read_only_once_submitted(world, secretary):
    assessment = submitted(world, secretary)
    assessment.report = "我院对标自查报告"
    assessment.save()
    client = client_for(secretary)
    html = html_of(client.get(detail_url(assessment)))
    assert "我院对标自查报告" in html and 'name="report"' not in html
    response = client.post(reverse("tracker:assessment-report", args=[assessment.pk]),
                           {"version": assessment.version, "report": "改过的"})
    assert response.status_code == 400
    assessment.refresh_from_db()
    assert assessment.report == "我院对标自查报告"


def test_leader_cannot_write_the_report(world, leader, secretary):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    response = client_for(leader).post(reverse("tracker:assessment-report", args=[assessment.pk]),
                                       {"version": 1, "report": "x"})
    assert response.status_code == 403


# --- Items: evidence, the next link, concurrency --------------------------------------------------------


def test_item_page_offers_the_allowed_scores_and_the_next_item(world, secretary):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    entries = entries_of(assessment)
    html = html_of(client_for(secretary).get(item_url(entries["2"])))
    assert '<option value="6.00">6 · ' in html and f"{_('Basically met')} (60%)" in html
    assert item_url(entries["3"]) in html and item_url(entries["1"]) in html  # next and previous
    bonus = html_of(client_for(secretary).get(item_url(entries["5"])))
    assert 'type="number"' in bonus and 'max="2.00"' in bonus


def test_save_and_next_goes_to_the_next_item(world, secretary):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    entries = entries_of(assessment)
    response = client_for(secretary).post(item_url(entries["2"]), {**self_data(entries["2"], "10.00"),
                                                                   "then": "next"})
    assert response.status_code == 302 and response["Location"] == item_url(entries["3"])


def test_evidence_is_uploaded_on_an_item_and_a_wrong_type_refused(world, secretary, staff):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    entry = entries_of(assessment)["1"]
    client = client_for(secretary)
    response = client.post(item_url(entry), {**self_data(entry, "10.00"), "files": pdf_upload("会议纪要.pdf")})
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    assert evidence.entry == entry and evidence.original_name == "会议纪要.pdf"
    html = html_of(client.get(item_url(entry)))
    assert evidence.get_absolute_url() in html and "会议纪要.pdf" in html
    assert client_for(staff).get(evidence.get_absolute_url()).status_code == 200
    bad = SimpleUploadedFile("工具.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = client.post(item_url(entry), {**self_data(entry, "0.00"), "files": bad})
    assert response.status_code == 400
    assert (_("“%(name)s”: this type of file is not accepted. Upload PDF, Word, Excel, JPG or PNG files.")
            % {"name": "工具.exe"}) in html_of(response)
    entry.refresh_from_db()
    assert entry.self_score == Decimal("10.00") and EvidenceFile.objects.count() == 1


def test_another_college_cannot_download_the_evidence(world, secretary, other_secretary):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    evidence = entry_evidence(assessment.entries.first(), secretary)
    assert client_for(other_secretary).get(evidence.get_absolute_url()).status_code == 404


@pytest.fixture
def co_secretary(world):
    """A second secretary of the same college: two people filling in one assessment."""
    from .conftest import make_person

    return make_person("co_secretary", "secretary", world.institution, world.college)


def test_stale_self_edit_is_refused_and_keeps_the_input(world, secretary, co_secretary):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    entry = entries_of(assessment)["2"]
    stale = self_data(entry, "6.00", gap="我的差距")
    assert save_self(client_for(co_secretary), entry, "10.00").status_code == 302
    response = client_for(secretary).post(item_url(entry), stale)
    assert response.status_code == 409
    html = html_of(response)
    assert "我的差距" in html and 'name="version" value="2"' in html
    entry.refresh_from_db()
    assert entry.self_score == Decimal("10.00") and entry.gap == ""


def test_two_reviewers_the_later_save_is_refused_and_nothing_is_lost(world, staff, secretary):
    colleague = make_person("colleague", "staff", world.institution)
    assessment = submitted(world, secretary)
    entry = entries_of(assessment)["3"]
    first, second = client_for(staff), client_for(colleague)
    # Both open the item at version 1.
    assert 'name="version" value="1"' in html_of(first.get(item_url(entry)))
    assert 'name="version" value="1"' in html_of(second.get(item_url(entry)))
    assert save_review(first, entry, "6.00", "班子缺一名老同志", version=1).status_code == 302
    response = save_review(second, entry, "4.00", "班子不健全", version=1)
    assert response.status_code == 409
    html = html_of(response)
    # The later reviewer's input is kept, at the current version so saving again goes through ...
    assert "班子不健全" in html and '<option value="4.00" selected>' in html and 'name="version" value="2"' in html
    # ... and the earlier reviewer's saved score, comment, name and time are shown.
    stale = html[html.index("stale-changes"):]
    assert "班子缺一名老同志" in stale and '<strong class="stale-score">6</strong>' in stale
    assert (staff.get_full_name() or staff.get_username()) in stale
    changes = response.context["stale_changes"]
    assert [c.review_score for c in changes] == [Decimal("6.00")] and changes[0].history_user == staff
    entry.refresh_from_db()
    assert (entry.review_score, entry.review_comment, entry.reviewed_by) == (Decimal("6.00"), "班子缺一名老同志", staff)
    again = second.post(review_url(entry), {"version": 2, "review_score": "4.00", "review_comment": "班子不健全"})
    assert again.status_code == 302
    entry.refresh_from_db()
    assert (entry.review_score, entry.reviewed_by) == (Decimal("4.00"), colleague)


def test_review_form_only_while_under_review_and_only_for_staff(world, staff, secretary, leader):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    entry = entries_of(assessment)["1"]
    assert 'name="review_score"' not in html_of(client_for(staff).get(item_url(entry)))
    response = save_review(client_for(staff), entry, "10.00")
    assert response.status_code == 400
    assessment.status = Status.SUBMITTED
    assessment.save()
    assert 'name="review_score"' in html_of(client_for(staff).get(item_url(entry)))
    assert save_review(client_for(secretary), entry, "10.00").status_code == 403
    assert save_review(client_for(leader), entry, "10.00").status_code == 403
    entry.refresh_from_db()
    assert entry.review_score is None


def test_report_saved_on_a_stale_page_is_refused_and_kept(world, secretary, co_secretary):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    url = reverse("tracker:assessment-report", args=[assessment.pk])
    assert client_for(co_secretary).post(url, {"version": 1, "report": "同事起草的报告"}).status_code == 302
    response = client_for(secretary).post(url, {"version": 1, "report": "我院的报告"})
    assert response.status_code == 409
    html = html_of(response)
    assert "我院的报告" in html and 'name="version" value="2"' in html
    assert response.context["stale_changes"][0].history_user == co_secretary
    assessment.refresh_from_db()
    assert assessment.report == "同事起草的报告"


def test_breadcrumbs_link_the_board_only_for_those_who_see_it(world, staff, secretary):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    board = f'href="{assessment.round.get_absolute_url()}"'
    assert board in html_of(client_for(staff).get(detail_url(assessment)))
    assert board not in html_of(client_for(secretary).get(detail_url(assessment)))


def test_an_item_of_another_assessment_under_this_assessments_address_is_not_found(world, secretary,
                                                                                  other_secretary):
    mine = start_assessment(world.college, college_round(world), by=secretary)
    theirs = start_assessment(world.other_college, mine.round, by=other_secretary)
    foreign = theirs.entries.first()
    url = reverse("tracker:assessment-item", args=[mine.pk, foreign.pk])
    assert client_for(secretary).get(url).status_code == 404
    assert client_for(secretary).post(url, {"version": 1, "self_score": "10.00"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.self_score is None


# --- Rounds for chosen units; steps dated when they happened (issue 14) -----------------------------


def pilot_round(world, staff, *, named: int = 3):
    """Five colleges (the world's two and three more); staff open a round through the page naming `named` of them:
    机电工程学院 and the new ones first, never 化工学院. Returns the round and the five colleges."""
    colleges = [world.college, world.other_college,
                *[college(world.institution, name, order=n) for n, name in
                  enumerate(["马克思主义学院", "建筑与设计学院", "环境与测绘学院"], start=10)]]
    standard = scored_standard(world.institution)
    chosen = [colleges[0], *colleges[2:]][:named]
    response = client_for(staff).post(reverse("tracker:round-create"), {
        "institution": world.institution.pk, "name": "2023年试点对标找差", "standard": standard.pk,
        "due_on": "2099-09-30", "report_max_chars": "2000", "units": [unit.pk for unit in chosen]})
    assert response.status_code == 302, html_of(response)
    return AssessmentRound.objects.get(name="2023年试点对标找差"), colleges


def test_staff_open_a_round_for_three_of_five_colleges_and_the_board_shows_those_three(world, staff):
    page = html_of(client_for(staff).get(reverse("tracker:round-create")))
    assert 'name="units"' in page and f'value="{world.college.pk}"' in page
    assert f'value="{world.member_unit.pk}"' not in page  # member units never file
    assessment_round, colleges = pilot_round(world, staff)
    assert sorted(assessment_round.units.values_list("pk", flat=True)) == sorted(
        [colleges[0].pk, colleges[2].pk, colleges[3].pk])
    html = html_of(client_for(staff).get(assessment_round.get_absolute_url()))
    for unit in (colleges[0], colleges[2], colleges[3]):
        assert f'id="unit-{unit.pk}"' in html
    for unit in (colleges[1], colleges[4]):
        assert f'id="unit-{unit.pk}"' not in html
    assert ngettext("%(counter)s unit named for this round", "%(counter)s units named for this round", 3) % {
        "counter": 3} in html
    assert '<dd class="board-behind">3 / 3</dd>' in html
    label = ngettext("Remind the %(counter)s unit that is behind (催报)",
                     "Remind the %(counter)s units that are behind (催报)", 3) % {"counter": 3}
    assert label in html


def test_a_round_naming_the_school_committee_for_a_college_standard_is_refused_with_the_input_kept(world, staff):
    standard = scored_standard(world.institution)
    response = client_for(staff).post(reverse("tracker:round-create"), {
        "institution": world.institution.pk, "name": "2023年第一批", "standard": standard.pk,
        "due_on": "2099-09-30", "report_max_chars": "1800", "units": [world.college.pk, world.committee.pk]})
    assert response.status_code == 400 and not AssessmentRound.objects.exists()
    html = html_of(response)
    message = _("Only the %(kind)s units of this institution can take part in a round against this standard: "
                "%(units)s cannot.") % {"kind": OrgUnit.Kind.COLLEGE.label, "units": world.committee.label}
    assert message in html
    assert 'value="1800"' in html and re.search(rf'value="{world.college.pk}"[^>]*checked', html)


def test_a_round_may_not_name_a_unit_of_another_institution(world, staff):
    elsewhere = college(world.other_institution, "文正学院")
    response = client_for(staff).post(reverse("tracker:round-create"), {
        "institution": world.institution.pk, "name": "2023年第一批", "standard": scored_standard(world.institution).pk,
        "due_on": "2099-09-30", "report_max_chars": "2000", "units": [elsewhere.pk]})
    assert response.status_code == 400 and not AssessmentRound.objects.exists()


def test_a_college_outside_the_round_is_told_so_and_cannot_start_it(world, staff, secretary, other_secretary):
    assessment_round, colleges = pilot_round(world, staff)
    start = reverse("tracker:assessment-start", args=[assessment_round.pk])
    outside = html_of(client_for(other_secretary).get(reverse("tracker:round-list")))
    row = row_of(outside, f'id="round-{assessment_round.pk}"')
    assert _("Your unit does not take part in this round") in row and start not in row
    assert client_for(other_secretary).post(start, {"unit": world.other_college.pk}).status_code == 403
    assert not Assessment.objects.filter(unit=world.other_college).exists()
    inside = row_of(html_of(client_for(secretary).get(reverse("tracker:round-list"))),
                    f'id="round-{assessment_round.pk}"')
    assert start in inside and _("Your unit does not take part in this round") not in inside
    assert client_for(secretary).post(start, {"unit": world.college.pk}).status_code == 302


def test_round_list_counts_filing_against_the_units_named(world, staff, secretary):
    assessment_round, colleges = pilot_round(world, staff)
    filed = start_assessment(world.college, assessment_round, by=secretary)
    filed.status = Status.SUBMITTED
    filed.save()
    row = row_of(html_of(client_for(staff).get(reverse("tracker:round-list"))), f'id="round-{assessment_round.pk}"')
    assert '<td class="number round-filed">1 / 3</td>' in row  # of the 3 named, not of the 5 colleges


def test_board_query_count_is_the_same_for_a_round_naming_2_units_and_8(world, staff):
    assessment_round, colleges = pilot_round(world, staff, named=2)
    client = client_for(staff)
    before = _queries(client, assessment_round.get_absolute_url())
    more = [college(world.institution, f"新增学院{n}", order=30 + n) for n in range(6)]
    assessment_round.units.add(*more)
    for unit in more:
        _filled_unit(unit, assessment_round, reminded_by=staff)
    html = html_of(client.get(assessment_round.get_absolute_url()))
    assert html.count('class="board-row') == 8
    assert _queries(client, assessment_round.get_absolute_url()) == before


def test_a_step_filed_on_paper_carries_its_day_and_the_log_shows_both_days(world, secretary):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    fill_assessment(assessment)
    client = client_for(secretary)
    assert 'name="occurred_on"' in html_of(client.get(detail_url(assessment)))
    filed_on = timezone.localdate() - dt.timedelta(days=9)
    response = client.post(reverse("tracker:assessment-transition", args=[assessment.pk]), {
        "action": "submit", "version": assessment.version, "occurred_on": filed_on.isoformat()})
    assert response.status_code == 302 and status_of(assessment) == Status.SUBMITTED
    step = assessment.transitions.get()
    assert step.occurred_on == filed_on
    log = html_of(client.get(detail_url(assessment)))
    log = log[log.index('id="log"'):]
    assert f'<time class="occurred" datetime="{filed_on:%Y-%m-%d}">' in log
    recorded = timezone.localtime(step.at).strftime("%Y-%m-%d %H:%M")
    assert _("recorded %(at)s") % {"at": recorded} in log


@pytest.mark.parametrize("day,message", [
    (lambda: timezone.localdate() + dt.timedelta(days=1), lambda: _("The date cannot be in the future.")),
    (lambda: dt.date(1999, 12, 31), lambda: _("Enter a date between %(earliest)s and %(latest)s.") % {
        "earliest": "2000-01-01", "latest": "2100-12-31"}),
])
def test_a_step_dated_in_the_future_or_implausibly_early_is_refused_and_nothing_moves(world, secretary, day,
                                                                                     message):
    assessment = start_assessment(world.college, college_round(world), by=secretary)
    fill_assessment(assessment)
    response = client_for(secretary).post(reverse("tracker:assessment-transition", args=[assessment.pk]), {
        "action": "submit", "version": assessment.version, "occurred_on": day().isoformat()})
    assert response.status_code == 400 and message() in html_of(response)
    assert status_of(assessment) == Status.DRAFT and not assessment.transitions.exists()
    assert f'value="{day().isoformat()}"' in html_of(response)  # the day typed is kept
