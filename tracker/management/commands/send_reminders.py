"""The daily reminder mail: each responsible unit gets its tasks and rectifications that are overdue or fall due
within N days; each institution's committee staff get one summary of everything overdue.

Run it from cron or a systemd timer once a day (docs/operations.md). It keeps no record of what it sent: run
twice on one day, it mails twice.
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
        "systemd timer; not idempotent (a second run on the same day mails again)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=reminders.MAIL_DAYS,
                            help=f"Look this many days ahead (default {reminders.MAIL_DAYS}).")
        parser.add_argument("--date", type=_date, default=None,
                            help="Count from this day instead of today (YYYY-MM-DD).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Send nothing; print what would be sent (with -v 2, the mails themselves).")

    def handle(self, *args, days: int, date: dt.date | None, dry_run: bool, verbosity: int, **options) -> None:
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
        failures = sent = 0
        for mailing, mail in unit_mails:
            if self._send(mail, connection, verbosity, dry_run):
                sent += 1
                result = mailing.reminders
                self.stdout.write(f"{prefix}{mailing.unit.institution.name} · {mailing.unit.name}: "
                                  f"{len(result.overdue)} overdue, {len(result.due_soon)} due within {days} days "
                                  f"→ {', '.join(mail.recipients)}")
            else:
                failures += 1
        for summary, mail in summary_mails:
            if self._send(mail, connection, verbosity, dry_run):
                sent += 1
                self.stdout.write(f"{prefix}{summary.institution.name} · committee staff: summary of "
                                  f"{len(summary.reminders.overdue)} overdue → {', '.join(mail.recipients)}")
            else:
                failures += 1
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
        self.stdout.write(f"{prefix}{verb} {sent} mail(s) for {today:%Y-%m-%d} (looking {days} days ahead); "
                          f"{len(without)} unit(s) without an address.")
        if failures:
            raise CommandError(f"{failures} mail(s) could not be sent; see the errors above.")

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
