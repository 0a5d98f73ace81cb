"""Query counts of every API list (and of the reads that nest lists) stay the same as the data grows: count the
queries of one request, add 20 more rows (each with what it joins or nests), count again.

Each request through a token costs, before the list itself: the token with its owner (1), the owner's profile (1);
"last used" is written at most once a minute (the warm-up request takes it). A list of results then adds its count
(1) and its page (1, plus one per prefetched relation, named beside each row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tracker.assessments.models.assessments import AssessmentRound
from tracker.org.models import OrgUnit
from tracker.quotas.metrics import METRICS
from tracker.quotas.models import Quota

from .factories import (
    ActivityFactory,
    EvidenceFileFactory,
    InstitutionFactory,
    MenuMatchFactory,
    OrgUnitFactory,
    PlanFactory,
    QuotaFactory,
    RectificationFactory,
    ReviewFactory,
    TaskFactory,
    TaskPartyFactory,
    TaskUpdateFactory,
    UserFactory,
    VolunteerFactory,
    WorkPlatformFactory,
    api_token,
    start_assessment,
)
from .factories import AssessmentRoundFactory as RoundFactory
from .test_api_permissions import api_patterns
from .test_permissions import snapshot_of

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().replace(month=1, day=1)


@dataclass(frozen=True)
class Budget:
    persona: str
    args: Callable  # world → reverse() args
    grow: Callable  # (world, n) → one more row of what the response lists


def _task(world, n):
    task = TaskFactory(stage=world.school_task.stage, order=10 + n, number=str(100 + n))
    TaskPartyFactory(task=task, kind=OrgUnit.Kind.MEMBER_UNIT, unit=world.member_unit)
    TaskPartyFactory(task=task, kind=OrgUnit.Kind.COLLEGE, role="cooperating")


def _update(world, n):
    update = TaskUpdateFactory(task=world.school_task, author=UserFactory(), unit=world.committee,
                               date=dt.date(2021, 9, 1) + dt.timedelta(days=n))
    EvidenceFileFactory(update=update, uploaded_by=UserFactory())


def _volunteer(world, n):
    VolunteerFactory(unit=world.college).specialities.create(institution=world.institution, name=f"特长{n}")


def _platform(world, n):
    WorkPlatformFactory(owner=world.college, host=world.member_unit,
                        volunteer_leader=VolunteerFactory(unit=world.college if n % 2 else world.other_college))


def _entry(world, n):
    platform = WorkPlatformFactory(owner=world.college)
    entry = ActivityFactory(unit=world.college, platform=platform, recorded_by=UserFactory())
    entry.retirees.set([VolunteerFactory(unit=world.college), VolunteerFactory(unit=world.other_college)])
    EvidenceFileFactory(ledger=True, activity=entry, uploaded_by=UserFactory())


def _assessment(world, n):
    assessment_round = (AssessmentRound.objects.filter(institution=world.institution).first()
                        or RoundFactory(institution=world.institution))
    start_assessment(OrgUnitFactory(institution=world.institution, kind=OrgUnit.Kind.COLLEGE, name=f"学院{n}"),
                     assessment_round)


def _review(world, n):
    ReviewFactory(institution=world.institution, zone=OrgUnitFactory(institution=None, kind=OrgUnit.Kind.ZONE,
                                                                     name=f"第{n}片区"))


def _phase_of_tasks(world, n):
    stage = world.school_task.stage
    task = TaskFactory(stage=stage, order=10 + n, number=str(100 + n))
    TaskPartyFactory(task=task, kind=OrgUnit.Kind.COLLEGE)


def _quota(world, n):
    """A computed quota (of a metric already there) and one more college with records of every kind."""
    QuotaFactory(institution=world.institution, metric="participation_rate")
    unit = OrgUnitFactory(institution=world.institution, kind=OrgUnit.Kind.COLLEGE, name=f"新学院{n}", order=10 + n)
    VolunteerFactory(unit=unit, participating=True)
    WorkPlatformFactory(owner=unit)
    ActivityFactory(unit=unit, date=THIS_YEAR, kind="party_report")
    MenuMatchFactory(need__unit=unit, status="delivered")


def _every_metric(world):
    for key, metric in sorted(METRICS.items()):
        scope = Quota.Scope.EACH_COLLEGE if metric.per_college else Quota.Scope.INSTITUTION
        QuotaFactory(institution=world.institution, metric=key, scope=scope, target=1)


def _snapshot(world, n):
    snapshot = snapshot_of(world)
    snapshot.name = f"快照{n}"
    snapshot.created_by = UserFactory()
    snapshot.save()


def no_args(world) -> list:
    return []


BUDGETS: dict[str, Budget] = {
    "api:institution-list": Budget("admin_user", no_args, lambda w, n: InstitutionFactory()),
    "api:unit-list": Budget("staff", no_args, lambda w, n: OrgUnitFactory(institution=w.institution,
                                                                           parent=w.committee)),
    "api:plan-list": Budget("staff", no_args, lambda w, n: TaskFactory(stage__phase__plan=PlanFactory(
        institution=w.institution))),
    "api:plan-detail": Budget("staff", lambda w: [w.plan.pk], _phase_of_tasks),  # + phases, stages, tasks, parties
    "api:task-list": Budget("staff", no_args, _task),  # + parties
    "api:task-updates": Budget("staff", lambda w: [w.school_task.pk], _update),  # + task, evidence, uploaders
    "api:quota-list": Budget("staff", no_args, _quota),  # + colleges, one per metric
    "api:volunteer-list": Budget("staff", no_args, _volunteer),  # + specialities
    "api:platform-list": Budget("secretary", no_args, _platform),
    "api:activity-list": Budget("secretary", no_args, _entry),  # + the retirees she may see
    "api:assessment-list": Budget("staff", no_args, _assessment),
    "api:rectification-list": Budget("staff", no_args, lambda w, n: RectificationFactory(unit=w.college)),
    "api:review-list": Budget("staff", no_args, _review),  # + steps
    "api:snapshot-list": Budget("leader", no_args, _snapshot),
}


def test_every_list_endpoint_has_a_budget():
    lists = {name for name, _pattern in api_patterns() if name.endswith("-list")} | {"api:task-updates"}
    assert lists <= set(BUDGETS)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_query_count_is_flat_as_data_grows(request, world, name, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    budget = BUDGETS[name]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(request.getfixturevalue(budget.persona))[1]}")
    if name == "api:quota-list":
        _every_metric(world)
    budget.grow(world, 0)
    url = reverse(name, args=budget.args(world))
    client.get(url)  # warm-up: "last used" is written once
    before = _queries(client, url)
    for n in range(1, 21):
        budget.grow(world, n)
    after = _queries(client, url)
    assert after == before, f"{name}: {before} queries, then {after} with 20 more rows"
    assert len(client.get(url).json().get("results", [None])) >= 1
