"""我的待办 and the bell, in Chromium (issue 15): committee staff find a college's self-assessment waiting on their
to-do list and return it with a comment; the college secretary's bell shows 1 and her to-do list leads with the
returned assessment and the comment; she opens it from the bell, fixes the item and resubmits it; the row leaves
her list, and the staff's list shows it waiting for review again."""

from __future__ import annotations

import pytest

from tracker.assessments.services import assessments as svc
from tracker.org.models import OrgUnit, Profile
from tracker.org.services import profile_assign_role

from ..factories import (
    AssessmentRoundFactory,
    InstitutionFactory,
    OrgUnitFactory,
    UserFactory,
    fill_assessment,
    start_assessment,
)
from .journeys import Journey, sign_in, zh
from .test_secretary_journey import open_item, review_items, status_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "journey-pass-1"
COLLEGE = "能源与动力工程学院"
ROUND = "2027年对标找差"
COMMENT = "第2项的制度请附印发文件。"
RETURN_NOTE = "请补充第2项佐证后重新提交。"


def todo_row(page, text: str):
    return page.locator("#todo li.todo", has_text=text)


def test_staff_return_rings_the_secretarys_bell_and_her_resubmission_comes_back_to_the_staffs_list(page,
                                                                                                  artifacts):
    institution = InstitutionFactory(name="中国矿业大学", short_name="矿大", code="cumt")
    committee = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.SCHOOL_COMMITTEE, name="校关工委")
    college = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.COLLEGE, name=COLLEGE, parent=committee)
    secretary = UserFactory(username="nd_secretary", first_name="赵丽华", password=PASSWORD)
    profile_assign_role(user=secretary, role=Profile.Role.SECRETARY, institution=institution, unit=college)
    staff = UserFactory(username="nd_staff", first_name="孙立军", password=PASSWORD)
    profile_assign_role(user=staff, role=Profile.Role.STAFF, institution=institution)
    assessment = fill_assessment(start_assessment(college, AssessmentRoundFactory(institution=institution,
                                                                                  name=ROUND), by=secretary))
    assessment.refresh_from_db()
    svc.assessment_submit(actor=secretary, assessment=assessment, loaded_version=assessment.version)
    journey = Journey(page, artifacts, "todo")

    # 1. Staff: the home page lists the assessment waiting; from it they review the items and return it.
    sign_in(page, "nd_staff", PASSWORD)
    waiting = todo_row(page, f"审核{COLLEGE}的自评")
    assert waiting.count() == 1 and ROUND in waiting.inner_text()
    journey.shot("staff-todo")
    waiting.get_by_role("link").click()
    page.wait_for_selector("#assessment-status")
    open_item(page, "1")
    review_items(page, {"1": "10.00", "2": "10.00", "3": "10.00", "4": "5.00", "5": "2"}, {"2": COMMENT})
    page.get_by_role("link", name=zh("Back to the whole self-assessment")).click()
    page.get_by_label(zh("Comment to the unit")).fill(RETURN_NOTE)
    page.get_by_role("button", name=zh("Return for changes")).click()
    page.wait_for_selector(".message--success")
    assert status_text(page) == zh("Returned for changes")

    # 2. The secretary: the bell shows 1, and her list leads with the returned assessment and the comments.
    sign_in(page, "nd_secretary", PASSWORD)
    assert page.locator("#bell-count").inner_text().strip() == "1"
    first = page.locator("#todo li.todo").first
    assert f"自评被退回：{ROUND}" in first.inner_text()
    assert RETURN_NOTE in first.inner_text() and COMMENT.rstrip("。") in first.inner_text()
    journey.shot("secretary-todo")

    # 3. She opens it from the bell, fixes the commented item and resubmits.
    page.locator("#bell").click()
    page.locator("#notifications li", has_text=ROUND).get_by_role("link").first.click()
    page.wait_for_selector("#assessment-status")
    to_fix = page.locator("tr.is-to-fix")
    assert to_fix.count() == 1 and COMMENT in to_fix.inner_text()
    to_fix.get_by_role("link", name="2", exact=True).click()
    page.wait_for_selector("#self")
    page.locator("#self").get_by_role("button", name=zh("Save"), exact=True).click()
    page.wait_for_selector(".message--success")
    page.get_by_role("link", name=zh("Back to the whole self-assessment")).click()
    page.get_by_role("button", name=zh("Submit"), exact=True).click()
    page.wait_for_selector(".message--success")
    assert status_text(page) == zh("Resubmitted")
    page.goto(page.base_url + "/")
    assert todo_row(page, f"自评被退回：{ROUND}").count() == 0
    assert page.locator("#bell-count").count() == 0, "the notification was read when she opened it"

    # 4. Staff: waiting for review again, resubmitted.
    sign_in(page, "nd_staff", PASSWORD)
    again = todo_row(page, f"审核{COLLEGE}的自评")
    assert again.count() == 1 and "重新提交" in again.inner_text()
    journey.shot("staff-todo-again")
