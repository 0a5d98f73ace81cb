"""Demo work platforms and ledger entries for 中国矿业大学 and 苏州大学.

Deterministic (`random.Random` seeded per university; people are drawn from a second generator, so whether the
roster exists yet changes who is named, never which platforms and entries exist) and idempotent: a platform is
matched by its name, an entry by unit, date and title, so a second run creates nothing.
The numbers differ on purpose: 矿大 has the 11 school-level platforms its plan mentions and two brands recognised by
the province, 苏大 eight (short of ten); some colleges run two platforms, some one, some none; the Party committee
heard the committee's report in most years but not all, and in 2026 some colleges' Party organisations have and
others have not. Every row is made through the same services users call.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tracker.demo.plans import DEMO_PDF
from tracker.org.models import Institution, OrgUnit
from tracker.roster.models import Volunteer
from tracker.work.models.platforms import Activity, WorkPlatform
from tracker.work.services.platforms import ActivityFields, PlatformFields, activity_create, platform_create

PROVINCE = "江苏省教育系统关工委"
DEMO_STAFF = {"cumt": "staff", "suda": "suda_staff"}
# Entries of this college are recorded by its secretary's demo account, so she finds her own work.
SECRETARY = ("cumt", "机电工程学院", "secretary")
FIRST_YEAR, LAST_YEAR = 2019, 2026

# (name, host member unit, brand, recognised on) — brand "higher" is recognised by the province.
SCHOOL_PLATFORMS: dict[str, list[tuple[str, str, str, dt.date | None]]] = {
    "cumt": [
        ("理想信念教育平台", "宣传部", "higher", dt.date(2021, 11, 26)),
        ("教学督导平台", "教务处", "school", None),
        ("成长导师平台", "学生工作处", "higher", dt.date(2022, 6, 15)),
        ("党建组织员平台", "组织部", "school", None),
        ("关爱帮扶平台", "妇委会", "none", None),
        ("校史文化传承平台", "离退休工作处", "school", None),
        ("心理健康关爱平台", "学生工作处", "none", None),
        ("创新创业指导平台", "团委", "none", None),
        ("网上关工委平台", "宣传部", "none", None),
        ("老少共建实践平台", "团委", "none", None),
        ("读书会平台", "工会", "none", None),
    ],
    "suda": [
        ("讲师团宣讲平台", "宣传部", "school", None),
        ("教学督导平台", "教务处", "school", None),
        ("成长陪伴计划平台", "学生工作处", "higher", dt.date(2021, 12, 10)),
        ("特邀党建组织员平台", "组织部", "school", None),
        ("关爱帮扶平台", "妇委会", "none", None),
        ("校史文化传承平台", "离退休工作处", "school", None),
        ("青蓝工程平台", "工会", "none", None),
        ("创新创业指导平台", "团委", "none", None),
    ],
}
# How many college-level platforms each college runs, in college order: some meet "≥ 2", some do not.
COLLEGE_PLATFORM_COUNTS = {"cumt": [2, 1, 0, 2, 1, 2, 0, 1, 2, 1], "suda": [1, 2, 0, 1, 2, 0, 1, 0]}
COLLEGE_PLATFORM_NAMES = ["青蓝结对平台", "院史育人平台", "学业帮扶平台", "专业思政平台"]
SERVING_LEADERS = ["王立新", "刘海涛", "陈红梅", "杨建军", "赵晓燕", "周国强", "吴静", "孙志刚", "朱丽华", "马文博"]
# Years in which the Party committee did not hear the committee's report (the gap a reviewer would ask about).
NO_PARTY_REPORT = {"cumt": {2022}, "suda": {2021, 2026}}

# (kind, title, unit kind) for the everyday work spread over the years.
EVERYDAY = [
    (Activity.Kind.STUDY, "专题学习《关于推进全省教育系统关工委优质化建设工作的意见》", OrgUnit.Kind.SCHOOL_COMMITTEE),
    (Activity.Kind.MEETING, "关工委全体委员会议", OrgUnit.Kind.SCHOOL_COMMITTEE),
    (Activity.Kind.MEETING, "二级关工委工作例会", OrgUnit.Kind.COLLEGE),
    (Activity.Kind.THEME_EDUCATION, "“永远跟党走”主题教育报告会", OrgUnit.Kind.COLLEGE),
    (Activity.Kind.THEME_EDUCATION, "五老进课堂：讲述学校发展史", OrgUnit.Kind.COLLEGE),
    (Activity.Kind.RESEARCH, "青年学生思想状况调研", OrgUnit.Kind.SCHOOL_COMMITTEE),
    (Activity.Kind.RESEARCH, "二级关工委对标找差调研", OrgUnit.Kind.COLLEGE),
    (Activity.Kind.VISIT, "重阳节走访慰问老同志", OrgUnit.Kind.MEMBER_UNIT),
    (Activity.Kind.VISIT, "走访慰问家庭困难学生", OrgUnit.Kind.COLLEGE),
    (Activity.Kind.AWARD, "获评江苏省教育系统关工委先进集体", OrgUnit.Kind.SCHOOL_COMMITTEE),
    (Activity.Kind.STUDY, "老同志读书分享会", OrgUnit.Kind.COLLEGE),
    (Activity.Kind.OTHER, "青年教师教学基本功指导", OrgUnit.Kind.COLLEGE),
]


def _day(rng: random.Random, year: int, months: Sequence[int] = range(1, 13)) -> dt.date:
    return dt.date(year, rng.choice(list(months)), rng.randint(1, 28))


def _pdf(title: str) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"{title[:24]}佐证材料.pdf", DEMO_PDF, "application/pdf")]


class _Maker:
    """Makes one university's platforms and entries, skipping what exists."""

    def __init__(self, institution: Institution, actor: AbstractBaseUser) -> None:
        self.institution = institution
        self.actor = actor
        self.rng = random.Random(f"work:{institution.code}")
        self.people_rng = random.Random(f"work-people:{institution.code}")
        self.today = timezone.localdate()
        units = list(OrgUnit.objects.filter(institution=institution).order_by("order", "name"))
        self.units = {unit.name: unit for unit in units}
        self.colleges = [unit for unit in units if unit.kind == OrgUnit.Kind.COLLEGE]
        self.member_units = [unit for unit in units if unit.kind == OrgUnit.Kind.MEMBER_UNIT]
        self.committee = next(unit for unit in units if unit.kind == OrgUnit.Kind.SCHOOL_COMMITTEE)
        self.party = next((unit for unit in units if unit.kind == OrgUnit.Kind.PARTY_COMMITTEE), None)
        self.people: dict[int | None, list[Volunteer]] = {None: []}
        for person in Volunteer.objects.filter(institution=institution, participating=True).order_by("staff_number"):
            self.people.setdefault(person.unit_id, []).append(person)
            self.people[None].append(person)
        self.platforms: dict[int, list[WorkPlatform]] = {}
        self.secretary = None
        if institution.code == SECRETARY[0]:
            self.secretary = get_user_model().objects.filter(username=SECRETARY[2]).first()

    def _some_people(self, unit: OrgUnit | None, most: int) -> list[Volunteer]:
        pool = self.people.get(unit.pk if unit else None, [])
        count = self.people_rng.randint(0, min(most, len(pool)))
        return self.people_rng.sample(pool, count)

    def platform(self, name: str, level: str, owner: OrgUnit, host: OrgUnit | None, brand: str,
                 recognised_on: dt.date | None) -> None:
        checks = [True] * 6 if brand != "none" else [self.rng.random() < 0.7 for _ in range(6)]
        if brand == "none":
            checks[5] = False  # 品牌化 is what a brand has and the others still work towards
        active_from = dt.date(self.rng.choice([2019, 2020, 2021]), self.rng.choice([3, 9]), 1)
        serving = self.rng.choice(SERVING_LEADERS)
        existing = WorkPlatform.objects.filter(institution=self.institution, name=name).first()
        if existing is not None:
            self.platforms.setdefault(owner.pk, []).append(existing)
            return
        pool_unit = owner if level == WorkPlatform.Level.COLLEGE else None
        volunteers = self._some_people(pool_unit, 8)
        fields = PlatformFields(
            name=name, level=level, owner=owner, host=host, serving_leader=serving,
            volunteer_leader=volunteers[0] if volunteers else None,
            description=f"{name}由{host.label if host else owner.label}承办，老同志与在职干部共同组织实施。",
            has_substance=checks[0], has_goals=checks[1], has_plan=checks[2], institutionalised=checks[3],
            standardised=checks[4], branded=checks[5], brand=brand,
            recognised_by=PROVINCE if brand == WorkPlatform.Brand.HIGHER else "",
            recognised_on=recognised_on, active_from=active_from, volunteers=tuple(volunteers),
        )
        self.platforms.setdefault(owner.pk, []).append(platform_create(actor=self.actor, fields=fields))

    def entry(self, unit: OrgUnit, day: dt.date, kind: str, title: str, *, evidence: bool = False,
              platform: WorkPlatform | None = None) -> None:
        named = self._some_people(unit if unit.kind == OrgUnit.Kind.COLLEGE else None, 4)
        youth = self.rng.choice([0, 30, 45, 60, 120, 200])
        extra = self.rng.randint(0, 12)
        if day > self.today or Activity.objects.filter(unit=unit, date=day, title=title).exists():
            return
        actor = self.actor
        if self.secretary is not None and unit.name == SECRETARY[1]:
            actor = self.secretary
        fields = ActivityFields(
            unit=unit, date=day, kind=kind, title=title, platform=platform, retirees=tuple(named),
            retiree_count=len(named) + extra, youth_count=youth,
            notes=f"{unit.label}组织，{len(named) + extra}位老同志参加。",
        )
        activity_create(actor=actor, fields=fields, files=_pdf(title) if evidence else ())

    def make(self) -> None:
        code = self.institution.code
        for name, host_name, brand, recognised_on in SCHOOL_PLATFORMS[code]:
            self.platform(name, WorkPlatform.Level.SCHOOL, self.committee, self.units.get(host_name), brand,
                          recognised_on)
        for college, count in zip(self.colleges, COLLEGE_PLATFORM_COUNTS[code], strict=False):
            for template in COLLEGE_PLATFORM_NAMES[:count]:
                self.platform(f"{college.label}{template}", WorkPlatform.Level.COLLEGE, college, None,
                              self.rng.choice(["none", "none", "college"]), None)
        school_platforms = self.platforms.get(self.committee.pk, [])
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            if year < LAST_YEAR or code == "cumt":
                title = f"{year}年关工委骨干人员培训班"
                self.entry(self.committee, _day(self.rng, year, [10, 11]), Activity.Kind.TRAINING, title,
                           evidence=True, platform=None)
            if self.party is not None and year not in NO_PARTY_REPORT[code]:
                self.entry(self.party, _day(self.rng, year, [3, 4, 5, 6]), Activity.Kind.PARTY_REPORT,
                           f"学校党委听取关工委{year}年工作汇报", evidence=self.rng.random() < 0.7)
        # In the current year some colleges' Party organisations have heard their committee's report, some not yet.
        for college in self.colleges[::2]:
            self.entry(college, _day(self.rng, LAST_YEAR, [3, 4, 5, 6]), Activity.Kind.PARTY_REPORT,
                       f"{college.label}党委听取二级关工委{LAST_YEAR}年工作汇报", evidence=True)
        for index in range(24):
            kind, title, unit_kind = EVERYDAY[index % len(EVERYDAY)]
            year = FIRST_YEAR + self.rng.randrange(LAST_YEAR - FIRST_YEAR + 1)
            if unit_kind == OrgUnit.Kind.COLLEGE:
                unit = self.colleges[self.rng.randrange(len(self.colleges))]
            elif unit_kind == OrgUnit.Kind.MEMBER_UNIT:
                unit = self.units.get("离退休工作处") or self.member_units[0]
            else:
                unit = self.committee
            own = self.platforms.get(unit.pk) or school_platforms
            platform = own[self.rng.randrange(len(own))] if own and self.rng.random() < 0.6 else None
            self.entry(unit, _day(self.rng, year), kind, f"{year}年{title}", evidence=self.rng.random() < 0.4,
                       platform=platform)


@transaction.atomic
def seed_work_demo() -> None:
    """Platforms and ledger entries for each demo university (after its units, accounts and roster exist)."""
    User = get_user_model()
    for code, username in DEMO_STAFF.items():
        institution = Institution.objects.filter(code=code).first()
        actor = User.objects.filter(username=username).first()
        if institution is None or actor is None:
            continue
        if not OrgUnit.objects.filter(institution=institution, kind=OrgUnit.Kind.SCHOOL_COMMITTEE).exists():
            continue
        _Maker(institution, actor).make()
