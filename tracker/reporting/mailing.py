"""The daily digest, sent (issue 15): each person one mail of what is due and overdue for them, and each group robot
one post. Called by `manage.py send_reminders` and by the `tracker.send_reminders` task (the beat schedule's 07:30
run), which therefore send the same digests.

- Each active secretary and liaison with an e-mail address gets her unit's digest (its overdue and soon-due tasks
  and rectifications), addressed to her alone; the unit's contact address (OrgUnit.email) gets it too, unless it is
  the address of one of the unit's people (then it is theirs, on their choice). Each active committee staff member
  gets the institution's summary of everything overdue. Leaders get none: they do not chase the items, and read
  them on 工作总览. A person who switched the digest off (`DIGEST` in MailChoice.not_mailed, tracker/notifications)
  gets none; the unit's address and the robots still do.
- Each unit's group robot (a Webhook of that unit) gets one post of the unit's digest; the committee's robot (a
  Webhook without a unit) the institution's summary. Posts are deliveries written by `webhook_queue` and sent by
  the task queue (retried with back-off), never inside this run's loop.

Each unit's digest, and each institution's summary, is claimed for the day first (`reminders.reminder_claim`: one
row per unit, or per institution's staff summary, and day, which the database lets only one run write); then each
of its mails is written as a delivery under a key of the person (or the unit's address) and the day
(`reminder:person:<user id>:<day>`, `reminder:unit:<unit id>:<day>`) and sent through it (tracker/outbox), and each
robot post under `reminder:hook:<webhook id>:<day>`. A second run on the same day, one running at the same time, or
a task run again after a timeout sends nothing twice, and a delivery that went out is never sent again even if its
claim were deleted by hand. A digest one of whose mails could not be sent gives its claim back (the failed
delivery stays, `failed`, with the error), so the next run sends that mail and finds the others sent. `force` sends
again what went out that day, under new keys; `dry_run` claims and writes nothing.
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

from tracker.notifications.models import DIGEST_LABEL, Webhook
from tracker.notifications.services import webhook_queue
from tracker.org.models import Institution, OrgUnit
from tracker.outbox.models import Delivery
from tracker.outbox.services import ALREADY as DELIVERED_BEFORE
from tracker.outbox.services import DeliveryFailed, delivery_create, delivery_send
from tracker.reporting import reminders
from tracker.reporting.reminders import Item, Mailing, Person, Summary

# What became of a mail or a robot post.
SENT = "sent"
FAILED = "failed"
ALREADY = "already"  # claimed for the day by an earlier run or one running now
QUEUED = "queued"  # a robot post written and handed to the task queue, which sends it (and retries it)


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


def _label(item: Item, index: int) -> str:
    return _("%(index)d. %(kind)s %(number)s: %(title)s") % {
        "index": index, "kind": item.kind_label, "number": item.number, "title": item.title}


def _item_lines(items: list[Item], *, parties: bool = True) -> list[str]:
    lines = []
    for index, item in enumerate(items, start=1):
        lines.append(_label(item, index))
        lines.append("   " + _when(item))
        if parties and item.kind == reminders.TASK and item.parties:
            lines.append("   " + _("Responsible: %(parties)s") % {"parties": item.parties})
        lines.append("   " + absolute(item.path))
    return lines


def _post_lines(items: list[Item]) -> list[str]:
    """A robot's lines: each item one line, its title the link to its page (markdown), then its date."""
    lines = []
    for index, item in enumerate(items, start=1):
        text = _label(item, index).replace("[", "［").replace("]", "］")
        lines.append(f"[{text}]({absolute(item.path)}) {_when(item)}")
    return lines


def _bold(heading: str) -> str:
    return f"**{heading}**"


def _footer(person: Person | None = None) -> list[str]:
    portal = str(settings.PORTAL_NAME)
    lines = [_("All your reminders: %(url)s") % {"url": absolute(reverse("tracker:reminder-list"))}]
    if person is not None:
        lines += ["", _("You get this digest once a day while something of yours is due or overdue. To stop it, "
                        "untick “%(kind)s” under “My notifications”: %(url)s")
                  % {"kind": DIGEST_LABEL, "url": absolute(reverse("tracker:notification-list"))}]
    return lines + [
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


def _unit_values(mailing: Mailing) -> dict:
    result = mailing.reminders
    return {"portal": str(settings.PORTAL_NAME), "unit": mailing.unit.name, "overdue": len(result.overdue),
            "due": len(result.due_soon), "days": result.days, "date": f"{result.today:%Y-%m-%d}"}


def unit_mail(mailing: Mailing, person: Person | None = None) -> Mail:
    """Plain text, to one of the unit's people (or, without `person`, to the unit's own address): what the unit
    has overdue, then what falls due, each with its number, title, date and link."""
    result, values = mailing.reminders, _unit_values(mailing)
    overdue, due = result.overdue, result.due_soon
    subject = _("[%(portal)s] %(unit)s: %(overdue)d overdue, %(due)d due within %(days)d days") % values
    greeting = (_("%(unit)s, %(name)s:") % {"unit": mailing.unit.name, "name": person.name} if person
                else _("%(unit)s:") % values)
    lines = [greeting, "",
             _("As of %(date)s, these tasks and rectifications of your unit are overdue or fall due within "
               "%(days)d days. Please report their progress in the portal.") % values, ""]
    if overdue:
        lines += [_("Overdue (%(count)d)") % {"count": len(overdue)}, *_item_lines(overdue), ""]
    if due:
        lines += [_("Due within %(days)d days (%(count)d)") % {"days": result.days, "count": len(due)},
                  *_item_lines(due), ""]
    return Mail(subject, "\n".join(lines + _footer(person)), [person.email if person else mailing.contact])


def unit_post(mailing: Mailing) -> tuple[str, list[str], str]:
    """The unit's digest for its group robot: title, markdown lines, link."""
    result, values = mailing.reminders, _unit_values(mailing)
    title = _("[%(portal)s] %(unit)s: %(overdue)d overdue, %(due)d due within %(days)d days") % values
    lines = []
    if result.overdue:
        lines += [_bold(_("Overdue (%(count)d)") % {"count": len(result.overdue)}), *_post_lines(result.overdue)]
    if result.due_soon:
        lines += [_bold(_("Due within %(days)d days (%(count)d)") % {"days": result.days,
                                                                    "count": len(result.due_soon)}),
                  *_post_lines(result.due_soon)]
    return title, lines, absolute(reverse("tracker:reminder-list"))


def _summary_values(summary: Summary) -> dict:
    result = summary.reminders
    return {"portal": str(settings.PORTAL_NAME), "institution": summary.institution.name,
            "count": len(result.overdue), "date": f"{result.today:%Y-%m-%d}"}


def summary_mail(summary: Summary, person: Person | None = None) -> Mail:
    """Plain text for one committee staff member: every overdue item of the institution, by responsible unit."""
    result, values = summary.reminders, _summary_values(summary)
    subject = _("[%(portal)s] %(institution)s: %(count)d items overdue") % values
    greeting = _("%(name)s:") % {"name": person.name} if person else _("Committee staff of %(institution)s:") % values
    lines = [greeting, "",
             _("As of %(date)s, these tasks, rectifications and review steps of the institution are overdue "
               "(%(count)d in all). Tasks are listed under the unit that leads them.") % values, ""]
    for group in result.groups:
        lines += [f"{group.label} ({len(group.items)})", *_item_lines(group.items), ""]
    if result.steps:
        lines += [_("Review steps (%(count)d)") % {"count": len(result.steps)},
                  *_item_lines(result.steps, parties=False), ""]
    return Mail(subject, "\n".join(lines + _footer(person)), [person.email] if person else summary.recipients)


def summary_post(summary: Summary) -> tuple[str, list[str], str]:
    """The institution's summary for the committee's group robot: title, markdown lines, link."""
    result, values = summary.reminders, _summary_values(summary)
    title = _("[%(portal)s] %(institution)s: %(count)d items overdue") % values
    lines = []
    for group in result.groups:
        lines += [_bold(f"{group.label} ({len(group.items)})"), *_post_lines(group.items)]
    if result.steps:
        lines += [_bold(_("Review steps (%(count)d)") % {"count": len(result.steps)}), *_post_lines(result.steps)]
    return title, lines, absolute(reverse("tracker:reminder-list"))


@dataclass
class Digest:
    """One unit's digest of the day (`unit` set) or one institution's summary for its committee staff: its mails
    (one per person, and one to the unit's own address) and the robots it is posted to. Claimed as one."""

    institution: Institution
    unit: OrgUnit | None
    reminders: reminders.Reminders
    mails: list[tuple[Person | None, Mail]]
    hooks: list[Webhook]
    post: tuple[str, list[str], str]

    @property
    def recipients(self) -> list[str]:
        return [address for _person, mail in self.mails for address in mail.recipients]


@dataclass
class Outcome:
    """One mail of the run and what became of it (SENT, FAILED or ALREADY); `unit` is None for a staff summary,
    `person` None for the mail to the unit's own address."""

    institution: Institution
    unit: OrgUnit | None
    reminders: reminders.Reminders
    mail: Mail
    outcome: str
    error: str = ""
    delivery: Delivery | None = None
    person: Person | None = None


@dataclass
class Post:
    """One robot post of the run: QUEUED (written and handed to the task queue) or ALREADY (posted that day)."""

    hook: Webhook
    unit: OrgUnit | None
    outcome: str
    delivery: Delivery | None = None


@dataclass
class Run:
    """What one run sent, and whom it could not reach for want of an address or because they switched it off."""

    day: dt.date
    days: int
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    units_without_address: list[Mailing] = field(default_factory=list)
    summaries_without_address: list[Summary] = field(default_factory=list)
    switched_off: list[Person] = field(default_factory=list)

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

    @property
    def posted(self) -> int:
        return sum(1 for post in self.posts if post.outcome == QUEUED)


def delivery_key(institution: Institution, unit: OrgUnit | None, day: dt.date, person: Person | None = None) -> str:
    """The delivery key of the day's digest to a person, or to a unit's own address."""
    if person is not None:
        return f"reminder:person:{person.user_id}:{day:%Y-%m-%d}"
    if unit is None:
        return f"reminder:summary:{institution.pk}:{day:%Y-%m-%d}"
    return f"reminder:unit:{unit.pk}:{day:%Y-%m-%d}"


def post_key(hook: Webhook, day: dt.date) -> str:
    """The delivery key of the day's digest posted to a group robot."""
    return f"reminder:hook:{hook.pk}:{day:%Y-%m-%d}"


def _robots(institution_ids: set[int]) -> dict[tuple[int, int | None], list[Webhook]]:
    """The robots in use, by (institution, unit or None for the committee's): one query."""
    found: dict[tuple[int, int | None], list[Webhook]] = {}
    if institution_ids:
        for hook in Webhook.objects.filter(institution_id__in=institution_ids, active=True).select_related(
                "institution").order_by("pk"):
            found.setdefault((hook.institution_id, hook.unit_id), []).append(hook)
    return found


def _digests(mailings: list[Mailing], summaries: list[Summary], run: Run) -> list[Digest]:
    institutions = {mailing.unit.institution_id for mailing in mailings}
    institutions |= {summary.institution.pk for summary in summaries}
    robots = _robots(institutions)
    digests = []
    for mailing in mailings:
        hooks = robots.get((mailing.unit.institution_id, mailing.unit.pk), [])
        mails = [(None, unit_mail(mailing))] if mailing.contact else []
        mails += [(person, unit_mail(mailing, person)) for person in mailing.readers]
        run.switched_off += mailing.switched_off
        if not mailing.people and not mailing.contact and not hooks:
            run.units_without_address.append(mailing)
        if mails or hooks:
            digests.append(Digest(mailing.unit.institution, mailing.unit, mailing.reminders, mails, hooks,
                                  unit_post(mailing)))
    for summary in summaries:
        hooks = robots.get((summary.institution.pk, None), [])
        mails = [(person, summary_mail(summary, person)) for person in summary.readers]
        run.switched_off += summary.switched_off
        if not summary.people and not hooks:
            run.summaries_without_address.append(summary)
        if mails or hooks:
            digests.append(Digest(summary.institution, None, summary.reminders, mails, hooks, summary_post(summary)))
    return digests


def reminders_send(*, day: dt.date, days: int = reminders.MAIL_DAYS, dry_run: bool = False,
                   force: bool = False) -> Run:
    """Send the day's digests, each mail and robot post once (see the module's docstring); return what became of
    each."""
    run = Run(day, days, dry_run)
    # Mail goes out in the portal's language, whatever the shell's or the worker's locale.
    with translation.override(settings.LANGUAGE_CODE):
        mailings = reminders.mailings(today=day, days=days)
        summaries = reminders.staff_summaries(today=day)
        digests = _digests(mailings, summaries, run)
        # A dry run claims nothing: it reads which digests went out already, to leave them out as the real run would.
        claimed = reminders.claimed_on(day) if dry_run and not force else set()
        connection = None if dry_run else get_connection()
        for digest in digests:
            if dry_run:
                done = (digest.institution.pk, digest.unit.pk if digest.unit else None) in claimed
                run.outcomes += [Outcome(digest.institution, digest.unit, digest.reminders, mail,
                                         ALREADY if done else SENT, person=person) for person, mail in digest.mails]
                run.posts += [Post(hook, digest.unit, ALREADY if done else QUEUED) for hook in digest.hooks]
            else:
                _claim_and_send(digest, run, day, connection, force=force)
    return run


def _again(key: str, force: bool) -> str:
    """With `force`, a key whose message went out already becomes a key of its own, so that it goes again."""
    if force and Delivery.objects.filter(key=key, status=Delivery.Status.SENT).exists():
        return f"{key}:again:{uuid.uuid4().hex[:12]}"
    return key


def _claim_and_send(digest: Digest, run: Run, day: dt.date, connection, *, force: bool) -> None:
    """Claim the day's digest, send each of its mails and queue each robot post; a digest one of whose mails could
    not be sent gives its claim back. With `force`, a digest already claimed or sent that day goes again, as
    deliveries of their own."""
    institution, unit = digest.institution, digest.unit
    claim = reminders.reminder_claim(institution=institution, unit=unit, day=day, recipients=digest.recipients)
    if claim is None and not force:
        run.outcomes += [Outcome(institution, unit, digest.reminders, mail, ALREADY, person=person)
                         for person, mail in digest.mails]
        run.posts += [Post(hook, unit, ALREADY) for hook in digest.hooks]
        return
    failed = False
    for person, mail in digest.mails:
        entry = Outcome(institution, unit, digest.reminders, mail, SENT, person=person)
        run.outcomes.append(entry)
        key = _again(delivery_key(institution, unit, day, person), force)
        entry.delivery = delivery_create(key=key, channel=Delivery.Channel.MAIL, institution=institution,
                                         recipients=mail.recipients, subject=mail.subject, body=mail.body)
        try:
            sent = delivery_send(delivery_id=entry.delivery.pk, connection=connection)
        except DeliveryFailed as error:
            entry.outcome, entry.error = FAILED, str(error.__cause__ or error)
            failed = True
            continue
        entry.outcome = ALREADY if sent == DELIVERED_BEFORE else SENT
    title, lines, link = digest.post
    for hook in digest.hooks:
        delivery = webhook_queue(hook, key=_again(post_key(hook, day), force), title=title, lines=lines, link=link)
        run.posts.append(Post(hook, unit, ALREADY if delivery.status == Delivery.Status.SENT else QUEUED, delivery))
    if failed and claim is not None:
        reminders.reminder_release(claim=claim)
