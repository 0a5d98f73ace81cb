"""factory-boy factories for the tracker's models."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from tracker.models import EvidenceFile, Institution, OrgUnit, Phase, Plan, Profile, Stage, Task, TaskParty, TaskUpdate


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试大学{n}")
    short_name = factory.Sequence(lambda n: f"测{n}")
    code = factory.Sequence(lambda n: f"inst{n}")


class OrgUnitFactory(DjangoModelFactory):
    class Meta:
        model = OrgUnit

    institution = factory.SubFactory(InstitutionFactory)
    kind = OrgUnit.Kind.COLLEGE
    name = factory.Sequence(lambda n: f"第{n}学院")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    password = factory.django.Password("pw-for-tests")


class ProfileFactory(DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    role = Profile.Role.STAFF
    institution = factory.SubFactory(InstitutionFactory)


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = Plan

    institution = factory.SubFactory(InstitutionFactory)
    title = factory.Sequence(lambda n: f"推进关工委优质化建设工作的实施意见{n}")
    attachment_title = "优质化建设工作推进表"
    issued_on = dt.date(2020, 5, 25)


class PhaseFactory(DjangoModelFactory):
    class Meta:
        model = Phase

    plan = factory.SubFactory(PlanFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"阶段{n}")
    start_date = dt.date(2019, 2, 1)
    end_date = dt.date(2021, 7, 31)


class StageFactory(DjangoModelFactory):
    class Meta:
        model = Stage

    phase = factory.SubFactory(PhaseFactory)
    order = factory.Sequence(lambda n: n + 1)
    goal = "深入学习，统一认识，提高站位"
    start_date = dt.date(2019, 2, 1)
    end_date = dt.date(2019, 7, 31)


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    stage = factory.SubFactory(StageFactory)
    order = factory.Sequence(lambda n: n + 1)
    number = factory.Sequence(lambda n: str(n + 1))
    title = factory.Sequence(lambda n: f"任务{n}")
    text = "校关工委具体推进优质化建设。"


class TaskPartyFactory(DjangoModelFactory):
    class Meta:
        model = TaskParty

    task = factory.SubFactory(TaskFactory)
    role = TaskParty.Role.LEAD
    kind = OrgUnit.Kind.SCHOOL_COMMITTEE


class TaskUpdateFactory(DjangoModelFactory):
    class Meta:
        model = TaskUpdate

    task = factory.SubFactory(TaskFactory)
    author = factory.SubFactory(UserFactory)
    date = dt.date(2020, 1, 1)
    note = "已完成阶段性工作。"
    status = Task.Status.IN_PROGRESS
    progress = 50
    task_version = 1


class EvidenceFileFactory(DjangoModelFactory):
    class Meta:
        model = EvidenceFile

    update = factory.SubFactory(TaskUpdateFactory)
    file = factory.django.FileField(filename="evidence.pdf", data=b"%PDF-1.4 test")
    original_name = "会议纪要.pdf"
    size = 13
    kind = "pdf"
    uploaded_by = factory.SelfAttribute("update.author")
