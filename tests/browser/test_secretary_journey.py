"""A college secretary's year, in Chromium, with committee staff where the work passes to them.

The secretary downloads the roster template, fills it in with openpyxl, uploads it (a mistyped year is refused by
row and column and nothing is imported), uploads it corrected, checks the preview and confirms; records an activity
in the ledger with the new volunteers and the minutes as evidence; files the self-assessment item by item with a
written report. Staff score it and return it with a comment on one item; she finds the highlighted item and the
comment, fixes it and resubmits; staff score it again and accept it. The gaps are now on the rectification list:
she marks one done with evidence, and staff verify it.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tracker.assessments.models.assessments import Assessment, AssessmentTransition, Rectification
from tracker.org.models import OrgUnit, Profile
from tracker.org.services import profile_assign_role
from tracker.roster.models import RosterImport, Volunteer
from tracker.work.models.platforms import Activity

from ..factories import AssessmentRoundFactory, InstitutionFactory, OrgUnitFactory, UserFactory
from .journeys import Journey, download, evidence_file, nav, number, sign_in, zh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "journey-pass-1"
COLLEGE = "机电工程学院"
PEOPLE = [  # 工号, 姓名, 出生年份: three retired teachers of the college
    ("M20001", "周明德", 1950),
    ("M20002", "吴秀兰", 1956),
    ("M20003", "郑国华", 1953),
]
COMMENT = "整改措施请写明制度汇编印发的时间和范围。"
RETURN_NOTE = "第2项整改措施不够具体，请修改后重新提交。"
REPORT = "本年度学院二级关工委对照标准逐项自查，制度建设和班子建设存在差距，已制定整改措施。"
MEASURE = "2个月内修订并印发《二级关工委工作制度汇编》，发至各系和全体老同志。"


def roster_workbook(template: bytes, birth_years: list[object]) -> bytes:
    """The downloaded template with one row per person, filled in under its own headers."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook["花名册"]
    headers = [cell.value for cell in sheet[1]]
    for (staff_number, name, _), born in zip(PEOPLE, birth_years, strict=True):
        values = {"工号": staff_number, "姓名": name, "所在单位": COLLEGE, "性别": zh("Male"), "出生年份": born,
                  "五老类别": zh("Veteran teacher"), "中共党员": "是", "有条件": "是", "参与": "是", "骨干": "否"}
        sheet.append([values.get(header) for header in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def status_text(page) -> str:
    return page.locator("#assessment-status").inner_text().strip()


def set_score(field, value: str) -> None:
    """A score: chosen from the allowed ones, or typed where the item takes any number (a bonus)."""
    if field.evaluate("element => element.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)


def on_item(page, item_number: str) -> None:
    expect(page.locator("h1")).to_have_text(re.compile(rf"^{item_number}\."))


def fill_item(page, item_number: str, *, score: str, gap: str = "", measure: str = "", owner: str = "",
              deadline: str = "", evidence=None, then_next: bool = True) -> None:
    """The unit's part of the item, saved with “Save and go to the next item” (or “Save” on the last)."""
    on_item(page, item_number)
    form = page.locator("#self")
    set_score(form.get_by_label("自评分"), score)
    for label, value in (("差距", gap), ("整改措施", measure), ("责任人", owner), ("完成时限", deadline)):
        if value:
            form.get_by_label(label, exact=True).fill(value)
    if evidence is not None:
        form.get_by_label(zh("Evidence files (佐证材料)")).set_input_files(str(evidence))
    name = zh("Save and go to the next item") if then_next else zh("Save")
    form.get_by_role("button", name=name, exact=True).click()


def review_items(page, scores: dict[str, str], comments: dict[str, str]) -> None:
    """Staff, from item 1's page: a 考评分 (and a comment where given) on each item, going on to the next."""
    numbers = list(scores)
    for index, item_number in enumerate(numbers):
        on_item(page, item_number)
        review = page.locator("#review")
        set_score(review.get_by_label("考评分"), scores[item_number])
        if item_number in comments:
            review.get_by_label("评审意见").fill(comments[item_number])
        last = index == len(numbers) - 1
        review.get_by_role("button", name=zh("Save the review") if last else zh("Save and go to the next item")).click()
    page.wait_for_selector(".message--success")


def open_item(page, item_number: str) -> None:
    page.locator("table.assessment-items").get_by_role("link", name=item_number, exact=True).click()
    page.wait_for_selector("#self")


def test_secretary_imports_records_files_fixes_and_closes_a_gap_with_staff(page, artifacts, tmp_path):
    institution = InstitutionFactory(name="中国矿业大学", short_name="矿大", code="cumt")
    committee = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.SCHOOL_COMMITTEE, name="校关工委")
    college = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.COLLEGE, name=COLLEGE, parent=committee)
    secretary = UserFactory(username="secretary", first_name="李秀英", password=PASSWORD)
    profile_assign_role(user=secretary, role=Profile.Role.SECRETARY, institution=institution, unit=college)
    staff = UserFactory(username="staff", first_name="王建国", password=PASSWORD)
    profile_assign_role(user=staff, role=Profile.Role.STAFF, institution=institution)
    AssessmentRoundFactory(institution=institution, name="2025年对标找差")
    minutes = evidence_file(tmp_path, "党委会议纪要.pdf")
    rules = evidence_file(tmp_path, "工作制度汇编（送审稿）.pdf")
    photo = evidence_file(tmp_path, "制度汇编印发现场.png")
    done_proof = evidence_file(tmp_path, "制度汇编印发通知.pdf")
    deadline = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    journey = Journey(page, artifacts, "secretary")

    # --- The roster -------------------------------------------------------------------------------------------
    # 1. The secretary opens the empty roster and downloads the template from it.
    sign_in(page, "secretary", PASSWORD)
    nav(page, "Roster")
    assert page.locator("table.roster-table").count() == 0
    journey.shot("roster-empty")
    name, template = download(page, page.get_by_role("link", name=zh("Download the template")))
    assert name == "花名册模板.xlsx"

    # 2. A mistyped birth year on the second person (row 3 of the sheet): refused by row and column, nothing saved.
    page.get_by_role("link", name=zh("Import from Excel")).click()
    upload = tmp_path / "花名册.xlsx"
    upload.write_bytes(roster_workbook(template, [1950, "一九五六", 1953]))
    page.get_by_label(zh("Roster file (.xlsx)")).set_input_files(str(upload))
    page.get_by_role("button", name=zh("Check the file")).click()
    page.wait_for_selector("table.import-errors")
    errors = page.locator("table.import-errors tbody tr")
    assert errors.count() == 1
    assert errors.locator(".import-row").inner_text() == "3"
    assert errors.locator(".import-column").inner_text() == "出生年份"
    assert page.locator("form.import-confirm").count() == 0
    journey.shot("roster-import-refused")
    assert not Volunteer.objects.exists() and not RosterImport.objects.exists()

    # 3. Corrected and uploaded again: the preview adds three people; confirmed, they are on the roster.
    upload.write_bytes(roster_workbook(template, [year for _, _, year in PEOPLE]))
    page.get_by_label(zh("Roster file (.xlsx)")).set_input_files(str(upload))
    page.get_by_role("button", name=zh("Check the file")).click()
    page.wait_for_selector("#preview")
    assert page.locator(".roster-count[data-count=create]").inner_text() == "3"
    preview = page.locator("#preview table").first.inner_text()
    assert all(staff_number in preview and name in preview for staff_number, name, _ in PEOPLE)
    journey.shot("roster-import-preview")
    page.get_by_role("button", name=zh("Apply these changes to the roster")).click()
    page.wait_for_selector(".message--success")
    roster = page.locator("table.roster-table").inner_text()
    assert all(name in roster for _, name, _ in PEOPLE)
    assert number(page.locator("dl.roster-counts .roster-count").first.inner_text()) == 3
    assert page.locator(".roster-count[data-count=participating]").inner_text() == "3"
    journey.shot("roster-imported")

    # --- The ledger -------------------------------------------------------------------------------------------
    # 4. The Party committee heard the committee's report: recorded with two of the new people and the minutes.
    nav(page, "Ledger")
    page.get_by_role("link", name=zh("Record an entry")).click()
    form = page.locator("main form.stack-form")
    form.get_by_label(zh("kind"), exact=True).select_option(label=zh("Report heard by the Party committee"))
    form.get_by_label(zh("title"), exact=True).fill("学院党委听取二级关工委工作汇报")
    for _, name, _ in PEOPLE[:2]:
        form.get_by_label(f"{name}（{COLLEGE}）").check()
    form.get_by_label(zh("retirees taking part (number)")).fill("2")
    form.get_by_label(zh("young students and teachers reached (number)")).fill("30")
    form.get_by_label(zh("Evidence files")).set_input_files(str(minutes))
    journey.shot("ledger-entry-filled")
    form.get_by_role("button", name=zh("Save entry")).click()
    page.wait_for_selector(".message--success")
    assert page.locator("h1").inner_text() == "学院党委听取二级关工委工作汇报"
    named = page.locator("ul.people").inner_text()
    assert PEOPLE[0][1] in named and PEOPLE[1][1] in named and PEOPLE[2][1] not in named
    assert "党委会议纪要.pdf" in page.locator("ul.evidence").inner_text()
    journey.shot("ledger-entry")

    # --- The self-assessment ----------------------------------------------------------------------------------
    # 5. She starts it from the menu and fills in every item, going from one to the next.
    nav(page, "Self-assessment")
    page.get_by_role("button", name=zh("Start the self-assessment")).click()
    page.wait_for_selector("#assessment-status")
    assert status_text(page) == zh("Draft")
    open_item(page, "1")
    fill_item(page, "1", score="10.00", evidence=minutes)
    fill_item(page, "2", score="6.00", gap="工作制度尚未汇编成册。", measure="修订并印发工作制度汇编。",
              owner="李秀英", deadline=deadline, evidence=rules)
    fill_item(page, "3", score="6.00", gap="班子成员中老同志比例偏低。", measure="增补两名老同志进入工作班子。",
              owner="李秀英", deadline=deadline)
    fill_item(page, "4", score="5.00")
    fill_item(page, "5", score="2", then_next=False)
    page.wait_for_selector(".message--success")
    journey.shot("assessment-last-item")
    page.get_by_role("link", name=zh("Back to the whole self-assessment")).click()
    page.get_by_label(zh("Written report")).fill(REPORT)
    page.get_by_role("button", name=zh("Save the report")).click()
    page.wait_for_selector(".message--success")
    assert page.locator("#self-counted").inner_text() == "27"  # 10 + 6 + 6 + 5
    page.get_by_role("button", name=zh("Submit"), exact=True).click()
    page.wait_for_selector(".message--success")
    assert status_text(page) == zh("Submitted")
    journey.shot("assessment-submitted")

    # 6. Staff open it from the filing board, score each item, comment on item 2 and return it.
    sign_in(page, "staff", PASSWORD)
    nav(page, "Self-assessment")
    page.get_by_role("link", name="2025年对标找差").click()
    page.wait_for_selector("table")
    journey.shot("staff-board")
    page.get_by_role("link", name=COLLEGE).first.click()
    assert REPORT in page.locator("#report").inner_text()
    open_item(page, "1")
    review_items(page, {"1": "10.00", "2": "6.00", "3": "6.00", "4": "5.00", "5": "2"}, {"2": COMMENT})
    page.get_by_role("link", name=zh("Back to the whole self-assessment")).click()
    page.get_by_label(zh("Comment to the unit")).fill(RETURN_NOTE)
    page.get_by_role("button", name=zh("Return for changes")).click()
    page.wait_for_selector(".message--success")
    assert status_text(page) == zh("Returned for changes")
    journey.shot("staff-returned")

    # 7. The secretary sees the highlighted item with the comment, makes the measure concrete, adds a photo and
    #    resubmits.
    sign_in(page, "secretary", PASSWORD)
    nav(page, "Self-assessment")
    page.get_by_role("link", name=zh("Continue filling in")).click()
    page.wait_for_selector("#assessment-status")
    to_fix = page.locator("tr.is-to-fix")
    assert to_fix.count() == 1 and COMMENT in to_fix.inner_text()
    assert to_fix.locator("td").first.inner_text() == "2"
    assert RETURN_NOTE in page.locator("#return-comment").inner_text()  # staff's note, at the top of the page
    journey.shot("secretary-sees-comment")
    to_fix.get_by_role("link", name="2", exact=True).click()
    page.wait_for_selector("#self")
    assert COMMENT in page.locator("#self .notice").inner_text()
    page.locator("#self").get_by_label("整改措施", exact=True).fill(MEASURE)
    page.locator("#self").get_by_label(zh("Evidence files (佐证材料)")).set_input_files(str(photo))
    page.locator("#self").get_by_role("button", name=zh("Save"), exact=True).click()
    page.wait_for_selector(".message--success")
    assert "制度汇编印发现场.png" in page.locator("#evidence").inner_text()
    journey.shot("secretary-fixed-item")
    page.get_by_role("link", name=zh("Back to the whole self-assessment")).click()
    page.get_by_role("button", name=zh("Submit"), exact=True).click()
    page.wait_for_selector(".message--success")
    assert status_text(page) == zh("Resubmitted")

    # 8. Staff score the changed item again (its earlier score no longer stands) and accept: the gaps go to the list.
    sign_in(page, "staff", PASSWORD)
    nav(page, "Self-assessment")
    page.get_by_role("link", name="2025年对标找差").click()
    page.get_by_role("link", name=COLLEGE).first.click()
    page.wait_for_selector("#assessment-status")
    scores = page.locator("tr.entry-row .review-score").all_inner_texts()
    assert [text.strip() for text in scores][:2] == ["10", "—"]
    open_item(page, "2")
    page.locator("#review").get_by_label("考评分").select_option("6.00")
    page.locator("#review").get_by_role("button", name=zh("Save the review")).click()
    page.wait_for_selector(".message--success")
    page.get_by_role("link", name=zh("Back to the whole self-assessment")).click()
    page.get_by_role("button", name=zh("Accept"), exact=True).click()
    page.wait_for_selector(".message--success")
    assert status_text(page) == zh("Accepted")
    gaps = page.locator("#rectifications li")
    assert gaps.count() == 2
    journey.shot("staff-accepted")

    # --- The rectification list -------------------------------------------------------------------------------
    # 9. The secretary finds both gaps on her list and reports the first done, with the printed notice.
    sign_in(page, "secretary", PASSWORD)
    nav(page, "Rectification")
    rows = page.locator("table tbody tr[id^=rectification-]")
    assert rows.count() == 2
    assert number(page.locator("#count-open").inner_text()) == 2
    journey.shot("secretary-rectifications")
    page.get_by_role("link", name="2. 工作制度尚未汇编成册。").click()
    page.wait_for_selector("#advance-form")
    assert MEASURE in page.locator("dl.facts").inner_text()
    advance = page.locator("#advance-form")
    advance.get_by_label(zh("Status")).select_option(label=zh("Done", "rectification"))
    advance.get_by_label(zh("Note")).fill("制度汇编已印发各系。")
    advance.get_by_label(zh("Evidence files")).set_input_files(str(done_proof))
    advance.get_by_role("button", name=zh("Save"), exact=True).click()
    page.wait_for_selector(".message--success")
    assert zh("Done", "rectification") in page.locator("dl.facts").inner_text()
    assert "制度汇编印发通知.pdf" in page.locator("ul.evidence").inner_text()
    assert advance.get_by_label(zh("Status")).input_value() == "done"  # saving a note again must not reopen it
    journey.shot("secretary-rectification-done")

    # 10. Staff see it done on the list and verify it (验收); it is closed.
    sign_in(page, "staff", PASSWORD)
    nav(page, "Rectification")
    assert number(page.locator("#count-done").inner_text()) == 1
    page.get_by_role("link", name="2. 工作制度尚未汇编成册。").click()
    advance = page.locator("#advance-form")
    advance.get_by_label(zh("Status")).select_option(label=zh("Verified", "rectification"))
    advance.get_by_label(zh("Note")).fill("已核对印发通知，整改到位。")
    advance.get_by_role("button", name=zh("Save"), exact=True).click()
    page.wait_for_selector(".message--success")
    assert zh("This entry was verified and is closed.") in page.locator("main").inner_text()
    journey.shot("staff-verified")

    # What was stored, step by step.
    assert sorted(Volunteer.objects.filter(unit=college).values_list("staff_number", flat=True)) == [
        staff_number for staff_number, _, _ in PEOPLE]
    activity = Activity.objects.get(unit=college)
    assert (activity.kind, activity.retirees.count()) == (Activity.Kind.PARTY_REPORT, 2)
    assessment = Assessment.objects.get(unit=college)
    assert assessment.status == Assessment.Status.ACCEPTED
    steps = list(AssessmentTransition.objects.filter(assessment=assessment).values_list("to_status", "actor__username"))
    assert steps == [("submitted", "secretary"), ("returned", "staff"), ("resubmitted", "secretary"),
                     ("accepted", "staff")]
    assert assessment.entries.get(item__number="2").measure == MEASURE
    closed = Rectification.objects.get(entry__item__number="2", entry__assessment=assessment)
    assert (closed.status, closed.verified_by) == (Rectification.Status.VERIFIED, staff)
    assert Rectification.objects.get(entry__item__number="3").status == Rectification.Status.OPEN
