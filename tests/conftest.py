"""Shared fixtures: test-only settings, a small world of two institutions, and one persona per role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client

from tracker.org.models import OrgUnit, Profile
from tracker.org.services import profile_assign_role
from tracker.plans.models import Task

from .factories import (
    InstitutionFactory,
    OrgUnitFactory,
    PhaseFactory,
    PlanFactory,
    StageFactory,
    TaskFactory,
    TaskPartyFactory,
    UserFactory,
)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """Under `--no-migrations` (the Makefile's: the tables are made from the models in a second, where running the
    migrations takes twenty) the migrations are recorded as applied, as `migrate` would leave them: backups name
    them. tests/test_migrations.py runs the real migrations."""
    if request.config.getoption("nomigrations", False):
        from django.db import connection
        from django.db.migrations.loader import MigrationLoader
        from django.db.migrations.recorder import MigrationRecorder
        from django.test import override_settings

        with django_db_blocker.unblock(), override_settings(MIGRATION_MODULES={}):  # the real ones, on disk
            recorder = MigrationRecorder(connection)
            recorder.ensure_schema()
            applied = recorder.applied_migrations()
            for key in sorted(MigrationLoader(connection, ignore_no_migrations=True).disk_migrations):
                if key not in applied:
                    recorder.record_applied(*key)


@pytest.fixture(autouse=True, scope="session")
def _tasks_loaded():
    """The task queue's tasks registered before any test captures the log: registering them (tracker/org/queue.py)
    sets Django's logging up again, which would drop a capture's handler, so a test that logs through a task would
    pass or fail by the order the tests run in."""
    from tracker.org import queue

    queue._load_tasks()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Fast hashing, mail kept in memory, uploads in a temporary folder, Chinese as the language."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "zh-hans"
    settings.OTP_ADMIN_REQUIRED = False  # tests/test_signin.py switches it on and proves it is enforced
    from django.core.cache import cache

    cache.clear()  # the sign-in rate limit (and anything else kept) starts afresh for every test


@dataclass
class World:
    """Two institutions; the first has a plan with a college task, a member-unit task and a school task."""

    institution: object
    other_institution: object
    college: OrgUnit
    other_college: OrgUnit
    member_unit: OrgUnit
    other_member_unit: OrgUnit
    plan: object
    school_task: Task
    college_task: Task
    unit_task: Task
    other_plan: object
    other_task: Task
    committee: OrgUnit


@pytest.fixture
def world(db) -> World:
    institution = InstitutionFactory(name="中国矿业大学", short_name="矿大", code="cumt")
    other = InstitutionFactory(name="苏州大学", short_name="苏大", code="suda")
    committee = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.SCHOOL_COMMITTEE, name="校关工委")
    college = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.COLLEGE, name="机电工程学院", parent=committee)
    other_college = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.COLLEGE, name="化工学院")
    member_unit = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.MEMBER_UNIT, name="离退休工作处")
    other_member_unit = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.MEMBER_UNIT, name="团委")
    plan = PlanFactory(institution=institution)
    phase = PhaseFactory(plan=plan, order=1, name="合格评审年", start_date=dt.date(2021, 7, 1),
                         end_date=dt.date(2022, 6, 30))
    stage = StageFactory(phase=phase, order=1, goal="校院协同，齐抓共管，推进落实",
                         start_date=dt.date(2021, 7, 1), end_date=dt.date(2021, 12, 31))
    school_task = TaskFactory(stage=stage, order=1, number="15", title="举办关工委骨干人员培训班")
    TaskPartyFactory(task=school_task, kind=OrgUnit.Kind.SCHOOL_COMMITTEE, unit=committee)
    college_task = TaskFactory(stage=stage, order=2, number="17", title="二级关工委对标找差")
    TaskPartyFactory(task=college_task, kind=OrgUnit.Kind.COLLEGE)
    unit_task = TaskFactory(stage=stage, order=3, number="12", title="完善委员单位职责",
                            due_date=dt.date(2099, 12, 31))
    TaskPartyFactory(task=unit_task, kind=OrgUnit.Kind.MEMBER_UNIT, unit=member_unit)
    other_plan = PlanFactory(institution=other)
    other_phase = PhaseFactory(plan=other_plan, order=1)
    other_stage = StageFactory(phase=other_phase, order=1)
    other_task = TaskFactory(stage=other_stage, order=1, number="1", title="必学文件")
    TaskPartyFactory(task=other_task, kind=OrgUnit.Kind.SCHOOL_COMMITTEE)
    return World(institution, other, college, other_college, member_unit, other_member_unit, plan,
                 school_task, college_task, unit_task, other_plan, other_task, committee)


def make_person(username: str, role: str, institution=None, unit=None):
    user = UserFactory(username=username)
    profile_assign_role(user=user, role=role, institution=institution, unit=unit)
    return user


@pytest.fixture
def admin_user(world):
    return make_person("admin", Profile.Role.ADMIN)


@pytest.fixture
def staff(world):
    return make_person("staff", Profile.Role.STAFF, world.institution)


@pytest.fixture
def other_staff(world):
    return make_person("other_staff", Profile.Role.STAFF, world.other_institution)


@pytest.fixture
def secretary(world):
    return make_person("secretary", Profile.Role.SECRETARY, world.institution, world.college)


@pytest.fixture
def other_secretary(world):
    return make_person("other_secretary", Profile.Role.SECRETARY, world.institution, world.other_college)


@pytest.fixture
def liaison(world):
    return make_person("liaison", Profile.Role.LIAISON, world.institution, world.member_unit)


@pytest.fixture
def leader(world):
    return make_person("leader", Profile.Role.LEADER, world.institution)


@pytest.fixture
def reviewer(world):
    """A zone reviewer given the first institution's review file."""
    return make_person("reviewer", Profile.Role.REVIEWER, world.institution)


@pytest.fixture
def anonymous():
    return None


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


PERSONAS = ["anonymous", "admin_user", "staff", "other_staff", "secretary", "other_secretary", "liaison", "leader",
            "reviewer"]


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, seeded once per test process and kept aside (tests/demo_snapshot.py)."""
    from .demo_snapshot import Snapshot

    snapshot = Snapshot(media=tmp_path_factory.mktemp("demo-media"), folder=tmp_path_factory.mktemp("demo-db"))
    with django_db_blocker.unblock():
        snapshot.take()
    return snapshot


@pytest.fixture
def demo(request, demo_snapshot, settings):
    """The seed plans and the demo in this test's database, its evidence files where the test's storage looks. Under
    `db` (the default) the test's changes are rolled back; a test that asks for `transactional_db` or `live_server`
    gets them committed, and flushed after."""
    committed = any(name in request.fixturenames for name in ("transactional_db", "live_server"))
    request.getfixturevalue("transactional_db" if committed else "db")
    demo_snapshot.load()
    settings.MEDIA_ROOT = demo_snapshot.media
    return demo_snapshot.media
