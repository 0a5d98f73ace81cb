"""Reads through the API show what the pages show to the same person, no more: people of another unit unnamed,
phone numbers only where the roster shows them; filters as on the pages, pages of results, ordering, ETags; the
dashboard live, as of a day and frozen; quotas computed per college; requests per token throttled."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tracker.plans.models import Task, WorkArea
from tracker.reporting.dashboard import build_dashboard

from .factories import (
    ActivityFactory,
    OrgUnitFactory,
    PhaseFactory,
    PlanFactory,
    QuotaFactory,
    StageFactory,
    TaskFactory,
    TaskUpdateFactory,
    VolunteerFactory,
    WorkPlatformFactory,
    api_token,
)
from .test_permissions import snapshot_of

pytestmark = pytest.mark.django_db
NUMBERS = itertools.count()


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(user, name=f'读取测试{next(NUMBERS)}')[1]}")
    return client


def results(client, name: str, **params) -> list[dict]:
    response = client.get(reverse(name), params)
    assert response.status_code == 200, response.content[:300]
    return response.json()["results"]


# --- People: named and phoned only where the pages do --------------------------------------------------------


def test_phone_numbers_only_for_the_volunteers_unit_and_committee_staff(world, staff, secretary, leader):
    person = VolunteerFactory(unit=world.college, phone="13900001111")
    for user, phone in ((staff, "13900001111"), (secretary, "13900001111"), (leader, None)):
        (row,) = results(token_client(user), "api:volunteer-list")
        assert row["id"] == person.pk and row["phone"] == phone, user.username
        detail = token_client(user).get(reverse("api:volunteer-detail", args=[person.pk])).json()
        assert detail["phone"] == phone
        if phone is None:
            assert "13900001111" not in str(detail)


def test_a_secretary_sees_only_her_own_colleges_people(world, secretary, other_secretary):
    mine = VolunteerFactory(unit=world.college)
    VolunteerFactory(unit=world.other_college)
    assert [row["id"] for row in results(token_client(secretary), "api:volunteer-list")] == [mine.pk]
    assert token_client(other_secretary).get(reverse("api:volunteer-detail", args=[mine.pk])).status_code == 404


def test_a_platform_names_its_volunteer_co_leader_only_to_those_who_see_that_person(world, staff, other_secretary):
    leader = VolunteerFactory(unit=world.college, name="周明")
    platform = WorkPlatformFactory(owner=world.college, volunteer_leader=leader)
    url = reverse("api:platform-detail", args=[platform.pk])
    assert token_client(staff).get(url).json()["volunteer_leader"] == {"id": leader.pk, "name": "周明",
                                                                      "unit_id": world.college.pk}
    theirs = token_client(other_secretary).get(url).json()
    assert theirs["volunteer_leader"] is None and theirs["has_volunteer_leader"] is True
    assert "周明" not in str(theirs)


def test_a_ledger_entry_names_only_the_people_the_reader_may_see(world, staff, secretary):
    mine, theirs = VolunteerFactory(unit=world.college), VolunteerFactory(unit=world.other_college)
    entry = ActivityFactory(unit=world.college, retiree_count=2)
    entry.retirees.set([mine, theirs])
    (row,) = results(token_client(secretary), "api:activity-list")
    assert [person["id"] for person in row["retirees"]] == [mine.pk] and row["retiree_count"] == 2
    (row,) = results(token_client(staff), "api:activity-list")
    assert {person["id"] for person in row["retirees"]} == {mine.pk, theirs.pk}


# --- Plans, filters, paging, ordering ------------------------------------------------------------------------


def test_a_plan_reads_with_its_phases_stages_and_tasks(world, staff):
    plan = token_client(staff).get(reverse("api:plan-detail", args=[world.plan.pk])).json()
    (phase,) = plan["phases"]
    (stage,) = phase["stages"]
    assert phase["name"] == "合格评审年" and phase["window"]
    assert [task["number"] for task in stage["tasks"]] == ["15", "17", "12"]
    assert stage["tasks"][0]["version"] == world.school_task.version
    assert plan["task_total"] == 3


def test_tasks_filter_as_on_the_plan_page(world, staff, time_machine):
    time_machine.move_to(dt.datetime(2023, 1, 1, 9))
    Task.objects.filter(pk=world.college_task.pk).update(status="done", done_on=dt.date(2022, 1, 1))
    client = token_client(staff)
    overdue = {row["number"] for row in results(client, "api:task-list", plan=world.plan.pk, status="overdue")}
    assert overdue == {"15"}  # 17 is done, 12 is due in 2099
    assert {row["number"] for row in results(client, "api:task-list", unit=world.member_unit.pk)} == {"12"}
    assert {row["number"] for row in results(client, "api:task-list", status="done")} == {"17"}


def test_a_filter_value_that_cannot_be_one_is_a_400_saying_so(world, staff):
    client = token_client(staff)
    for params in ({"status": "late"}, {"plan": "abc"}, {"date_from": "2021-02-30"}):
        name = "api:activity-list" if "date_from" in params else "api:task-list"
        response = client.get(reverse(name), params)
        assert response.status_code == 400 and response.json()["code"] == "invalid", params
        assert set(response.json()["errors"]) == set(params)
    backwards = client.get(reverse("api:activity-list"), {"date_from": "2021-06-01", "date_to": "2021-05-01"})
    assert backwards.status_code == 400 and "date_to" in backwards.json()["errors"]


def test_the_ledger_filters_by_period_and_kind(world, staff):
    ActivityFactory(unit=world.college, date=dt.date(2021, 3, 1), kind="study")
    june = ActivityFactory(unit=world.college, date=dt.date(2021, 6, 1), kind="study")
    ActivityFactory(unit=world.college, date=dt.date(2021, 6, 2), kind="meeting")
    rows = results(token_client(staff), "api:activity-list", date_from="2021-05-01", kind="study")
    assert [row["id"] for row in rows] == [june.pk]


def test_pages_and_ordering(world, staff):
    entries = [ActivityFactory(unit=world.college, date=dt.date(2021, 1, day)) for day in range(1, 8)]
    client = token_client(staff)
    first = client.get(reverse("api:activity-list"), {"page_size": 3, "ordering": "date"}).json()
    assert first["count"] == 7 and first["next"] and first["previous"] is None
    assert [row["id"] for row in first["results"]] == [entry.pk for entry in entries[:3]]
    third = client.get(reverse("api:activity-list"), {"page_size": 3, "ordering": "date", "page": 3}).json()
    assert [row["id"] for row in third["results"]] == [entries[6].pk] and third["next"] is None
    newest = client.get(reverse("api:activity-list"), {"page_size": 3}).json()["results"]
    assert newest[0]["id"] == entries[-1].pk  # the ledger's own order: newest first
    beyond = client.get(reverse("api:activity-list"), {"page": 9})
    assert beyond.status_code == 404 and beyond.json()["code"] == "not_found"


def test_a_read_has_an_etag_and_answers_304_until_something_changes(world, staff):
    client = token_client(staff)
    url = reverse("api:task-detail", args=[world.school_task.pk])
    first = client.get(url)
    etag = first["ETag"]
    assert etag and "Authorization" in first["Vary"] and "private" in first["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    Task.objects.filter(pk=world.school_task.pk).update(progress=30)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["progress"] == 30


def test_the_updates_of_a_task_newest_first(world, staff):
    TaskUpdateFactory(task=world.school_task, date=dt.date(2021, 9, 1), note="九月")
    TaskUpdateFactory(task=world.school_task, date=dt.date(2021, 10, 1), note="十月")
    rows = token_client(staff).get(reverse("api:task-updates", args=[world.school_task.pk])).json()["results"]
    assert [row["note"] for row in rows] == ["十月", "九月"]


# --- Quotas, the dashboard and snapshots ---------------------------------------------------------------------


def test_a_per_college_quota_has_each_colleges_computed_value(world, leader):
    for participating in (True, True, False):
        VolunteerFactory(unit=world.college, participating=participating)
    quota = QuotaFactory(institution=world.institution, metric="participation_rate", target=Decimal("60"))
    body = token_client(leader).get(reverse("api:quota-detail", args=[quota.pk])).json()
    assert body["scope"] == "each_college" and body["reading"] is None
    by_college = {row["unit"]["name"]: row for row in body["colleges"]}
    mine = by_college["机电工程学院"]
    assert (mine["reading"]["numerator"], mine["reading"]["denominator"]) == (2, 3)
    assert Decimal(mine["reading"]["value"]) == Decimal("66.67") and mine["status"] == "met"
    assert by_college["化工学院"]["reading"]["value"] is None and by_college["化工学院"]["status"] == "no_data"


def test_the_dashboard_live_as_of_a_day_and_from_a_snapshot(world, staff, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    client = token_client(staff)
    live = client.get(reverse("api:dashboard")).json()
    assert live["live"] is True and live["institution_id"] == world.institution.pk
    assert {figure["key"] for figure in live["figures"]}
    past = client.get(reverse("api:dashboard"), {"as_of": "2021-12-31"}).json()
    assert past["live"] is False and past["as_of"] == "2021-12-31"
    expected = build_dashboard(world.institution, dt.date(2021, 12, 31))
    assert [figure["value"] for figure in past["figures"]] == [figure.value for figure in expected.figures]
    snapshot = snapshot_of(world)
    frozen = client.get(reverse("api:snapshot-detail", args=[snapshot.pk])).json()
    assert frozen["name"] == "权限测试快照" and frozen["figures"]["as_of"] == "2021-12-31"
    assert frozen["figures"]["figures"] == past["figures"]
    future = client.get(reverse("api:dashboard"), {"as_of": "2999-01-01"})
    assert future.status_code == 400 and "as_of" in future.json()["errors"]


def test_a_secretary_gets_her_colleges_dashboard_and_no_other(world, secretary, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    client = token_client(secretary)
    assert client.get(reverse("api:dashboard")).json()["unit_id"] == world.college.pk
    other = client.get(reverse("api:dashboard"), {"college": world.other_college.pk})
    assert other.status_code == 404


def test_another_institution_is_a_404_on_the_dashboard(world, staff):
    response = token_client(staff).get(reverse("api:dashboard"), {"institution": world.other_institution.pk})
    assert response.status_code == 404


# --- Throttling ----------------------------------------------------------------------------------------------


def test_too_many_requests_from_one_token_are_a_429_the_next_token_is_counted_apart(world, staff, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "3/minute"}}
    busy, other = token_client(staff), token_client(staff)
    url = reverse("api:plan-list")
    assert [busy.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = busy.get(url)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "throttled" and "秒后再试" in body["detail"]
    assert int(refused["Retry-After"]) > 0
    assert other.get(url).status_code == 200  # a token of its own: its own count


def test_ids_too_long_are_a_404(world, staff):
    response = token_client(staff).get(f"/api/v1/tasks/{'9' * 30}/")
    assert response.status_code == 404


def test_units_of_the_other_institution_are_not_listed(world, staff):
    OrgUnitFactory(institution=world.other_institution, kind="college", name="文学院")
    assert "文学院" not in {row["name"] for row in results(token_client(staff), "api:unit-list")}


# --- The plan's own window, work areas, milestones, tasks with no known due date -----------------------------


def open_ended_plan(world):
    """A plan unlike the seeds: its own start but no end, copied from the first, two work areas across its phase,
    one phase without an end, the phase's own tasks (no stage window), a milestone, a task with no date at all."""
    plan = PlanFactory(institution=world.institution, title="2024—2026年关工委工作要点", start_date=dt.date(2024, 1, 1),
                       copied_from=world.plan)
    team = WorkArea.objects.create(plan=plan, order=1, name="队伍建设")
    platforms = WorkArea.objects.create(plan=plan, order=2, name="平台建设")
    phase = PhaseFactory(plan=plan, order=1, name="常态推进", start_date=dt.date(2024, 3, 1), end_date=None)
    stage = StageFactory(phase=phase, order=0, goal="", start_date=None, end_date=None)
    undated = TaskFactory(stage=stage, order=1, number="1", title="建立银龄志愿者库", work_area=team)
    milestone = TaskFactory(stage=stage, order=2, number="2", title="举办骨干培训班", work_area=platforms,
                            milestone=True, due_date=dt.date(2024, 6, 18))
    dated = TaskFactory(stage=stage, order=3, number="3", title="修订工作制度", due_date=dt.date(2024, 12, 31))
    return plan, team, platforms, undated, milestone, dated


def test_a_plan_reads_with_its_window_work_areas_milestones_and_unknown_dates(world, staff):
    plan, team, platforms, undated, milestone, dated = open_ended_plan(world)
    body = token_client(staff).get(reverse("api:plan-detail", args=[plan.pk])).json()
    assert (body["start_date"], body["end_date"], body["window"]) == ("2024-01-01", None, "2024.1起")
    assert body["copied_from"] == world.plan.pk and body["version"] == 1
    assert body["work_areas"] == [{"id": team.pk, "order": 1, "name": "队伍建设"},
                                  {"id": platforms.pk, "order": 2, "name": "平台建设"}]
    (phase,) = body["phases"]
    assert phase["end_date"] is None and phase["window"] == "2024.3起" and phase["version"] == 1
    (stage,) = phase["stages"]
    assert (stage["start_date"], stage["end_date"], stage["window"]) == (None, None, "")
    tasks = {task["number"]: task for task in stage["tasks"]}
    assert tasks["1"]["due"] is None and tasks["1"]["start"] == "2024-03-01"  # the phase's start, no end known
    assert tasks["1"]["overdue"] is False and tasks["1"]["work_area"] == team.pk
    assert tasks["2"]["milestone"] is True and tasks["2"]["start"] == tasks["2"]["due"] == "2024-06-18"
    assert tasks["3"]["work_area"] is None and tasks["3"]["milestone"] is False
    listed = {row["id"]: row for row in results(token_client(staff), "api:plan-list")}
    assert listed[plan.pk]["window"] == "2024.1起" and listed[world.plan.pk]["start_date"] is None


def test_a_task_with_no_known_due_date_reads_and_is_never_overdue(world, staff, time_machine):
    time_machine.move_to(dt.datetime(2025, 3, 1, 9))
    plan, team, _platforms, undated, milestone, dated = open_ended_plan(world)
    client = token_client(staff)
    detail = client.get(reverse("api:task-detail", args=[undated.pk])).json()
    assert detail["due"] is None and detail["work_area"] == team.pk and detail["work_area_name"] == "队伍建设"
    overdue = [row["number"] for row in results(client, "api:task-list", plan=plan.pk, status="overdue",
                                                  ordering="due_on")]
    assert overdue == ["2", "3"]


def test_tasks_filter_by_work_area(world, staff):
    plan, team, platforms, *_tasks = open_ended_plan(world)
    client = token_client(staff)
    assert [row["number"] for row in results(client, "api:task-list", work_area=team.pk)] == ["1"]
    assert [row["work_area_name"] for row in results(client, "api:task-list", work_area=platforms.pk)] == ["平台建设"]
    other = WorkArea.objects.create(plan=world.other_plan, order=1, name="队伍建设")
    Task.objects.filter(pk=world.other_task.pk).update(work_area=other)
    assert results(client, "api:task-list", work_area=other.pk) == []  # another institution's: nothing of it
    refused = client.get(reverse("api:task-list"), {"work_area": "队伍建设"})
    assert refused.status_code == 400 and set(refused.json()["errors"]) == {"work_area"}


def test_ordering_by_due_date_puts_the_undated_last_either_way(world, staff):
    """The same order on SQLite and PostgreSQL, whose NULLs sort at opposite ends unless told."""
    plan, *_rest = open_ended_plan(world)
    client = token_client(staff)
    assert [row["number"] for row in results(client, "api:task-list", plan=plan.pk, ordering="due_on")] == \
        ["2", "3", "1"]
    assert [row["number"] for row in results(client, "api:task-list", plan=plan.pk, ordering="-due_on")] == \
        ["3", "2", "1"]
