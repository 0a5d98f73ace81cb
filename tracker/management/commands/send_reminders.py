"""The daily reminder mail: each responsible unit gets its tasks and rectifications that are overdue or fall due
within N days; each institution's committee staff get one summary of everything overdue.

Run it from cron or a systemd timer once a day (docs/operations.md). Each mail is claimed for the day before it
goes (`reminders.reminder_claim`), so a second run on the same day, or one running at the same time, sends only
what no run has sent yet; `--force` sends again.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tracker.org.models import Institution, OrgUnit
from tracker.reporting import reminders
from tracker.reporting.reminders import Item, Mailing, Summary


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {value!r}") from None


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


# What became of a mail.
SENT = "sent"
FAILED = "failed"
ALREADY = "already"  # claimed for the day by an earlier run or one running now


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


class Command(BaseCommand):
    help = (
        "E-mail each responsible unit its tasks and rectifications that are overdue or due within --days days, "
        "and each institution's committee staff a summary of everything overdue. For a daily cron job or "
        "systemd timer; each mail goes out once a day, however many runs (--force sends again)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=reminders.MAIL_DAYS,
                            help=f"Look this many days ahead (default {reminders.MAIL_DAYS}).")
        parser.add_argument("--date", type=_date, default=None,
                            help="Count from this day instead of today (YYYY-MM-DD).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Send nothing; print what would be sent (with -v 2, the mails themselves).")
        parser.add_argument("--force", action="store_true",
                            help="Send also the mails already sent on that day (by an earlier or a concurrent run).")

    def handle(self, *args, days: int, date: dt.date | None, dry_run: bool, force: bool, verbosity: int,
               **options) -> None:
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        today = date or timezone.localdate()
        # Mail goes out in the portal's language, whatever the shell's locale.
        with translation.override(settings.LANGUAGE_CODE):
            mailings = reminders.mailings(today=today, days=days)
            summaries = reminders.staff_summaries(today=today)
            unit_mails = [(mailing, unit_mail(mailing)) for mailing in mailings if mailing.recipients]
            summary_mails = [(summary, summary_mail(summary)) for summary in summaries if summary.recipients]
        prefix = "[dry run] " if dry_run else ""
        connection = None if dry_run else get_connection()
        # A dry run claims nothing: it reads which mails went out already, to leave them out as the real run would.
        claimed = reminders.claimed_on(today) if dry_run and not force else set()
        outcomes = {SENT: 0, FAILED: 0, ALREADY: 0}
        for mailing, mail in unit_mails:
            unit = mailing.unit
            outcome = self._claim_and_send(mail, unit.institution, unit, today, claimed, connection, verbosity,
                                           dry_run=dry_run, force=force)
            outcomes[outcome] += 1
            result = mailing.reminders
            if outcome == SENT:
                self.stdout.write(f"{prefix}{unit.institution.name} · {unit.name}: "
                                  f"{len(result.overdue)} overdue, {len(result.due_soon)} due within {days} days "
                                  f"→ {', '.join(mail.recipients)}")
            elif outcome == ALREADY:
                self.stdout.write(f"{prefix}Already sent on {today:%Y-%m-%d}: {unit.institution.name} · {unit.name}")
        for summary, mail in summary_mails:
            outcome = self._claim_and_send(mail, summary.institution, None, today, claimed, connection, verbosity,
                                           dry_run=dry_run, force=force)
            outcomes[outcome] += 1
            if outcome == SENT:
                self.stdout.write(f"{prefix}{summary.institution.name} · committee staff: summary of "
                                  f"{len(summary.reminders.overdue)} overdue → {', '.join(mail.recipients)}")
            elif outcome == ALREADY:
                self.stdout.write(f"{prefix}Already sent on {today:%Y-%m-%d}: {summary.institution.name} · "
                                  f"committee staff")
        without = [mailing for mailing in mailings if not mailing.recipients]
        for mailing in without:
            result = mailing.reminders
            self.stdout.write(self.style.WARNING(
                f"No address: {mailing.unit.institution.name} · {mailing.unit.name} ({len(result.overdue)} overdue, "
                f"{len(result.due_soon)} due within {days} days). Give the unit a contact e-mail or bind a user "
                f"with an e-mail to it."))
        for summary in summaries:
            if not summary.recipients:
                self.stdout.write(self.style.WARNING(
                    f"No address: {summary.institution.name} · committee staff ({len(summary.reminders.overdue)} "
                    f"overdue). No active committee staff account has an e-mail."))
        verb = "Would send" if dry_run else "Sent"
        already = (f"; {outcomes[ALREADY]} already sent that day (--force sends them again)"
                   if outcomes[ALREADY] else "")
        self.stdout.write(f"{prefix}{verb} {outcomes[SENT]} mail(s) for {today:%Y-%m-%d} (looking {days} days ahead); "
                          f"{len(without)} unit(s) without an address{already}.")
        if outcomes[FAILED]:
            raise CommandError(f"{outcomes[FAILED]} mail(s) could not be sent; see the errors above.")

    def _claim_and_send(self, mail: Mail, institution: Institution, unit: OrgUnit | None, day: dt.date,
                        claimed: set, connection, verbosity: int, *, dry_run: bool, force: bool) -> str:
        """SENT, FAILED or ALREADY. The mail is claimed for the day before it goes; a mail that could not be sent
        gives its claim back, so that the next run sends it. With `force`, a mail already claimed goes again."""
        if dry_run:
            if (institution.pk, unit.pk if unit else None) in claimed:
                return ALREADY
            return SENT if self._send(mail, connection, verbosity, dry_run) else FAILED
        claim = reminders.reminder_claim(institution=institution, unit=unit, day=day, recipients=mail.recipients)
        if claim is None and not force:
            return ALREADY
        if self._send(mail, connection, verbosity, dry_run):
            return SENT
        if claim is not None:
            reminders.reminder_release(claim=claim)
        return FAILED

    def _send(self, mail: Mail, connection, verbosity: int, dry_run: bool) -> bool:
        """Send one mail (or only show it); a failure is reported and the run goes on to the next unit."""
        if verbosity >= 2:
            self.stdout.write(f"To: {', '.join(mail.recipients)}\nSubject: {mail.subject}\n\n{mail.body}\n")
        if dry_run:
            return True
        message = EmailMessage(mail.subject, mail.body, None, mail.recipients, connection=connection)
        try:
            message.send()
        except Exception as error:  # noqa: BLE001 - SMTP and socket errors alike: report, go on, fail at the end
            self.stderr.write(f"Could not send “{mail.subject}” to {', '.join(mail.recipients)}: {error}")
            return False
        return True
