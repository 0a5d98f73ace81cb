"""The whole demo, area by area, in the order the areas need each other; a second run changes nothing."""

from __future__ import annotations

from django.db import transaction

from tracker.demo.assessments import seed_assessments_demo
from tracker.demo.current_plan import seed_current_plan
from tracker.demo.exports import seed_exports_demo  # issue 18, the task queue
from tracker.demo.menus import seed_menus_demo
from tracker.demo.notifications import settle_demo_notifications
from tracker.demo.plans import (
    COLLEGES,
    DemoAccount,
    ensure_account_addresses,
    ensure_accounts,
    ensure_named_parties,
    ensure_unit_addresses,
    ensure_units,
    seed_plan_progress,
)
from tracker.demo.roster import seed_roster_demo
from tracker.demo.work import seed_work_demo
from tracker.org.models import Institution


def seed_demo() -> list[DemoAccount]:
    """Create the demo units, accounts and every area's records; a second run changes nothing.

    (issue 15) The records are written in one transaction, and the notifications they cause are sent when it
    commits; only then do the demo accounts get their e-mail addresses, so that what the demo's past wrote to their
    lists in the portal is not mailed to them as if it had happened now. What people do in the demo from then on is.
    """
    accounts = _seed_records()
    with transaction.atomic():
        ensure_unit_addresses()  # a unit any area made has an address too, so 催报 reaches every unit
        ensure_account_addresses()
    return accounts


@transaction.atomic
def _seed_records() -> list[DemoAccount]:
    for institution in Institution.objects.filter(code__in=COLLEGES):
        ensure_units(institution)
    ensure_named_parties()
    accounts = ensure_accounts()
    seed_roster_demo()
    seed_work_demo()  # after the roster, so platforms and entries can name its people
    seed_menus_demo()  # after the roster: the offers are its volunteers'
    seed_assessments_demo()  # after the accounts: reviewers and secretaries file it
    seed_plan_progress()
    seed_current_plan()  # after the accounts and member units: its parties and reporters are theirs
    seed_exports_demo()  # the whole file holds everything above (issue 18, the task queue)
    settle_demo_notifications()  # last: dated by what caused them, the old ones read (issue 15)
    return accounts
