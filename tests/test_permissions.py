"""Every URL × every persona → the status that persona gets.

The rows are checked against the URLconf: a new URL pattern without a row here fails
`test_every_url_pattern_has_a_row`. The admin site's own pages are guarded by the admin (staff flag and
model permissions); its index stands for them here, and `test_admin_lists_only_own_institution` checks scoping.

A refused request (400, 403, 404, 405, or sent to sign in) must also leave nothing behind: the matrix compares what
the database and the media folder hold before and after it (tests/dbstate.py), and
`test_the_no_write_check_sees_a_write` shows that comparison sees each kind of write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

from tracker.assessments.models.assessments import Assessment
from tracker.plans.models import Task, TaskParty

from . import dbstate
from .conftest import PERSONAS, client_for
from .factories import (
    PDF_BYTES,
    ActivityFactory,
    AssessmentRoundFactory,
    EvidenceFileFactory,
    InstitutionFactory,
    MenuMatchFactory,
    NeedItemFactory,
    QuotaFactory,
    RectificationFactory,
    ResourceItemFactory,
    ReviewFactory,
    RosterImportFactory,
    StandardFactory,
    TaskUpdateFactory,
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
    VolunteerFactory,
    WorkPlatformFactory,
    api_token,
    fill_assessment,
    pdf_upload,
    scored_standard,
    standard_upload,
    start_assessment,
    stored_create_row,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Row:
    method: str
    args: Callable  # world → reverse() args
    expect: dict[str, int]
    data: Callable | None = None  # world → POST data


def everyone(status: int, **overrides: int) -> dict[str, int]:
    result = dict.fromkeys(PERSONAS, status)
    result.update(overrides)
    return result


def signed_in(status: int, **overrides: int) -> dict[str, int]:
    """Anonymous users are sent to the sign-in page; a reviewer is refused every page but the review file's;
    everyone else gets `status` unless overridden."""
    return everyone(status, **{"anonymous": 302, "reviewer": 403, **overrides})


def no_args(world):
    return []


def update_data(world):
    return {"version": 1, "date": "2021-10-01", "status": "in_progress", "progress": 10, "note": "权限测试"}


MATRIX: dict[str, Row] = {
    "login": Row("GET", no_args, everyone(302, anonymous=200)),
    "logout": Row("POST", no_args, everyone(302)),
    "set_language": Row("POST", no_args, everyone(302), lambda w: {"language": "en", "next": "/"}),
    # sign-in
    # (a reviewer keeps his own account: password, second factor)
    "account": Row("GET", no_args, signed_in(200, reviewer=200)),
    "password_change": Row("GET", no_args, signed_in(200, reviewer=200)),
    "otp_verify": Row("GET", no_args, signed_in(302, reviewer=302)),  # no device: nothing to verify, next page
    "otp_setup": Row("GET", no_args, signed_in(200, reviewer=200)),
    "otp_remove": Row("POST", no_args, signed_in(302, reviewer=302)),
    "cas_login": Row("GET", no_args, everyone(404)),  # single sign-on is off unless configured
    "admin:index": Row("GET", no_args, everyone(302, admin_user=200, staff=200, other_staff=200, reviewer=403)),
    # --- issue 15: 我的待办 --- every role lands on its to-do list (the reviewer too: his review file, his opinions)
    "tracker:home": Row("GET", no_args, signed_in(200, reviewer=200)),
    "tracker:plan-list": Row("GET", no_args, signed_in(200)),
    "tracker:plan-detail": Row("GET", lambda w: [w.plan.pk], signed_in(200, other_staff=404)),
    "tracker:task-detail": Row("GET", lambda w: [w.school_task.pk], signed_in(200, other_staff=404)),
    "tracker:task-update-create": Row(
        "POST", lambda w: [w.school_task.pk],
        signed_in(403, admin_user=302, staff=302, other_staff=404), update_data,
    ),
    "tracker:evidence-download": Row(
        "GET", lambda w: [EvidenceFileFactory(update=TaskUpdateFactory(task=w.school_task)).pk],
        signed_in(200, other_staff=404, reviewer=404),  # a reviewer downloads only the review file's evidence
    ),
    # roster and teams
    "tracker:volunteer-list": Row("GET", no_args, signed_in(200)),
    "tracker:volunteer-detail": Row(
        "GET", lambda w: [VolunteerFactory(unit=w.college).pk],
        signed_in(200, other_staff=404, other_secretary=404, liaison=404),
    ),
    "tracker:volunteer-create": Row(
        "POST", no_args, signed_in(302, other_staff=403, leader=403),
        lambda w: {"unit": w.college.pk, "staff_number": "P0001", "name": "周明", "eligible": "on"},
    ),
    "tracker:volunteer-update": Row(
        "POST", lambda w: [VolunteerFactory(unit=w.college).pk],
        signed_in(302, other_staff=404, other_secretary=404, liaison=404, leader=403),
        lambda w: {"version": 1, "unit": w.college.pk, "staff_number": "P0002", "name": "周明", "eligible": "on"},
    ),
    "tracker:roster-template": Row("GET", no_args, signed_in(200)),
    "tracker:roster-export": Row("GET", no_args, signed_in(200)),
    "tracker:roster-import": Row("GET", no_args, signed_in(200, other_staff=403, leader=403)),
    "tracker:roster-import-confirm": Row(
        "POST", lambda w: [RosterImportFactory(
            institution=w.institution, created_by=UserFactory(username="staff"),
            rows=[stored_create_row(w.college)],
        ).pk],
        signed_in(404, staff=302),  # only the uploader
    ),
    "tracker:team-list": Row("GET", no_args, signed_in(200)),
    "tracker:team-detail": Row(
        "GET", lambda w: [TeamFactory(institution=w.institution).pk], signed_in(200, other_staff=404),
    ),
    "tracker:team-membership-add": Row(
        "POST", lambda w: [TeamFactory(institution=w.institution).pk],
        # the volunteer is not among the other secretary's or the liaison's people: a form error
        signed_in(302, other_staff=404, other_secretary=400, liaison=400, leader=403),
        lambda w: {"volunteer": VolunteerFactory(unit=w.college).pk, "joined_on": "2021-09-01"},
    ),
    "tracker:team-membership-end": Row(
        "POST", lambda w: (lambda m: [m.team_id, m.pk])(TeamMembershipFactory(
            team=TeamFactory(institution=w.institution), volunteer=VolunteerFactory(unit=w.college),
        )),
        signed_in(302, other_staff=404, other_secretary=404, liaison=404, leader=403),
        lambda w: {"left_on": "2021-10-01"},
    ),
    # platforms and ledger
    "tracker:platform-list": Row("GET", no_args, signed_in(200)),
    "tracker:platform-detail": Row(
        "GET", lambda w: [WorkPlatformFactory(owner=w.college).pk], signed_in(200, other_staff=404),
    ),
    "tracker:platform-create": Row(
        "POST", no_args,
        # another college is not among the other secretary's owners: a form error; the liaison, the leader
        # and the other institution's staff (no units in this world) keep no unit that can own a platform
        signed_in(302, other_staff=403, other_secretary=400, liaison=403, leader=403),
        lambda w: {"name": "青蓝工程平台", "level": "college", "owner": w.college.pk, "brand": "none"},
    ),
    "tracker:platform-update": Row(
        "POST", lambda w: [WorkPlatformFactory(owner=w.college).pk],
        signed_in(302, other_staff=404, other_secretary=403, liaison=403, leader=403),
        lambda w: {"version": 1, "name": "青蓝工程平台", "level": "college", "owner": w.college.pk,
                   "brand": "none"},
    ),
    "tracker:activity-list": Row("GET", no_args, signed_in(200)),
    "tracker:activity-detail": Row(
        "GET", lambda w: [ActivityFactory(unit=w.college).pk],
        signed_in(200, other_staff=404, other_secretary=404, liaison=404),
    ),
    "tracker:activity-create": Row(
        "POST", no_args,
        # another college is not among the other secretary's or the liaison's units: a form error
        signed_in(302, other_staff=403, other_secretary=400, liaison=400, leader=403),
        lambda w: {"unit": w.college.pk, "date": "2021-06-18", "kind": "study", "title": "学习会",
                   "retiree_count": 0, "youth_count": 0},
    ),
    "tracker:activity-update": Row(
        "POST", lambda w: [ActivityFactory(unit=w.college).pk],
        signed_in(302, other_staff=404, other_secretary=404, liaison=404, leader=403),
        lambda w: {"version": 1, "unit": w.college.pk, "date": "2021-06-18", "kind": "study", "title": "学习会",
                   "retiree_count": 5, "youth_count": 0},
    ),
    "tracker:activity-export": Row("GET", no_args, signed_in(200)),
    # double menus
    "tracker:menu-board": Row("GET", no_args, signed_in(200)),
    "tracker:need-create": Row(
        "POST", no_args,
        # another college is not among the other secretary's or the liaison's units: a form error
        signed_in(302, other_staff=403, other_secretary=400, liaison=400, leader=403),
        lambda w: {"unit": w.college.pk, "audience": "students", "title": "考研经验分享", "new_tags": "学业指导"},
    ),
    "tracker:resource-create": Row(
        "POST", no_args,
        signed_in(302, other_staff=403, other_secretary=400, liaison=400, leader=403),
        lambda w: {"volunteer": VolunteerFactory(unit=w.college).pk, "title": "党史专题讲座"},
    ),
    "tracker:match-create": Row(
        "POST", no_args,
        signed_in(302, other_staff=404, other_secretary=404, liaison=404, leader=403),
        lambda w: {"resource": ResourceItemFactory(volunteer__unit=w.college).pk,
                   "need": NeedItemFactory(unit=w.college).pk},
    ),
    "tracker:match-detail": Row(
        "GET", lambda w: [MenuMatchFactory(need__unit=w.college).pk],
        signed_in(200, other_staff=404, other_secretary=404, liaison=404),
    ),
    "tracker:match-advance": Row(
        "POST", lambda w: [MenuMatchFactory(need__unit=w.college).pk],
        signed_in(302, other_staff=404, other_secretary=404, liaison=404, leader=403),
        lambda w: {"version": 1, "status": "agreed", "feedback": "已约定时间"},
    ),
    # quotas
    "tracker:quota-list": Row("GET", no_args, signed_in(200)),
    "tracker:quota-detail": Row(
        "GET", lambda w: [QuotaFactory(institution=w.institution).pk], signed_in(200, other_staff=404),
    ),
    "tracker:quota-entry-create": Row(
        "POST", lambda w: [QuotaFactory(institution=w.institution, metric="manual", comparator="eq",
                                              target=1).pk],
        # the other secretary may enter values, but for her own college only: a form error
        signed_in(302, other_staff=404, other_secretary=400, liaison=403, leader=403),
        lambda w: {"unit": w.college.pk, "value": "1", "note": "制度汇编", "evidence": pdf_upload()},
    ),
    # standards
    "tracker:standard-list": Row("GET", no_args, signed_in(200)),
    "tracker:standard-detail": Row(
        "GET", lambda w: [StandardFactory(institution=w.institution).pk], signed_in(200, other_staff=404),
    ),
    "tracker:standard-export": Row(
        "GET", lambda w: [StandardFactory(institution=w.institution).pk], signed_in(200, other_staff=404),
    ),
    "tracker:standard-import": Row(
        "POST", no_args,
        # staff (their own institution) and administrators (shared) get the preview; other roles may not import
        signed_in(200, secretary=403, other_secretary=403, liaison=403, leader=403),
        lambda w: {"name": "二级关工委工作基本要求", "level": "college", "source_document": "省关工委",
                   "file": standard_upload()},
    ),
    "tracker:standard-import-confirm": Row(
        "POST", no_args,
        # a value not signed by the server is refused with a message (400); other roles may not import at all
        signed_in(400, secretary=403, other_secretary=403, liaison=403, leader=403),
        lambda w: {"payload": "not-signed"},
    ),
    # self-assessments
    "tracker:round-list": Row("GET", no_args, signed_in(200)),
    "tracker:round-create": Row(
        "POST", no_args,
        # the other institution's staff may open rounds, but not with this institution's standard: a form error
        signed_in(302, other_staff=400, secretary=403, other_secretary=403, liaison=403, leader=403),
        lambda w: {"institution": w.institution.pk, "name": "2022年对标找差", "due_on": "2022-06-30",
                   "standard": scored_standard(w.institution).pk, "report_max_chars": 2000},
    ),
    "tracker:round-board": Row(
        "GET", lambda w: [AssessmentRoundFactory(institution=w.institution).pk],
        # a secretary opens her own college's assessment instead; a liaison's unit does not file
        signed_in(200, other_staff=404, secretary=403, other_secretary=403, liaison=403),
    ),
    "tracker:round-remind": Row(
        "POST", lambda w: [AssessmentRoundFactory(institution=w.institution).pk],
        signed_in(302, other_staff=404, secretary=403, other_secretary=403, liaison=403, leader=403),
    ),
    "tracker:assessment-start": Row(
        "POST", lambda w: [AssessmentRoundFactory(institution=w.institution).pk],
        # a college files its own: only its secretary starts it (staff start the school committee's)
        signed_in(302, admin_user=403, staff=403, other_staff=404, other_secretary=403, liaison=403, leader=403),
        lambda w: {"unit": w.college.pk},
    ),
    "tracker:assessment-detail": Row(
        "GET", lambda w: [start_assessment(w.college, AssessmentRoundFactory(institution=w.institution)).pk],
        signed_in(200, other_staff=404, other_secretary=404, liaison=404),
    ),
    "tracker:assessment-item": Row(
        "POST", lambda w: [(a := start_assessment(w.college, AssessmentRoundFactory(institution=w.institution))).pk,
                           a.entries.get(item__number="1").pk],
        signed_in(302, admin_user=403, staff=403, other_staff=404, other_secretary=404, liaison=404, leader=403),
        lambda w: {"version": 1, "self_score": "10.00"},
    ),
    "tracker:assessment-item-review": Row(
        # a submitted assessment: [its pk, its first item's pk] (the status update's count is dropped)
        "POST", lambda w: [(a := start_assessment(w.college, AssessmentRoundFactory(institution=w.institution))).pk,
                           a.entries.get(item__number="1").pk,
                           Assessment.objects.filter(pk=a.pk).update(status="submitted")][:2],
        signed_in(302, other_staff=404, other_secretary=404, liaison=404, secretary=403, leader=403),
        lambda w: {"version": 1, "review_score": "10.00", "review_comment": "权限测试"},
    ),
    "tracker:assessment-report": Row(
        "POST", lambda w: [start_assessment(w.college, AssessmentRoundFactory(institution=w.institution)).pk],
        signed_in(302, admin_user=403, staff=403, other_staff=404, other_secretary=404, liaison=404, leader=403),
        lambda w: {"version": 1, "report": "权限测试"},
    ),
    "tracker:assessment-transition": Row(
        "POST", lambda w: [fill_assessment(start_assessment(
            w.college, AssessmentRoundFactory(institution=w.institution))).pk],
        signed_in(302, admin_user=403, staff=403, other_staff=404, other_secretary=404, liaison=404, leader=403),
        lambda w: {"action": "submit", "version": 1},
    ),
    # rectifications and reviews
    "tracker:rectification-list": Row("GET", no_args, signed_in(200)),
    "tracker:rectification-create": Row(
        "POST", no_args,
        # the other institution's staff may enter opinions, but not for this institution's college: a form error
        signed_in(302, other_staff=400, secretary=403, other_secretary=403, liaison=403, leader=403),
        lambda w: {"unit": w.college.pk, "source": "inspection", "problem": "台账不完整", "deadline": "2099-06-30"},
    ),
    "tracker:rectification-detail": Row(
        "GET", lambda w: [RectificationFactory(unit=w.college).pk],
        signed_in(200, other_staff=404, other_secretary=404, liaison=404),
    ),
    "tracker:rectification-advance": Row(
        "POST", lambda w: [RectificationFactory(unit=w.college).pk],
        signed_in(302, other_staff=404, other_secretary=404, liaison=404, leader=403),
        lambda w: {"version": 1, "status": "in_progress", "note": "权限测试"},
    ),
    "tracker:rectification-reassign": Row(
        "POST", lambda w: [RectificationFactory(unit=w.college).pk],
        signed_in(302, other_staff=404, secretary=403, other_secretary=404, liaison=404, leader=403),
        lambda w: {"version": 1, "unit": w.other_college.pk, "measure": "权限测试", "deadline": "2099-06-30"},
    ),
    "tracker:review-list": Row("GET", no_args, signed_in(200, secretary=403, other_secretary=403, liaison=403,
                                                         reviewer=200)),
    "tracker:review-create": Row(
        "POST", no_args,
        # staff open a review of their own institution (the institution field is for administrators)
        signed_in(302, secretary=403, other_secretary=403, liaison=403, leader=403),
        lambda w: {"institution": w.institution.pk, "name": "2022年片区评议"},
    ),
    "tracker:review-detail": Row(
        "GET", lambda w: [ReviewFactory(institution=w.institution).pk],
        signed_in(200, other_staff=404, secretary=404, other_secretary=404, liaison=404, reviewer=200),
    ),
    "tracker:review-step": Row(
        "POST", lambda w: [(r := ReviewFactory(institution=w.institution)).pk, r.steps.get(kind="apply").pk],
        signed_in(302, other_staff=404, secretary=404, other_secretary=404, liaison=404, leader=403),
        lambda w: {"version": 1, "planned_on": "2022-03-01"},
    ),
    "tracker:review-opinion-create": Row(
        "POST", lambda w: [ReviewFactory(institution=w.institution).pk],
        signed_in(302, other_staff=404, secretary=404, other_secretary=404, liaison=404, leader=403, reviewer=302),
        lambda w: {"text": "权限测试意见"},
    ),
    # reminders
    "tracker:reminder-list": Row("GET", no_args, signed_in(200)),  # a reviewer: 403 (ReviewerScopeMiddleware)
    # dashboard, reports and snapshots
    "tracker:dashboard": Row("GET", no_args, signed_in(200, secretary=302, other_secretary=302, liaison=403)),
    "tracker:dashboard-college": Row(
        "GET", lambda w: [w.college.pk],
        signed_in(200, other_staff=404, other_secretary=404, liaison=404),  # a secretary: her own college only
    ),
    "tracker:dashboard-export": Row("GET", no_args,
                                    signed_in(200, secretary=403, other_secretary=403, liaison=403)),
    "tracker:annual-report": Row("GET", no_args, signed_in(200, secretary=403, other_secretary=403, liaison=403)),
    "tracker:review-file": Row("GET", no_args, signed_in(200, secretary=403, other_secretary=403, liaison=403)),
    "tracker:snapshot-list": Row(
        "POST", no_args,
        # committee staff freeze figures (each their own institution's); leaders read them
        signed_in(302, secretary=403, other_secretary=403, liaison=403, leader=403),
        lambda w: {"name": "2021年度汇报数据"},
    ),
    "tracker:snapshot-detail": Row(
        "GET", lambda w: [snapshot_of(w).pk],
        signed_in(200, other_staff=404, secretary=403, other_secretary=403, liaison=403),
    ),
    "tracker:snapshot-export": Row(
        "GET", lambda w: [snapshot_of(w).pk],
        signed_in(200, other_staff=404, secretary=403, other_secretary=403, liaison=403),
    ),
    "tracker:plan-export": Row("GET", lambda w: [w.plan.pk], signed_in(200, other_staff=404)),
    # --- set-up (tracker/setup) ---
    # Committee staff (their own institution) and the administrator (any); every other role 403; the other
    # institution's staff 404 on this institution's units and accounts (his own are empty: the lists open).
    "tracker:setup": Row("GET", no_args, signed_in(403, admin_user=200, staff=200, other_staff=200)),
    "tracker:setup-institution-create": Row(
        "POST", no_args, signed_in(403, admin_user=200),  # the page with the first account's one-time link
        lambda w: {"name": "江苏测试学院", "short_name": "江测", "code": "jstest", "full_name": "上官婉清",
                   "username": "shangguan", "email": ""},
    ),
    "tracker:setup-unit-list": Row("GET", no_args, signed_in(403, admin_user=200, staff=200, other_staff=200)),
    "tracker:setup-unit-create": Row(
        "POST", no_args, signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"institution": w.institution.pk, "kind": "college", "name": "测绘与地理信息学院", "order": ""},
    ),
    "tracker:setup-unit-update": Row(
        "POST", lambda w: [w.other_member_unit.pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1, "name": "共青团委员会", "short_name": "团委", "email": "", "order": 2},
    ),
    "tracker:setup-unit-move": Row(
        "POST", lambda w: [w.other_college.pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1, "direction": "down"},
    ),
    "tracker:setup-unit-retire": Row(
        "POST", lambda w: [w.other_member_unit.pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1},
    ),
    "tracker:setup-unit-restore": Row(
        "POST", lambda w: [setup_retired_unit(w).pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1},
    ),
    "tracker:setup-account-list": Row("GET", no_args, signed_in(403, admin_user=200, staff=200, other_staff=200)),
    "tracker:setup-account-create": Row(
        "POST", no_args, signed_in(403, admin_user=200, staff=200, other_staff=404),  # 200: the link page
        lambda w: {"institution": w.institution.pk, "full_name": "欧阳晓明", "username": "ouyang.xm", "email": "",
                   "role": "leader", "unit": ""},
    ),
    "tracker:setup-account-update": Row(
        "POST", lambda w: [setup_account(w).pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"full_name": "欧阳晓明", "username": "ouyang.xm", "email": "", "role": "leader", "unit": ""},
    ),
    "tracker:setup-account-link": Row(
        "POST", lambda w: [setup_account(w).pk], signed_in(403, admin_user=200, staff=200, other_staff=404),
    ),
    "tracker:setup-account-deactivate": Row(
        "POST", lambda w: [setup_account(w).pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
    ),
    "tracker:setup-account-reactivate": Row(
        "POST", lambda w: [setup_account(w, active=False).pk],
        signed_in(403, admin_user=302, staff=302, other_staff=404),
    ),
    "tracker:setup-template": Row("GET", no_args, signed_in(403, admin_user=200, staff=200, other_staff=200)),
    "tracker:setup-import": Row(
        "POST", no_args, signed_in(403, admin_user=200, staff=200, other_staff=404),  # 200: the preview
        lambda w: {"institution": w.institution.pk, "file": setup_import_file()},
    ),
    "tracker:setup-import-confirm": Row(
        "POST", no_args,
        # a value not signed by the server is refused with a message (400); other roles may not set up at all
        signed_in(403, admin_user=400, staff=400, other_staff=400), lambda w: {"payload": "not-signed"},
    ),
    # --- plan editor (tracker/plans/editor.py) ---
    # Committee staff of the plan's institution and the administrator edit; the other institution's staff get a
    # 404 (his own institution's new plan: 302); every other role a 403.
    "tracker:plan-create": Row(
        "POST", no_args, signed_in(403, admin_user=302, staff=302, other_staff=302),
        lambda w: {"title": "权限测试新计划", "issued_on": "2025-03-01"},
    ),
    "tracker:plan-editor": Row(
        "GET", lambda w: [w.plan.pk], signed_in(403, admin_user=200, staff=200, other_staff=404),
    ),
    "tracker:plan-update": Row(
        "POST", lambda w: [w.plan.pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1, "title": "权限测试改名", "issued_on": "2020-05-25"},
    ),
    "tracker:phase-create": Row(
        "POST", lambda w: [w.plan.pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"name": "巩固提升年"},
    ),
    "tracker:task-create": Row(
        "POST", lambda w: [w.plan.pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"placement": f"phase-{w.school_task.stage.phase_id}", "number": "99", "title": "权限测试任务",
                   "lead": ["kind:college"]},
    ),
    "tracker:work-area-create": Row(
        "POST", lambda w: [w.plan.pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"name": "队伍建设"},
    ),
    "tracker:phase-update": Row(
        "POST", lambda w: [w.school_task.stage.phase_id], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1, "name": "合格评审年（改）"},
    ),
    "tracker:phase-move": Row(
        "POST", lambda w: [editor_phase(w).pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1, "direction": "up"},
    ),
    "tracker:phase-delete": Row(
        "POST", lambda w: [editor_phase(w).pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1},
    ),
    "tracker:stage-create": Row(
        "POST", lambda w: [w.school_task.stage.phase_id], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"goal": "巩固成果"},
    ),
    "tracker:stage-update": Row(
        "POST", lambda w: [w.school_task.stage_id], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1, "goal": "校院协同（改）"},
    ),
    "tracker:stage-move": Row(
        "POST", lambda w: [editor_stage(w).pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1, "direction": "up"},
    ),
    "tracker:stage-delete": Row(
        "POST", lambda w: [editor_stage(w).pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1},
    ),
    "tracker:task-edit": Row(
        "POST", lambda w: [w.college_task.pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1, "placement": f"stage-{w.college_task.stage_id}", "number": "17",
                   "title": "二级关工委对标找差（改）", "lead": ["kind:college"]},
    ),
    "tracker:task-move": Row(
        "POST", lambda w: [w.college_task.pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1, "direction": "up"},
    ),
    "tracker:task-delete": Row(
        "POST", lambda w: [w.unit_task.pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1},
    ),
    "tracker:work-area-rename": Row(
        "POST", lambda w: [editor_area(w).pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"loaded_name": "平台建设", "name": "阵地建设"},
    ),
    "tracker:work-area-move": Row(
        "POST", lambda w: [editor_area(w).pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"loaded_name": "平台建设", "direction": "up"},
    ),
    "tracker:work-area-delete": Row(
        "POST", lambda w: [editor_area(w).pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"loaded_name": "平台建设"},
    ),
    # --- plan import (推进表 from Excel) ---
    # Committee staff (their own institution, by default) and the administrator; every other role 403; another
    # institution's staff asking for this one: 404 (tests/test_plan_import.py).
    "tracker:plan-import": Row("GET", no_args, signed_in(403, admin_user=200, staff=200, other_staff=200)),
    "tracker:plan-import-template": Row("GET", no_args, signed_in(403, admin_user=200, staff=200, other_staff=200)),
    "tracker:plan-import-confirm": Row(
        "POST", no_args, signed_in(403, admin_user=400, staff=400, other_staff=400),
        lambda w: {"payload": "not-signed", "title": "导入的计划", "issued_on": "2023-02-01"},
    ),
    # the one-time link to set a password: open to everyone, the signed-out first (a bad token: the page says so)
    "password_set": Row("GET", lambda w: ["MQ", "not-a-token"], everyone(200)),
    # --- copy forward (issue 14.5) ---
    # Committee staff (their own institution's records) and the administrator copy; another institution's plan or
    # round is a 404; every other role of the institution a 403 (a standard is readable by all: a 403 for them).
    "tracker:plan-copy": Row(
        "POST", lambda w: [w.plan.pk],
        signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"title": "权限测试新周期计划", "issued_on": "2025-03-01", "shift_by": 4, "shift_unit": "years"},
    ),
    "tracker:standard-copy": Row(
        "POST", lambda w: [StandardFactory(institution=w.institution).pk],
        signed_in(403, admin_user=302, staff=302, other_staff=404), lambda w: {"name": "权限测试新周期标准"},
    ),
    "tracker:round-copy": Row(
        "POST", lambda w: [AssessmentRoundFactory(institution=w.institution).pk],
        signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"name": "权限测试新周期轮次", "shift_by": 1, "shift_unit": "years"},
    ),
    # --- API tokens (tracker/api) ---
    # Everyone signed in keeps their own tokens (a reviewer too: "his own account"); the key is shown on the page
    # (200). A token is revoked by its owner only (another's is a 404). The API's own matrix:
    # tests/test_api_permissions.py.
    "api_tokens": Row("POST", no_args, signed_in(200, reviewer=200), lambda w: {"name": "校数据平台"}),
    "api_token_revoke": Row(
        "POST", lambda w: [api_token(UserFactory(username="staff"))[0].pk], signed_in(404, staff=302, reviewer=404),
    ),
    # --- issue 18, health: the load balancer's /healthz answers everyone, signed in or not (it shows no data;
    # tests/test_health.py) ---
    "healthz": Row("GET", no_args, everyone(200)),
    # --- issue 15: my notifications. Everyone signed in has their own list (a reviewer too); opening a notification
    # is its recipient's alone (the first institution's staff account here): anyone else's is a 404 ---
    "tracker:notification-list": Row("GET", no_args, signed_in(200, reviewer=200)),
    "tracker:notification-open": Row("GET", lambda w: [notification_of(w).pk], signed_in(404, staff=302, reviewer=404)),
    "tracker:notification-mark-read": Row("POST", no_args, signed_in(302, reviewer=302)),
    "tracker:notification-mail-choice": Row("POST", no_args, signed_in(302, reviewer=302),
                                            lambda w: {"mail": ["assessment_returned"]}),
    # --- issue 15: group robots and the delivery log (set-up). Committee staff (their own institution) and the
    # administrator; every other role 403; the other institution's staff 404 on this institution's robots (his own
    # lists open, empty). The robot's address is never called: the test send waits for a commit that never comes,
    # and its address would be refused before any POST (http, not allowed outside tests/test_webhooks.py) ---
    "tracker:webhook-list": Row("GET", no_args, signed_in(403, admin_user=200, staff=200, other_staff=200)),
    "tracker:webhook-create": Row(
        "POST", no_args, signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"institution": w.institution.pk, "name": "权限测试工作群", "kind": "wecom", "unit": "",
                   "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=permission-matrix", "active": "on"},
    ),
    "tracker:webhook-update": Row(
        "POST", lambda w: [robot_of(w).pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1, "name": "权限测试工作群（改）", "kind": "wecom", "unit": w.college.pk,
                   "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=permission-matrix", "active": "on"},
    ),
    "tracker:webhook-delete": Row(
        "POST", lambda w: [robot_of(w).pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
        lambda w: {"version": 1},
    ),
    "tracker:webhook-test": Row(
        "POST", lambda w: [robot_of(w).pk], signed_in(403, admin_user=302, staff=302, other_staff=404),
    ),
    "tracker:delivery-log": Row("GET", no_args, signed_in(403, admin_user=200, staff=200, other_staff=200)),
    # --- exports as jobs (issue 18, the task queue) ---
    # Whoever reads the dashboard (administrator, committee staff, leaders) exports; every other role 403. A job is
    # its asker's own: anyone else's (the administrator's too) is a 404, like another institution's.
    "tracker:export-list": Row("GET", no_args, signed_in(403, admin_user=200, staff=200, other_staff=200, leader=200)),
    "tracker:export-start": Row(
        "POST", no_args, signed_in(403, admin_user=302, staff=302, other_staff=404, leader=302),
        lambda w: {"kind": "institution", "institution": w.institution.pk},
    ),
    "tracker:export-job": Row(
        "GET", lambda w: [export_job_of(w).token],
        signed_in(403, admin_user=404, staff=200, other_staff=404, leader=404),
    ),
    "tracker:export-download": Row(
        "GET", lambda w: [export_job_of(w, done=True).token],
        signed_in(403, admin_user=404, staff=200, other_staff=404, leader=404),
    ),
}


def robot_of(world):
    """A group robot of the first institution's college (issue 15), on an address no send would ever call."""
    from tracker.notifications.models import Webhook

    return Webhook.objects.create(institution=world.institution, unit=world.college, kind="wecom",
                                  name="机电学院关工委工作群", url="http://127.0.0.1:9/never-called")


def notification_of(world):
    """A notification of the first institution's staff account (issue 15)."""
    from tracker.notifications.models import Notification

    return Notification.objects.create(recipient=UserFactory(username="staff"), kind="assessment_submitted",
                                       event="权限测试", institution=world.institution, title="权限测试",
                                       path="/")


def export_job_of(world, *, done: bool = False):
    """An export job of the first institution's staff account (issue 18); done, with its file stored."""
    from tracker.reporting.models import ExportJob

    job = ExportJob.objects.create(requested_by=UserFactory(username="staff"), kind="institution",
                                   institution=world.institution)
    if done:
        name = default_storage.save(f"exports/{job.token}.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
        ExportJob.objects.filter(pk=job.pk).update(status="done", file=name, size=22)
    return job


def editor_phase(world):
    """An empty second phase of the first institution's plan, for the plan editor's rows."""
    from .factories import PhaseFactory

    return PhaseFactory(plan=world.plan, order=2, name="巩固提升年", start_date=None, end_date=None)


def editor_stage(world):
    from .factories import StageFactory

    return StageFactory(phase=world.school_task.stage.phase, order=2, goal="巩固成果")


def editor_area(world):
    from tracker.plans.models import WorkArea

    return WorkArea.objects.create(plan=world.plan, order=1, name="平台建设")


def setup_account(world, *, active: bool = True):
    """An account of the first institution, below the administrator (a leader), for the set-up rows."""
    from .factories import ProfileFactory

    return ProfileFactory(role="leader", institution=world.institution, user__username="zhuge.my",
                          user__is_active=active).user


def setup_retired_unit(world):
    from .factories import OrgUnitFactory

    return OrgUnitFactory(institution=world.institution, kind="member_unit", name="原校史馆",
                          retired_on=dt.date(2021, 7, 1))


def setup_import_file():
    from .factories import setup_upload

    return setup_upload([["委员单位", "档案馆", None, None, None]], [["东方雪", "dongfang", None, "校领导", None]])


def snapshot_of(world):
    from tracker.org.jsondata import to_json
    from tracker.reporting.dashboard import build_dashboard
    from tracker.reporting.models import ReportSnapshot

    day = dt.date(2021, 12, 31)
    return ReportSnapshot.objects.create(institution=world.institution, name="权限测试快照", as_of=day,
                                         data=to_json(build_dashboard(world.institution, day)),
                                         created_by=UserFactory(username="snapshot_maker"))


def url_names(patterns, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace == "admin":
                names.add("admin:index")
                continue
            if pattern.namespace == "api":
                continue  # the JSON API has its own matrix (tests/test_api_permissions.py)
            names |= url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_pattern_has_a_row():
    assert url_names(get_resolver().url_patterns) == set(MATRIX)


REFUSALS = {400, 403, 404, 405}
SIGN_IN_PAGES = {"login", "admin:login"}


def is_refusal(name: str, response) -> bool:
    """A 400, 403, 404 or 405, or a redirect to a sign-in page (other than signing out, which ends there)."""
    if response.status_code in REFUSALS:
        return True
    if response.status_code != 302 or name == "logout":
        return False
    try:
        return resolve(urlsplit(response["Location"]).path).view_name in SIGN_IN_PAGES
    except Resolver404:
        return False


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(request, world, name, persona):
    """Each persona gets the row's status, and a refused request leaves the database and the stored files as they
    were (whatever the row's set-up made is there before the request is sent)."""
    row = MATRIX[name]
    user = request.getfixturevalue(persona)
    client = client_for(user)
    url = reverse(name, args=row.args(world))
    data = row.data(world) if row.data else {}
    before = dbstate.take()
    response = client.post(url, data) if row.method == "POST" else client.get(url)
    assert response.status_code == row.expect[persona], f"{name} as {persona}"
    if persona == "anonymous" and response.status_code == 302 and name not in ("logout", "set_language"):
        assert "/login/" in response["Location"]
    if is_refusal(name, response):
        found = dbstate.changes(before, dbstate.take())
        assert not found, f"{name} as {persona} was refused ({response.status_code}) but wrote: {found}"


def stray_file(world) -> None:
    default_storage.save("evidence/stray.pdf", ContentFile(PDF_BYTES))


# A write of each kind the no-write check must see → the table (or file) it must name.
WRITES: dict[str, tuple[Callable, str]] = {
    "row created": (lambda w: InstitutionFactory(code="stray"), "tracker.Institution:"),
    "evidence file": (lambda w: EvidenceFileFactory(update=TaskUpdateFactory(task=w.school_task)),
                      "tracker.EvidenceFile:"),
    "saved as it was (history grows)": (lambda w: w.school_task.save(), "tracker.HistoricalTask:"),
    "version moved, no history": (
        lambda w: Task.objects.filter(pk=w.school_task.pk).update(version=F("version") + 1), "tracker.Task:"),
    "row deleted": (lambda w: TaskParty.objects.filter(task=w.college_task).delete(), "tracker.TaskParty:"),
    "file stored": (stray_file, "file added or changed: evidence/stray.pdf"),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_the_no_write_check_sees_a_write(world, write):
    action, named = WRITES[write]
    before = dbstate.take()
    action(world)
    assert any(line.startswith(named) for line in dbstate.changes(before, dbstate.take()))


def test_the_no_write_check_sees_nothing_when_a_page_is_only_read(world, staff):
    client = client_for(staff)
    before = dbstate.take()
    assert client.get(reverse("tracker:plan-detail", args=[world.plan.pk])).status_code == 200
    assert dbstate.changes(before, dbstate.take()) == []


def test_admin_lists_only_own_institution(world, staff):
    client = client_for(staff)
    html = client.get(reverse("admin:tracker_task_changelist")).content.decode()
    assert world.school_task.title in html and world.other_task.title not in html
    other = reverse("admin:tracker_task_change", args=[world.other_task.pk])
    assert client.get(other).status_code in (302, 404)
