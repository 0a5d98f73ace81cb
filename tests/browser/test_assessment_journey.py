"""A college's self-assessment, the whole loop in Chromium: the secretary submits, committee staff return it with a
comment on an item, the secretary fixes that item and resubmits, staff accept it."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from tracker import services
from tracker.models import Assessment, AssessmentTransition, OrgUnit, Profile
from tracker.services import assessments as svc

from ..factories import (
    PDF_BYTES,
    AssessmentRoundFactory,
    InstitutionFactory,
    OrgUnitFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "journey-pass-1"


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return gettext(text)


def sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto(page.base_url + "/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_selector(".site-nav")


def status_text(page) -> str:
    return page.locator("#assessment-status").inner_text().strip()


def test_secretary_submits_staff_returns_secretary_fixes_staff_accepts(page, artifacts, tmp_path):
    institution = InstitutionFactory(name="中国矿业大学", short_name="矿大", code="cumt")
    committee = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.SCHOOL_COMMITTEE, name="校关工委")
    college = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.COLLEGE, name="机电工程学院", parent=committee)
    secretary = UserFactory(username="secretary", first_name="李秀英", password=PASSWORD)
    services.profile_assign_role(user=secretary, role=Profile.Role.SECRETARY, institution=institution, unit=college)
    staff = UserFactory(username="staff", first_name="王建国", password=PASSWORD)
    services.profile_assign_role(user=staff, role=Profile.Role.STAFF, institution=institution)
    assessment_round = AssessmentRoundFactory(institution=institution, name="2021年对标找差")
    # Items 2–5 were filled in earlier; item 1 is left for the secretary to do in the browser.
    assessment = svc.assessment_start(actor=secretary, assessment_round=assessment_round, unit=college)
    for entry in assessment.entries.select_related("item").exclude(item__number="1"):
        score = entry.item.points if entry.item.counts_in_total else 0
        svc.entry_save_self(actor=secretary, entry=entry, loaded_version=entry.version,
                            part=svc.SelfPart(self_score=str(score)))
    minutes = tmp_path / "党委会议纪要.pdf"
    minutes.write_bytes(PDF_BYTES)
    sign_in_sheet = tmp_path / "学习会签到表.pdf"
    sign_in_sheet.write_bytes(PDF_BYTES)

    # 1. The secretary finds her assessment from the menu, fills in item 1 with evidence and submits.
    sign_in(page, "secretary")
    page.locator(".site-nav").get_by_role("link", name=zh("Self-assessment")).click()
    page.get_by_role("link", name=zh("Continue filling in")).click()
    page.wait_for_selector("#assessment-status")
    assert zh("Item %(number)s has no self-score.") % {"number": "1"} in page.locator("#workflow").inner_text()
    page.locator("table.assessment-items").get_by_role("link", name="1", exact=True).click()
    page.get_by_label("自评分").select_option("10.00")
    page.get_by_label(zh("Evidence files (佐证材料)")).set_input_files(str(minutes))
    page.get_by_role("button", name=zh("Save"), exact=True).click()
    page.wait_for_selector("#evidence")
    assert "党委会议纪要.pdf" in page.locator("#evidence").inner_text()
    page.get_by_role("link", name=zh("Back to the whole self-assessment")).click()
    page.get_by_role("button", name=zh("Submit"), exact=True).click()
    page.wait_for_selector(".message--success")
    assert status_text(page) == zh("Submitted")
    page.screenshot(path=artifacts / "assessment-journey-1-submitted.png", full_page=True)

    # 2. Staff open it from the filing board, score every item, comment on item 1 and return it.
    sign_in(page, "staff")
    page.locator(".site-nav").get_by_role("link", name=zh("Self-assessment")).click()
    page.get_by_role("link", name="2021年对标找差").click()
    page.wait_for_selector("table")
    page.screenshot(path=artifacts / "assessment-journey-2-board.png", full_page=True)
    page.get_by_role("link", name="机电工程学院").first.click()
    page.locator("table.assessment-items").get_by_role("link", name="1", exact=True).click()
    for number in ("1", "2", "3", "4", "5"):
        page.wait_for_selector("#review")
        assert page.locator("h1").inner_text().startswith(f"{number}.")
        self_score = page.locator("#self .self-score").inner_text().split("（")[0].strip()
        review = page.locator("#review")
        if number == "5":
            review.get_by_label("考评分").fill(self_score)
        else:
            review.get_by_label("考评分").select_option(f"{float(self_score):.2f}")
        if number == "1":
            review.get_by_label("评审意见").fill("请补充学习会签到表。")
        last = number == "5"
        name = zh("Save the review") if last else zh("Save and go to the next item")
        review.get_by_role("button", name=name).click()
    page.wait_for_selector(".message--success")
    page.get_by_role("link", name=zh("Back to the whole self-assessment")).click()
    page.get_by_label(zh("Comment to the unit")).fill("第1项佐证材料不全，请补充后重新提交。")
    page.get_by_role("button", name=zh("Return for changes")).click()
    page.wait_for_selector(".message--success")
    assert status_text(page) == zh("Returned for changes")
    page.screenshot(path=artifacts / "assessment-journey-3-returned.png", full_page=True)

    # 3. The secretary sees which item to change, adds the missing evidence and resubmits.
    sign_in(page, "secretary")
    page.locator(".site-nav").get_by_role("link", name=zh("Self-assessment")).click()
    page.get_by_role("link", name=zh("Continue filling in")).click()
    to_fix = page.locator("tr.is-to-fix")
    assert to_fix.count() == 1 and "请补充学习会签到表。" in to_fix.inner_text()
    to_fix.get_by_role("link", name="1", exact=True).click()
    page.get_by_label(zh("Evidence files (佐证材料)")).set_input_files(str(sign_in_sheet))
    page.get_by_role("button", name=zh("Save"), exact=True).click()
    page.wait_for_selector("#evidence")
    assert "学习会签到表.pdf" in page.locator("#evidence").inner_text()
    page.get_by_role("link", name=zh("Back to the whole self-assessment")).click()
    page.get_by_role("button", name=zh("Submit"), exact=True).click()
    page.wait_for_selector(".message--success")
    assert status_text(page) == zh("Resubmitted")

    # 4. Staff review the changed item afresh (its earlier review no longer stands) and accept.
    sign_in(page, "staff")
    page.goto(page.base_url + assessment.get_absolute_url())
    assert page.locator("tr.entry-row").first.locator(".review-score").inner_text().strip() == "—"
    page.locator("table.assessment-items").get_by_role("link", name="1", exact=True).click()
    page.locator("#review").get_by_label("考评分").select_option("10.00")
    page.locator("#review").get_by_role("button", name=zh("Save the review")).click()
    page.wait_for_selector(".message--success")
    page.get_by_role("link", name=zh("Back to the whole self-assessment")).click()
    page.get_by_role("button", name=zh("Accept"), exact=True).click()
    page.wait_for_selector(".message--success")
    assert status_text(page) == zh("Accepted")
    page.screenshot(path=artifacts / "assessment-journey-4-accepted.png", full_page=True)

    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.ACCEPTED
    steps = list(AssessmentTransition.objects.filter(assessment=assessment).values_list("to_status", "actor__username"))
    assert steps == [("submitted", "secretary"), ("returned", "staff"), ("resubmitted", "secretary"),
                     ("accepted", "staff")]
    entry = assessment.entries.get(item__number="1")
    assert sorted(entry.evidence.values_list("original_name", flat=True)) == ["党委会议纪要.pdf", "学习会签到表.pdf"]
