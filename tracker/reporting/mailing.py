"""The daily reminder mail, sent: each responsible unit its overdue and soon-due items, each institution's committee
staff one summary of everything overdue. Called by `manage.py send_reminders` and by the `tracker.send_reminders`
task (the beat schedule's 07:30 run), which therefore send the same mails.

Each mail is claimed for the day first (`reminders.reminder_claim`: one row per unit, or per institution's staff
summary, and day, which the database lets only one run write), then written as a delivery under the same day's key
(`reminder:unit:<unit id>:<day>`, `reminder:summary:<institution id>:<day>`) and sent through it
(tracker/outbox): a second run on the same day, one running at the same time, or a task run again after a timeout
sends nothing twice, and a delivery that went out is never sent again even if its claim were deleted by hand. A
mail that could not be sent gives its claim back (its delivery stays, `failed`, with the error), so the next run
sends it. `force` sends again what went out that day, under a new key; `dry_run` claims and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tracker.org.models import Institution, OrgUnit
from tracker.outbox.models import Delivery
from tracker.outbox.services import ALREADY as DELIVERED_BEFORE
from tracker.outbox.services import DeliveryFailed, delivery_create, delivery_send
from tracker.reporting import reminders
from tracker.reporting.reminders import Item, Mailing, Summary

# What became of a mail.
SENT = "sent"
FAILED = "failed"
ALREADY = "already"  # claimed for the day by an earlier run or one running now


def absolute(path: str) -> str:
    """A link for a mail: the portal's address (PORTAL_BASE_URL) and the page's path."""
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"


def _when(item: Item) -> str:
    date = f"{item.due:%Y-%m-%d}"
    if item.overdue:
        return ngettext("Due %(date)s, %(days)d day overdue", "Due %(date)s, %(days)d days overdue",
                        item.days_overdue) % {"date": date, "days": item.days_overdue}
    if item.days_left == 0:
        return _("Due today, %(date)s") % {"date": date}
    return ngettext("Due %(date)s, %(days)d day left", "Due %(date)s, %(days)d days left",
                    item.days_left) % {"date": date, "days": item.days_left}


def _item_lines(items: list[Item], *, parties: bool = True) -> list[str]:
    lines = []
    for index, item in enumerate(items, start=1):
        lines.append(_("%(index)d. %(kind)s %(number)s: %(title)s") % {
            "index": index, "kind": item.kind_label, "number": item.number, "title": item.title})
        lines.append("   " + _when(item))
        if parties and item.kind == reminders.TASK and item.parties:
            lines.append("   " + _("Responsible: %(parties)s") % {"parties": item.parties})
        lines.append("   " + absolute(item.path))
    return lines


def _footer() -> list[str]:
    portal = str(settings.PORTAL_NAME)
    return [
        _("All your reminders: %(url)s") % {"url": absolute(reverse("tracker:reminder-list"))},
        "",
        "-- ",
        _("%(portal)s sends this message automatically; it lists what is still open in the portal today.")
        % {"portal": portal},
    ]


@dataclass
class Mail:
    subject: str
    body: str
    recipients: list[str]


def unit_mail(mailing: Mailing) -> Mail:
    """Plain text: what the unit has overdue, then what falls due, each with its number, title, date and link."""
    result, unit = mailing.reminders, mailing.unit
    overdue, due = result.overdue, result.due_soon
    values = {"portal": str(settings.PORTAL_NAME), "unit": unit.name, "overdue": len(overdue), "due": len(due),
              "days": result.days, "date": f"{result.today:%Y-%m-%d}"}
    subject = _("[%(portal)s] %(unit)s: %(overdue)d overdue, %(due)d due within %(days)d days") % values
    lines = [_("%(unit)s:") % values, "",
             _("As of %(date)s, these tasks and rectifications of your unit are overdue or fall due within "
               "%(days)d days. Please report their progress in the portal.") % values, ""]
    if overdue:
        lines += [_("Overdue (%(count)d)") % {"count": len(overdue)}, *_item_lines(overdue), ""]
    if due:
        lines += [_("Due within %(days)d days (%(count)d)") % {"days": result.days, "count": len(due)},
                  *_item_lines(due), ""]
    return Mail(subject, "\n".join(lines + _footer()), mailing.recipients)


def summary_mail(summary: Summary) -> Mail:
    """Plain text for committee staff: every overdue item of the institution, by responsible unit."""
    result = summary.reminders
    count = len(result.overdue)
    values = {"portal": str(settings.PORTAL_NAME), "institution": summary.institution.name, "count": count,
              "date": f"{result.today:%Y-%m-%d}"}
    subject = _("[%(portal)s] %(institution)s: %(count)d items overdue") % values
    lines = [_("Committee staff of %(institution)s:") % values, "",
             _("As of %(date)s, these tasks, rectifications and review steps of the institution are overdue "
               "(%(count)d in all). Tasks are listed under the unit that leads them.") % values, ""]
    for group in result.groups:
        lines += [f"{group.label} ({len(group.items)})", *_item_lines(group.items), ""]
    if result.steps:
        lines += [_("Review steps (%(count)d)") % {"count": len(result.steps)},
                  *_item_lines(result.steps, parties=False), ""]
    return Mail(subject, "\n".join(lines + _footer()), summary.recipients)


@dataclass
class Outcome:
    """One mail of the run and what became of it (SENT, FAILED or ALREADY); `unit` is None for a staff summary."""

    institution: Institution
    unit: OrgUnit | None
    reminders: reminders.Reminders
    mail: Mail
    outcome: str
    error: str = ""
    delivery: Delivery | None = None


@dataclass
class Run:
    """What one run sent, and whom it could not mail for want of an address."""

    day: dt.date
    days: int
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)
    units_without_address: list[Mailing] = field(default_factory=list)
    summaries_without_address: list[Summary] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for entry in self.outcomes if entry.outcome == outcome)

    @property
    def sent(self) -> int:
        return self.count(SENT)

    @property
    def failed(self) -> int:
        return self.count(FAILED)

    @property
    def already(self) -> int:
        return self.count(ALREADY)


def delivery_key(institution: Institution, unit: OrgUnit | None, day: dt.date) -> str:
    """The delivery key of the day's mail to a unit, or to an institution's committee staff."""
    if unit is None:
        return f"reminder:summary:{institution.pk}:{day:%Y-%m-%d}"
    return f"reminder:unit:{unit.pk}:{day:%Y-%m-%d}"


def reminders_send(*, day: dt.date, days: int = reminders.MAIL_DAYS, dry_run: bool = False,
                   force: bool = False) -> Run:
    """Send the day's reminder mails, each once (see the module's docstring); return what became of each."""
    # Mail goes out in the portal's language, whatever the shell's or the worker's locale.
    with translation.override(settings.LANGUAGE_CODE):
        mailings = reminders.mailings(today=day, days=days)
        summaries = reminders.staff_summaries(today=day)
        mails = [(mailing.unit.institution, mailing.unit, mailing.reminders, unit_mail(mailing))
                 for mailing in mailings if mailing.recipients]
        mails += [(summary.institution, None, summary.reminders, summary_mail(summary))
                  for summary in summaries if summary.recipients]
    run = Run(day, days, dry_run,
              units_without_address=[mailing for mailing in mailings if not mailing.recipients],
              summaries_without_address=[summary for summary in summaries if not summary.recipients])
    # A dry run claims nothing: it reads which mails went out already, to leave them out as the real run would.
    claimed = reminders.claimed_on(day) if dry_run and not force else set()
    connection = None if dry_run else get_connection()
    for institution, unit, result, mail in mails:
        entry = Outcome(institution, unit, result, mail, SENT)
        if dry_run:
            entry.outcome = ALREADY if (institution.pk, unit.pk if unit else None) in claimed else SENT
        else:
            _claim_and_send(entry, day, connection, force=force)
        run.outcomes.append(entry)
    return run


def _claim_and_send(entry: Outcome, day: dt.date, connection, *, force: bool) -> None:
    """Claim the day's mail, write its delivery and send it; a mail that could not be sent gives its claim back.
    With `force`, a mail already claimed or sent that day goes again, as a delivery of its own."""
    institution, unit, mail = entry.institution, entry.unit, entry.mail
    claim = reminders.reminder_claim(institution=institution, unit=unit, day=day, recipients=mail.recipients)
    if claim is None and not force:
        entry.outcome = ALREADY
        return
    key = delivery_key(institution, unit, day)
    if force and Delivery.objects.filter(key=key, status=Delivery.Status.SENT).exists():
        key = f"{key}:again:{uuid.uuid4().hex[:12]}"
    entry.delivery = delivery_create(key=key, channel=Delivery.Channel.MAIL, institution=institution,
                                     recipients=mail.recipients, subject=mail.subject, body=mail.body)
    try:
        sent = delivery_send(delivery_id=entry.delivery.pk, connection=connection)
    except DeliveryFailed as error:
        entry.outcome, entry.error = FAILED, str(error.__cause__ or error)
        if claim is not None:
            reminders.reminder_release(claim=claim)
        return
    entry.outcome = ALREADY if sent == DELIVERED_BEFORE else SENT
