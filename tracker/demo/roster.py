"""Demo roster: the four standing teams per university, and 12–40 retirees per college with memberships.

Deterministic (one `random.Random` per college, seeded by its name) and idempotent: a college that already
has people on its roster is left alone, so a second run creates nothing. Colleges differ on purpose: some
meet the quotas (participation ≥ 60 %, backbone ≥ 20 % of those taking part), some miss one or both, and the last
college of each university has no eligible retiree at all, so the quota pages show "no data" somewhere.
Every row is made through the same services users call.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from tracker.org.models import Institution, OrgUnit
from tracker.roster.models import Team, Volunteer
from tracker.roster.services import (
    VolunteerData,
    team_create,
    team_membership_add,
    team_membership_end,
    volunteer_create,
)

# The four corps every university keeps (苏大 二.3; CUMT 二(二)): name → what it does.
TEAMS = [
    ("社会主义核心价值观讲师团", "配合学院（部）开展多种形式的社会主义核心价值观教育。"),
    ("特邀党建组织员", "配合学院（部）党组织做好思想建设和组织建设工作。"),
    ("教学督导员", "配合学院（部）促进教风、学风建设。"),
    ("大学生成长导师", "配合学院（部）推进本科生“成长陪伴计划”。"),
]
# Which staff account makes each university's demo roster.
DEMO_STAFF = {"cumt": "staff", "suda": "suda_staff"}

SPECIALITIES = [
    "思想政治教育", "党建", "教学督导", "科研指导", "心理咨询", "就业指导", "书法", "摄影", "体育健身", "外语",
    "计算机", "安全生产", "采矿工程", "机械设计",
]
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎")
GIVEN_MALE = ["建国", "志强", "国华", "振华", "德明", "文斌", "永康", "家驹", "立新", "卫东", "宝林", "正义", "汉卿",
              "学军", "长青", "树人", "庆丰", "明远", "广平", "守仁"]
GIVEN_FEMALE = ["秀英", "桂兰", "玉珍", "淑华", "丽娟", "慧敏", "素芳", "雅琴", "凤仙", "美华", "文静", "春梅",
                "月英", "兰芝", "红霞", "佩玲"]
POSTS = ["教授", "副教授", "高级工程师", "研究员", "党委书记", "副院长", "处长", "副处长", "辅导员", "实验师",
         "讲师", "支部书记"]

# (share of the eligible who take part, share of those taking part who are backbone), chosen well away from the
# 60 % and 20 % lines so the demo is unambiguous. Cycled over each university's colleges.
PROFILES = [
    (0.75, 0.30),  # meets both
    (0.45, 0.10),  # misses both
    (0.70, 0.12),  # participation met, backbone missed
    (0.66, 0.25),  # meets both
    (0.50, 0.25),  # participation missed, backbone met
    (0.85, 0.40),  # meets both
    (0.30, 0.05),  # misses both
]
TEAM_JOINED = [dt.date(2019, 9, 1), dt.date(2020, 3, 1), dt.date(2020, 9, 1), dt.date(2021, 3, 1)]


def ensure_teams(actor, institution: Institution) -> list[Team]:
    """The four corps, made once per university."""
    existing = {team.name: team for team in Team.objects.filter(institution=institution)}
    teams = []
    for order, (name, description) in enumerate(TEAMS, start=1):
        team = existing.get(name) or team_create(
            actor=actor, institution=institution, name=name, description=description, order=order,
        )
        teams.append(team)
    return teams


def _person(rng: random.Random) -> tuple[str, str]:
    gender = rng.choice([Volunteer.Gender.MALE] * 3 + [Volunteer.Gender.FEMALE] * 2)
    given = GIVEN_MALE if gender == Volunteer.Gender.MALE else GIVEN_FEMALE
    return rng.choice(SURNAMES) + rng.choice(given), gender


def college_roster(institution: Institution, college: OrgUnit, index: int, *, no_eligible: bool) -> list[VolunteerData]:
    """The people of one college, drawn from a generator seeded by the college's name."""
    rng = random.Random(f"{institution.code}:{college.name}")
    size = rng.randint(12, 40)
    if no_eligible:
        eligible_total = 0
    else:
        eligible_total = max(5, round(size * rng.uniform(0.75, 0.95)))
    share, backbone_share = PROFILES[index % len(PROFILES)]
    # Round towards the profile's side of the line, so "meets" and "misses" hold after rounding.
    participating_total = math.ceil(share * eligible_total) if share >= 0.6 else math.floor(share * eligible_total)
    # Backbone is counted among those taking part, as the backbone_rate metric does ("among them").
    backbone_total = (math.ceil(backbone_share * participating_total) if backbone_share >= 0.2
                      else math.floor(backbone_share * participating_total))
    backbone_total = min(backbone_total, participating_total)
    people = []
    for number in range(size):
        name, gender = _person(rng)
        birth_year = rng.randint(1940, 1962)
        retired_year = min(birth_year + (60 if gender == Volunteer.Gender.MALE else 55), 2022)
        eligible = number < eligible_total
        participating = number < participating_total
        backbone = number < backbone_total
        if backbone:
            layer = Volunteer.Layer.CORE if number < max(1, backbone_total // 3) else Volunteer.Layer.BACKBONE
        elif participating:
            layer = Volunteer.Layer.PARTICIPATION
        else:
            layer = ""
        people.append(VolunteerData(
            unit=college,
            staff_number=f"{institution.code.upper()}{index + 1:02d}{number + 1:03d}",
            name=name,
            gender=gender,
            birth_year=birth_year,
            retired_year=retired_year,
            former_post=rng.choice(POSTS),
            former_unit=college.name if rng.random() < 0.8 else rng.choice(["图书馆", "教务处", "后勤集团", "校办"]),
            category=rng.choice([Volunteer.Category.TEACHER] * 4 + [Volunteer.Category.EXPERT] * 3
                                + [Volunteer.Category.CADRE] * 2 + [Volunteer.Category.SOLDIER,
                                                                    Volunteer.Category.MODEL]),
            party_member=rng.random() < 0.75,
            phone=f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
            layer=layer,
            eligible=eligible,
            participating=participating,
            backbone=backbone,
            active_from=dt.date(rng.choice([2018, 2019, 2020]), 9, 1) if participating else None,
            specialities=rng.sample(SPECIALITIES, rng.randint(1, 3)),
        ))
    return people


@transaction.atomic
def seed_roster_demo() -> None:
    """Teams, rosters and memberships for each demo university; colleges that have a roster are skipped."""
    User = get_user_model()
    for code, username in DEMO_STAFF.items():
        institution = Institution.objects.filter(code=code).first()
        actor = User.objects.filter(username=username).first()
        if institution is None or actor is None:
            continue
        teams = ensure_teams(actor, institution)
        colleges = list(OrgUnit.objects.filter(institution=institution, kind=OrgUnit.Kind.COLLEGE)
                        .order_by("order", "name"))
        filled = set(Volunteer.objects.filter(unit__in=colleges).values_list("unit_id", flat=True))
        for index, college in enumerate(colleges):
            if college.pk in filled:
                continue
            rng = random.Random(f"{institution.code}:{college.name}:teams")
            no_eligible = index == len(colleges) - 1
            for data in college_roster(institution, college, index, no_eligible=no_eligible):
                volunteer = volunteer_create(actor=actor, data=data)
                if not volunteer.participating:
                    continue
                # Backbone people serve in one or two corps, others now and then; a few have left one.
                count = rng.choice([1, 2]) if volunteer.backbone else (1 if rng.random() < 0.3 else 0)
                for team in rng.sample(teams, count):
                    membership = team_membership_add(
                        actor=actor, team=team, volunteer=volunteer, joined_on=rng.choice(TEAM_JOINED),
                    )
                    if rng.random() < 0.1:
                        team_membership_end(actor=actor, membership=membership, left_on=dt.date(2021, 12, 31))
