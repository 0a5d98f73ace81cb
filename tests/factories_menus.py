"""factory-boy factories for the double menus and the quotas, and the minimal roster, platform and ledger
rows their metrics count."""

import datetime as dt
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory

from tracker.models import (
    Activity,
    EvidenceFile,
    MenuMatch,
    NeedItem,
    OrgUnit,
    Quota,
    QuotaEntry,
    ResourceItem,
    Speciality,
    Volunteer,
    WorkPlatform,
)

from .conftest import PDF_BYTES
from .factories import InstitutionFactory, OrgUnitFactory, UserFactory


class SpecialityFactory(DjangoModelFactory):
    class Meta:
        model = Speciality
        django_get_or_create = ("institution", "name")

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"特长{n}")


class VolunteerFactory(DjangoModelFactory):
    class Meta:
        model = Volunteer

    unit = factory.SubFactory(OrgUnitFactory)
    institution = factory.SelfAttribute("unit.institution")
    staff_number = factory.Sequence(lambda n: f"M{n:05d}")
    name = factory.Faker("name", locale="zh_CN")
    eligible = True
    participating = False
    backbone = False


class ResourceItemFactory(DjangoModelFactory):
    class Meta:
        model = ResourceItem
        skip_postgeneration_save = True

    volunteer = factory.SubFactory(VolunteerFactory)
    title = factory.Sequence(lambda n: f"专题讲座{n}")

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class NeedItemFactory(DjangoModelFactory):
    class Meta:
        model = NeedItem
        skip_postgeneration_save = True

    unit = factory.SubFactory(OrgUnitFactory)
    audience = NeedItem.Audience.STUDENTS
    title = factory.Sequence(lambda n: f"学业辅导需求{n}")

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class MenuMatchFactory(DjangoModelFactory):
    class Meta:
        model = MenuMatch

    need = factory.SubFactory(NeedItemFactory)
    resource = factory.SubFactory(
        ResourceItemFactory, volunteer__unit=factory.SelfAttribute("...need.unit"),
    )
    status = MenuMatch.Status.PROPOSED
    proposed_on = dt.date(2021, 3, 1)
    delivered_on = factory.LazyAttribute(
        lambda match: dt.date(2021, 4, 1) if match.status == MenuMatch.Status.DELIVERED else None
    )


class WorkPlatformFactory(DjangoModelFactory):
    class Meta:
        model = WorkPlatform

    owner = factory.SubFactory(OrgUnitFactory)
    institution = factory.SelfAttribute("owner.institution")
    name = factory.Sequence(lambda n: f"工作平台{n}")
    level = WorkPlatform.Level.COLLEGE
    brand = WorkPlatform.Brand.NONE
    recognised_by = factory.LazyAttribute(lambda p: "江苏省关工委" if p.brand == WorkPlatform.Brand.HIGHER else "")


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = Activity

    unit = factory.SubFactory(OrgUnitFactory)
    date = dt.date(2021, 6, 1)
    kind = Activity.Kind.PARTY_REPORT
    title = factory.Sequence(lambda n: f"党委听取关工委工作汇报{n}")
    recorded_by = factory.SubFactory(UserFactory)


class QuotaFactory(DjangoModelFactory):
    class Meta:
        model = Quota

    institution = factory.SubFactory(InstitutionFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"指标{n}")
    metric = "participation_rate"
    comparator = Quota.Comparator.AT_LEAST
    target = Decimal("60")
    scope = Quota.Scope.EACH_COLLEGE
    source_document = "苏州大学《推进关工委优质化建设工作的具体安排》"
    source_clause = "二.3"


class QuotaEvidenceFactory(DjangoModelFactory):
    """An evidence file that supports a quota value (neither a task update nor a ledger entry)."""

    class Meta:
        model = EvidenceFile

    update = None
    file = factory.django.FileField(filename="evidence.pdf", data=b"%PDF-1.4 test")
    original_name = "学院关工委工作制度汇编.pdf"
    size = 13
    kind = "pdf"
    uploaded_by = factory.SubFactory(UserFactory)


class QuotaEntryFactory(DjangoModelFactory):
    class Meta:
        model = QuotaEntry

    quota = factory.SubFactory(QuotaFactory, metric="manual", comparator=Quota.Comparator.EQUAL,
                               target=Decimal("1"))
    unit = None
    value = Decimal("1")
    evidence = factory.SubFactory(QuotaEvidenceFactory)
    entered_by = factory.SelfAttribute("evidence.uploaded_by")


def college(institution, name: str, **kwargs) -> OrgUnit:
    return OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.COLLEGE, name=name, **kwargs)


def pdf_upload(name: str = "二级关工委工作制度.pdf") -> SimpleUploadedFile:
    """A small valid PDF, as a browser would upload it."""
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")
