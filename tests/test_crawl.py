"""A crawl of the portal on the demo: every page for every demo object as every demo account, and every admin page
for every demo object as the accounts that use the admin. No page may answer 500.

Every object is crawled, except in the demo's four large tables (volunteers, ledger entries, platforms' edit forms,
evidence), where the first object of every unit (and kind, layer or state, where pages differ by it) stands for the
rest: the pages differ by those, not by the row. The pages are taken from the URLconf: a URL pattern that names
an object and has no entry in `OBJECTS` fails `test_every_object_page_is_crawled`, so none is left out.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Min
from django.urls import URLPattern, get_resolver, reverse

from tracker import models as m

from .conftest import client_for

pytestmark = pytest.mark.django_db

ACCOUNTS = ["anonymous", "admin", "staff", "suda_staff", "secretary", "liaison", "leader", "reviewer"]


def _pks(model, *per: str) -> Callable[[], list[tuple]]:
    """Every object's pk; with `per`, the first object of every distinct value of those fields (for the demo's
    large tables: every unit's, or every unit's of every kind, which is where pages differ)."""
    def pks() -> list[tuple]:
        queryset = model._default_manager.order_by()
        if per:
            return [(row["first"],) for row in queryset.values(*per).annotate(first=Min("pk")).order_by("first")]
        return [(pk,) for pk in queryset.order_by("pk").values_list("pk", flat=True)]
    return pks


def _pairs(model, parent: str) -> Callable[[], list[tuple]]:
    return lambda: list(model._default_manager.order_by("pk").values_list(f"{parent}_id", "pk"))


def _demo_work_areas() -> list[tuple]:
    """Every work area of the demo; one made on its first plan where it has none."""
    from tracker.plans.models import WorkArea

    if not WorkArea.objects.exists():
        WorkArea.objects.create(plan=m.Plan.objects.order_by("pk").first(), order=1, name="队伍建设")
    return _pks(WorkArea)()


# URL name → the argument tuples of every demo object that page is for.
OBJECTS: dict[str, Callable[[], list[tuple]]] = {
    "plan-detail": _pks(m.Plan),
    "plan-export": _pks(m.Plan),
    "task-detail": _pks(m.Task),
    "task-update-create": _pks(m.Task),
    "evidence-download": _pks(m.EvidenceFile, "kind", "uploaded_by"),
    "volunteer-detail": _pks(m.Volunteer, "unit", "layer", "participating"),
    "volunteer-update": _pks(m.Volunteer, "unit"),
    "roster-import-confirm": _pks(m.RosterImport),
    "team-detail": _pks(m.Team),
    "team-membership-add": _pks(m.Team),
    "team-membership-end": lambda: list(m.TeamMembership.objects.values("team").annotate(first=Min("pk"))
                                        .order_by("team").values_list("team", "first")),
    "platform-detail": _pks(m.WorkPlatform),
    "platform-update": _pks(m.WorkPlatform, "owner"),
    "activity-detail": _pks(m.Activity, "unit", "kind"),
    "activity-update": _pks(m.Activity, "unit"),
    "match-detail": _pks(m.MenuMatch),
    "match-advance": _pks(m.MenuMatch),
    "quota-detail": _pks(m.Quota),
    "quota-entry-create": _pks(m.Quota),
    "standard-detail": _pks(m.Standard),
    "standard-export": _pks(m.Standard),
    "round-board": _pks(m.AssessmentRound),
    "round-remind": _pks(m.AssessmentRound),
    "assessment-start": _pks(m.AssessmentRound),
    "assessment-detail": _pks(m.Assessment),
    "assessment-report": _pks(m.Assessment),
    "assessment-transition": _pks(m.Assessment),
    "assessment-item": _pairs(m.AssessmentEntry, "assessment"),
    "assessment-item-review": _pairs(m.AssessmentEntry, "assessment"),
    "rectification-detail": _pks(m.Rectification),
    "rectification-advance": _pks(m.Rectification),
    "rectification-reassign": _pks(m.Rectification),
    "review-detail": _pks(m.Review),
    "review-opinion-create": _pks(m.Review),
    "review-step": _pairs(m.ReviewStep, "review"),
    "dashboard-college": lambda: [(pk,) for pk in m.OrgUnit.objects.filter(kind=m.OrgUnit.Kind.COLLEGE)
                                  .order_by("pk").values_list("pk", flat=True)],
    "snapshot-detail": _pks(m.ReportSnapshot),
    "snapshot-export": _pks(m.ReportSnapshot),
    # --- copy forward (issue 14.5): the copy form of every plan, standard and round
    "plan-copy": _pks(m.Plan),
    "standard-copy": _pks(m.Standard),
    "round-copy": _pks(m.AssessmentRound),
    # --- plan editor (tracker/plans/editor.py): every plan's editor and forms, every phase's, stage's and task's
    # (the POST-only moves and deletions answer a GET with 405); a work area where the demo has none
    "plan-editor": _pks(m.Plan),
    "plan-update": _pks(m.Plan),
    "phase-create": _pks(m.Plan),
    "task-create": _pks(m.Plan),
    "work-area-create": _pks(m.Plan),
    "phase-update": _pks(m.Phase),
    "phase-move": _pks(m.Phase),
    "phase-delete": _pks(m.Phase),
    "stage-create": _pks(m.Phase),
    "stage-update": _pks(m.Stage),
    "stage-move": _pks(m.Stage),
    "stage-delete": _pks(m.Stage),
    "task-edit": _pks(m.Task),
    "task-move": _pks(m.Task, "stage"),
    "task-delete": _pks(m.Task, "stage"),
    "work-area-rename": lambda: _demo_work_areas(),
    "work-area-move": lambda: _demo_work_areas(),
    "work-area-delete": lambda: _demo_work_areas(),
    # --- set-up (tracker/setup): every unit's edit and retire pages, the POST-only ones once per kind (a GET
    # answers 405); every account's pages
    "setup-unit-update": _pks(m.OrgUnit),
    "setup-unit-retire": _pks(m.OrgUnit),
    "setup-unit-move": _pks(m.OrgUnit, "kind"),
    "setup-unit-restore": _pks(m.OrgUnit, "kind"),
    "setup-account-update": lambda: _pks(get_user_model())(),
    "setup-account-link": lambda: _pks(get_user_model())(),
    "setup-account-deactivate": lambda: _pks(get_user_model())(),
    "setup-account-reactivate": lambda: _pks(get_user_model())(),
    # --- exports as jobs (issue 18, the task queue): the demo's finished export (its asker's; everyone else's 404)
    "export-job": lambda: [(token,) for token in m.ExportJob.objects.order_by("pk").values_list("token", flat=True)],
    "export-download": lambda: [(token,) for token in m.ExportJob.objects.order_by("pk")
                                .values_list("token", flat=True)],
    # --- issue 15: group robots (set-up): the robot the `snapshot` fixture adds (the demo has none); the test
    # send is POST-only (a GET answers 405, so nothing is sent)
    "webhook-update": _pks(m.Webhook),
    "webhook-delete": _pks(m.Webhook),
    "webhook-test": _pks(m.Webhook),
    # --- issue 15: every demo notification, opened by every account (its recipient's; anyone else's 404)
    "notification-open": _pks(m.Notification),
}


# The admin's large tables, sampled as for the pages above.
ADMIN_SAMPLES = {
    m.Volunteer: ("unit",),
    m.Activity: ("unit",),
    m.EvidenceFile: ("kind", "uploaded_by"),
    m.AssessmentEntry: ("assessment",),
}


def tracker_patterns() -> list[URLPattern]:
    for resolver in get_resolver().url_patterns:
        if getattr(resolver, "namespace", None) == "tracker":
            return list(resolver.url_patterns)
    raise AssertionError("no tracker URLconf")


def object_page_names() -> set[str]:
    return {pattern.name for pattern in tracker_patterns() if pattern.pattern.converters}


def plain_page_names() -> list[str]:
    return sorted(pattern.name for pattern in tracker_patterns() if not pattern.pattern.converters)


def test_every_object_page_is_crawled():
    assert object_page_names() == set(OBJECTS)


@pytest.fixture
def accounts(demo):
    users = {user.username: user for user in get_user_model().objects.all()}
    users["anonymous"] = None
    return users


@pytest.fixture
def snapshot(demo):
    """One kept snapshot, one roster import waiting for confirmation and one group robot (the demo has none), so
    that their pages are crawled too."""
    college = m.OrgUnit.objects.get(institution__code="cumt", name="机电工程学院")
    m.RosterImport.objects.create(institution=college.institution, unit=college, file_name="名册.xlsx", rows=[],
                                  created_by=get_user_model().objects.get(username="secretary"))
    # (issue 15) a group robot of the college, on an address never called (only GETs are crawled)
    m.Webhook.objects.create(institution=college.institution, unit=college, kind="dingtalk", name="机电学院关工委群",
                             url="https://oapi.dingtalk.com/robot/send?access_token=crawl-never-called",
                             secret="SECcrawl")
    staff = client_for(get_user_model().objects.get(username="staff"))
    cumt = m.Institution.objects.get(code="cumt")
    response = staff.post(reverse("tracker:snapshot-list") + f"?institution={cumt.pk}", {"name": "年度汇报留存"})
    assert response.status_code == 302
    return m.ReportSnapshot.objects.get()


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_every_object_page_for_every_demo_object_and_account(accounts, snapshot, name):
    argument_sets = OBJECTS[name]()
    assert argument_sets, f"the demo has no object for {name}"
    clients = {account: client_for(accounts[account]) for account in ACCOUNTS}
    for args in argument_sets:
        url = reverse(f"tracker:{name}", args=args)
        for account, client in clients.items():
            status = client.get(url).status_code
            assert status < 500, f"{url} as {account}: {status}"


def test_every_plain_page_for_every_account(accounts):
    for account in ACCOUNTS:
        client = client_for(accounts[account])
        for name in plain_page_names():
            url = reverse(f"tracker:{name}")
            status = client.get(url).status_code
            assert status < 500, f"{url} as {account}: {status}"
