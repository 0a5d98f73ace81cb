"""factory-boy factories for the tracker's models, and helpers that build uploads and roster workbooks for tests."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory
from openpyxl import Workbook

from tracker.assessments.models.assessments import Assessment, AssessmentRound, Rectification, Review
from tracker.assessments.models.standards import Standard, StandardGroup, StandardItem
from tracker.assessments.xlsx import HEADERS as STANDARD_HEADERS
from tracker.assessments.xlsx import XLSX_CONTENT_TYPE
from tracker.org.models import EvidenceFile, Institution, OrgUnit, Profile
from tracker.plans.models import Phase, Plan, Stage, Task, TaskParty, TaskUpdate
from tracker.quotas.models import Quota, QuotaEntry
from tracker.roster.models import RosterImport, Speciality, Team, TeamMembership, Volunteer
from tracker.roster.xlsx import COLUMNS, SHEET_TITLE
from tracker.work.models.menus import MenuMatch, NeedItem, ResourceItem
from tracker.work.models.platforms import Activity, WorkPlatform

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


# --- Institutions, units and people -------------------------------------------------------------


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


# --- Plans and tasks ----------------------------------------------------------------------------


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


# --- Roster and teams ---------------------------------------------------------------------------


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
    staff_number = factory.Sequence(lambda n: f"T{n:06d}")
    name = factory.Faker("name", locale="zh_CN")
    gender = Volunteer.Gender.MALE
    birth_year = 1952
    retired_year = 2012
    category = Volunteer.Category.TEACHER
    party_member = True
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    eligible = True
    participating = False
    backbone = False


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("institution", "name")

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"讲师团{n}")


class TeamMembershipFactory(DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    volunteer = factory.SubFactory(VolunteerFactory)
    joined_on = dt.date(2020, 9, 1)


class RosterImportFactory(DjangoModelFactory):
    """A checked import waiting for confirmation; `rows` in the service's stored shape."""

    class Meta:
        model = RosterImport

    institution = factory.SubFactory(InstitutionFactory)
    created_by = factory.SubFactory(UserFactory)
    file_name = "花名册.xlsx"
    rows = factory.List([])


# --- Work platforms and the ledger --------------------------------------------------------------


class WorkPlatformFactory(DjangoModelFactory):
    class Meta:
        model = WorkPlatform

    owner = factory.SubFactory(OrgUnitFactory)
    institution = factory.SelfAttribute("owner.institution")
    level = WorkPlatform.Level.COLLEGE
    name = factory.Sequence(lambda n: f"成长导师平台{n}")
    serving_leader = "王主任"
    brand = WorkPlatform.Brand.NONE
    recognised_by = factory.LazyAttribute(lambda p: "江苏省关工委" if p.brand == WorkPlatform.Brand.HIGHER else "")
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


class EvidenceFileFactory(DjangoModelFactory):
    """A supporting document on a task update.

    `ledger=True` attaches it to a ledger entry instead; `standalone=True` to neither, as the file behind a quota
    value entered by hand.
    """

    class Meta:
        model = EvidenceFile

    class Params:
        ledger = factory.Trait(
            update=None,
            activity=factory.SubFactory(ActivityFactory),
            original_name="签到表.pdf",
            uploaded_by=factory.SelfAttribute("activity.recorded_by"),
        )
        standalone = factory.Trait(
            update=None,
            original_name="学院关工委工作制度汇编.pdf",
            uploaded_by=factory.SubFactory(UserFactory),
        )

    update = factory.SubFactory(TaskUpdateFactory)
    file = factory.django.FileField(filename="evidence.pdf", data=b"%PDF-1.4 test")
    original_name = "会议纪要.pdf"
    size = 13
    kind = "pdf"
    uploaded_by = factory.SelfAttribute("update.author")


# --- Double menus and quotas --------------------------------------------------------------------


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


class QuotaEntryFactory(DjangoModelFactory):
    class Meta:
        model = QuotaEntry

    quota = factory.SubFactory(QuotaFactory, metric="manual", comparator=Quota.Comparator.EQUAL,
                               target=Decimal("1"))
    unit = None
    value = Decimal("1")
    evidence = factory.SubFactory(EvidenceFileFactory, standalone=True)
    entered_by = factory.SelfAttribute("evidence.uploaded_by")


# --- Helpers ------------------------------------------------------------------------------------


def college(institution, name: str, **kwargs) -> OrgUnit:
    return OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.COLLEGE, name=name, **kwargs)


def pdf_upload(name: str = "二级关工委工作制度.pdf") -> SimpleUploadedFile:
    """A small valid PDF, as a browser would upload it."""
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def stored_create_row(unit, staff_number: str = "M000001", name: str = "周明", row: int = 2) -> dict[str, Any]:
    """One row as roster_import_stage stores it: a new person on `unit`'s roster."""
    return {
        "row": row, "action": "create", "id": None, "version": None, "unit": unit.pk, "specialities": ["党建"],
        "fields": {
            "staff_number": staff_number, "name": name, "gender": "male", "birth_year": 1950, "retired_year": 2010,
            "former_post": "", "former_unit": "", "category": "teacher", "party_member": True, "phone": "",
            "layer": "", "eligible": True, "participating": True, "backbone": False, "active_from": None,
            "active_to": None,
        },
    }


HEADERS = [column.header for column in COLUMNS]


def person_row(staff_number: str, name: str, unit: str, **cells: Any) -> list[Any]:
    """A data row in the template's column order; `cells` by header, e.g. 骨干="是"."""
    values = {"工号": staff_number, "姓名": name, "所在单位": unit, "有条件": "是", "参与": "否", "骨干": "否"}
    values.update(cells)
    return [values.get(header) for header in HEADERS]


def workbook_bytes(rows: Sequence[Sequence[Any]], headers: Sequence[str] = HEADERS, title: str = SHEET_TITLE) -> bytes:
    """An xlsx file (written by openpyxl) with a header row and `rows`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Standards ---------------------------------------------------------------------------------

class StandardFactory(DjangoModelFactory):
    class Meta:
        model = Standard

    institution = None
    name = factory.Sequence(lambda n: f"二级关工委工作基本要求{n}")
    level = Standard.Level.COLLEGE
    source_document = "测试用标准"


class StandardGroupFactory(DjangoModelFactory):
    class Meta:
        model = StandardGroup

    standard = factory.SubFactory(StandardFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"一级指标{n}")


class StandardItemFactory(DjangoModelFactory):
    class Meta:
        model = StandardItem

    group = factory.SubFactory(StandardGroupFactory)
    order = factory.Sequence(lambda n: n + 1)
    number = factory.Sequence(lambda n: str(n + 1))
    text = "二级关工委工作制度健全"
    rule = "达到的得满分，否则不得分"
    points = Decimal("10")
    mode = StandardItem.Mode.ALL_OR_NOTHING


GOOD_ROWS: list[Sequence[Any]] = [
    ("1", "领导机制", "学院党委每年听取汇报", "达到的得满分", 10, "全有全无"),
    ("2", "组织制度", "工作制度健全", "", 8, "三档（达标/基本达标/未达标）"),
    ("3", "领导机制", "班子健全", "A/B/C/D", 6, "四档"),
    ("4", "队伍建设", "骨干参加培训", "每缺1人次扣0.5分", 5, "每少1次扣0.5分"),
    ("5", "工作成效", "获上级表彰", "加分", 2, "加分"),
]


def standard_workbook(rows: Sequence[Sequence[Any]], headers: Sequence[str] = STANDARD_HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def standard_upload(rows: Sequence[Sequence[Any]] = GOOD_ROWS, name: str = "基本要求.xlsx",
                    headers: Sequence[str] = STANDARD_HEADERS) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, standard_workbook(rows, headers), content_type=XLSX_CONTENT_TYPE)


# --- Self-assessments, rectifications and reviews -------------------------------------------------

def scored_standard(institution=None, *, level=Standard.Level.COLLEGE, name: str = "二级关工委基本要求（测试）"):
    """A small standard with one item of each scoring mode, in two groups: 10 + 10 + 10 + 5 points, + 2 bonus."""
    standard = StandardFactory(institution=institution, level=level, name=name)
    lead = StandardGroupFactory(standard=standard, order=1, name="领导机制")
    work = StandardGroupFactory(standard=standard, order=2, name="工作成效")
    Mode = StandardItem.Mode
    StandardItemFactory(group=lead, order=1, number="1", text="学院党委每年听取汇报", mode=Mode.ALL_OR_NOTHING)
    StandardItemFactory(group=lead, order=2, number="2", text="工作制度健全", mode=Mode.GRADED_THREE)
    StandardItemFactory(group=work, order=3, number="3", text="班子健全", mode=Mode.GRADED_ABCD)
    StandardItemFactory(group=work, order=4, number="4", text="骨干参加培训", points=Decimal("5"),
                        mode=Mode.DEDUCTION, deduction_step=Decimal("0.5"))
    StandardItemFactory(group=work, order=5, number="5", text="获上级表彰", points=Decimal("2"), mode=Mode.BONUS)
    return standard


class AssessmentRoundFactory(DjangoModelFactory):
    class Meta:
        model = AssessmentRound

    institution = factory.SubFactory(InstitutionFactory)
    standard = factory.LazyAttribute(lambda o: scored_standard(o.institution))
    name = factory.Sequence(lambda n: f"{2021 + n}年对标找差")
    due_on = dt.date(2099, 6, 30)
    report_max_chars = 2000


def start_assessment(unit, assessment_round=None, *, by=None) -> Assessment:
    """A draft assessment of `unit` with one empty entry per item (through the service, as the portal does)."""
    from tracker.assessments.services.assessments import assessment_start

    assessment_round = assessment_round or AssessmentRoundFactory(institution=unit.institution)
    if by is None:  # whoever files for the unit: its secretary, or committee staff for the school committee
        role = Profile.Role.STAFF if unit.kind == OrgUnit.Kind.SCHOOL_COMMITTEE else Profile.Role.SECRETARY
        by = ProfileFactory(role=role, institution=unit.institution,
                            unit=None if role == Profile.Role.STAFF else unit).user
    return assessment_start(actor=by, assessment_round=assessment_round, unit=unit)


def fill_assessment(assessment, *, full: bool = True, by=None) -> Assessment:
    """Give every entry a self-score (full marks, or zero with gap, measure and deadline) without the workflow."""
    for entry in assessment.entries.select_related("item"):
        entry.self_score = entry.item.points if full else Decimal("0")
        if not full:
            entry.gap, entry.measure, entry.deadline = "制度不全", "补齐制度", dt.date(2099, 1, 31)
        entry.save()
    return assessment


class RectificationFactory(DjangoModelFactory):
    class Meta:
        model = Rectification

    institution = factory.LazyAttribute(lambda o: o.unit.institution)
    unit = factory.SubFactory(OrgUnitFactory, kind=OrgUnit.Kind.COLLEGE)
    source = Rectification.Source.INSPECTION
    problem = "学院关工委工作台账不完整"
    measure = "按月补记台账"
    deadline = dt.date(2099, 12, 31)
    created_by = factory.SubFactory(UserFactory)


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = Review
        skip_postgeneration_save = True

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"片区评议{n}")

    @factory.post_generation
    def steps(self, create, extracted, **kwargs):
        from tracker.assessments.models.assessments import ReviewStep

        if create:
            for kind in ReviewStep.ORDER:
                ReviewStep.objects.create(review=self, kind=kind)


# --- Set-up (tracker/setup) -------------------------------------------------------------------------

SETUP_UNIT_HEADERS = ["类型", "名称", "简称", "联系邮箱", "顺序"]
SETUP_ACCOUNT_HEADERS = ["姓名", "用户名", "邮箱", "角色", "所在单位"]


def setup_workbook(units: Sequence[Sequence[Any]] = (), accounts: Sequence[Sequence[Any]] = (), *,
                   unit_headers: Sequence[str] = SETUP_UNIT_HEADERS,
                   account_headers: Sequence[str] = SETUP_ACCOUNT_HEADERS,
                   sheets: Sequence[str] = ("单位", "账号")) -> bytes:
    """A set-up workbook (written by openpyxl): the sheets named in `sheets`, each a header row and its rows."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    content = {"单位": (unit_headers, units), "账号": (account_headers, accounts)}
    for title in sheets:
        headers, rows = content.get(title, (unit_headers, units))
        sheet = workbook.create_sheet(title)
        sheet.append(list(headers))
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def setup_upload(units: Sequence[Sequence[Any]] = (), accounts: Sequence[Sequence[Any]] = (), *,
                 name: str = "单位与账号.xlsx", **kwargs: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, setup_workbook(units, accounts, **kwargs), content_type=XLSX_CONTENT_TYPE)


# --- API tokens (tracker/api) -------------------------------------------------------------------------


def api_token(owner, name: str = "校数据平台", **kwargs: Any):
    """A token of `owner` made through the service, and its key (shown once)."""
    from tracker.api.services import api_token_create

    return api_token_create(actor=owner, name=name, **kwargs)
