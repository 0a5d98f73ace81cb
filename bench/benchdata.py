"""Benchmark data: whole universities of realistic size, generated deterministically for `make bench`.

Scale 1 is one university: 30 colleges, 25 member units, 3,000 volunteers on the rosters, 40 work platforms,
5,000 ledger entries, the two seed plans' structure (fixtures/seed_plans.json: 中矿委〔2020〕20号's 23 tasks and
苏州大学's 9) with 10 dated updates on every task, the seed quotas (fixtures/seed_quotas.json), a 28-item college
standard made here, 30 college self-assessments × 28 items, the rectification list, a zone review, the double
menus, and history records for every row (`bulk_create_with_history`), with several per task (one per update).
Scale 10 is ten such universities in one deployment; scale 160 with universities 11-160 LIGHT (`light_from=11`) is a
province (issue 18). A scale below 1 (e.g. 0.02) is one small university, every
count multiplied by the scale (with small minimums), for tests.

Deterministic: university n draws everything from `random.Random(f"{seed}:{n}")`, so the same seed gives the
same names, counts and dates (relative to `today`), and university 1 is the same whether it was generated alone
(scale 1) or with nine others (scale 10). Incremental: a university already in the database (by its code) is
left alone, so `bench_generate --scale 10` after `--scale 1` adds universities 2-10 only.

Everything here is made up for measuring speed, and says so: the universities are 基准测试大学NN, the standard
is labelled as generated from the seed plans' tasks, not the province's 28 requirements (DOMAIN.md). Evidence
rows name files that do not exist on disk (the benchmark never downloads them). Rows are written with
`bulk_create` (in batches), not through the services: generating scale 10 in the services' pace would take an
hour. The database's constraints still check every row.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tracker.assessments.models.assessments import (
    Assessment,
    AssessmentEntry,
    AssessmentRound,
    AssessmentTransition,
    FilingReminder,
    Rectification,
    Review,
    ReviewOpinion,
    ReviewStep,
)
from tracker.assessments.models.standards import Standard, StandardGroup, StandardItem
from tracker.org.models import EvidenceFile, Institution, OrgUnit, Profile
from tracker.org.services import profile_assign_role
from tracker.plans.models import Phase, Plan, Stage, Task, TaskParty, TaskUpdate
from tracker.quotas.models import Quota, QuotaEntry
from tracker.roster.models import Speciality, Team, TeamMembership, Volunteer
from tracker.work.models.menus import MenuMatch, NeedItem, ResourceItem
from tracker.work.models.platforms import Activity, WorkPlatform

DEFAULT_SEED = 20260101
CODE_PREFIX = "bench"
BATCH = 2000
PLAN_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed_plans.json"
QUOTA_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed_quotas.json"
ZONE_NAME = "基准测试片区（生成数据）"
PROVINCE_NAME = "基准测试省教育厅（生成数据）"
NOT_A_PASSWORD = "!bench-no-password"  # unusable (starts with "!"): bench accounts sign in only by session


@dataclass(frozen=True)
class Size:
    """How much one university holds."""

    colleges: int = 30
    member_units: int = 25
    volunteers: int = 3000
    platforms: int = 40
    activities: int = 5000
    updates_per_task: int = 10
    items: int = 28

    def scaled(self, factor: float) -> Size:
        """Every count multiplied by `factor` (below 1), with minimums that keep every page meaningful."""
        def part(value: int, minimum: int) -> int:
            return max(minimum, round(value * factor))
        return replace(self, colleges=part(self.colleges, 2), member_units=part(self.member_units, 2),
                       volunteers=part(self.volunteers, 40), platforms=part(self.platforms, 4),
                       activities=part(self.activities, 60), updates_per_task=part(self.updates_per_task, 2))


UNIVERSITY = Size()
# The province (issue 18): 160 universities, as the zones issue counts them. Generating 160 full universities takes
# ten minutes or more here (the ledger and the roster are nine tenths of the time), so `bench_generate --scale 160
# --light-from 11` makes universities 11-160 lighter but whole: every college and member unit, every account, both
# plans with all their tasks, the quotas, the standard and its round of 30 × 28 self-assessments, the rectification
# list and the zone review, with a tenth of the roster and of the platforms, 400 ledger entries, 2 updates per task.
LIGHT = replace(UNIVERSITY, volunteers=300, platforms=12, activities=400, updates_per_task=2)
PROVINCE = 160


def universities_for(scale: float) -> tuple[int, Size]:
    """How many universities a scale means, and the size of each."""
    if scale <= 0:
        raise ValueError("the scale must be positive")
    if scale < 1:
        return 1, UNIVERSITY.scaled(scale)
    if scale != int(scale):
        raise ValueError("a scale of 1 or more must be a whole number of universities")
    return int(scale), UNIVERSITY


def size_for(index: int, size: Size, light_from: int | None) -> Size:
    """University `index`'s size: `size`, or LIGHT from `light_from` on (None: never)."""
    return LIGHT if light_from is not None and index >= light_from and size == UNIVERSITY else size


def code_for(index: int) -> str:
    return f"{CODE_PREFIX}{index:02d}"


# --- Names ------------------------------------------------------------------------------------------

COLLEGES = [
    "机电工程学院", "化工学院", "材料与物理学院", "环境与测绘学院", "资源与地球科学学院", "矿业工程学院",
    "安全工程学院", "力学与土木工程学院", "信息与控制工程学院", "计算机科学与技术学院", "数学学院", "物理学院",
    "化学学院", "外国语言文化学院", "文学院", "马克思主义学院", "经济管理学院", "公共管理学院", "法学院",
    "艺术与设计学院", "体育学院", "建筑与设计学院", "电气工程学院", "低碳能源与动力工程学院", "生命科学学院",
    "医学院", "药学院", "护理学院", "教育学院", "音乐学院", "传媒学院", "社会学院",
]
MEMBER_UNITS = [
    "组织部", "宣传部", "统战部", "学生工作处", "研究生工作部", "离退休工作处", "团委", "工会", "妇委会", "教务处",
    "人事处", "科学技术研究院", "财务处", "保卫处", "后勤管理处", "图书馆", "校友会", "档案馆",
    "国际合作与交流处", "招生就业处", "资产管理处", "实验室与设备管理处", "信息化建设与管理处", "校医院",
    "继续教育学院",
]
SPECIALITIES = [
    "思想政治教育", "党建", "教学督导", "科研指导", "心理咨询", "就业指导", "书法", "摄影", "体育健身", "外语",
    "计算机", "安全生产", "采矿工程", "机械设计",
]
TEAMS = ["社会主义核心价值观讲师团", "特邀党建组织员", "教学督导员", "大学生成长导师"]
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎")
GIVEN = ["建国", "志强", "国华", "振华", "德明", "文斌", "永康", "家驹", "立新", "卫东", "宝林", "正义", "汉卿", "学军",
         "长青", "树人", "庆丰", "明远", "广平", "守仁", "秀英", "桂兰", "玉珍", "淑华", "丽娟", "慧敏", "素芳", "雅琴",
         "凤仙", "美华", "文静", "春梅", "月英", "兰芝", "红霞", "佩玲"]
POSTS = ["教授", "副教授", "高级工程师", "研究员", "党委书记", "副院长", "处长", "副处长", "辅导员", "实验师", "讲师"]
PLATFORM_THEMES = [
    "理想信念教育", "教学督导", "成长导师", "党建组织员", "关爱帮扶", "校史文化传承", "心理健康关爱", "创新创业指导",
    "网上关工委", "老少共建实践", "读书会", "科研育人", "劳动教育", "红色宣讲", "职业生涯指导", "学风建设",
]
ACTIVITY_TITLES = {
    Activity.Kind.STUDY: "专题学习会", Activity.Kind.TRAINING: "骨干人员培训班", Activity.Kind.MEETING: "工作例会",
    Activity.Kind.THEME_EDUCATION: "主题教育活动", Activity.Kind.RESEARCH: "专题调研", Activity.Kind.VISIT: "走访慰问",
    Activity.Kind.AWARD: "表彰会", Activity.Kind.PARTY_REPORT: "党委听取关工委工作汇报",
    Activity.Kind.OTHER: "其他活动",
}
ACTIVITY_KINDS = (
    [Activity.Kind.STUDY] * 5 + [Activity.Kind.MEETING] * 5 + [Activity.Kind.THEME_EDUCATION] * 4
    + [Activity.Kind.VISIT] * 3 + [Activity.Kind.RESEARCH] * 2 + [Activity.Kind.TRAINING, Activity.Kind.AWARD,
                                                                  Activity.Kind.OTHER]
)
NEEDS = ["考研经验分享", "论文写作指导", "职业规划咨询", "心理疏导", "党史学习辅导", "实验技能指导", "书法兴趣培养"]
GROUPS = ["领导机制", "组织制度", "队伍建设", "工作平台", "育人活动", "宣传与档案", "特色与创新"]
MODES = [StandardItem.Mode.ALL_OR_NOTHING, StandardItem.Mode.GRADED_THREE, StandardItem.Mode.GRADED_ABCD,
         StandardItem.Mode.DEDUCTION]
RULES = {
    StandardItem.Mode.ALL_OR_NOTHING: "达到的得满分，否则不得分",
    StandardItem.Mode.GRADED_THREE: "达标得满分，基本达标得60%，未达标不得分",
    StandardItem.Mode.GRADED_ABCD: "A、B、C、D分别得100%、60%、40%、0",
    StandardItem.Mode.DEDUCTION: "每少1次扣0.5分，扣完为止",
    StandardItem.Mode.BONUS: "保持省优秀工作团队称号的加分",
}
GAPS = ["制度汇编尚未成册", "活动记录不完整", "骨干队伍年龄结构偏大", "平台特色不够鲜明", "佐证材料归档不及时",
        "与委员单位协同不足", "“双菜单”对接不充分"]
MEASURES = ["本学期内完成汇编", "建立月度记录检查", "吸收新近退休同志", "凝练一院一品", "指定专人归档",
            "建立联席会议制度", "每学期组织一次对接会"]


# --- Small helpers ----------------------------------------------------------------------------------

CENT = Decimal("0.01")


def _moment(day: dt.date, rng: random.Random) -> dt.datetime:
    """A working-hours moment of `day` in the portal's time zone."""
    naive = dt.datetime.combine(day, dt.time(8 + rng.randrange(10), rng.randrange(60), rng.randrange(60)))
    return timezone.make_aware(naive)


def _day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _spread(rng: random.Random, total: int, parts: int, low: float = 0.6, high: float = 1.4) -> list[int]:
    """`total` split into `parts` uneven shares (each ≥ 1 when total ≥ parts) that add up exactly."""
    weights = [rng.uniform(low, high) for _ in range(parts)]
    scale = total / sum(weights)
    shares = [max(1 if total >= parts else 0, int(w * scale)) for w in weights]
    i = 0
    while sum(shares) < total:
        shares[i % parts] += 1
        i += 1
    while sum(shares) > total:
        j = max(range(parts), key=lambda k: shares[k])
        shares[j] -= 1
    return shares


@contextlib.contextmanager
def _dates_as_given(*fields: tuple[type[models.Model], str]) -> Iterator[None]:
    """Let bulk_create keep the dates set on the objects for these auto_now_add fields (history looks real)."""
    saved = []
    for model, name in fields:
        model_field = model._meta.get_field(name)
        saved.append((model_field, model_field.auto_now_add))
        model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, value in saved:
            model_field.auto_now_add = value


AUTO_DATES = (
    (TaskUpdate, "created_at"), (EvidenceFile, "uploaded_at"), (Activity, "recorded_at"),
    (AssessmentRound, "created_at"), (Assessment, "created_at"), (Rectification, "created_at"),
    (ReviewOpinion, "created_at"), (QuotaEntry, "entered_at"),
)


def _with_history(objs: list, model: type[models.Model], when: Callable | None = None,
                  who: Callable | None = None) -> list:
    """bulk_create with one "+" history record per row, dated `when(obj)` and by `who(obj)` when given."""
    if not objs:
        return objs
    for obj in objs:
        if when is not None:
            obj._history_date = when(obj)
        if who is not None:
            obj._history_user = who(obj)
    return bulk_create_with_history(objs, model, batch_size=BATCH)


def _plain(objs: list, model: type[models.Model]) -> list:
    return model.objects.bulk_create(objs, batch_size=BATCH) if objs else objs


# --- One university ---------------------------------------------------------------------------------


@dataclass
class Shared:
    zone: OrgUnit
    province: OrgUnit


def _shared_units() -> Shared:
    """The zone and the province stand above the universities: one of each for the whole deployment."""
    zone = OrgUnit.objects.filter(institution=None, kind=OrgUnit.Kind.ZONE, name=ZONE_NAME).first()
    if zone is None:
        zone = OrgUnit.objects.create(kind=OrgUnit.Kind.ZONE, name=ZONE_NAME, short_name="基准片区", order=90)
    province = OrgUnit.objects.filter(institution=None, kind=OrgUnit.Kind.PROVINCE, name=PROVINCE_NAME).first()
    if province is None:
        province = OrgUnit.objects.create(kind=OrgUnit.Kind.PROVINCE, name=PROVINCE_NAME, short_name="基准省厅",
                                          order=90)
    return Shared(zone, province)


@dataclass
class University:
    index: int
    seed: int
    size: Size
    shared: Shared
    today: dt.date
    rng: random.Random = field(init=False)
    counts: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"{self.seed}:{self.index}")

    # -- the parts, in the order they depend on each other --

    def build(self) -> Institution:
        with _dates_as_given(*AUTO_DATES):
            self._institution_and_units()
            self._people()
            self._roster()
            self._platforms()
            self._ledger()
            self._menus()
            self._plans()
            self._quotas()
            self._assessments()
            self._review()
        return self.institution

    def _count(self, model: type[models.Model], objs: Sequence) -> None:
        self.counts[model._meta.model_name] += len(objs)

    def _institution_and_units(self) -> None:
        rng, n = self.rng, self.index
        name = f"基准测试大学{n:02d}"
        self.institution = Institution.objects.create(name=name, short_name=f"基准{n:02d}", code=code_for(n))
        self.created = timezone.make_aware(dt.datetime(2019, 1, 7, 9, 0))
        [self.party] = _with_history([OrgUnit(
            institution=self.institution, kind=OrgUnit.Kind.PARTY_COMMITTEE, name=f"中共{name}委员会",
            short_name="学校党委", order=1)], OrgUnit, when=lambda o: self.created)
        [self.committee] = _with_history([OrgUnit(
            institution=self.institution, parent=self.party, kind=OrgUnit.Kind.SCHOOL_COMMITTEE,
            name=f"{name}关心下一代工作委员会", short_name="校关工委", order=1,
            email=f"ggw@{code_for(n)}.example.edu.cn")], OrgUnit, when=lambda o: self.created)
        college_names = [COLLEGES[i % len(COLLEGES)] + (f"（{i // len(COLLEGES) + 1}）" if i >= len(COLLEGES) else "")
                         for i in range(self.size.colleges)]
        colleges = [OrgUnit(institution=self.institution, parent=self.committee, kind=OrgUnit.Kind.COLLEGE,
                            name=f"{label}关工委", short_name=label, order=i + 1,
                            email=f"college{i + 1}@{code_for(n)}.example.edu.cn" if rng.random() < 0.9 else "")
                     for i, label in enumerate(college_names)]
        unit_names = [MEMBER_UNITS[i % len(MEMBER_UNITS)] + (f"{i // len(MEMBER_UNITS) + 1}"
                                                             if i >= len(MEMBER_UNITS) else "")
                      for i in range(self.size.member_units)]
        units = [OrgUnit(institution=self.institution, parent=self.party, kind=OrgUnit.Kind.MEMBER_UNIT,
                         name=label, short_name=label, order=i + 1) for i, label in enumerate(unit_names)]
        created = _with_history(colleges + units, OrgUnit, when=lambda o: self.created)
        self.colleges = created[:len(colleges)]
        self.member_units = created[len(colleges):]
        self._count(OrgUnit, created + [self.party, self.committee])

    def _people(self) -> None:
        """Committee staff, a leader, a secretary per college and a liaison per member unit."""
        User = get_user_model()
        code = self.institution.code
        self.staff = User.objects.create(username=f"{code}_staff", first_name="基准员工", password=NOT_A_PASSWORD)
        self.leader = User.objects.create(username=f"{code}_leader", first_name="基准领导", password=NOT_A_PASSWORD)
        profile_assign_role(user=self.staff, role=Profile.Role.STAFF, institution=self.institution)
        profile_assign_role(user=self.leader, role=Profile.Role.LEADER, institution=self.institution)
        bound = [(unit, Profile.Role.SECRETARY) for unit in self.colleges] + [
            (unit, Profile.Role.LIAISON) for unit in self.member_units]
        users = _plain([User(username=f"{code}_{role}_{unit.order:02d}", first_name=self._name(),
                             password=NOT_A_PASSWORD) for unit, role in bound], User)
        _with_history([Profile(user=user, role=role, institution=self.institution, unit=unit)
                       for user, (unit, role) in zip(users, bound, strict=True)], Profile,
                      when=lambda o: self.created)
        self.officer = {unit.pk: user for user, (unit, _role) in zip(users, bound, strict=True)}
        self._count(User, users + [self.staff, self.leader])

    def _name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def _by(self, unit_id: int):
        """Who records a unit's work: its secretary or liaison, else committee staff."""
        return self.officer.get(unit_id, self.staff)

    def _roster(self) -> None:
        rng, size = self.rng, self.size
        self.specialities = _plain([Speciality(institution=self.institution, name=name) for name in SPECIALITIES],
                                   Speciality)
        self.teams = _with_history([Team(institution=self.institution, name=name, order=i + 1)
                                    for i, name in enumerate(TEAMS)], Team, when=lambda o: self.created)
        # 90 % of the retirees sit on the colleges' rosters, the rest on member units'.
        in_colleges = round(size.volunteers * 0.9)
        shares = _spread(rng, in_colleges, len(self.colleges)) + _spread(
            rng, size.volunteers - in_colleges, len(self.member_units))
        volunteers = []
        profiles = [(0.75, 0.30), (0.45, 0.10), (0.70, 0.12), (0.66, 0.25), (0.50, 0.25), (0.85, 0.40)]
        for unit, share in zip(self.colleges + self.member_units, shares, strict=True):
            take_part, backbone_share = profiles[unit.order % len(profiles)]
            for _ in range(share):
                eligible = rng.random() < 0.85
                participating = eligible and rng.random() < take_part
                left = rng.random() < 0.03
                volunteers.append(Volunteer(
                    institution=self.institution, unit=unit, staff_number=f"B{self.index:02d}{len(volunteers) + 1:05d}",
                    name=self._name(), gender=rng.choice(["male", "male", "female"]),
                    birth_year=rng.randint(1938, 1962), retired_year=rng.randint(1998, 2022),
                    former_post=rng.choice(POSTS), former_unit=unit.short_name,
                    category=rng.choice(Volunteer.Category.values), party_member=rng.random() < 0.7,
                    phone=f"139{rng.randrange(10**8):08d}",
                    layer=(Volunteer.Layer.BACKBONE if participating and rng.random() < backbone_share
                           else Volunteer.Layer.PARTICIPATION if participating else ""),
                    eligible=eligible, participating=participating,
                    backbone=participating and rng.random() < backbone_share,
                    active_from=_day_between(rng, dt.date(2015, 1, 1), dt.date(2021, 12, 31)),
                    active_to=_day_between(rng, dt.date(2022, 1, 1), self.today - dt.timedelta(days=1))
                    if left else None,
                ))
        self.volunteers = _with_history(volunteers, Volunteer, when=lambda v: _moment(v.active_from, rng),
                                        who=lambda v: self._by(v.unit_id))
        through = Volunteer.specialities.through
        links = []
        for volunteer in self.volunteers:
            for speciality in rng.sample(self.specialities, rng.choice([0, 1, 1, 2, 2, 3])):
                links.append(through(volunteer_id=volunteer.pk, speciality_id=speciality.pk))
        _plain(links, through)
        memberships = []
        for volunteer in self.volunteers:
            if volunteer.participating and rng.random() < 0.4:
                joined = _day_between(rng, dt.date(2019, 9, 1), dt.date(2023, 12, 31))
                ended = rng.random() < 0.15
                memberships.append(TeamMembership(
                    team=rng.choice(self.teams), volunteer=volunteer, joined_on=joined,
                    left_on=_day_between(rng, joined, self.today) if ended else None))
        _with_history(memberships, TeamMembership, when=lambda m: _moment(m.joined_on, rng), who=lambda m: self.staff)
        self._count(Volunteer, self.volunteers)
        self._count(TeamMembership, memberships)
        self.participants: dict[int, list[Volunteer]] = {}
        for volunteer in self.volunteers:
            if volunteer.participating and volunteer.active_to is None:
                self.participants.setdefault(volunteer.unit_id, []).append(volunteer)

    def _platforms(self) -> None:
        rng, size = self.rng, self.size
        school = max(1, round(size.platforms * 0.3))
        platforms = []
        themes = list(PLATFORM_THEMES)
        for i in range(school):
            theme = themes[i % len(themes)]
            brand = rng.choice(["none", "none", "school", "school", "higher"])
            platforms.append(WorkPlatform(
                institution=self.institution, name=f"{theme}平台" + (f"{i // len(themes) + 1}" if i >= len(themes)
                                                                     else ""),
                level=WorkPlatform.Level.SCHOOL, owner=self.committee, host=rng.choice(self.member_units),
                serving_leader=self._name(), brand=brand,
                recognised_by="江苏省教育系统关工委" if brand == "higher" else "",
                recognised_on=dt.date(2021, 11, 26) if brand == "higher" else None))
        for i in range(size.platforms - school):
            college = self.colleges[i % len(self.colleges)]
            theme = rng.choice(themes)
            platforms.append(WorkPlatform(
                institution=self.institution, name=f"{college.short_name}{theme}平台{i + 1}",
                level=WorkPlatform.Level.COLLEGE, owner=college, serving_leader=self._name(),
                brand=rng.choice(["none", "none", "none", "college"])))
        for platform in platforms:
            for name in ("has_substance", "has_goals", "has_plan", "institutionalised", "standardised", "branded"):
                setattr(platform, name, rng.random() < 0.7)
            pool = self.participants.get(platform.owner_id) or self.volunteers
            platform.volunteer_leader = rng.choice(pool)
            platform.active_from = _day_between(rng, dt.date(2019, 3, 1), dt.date(2022, 6, 30))
        self.platforms = _with_history(platforms, WorkPlatform, when=lambda p: _moment(p.active_from, rng),
                                       who=lambda p: self.staff)
        through = WorkPlatform.volunteers.through
        links = []
        for platform in self.platforms:
            pool = self.participants.get(platform.owner_id) or self.volunteers
            for volunteer in rng.sample(pool, min(len(pool), rng.randint(5, 15))):
                links.append(through(workplatform_id=platform.pk, volunteer_id=volunteer.pk))
        _plain(links, through)
        self._count(WorkPlatform, self.platforms)

    def _ledger(self) -> None:
        rng, size = self.rng, self.size
        start = dt.date(2019, 1, 1)
        by_owner: dict[int, list[WorkPlatform]] = {}
        for platform in self.platforms:
            by_owner.setdefault(platform.owner_id, []).append(platform)
        units = self.colleges * 6 + self.member_units + [self.committee] * 4 + [self.party]
        entries = []
        # Every college's Party committee hears its committee's report most years (the quota's data).
        for year in range(2019, self.today.year + 1):
            for unit in [self.party, *self.colleges]:
                if rng.random() < 0.8 and len(entries) < size.activities // 4:
                    day = _day_between(rng, dt.date(year, 1, 1), min(dt.date(year, 12, 31), self.today))
                    entries.append((unit, Activity.Kind.PARTY_REPORT, day))
            day = _day_between(rng, dt.date(year, 3, 1), min(dt.date(year, 11, 30), self.today))
            entries.append((self.committee, Activity.Kind.TRAINING, day))
        while len(entries) < size.activities:
            unit = rng.choice(units)
            entries.append((unit, rng.choice(ACTIVITY_KINDS), _day_between(rng, start, self.today)))
        activities = []
        for n, (unit, kind, day) in enumerate(entries, start=1):
            platforms = by_owner.get(unit.pk, [])
            platform = rng.choice(platforms) if platforms and rng.random() < 0.5 else None
            activities.append(Activity(
                unit=unit, platform=platform, date=day, kind=kind,
                title=f"{unit.short_name}{day.year}年{ACTIVITY_TITLES[kind]}（第{n}次）",
                retiree_count=rng.randint(0, 30), youth_count=rng.randint(0, 300),
                notes="基准测试生成的台账记录。" if rng.random() < 0.3 else "",
                recorded_by=self._by(unit.pk),
                recorded_at=_moment(min(self.today, day + dt.timedelta(days=rng.randint(0, 5))), rng),
            ))
        self.activities = _with_history(activities, Activity, when=lambda a: a.recorded_at,
                                        who=lambda a: a.recorded_by)
        through = Activity.retirees.through
        links = []
        for activity in self.activities:
            pool = self.participants.get(activity.unit_id, [])
            named = rng.sample(pool, min(len(pool), rng.choice([0, 0, 1, 2, 3, 5])))
            links.extend(through(activity_id=activity.pk, volunteer_id=v.pk) for v in named)
            activity.retiree_count = max(activity.retiree_count, len(named))
        _plain(links, through)
        Activity.objects.bulk_update(self.activities, ["retiree_count"], batch_size=BATCH)
        evidence = [self._evidence(a.recorded_by, a.recorded_at, activity=a)
                    for a in self.activities if rng.random() < 0.25]
        _with_history(evidence, EvidenceFile, when=lambda e: e.uploaded_at, who=lambda e: e.uploaded_by)
        self._count(Activity, self.activities)
        self._count(EvidenceFile, evidence)

    def _evidence(self, who, when: dt.datetime, **owner) -> EvidenceFile:
        n = self.counts["evidence_made"] = self.counts["evidence_made"] + 1
        kind = self.rng.choice(["pdf", "pdf", "jpg", "docx", "xlsx"])
        return EvidenceFile(file=f"evidence/bench/{self.institution.code}/{n:06d}.{kind}",
                            original_name=f"佐证材料{n:05d}.{kind}", size=self.rng.randint(20_000, 4_000_000),
                            kind=kind, uploaded_by=who, uploaded_at=when, **owner)

    def _menus(self) -> None:
        rng = self.rng
        needs = []
        for college in self.colleges:
            for title in rng.sample(NEEDS, 3):
                needs.append(NeedItem(unit=college, audience=rng.choice(NeedItem.Audience.values), title=title))
        needs = _with_history(needs, NeedItem, when=lambda o: self.created)
        resources = []
        for college in self.colleges:
            for volunteer in self.participants.get(college.pk, [])[:4]:
                resources.append(ResourceItem(volunteer=volunteer, title=f"{rng.choice(SPECIALITIES)}辅导"))
        resources = _with_history(resources, ResourceItem, when=lambda o: self.created)
        by_unit: dict[int, list[ResourceItem]] = {}
        for resource in resources:
            by_unit.setdefault(resource.volunteer.unit_id, []).append(resource)
        matches = []
        for need in needs:
            offers = by_unit.get(need.unit_id, [])
            if offers and rng.random() < 0.5:
                delivered = rng.random() < 0.6
                proposed = _day_between(rng, dt.date(2020, 3, 1), self.today - dt.timedelta(days=30))
                matches.append(MenuMatch(resource=rng.choice(offers), need=need, proposed_on=proposed,
                                         status=MenuMatch.Status.DELIVERED if delivered else MenuMatch.Status.AGREED,
                                         delivered_on=proposed + dt.timedelta(days=20) if delivered else None))
        _with_history(matches, MenuMatch, when=lambda m: _moment(m.proposed_on, rng))
        self._count(NeedItem, needs)
        self._count(MenuMatch, matches)

    # -- the plans: the seed plans' structure, every task with its log of updates --

    def _plans(self) -> None:
        rng = self.rng
        records = json.loads(PLAN_FIXTURE.read_text(encoding="utf-8"))
        by_model: dict[str, list[dict]] = {}
        for record in records:
            by_model.setdefault(record["model"], []).append(record)
        seed_names = [r["fields"]["name"] for r in by_model["tracker.institution"]]
        seed_units = {r["pk"]: r["fields"]["kind"] for r in by_model["tracker.orgunit"]}
        unit_for_kind = {OrgUnit.Kind.PARTY_COMMITTEE: self.party, OrgUnit.Kind.SCHOOL_COMMITTEE: self.committee,
                         OrgUnit.Kind.ZONE: self.shared.zone, OrgUnit.Kind.PROVINCE: self.shared.province}

        def named(text: str) -> str:
            for seed_name in seed_names:
                text = text.replace(seed_name, self.institution.name)
            return text

        plans = {}
        for n, record in enumerate(by_model["tracker.plan"], start=1):
            f = record["fields"]
            plans[record["pk"]] = Plan(
                institution=self.institution, title=named(f["title"]), attachment_title=named(f["attachment_title"]),
                document_number=f"基准委〔{f['issued_on'][:4]}〕{self.index * 10 + n}号",
                issued_on=dt.date.fromisoformat(f["issued_on"]),
                numbering_restarts_each_phase=f["numbering_restarts_each_phase"])
        _with_history(list(plans.values()), Plan, when=lambda p: _moment(p.issued_on, rng), who=lambda p: self.staff)
        self.plans = list(plans.values())
        phases = {}
        for record in by_model["tracker.phase"]:
            f = record["fields"]
            phases[record["pk"]] = Phase(plan=plans[f["plan"]], order=f["order"], name=f["name"],
                                         description=f["description"],
                                         start_date=f["start_date"] and dt.date.fromisoformat(f["start_date"]),
                                         end_date=dt.date.fromisoformat(f["end_date"]))
        _with_history(list(phases.values()), Phase, when=lambda p: _moment(p.plan.issued_on, rng))
        stages = {}
        for record in by_model["tracker.stage"]:
            f = record["fields"]
            stages[record["pk"]] = Stage(phase=phases[f["phase"]], order=f["order"], goal=f["goal"],
                                         start_date=f["start_date"] and dt.date.fromisoformat(f["start_date"]),
                                         end_date=dt.date.fromisoformat(f["end_date"]))
        _with_history(list(stages.values()), Stage, when=lambda s: _moment(s.phase.plan.issued_on, rng))
        tasks = {}
        for record in by_model["tracker.task"]:
            f = record["fields"]
            tasks[record["pk"]] = Task(stage=stages[f["stage"]], order=f["order"], number=f["number"],
                                       title=named(f["title"]), text=named(f["text"]))
        parties = []
        for record in by_model["tracker.taskparty"]:
            f = record["fields"]
            unit = unit_for_kind.get(seed_units[f["unit"]]) if f["unit"] else None
            parties.append(TaskParty(task=tasks[f["task"]], role=f["role"], kind=f["kind"], unit=unit))
        self._task_logs(list(tasks.values()))
        _with_history(parties, TaskParty, when=lambda p: _moment(p.task.stage.phase.plan.issued_on, rng))
        self.tasks = list(tasks.values())
        self._count(Task, self.tasks)
        self._count(TaskParty, parties)

    def _task_logs(self, tasks: list[Task]) -> None:
        """Each task's final state, its dated updates, and a history record for its creation and each update."""
        rng, per_task = self.rng, self.size.updates_per_task
        updates, states = [], []
        for task in tasks:
            stage = task.stage
            start = stage.start_date or stage.phase.plan.issued_on
            due = stage.end_date
            late = due < self.today
            final = rng.choices([Task.Status.DONE, Task.Status.IN_PROGRESS, Task.Status.NOT_STARTED],
                                weights=[60, 28, 12] if late else [20, 50, 30])[0]
            last_day = min(self.today, due + dt.timedelta(days=60))
            days = sorted(_day_between(rng, start, last_day) for _ in range(per_task))
            progress = sorted(rng.randrange(5, 100, 5) for _ in range(per_task))
            task_updates = []
            for i, day in enumerate(days):
                last = i == per_task - 1
                status = final if last else (Task.Status.IN_PROGRESS if final != Task.Status.NOT_STARTED
                                             else Task.Status.NOT_STARTED)
                value = 100 if status == Task.Status.DONE else (0 if status == Task.Status.NOT_STARTED
                                                                else min(progress[i], 95))
                college = rng.choice(self.colleges)
                by_college = rng.random() < 0.4
                task_updates.append(TaskUpdate(
                    task=task, author=self._by(college.pk) if by_college else self.staff,
                    unit=college if by_college else self.committee, date=day,
                    created_at=_moment(day, rng), note=f"{day:%Y年%m月}推进情况：{rng.choice(MEASURES)}。",
                    status=status, progress=value, task_version=i + 2))
            task.status, task.progress = task_updates[-1].status, task_updates[-1].progress
            task.done_on = task_updates[-1].date if task.status == Task.Status.DONE else None
            task.version = per_task + 1
            updates.append(task_updates)
            states.append([(u.status, u.progress, u.date if u.status == Task.Status.DONE else None, u.task_version,
                            u.created_at, u.author) for u in task_updates])
        # The tasks in their final state (plain rows); their history below says how they got there.
        _plain(tasks, Task)
        history = Task.history
        created, changed = [], []
        for task in tasks:
            first = copy.copy(task)
            first.status, first.progress, first.done_on, first.version = Task.Status.NOT_STARTED, 0, None, 1
            first._history_date = _moment(task.stage.phase.plan.issued_on, rng)
            first._history_user = self.staff
            created.append(first)
        for task, task_states in zip(tasks, states, strict=True):
            for status, progress, done_on, version, when, who in task_states:
                state = copy.copy(task)
                state.status, state.progress, state.done_on, state.version = status, progress, done_on, version
                state._history_date, state._history_user = when, who
                changed.append(state)
        history.bulk_history_create(created, batch_size=BATCH)
        history.bulk_history_create(changed, batch_size=BATCH, update=True)
        flat = [u for task_updates in updates for u in task_updates]
        _with_history(flat, TaskUpdate, when=lambda u: u.created_at, who=lambda u: u.author)
        evidence = [self._evidence(u.author, u.created_at, update=u) for u in flat if rng.random() < 0.35]
        _with_history(evidence, EvidenceFile, when=lambda e: e.uploaded_at, who=lambda e: e.uploaded_by)
        self._count(TaskUpdate, flat)
        self._count(EvidenceFile, evidence)

    def _quotas(self) -> None:
        rng = self.rng
        records = [r for r in json.loads(QUOTA_FIXTURE.read_text(encoding="utf-8"))
                   if r["model"] == "tracker.quota" and r["fields"]["institution"] == 1]
        quotas = []
        for record in records:
            f = record["fields"]
            quotas.append(Quota(
                institution=self.institution, plan=self.plans[0], order=f["order"], name=f["name"],
                metric=f["metric"], comparator=f["comparator"], target=Decimal(f["target"]), scope=f["scope"],
                deadline=f["deadline"] and dt.date.fromisoformat(f["deadline"]),
                source_document=f["source_document"], source_clause=f["source_clause"]))
        quotas = _with_history(quotas, Quota, when=lambda q: self.created, who=lambda q: self.staff)
        entries = []
        for quota in quotas:
            if quota.metric != "manual":
                continue
            for college in self.colleges:
                if rng.random() < 0.7:
                    when = _moment(_day_between(rng, dt.date(2021, 1, 1), self.today), rng)
                    evidence = self._evidence(self.staff, when)
                    entries.append((QuotaEntry(quota=quota, unit=college, value=Decimal(rng.choice([1, 1, 1, 0])),
                                               note="制度汇编已印发", entered_by=self.staff, entered_at=when),
                                    evidence))
        files = _with_history([e for _q, e in entries], EvidenceFile, when=lambda e: e.uploaded_at,
                              who=lambda e: e.uploaded_by)
        for (quota_entry, _e), evidence in zip(entries, files, strict=True):
            quota_entry.evidence = evidence
        _with_history([q for q, _e in entries], QuotaEntry, when=lambda q: q.entered_at, who=lambda q: q.entered_by)
        self._count(Quota, quotas)
        self._count(QuotaEntry, entries)

    # -- self-assessment, rectifications and the zone review --

    def _standard(self) -> list[StandardItem]:
        """A 28-item college standard in 7 groups, its items drawn from the seed plans' tasks (and labelled so)."""
        items_total = self.size.items
        standard = _with_history([Standard(
            institution=self.institution, name="二级关工委工作基本要求（基准测试生成，28项）",
            level=Standard.Level.COLLEGE,
            source_document="基准测试数据生成器（bench/benchdata.py）据两份种子推进表的任务整理，"
                            "非省《基本要求》原文")], Standard, when=lambda s: self.created)[0]
        groups = _with_history([StandardGroup(standard=standard, order=i + 1, name=name)
                                for i, name in enumerate(GROUPS)], StandardGroup, when=lambda g: self.created)
        items = []
        for i in range(items_total):
            task = self.tasks[i % len(self.tasks)]
            bonus = i == items_total - 1
            mode = StandardItem.Mode.BONUS if bonus else MODES[i % len(MODES)]
            points = Decimal(2 if bonus else (4, 3, 5, 3)[i % 4])
            items.append(StandardItem(
                group=groups[min(i * len(groups) // items_total, len(groups) - 1)], order=i + 1, number=str(i + 1),
                text=f"{task.title}（据推进表任务{task.number}整理）", rule=RULES[mode], points=points, mode=mode,
                deduction_step=Decimal("0.5") if mode == StandardItem.Mode.DEDUCTION else None))
        # Order within a group counts from 1.
        seen: Counter = Counter()
        for item in items:
            seen[item.group.order] += 1
            item.order = seen[item.group.order]
        items = _with_history(items, StandardItem, when=lambda i: self.created)
        self.standard = standard
        return items

    def _score(self, item: StandardItem) -> Decimal:
        rng, points, mode = self.rng, item.points, item.mode
        if mode == StandardItem.Mode.ALL_OR_NOTHING:
            return points if rng.random() < 0.85 else Decimal(0)
        if mode == StandardItem.Mode.GRADED_THREE:
            return (points * rng.choice([Decimal(1)] * 6 + [Decimal("0.6")] * 3 + [Decimal(0)])).quantize(CENT)
        if mode == StandardItem.Mode.GRADED_ABCD:
            share = rng.choice([Decimal(1)] * 4 + [Decimal("0.6"), Decimal("0.6"), Decimal("0.4"), Decimal(0)])
            return (points * share).quantize(CENT)
        if mode == StandardItem.Mode.DEDUCTION:
            return max(Decimal(0), points - item.deduction_step * rng.choice([0, 0, 0, 1, 2, 3])).quantize(CENT)
        return points if rng.random() < 0.5 else Decimal(0)

    def _assessments(self) -> None:
        rng = self.rng
        items = self._standard()
        opened = timezone.make_aware(dt.datetime(2021, 9, 1, 9, 0))
        [self.round] = _with_history([AssessmentRound(
            institution=self.institution, standard=self.standard, name="2021年二级关工委对标找差（基准）",
            due_on=dt.date(2021, 11, 30), created_at=opened)], AssessmentRound, when=lambda r: opened,
            who=lambda r: self.staff)
        statuses = ["accepted"] * 12 + ["submitted"] * 6 + ["returned"] * 3 + ["resubmitted"] * 2 + ["draft"] * 7
        assessments, paths = [], []
        for college in self.colleges:
            status = statuses[(college.order - 1) % len(statuses)]
            started = opened + dt.timedelta(days=rng.randint(1, 20))
            secretary = self._by(college.pk)
            path = {"draft": [], "submitted": ["submitted"], "returned": ["submitted", "returned"],
                    "resubmitted": ["submitted", "returned", "resubmitted"],
                    "accepted": rng.choice([["submitted", "accepted"],
                                            ["submitted", "returned", "resubmitted", "accepted"]])}[status]
            steps, current, when = [], "draft", started
            for target in path:
                when += dt.timedelta(days=rng.randint(2, 15), hours=rng.randint(0, 6))
                actor = self.staff if target in ("returned", "accepted") else secretary
                steps.append((current, target, actor, when))
                current = target
            assessments.append(Assessment(
                round=self.round, unit=college, status=status, created_by=secretary, created_at=started,
                report="本学院对照基本要求逐项自查，情况如下。" * rng.randint(1, 8) if status != "draft" else "",
                submitted_at=next((w for _f, t, _a, w in reversed(steps) if t in ("submitted", "resubmitted")), None),
                accepted_at=steps[-1][3] if status == "accepted" else None, version=1 + len(steps)))
            paths.append(steps)
        assessments = _with_history(assessments, Assessment, when=lambda a: a.created_at, who=lambda a: a.created_by)
        transitions = [AssessmentTransition(assessment=a, from_status=f, to_status=t, actor=actor, at=at)
                       for a, steps in zip(assessments, paths, strict=True) for f, t, actor, at in steps]
        _plain(transitions, AssessmentTransition)
        entries = []
        for assessment in assessments:
            filed = assessment.status != "draft"
            reviewed = assessment.status in ("accepted", "returned")
            for item in items:
                if not filed and rng.random() < 0.5:
                    entries.append(AssessmentEntry(assessment=assessment, item=item))
                    continue
                score = self._score(item)
                below = item.counts_in_total and score < item.points
                review = (min(item.points, score) if rng.random() < 0.8 else self._score(item)) if reviewed else None
                entries.append(AssessmentEntry(
                    assessment=assessment, item=item, self_score=score,
                    gap=rng.choice(GAPS) if below else "", measure=rng.choice(MEASURES) if below else "",
                    owner=self._name() if below else "",
                    deadline=dt.date(2022, rng.randint(1, 12), 28) if below else None,
                    review_score=review, reviewed_by=self.staff if reviewed else None,
                    reviewed_at=assessment.accepted_at or (opened + dt.timedelta(days=60)) if reviewed else None,
                    review_comment="请补充佐证材料" if reviewed and rng.random() < 0.1 else "",
                    updated_by=assessment.created_by, updated_at=assessment.created_at + dt.timedelta(days=3),
                    version=2))
        entries = _with_history(entries, AssessmentEntry, when=lambda e: e.updated_at or e.assessment.created_at,
                                who=lambda e: e.assessment.created_by)
        evidence = [self._evidence(e.updated_by, e.updated_at, entry=e) for e in entries
                    if e.self_score is not None and rng.random() < 0.2]
        _with_history(evidence, EvidenceFile, when=lambda f: f.uploaded_at, who=lambda f: f.uploaded_by)
        reminders = [FilingReminder(round=self.round, unit=a.unit, recipients=a.unit.email or "ggw@example.edu.cn",
                                    status_then=a.status, sent_by=self.staff,
                                    sent_at=timezone.make_aware(dt.datetime(2021, 11, 25, 10, 0)))
                     for a in assessments if a.status in Assessment.EDITABLE]
        _plain(reminders, FilingReminder)
        # Every gap of an accepted assessment is on the rectification list (as accepting does in the services).
        rectifications = []
        for entry in entries:
            if entry.assessment.status == "accepted" and entry.item.counts_in_total and (
                    entry.final_score is not None and entry.final_score < entry.item.points):
                rectifications.append(self._rectification(
                    entry.assessment.unit, Rectification.Source.SELF_ASSESSMENT,
                    f"{entry.item.number}. {entry.gap or '未达满分'}", entry.measure,
                    entry.deadline or dt.date(2022, 3, 31), entry.assessment.accepted_at, entry=entry))
        for _ in range(max(2, len(self.colleges) // 2)):
            unit = rng.choice(self.colleges)
            opened_at = _moment(_day_between(rng, dt.date(2021, 10, 1), self.today - dt.timedelta(days=10)), rng)
            rectifications.append(self._rectification(
                unit, Rectification.Source.INSPECTION, f"校关工委督导检查意见：{rng.choice(GAPS)}",
                rng.choice(MEASURES), opened_at.date() + dt.timedelta(days=rng.randint(30, 240)), opened_at))
        self._save_rectifications(rectifications)
        self._count(Assessment, assessments)
        self._count(AssessmentEntry, entries)
        self._count(EvidenceFile, evidence)

    def _rectification(self, unit: OrgUnit, source: str, problem: str, measure: str, deadline: dt.date,
                       opened_at: dt.datetime, **owner) -> Rectification:
        rng = self.rng
        status = rng.choice(["open", "in_progress", "in_progress", "done", "verified", "verified"])
        closed = status in ("done", "verified")
        done_on = min(self.today, opened_at.date() + dt.timedelta(days=rng.randint(10, 200))) if closed else None
        return Rectification(
            institution=self.institution, unit=unit, source=source, problem=problem, measure=measure,
            deadline=deadline, status=status, note="已按期推进" if status != "open" else "",
            created_by=self.staff, created_at=opened_at, done_on=done_on,
            verified_by=self.staff if status == "verified" else None,
            verified_at=_moment(done_on, rng) if status == "verified" else None,
            version=1 + (status != "open") + closed, **owner)

    def _save_rectifications(self, rectifications: list[Rectification]) -> None:
        """The rows in their current state; history: created open, then one change when closed."""
        _plain(rectifications, Rectification)
        created, changed = [], []
        for rectification in rectifications:
            first = copy.copy(rectification)
            first.status, first.done_on, first.verified_by, first.verified_at, first.version = "open", None, None, \
                None, 1
            first._history_date, first._history_user = rectification.created_at, self.staff
            created.append(first)
            if rectification.status != "open":
                now = copy.copy(rectification)
                day = rectification.done_on or rectification.created_at.date() + dt.timedelta(days=7)
                now._history_date, now._history_user = _moment(day, self.rng), self.staff
                changed.append(now)
        Rectification.history.bulk_history_create(created, batch_size=BATCH)
        Rectification.history.bulk_history_create(changed, batch_size=BATCH, update=True)
        self._count(Rectification, rectifications)

    def _review(self) -> None:
        rng = self.rng
        [review] = _with_history([Review(institution=self.institution, name="2022年片区评议（基准）",
                                         zone=self.shared.zone, outcome="")], Review, when=lambda r: self.created)
        plan = [dt.date(2022, 3, 15), dt.date(2022, 5, 20), dt.date(2022, 9, 30), dt.date(2022, 12, 15),
                dt.date(2023, 1, 31)]
        steps = [ReviewStep(review=review, kind=kind, planned_on=day,
                            done_on=day + dt.timedelta(days=rng.randint(0, 10)) if i < 3 else None,
                            note="按计划完成" if i < 3 else "")
                 for i, (kind, day) in enumerate(zip(ReviewStep.ORDER, plan, strict=True))]
        _with_history(steps, ReviewStep, when=lambda s: self.created)
        opinions = _with_history([
            ReviewOpinion(review=review, text=f"评审意见{i + 1}：{gap}，建议限期整改。", author=self.staff,
                          created_at=timezone.make_aware(dt.datetime(2022, 5, 21, 15, i)))
            for i, gap in enumerate(rng.sample(GAPS, 3))], ReviewOpinion, when=lambda o: o.created_at)
        self._save_rectifications([
            self._rectification(self.committee, Rectification.Source.ZONE_REVIEW, opinion.text, "",
                                dt.date(2022, 9, 30), opinion.created_at, opinion=opinion)
            for opinion in opinions])


# --- The whole deployment ----------------------------------------------------------------------------


@dataclass
class Generated:
    """What a run made: universities added and skipped, and rows per model."""

    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


def generate(scale: float = 1, *, seed: int = DEFAULT_SEED, today: dt.date | None = None,
             progress: Callable[[str], None] | None = None, light_from: int | None = None) -> Generated:
    """Make the universities `scale` asks for, each in its own transaction; those already present are kept.
    From university `light_from` on (if given), each is LIGHT: the province's many universities in a few minutes."""
    count, size = universities_for(scale)
    today = today or timezone.localdate()
    result = Generated()
    shared = _shared_units()
    for index in range(1, count + 1):
        code = code_for(index)
        if Institution.objects.filter(code=code).exists():
            result.skipped.append(code)
            continue
        with transaction.atomic():
            university = University(index, seed, size_for(index, size, light_from), shared, today)
            university.build()
        university.counts.pop("evidence_made", None)
        result.counts.update(university.counts)
        result.added.append(code)
        if progress:
            progress(f"{code}: {sum(university.counts.values())} rows")
    return result
