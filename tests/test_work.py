"""The rules of services/work.py: who may write, what may be saved, versions, evidence and history."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.org.models import EvidenceFile, OrgUnit
from tracker.org.versions import StaleEditError
from tracker.work.models.platforms import Activity, WorkPlatform
from tracker.work.services.platforms import (
    ActivityFields,
    PlatformFields,
    activity_create,
    activity_update,
    platform_create,
    platform_owners_for,
    platform_update,
)

from .factories import PDF_BYTES, ActivityFactory, OrgUnitFactory, VolunteerFactory, WorkPlatformFactory

pytestmark = pytest.mark.django_db


def committee_of(world) -> OrgUnit:
    return OrgUnit.objects.get(institution=world.institution, kind=OrgUnit.Kind.SCHOOL_COMMITTEE)


def college_platform(world, **overrides) -> PlatformFields:
    values = {"name": "青蓝工程平台", "level": "college", "owner": world.college}
    values.update(overrides)
    return PlatformFields(**values)


def entry(world, **overrides) -> ActivityFields:
    values = {"unit": world.college, "date": dt.date(2021, 5, 20), "kind": Activity.Kind.STUDY,
              "title": "学习优质化建设文件", "retiree_count": 3, "youth_count": 20}
    values.update(overrides)
    return ActivityFields(**values)


def messages_of(error: pytest.ExceptionInfo, field: str) -> list[str]:
    return error.value.message_dict[field]


# --- Platforms ---------------------------------------------------------------------------------


def test_owners_offered_are_the_committee_and_colleges_the_user_keeps(world, staff, secretary, liaison, leader):
    assert set(platform_owners_for(staff)) == {committee_of(world), world.college, world.other_college}
    assert list(platform_owners_for(secretary)) == [world.college]
    assert not platform_owners_for(liaison).exists() and not platform_owners_for(leader).exists()
    assert list(platform_owners_for(liaison, current=world.college)) == [world.college]


def test_created_platform_takes_its_owners_institution_and_records_who(world, secretary):
    platform = platform_create(actor=secretary, fields=college_platform(world, name="  院史育人平台 "))
    assert platform.institution == world.institution and platform.name == "院史育人平台"
    assert platform.version == 1 and platform.history.first().history_user == secretary


def test_secretary_may_not_create_for_another_college(world, secretary):
    with pytest.raises(PermissionDenied):
        platform_create(actor=secretary, fields=college_platform(world, owner=world.other_college))
    assert not WorkPlatform.objects.exists()


@pytest.mark.parametrize("persona", ["leader", "liaison", "other_staff"])
def test_those_who_keep_no_such_unit_may_not_create(world, request, persona):
    with pytest.raises(PermissionDenied):
        platform_create(actor=request.getfixturevalue(persona), fields=college_platform(world))


def test_school_level_belongs_to_the_committee_and_college_level_to_a_college(world, staff):
    with pytest.raises(ValidationError) as school:
        platform_create(actor=staff, fields=college_platform(world, level="school"))
    assert messages_of(school, "owner") == [_("A school-level platform belongs to the school committee.")]
    with pytest.raises(ValidationError) as college:
        platform_create(actor=staff, fields=college_platform(world, owner=committee_of(world)))
    assert messages_of(college, "owner") == [_("A college-level platform belongs to a college.")]
    platform_create(actor=staff, fields=college_platform(world, level="school", owner=committee_of(world)))


def test_host_is_a_member_unit_of_the_same_institution(world, admin_user):
    with pytest.raises(ValidationError) as not_member:
        platform_create(actor=admin_user, fields=college_platform(world, host=world.other_college))
    assert messages_of(not_member, "host") == [_("The host must be a member unit.")]
    foreign = OrgUnitFactory(institution=world.other_institution, kind="member_unit", name="外校团委")
    with pytest.raises(ValidationError) as elsewhere:
        platform_create(actor=admin_user, fields=college_platform(world, host=foreign))
    assert messages_of(elsewhere, "host") == [_("The unit belongs to another institution.")]
    assert not WorkPlatform.objects.exists()


def test_higher_brand_names_who_recognised_it_and_when(world, staff):
    with pytest.raises(ValidationError) as error:
        platform_create(actor=staff, fields=college_platform(world, brand="higher"))
    assert set(error.value.message_dict) == {"recognised_by", "recognised_on"}
    platform = platform_create(actor=staff, fields=college_platform(
        world, brand="higher", recognised_by="江苏省教育系统关工委", recognised_on=dt.date(2021, 9, 1)))
    assert platform.brand == "higher"


def test_active_period_cannot_end_before_it_starts(world, staff):
    with pytest.raises(ValidationError) as error:
        platform_create(actor=staff, fields=college_platform(
            world, active_from=dt.date(2022, 1, 1), active_to=dt.date(2021, 1, 1)))
    assert messages_of(error, "active_to") == [_("The active period cannot end before it starts.")]


def test_secretary_may_not_involve_another_colleges_people(world, secretary):
    stranger = VolunteerFactory(unit=world.other_college)
    with pytest.raises(ValidationError) as error:
        platform_create(actor=secretary, fields=college_platform(world, volunteers=(stranger,)))
    assert "volunteers" in error.value.message_dict
    with pytest.raises(ValidationError):
        platform_create(actor=secretary, fields=college_platform(world, volunteer_leader=stranger))
    assert not WorkPlatform.objects.exists()


def test_update_against_an_old_version_is_refused_with_the_newer_versions(world, staff, secretary):
    platform = WorkPlatformFactory(owner=world.college, name="原名称")
    platform_update(actor=staff, platform=platform, loaded_version=1, fields=college_platform(world, name="甲"))
    with pytest.raises(StaleEditError) as stale:
        platform_update(actor=secretary, platform=platform, loaded_version=1, fields=college_platform(world, name="乙"))
    assert [(change.version, change.history_user) for change in stale.value.changes] == [(2, staff)]
    assert WorkPlatform.objects.get().name == "甲"


def test_update_keeps_the_current_co_leader_from_another_college(world, staff, secretary):
    stranger = VolunteerFactory(unit=world.other_college)
    platform = WorkPlatformFactory(owner=world.college, volunteer_leader=stranger)
    updated = platform_update(actor=secretary, platform=platform, loaded_version=1,
                              fields=college_platform(world, volunteer_leader=stranger))
    assert updated.volunteer_leader == stranger and updated.version == 2


def test_secretary_may_not_hand_her_platform_to_another_college(world, secretary):
    platform = WorkPlatformFactory(owner=world.college)
    with pytest.raises(PermissionDenied):
        platform_update(actor=secretary, platform=platform, loaded_version=1,
                        fields=college_platform(world, owner=world.other_college))


def test_liaison_edits_what_his_unit_hosts_but_not_what_it_does_not(world, liaison):
    hosted = WorkPlatformFactory(owner=committee_of(world), level="school", host=world.member_unit)
    other = WorkPlatformFactory(owner=committee_of(world), level="school", host=world.other_member_unit)
    fields = college_platform(world, level="school", owner=committee_of(world), host=world.member_unit)
    assert platform_update(actor=liaison, platform=hosted, loaded_version=1, fields=fields).version == 2
    with pytest.raises(PermissionDenied):
        platform_update(actor=liaison, platform=other, loaded_version=1, fields=fields)


# --- The ledger --------------------------------------------------------------------------------


def test_entry_is_recorded_with_its_evidence_and_who_recorded_it(world, secretary):
    files = [SimpleUploadedFile("通知.pdf", PDF_BYTES), SimpleUploadedFile("签到表.pdf", PDF_BYTES)]
    activity = activity_create(actor=secretary, fields=entry(world), files=files)
    assert activity.recorded_by == secretary and activity.version == 1
    assert sorted(activity.evidence.values_list("original_name", flat=True)) == ["签到表.pdf", "通知.pdf"]
    assert activity.history.first().history_user == secretary
    assert EvidenceFile.objects.get(original_name="通知.pdf").uploaded_by == secretary


def test_date_in_the_future_is_refused(world, staff):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        activity_create(actor=staff, fields=entry(world, date=tomorrow))
    assert messages_of(error, "date") == [_("The date cannot be in the future.")]
    assert activity_create(actor=staff, fields=entry(world, date=timezone.localdate())).pk


def test_headcount_cannot_be_below_the_people_named(world, secretary):
    people = tuple(VolunteerFactory(unit=world.college) for _ in range(3))
    with pytest.raises(ValidationError) as error:
        activity_create(actor=secretary, fields=entry(world, retirees=people, retiree_count=2))
    expected = _("%(named)s retirees are named as taking part, so the number taking part must be at least "
                 "%(named)s.") % {"named": 3}
    assert messages_of(error, "retiree_count") == [expected]
    assert not Activity.objects.exists()


def test_secretary_records_only_her_colleges_entries_naming_her_people(world, secretary):
    with pytest.raises(PermissionDenied):
        activity_create(actor=secretary, fields=entry(world, unit=world.other_college))
    stranger = VolunteerFactory(unit=world.other_college)
    with pytest.raises(ValidationError) as error:
        activity_create(actor=secretary, fields=entry(world, retirees=(stranger,)))
    assert "retirees" in error.value.message_dict


def test_leader_may_not_record(world, leader):
    with pytest.raises(PermissionDenied):
        activity_create(actor=leader, fields=entry(world))


def test_platform_of_another_institution_is_refused(world, admin_user):
    foreign = WorkPlatformFactory(owner=OrgUnitFactory(institution=world.other_institution, name="外校学院"))
    with pytest.raises(ValidationError) as error:
        activity_create(actor=admin_user, fields=entry(world, platform=foreign))
    assert messages_of(error, "platform") == [_("The platform belongs to another institution.")]


def test_bad_evidence_stores_nothing(world, staff, settings):
    settings.EVIDENCE_MAX_BYTES = 50
    files = [SimpleUploadedFile("通知.pdf", PDF_BYTES), SimpleUploadedFile("大.pdf", PDF_BYTES + b"0" * 100)]
    with pytest.raises(ValidationError) as error:
        activity_create(actor=staff, fields=entry(world), files=files)
    assert "files" in error.value.message_dict
    assert not Activity.objects.exists() and not EvidenceFile.objects.exists()


def test_update_adds_evidence_keeps_the_old_and_bumps_the_version(world, secretary):
    activity = activity_create(actor=secretary, fields=entry(world), files=[SimpleUploadedFile("通知.pdf", PDF_BYTES)])
    updated = activity_update(actor=secretary, activity=activity, loaded_version=1,
                              fields=entry(world, title="学习会（补充）"),
                              files=[SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)])
    assert updated.version == 2 and updated.title == "学习会（补充）"
    assert sorted(updated.evidence.values_list("kind", flat=True)) == ["pdf", "png"]


def test_stale_entry_update_is_refused_and_stores_nothing(world, staff, secretary):
    activity = activity_create(actor=secretary, fields=entry(world))
    activity_update(actor=staff, activity=activity, loaded_version=1, fields=entry(world, title="甲"))
    with pytest.raises(StaleEditError) as stale:
        activity_update(actor=secretary, activity=activity, loaded_version=1, fields=entry(world, title="乙"),
                        files=[SimpleUploadedFile("通知.pdf", PDF_BYTES)])
    assert [change.history_user for change in stale.value.changes] == [staff]
    assert Activity.objects.get().title == "甲" and not EvidenceFile.objects.exists()


def test_people_the_editor_cannot_see_stay_named_and_count(world, staff, secretary):
    stranger = VolunteerFactory(unit=world.other_college)
    activity = ActivityFactory(unit=world.college, retiree_count=1)
    activity.retirees.set([stranger])
    mine = VolunteerFactory(unit=world.college)
    with pytest.raises(ValidationError) as error:
        activity_update(actor=secretary, activity=activity, loaded_version=1,
                        fields=entry(world, retirees=(mine,), retiree_count=1))
    assert "retiree_count" in error.value.message_dict
    updated = activity_update(actor=secretary, activity=activity, loaded_version=1,
                              fields=entry(world, retirees=(mine,), retiree_count=2))
    assert set(updated.retirees.all()) == {stranger, mine}


def test_secretary_may_not_move_an_entry_to_another_college(world, secretary):
    activity = ActivityFactory(unit=world.college)
    with pytest.raises(PermissionDenied):
        activity_update(actor=secretary, activity=activity, loaded_version=1,
                        fields=entry(world, unit=world.other_college))


# --- The demo ----------------------------------------------------------------------------------


@pytest.fixture
def demo_base():
    """The seed plans, demo units and accounts: what the work demo builds on (the roster left out)."""
    from django.core.management import call_command

    from tracker.demo.plans import ensure_accounts, ensure_units
    from tracker.org.models import Institution

    call_command("seed_plans")
    for institution in Institution.objects.all():
        ensure_units(institution)
    ensure_accounts()


def test_demo_matches_the_plans_numbers_and_a_second_run_adds_nothing(demo_base):
    from tracker.demo.work import seed_work_demo

    seed_work_demo()
    counts = (WorkPlatform.objects.count(), Activity.objects.count(), EvidenceFile.objects.count())
    cumt = WorkPlatform.objects.filter(institution__code="cumt")
    school = cumt.filter(level="school")
    assert school.count() == 11 and {p.owner.kind for p in school} == {"school_committee"}
    assert {p.host.kind for p in school} == {"member_unit"}
    assert list(school.filter(brand="higher").values_list("recognised_by", flat=True)) == ["江苏省教育系统关工委"] * 2
    assert school.filter(brand="school").exists()
    per_college = [college.owned_platforms.count()
                   for college in OrgUnit.objects.filter(institution__code="cumt", kind="college")]
    assert max(per_college) >= 2 and min(per_college) < 2
    assert WorkPlatform.objects.filter(institution__code="suda", level="school").count() == 8

    entries = Activity.objects.filter(unit__institution__code="cumt")
    assert set(entries.values_list("kind", flat=True)) == set(Activity.Kind.values)
    trainings = entries.filter(kind="training", unit__kind="school_committee")
    assert {day.year for day in trainings.values_list("date", flat=True)} >= set(range(2019, 2026))
    heard = {day.year for day in entries.filter(kind="party_report", unit__kind="party_committee")
             .values_list("date", flat=True)}
    assert len(heard & set(range(2019, 2026))) >= 5 and heard != set(range(2019, 2027))
    colleges_2026 = set(entries.filter(kind="party_report", unit__kind="college", date__year=2026)
                        .values_list("unit_id", flat=True))
    assert 0 < len(colleges_2026) < OrgUnit.objects.filter(institution__code="cumt", kind="college").count()
    assert EvidenceFile.objects.filter(activity__in=entries).exists()
    assert not Activity.objects.filter(date__gt=timezone.localdate()).exists()
    assert Activity.objects.filter(unit__name="机电工程学院", recorded_by__username="secretary").exists()

    seed_work_demo()
    assert (WorkPlatform.objects.count(), Activity.objects.count(), EvidenceFile.objects.count()) == counts


def test_demo_names_roster_people_when_the_roster_exists(demo_base):
    from tracker.demo.roster import seed_roster_demo
    from tracker.demo.work import seed_work_demo

    seed_roster_demo()
    seed_work_demo()
    assert WorkPlatform.objects.filter(volunteers__isnull=False).exists()
    assert WorkPlatform.objects.filter(volunteer_leader__isnull=False).exists()
    assert Activity.objects.filter(retirees__isnull=False).exists()
