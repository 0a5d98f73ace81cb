"""Demo data for trying the portal: plausible units, one account per role, and some progress.

Never part of the seed fixtures. Every row is made through the same services users call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from tracker.org.models import Institution, OrgUnit, Profile
from tracker.org.services import profile_assign_role
from tracker.plans.models import Task, TaskParty
from tracker.plans.services import task_add_update

DEMO_PASSWORD = "demo12345"

COLLEGES = {
    "cumt": ["矿业工程学院", "安全工程学院", "力学与土木工程学院", "机电工程学院", "信息与控制工程学院",
             "资源与地球科学学院", "化工学院", "计算机科学与技术学院", "经济管理学院", "马克思主义学院"],
    "suda": ["文学院", "社会学院", "数学科学学院", "物理科学与技术学院", "材料与化学化工学部",
             "医学部", "计算机科学与技术学院", "东吴商学院"],
}
MEMBER_UNITS = ["组织部", "宣传部", "学生工作处", "离退休工作处", "团委", "工会", "妇委会", "教务处"]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str
    institution: str | None
    unit: str | None = None
    mailbox: str = ""  # issue 15: the account's e-mail, `<mailbox>@<institution code>.example.edu.cn`


ACCOUNTS = [
    DemoAccount("admin", "系统管理员", Profile.Role.ADMIN, None, mailbox="admin"),
    DemoAccount("staff", "王建国", Profile.Role.STAFF, "cumt", mailbox="wangjianguo"),
    DemoAccount("secretary", "李秀英", Profile.Role.SECRETARY, "cumt", "机电工程学院", mailbox="lixiuying"),
    DemoAccount("liaison", "张卫东", Profile.Role.LIAISON, "cumt", "离退休工作处", mailbox="zhangweidong"),
    DemoAccount("leader", "陈志强", Profile.Role.LEADER, "cumt", mailbox="chenzhiqiang"),
    DemoAccount("suda_staff", "周文华", Profile.Role.STAFF, "suda", mailbox="zhouwenhua"),
    DemoAccount("reviewer", "刘振华", Profile.Role.REVIEWER, "cumt", mailbox="liuzhenhua"),
]

# (issue 15) Every demo unit and account has an e-mail address, so that 催报 (a round's reminders) and the daily
# digest (`manage.py send_reminders`) send in the demo. Only example domains: `<mailbox>@<code>.example.edu.cn`, the
# institution's code for its subdomain (the administrator, of no institution, on the portal's: gwgw). Mailboxes
# are named as campus mailboxes are, by the unit's short name in pinyin initials (机电学院: jdxy).
DEMO_MAIL_DOMAIN = "example.edu.cn"
UNIT_MAILBOXES = {
    # 中国矿业大学's colleges
    "矿业工程学院": "kyxy", "安全工程学院": "aqxy", "力学与土木工程学院": "lmxy", "机电工程学院": "jdxy",
    "信息与控制工程学院": "xkxy", "资源与地球科学学院": "zyxy", "化工学院": "hgxy", "经济管理学院": "jgxy",
    "马克思主义学院": "mkxy",
    # 苏州大学's colleges
    "文学院": "wxy", "社会学院": "shxy", "数学科学学院": "sxxy", "物理科学与技术学院": "wlxy",
    "材料与化学化工学部": "clhxb", "医学部": "yxb", "东吴商学院": "dwsxy",
    # both: 计算机科学与技术学院, and the member units
    "计算机科学与技术学院": "jsjxy", "组织部": "zzb", "宣传部": "xcb", "学生工作处": "xgc", "离退休工作处": "ltc",
    "团委": "tw", "工会": "gh", "妇委会": "fwh", "教务处": "jwc",
}
KIND_MAILBOXES = {OrgUnit.Kind.PARTY_COMMITTEE: "dangwei", OrgUnit.Kind.SCHOOL_COMMITTEE: "ggw"}


def demo_address(mailbox: str, code: str | None) -> str:
    return f"{mailbox}@{code or 'gwgw'}.{DEMO_MAIL_DOMAIN}"


def ensure_unit_addresses(institution: Institution | None = None) -> None:
    """Give every unit of the institution, or of every institution (colleges, member units, committees), that has
    no e-mail an address: its mailbox by name, by kind for the committees, else `unit<id>` (a unit the demo made
    under a name not listed)."""
    units = (OrgUnit.objects.filter(institution__isnull=False, email="").exclude(kind__in=OrgUnit.OUTSIDE_KINDS)
             .select_related("institution"))
    if institution is not None:
        units = units.filter(institution=institution)
    for unit in units:
        mailbox = UNIT_MAILBOXES.get(unit.name) or KIND_MAILBOXES.get(unit.kind) or f"unit{unit.pk}"
        unit.email = demo_address(mailbox, unit.institution.code)
        unit.save(update_fields=["email"])


def ensure_account_addresses() -> None:
    """Give each demo account that has no e-mail its address (an address someone typed in the demo stays). Called
    by `seed_demo` once the records are committed (tracker/demo/seed.py says why)."""
    User = get_user_model()
    for account in ACCOUNTS:
        User.objects.filter(username=account.username, email="").update(
            email=demo_address(account.mailbox, account.institution))


# Minimal valid one-page PDF, so the demo's evidence opens in any reader.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def ensure_units(institution: Institution) -> None:
    """Colleges and member units under the institution's school committee, made once; every unit of the
    institution with an address."""
    committee = institution.units.filter(kind=OrgUnit.Kind.SCHOOL_COMMITTEE).first()
    for order, name in enumerate(COLLEGES[institution.code], start=1):
        OrgUnit.objects.get_or_create(
            institution=institution, name=name,
            defaults={"kind": OrgUnit.Kind.COLLEGE, "order": order, "parent": committee},
        )
    for order, name in enumerate(MEMBER_UNITS, start=1):
        OrgUnit.objects.get_or_create(
            institution=institution, name=name,
            defaults={"kind": OrgUnit.Kind.MEMBER_UNIT, "order": order, "parent": committee},
        )
    ensure_unit_addresses(institution)


def ensure_accounts() -> list[DemoAccount]:
    User = get_user_model()
    for account in ACCOUNTS:
        user, created = User.objects.get_or_create(username=account.username)
        if created:
            user.first_name = account.name
            user.set_password(DEMO_PASSWORD)
            user.save()
        institution = Institution.objects.get(code=account.institution) if account.institution else None
        unit = OrgUnit.objects.get(institution=institution, name=account.unit) if account.unit else None
        profile_assign_role(user=user, role=account.role, institution=institution, unit=unit)
    return ACCOUNTS


# (institution, phase order, task number) → list of (date, status, progress, note, with evidence)
PROGRESS = {
    ("cumt", 1, "1"): [
        (dt.date(2019, 6, 20), "done", 100, "党委常委会专题研究关工委优质化建设规划和部署。", True),
    ],
    ("cumt", 1, "2"): [
        (dt.date(2019, 4, 10), "in_progress", 50, "召开校关工委常务工作组会议，专题学习《意见》。", False),
        (dt.date(2019, 7, 5), "done", 100, "召开校关工委2019年度工作会议，传达《意见》精神；实施意见起草完成。", True),
    ],
    ("cumt", 1, "4"): [
        (dt.date(2020, 10, 28), "in_progress", 60, "举办2020年关工委骨干人员培训班，86人参加。", True),
    ],
    ("cumt", 1, "7"): [
        (dt.date(2021, 5, 12), "in_progress", 40, "完成两个菜单调研，11个校级平台按三有三化自查。", False),
    ],
    ("cumt", 2, "15"): [
        (dt.date(2021, 11, 18), "in_progress", 50, "邀请省高校关工委专家作优质化建设辅导报告。", False),
    ],
    ("cumt", 2, "17"): [
        (dt.date(2021, 12, 20), "in_progress", 30, "已有6个二级关工委提交对标找差材料和整改方案。", False),
    ],
    ("suda", 1, "1"): [
        (dt.date(2019, 11, 10), "done", 100, "校院两级关工委工作团队集中学习研讨两次。", True),
    ],
    ("suda", 2, "3"): [
        (dt.date(2020, 6, 30), "in_progress", 45, "讲师团、督导员队伍完成调整，各学院开始统计参与率。", False),
    ],
}


# Demo assignments of named member units to seed tasks: (institution, task number, unit, role).
NAMED_PARTIES = [
    ("cumt", "11", "离退休工作处", TaskParty.Role.LEAD),
    ("cumt", "4", "离退休工作处", TaskParty.Role.COOPERATING),
]


def ensure_named_parties() -> None:
    for code, number, unit_name, role in NAMED_PARTIES:
        unit = OrgUnit.objects.get(institution__code=code, name=unit_name)
        task = Task.objects.filter(stage__phase__plan__institution__code=code, number=number).first()
        if task is not None:
            TaskParty.objects.get_or_create(task=task, role=role, unit=unit, defaults={"kind": unit.kind})


def seed_plan_progress() -> None:
    """The demo's dated progress on the seed plans' tasks, reported by each institution's staff account."""
    User = get_user_model()
    reporters = {"cumt": User.objects.get(username="staff"), "suda": User.objects.get(username="suda_staff")}
    for (code, phase_order, number), entries in PROGRESS.items():
        task = Task.objects.filter(
            stage__phase__plan__institution__code=code, stage__phase__order=phase_order, number=number,
        ).with_schedule().first()
        if task is None or task.updates.exists():
            continue
        for day, status, progress, note, with_evidence in entries:
            task.refresh_from_db()
            files = []
            if with_evidence:
                files.append(SimpleUploadedFile(f"{task.title[:20]}佐证材料.pdf", DEMO_PDF, "application/pdf"))
            task_add_update(
                actor=reporters[code], task=task, loaded_version=task.version, date=day, note=note,
                status=status, progress=progress, files=files,
            )
