"""A form sent back with an error keeps everything else the user typed: one bad field never costs the others.

For each of the portal's main forms: a POST with every field filled and one of them wrong; the answer is the form
again (400), the wrong field marked, and every other value back in its field (text, date, number, choice, check box,
text area). Files are the exception browsers impose: a file has to be chosen again.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tracker.quotas.models import Quota

from .conftest import client_for
from .factories import (
    QuotaFactory,
    ReviewFactory,
    VolunteerFactory,
    WorkPlatformFactory,
    pdf_upload,
    start_assessment,
)

pytestmark = pytest.mark.django_db

TEXT_INPUTS = {"text", "date", "number", "email", "tel", "search", "url", "hidden", ""}


class _PostForms(HTMLParser):
    """The values shown in each of the page's POST forms, by field name (a list: a name may hold several values),
    with the form's action."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._values: dict[str, list[str]] | None = None  # the POST form being read
        self._textarea: str | None = None
        self._select: str | None = None

    def _add(self, name: str | None, value: str) -> None:
        if name:
            self._values.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._values = {} if a.get("method", "").lower() == "post" else None
            if self._values is not None:
                self.forms.append((a.get("action", ""), self._values))
        if self._values is None:
            return
        if tag == "input":
            kind = a.get("type", "").lower()
            if kind in TEXT_INPUTS:
                self._add(a.get("name"), a.get("value", ""))
            elif kind in ("checkbox", "radio") and "checked" in a:
                self._add(a.get("name"), a.get("value") or "on")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._add(self._textarea, "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._values = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self._values is not None:
            self._values[self._textarea][-1] += data


def shown_values(html: str, posted_to: str) -> dict[str, list[str]]:
    """The values shown in the one POST form that sends to `posted_to` (a form without an action sends to the page's
    own address, which for a form sent back with errors is `posted_to`); the page's other forms (sign out,
    language, another action) are left out, so a value they happen to show does not count."""
    parser = _PostForms()
    parser.feed(html)
    forms = [values for action, values in parser.forms if (urlsplit(action).path or posted_to) == posted_to]
    assert len(forms) == 1, f"{len(forms)} POST forms send to {posted_to}: {[action for action, _ in parser.forms]}"
    return {name: [value.removeprefix("\n") for value in values] for name, values in forms[0].items()}


def assert_kept(response, sent: dict, wrong: str) -> None:
    """The form came back with an error on `wrong` and every other value sent shown again in that form."""
    assert response.status_code == 400, response.status_code
    html = response.content.decode()
    assert "未保存" in html or 'class="error"' in html or "form-errors" in html
    shown = shown_values(html, response.request["PATH_INFO"])
    for name, value in sent.items():
        if name in (wrong, "version") or hasattr(value, "read"):
            continue
        for one in value if isinstance(value, list) else [value]:
            assert str(one) in shown.get(name, []), f"{name}={one!r} not shown again; the form shows {shown.get(name)}"


def test_the_check_reads_inputs_text_areas_choices_and_check_boxes_of_the_form_sent_only():
    html = """<form method="get"><input name="q" value="筛选"></form>
    <form method="post" action="/logout/"><input type="hidden" name="title" value="退出"></form>
    <form method="post"><input type="hidden" name="version" value="3"><input name="title" value="讲座">
    <textarea name="note">\n第一行</textarea><select name="unit"><option value="1">甲</option>
    <option value="2" selected>乙</option></select><input type="checkbox" name="eligible" checked>
    <input type="checkbox" name="backbone"><input type="file" name="files"></form>
    <form method="post" action="/other/?next=/"><textarea name="note">别的表单</textarea>
    <select name="unit"><option value="1" selected>甲</option></select></form>"""
    assert shown_values(html, "/entries/new/") == {"version": ["3"], "title": ["讲座"], "note": ["第一行"],
                                                   "unit": ["2"], "eligible": ["on"]}
    with pytest.raises(AssertionError, match="2 POST forms"):
        shown_values(html + '<form method="post" action="/entries/new/"></form>', "/entries/new/")


def test_task_update_keeps_the_note_status_and_date_when_the_progress_is_wrong(world, staff):
    sent = {"version": 1, "date": "2021-10-20", "status": "in_progress", "progress": 140,
            "note": "举办骨干培训班，五十人参加。"}
    response = client_for(staff).post(reverse("tracker:task-update-create", args=[world.school_task.pk]), sent)
    assert_kept(response, sent, wrong="progress")


def test_volunteer_form_keeps_every_field_when_the_birth_year_is_wrong(world, staff):
    sent = {"unit": world.college.pk, "staff_number": "N001", "name": "周明", "gender": "male",
            "birth_year": "19x2", "retired_year": "2012", "former_post": "教授", "former_unit": "机械系",
            "category": "teacher", "party_member": "on", "phone": "13800000000", "specialities": "党建、书法",
            "eligible": "on", "active_from": "2021-03-01"}
    response = client_for(staff).post(reverse("tracker:volunteer-create"), sent)
    assert_kept(response, sent, wrong="birth_year")


def test_ledger_entry_keeps_every_field_when_the_date_is_wrong(world, staff):
    sent = {"version": 0, "unit": world.college.pk, "date": "2021-02-30", "kind": "theme_education",
            "title": "“永远跟党走”主题教育报告会", "retiree_count": 4, "youth_count": 120, "notes": "老同志宣讲党史。"}
    response = client_for(staff).post(reverse("tracker:activity-create"), sent)
    assert_kept(response, sent, wrong="date")


def test_platform_form_keeps_every_field_when_a_date_is_wrong(world, staff):
    sent = {"version": 0, "name": "青蓝工程平台", "level": "college", "owner": world.college.pk,
            "serving_leader": "刘院长", "description": "老教师结对青年教师。", "brand": "none",
            "active_from": "2021-03-01", "active_to": "不是日期", "has_substance": "on", "has_goals": "on"}
    response = client_for(staff).post(reverse("tracker:platform-create"), sent)
    assert_kept(response, sent, wrong="active_to")


def test_platform_edit_keeps_the_input_when_the_name_is_emptied(world, staff):
    platform = WorkPlatformFactory(owner=world.college, name="青蓝工程平台")
    sent = {"version": platform.version, "name": "", "level": "college", "owner": world.college.pk,
            "serving_leader": "王书记", "description": "改写后的说明。", "brand": "none", "has_plan": "on"}
    response = client_for(staff).post(reverse("tracker:platform-update", args=[platform.pk]), sent)
    assert_kept(response, sent, wrong="name")


def test_self_assessment_item_keeps_score_gap_and_measure_when_the_deadline_is_wrong(world, secretary):
    assessment = start_assessment(world.college, by=secretary)
    entry = assessment.entries.select_related("item").order_by("item__order", "pk").first()
    sent = {"version": entry.version, "self_score": "0.00", "gap": "制度未按新要求修订。", "measure": "年内修订制度。",
            "owner": "学院关工委秘书", "deadline": "2099-13-40"}
    response = client_for(secretary).post(
        reverse("tracker:assessment-item", args=[assessment.pk, entry.pk]), sent)
    assert_kept(response, sent, wrong="deadline")


def test_rectification_keeps_unit_problem_and_measure_when_the_deadline_is_missing(world, staff):
    sent = {"unit": world.college.pk, "source": "inspection", "problem": "学院未建立工作台账", "measure": "建立台账",
            "deadline": ""}
    response = client_for(staff).post(reverse("tracker:rectification-create"), sent)
    assert_kept(response, sent, wrong="deadline")


def test_quota_entry_keeps_the_college_and_note_when_the_value_is_negative(world, staff):
    quota = QuotaFactory(institution=world.institution, metric="manual", scope=Quota.Scope.EACH_COLLEGE,
                         comparator=Quota.Comparator.AT_LEAST, target=3)
    sent = {"unit": world.college.pk, "value": "-2", "note": "学院制度汇编（2021 版）", "evidence": pdf_upload()}
    response = client_for(staff).post(reverse("tracker:quota-entry-create", args=[quota.pk]), sent)
    assert_kept(response, sent, wrong="value")


def test_need_keeps_unit_audience_and_description_when_the_title_is_missing(world, secretary):
    sent = {"unit": world.college.pk, "audience": "students", "title": "", "description": "每月一次，面向新生。",
            "new_tags": "党史教育"}
    response = client_for(secretary).post(reverse("tracker:need-create"), sent)
    assert_kept(response, sent, wrong="title")


def test_offer_keeps_volunteer_and_description_when_the_title_is_too_long(world, secretary):
    volunteer = VolunteerFactory(unit=world.college)
    sent = {"volunteer": volunteer.pk, "title": "书" * 101, "description": "每周三下午，书法入门。", "new_tags": "书法"}
    response = client_for(secretary).post(reverse("tracker:resource-create"), sent)
    assert_kept(response, sent, wrong="title")


def test_review_opinion_too_long_comes_back_whole(world, reviewer):
    review = ReviewFactory(institution=world.institution)
    text = "校级品牌项目特色不够鲜明。" * 400  # 5,200 characters: over the 5,000 allowed
    response = client_for(reviewer).post(reverse("tracker:review-opinion-create", args=[review.pk]), {"text": text})
    assert response.status_code == 400
    assert shown_values(response.content.decode(), response.request["PATH_INFO"])["text"] == [text]
