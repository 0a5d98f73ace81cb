"""TEMPORARY: dump rendered pages to compare templates before and after the clean-up."""
import os
import pathlib
import re

import factory.random
import pytest
from django.urls import reverse

from tracker.models import OrgUnit, Quota

from .conftest import client_for
from .factories import (
    ActivityFactory, MenuMatchFactory, NeedItemFactory, QuotaFactory, ResourceItemFactory, SpecialityFactory,
    TeamFactory, VolunteerFactory, WorkPlatformFactory,
)

pytestmark = pytest.mark.django_db
OUT = pathlib.Path(os.environ.get("RENDER_OUT", "/tmp/render/x"))


def norm(html):
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r">\s+<", "><", html)
    return html


def test_dump(world, staff, secretary, settings):
    factory.random.reseed_random(1)
    if os.environ.get("RENDER_TEMPLATES"):
        settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [os.environ["RENDER_TEMPLATES"]]}]
    OUT.mkdir(parents=True, exist_ok=True)
    committee = OrgUnit.objects.get(institution=world.institution, kind=OrgUnit.Kind.SCHOOL_COMMITTEE)
    person = VolunteerFactory(unit=world.college, name="张三", staff_number="A1", phone="1")
    platform = WorkPlatformFactory(owner=world.college, name="平台")
    activity = ActivityFactory(unit=world.college, title="条目", platform=platform)
    team = TeamFactory(institution=world.institution, name="讲师团")
    SpecialityFactory(institution=world.institution, name="党建")
    match = MenuMatchFactory(need__unit=world.college, need__title="需", resource__title="供",
                             resource__volunteer=person)
    NeedItemFactory(unit=world.college, title="需2")
    ResourceItemFactory(volunteer=person, title="供2")
    manual = QuotaFactory(institution=world.institution, metric="manual", comparator=Quota.Comparator.EQUAL, target=1)
    pages = {
        "plan": ("get", reverse("tracker:plan-detail", args=[world.plan.pk]), {}),
        "plan_bad": ("get", reverse("tracker:plan-detail", args=[world.plan.pk]), {"status": "bogus"}),
        "plan_filtered": ("get", reverse("tracker:plan-detail", args=[world.plan.pk]), {"status": "overdue"}),
        "task": ("get", reverse("tracker:task-detail", args=[world.school_task.pk]), {}),
        "task_post": ("post", reverse("tracker:task-update-create", args=[world.school_task.pk]),
                      {"version": 1, "date": "bad", "progress": "200"}),
        "ledger": ("get", reverse("tracker:activity-list"), {}),
        "ledger_bad": ("get", reverse("tracker:activity-list"), {"date_from": "bad"}),
        "ledger_filtered": ("get", reverse("tracker:activity-list"), {"kind": "meeting"}),
        "activity_new": ("get", reverse("tracker:activity-create"), {}),
        "activity_post": ("post", reverse("tracker:activity-create"), {"title": "", "retiree_count": "-1"}),
        "activity_edit": ("get", reverse("tracker:activity-update", args=[activity.pk]), {}),
        "roster": ("get", reverse("tracker:volunteer-list"), {}),
        "roster_bad": ("get", reverse("tracker:volunteer-list"), {"unit": "bogus"}),
        "roster_filtered": ("get", reverse("tracker:volunteer-list"), {"q": "张"}),
        "volunteer_new": ("get", reverse("tracker:volunteer-create"), {}),
        "volunteer_post": ("post", reverse("tracker:volunteer-create"), {"name": "", "birth_year": "x"}),
        "volunteer_edit": ("get", reverse("tracker:volunteer-update", args=[person.pk]), {}),
        "import": ("get", reverse("tracker:roster-import"), {}),
        "import_post": ("post", reverse("tracker:roster-import"), {}),
        "team": ("get", reverse("tracker:team-detail", args=[team.pk]), {}),
        "team_post": ("post", reverse("tracker:team-membership-add", args=[team.pk]), {"joined_on": "x"}),
        "platforms": ("get", reverse("tracker:platform-list"), {}),
        "platforms_bad": ("get", reverse("tracker:platform-list"), {"level": "bogus"}),
        "platforms_filtered": ("get", reverse("tracker:platform-list"), {"level": "college"}),
        "platform_new": ("get", reverse("tracker:platform-create"), {}),
        "platform_post": ("post", reverse("tracker:platform-create"), {"name": "", "has_goals": "on"}),
        "platform_edit": ("get", reverse("tracker:platform-update", args=[platform.pk]), {}),
        "board": ("get", reverse("tracker:menu-board"), {}),
        "board_bad": ("get", reverse("tracker:menu-board"), {"unit": "bogus"}),
        "board_filtered": ("get", reverse("tracker:menu-board"), {"unit": world.college.pk}),
        "need_new": ("get", reverse("tracker:need-create"), {}),
        "need_post": ("post", reverse("tracker:need-create"), {"title": ""}),
        "resource_new": ("get", reverse("tracker:resource-create"), {}),
        "resource_post": ("post", reverse("tracker:resource-create"), {"title": ""}),
        "match": ("get", reverse("tracker:match-detail", args=[match.pk]), {}),
        "match_post": ("post", reverse("tracker:match-advance", args=[match.pk]), {"version": 1, "status": "x"}),
        "match_create_post": ("post", reverse("tracker:match-create"), {"resource": "x"}),
        "quota": ("get", reverse("tracker:quota-detail", args=[manual.pk]), {}),
        "quota_post": ("post", reverse("tracker:quota-entry-create", args=[manual.pk]), {"value": "-1"}),
    }
    for who, user in (("staff", staff), ("secretary", secretary)):
        client = client_for(user)
        for name, (method, url, data) in pages.items():
            response = getattr(client, method)(url, data)
            text = f"{response.status_code}\n" + (response.content.decode() if response.status_code == 200 else "")
            (OUT / f"{who}_{name}.html").write_text(norm(text))
    # a need form for a unit whose institution has no tags yet
    other = client_for(staff)
    assert committee
    (OUT / "done").write_text("ok")
