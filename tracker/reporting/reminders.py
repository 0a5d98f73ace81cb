"""What falls due and what is overdue: tasks, rectifications and review steps, for a unit or a signed-in user.

Read by the "my reminders" page (views/reminders.py) and by `manage.py send_reminders`. Nothing here writes but
the daily digest's claims (`reminder_claim`), which let each day's digest of a unit (to its people, its
address and its group robot) and of an institution's committee staff go out once.

- A unit answers for a task when the task names it, or names every unit of its kind (`TaskQuerySet.for_unit`,
  the same rule as `access._answers_for`); it owns the rectifications whose owner unit it is.
- A secretary or liaison sees her unit's; committee staff, leaders and administrators the whole institution's,
  grouped by the responsible party, plus the university review's dated steps; a reviewer nothing.
- "Due" means not done and due on or before `today + days`; "overdue" means due before `today`.

Every read is a fixed number of queries, whatever the number of rows: tasks (1) and their parties (1),
rectifications (1), review steps (1); the command's bulk read adds units (1) and people (1: their accounts and
e-mail choices, joined).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tracker import access
from tracker.assessments.models.assessments import Rectification, ReviewStep
from tracker.notifications.models import DIGEST
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.plans.models import PARTY_KIND_LABELS, Task, TaskParty
from tracker.reporting.models import ReminderClaim

User = AbstractBaseUser | AnonymousUser
Role = Profile.Role

PAGE_DAYS = 30  # the "my reminders" page looks a month ahead
MAIL_DAYS = 7  # send_reminders' default

TASK = "task"
RECTIFICATION = "rectification"
REVIEW_STEP = "review_step"
KINDS = (TASK, RECTIFICATION, REVIEW_STEP)

# Scopes of a Reminders result.
UNIT = "unit"
INSTITUTION = "institution"
NOTHING = "nothing"

# Groups follow the organisation: party committee, school committee, colleges, member units, then outsiders.
KIND_RANK = {kind: rank for rank, kind in enumerate(OrgUnit.Kind.values)}


@dataclass(frozen=True)
class Item:
    """One thing that falls due: a task, a rectification or a review step, as a page or a mail lists it."""

    kind: str
    obj: Task | Rectification | ReviewStep
    number: str
    title: str
    due: dt.date
    today: dt.date
    path: str  # the page's path, without scheme and host
    parties: str = ""  # who answers for it, in words
    plan: str = ""  # a task's plan (an institution may run several at once); empty for the other kinds

    @property
    def overdue(self) -> bool:
        return self.due < self.today

    @property
    def days_overdue(self) -> int:
        return max(0, (self.today - self.due).days)

    @property
    def days_left(self) -> int:
        return max(0, (self.due - self.today).days)

    @property
    def kind_label(self) -> str:
        return {TASK: _("Task"), RECTIFICATION: _("Rectification"), REVIEW_STEP: _("Review step")}[self.kind]

    @property
    def sort_key(self) -> tuple:
        """Due date, then tasks before rectifications before steps; ties keep the read's order (sorts are stable)."""
        return (self.due, KINDS.index(self.kind))


@dataclass
class Group:
    """The items one responsible party answers for: a unit, or every unit of a kind (e.g. 各二级关工委)."""

    key: tuple
    label: str
    institution: Institution
    unit: OrgUnit | None = None
    items: list[Item] = field(default_factory=list)

    @property
    def overdue(self) -> list[Item]:
        return [item for item in self.items if item.overdue]

    @property
    def due_soon(self) -> list[Item]:
        return [item for item in self.items if not item.overdue]


@dataclass
class Reminders:
    """What one unit, or one reader of the whole institution, has falling due."""

    today: dt.date
    days: int
    scope: str
    groups: list[Group] = field(default_factory=list)
    steps: list[Item] = field(default_factory=list)
    unit: OrgUnit | None = None
    several_institutions: bool = False

    @property
    def horizon(self) -> dt.date:
        return self.today + dt.timedelta(days=self.days)

    @property
    def items(self) -> list[Item]:
        """Every task and rectification once (a task led by two parties sits in two groups), by due date."""
        seen, result = set(), []
        for group in self.groups:
            for item in group.items:
                if (item.kind, item.obj.pk) not in seen:
                    seen.add((item.kind, item.obj.pk))
                    result.append(item)
        return sorted(result, key=lambda item: item.sort_key)

    @property
    def overdue(self) -> list[Item]:
        return [item for item in [*self.items, *self.steps] if item.overdue]

    @property
    def due_soon(self) -> list[Item]:
        return [item for item in [*self.items, *self.steps] if not item.overdue]

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.steps

    def only_overdue(self) -> Reminders:
        """The same reminders with everything not yet overdue left out (the staff's daily summary)."""
        groups = [Group(g.key, g.label, g.institution, g.unit, g.overdue) for g in self.groups]
        return Reminders(self.today, self.days, self.scope, [g for g in groups if g.items],
                         [step for step in self.steps if step.overdue], self.unit, self.several_institutions)


# --- Reads ----------------------------------------------------------------------------------------


def _horizon(today: dt.date, days: int) -> dt.date:
    return today + dt.timedelta(days=days)


def due_tasks(tasks: QuerySet[Task], today: dt.date, days: int) -> list[Task]:
    """Tasks not done and due by `today + days` (overdue ones included), with plan and parties: two queries."""
    return list(
        tasks.with_schedule().exclude(status=Task.Status.DONE).filter(due_on__lte=_horizon(today, days))
        .order_by("due_on", "stage__phase__plan_id", "stage__phase__order", "stage__order", "order")
    )


def due_rectifications(rectifications: QuerySet[Rectification], today: dt.date, days: int) -> list[Rectification]:
    """Open entries (not done, not verified) whose deadline is by `today + days`, with unit and institution."""
    return list(
        rectifications.exclude(status__in=Rectification.CLOSED).filter(deadline__lte=_horizon(today, days))
        .select_related("unit", "institution").order_by("deadline", "pk")
    )


def due_steps(steps: QuerySet[ReviewStep], today: dt.date, days: int) -> list[ReviewStep]:
    """Review steps with a planned date by `today + days` and no done date, with their review and institution."""
    return list(
        steps.filter(done_on__isnull=True, planned_on__isnull=False, planned_on__lte=_horizon(today, days))
        .select_related("review__institution").order_by("planned_on", "pk")
    )


# --- Items ----------------------------------------------------------------------------------------


def task_item(task: Task, today: dt.date) -> Item:
    parties = "、".join(str(party.label) for party in [*task.lead_parties, *task.cooperating_parties])
    return Item(TASK, task, task.code, task.title, task.due_on, today, task.get_absolute_url(), parties,
                task.plan.title)


def rectification_item(rectification: Rectification, today: dt.date) -> Item:
    problem = rectification.problem.strip().splitlines()[0] if rectification.problem.strip() else ""
    title = problem if len(problem) <= 60 else problem[:59] + "…"
    return Item(RECTIFICATION, rectification, str(rectification.pk), title, rectification.deadline, today,
                rectification.get_absolute_url(), rectification.unit.label)


def step_item(step: ReviewStep, today: dt.date) -> Item:
    review = step.review
    title = f"{review.name}：{step.get_kind_display()}"
    return Item(REVIEW_STEP, step, str(step.number), title, step.planned_on, today,
                f"{review.get_absolute_url()}#step-{step.pk}")


def _sorted(items: Iterable[Item]) -> list[Item]:
    return sorted(items, key=lambda item: item.sort_key)


# --- One unit -------------------------------------------------------------------------------------


def _unit_reminders(unit: OrgUnit, institution: Institution, tasks: Sequence[Task],
                    rectifications: Sequence[Rectification], today: dt.date, days: int) -> Reminders:
    items = [task_item(task, today) for task in tasks]
    items += [rectification_item(entry, today) for entry in rectifications]
    groups = [Group(_unit_key(unit, institution), unit.name, institution, unit, _sorted(items))] if items else []
    return Reminders(today, days, UNIT, groups, unit=unit)


def for_unit(unit: OrgUnit, *, today: dt.date, days: int) -> Reminders:
    """The tasks of its institution that `unit` answers for, and the rectifications it owns, due by today + days."""
    tasks = Task.objects.filter(stage__phase__plan__institution_id=unit.institution_id).for_unit(unit)
    rectifications = due_rectifications(Rectification.objects.filter(unit=unit), today, days)
    return _unit_reminders(unit, unit.institution, due_tasks(tasks, today, days), rectifications, today, days)


# --- The whole institution --------------------------------------------------------------------------


def _unit_key(unit: OrgUnit, institution: Institution) -> tuple:
    return (institution.code, KIND_RANK.get(unit.kind, len(KIND_RANK)), 1, unit.order, unit.name, unit.pk)


def _party_group(party: TaskParty, institution: Institution) -> Group:
    if party.unit_id is not None:
        return Group(_unit_key(party.unit, institution), party.unit.name, institution, party.unit)
    key = (institution.code, KIND_RANK.get(party.kind, len(KIND_RANK)), 0, 0, "", 0)
    return Group(key, str(PARTY_KIND_LABELS.get(party.kind, party.kind)), institution)


def _institution_reminders(tasks: Sequence[Task], rectifications: Sequence[Rectification],
                           steps: Sequence[ReviewStep], today: dt.date, days: int) -> Reminders:
    """Tasks under each of their lead parties (every party when none leads), rectifications under their owner."""
    groups: dict[tuple, Group] = {}

    def add(group: Group, item: Item) -> None:
        groups.setdefault(group.key, group).items.append(item)

    for task in tasks:
        institution = task.stage.phase.plan.institution
        parties = task.lead_parties or list(task.parties.all())
        item = task_item(task, today)
        if not parties:
            add(Group((institution.code, len(KIND_RANK) + 1, 0, 0, "", 0), _("No responsible unit named"),
                      institution), item)
        for party in parties:
            add(_party_group(party, institution), item)
    for entry in rectifications:
        add(Group(_unit_key(entry.unit, entry.institution), entry.unit.name, entry.institution, entry.unit),
            rectification_item(entry, today))
    ordered = [groups[key] for key in sorted(groups)]
    for group in ordered:
        group.items = _sorted(group.items)
    step_items = _sorted(step_item(step, today) for step in steps)
    institutions = {group.institution.pk for group in ordered} | {item.obj.review.institution_id for item in step_items}
    return Reminders(today, days, INSTITUTION, ordered, step_items, several_institutions=len(institutions) > 1)


def for_institutions(institutions: QuerySet[Institution], *, today: dt.date, days: int) -> Reminders:
    """Everything due in these institutions, grouped by responsible party, with the review steps."""
    tasks = Task.objects.filter(stage__phase__plan__institution__in=institutions)
    rectifications = Rectification.objects.filter(institution__in=institutions)
    steps = ReviewStep.objects.filter(review__institution__in=institutions)
    return _institution_reminders(due_tasks(tasks, today, days), due_rectifications(rectifications, today, days),
                                  due_steps(steps, today, days), today, days)


# --- A signed-in user -------------------------------------------------------------------------------


def for_user(user: User, *, today: dt.date, days: int = PAGE_DAYS) -> Reminders:
    """A secretary or liaison: her unit's. Staff, leaders, administrators: the whole institution's, with the
    review steps. A reviewer, or someone without a role: nothing. Reads go through `access`."""
    role = access.role_of(user)
    if role in (Role.SECRETARY, Role.LIAISON):
        profile = access.profile_of(user)  # its unit and institution come joined: no query here
        tasks = due_tasks(access.tasks_visible_to(user).for_unit(profile.unit), today, days)
        rectifications = due_rectifications(access.rectifications_visible_to(user), today, days)
        return _unit_reminders(profile.unit, profile.institution, tasks, rectifications, today, days)
    if role in (Role.ADMIN, Role.STAFF, Role.LEADER):
        steps = ReviewStep.objects.filter(review__in=access.reviews_visible_to(user))
        return _institution_reminders(
            due_tasks(access.tasks_visible_to(user), today, days),
            due_rectifications(access.rectifications_visible_to(user), today, days),
            due_steps(steps, today, days), today, days,
        )
    return Reminders(today, days, NOTHING)


# --- Every unit at once (the daily digest) -----------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone a digest is for: an active account with an e-mail address."""

    user_id: int
    name: str
    email: str
    digest: bool = True  # False: they switched the daily digest off (DIGEST in their MailChoice.not_mailed)


def _one_per_address(people: Iterable[Person]) -> list[Person]:
    seen: set[str] = set()
    result = []
    for person in people:
        if person.email.lower() not in seen:
            seen.add(person.email.lower())
            result.append(person)
    return result


@dataclass
class Mailing:
    """One unit's reminders and whom its digest goes to: each of its people, and the unit's own address."""

    reminders: Reminders
    people: list[Person] = field(default_factory=list)  # its active secretaries and liaisons with an address
    contact: str = ""  # the unit's contact address (OrgUnit.email), when it is none of its people's

    @property
    def unit(self) -> OrgUnit:
        return self.reminders.unit

    @property
    def readers(self) -> list[Person]:
        """The people who take the digest, one per address."""
        return _one_per_address(person for person in self.people if person.digest)

    @property
    def switched_off(self) -> list[Person]:
        return [person for person in self.people if not person.digest]

    @property
    def recipients(self) -> list[str]:
        """Every address the day's digest goes to: the unit's own, then its people's."""
        return ([self.contact] if self.contact else []) + [person.email for person in self.readers]


@dataclass
class Summary:
    """An institution's overdue items for its committee staff, each of whom gets it as a digest of their own."""

    institution: Institution
    reminders: Reminders
    people: list[Person] = field(default_factory=list)  # its active committee staff with an address

    @property
    def readers(self) -> list[Person]:
        return _one_per_address(person for person in self.people if person.digest)

    @property
    def switched_off(self) -> list[Person]:
        return [person for person in self.people if not person.digest]

    @property
    def recipients(self) -> list[str]:
        return [person.email for person in self.readers]


def _person(profile: Profile) -> Person:
    user = profile.user
    try:
        choice = user.mail_choice  # joined by the read (select_related): no query, None cached when there is none
    except ObjectDoesNotExist:
        choice = None
    off = set(choice.not_mailed or ()) if choice is not None else set()
    return Person(user.pk, user.get_full_name() or user.get_username(), user.email, DIGEST not in off)


def _people(profiles: QuerySet[Profile]) -> QuerySet[Profile]:
    """Active accounts with an address, with their user and e-mail choice: one query."""
    return (profiles.filter(user__is_active=True).exclude(user__email="")
            .select_related("user", "user__mail_choice").order_by("user__username", "user_id"))


def unit_people(units: Sequence[OrgUnit]) -> dict[int, list[Person]]:
    """Each unit's active secretaries and liaisons with an e-mail address (a person's own unit only): one query."""
    people: dict[int, list[Person]] = defaultdict(list)
    for profile in _people(Profile.objects.filter(unit__in=units, role__in=(Role.SECRETARY, Role.LIAISON))):
        people[profile.unit_id].append(_person(profile))
    return people


def unit_contact(unit: OrgUnit, people: Sequence[Person]) -> str:
    """The unit's own address, unless it is the address of one of its people: their mail, on their choice."""
    if not unit.email or unit.email.lower() in {person.email.lower() for person in people}:
        return ""
    return unit.email


def staff_people(institution_ids: Iterable[int]) -> dict[int, list[Person]]:
    """Each institution's active committee staff with an e-mail address: one query. Leaders are not sent the
    summary: they do not chase the items, and read them on 工作总览."""
    people: dict[int, list[Person]] = defaultdict(list)
    profiles = Profile.objects.filter(institution_id__in=list(institution_ids), role=Role.STAFF)
    for profile in _people(profiles):
        people[profile.institution_id].append(_person(profile))
    return people


def _tasks_by_party(tasks: Sequence[Task]) -> tuple[dict, dict]:
    """Index tasks by the units they name and by (institution, kind) for the kinds they name as a whole."""
    by_unit: dict[int, list[Task]] = defaultdict(list)
    by_kind: dict[tuple[int, str], list[Task]] = defaultdict(list)
    for task in tasks:
        institution_id = task.stage.phase.plan.institution_id
        for party in task.parties.all():
            target = by_unit[party.unit_id] if party.unit_id else by_kind[(institution_id, party.kind)]
            target.append(task)  # a task naming a unit twice is listed once by `mailings`
    return by_unit, by_kind


def mailings(*, today: dt.date, days: int) -> list[Mailing]:
    """Every unit of every institution with something due by today + days, with its people and address.

    Zones and the province stand outside the institutions and are not reminded. Five queries in all:
    tasks, parties, rectifications, units, people (with their e-mail choices).
    """
    tasks = due_tasks(Task.objects.all(), today, days)
    position = {task.pk: index for index, task in enumerate(tasks)}
    rectifications = due_rectifications(Rectification.objects.all(), today, days)
    by_unit, by_kind = _tasks_by_party(tasks)
    by_owner: dict[int, list[Rectification]] = defaultdict(list)
    for entry in rectifications:
        by_owner[entry.unit_id].append(entry)
    units = list(OrgUnit.objects.in_service().filter(institution__isnull=False)
                 .exclude(kind__in=OrgUnit.OUTSIDE_KINDS)
                 .select_related("institution").order_by("institution__code", "kind", "order", "name"))
    result = []
    for unit in units:
        named = by_unit.get(unit.pk, []) + by_kind.get((unit.institution_id, unit.kind), [])
        # A task may name the unit both ways (lead by name, co-operating by kind): list it once, in due order.
        unit_tasks = sorted({task.pk: task for task in named}.values(), key=lambda task: position[task.pk])
        reminders = _unit_reminders(unit, unit.institution, unit_tasks, by_owner.get(unit.pk, []), today, days)
        if not reminders.is_empty:
            result.append(Mailing(reminders))
    people = unit_people([mailing.unit for mailing in result]) if result else {}
    for mailing in result:
        mailing.people = people.get(mailing.unit.pk, [])
        mailing.contact = unit_contact(mailing.unit, mailing.people)
    return result


def staff_summaries(*, today: dt.date) -> list[Summary]:
    """Each institution's overdue tasks, rectifications and review steps, for its committee staff.

    Five queries: tasks, parties, rectifications, review steps, staff (with their e-mail choices).
    """
    # A horizon of yesterday: only what was due before today, i.e. overdue.
    everything = for_institutions(Institution.objects.all(), today=today, days=-1)
    by_institution: dict[int, Reminders] = {}
    institutions: dict[int, Institution] = {}
    for group in everything.groups:
        institutions[group.institution.pk] = group.institution
        reminders = by_institution.setdefault(group.institution.pk, Reminders(today, 0, INSTITUTION))
        reminders.groups.append(group)
    for step in everything.steps:
        institution = step.obj.review.institution
        institutions[institution.pk] = institution
        by_institution.setdefault(institution.pk, Reminders(today, 0, INSTITUTION)).steps.append(step)
    people = staff_people(by_institution) if by_institution else {}
    return [Summary(institutions[pk], by_institution[pk], people.get(pk, []))
            for pk in sorted(by_institution, key=lambda pk: institutions[pk].code)]


# --- Claims: each day's mail goes out once ------------------------------------------------------------
# Like healthchecks' `sendalerts`, which claims a check with a conditional UPDATE before it sends: a run inserts
# the day's claim before it sends a mail, and the unique constraints let exactly one run insert it. No read comes
# first, so two runs at the same time cannot both find the mail unclaimed.


def reminder_claim(*, institution: Institution, unit: OrgUnit | None, day: dt.date,
                   recipients: Sequence[str]) -> ReminderClaim | None:
    """Claim `day`'s mail to `unit` (None: to the institution's committee staff) for this run: the new claim, or
    None when a run has claimed it already."""
    kind = ReminderClaim.Kind.SUMMARY if unit is None else ReminderClaim.Kind.UNIT
    claim = ReminderClaim(institution=institution, unit=unit, day=day, kind=kind, recipients="\n".join(recipients))
    try:
        with transaction.atomic():  # committed before the mail goes: a run at the same time sees it
            claim.save(force_insert=True)
    except IntegrityError:  # tracker_reminderclaim_unique (or _unique_summary): another run's
        return None
    return claim


def reminder_release(*, claim: ReminderClaim) -> None:
    """Give back the claim of a mail that could not be sent, so that the next run sends it."""
    claim.delete()


def claimed_on(day: dt.date) -> set[tuple[int, int | None]]:
    """(institution id, unit id or None for the staff summary) of every mail claimed for `day`: one query."""
    return set(ReminderClaim.objects.filter(day=day).values_list("institution_id", "unit_id"))
