"""The daily digest (issue 15): each secretary and liaison gets one mail of her unit's tasks and rectifications that
are overdue or fall due within N days (and so does the unit's own address); each committee staff member one
summary of everything overdue in the institution; each unit's group robot, and the committee's, one post of the
same. A person may switch the digest off (“My notifications”).

The task queue's beat runs the same mailing every day at 07:30 (`tracker.send_reminders`, docs/operations.md); this
command runs it now, from a shell, cron or a systemd timer, or queues it for a worker (`--queue`). Each mail is
claimed for the day before it goes (tracker/reporting/mailing.py), so a second run on the same day, or one running
at the same time, sends only what no run has sent yet; `--force` sends again.

(issue 18, the sweeper) A real run sweeps first (tracker/ops/sweep.py, as `manage.py sweep`): on a machine without
a broker, where no beat does it, the deliveries that failed since the last run are tried again once a day.
"""

from __future__ import annotations

import argparse
import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tracker.ops.sweep import sweep
from tracker.org.queue import queue_now
from tracker.reporting import mailing, reminders
from tracker.reporting.mailing import ALREADY, QUEUED, SENT


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {value!r}") from None


class Command(BaseCommand):
    help = (
        "E-mail each secretary and liaison (and each unit's address) the unit's tasks and rectifications that are "
        "overdue or due within --days days, and each committee staff member a summary of everything overdue; post "
        "the same to the units' and committees' group robots. For a daily cron job or systemd timer; each mail and "
        "post goes out once a day, however many runs (--force sends again)."
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
        parser.add_argument("--queue", action="store_true",
                            help="Queue the mailing for the task queue's worker (tracker.send_reminders) instead "
                                 "of sending it now.")

    def handle(self, *args, days: int, date: dt.date | None, dry_run: bool, force: bool, queue: bool,
               verbosity: int, **options) -> None:
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        today = date or timezone.localdate()
        if queue:
            if dry_run or force:
                raise CommandError("--queue takes only --date and --days.")
            if not queue_now("tracker.send_reminders", day=today.isoformat(), days=days):
                raise CommandError("The task queue did not take the mailing; see the log.")
            self.stdout.write(f"Queued the reminder mails for {today:%Y-%m-%d} (looking {days} days ahead).")
            return
        if not dry_run:  # issue 18, the sweeper: what waits for ever goes first
            self.stdout.write(sweep().summary())
        run = mailing.reminders_send(day=today, days=days, dry_run=dry_run, force=force)
        prefix = "[dry run] " if dry_run else ""
        for entry in run.outcomes:
            mail, institution, unit, person = entry.mail, entry.institution, entry.unit, entry.person
            if verbosity >= 2 and entry.outcome != ALREADY:
                self.stdout.write(f"To: {', '.join(mail.recipients)}\nSubject: {mail.subject}\n\n{mail.body}\n")
            who = f"{institution.name} · {unit.name}" if unit else f"{institution.name} · committee staff"
            to = f"{person.name} <{person.email}>" if person else f"the unit's address <{', '.join(mail.recipients)}>"
            if entry.outcome == SENT and unit is not None:
                result = entry.reminders
                self.stdout.write(f"{prefix}{who}: {len(result.overdue)} overdue, {len(result.due_soon)} due within "
                                  f"{days} days → {to}")
            elif entry.outcome == SENT:
                self.stdout.write(f"{prefix}{who}: summary of {len(entry.reminders.overdue)} overdue → {to}")
            elif entry.outcome == ALREADY:
                self.stdout.write(f"{prefix}Already sent on {today:%Y-%m-%d}: {who} → {to}")
            else:
                self.stderr.write(f"Could not send “{mail.subject}” to {', '.join(mail.recipients)}: {entry.error}")
        for post in run.posts:
            hook = post.hook
            who = f"{hook.institution.name} · {post.unit.name if post.unit else 'committee'}"
            if post.outcome == QUEUED:
                self.stdout.write(f"{prefix}{who}: digest posted to the group robot “{hook.name}”")
            else:
                self.stdout.write(f"{prefix}Already posted on {today:%Y-%m-%d}: {who} → group robot “{hook.name}”")
        for without in run.units_without_address:
            result = without.reminders
            self.stdout.write(self.style.WARNING(
                f"No address: {without.unit.institution.name} · {without.unit.name} ({len(result.overdue)} overdue, "
                f"{len(result.due_soon)} due within {days} days). Give the unit a contact e-mail or bind a user "
                f"with an e-mail to it."))
        for summary in run.summaries_without_address:
            self.stdout.write(self.style.WARNING(
                f"No address: {summary.institution.name} · committee staff ({len(summary.reminders.overdue)} "
                f"overdue). No active committee staff account has an e-mail."))
        if verbosity >= 2:
            for person in run.switched_off:
                self.stdout.write(f"{prefix}Switched the digest off: {person.name} <{person.email}>")
        verb = "Would send" if dry_run else "Sent"
        already = f"; {run.already} already sent that day (--force sends them again)" if run.already else ""
        off = f"; {len(run.switched_off)} person(s) switched the digest off" if run.switched_off else ""
        self.stdout.write(f"{prefix}{verb} {run.sent} mail(s) for {today:%Y-%m-%d} (looking {days} days ahead); "
                          f"{len(run.units_without_address)} unit(s) without an address{already}{off}.")
        if run.posts:
            self.stdout.write(f"{prefix}{'Would post' if dry_run else 'Posted'} {run.posted} digest(s) to group "
                              f"robots; {len(run.posts) - run.posted} already posted that day.")
        if run.failed:
            raise CommandError(f"{run.failed} mail(s) could not be sent; see the errors above.")
