"""No lost updates: two people open the same shared record, both change it, and save in turn.

Each scenario is played as two browsers would: both clients load the edit page and read the form as it is on the
page (the hidden version included), the first saves, the second saves what it typed against the version its page
was loaded at. The second save is refused with 409; the page says what the first person changed, keeps what the
second typed (against the version now current), and the record holds the first save. Saving the kept form again
then goes through: nothing typed is lost either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from tracker.assessments.models.assessments import Assessment, ReviewStep
from tracker.org.models import Profile
from tracker.work.models.menus import MenuMatch

from .conftest import client_for, make_person
from .factories import (
    ActivityFactory,
    AssessmentRoundFactory,
    MenuMatchFactory,
    RectificationFactory,
    ReviewFactory,
    VolunteerFactory,
    WorkPlatformFactory,
    start_assessment,
)

pytestmark = pytest.mark.django_db

SAVED_BY_OTHERS = "Saved by others since you opened this page:"
TASK_CHANGES = "Changes recorded since you opened this page:"


class FormReader(HTMLParser):
    """The fields of the form posting to `action`, with the values a browser would submit as the page stands."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.found = False
        self.fields: dict[str, list[str]] = {}
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
            self.found = self.found or self.inside
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "reset", "image"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
                return
            self._add(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select, self._options = (name, "multiple" in a), []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]  # a browser submits the first option when none is selected
            self.fields[name] = chosen
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the newline that follows <textarea>.
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)


def read_form(html: str, action: str) -> dict[str, list[str]]:
    reader = FormReader(action)
    reader.feed(html)
    assert reader.found, f"no form posting to {action}"
    return reader.fields


def notice(html: str, heading: str) -> str:
    """The refusal's account of what others saved: from its heading to the end of its box."""
    start = html.index(_(heading))
    return html[start:html.index("</div>", start)]


@dataclass
class Scenario:
    """One shared record edited by two people: what each types, and how to read the record afterwards."""

    page: str                 # the page holding the edit form (GET)
    action: str               # where the form posts
    first: object             # the user who saves first
    second: object            # the user whose save is refused
    first_input: dict         # fields the first person changes
    second_input: dict        # fields the second person changes
    saved: Callable[[], str]  # the record's value of the contested field, read afresh
    first_value: str          # that value after the first save (shown to the second person as the change)
    second_value: str         # that value after the second person saves again
    heading: str = SAVED_BY_OTHERS
    again: bool = True        # whether the kept form makes sense to save again (a match moves on instead)


def colleague(name: str, role: str, world, unit=None):
    return make_person(name, role, world.institution, unit)


def task_scenario(world, staff, secretary, liaison) -> Scenario:
    task = world.unit_task  # led by the liaison's member unit by name: he steers it, as staff do
    url = task.get_absolute_url()
    return Scenario(
        page=url, action=reverse("tracker:task-update-create", args=[task.pk]), first=staff, second=liaison,
        first_input={"progress": "30", "note": "A：培训方案已印发", "date": "2021-10-01", "status": "in_progress"},
        second_input={"progress": "50", "note": "B：我这边的进展说明", "date": "2021-10-02", "status": "in_progress"},
        saved=lambda: str(type(task).objects.get(pk=task.pk).progress), first_value="30", second_value="50",
        heading=TASK_CHANGES,
    )


def volunteer_scenario(world, staff, secretary, liaison) -> Scenario:
    person = VolunteerFactory(unit=world.college, former_post="讲师")
    url = reverse("tracker:volunteer-update", args=[person.pk])
    return Scenario(
        page=url, action=url, first=staff, second=secretary,
        first_input={"former_post": "副教授"}, second_input={"former_post": "教授", "phone": "13912345678"},
        saved=lambda: type(person).objects.get(pk=person.pk).former_post, first_value="副教授", second_value="教授",
    )


def ledger_scenario(world, staff, secretary, liaison) -> Scenario:
    entry = ActivityFactory(unit=world.college, title="座谈会", recorded_by=secretary)
    url = reverse("tracker:activity-update", args=[entry.pk])
    return Scenario(
        page=url, action=url, first=secretary, second=staff,
        first_input={"title": "A：青年座谈会"}, second_input={"title": "B：老少座谈会", "youth_count": "80"},
        saved=lambda: type(entry).objects.get(pk=entry.pk).title, first_value="A：青年座谈会",
        second_value="B：老少座谈会",
    )


def platform_scenario(world, staff, secretary, liaison) -> Scenario:
    platform = WorkPlatformFactory(owner=world.college, name="青蓝工程")
    url = reverse("tracker:platform-update", args=[platform.pk])
    return Scenario(
        page=url, action=url, first=staff, second=secretary,
        first_input={"serving_leader": "A：刘院长"}, second_input={"serving_leader": "B：王书记"},
        saved=lambda: type(platform).objects.get(pk=platform.pk).serving_leader, first_value="A：刘院长",
        second_value="B：王书记",
    )


def _college_entry(world, secretary, *, submitted: bool = False):
    assessment = start_assessment(world.college, AssessmentRoundFactory(institution=world.institution),
                                  by=secretary)
    if submitted:
        assessment.status = Assessment.Status.SUBMITTED
        assessment.save()
    return assessment.entries.select_related("item").get(item__number="2")


def assessment_self_scenario(world, staff, secretary, liaison) -> Scenario:
    entry = _college_entry(world, secretary)
    # Two secretaries of the same college may both fill in its self-assessment.
    second = colleague("secretary_two", Profile.Role.SECRETARY, world, world.college)
    url = entry.get_absolute_url()
    return Scenario(
        page=url, action=url, first=secretary, second=second,
        first_input={"gap": "A：制度未上墙"}, second_input={"gap": "B：台账缺失", "owner": "王老师"},
        saved=lambda: type(entry).objects.get(pk=entry.pk).gap, first_value="A：制度未上墙", second_value="B：台账缺失",
    )


def assessment_review_scenario(world, staff, secretary, liaison) -> Scenario:
    entry = _college_entry(world, secretary, submitted=True)
    second = colleague("staff_two", Profile.Role.STAFF, world)
    return Scenario(
        page=entry.get_absolute_url(),
        action=reverse("tracker:assessment-item-review", args=[entry.assessment_id, entry.pk]),
        first=staff, second=second,
        first_input={"review_comment": "A：材料齐全"}, second_input={"review_comment": "B：需补会议纪要"},
        saved=lambda: type(entry).objects.get(pk=entry.pk).review_comment, first_value="A：材料齐全",
        second_value="B：需补会议纪要",
    )


def rectification_scenario(world, staff, secretary, liaison) -> Scenario:
    entry = RectificationFactory(unit=world.college)
    return Scenario(
        page=entry.get_absolute_url(), action=reverse("tracker:rectification-advance", args=[entry.pk]),
        first=secretary, second=staff,
        first_input={"status": "in_progress", "note": "A：已制定整改方案"},
        second_input={"status": "in_progress", "note": "B：督促学院按月报送"},
        saved=lambda: type(entry).objects.get(pk=entry.pk).note, first_value="A：已制定整改方案",
        second_value="B：督促学院按月报送",
    )


def review_step_scenario(world, staff, secretary, liaison) -> Scenario:
    review = ReviewFactory(institution=world.institution)
    step = review.steps.get(kind=ReviewStep.Kind.APPLY)
    second = colleague("staff_two", Profile.Role.STAFF, world)
    return Scenario(
        page=review.get_absolute_url(), action=reverse("tracker:review-step", args=[review.pk, step.pk]),
        first=staff, second=second,
        first_input={"planned_on": "2022-03-05", "note": "A：申报材料已备齐"},
        second_input={"planned_on": "2022-03-09", "note": "B：等待学校盖章"},
        saved=lambda: type(step).objects.get(pk=step.pk).note, first_value="A：申报材料已备齐",
        second_value="B：等待学校盖章",
    )


def match_scenario(world, staff, secretary, liaison) -> Scenario:
    match = MenuMatchFactory(need__unit=world.college)
    return Scenario(
        page=reverse("tracker:match-detail", args=[match.pk]), action=reverse("tracker:match-advance", args=[match.pk]),
        first=secretary, second=staff,
        first_input={"feedback": "A：双方已商定时间"}, second_input={"feedback": "B：请老同志先联系辅导员"},
        saved=lambda: MenuMatch.objects.get(pk=match.pk).status, first_value=MenuMatch.Status.AGREED,
        second_value=MenuMatch.Status.AGREED, again=False,
    )


SCENARIOS = {
    "task": task_scenario,
    "roster row (volunteer)": volunteer_scenario,
    "ledger entry": ledger_scenario,
    "work platform": platform_scenario,
    "assessment item, self-assessment": assessment_self_scenario,
    "assessment item, review": assessment_review_scenario,
    "rectification": rectification_scenario,
    "review step": review_step_scenario,
    "menu match": match_scenario,
}


def post(client, action: str, form: dict[str, list[str]], changes: dict):
    data = {**form, **{key: [value] for key, value in changes.items()}}
    return client.post(action, data)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_later_of_two_saves_is_refused_and_loses_nothing(world, staff, secretary, liaison, name):
    scenario = SCENARIOS[name](world, staff, secretary, liaison)
    first, second = client_for(scenario.first), client_for(scenario.second)

    # Both open the same record; each page carries the version it was loaded at.
    first_form = read_form(first.get(scenario.page).content.decode(), scenario.action)
    second_form = read_form(second.get(scenario.page).content.decode(), scenario.action)
    loaded = second_form["version"]
    assert first_form["version"] == loaded

    saved = post(first, scenario.action, first_form, scenario.first_input)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert scenario.saved() == scenario.first_value

    refused = post(second, scenario.action, second_form, scenario.second_input)
    assert refused.status_code == 409
    html = refused.content.decode()
    # The record holds the first save.
    assert scenario.saved() == scenario.first_value
    if scenario.again:
        # The page says what the first person changed, and who.
        account = notice(html, scenario.heading)
        assert scenario.first_value in account or str(scenario.first_input.get("note", "")) in account
        assert scenario.first.get_full_name() in account
        # What the second person typed is still in the form, now against the current version.
        kept = read_form(html, scenario.action)
        for field, value in scenario.second_input.items():
            assert kept[field] == [value], field
        assert kept["version"] != loaded
        # Saving the kept form goes through: nothing typed is lost.
        again = second.post(scenario.action, kept)
        assert again.status_code == 302, again.content.decode()[:2000]
        assert scenario.saved() == scenario.second_value
    else:
        # The match moved on: the form offers the next step, with the feedback typed kept.
        kept = read_form(html, scenario.action)
        assert kept["feedback"] == [scenario.second_input["feedback"]]
        assert kept["status"] != second_form["status"]


def test_a_save_without_a_version_is_refused_not_taken_as_the_latest(world, staff):
    person = VolunteerFactory(unit=world.college, former_post="讲师")
    url = reverse("tracker:volunteer-update", args=[person.pk])
    client = client_for(staff)
    form = read_form(client.get(url).content.decode(), url)
    del form["version"]
    assert post(client, url, form, {"former_post": "教授"}).status_code == 400
    person.refresh_from_db()
    assert person.former_post == "讲师"


def test_two_saves_at_the_same_version_cannot_both_pass_in_the_service(world, staff, secretary):
    """The service compares versions under a row lock: the later of two saves made from the same version fails,
    even when both passed the form (as two requests arriving together would)."""
    from tracker.org.versions import StaleEditError
    from tracker.work.services.platforms import ActivityFields, activity_update

    entry = ActivityFactory(unit=world.college, title="座谈会", recorded_by=secretary, date=dt.date(2021, 5, 20))
    fields = ActivityFields(unit=world.college, date=entry.date, kind=entry.kind, title="先存的标题",
                            retiree_count=entry.retiree_count, youth_count=entry.youth_count)
    activity_update(actor=secretary, activity=entry, loaded_version=1, fields=fields)
    with pytest.raises(StaleEditError) as refused:
        activity_update(actor=staff, activity=entry, loaded_version=1,
                        fields=ActivityFields(**{**fields.__dict__, "title": "后存的标题"}))
    assert [record.version for record in refused.value.changes] == [2]
    entry.refresh_from_db()
    assert entry.title == "先存的标题" and entry.version == 2
