"""Finding one's way: breadcrumbs on every detail page, empty lists that say what to do next (with the link for
those who may add), and a print button on the pages people print."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tracker.org.models import OrgUnit

from .conftest import client_for
from .factories import (
    ActivityFactory,
    AssessmentRoundFactory,
    MenuMatchFactory,
    QuotaFactory,
    RectificationFactory,
    ReviewFactory,
    TaskUpdateFactory,
    TeamFactory,
    VolunteerFactory,
    WorkPlatformFactory,
    scored_standard,
    start_assessment,
)

pytestmark = pytest.mark.django_db

BREADCRUMBS = re.compile(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.S)


def crumbs(html: str) -> tuple[list[str], str]:
    """The breadcrumb links (their targets) and the text after the last link: the page itself, not a link."""
    match = BREADCRUMBS.search(html)
    assert match, "no breadcrumbs"
    inner = match.group(1)
    return [href for href, _text in LINK.findall(inner)], re.sub(r"<[^>]+>", "", inner.rsplit("</a>", 1)[-1])


def test_every_detail_page_shows_the_way_back_home_through_its_list(world, staff, secretary):
    college = world.college
    standard = scored_standard(world.institution)
    assessment_round = AssessmentRoundFactory(institution=world.institution, standard=standard, name="2021年对标找差")
    assessment = start_assessment(college, assessment_round)
    review = ReviewFactory(institution=world.institution, name="2022年片区评议")
    TaskUpdateFactory(task=world.school_task)
    home = reverse("tracker:home")
    # (page, the list it belongs to, a word of the page's own name shown last)
    pages = [
        (world.plan.get_absolute_url(), reverse("tracker:plan-list"), world.institution.name),
        (world.school_task.get_absolute_url(), world.plan.get_absolute_url(), world.school_task.number),
        (VolunteerFactory(unit=college, name="周明").get_absolute_url(), reverse("tracker:volunteer-list"), "周明"),
        (TeamFactory(institution=world.institution, name="讲师团").get_absolute_url(), reverse("tracker:team-list"),
         "讲师团"),
        (WorkPlatformFactory(owner=college, name="青蓝工程").get_absolute_url(), reverse("tracker:platform-list"),
         "青蓝工程"),
        (ActivityFactory(unit=college, recorded_by=staff).get_absolute_url(), reverse("tracker:activity-list"),
         "2021-05-20"),
        (QuotaFactory(institution=world.institution, name="老同志参与率").get_absolute_url(),
         reverse("tracker:quota-list"), "老同志参与率"),
        (standard.get_absolute_url(), reverse("tracker:standard-list"), standard.name),
        (assessment_round.get_absolute_url(), reverse("tracker:round-list"), "2021年对标找差"),
        (assessment.get_absolute_url(), assessment_round.get_absolute_url(), college.label),
        (RectificationFactory(unit=college, problem="台账不全").get_absolute_url(),
         reverse("tracker:rectification-list"), "台账不全"),
        (review.get_absolute_url(), reverse("tracker:review-list"), "2022年片区评议"),
        (reverse("tracker:match-detail", args=[MenuMatchFactory(need__unit=college).pk]), reverse("tracker:menu-board"),
         ""),
        (reverse("tracker:activity-create"), reverse("tracker:activity-list"), ""),
        (reverse("tracker:volunteer-create"), reverse("tracker:volunteer-list"), ""),
    ]
    client = client_for(staff)
    for path, parent, name in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        links, here = crumbs(response.content.decode())
        assert links[0] == home and parent in [re.split("[#?]", link)[0] for link in links], (path, links)
        assert here.strip(" ›\n") and name in here, (path, here)


LISTS_WITH_ADD = [
    # (list, what the empty list says in Chinese, where it sends those who may add)
    ("tracker:volunteer-list", "花名册中还没有人员", "tracker:roster-template"),
    ("tracker:activity-list", "工作台账中还没有记录", "tracker:activity-create"),
    ("tracker:platform-list", "尚未登记工作平台", "tracker:platform-create"),
    ("tracker:rectification-list", "整改清单中还没有事项", "tracker:rectification-create"),
    ("tracker:review-list", "尚未建立片区评议", "tracker:review-create"),
    ("tracker:menu-board", "需求菜单中还没有内容", "tracker:need-create"),
]


@pytest.mark.parametrize(("list_name", "says", "add_name"), LISTS_WITH_ADD)
def test_an_empty_list_says_so_and_links_to_adding_the_first_for_staff_only(world, staff, leader, list_name, says,
                                                                            add_name):
    for person, may_add in ((staff, True), (leader, False)):
        html = client_for(person).get(reverse(list_name)).content.decode()
        empty = [text for text in re.findall(r'<p class="empty"[^>]*>(.*?)</p>', html, re.S) if says in text]
        assert len(empty) == 1, (list_name, person.username)
        assert (reverse(add_name) in empty[0]) is may_add, (list_name, person.username)


def test_a_list_filtered_to_nothing_offers_the_way_back_to_everything(world, staff):
    VolunteerFactory(unit=world.college, name="周明")
    response = client_for(staff).get(reverse("tracker:volunteer-list"), {"q": "查无此人"})
    empty = re.search(r'<p class="empty"[^>]*>(.*?)</p>', response.content.decode(), re.S).group(1)
    assert "没有符合筛选条件的人员" in empty and f'href="{reverse("tracker:volunteer-list")}"' in empty


def test_no_plan_or_team_yet_sends_committee_staff_to_enter_one(world, staff, leader):
    world.plan.delete()
    world.other_plan.delete()
    for name, add in (("tracker:plan-list", "tracker:plan-create"), ("tracker:team-list", "admin:tracker_team_add")):
        assert reverse(add) in client_for(staff).get(reverse(name)).content.decode()
        assert reverse(add) not in client_for(leader).get(reverse(name)).content.decode()


def test_the_pages_people_print_have_a_print_button_and_its_script(world, staff, secretary):
    assessment_round = AssessmentRoundFactory(institution=world.institution)
    assessment = start_assessment(world.college, assessment_round, by=secretary)
    pages = [
        (staff, world.plan.get_absolute_url()),
        (staff, reverse("tracker:dashboard")),
        (staff, assessment_round.get_absolute_url()),
        (staff, reverse("tracker:rectification-list")),
        (secretary, assessment.get_absolute_url()),
    ]
    for person, path in pages:
        html = client_for(person).get(path).content.decode()
        button = re.search(r"<button[^>]*data-print[^>]*>(.*?)</button>", html, re.S)
        assert button and button.group(1).strip() == "打印", path
        assert 'type="button"' in button.group(0) and "no-print" in button.group(0)
        assert "js/print.js" in html, path


def test_no_page_without_a_print_button_is_cluttered_with_one(world, staff):
    assert "data-print" not in client_for(staff).get(reverse("tracker:volunteer-list")).content.decode()


def test_the_college_dashboard_links_back_to_the_whole_dashboard(world, staff):
    college = OrgUnit.objects.get(pk=world.college.pk)
    html = client_for(staff).get(reverse("tracker:dashboard-college", args=[college.pk])).content.decode()
    links, here = crumbs(html)
    assert reverse("tracker:dashboard") in links and college.name in here


def test_a_newcomer_on_the_demo_is_told_how_to_sign_in_but_never_in_production(world, settings):
    from tracker.demo import DEMO_PASSWORD

    from .conftest import make_person

    make_person("leader", "leader", world.institution)
    settings.DEBUG = True  # `make run`: the development profile with the demo data
    html = client_for(None).get(reverse("login")).content.decode()
    hint = re.search(r'<p class="notice" id="demo-accounts">(.*?)</p>', html, re.S)
    assert hint and "leader" in hint.group(1) and DEMO_PASSWORD in hint.group(1) and "密码" in hint.group(1)
    settings.DEBUG = False
    assert DEMO_PASSWORD not in client_for(None).get(reverse("login")).content.decode()


def test_two_sentences_of_an_empty_state_have_no_space_between_them_in_chinese(world, staff):
    """“尚未填报任何进展。请使用……”: Chinese puts no space after a full stop; English keeps its own."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext

    url = reverse("tracker:task-detail", args=[world.school_task.pk])
    client = client_for(staff)
    html = client.get(url).content.decode()
    with translation.override("zh-hans"):
        first = gettext("No progress has been reported yet.")
        second = gettext("Use the form above to report the first step.")
    assert first + second in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert "No progress has been reported yet. Use the form above" in english


def test_a_form_sent_from_an_expired_page_is_refused_in_plain_chinese(world, staff):
    """Django's own CSRF page is English and technical; the portal's says what happened and what to do."""
    from django.test import Client
    from django.utils import translation
    from django.utils.translation import gettext

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(reverse("tracker:task-update-create", args=[world.school_task.pk]), {"note": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    with translation.override("zh-hans"):
        assert gettext("This page has expired") in html
        assert gettext("Back to the home page") in html
    assert "CSRF" not in html and "Forbidden" not in html and 'lang="zh-hans"' in html
    assert world.school_task.updates.count() == 0
