"""factory-boy factories for work platforms, ledger entries, and the volunteers they name."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from tracker.models import Activity, EvidenceFile, Volunteer, WorkPlatform

from .factories import OrgUnitFactory, UserFactory


class WorkVolunteerFactory(DjangoModelFactory):
    """A volunteer on a college's roster (a small one of our own, so these tests do not lean on the roster area's)."""

    class Meta:
        model = Volunteer

    unit = factory.SubFactory(OrgUnitFactory)
    institution = factory.SelfAttribute("unit.institution")
    staff_number = factory.Sequence(lambda n: f"W{n:05d}")
    name = factory.Faker("name", locale="zh_CN")


class PlatformFactory(DjangoModelFactory):
    class Meta:
        model = WorkPlatform

    owner = factory.SubFactory(OrgUnitFactory)
    institution = factory.SelfAttribute("owner.institution")
    level = WorkPlatform.Level.COLLEGE
    name = factory.Sequence(lambda n: f"成长导师平台{n}")
    serving_leader = "王主任"
    active_from = dt.date(2020, 1, 1)


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = Activity

    unit = factory.SubFactory(OrgUnitFactory)
    date = dt.date(2021, 5, 20)
    kind = Activity.Kind.MEETING
    title = factory.Sequence(lambda n: f"关工委工作会议{n}")
    retiree_count = 5
    youth_count = 30
    recorded_by = factory.SubFactory(UserFactory)


class ActivityEvidenceFactory(DjangoModelFactory):
    class Meta:
        model = EvidenceFile

    activity = factory.SubFactory(ActivityFactory)
    file = factory.django.FileField(filename="evidence.pdf", data=b"%PDF-1.4 test")
    original_name = "签到表.pdf"
    size = 13
    kind = "pdf"
    uploaded_by = factory.SelfAttribute("activity.recorded_by")
