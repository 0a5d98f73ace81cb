"""The rectification list (整改清单) through the test client: who sees which entries, filters and counts, entering
an opinion, moving an entry on to done and verified, reassigning it, and the query count of the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from tracker.assessments.models.assessments import Rectification
from tracker.assessments.services.assessments import review_opinion_add
from tracker.org.models import OrgUnit

from .conftest import client_for
from .factories import (
    AssessmentRoundFactory,
    EvidenceFileFactory,
    OrgUnitFactory,
    RectificationFactory,
    ReviewFactory,
    college,
    pdf_upload,
    scored_standard,
    start_assessment,
)

pytestmark = pytest.mark.django_db
Status = Rectification.Status
Source = Rectification.Source
TODAY = timezone.localdate()
PAST = TODAY - dt.timedelta(days=3)


def html_of(response) -> str:
    return response.content.decode()


def entry_of(unit, **fields) -> Rectification:
    return RectificationFactory(unit=unit, **fields)


def advance(client, entry: Rectification, status: str, *, version: int | None = None, note: str = "", files=()):
    data = {"version": entry.version if version is None else version, "status": status, "note": note}
    if files:
        data["files"] = list(files)
    return client.post(reverse("tracker:rectification-advance", args=[entry.pk]), data)


def gap_entry(world) -> Rectification:
    """An entry that came from a gap in the college's self-assessment."""
    assessment = start_assessment(world.college, AssessmentRoundFactory(institution=world.institution,
                                                                        name="2021年对标找差"))
    item = assessment.entries.select_related("item").order_by("item__order").first()
    return entry_of(world.college, source=Source.SELF_ASSESSMENT, entry=item, problem="制度不全")


# --- The list ----------------------------------------------------------------------------------


def test_secretary_sees_only_her_colleges_entries_and_staff_see_all(world, staff, secretary):
    entry_of(world.college, problem="机电学院台账不完整")
    entry_of(world.other_college, problem="化工学院未建平台")
    entry_of(OrgUnitFactory(institution=world.other_institution, kind=OrgUnit.Kind.COLLEGE), problem="苏大问题")
    mine = html_of(client_for(secretary).get(reverse("tracker:rectification-list")))
    assert "机电学院台账不完整" in mine and "化工学院未建平台" not in mine
    every = html_of(client_for(staff).get(reverse("tracker:rectification-list")))
    assert "机电学院台账不完整" in every and "化工学院未建平台" in every and "苏大问题" not in every


def test_counts_by_status_and_overdue_are_at_the_top(world, staff):
    entry_of(world.college, deadline=PAST)  # open and overdue
    entry_of(world.college, status=Status.IN_PROGRESS)
    entry_of(world.college, status=Status.DONE, deadline=PAST)  # done: past its deadline but not overdue
    response = client_for(staff).get(reverse("tracker:rectification-list"))
    counts = response.context["counts"]
    assert (counts["open"], counts["in_progress"], counts["done"], counts["verified"], counts["overdue"]) == \
        (1, 1, 1, 0, 1)
    assert 'id="count-overdue">1<' in html_of(response)


def test_overdue_mark_is_derived_from_the_deadline(world, staff):
    late = entry_of(world.college, deadline=PAST, problem="逾期未改")
    on_time = entry_of(world.college, deadline=TODAY, problem="今日到期")
    closed = entry_of(world.college, deadline=PAST, status=Status.DONE, problem="已完成")
    response = client_for(staff).get(reverse("tracker:rectification-list"))
    overdue = {row.entry.pk: row.overdue for row in response.context["rows"]}
    assert overdue == {late.pk: True, on_time.pk: False, closed.pk: False}
    html = html_of(response)
    assert f'id="rectification-{late.pk}" class="is-overdue"' in html
    assert f'id="rectification-{on_time.pk}">' in html


def test_filters_by_status_source_unit_and_overdue(world, staff):
    late = entry_of(world.college, deadline=PAST)
    started = entry_of(world.other_college, status=Status.IN_PROGRESS, source=Source.ZONE_REVIEW)
    url = reverse("tracker:rectification-list")
    client = client_for(staff)

    def shown(**query) -> set[int]:
        response = client.get(url, query)
        assert response.status_code == 200
        return {row.entry.pk for row in response.context["rows"]}

    assert shown(status="in_progress") == {started.pk}
    assert shown(source="zone_review") == {started.pk}
    assert shown(unit=world.college.pk) == {late.pk}
    assert shown(overdue="on") == {late.pk}
    assert shown() == {late.pk, started.pk}
    # a filter that is not understood shows everything, and says so
    response = client.get(url, {"status": "nonsense"})
    assert {row.entry.pk for row in response.context["rows"]} == {late.pk, started.pk}
    assert _("A filter was not understood, so every entry is shown.") in html_of(response)


def test_secretary_has_no_owner_unit_filter(world, secretary, staff):
    assert "unit" not in client_for(secretary).get(reverse("tracker:rectification-list")).context["filters"].fields
    assert "unit" in client_for(staff).get(reverse("tracker:rectification-list")).context["filters"].fields


def test_source_links_to_the_assessment_item_and_to_the_review(world, staff, leader):
    gap = gap_entry(world)
    review = ReviewFactory(institution=world.institution, name="2022年片区评议")
    opinion = review_opinion_add(actor=staff, review=review, text="校级平台品牌不突出")
    html = html_of(client_for(leader).get(reverse("tracker:rectification-list")))
    assert gap.entry.get_absolute_url() in html and "2021年对标找差" in html
    assert review.get_absolute_url() in html and opinion.text in html


def test_secretary_sees_where_an_entry_came_from_without_a_link_to_a_review(world, secretary, staff):
    review = ReviewFactory(institution=world.institution, name="2022年片区评议")
    opinion = review_opinion_add(actor=staff, review=review, text="学院层面落实不够")
    opinion.rectification.unit = world.college
    opinion.rectification.save()
    html = html_of(client_for(secretary).get(reverse("tracker:rectification-list")))
    assert "2022年片区评议" in html and review.get_absolute_url() not in html


def test_evidence_count_is_shown(world, staff):
    entry = entry_of(world.college)
    EvidenceFileFactory(standalone=True, rectification=entry)
    EvidenceFileFactory(standalone=True, rectification=entry)
    response = client_for(staff).get(reverse("tracker:rectification-list"))
    assert response.context["rows"][0].entry.evidence_count == 2


def test_empty_list_says_what_to_do_next(world, staff, secretary):
    staff_html = html_of(client_for(staff).get(reverse("tracker:rectification-list")))
    assert _("The rectification list is empty.") in staff_html
    assert reverse("tracker:rectification-create") in staff_html
    secretary_html = html_of(client_for(secretary).get(reverse("tracker:rectification-list")))
    assert escape(_("Entries appear here when a self-assessment of your unit is accepted with gaps, or when "
                    "committee staff enter an opinion for your unit.")) in secretary_html
    assert reverse("tracker:rectification-create") not in secretary_html


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _mixed_entries(world, staff, n: int) -> None:
    """n entries of each source, with evidence, across n new colleges."""
    standard = scored_standard(world.institution, name=f"标准{n}")
    assessment_round = AssessmentRoundFactory(institution=world.institution, standard=standard, name=f"轮次{n}")
    for i in range(n):
        unit = college(world.institution, f"学院{n}-{i}", order=20 + i)
        entry_of(unit, deadline=PAST if i % 2 else TODAY)
        assessment = start_assessment(unit, assessment_round)
        gap = entry_of(unit, source=Source.SELF_ASSESSMENT, entry=assessment.entries.first())
        EvidenceFileFactory(standalone=True, rectification=gap)
        review = ReviewFactory(institution=world.institution, name=f"评议{n}-{i}")
        review_opinion_add(actor=staff, review=review, text=f"意见{i}")


def test_list_query_count_is_the_same_at_3_and_30_entries(world, staff):
    # session, user, profile, units for the filter, the entries (+unit, institution, item, round, opinion,
    # review and evidence count), the assessments and the reviews the reader may open, the counts (one
    # aggregate), and the institutions whose list she may add to: none of them per entry.
    _mixed_entries(world, staff, 1)
    client = client_for(staff)
    url = reverse("tracker:rectification-list")
    before = _queries(client, url)
    _mixed_entries(world, staff, 10)
    assert Rectification.objects.count() == 33
    assert _queries(client, url) == before
    assert before <= 9


# --- Entering an opinion -----------------------------------------------------------------------


def test_staff_see_the_create_link_and_others_do_not(world, staff, leader, secretary):
    link = reverse("tracker:rectification-create")
    entry_of(world.college)
    assert link in html_of(client_for(staff).get(reverse("tracker:rectification-list")))
    for person in (leader, secretary):
        assert link not in html_of(client_for(person).get(reverse("tracker:rectification-list")))
        assert client_for(person).get(link).status_code == 403


def test_create_offers_the_institutions_units_but_no_zone_or_other_institution(world, staff):
    zone = OrgUnitFactory(institution=None, kind=OrgUnit.Kind.ZONE, name="苏南片区")
    other = OrgUnitFactory(institution=world.other_institution, kind=OrgUnit.Kind.COLLEGE, name="苏大文学院")
    response = client_for(staff).get(reverse("tracker:rectification-create"))
    units = set(response.context["form"].fields["unit"].queryset)
    assert world.college in units and world.committee in units and world.member_unit in units
    assert zone not in units and other not in units
    sources = [value for value, _label in response.context["form"].fields["source"].choices]
    assert sources == [Source.INSPECTION, Source.ZONE_REVIEW]


def test_staff_enter_an_inspection_opinion(world, staff):
    response = client_for(staff).post(reverse("tracker:rectification-create"), {
        "unit": world.college.pk, "source": "inspection", "problem": "学院未建立工作台账",
        "measure": "建立月度台账", "deadline": "2099-06-30",
    })
    entry = Rectification.objects.get()
    assert response.status_code == 302 and response["Location"] == entry.get_absolute_url()
    assert (entry.unit, entry.source, entry.status, entry.institution) == \
        (world.college, Source.INSPECTION, Status.OPEN, world.institution)
    assert entry.created_by == staff


def test_create_errors_are_400_and_keep_the_input(world, staff):
    response = client_for(staff).post(reverse("tracker:rectification-create"), {
        "unit": world.college.pk, "source": "inspection", "problem": "学院未建立工作台账", "measure": "建立台账",
    })
    assert response.status_code == 400
    assert "学院未建立工作台账" in html_of(response) and response.context["form"].errors["deadline"]
    assert not Rectification.objects.exists()


def test_a_gap_cannot_be_entered_by_hand(world, staff):
    response = client_for(staff).post(reverse("tracker:rectification-create"), {
        "unit": world.college.pk, "source": "self_assessment", "problem": "x", "deadline": "2099-06-30",
    })
    assert response.status_code == 400 and not Rectification.objects.exists()


# --- One entry: moving it on -----------------------------------------------------------------------


def test_secretary_moves_her_colleges_entry_to_in_progress_and_done(world, secretary):
    entry = entry_of(world.college)
    client = client_for(secretary)
    response = advance(client, entry, "in_progress", note="已布置各系补记台账")
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == Status.IN_PROGRESS and entry.note == "已布置各系补记台账"
    # done needs evidence
    refused = advance(client, entry, "done", note="已完成")
    assert refused.status_code == 400
    assert _("Attach evidence of what was done.") in html_of(refused) and "已完成" in html_of(refused)
    entry.refresh_from_db()
    assert entry.status == Status.IN_PROGRESS
    assert advance(client, entry, "done", note="已完成", files=[pdf_upload("台账.pdf")]).status_code == 302
    entry.refresh_from_db()
    assert entry.status == Status.DONE and entry.done_on == TODAY
    assert entry.evidence.get().original_name == "台账.pdf"


def test_secretary_cannot_verify(world, secretary):
    entry = entry_of(world.college, status=Status.DONE)
    EvidenceFileFactory(standalone=True, rectification=entry)
    response = advance(client_for(secretary), entry, "verified", files=[pdf_upload()])
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.status == Status.DONE and entry.version == 1 and entry.evidence.count() == 1


def test_verified_is_offered_only_to_staff(world, secretary, staff):
    entry = entry_of(world.college, status=Status.DONE)
    offered = client_for(secretary).get(entry.get_absolute_url()).context["advance_form"]
    assert "verified" not in [value for value, _label in offered.fields["status"].widget.choices]
    offered = client_for(staff).get(entry.get_absolute_url()).context["advance_form"]
    assert [value for value, _label in offered.fields["status"].widget.choices] == \
        ["verified", "in_progress", "done"]  # the next steps, then "keep" the current status


def test_a_step_back_is_never_preselected(world, secretary, staff):
    """A secretary adding a note to an entry she marked done must not reopen it by leaving the select alone."""
    entry = entry_of(world.college, status=Status.DONE)
    assert client_for(secretary).get(entry.get_absolute_url()).context["advance_form"]["status"].value() == "done"
    assert client_for(staff).get(entry.get_absolute_url()).context["advance_form"]["status"].value() == "verified"
    started = entry_of(world.college, status=Status.OPEN)
    assert client_for(secretary).get(started.get_absolute_url()).context["advance_form"]["status"].value() == \
        "in_progress"


def test_staff_cannot_verify_without_evidence(world, staff):
    entry = entry_of(world.college, status=Status.DONE)
    response = advance(client_for(staff), entry, "verified", note="验收")
    assert response.status_code == 400
    assert _("Attach the evidence that the problem was put right before verifying it.") in html_of(response)
    entry.refresh_from_db()
    assert entry.status == Status.DONE


def test_staff_verify_with_evidence(world, staff):
    entry = entry_of(world.college, status=Status.DONE)
    response = advance(client_for(staff), entry, "verified", note="现场验收通过", files=[pdf_upload("验收单.pdf")])
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == Status.VERIFIED and entry.verified_by == staff
    page = client_for(staff).get(entry.get_absolute_url())
    assert page.context["advance_form"] is None and page.context["reassign_form"] is None
    assert _("This entry was verified and is closed.") in html_of(page)


def test_a_step_that_skips_is_refused_with_a_message(world, staff):
    entry = entry_of(world.college)
    response = advance(client_for(staff), entry, "verified", files=[pdf_upload()])
    assert response.status_code == 400
    assert "“" in html_of(response)  # the message names the current and the target status
    entry.refresh_from_db()
    assert entry.status == Status.OPEN


def test_another_colleges_secretary_gets_404(world, other_secretary):
    entry = entry_of(world.college)
    client = client_for(other_secretary)
    assert client.get(entry.get_absolute_url()).status_code == 404
    assert advance(client, entry, "in_progress").status_code == 404
    entry.refresh_from_db()
    assert entry.status == Status.OPEN


def test_leader_reads_an_entry_but_cannot_move_it(world, leader):
    entry = entry_of(world.college)
    page = client_for(leader).get(entry.get_absolute_url())
    assert page.status_code == 200 and page.context["advance_form"] is None
    assert advance(client_for(leader), entry, "in_progress").status_code == 403


def test_stale_advance_is_409_with_the_newer_versions_and_the_input_kept(world, staff, secretary):
    entry = entry_of(world.college)
    assert advance(client_for(staff), entry, "in_progress", note="同事先推进").status_code == 302
    response = advance(client_for(secretary), entry, "in_progress", version=1, note="我基于旧页面的说明")
    assert response.status_code == 409
    html = html_of(response)
    assert "我基于旧页面的说明" in html and 'name="version" value="2"' in html
    assert "同事先推进" in html  # the value the newer version saved
    assert response.context["stale_changes"][0].history_user == staff
    entry.refresh_from_db()
    assert entry.note == "同事先推进"


def test_detail_shows_evidence_links_and_the_change_history(world, staff, secretary):
    entry = entry_of(world.college)
    advance(client_for(secretary), entry, "in_progress", note="开始整改")
    entry.refresh_from_db()
    advance(client_for(secretary), entry, "done", note="整改完成", files=[pdf_upload("整改报告.pdf")])
    response = client_for(staff).get(entry.get_absolute_url())
    html = html_of(response)
    evidence = entry.evidence.get()
    assert reverse("tracker:evidence-download", args=[evidence.pk]) in html and "整改报告.pdf" in html
    history = response.context["history"]  # newest first: the status each save changed, from → to
    status, note = (str(Rectification._meta.get_field(name).verbose_name) for name in ("status", "note"))
    changes = [{change.field: (change.old, change.new) for change in line.changes} for line in history]
    assert [line.get(status) for line in changes] == [
        (Status.IN_PROGRESS.label, Status.DONE.label), (Status.OPEN.label, Status.IN_PROGRESS.label), None]
    assert history[0].who == secretary.get_full_name() and changes[0][note] == ("开始整改", "整改完成")
    assert "开始整改" in html


# --- Reassigning ----------------------------------------------------------------------------------


def reassign(client, entry, *, version=None, unit=None, deadline="2099-09-30", measure="学院党委牵头整改"):
    return client.post(reverse("tracker:rectification-reassign", args=[entry.pk]), {
        "version": entry.version if version is None else version, "unit": unit.pk, "measure": measure,
        "deadline": deadline,
    })


def test_staff_reassign_owner_measure_and_deadline(world, staff, secretary, other_secretary):
    entry = entry_of(world.college)
    assert reassign(client_for(staff), entry, unit=world.other_college).status_code == 302
    entry.refresh_from_db()
    assert (entry.unit, entry.deadline, entry.measure) == \
        (world.other_college, dt.date(2099, 9, 30), "学院党委牵头整改")
    # the entry moved: the first college's secretary no longer sees it, the other college's does
    assert client_for(secretary).get(entry.get_absolute_url()).status_code == 404
    page = client_for(other_secretary).get(entry.get_absolute_url())
    assert page.status_code == 200 and page.context["reassign_form"] is None
    assert any(line.changes for line in page.context["history"])


def test_secretary_cannot_reassign(world, secretary):
    entry = entry_of(world.college)
    assert reassign(client_for(secretary), entry, unit=world.other_college).status_code == 403
    entry.refresh_from_db()
    assert entry.unit == world.college


def test_reassign_errors_are_400_and_stale_is_409(world, staff, admin_user):
    entry = entry_of(world.college)
    response = reassign(client_for(staff), entry, unit=world.other_college, deadline="")
    assert response.status_code == 400 and "学院党委牵头整改" in html_of(response)
    assert reassign(client_for(admin_user), entry, unit=world.member_unit).status_code == 302
    stale = reassign(client_for(staff), entry, version=1, unit=world.other_college, measure="我的措施")
    assert stale.status_code == 409
    assert "我的措施" in html_of(stale) and stale.context["stale_form"] == "reassign"
    entry.refresh_from_db()
    assert entry.unit == world.member_unit
