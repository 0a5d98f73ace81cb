"""Every record's page shows its change history: who, when, and each field's old → new value as people read it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin as django_admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalRecords

from tracker import admin as tracker_admin
from tracker.assessments.models.assessments import AssessmentEntry, Rectification, ReviewStep
from tracker.assessments.services.assessments import (
    SelfPart,
    entry_save_self,
    rectification_advance,
    review_step_record,
)
from tracker.org.history import CHANGED, CREATED, DELETED, changes_for, changes_in
from tracker.org.models import Profile
from tracker.org.services import profile_assign_role
from tracker.plans.models import Task
from tracker.plans.services import task_add_update
from tracker.quotas.models import Quota
from tracker.roster.models import Team, Volunteer
from tracker.roster.services import VolunteerData, volunteer_update
from tracker.work.models.platforms import Activity, WorkPlatform
from tracker.work.services.platforms import ActivityFields, PlatformFields, activity_update, platform_update

from .conftest import client_for
from .factories import (
    ActivityFactory,
    AssessmentRoundFactory,
    QuotaFactory,
    RectificationFactory,
    ReviewFactory,
    TeamFactory,
    VolunteerFactory,
    WorkPlatformFactory,
    start_assessment,
)

pytestmark = pytest.mark.django_db


def zh(text) -> str:
    """A label as the Chinese page shows it."""
    with translation.override("zh-hans"):
        return str(text)


def label(model, name: str) -> str:
    return zh(model._meta.get_field(name).verbose_name)


def changed_fields(change) -> dict[str, tuple[str, str]]:
    return {item.field: (item.old, item.new) for item in change.changes}


def report(task: Task, actor, *, progress: int, note: str = "进展", status: str = "in_progress") -> None:
    task.refresh_from_db()
    task_add_update(actor=actor, task=task, loaded_version=task.version, date=dt.date(2021, 10, 1), note=note,
                    status=status, progress=progress)


def page(user, url: str):
    response = client_for(user).get(url)
    assert response.status_code == 200
    return response


def queries(user, url: str) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# --- The task page: a change made through the service, with who, when, old and new ------------------------------


def test_a_task_update_shows_on_the_task_page_with_who_when_and_old_and_new_values(world, staff, leader):
    staff.first_name, staff.last_name = "伟", "张"
    staff.save()
    before = timezone.now()
    report(world.school_task, staff, progress=40, note="培训班已开班")

    response = page(leader, world.school_task.get_absolute_url())
    latest = response.context["history"][0]
    assert latest.kind == CHANGED and latest.who == staff.get_full_name()
    assert before <= latest.when <= timezone.now()
    fields = changed_fields(latest)
    assert fields[label(Task, "status")] == (zh(Task.Status.NOT_STARTED.label), zh(Task.Status.IN_PROGRESS.label))
    assert fields[label(Task, "progress")] == ("0", "40")
    assert label(Task, "version") not in fields  # the version is the save itself, not a change to read
    html = response.content.decode()
    history = html[html.index('id="history"'):]
    for text in (staff.get_full_name(), timezone.localtime(latest.when).strftime("%Y-%m-%d %H:%M"),
                 label(Task, "status"), zh(Task.Status.NOT_STARTED.label), zh(Task.Status.IN_PROGRESS.label)):
        assert text in history


def test_a_task_done_shows_its_date_and_a_record_made_outside_a_request_is_by_the_system(world, staff):
    report(world.school_task, staff, progress=100, status="done", note="已完成")
    history = changes_for(world.school_task)
    assert changed_fields(history[0])[label(Task, "done_on")] == ("—", "2021-10-01")
    # made by the factory, with no user
    assert history[-1].kind == CREATED and history[-1].who == zh(translation.gettext_lazy("System"))


def test_a_save_that_changed_nothing_readable_is_left_out(world, staff):
    report(world.school_task, staff, progress=30)
    report(world.school_task, staff, progress=30, note="只补充说明")  # status and progress as they were
    history = changes_for(world.school_task)
    assert [entry.kind for entry in history] == [CHANGED, CREATED]


def test_task_page_history_costs_the_same_queries_at_3_and_30_changes(world, staff):
    url = world.school_task.get_absolute_url()
    for progress in range(1, 4):
        report(world.school_task, staff, progress=progress)
    at_three = queries(staff, url)
    for progress in range(4, 31):
        report(world.school_task, staff, progress=progress)
    assert len(changes_for(world.school_task)) == 31
    assert queries(staff, url) == at_three


def test_changes_for_reads_one_query_for_the_records_and_their_users(world, staff):
    for progress in range(1, 31):
        report(world.school_task, staff, progress=progress)
    with CaptureQueriesContext(connection) as captured:
        history = changes_for(world.school_task)
    assert len(captured) == 1  # the records (+user); a task's changes name no related record
    assert [changed_fields(entry)[label(Task, "progress")] for entry in history[:2]] == [("29", "30"), ("28", "29")]


def test_a_long_history_shows_the_latest_saves_each_against_the_one_before(world, staff):
    for progress in range(1, 61):
        report(world.school_task, staff, progress=progress)
    history = changes_for(world.school_task, limit=50)
    assert len(history) == 50
    progress = label(Task, "progress")
    assert [changed_fields(entry)[progress] for entry in history] == [
        (str(n - 1), str(n)) for n in range(60, 10, -1)
    ]


# --- The roster: related records by name, choices by label, phone numbers only for those who may see them --------


def volunteer_data(volunteer: Volunteer, **changes) -> VolunteerData:
    values = {name: getattr(volunteer, name) for name in (
        "staff_number", "name", "gender", "birth_year", "retired_year", "former_post", "former_unit", "category",
        "party_member", "phone", "layer", "eligible", "participating", "backbone", "active_from", "active_to")}
    values["specialities"] = [tag.name for tag in volunteer.specialities.all()]
    values["unit"] = volunteer.unit
    values.update(changes)
    return VolunteerData(**values)


def edit_volunteer(actor, volunteer: Volunteer, **changes) -> Volunteer:
    volunteer.refresh_from_db()
    return volunteer_update(actor=actor, volunteer=volunteer, loaded_version=volunteer.version,
                            data=volunteer_data(volunteer, **changes))


def test_volunteer_history_names_units_and_choices_and_lists_specialities_added(world, staff):
    person = VolunteerFactory(unit=world.college, name="周明", gender=Volunteer.Gender.MALE)
    edit_volunteer(staff, person, unit=world.other_college, gender=Volunteer.Gender.FEMALE,
                   specialities=["书法", "党史"])
    latest = page(staff, person.get_absolute_url()).context["history"][0]
    fields = {item.field: item for item in latest.changes}
    assert (fields[label(Volunteer, "unit")].old, fields[label(Volunteer, "unit")].new) == ("机电工程学院", "化工学院")
    gender = fields[label(Volunteer, "gender")]
    assert (gender.old, gender.new) == (zh(Volunteer.Gender.MALE.label), zh(Volunteer.Gender.FEMALE.label))
    specialities = fields[label(Volunteer, "specialities")]
    assert specialities.many and specialities.added == ["书法", "党史"] or specialities.added == ["党史", "书法"]
    assert specialities.removed == []
    assert len([entry for entry in changes_for(person) if entry.kind == CHANGED]) == 1  # one line for one save


def test_a_leader_never_sees_a_phone_number_in_the_history(world, staff, leader):
    person = VolunteerFactory(unit=world.college, phone="13900000001")
    edit_volunteer(staff, person, phone="13900000002")
    edit_volunteer(staff, person, former_post="副教授", phone="13900000003")

    staff_history = page(staff, person.get_absolute_url()).context["history"]
    assert changed_fields(staff_history[1])[label(Volunteer, "phone")] == ("13900000001", "13900000002")

    response = page(leader, person.get_absolute_url())
    html = response.content.decode()
    assert not any(phone in html for phone in ("13900000001", "13900000002", "13900000003"))
    history = response.context["history"]
    # the save that changed only the phone is not shown at all; the other shows its other field only
    assert [entry.kind for entry in history] == [CHANGED, CREATED]
    assert list(changed_fields(history[0])) == [label(Volunteer, "former_post")]


def test_volunteer_page_history_costs_the_same_queries_at_3_and_30_changes(world, staff):
    person = VolunteerFactory(unit=world.college)
    units = [world.college, world.other_college]
    for n in range(3):
        edit_volunteer(staff, person, former_post=f"职务{n}", unit=units[n % 2], specialities=[f"特长{n}"])
    url = person.get_absolute_url()
    at_three = queries(staff, url)
    for n in range(3, 30):
        edit_volunteer(staff, person, former_post=f"职务{n}", unit=units[n % 2], specialities=[f"特长{n}"])
    assert queries(staff, url) == at_three
    with CaptureQueriesContext(connection) as captured:
        history = changes_for(person)
    # records (+user), the specialities they held, the units named, the specialities named
    assert len(captured) == 4 and len(history) == 31


# --- Platforms and the ledger: people of other units are counted, not named -------------------------------------


def platform_fields(platform: WorkPlatform, **changes) -> PlatformFields:
    values = {name: getattr(platform, name) for name in (
        "name", "level", "owner", "host", "serving_leader", "volunteer_leader", "description", "has_substance",
        "has_goals", "has_plan", "institutionalised", "standardised", "branded", "brand", "recognised_by",
        "recognised_on", "active_from", "active_to")}
    values["volunteers"] = tuple(platform.volunteers.all())
    values.update(changes)
    return PlatformFields(**values)


def test_platform_history_names_only_the_volunteers_the_reader_may_see(world, staff, secretary):
    platform = WorkPlatformFactory(owner=world.college, name="成长导师")
    own = VolunteerFactory(unit=world.college, name="李华")
    other = VolunteerFactory(unit=world.other_college, name="赵强")
    platform_update(actor=staff, platform=platform, loaded_version=1,
                    fields=platform_fields(platform, volunteers=(own, other), has_goals=True))

    staff_entry = page(staff, platform.get_absolute_url()).context["history"][0]
    fields = {item.field: item for item in staff_entry.changes}
    assert sorted(fields[label(WorkPlatform, "volunteers")].added) == sorted(["李华", "赵强"])
    assert (fields[label(WorkPlatform, "has_goals")].old, fields[label(WorkPlatform, "has_goals")].new) == ("否", "是")

    response = page(secretary, platform.get_absolute_url())
    fields = {item.field: item for item in response.context["history"][0].changes}
    added = fields[label(WorkPlatform, "volunteers")].added
    assert added[0] == "李华" and "1" in added[1] and len(added) == 2
    assert "赵强" not in response.content.decode()
    # the save and the volunteers it set are one line
    assert [entry.kind for entry in response.context["history"]] == [CHANGED, CREATED]


def test_ledger_entry_history_shows_the_title_and_the_numbers_changed(world, staff):
    entry = ActivityFactory(unit=world.college, title="座谈会", youth_count=30, recorded_by=staff)
    fields = ActivityFields(unit=entry.unit, date=entry.date, kind=entry.kind, title="青年座谈会",
                            retiree_count=entry.retiree_count, youth_count=45)
    activity_update(actor=staff, activity=entry, loaded_version=1, fields=fields)
    latest = page(staff, entry.get_absolute_url()).context["history"][0]
    assert changed_fields(latest) == {label(Activity, "title"): ("座谈会", "青年座谈会"),
                                      label(Activity, "youth_count"): ("30", "45")}


# --- Assessments, rectifications, reviews, quotas and teams ---------------------------------------------------


def test_assessment_item_history_shows_the_self_score_and_gap(world, secretary):
    assessment = start_assessment(world.college, AssessmentRoundFactory(institution=world.institution),
                                  by=secretary)
    entry = assessment.entries.select_related("item").get(item__number="1")
    entry_save_self(actor=secretary, entry=entry, loaded_version=entry.version,
                    part=SelfPart(self_score="0", gap="制度未上墙", measure="补齐", owner="王老师",
                                  deadline=dt.date(2099, 1, 31)))
    latest = page(secretary, entry.get_absolute_url()).context["history"][0]
    fields = changed_fields(latest)
    assert fields[label(AssessmentEntry, "self_score")] == ("—", "0")
    assert fields[label(AssessmentEntry, "gap")] == ("—", "制度未上墙")
    assert fields[label(AssessmentEntry, "deadline")] == ("—", "2099-01-31")
    assert label(AssessmentEntry, "updated_by") not in fields  # who saved it is the line's own "who"


def test_rectification_page_shows_status_and_note_changes(world, staff, secretary):
    entry = RectificationFactory(unit=world.college)
    rectification_advance(actor=secretary, rectification=entry, loaded_version=1, status="in_progress",
                          note="开始整改")
    history = page(staff, entry.get_absolute_url()).context["history"]
    fields = changed_fields(history[0])
    assert fields[label(Rectification, "status")] == (zh(Rectification.Status.OPEN.label),
                                                      zh(Rectification.Status.IN_PROGRESS.label))
    assert fields[label(Rectification, "note")] == ("—", "开始整改")
    assert history[0].who == secretary.get_full_name()


def test_review_page_shows_each_steps_changes_named_by_the_step(world, staff):
    review = ReviewFactory(institution=world.institution)
    step = review.steps.get(kind=ReviewStep.Kind.APPLY)
    review_step_record(actor=staff, step=step, loaded_version=1, planned_on=dt.date(2021, 9, 1),
                       done_on=dt.date(2021, 9, 10), note="已提交申报材料")
    history = page(staff, review.get_absolute_url()).context["history"]
    assert history[0].subject == zh(ReviewStep.Kind.APPLY.label)
    assert changed_fields(history[0])[label(ReviewStep, "done_on")] == ("—", "2021-09-10")
    assert len(history) == 1 + len(ReviewStep.ORDER)  # the change, and each step's creation


def test_quota_and_team_pages_show_their_history(world, staff):
    quota = QuotaFactory(institution=world.institution, target=Decimal("60"))
    quota.target = Decimal("65.50")
    quota.save()
    fields = changed_fields(page(staff, quota.get_absolute_url()).context["history"][0])
    assert fields[label(Quota, "target")] == ("60", "65.5")

    team = TeamFactory(institution=world.institution, name="讲师团")
    team.name = "宣讲团"
    team.save()
    fields = changed_fields(page(staff, team.get_absolute_url()).context["history"][0])
    assert fields[label(Team, "name")] == ("讲师团", "宣讲团")


def test_a_deleted_record_reads_deleted(world):
    team = TeamFactory(institution=world.institution)
    pk = team.pk
    team.delete()
    history = changes_in(Team.history.filter(id=pk))
    assert [entry.kind for entry in history] == [DELETED, CREATED]


def test_a_history_over_several_records_reads_the_state_before_its_oldest_line(world, staff):
    review = ReviewFactory(institution=world.institution)
    steps = list(review.steps.order_by("id"))
    for day in (1, 2, 3):
        for step in steps[:2]:
            step.refresh_from_db()
            review_step_record(actor=staff, step=step, loaded_version=step.version,
                               planned_on=dt.date(2022, 1, day), done_on=None, note="")
    history = changes_in(ReviewStep.history.filter(review_id=review.pk), limit=3,
                         subject=lambda record: record.get_kind_display())
    planned = label(ReviewStep, "planned_on")
    # the newest three lines, each against its own step's state before (the last one's from one more query)
    assert [changed_fields(entry)[planned] for entry in history] == [
        ("2022-01-02", "2022-01-03"), ("2022-01-02", "2022-01-03"), ("2022-01-01", "2022-01-02"),
    ]


# --- Users' roles: in the admin ---------------------------------------------------------------------------------


def test_role_changes_are_in_the_admins_history_of_the_profile(world, admin_user, staff):
    """The profile's admin page has the history (SimpleHistoryAdmin): who changed a role, when, from what to what.

    The view is called directly: how an administrator reaches the admin (second factor) is tested elsewhere.
    """
    assert issubclass(tracker_admin.ProfileAdmin, SimpleHistoryAdmin)
    request = RequestFactory().get("/")
    request.user = admin_user
    HistoricalRecords.context.request = request  # as HistoryRequestMiddleware does for a request
    try:
        profile_assign_role(user=staff, role=Profile.Role.LEADER, institution=world.institution)
    finally:
        del HistoricalRecords.context.request
    records = list(staff.profile.history.order_by("-history_id"))
    assert (records[0].role, records[0].history_user, records[1].role) == (
        Profile.Role.LEADER, admin_user, Profile.Role.STAFF)
    model_admin = tracker_admin.ProfileAdmin(Profile, django_admin.site)
    response = model_admin.history_view(request, str(staff.profile.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert admin_user.get_username() in html and Profile.Role.STAFF in html and Profile.Role.LEADER in html


# --- The day it happened beside the time it was recorded (issue 14) ------------------------------------------


def test_a_task_update_dated_before_it_was_recorded_shows_both_days_on_the_task_history(world, staff, leader):
    report(world.school_task, staff, progress=40, note="培训班十月一日已开班")  # dated 2021-10-01, recorded now
    task = world.school_task
    task.refresh_from_db()
    task_add_update(actor=staff, task=task, loaded_version=task.version, date=timezone.localdate(),
                    note="今日结业", status="in_progress", progress=90)
    response = page(leader, task.get_absolute_url())
    today_line, dated_line, created = response.context["history"]
    assert dated_line.occurred == dt.date(2021, 10, 1) and today_line.occurred is None
    assert created.kind == CREATED and created.occurred is None  # a task has no day of its own
    rows = response.content.decode()
    rows = rows[rows.index('id="history"'):].split('<tr class="history-table__row')[1:]
    assert '<time class="occurred" datetime="2021-10-01">' in rows[1]
    recorded = timezone.localtime(dated_line.when).strftime("%Y-%m-%d %H:%M")
    assert translation.gettext("recorded %(at)s") % {"at": recorded} in rows[1]
    assert 'class="occurred"' not in rows[0]


def test_a_ledger_entry_recorded_later_gives_its_day_to_the_line_that_created_it(world, staff):
    entry = ActivityFactory(unit=world.college, title="重阳节走访慰问", date=dt.date(2022, 10, 4), recorded_by=staff)
    same_day = ActivityFactory(unit=world.college, title="今日座谈", date=timezone.localdate(), recorded_by=staff)
    fields = ActivityFields(unit=entry.unit, date=entry.date, kind=entry.kind, title="重阳节走访慰问老同志",
                            retiree_count=entry.retiree_count, youth_count=entry.youth_count)
    activity_update(actor=staff, activity=entry, loaded_version=1, fields=fields)
    changed, created = changes_for(entry)
    assert created.kind == CREATED and created.occurred == dt.date(2022, 10, 4)
    assert changed.kind == CHANGED and changed.occurred is None  # the change itself happened when it was recorded
    assert [line.occurred for line in changes_for(same_day)] == [None]
    html = page(staff, entry.get_absolute_url()).content.decode()
    assert '<time class="occurred" datetime="2022-10-04">' in html[html.index('id="history"'):]
