"""我的待办: what needs the signed-in person now, in one list ordered by urgency (the home page of every role).

Each row says what to do (a short title), why now (a detail line: the reviewer's comment, the deadline …) and
links to the one page where it is done. Rows are derived from the data on every visit, never ticked off by hand:
a row leaves the list when its work is done (the assessment resubmitted, the rectification verified …).

- A secretary or liaison (bound to a unit): the unit's returned self-assessments with the reviewer's latest
  comment; each current round the unit files and has not submitted; its rectifications not yet done; the tasks it
  answers for, overdue or due within `TASK_DAYS`; the roster file she uploaded and has not yet applied.
- Committee staff: self-assessments waiting for review, rectifications reported done waiting for verification,
  the school committee's own rectifications not yet done (a zone review's opinions: staff rectify them), each
  current round with units behind (one row per round), overdue tasks with no progress report for `STALE_DAYS`,
  review steps planned within `TASK_DAYS` or past and not done; their own roster file not applied.
- A leader: the dashboard's headline figures that changed since they were last seen (kept in `HomeVisit`), what
  is at risk (overdue tasks and rectifications, quotas not met, colleges behind), and the way to 工作总览.
- A reviewer: each review file of his institution whose decision is not yet published, and the opinions he wrote
  whose rectification is not yet verified.
- The administrator: what the set-up still lacks (no university; a university without committee staff).

Urgency: overdue first (the longest overdue first), then by days left, then rows without a deadline (those
waiting longest first). Tasks overdue for more than `LONG_OVERDUE_DAYS` — a past cycle left unfinished — are
one row per plan, linked to the plan's overdue tasks of the unit, so they do not bury what is new.

A fixed number of queries whatever the data size, for every role: a secretary's list reads assessments (1), rounds
with their named units (2), rectifications (1), tasks (1) and roster files (1); staff's reads assessments (1),
rectifications to verify (1) and of the school committee (1), rounds (2), units (1), the rounds' assessments (1),
tasks (1), review steps (1) and roster files (1); a reviewer's reviews (2: with their steps) and opinions (1); a
leader's the dashboard (its own fixed number) and the visit (1–2). Links come from `reporting.dashboard.url`,
which reverses each URL name once per process.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tracker import access
from tracker.assessments.models.assessments import (
    Assessment,
    AssessmentEntry,
    AssessmentRound,
    AssessmentTransition,
    Rectification,
    ReviewOpinion,
    ReviewStep,
)
from tracker.notifications.models import HomeVisit
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.plans.models import Task, TaskUpdate
from tracker.plans.querysets import due_on
from tracker.quotas.metrics import QuotaStatus
from tracker.reporting.dashboard import Dashboard, build_dashboard, url
from tracker.roster.models import RosterImport

User = AbstractBaseUser | AnonymousUser
Role = Profile.Role
Status = Assessment.Status

TASK_DAYS = 30  # tasks, review steps: due within a month
STALE_DAYS = 30  # staff: an overdue task nobody reported on for a month
LONG_OVERDUE_DAYS = 90  # overdue longer: one row per plan (two or more such tasks), not one per task
IMPORT_DAYS = 7  # a roster file checked but not applied stays on the list for a week
TITLE_CHARS = 40

# Kinds of row, in the order they come when their dates tie.
RETURNED = "assessment_returned"
TO_FILE = "round_to_file"
RECTIFICATION = "rectification"
TASK = "task"
OLD_TASKS = "old_tasks"
ROSTER_IMPORT = "roster_import"
TO_REVIEW = "assessment_to_review"
TO_VERIFY = "rectification_to_verify"
BEHIND = "round_behind"
STALE_TASK = "stale_task"
REVIEW_STEP = "review_step"
REVIEW_FILE = "review_file"
OPINION = "opinion"
RISK = "risk"
SETUP = "setup"
KINDS = (RETURNED, TO_REVIEW, TO_VERIFY, TO_FILE, BEHIND, RECTIFICATION, REVIEW_FILE, OPINION, REVIEW_STEP, TASK,
         STALE_TASK, OLD_TASKS, ROSTER_IMPORT, RISK, SETUP)


@dataclass(frozen=True)
class Row:
    """One thing to do. `due` is its deadline (None: it has none); `since`, for a row without one, the day it has
    been waiting from. `key` names the record behind it (kind and id), for the page's anchors and the tests."""

    kind: str
    key: str
    title: str
    detail: str
    url: str
    today: dt.date
    due: dt.date | None = None
    since: dt.date | None = None

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < self.today

    @property
    def days(self) -> int | None:
        """Days left (negative: overdue); None without a deadline."""
        return None if self.due is None else (self.due - self.today).days

    @property
    def when(self) -> str:
        """The deadline in words: overdue by, due today, days left; empty without a deadline."""
        days = self.days
        if days is None:
            return ""
        if days < 0:
            return ngettext("%(counter)s day overdue", "%(counter)s days overdue", -days) % {"counter": -days}
        if days == 0:
            return _("Due today")
        return ngettext("%(counter)s day left", "%(counter)s days left", days) % {"counter": days}

    @property
    def sort_key(self) -> tuple:
        """Dated rows by their deadline (the longest overdue first), then undated ones, waiting longest first; ties
        keep the order they were read in (sorts are stable)."""
        if self.due is not None:
            return (0, self.due, KINDS.index(self.kind))
        return (1, self.since or self.today, KINDS.index(self.kind))


@dataclass(frozen=True)
class Change:
    """A headline figure as it was and as it is (a leader's "what changed")."""

    key: str
    label: str
    before: str
    after: str
    url: str


@dataclass
class Todo:
    """What one person has to do now."""

    role: str | None
    today: dt.date
    rows: list[Row] = field(default_factory=list)
    unit: OrgUnit | None = None
    institution: Institution | None = None
    # A leader's: the figures that changed, when they changed, and whether this is the first visit.
    changes: list[Change] = field(default_factory=list)
    changed_at: dt.datetime | None = None
    first_visit: bool = False
    dashboard_url: str = ""


def _short(text: str, limit: int = TITLE_CHARS) -> str:
    """The first line of a text, cut to `limit` characters."""
    line = text.strip().splitlines()[0].strip() if text.strip() else ""
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value:%Y-%m-%d}"


def _sentences(parts: Iterable[str]) -> str:
    """Sentences one after another: with a space between them in English, none in Chinese (their full stop is
    full-width)."""
    separator = "" if (translation.get_language() or "").startswith("zh") else " "
    return separator.join(part for part in parts if part)


def _sorted(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: row.sort_key)


# --- Rounds: which are current, who files -----------------------------------------------------------


def current_rounds(rounds: list[AssessmentRound], today: dt.date) -> list[AssessmentRound]:
    """The rounds still being filed: every round due today or later, and of each institution's college-level and
    school-level rounds the latest even when its deadline has passed (as the dashboard's current round). Older
    rounds are history: their not-started units are not asked again. `rounds` come newest first."""
    latest: set[tuple[int, str]] = set()
    result = []
    for assessment_round in rounds:
        scope = (assessment_round.institution_id, assessment_round.standard.level)
        if assessment_round.due_on >= today or scope not in latest:
            result.append(assessment_round)
        latest.add(scope)
    return result


def _rounds_of(user: User) -> list[AssessmentRound]:
    """The rounds the user sees, newest first, with standard and named units: two queries."""
    return list(access.rounds_visible_to(user).select_related("standard")
                .prefetch_related(Prefetch("units", queryset=OrgUnit.objects.only("pk")))
                .order_by("-due_on", "-id"))


# --- A secretary or liaison -------------------------------------------------------------------------


def _latest_return() -> dict:
    """The latest return of an assessment (its comment, its day) and the items its reviewers commented on."""
    returns = AssessmentTransition.objects.filter(assessment=OuterRef("pk"), to_status=Status.RETURNED).order_by(
        "-at", "-id")
    commented = (AssessmentEntry.objects.filter(assessment=OuterRef("pk")).exclude(review_comment="").order_by()
                 .values("assessment").annotate(n=Count("pk")).values("n"))
    first = (AssessmentEntry.objects.filter(assessment=OuterRef("pk")).exclude(review_comment="")
             .order_by("item__group__order", "item__order", "pk"))
    return {"return_comment": Subquery(returns.values("comment")[:1]),
            "returned_on": Subquery(returns.values("occurred_on")[:1]),
            "items_to_change": Coalesce(Subquery(commented), 0),
            "first_item": Subquery(first.values("item__number")[:1]),
            "first_item_comment": Subquery(first.values("review_comment")[:1])}


def _returned_row(assessment: Assessment, today: dt.date) -> Row:
    details = [_("Returned on %(date)s.") % {"date": _day(assessment.returned_on)}]
    if assessment.return_comment:
        details.append(_("Comment: “%(comment)s”") % {"comment": assessment.return_comment})
    if assessment.items_to_change:
        details.append(ngettext("%(count)d item to change: item %(number)s, “%(comment)s”.",
                                "%(count)d items to change, among them item %(number)s: “%(comment)s”.",
                                assessment.items_to_change)
                       % {"count": assessment.items_to_change, "number": assessment.first_item,
                          "comment": _short(assessment.first_item_comment, 60).rstrip("。．.！!")})
    else:
        details.append(_("Change it, then submit it again."))
    return Row(RETURNED, f"assessment-{assessment.pk}",
               _("Self-assessment returned: %(round)s") % {"round": assessment.round.name}, _sentences(details),
               url("tracker:assessment-detail", assessment.pk), today, due=assessment.round.due_on)


def _to_file_row(assessment_round: AssessmentRound, assessment: Assessment | None, today: dt.date) -> Row:
    deadline = {"date": _day(assessment_round.due_on)}
    if assessment is None:
        detail = _("Not started yet. Filing deadline %(date)s.") % deadline
        link = url("tracker:round-list") + f"#round-{assessment_round.pk}"  # where its “Start” button is
    else:
        detail = _("A draft, not yet submitted. Filing deadline %(date)s.") % deadline
        link = url("tracker:assessment-detail", assessment.pk)
    return Row(TO_FILE, f"round-{assessment_round.pk}",
               _("File the self-assessment: %(round)s") % {"round": assessment_round.name}, detail, link, today,
               due=assessment_round.due_on)


def _rectification_row(entry: Rectification, today: dt.date) -> Row:
    detail = _("%(status)s; deadline %(date)s.") % {"status": entry.get_status_display(), "date": _day(entry.deadline)}
    title = _("Rectify: %(problem)s") % {"problem": _short(entry.problem)}
    return Row(RECTIFICATION, f"rectification-{entry.pk}", title, detail,
               url("tracker:rectification-detail", entry.pk), today, due=entry.deadline)


def _task_title(task: Task) -> str:
    return _("Task %(code)s: %(title)s") % {"code": task.code, "title": _short(task.title)}


def _task_rows(tasks: list[Task], today: dt.date, kind: str, detail, unit: OrgUnit | None = None) -> list[Row]:
    """One row per task; tasks overdue for more than LONG_OVERDUE_DAYS, two or more of a plan, as one row for the
    plan (its overdue tasks, of the unit when one is given)."""
    old: dict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        if (today - task.due_on).days > LONG_OVERDUE_DAYS:
            old[task.stage.phase.plan_id].append(task)
    rows = []
    for task in tasks:
        group = old.get(task.stage.phase.plan_id, [])
        if len(group) >= 2 and task in group:
            continue
        rows.append(Row(kind, f"task-{task.pk}", _task_title(task), detail(task),
                        url("tracker:task-detail", task.pk), today, due=task.due_on))
    for plan_id, group in old.items():
        if len(group) < 2:
            continue
        plan = group[0].stage.phase.plan
        params = {"status": "overdue", **({"unit": unit.pk} if unit is not None else {})}
        rows.append(Row(
            OLD_TASKS, f"plan-{plan_id}",
            ngettext("%(count)d task of “%(plan)s” overdue for more than %(days)d days",
                     "%(count)d tasks of “%(plan)s” overdue for more than %(days)d days", len(group))
            % {"count": len(group), "plan": plan.title, "days": LONG_OVERDUE_DAYS},
            _("Due between %(first)s and %(last)s. Report on each, or ask committee staff whether it is still "
              "needed.") % {"first": _day(min(t.due_on for t in group)), "last": _day(max(t.due_on for t in group))},
            url("tracker:plan-detail", plan_id, **params), today, due=max(t.due_on for t in group)))
    return rows


def _task_detail(task: Task) -> str:
    return _("%(plan)s · %(status)s, %(progress)s%% done") % {
        "plan": task.stage.phase.plan.title, "status": task.get_status_display(), "progress": task.progress}


def _import_rows(user: User, today: dt.date) -> list[Row]:
    """The user's latest roster file, if checked but not applied within IMPORT_DAYS (only its uploader applies
    it; a later file replaces it)."""
    since = timezone.now() - dt.timedelta(days=IMPORT_DAYS)
    latest = RosterImport.objects.filter(created_by_id=user.pk, created_at__gte=since).order_by(
        "-created_at", "-id").only("pk", "file_name", "rows", "created_at", "applied_at").first()
    if latest is None or latest.applied_at is not None or not latest.rows:
        return []
    creates = sum(1 for row in latest.rows if row.get("action") == "create")
    updates = len(latest.rows) - creates
    return [Row(ROSTER_IMPORT, f"roster-import-{latest.pk}",
                _("Roster file not yet applied: %(file)s") % {"file": latest.file_name},
                _("Checked on %(date)s: %(creates)d to add, %(updates)d to change. Look at it again and apply it.")
                % {"date": _day(latest.created_at), "creates": creates, "updates": updates},
                url("tracker:roster-import-confirm", latest.pk), today, since=timezone.localtime(
                    latest.created_at).date())]


def _unit_rows(user: User, unit: OrgUnit, today: dt.date) -> list[Row]:
    rows: list[Row] = []
    assessments = {a.round_id: a for a in access.assessments_visible_to(user).filter(unit=unit)
                   .select_related("round").annotate(**_latest_return())}
    for assessment in assessments.values():
        if assessment.status == Status.RETURNED:
            rows.append(_returned_row(assessment, today))
    for assessment_round in current_rounds(_rounds_of(user), today):
        if not access.can_start_assessment(user, assessment_round, unit):
            continue
        assessment = assessments.get(assessment_round.pk)
        if assessment is None or assessment.status == Status.DRAFT:
            rows.append(_to_file_row(assessment_round, assessment, today))
    entries = (access.rectifications_visible_to(user).filter(unit=unit).exclude(status__in=Rectification.CLOSED)
               .only("pk", "problem", "status", "deadline"))
    rows += [_rectification_row(entry, today) for entry in entries]
    tasks = list(access.tasks_visible_to(user).for_unit(unit).select_related("stage__phase__plan")
                 .annotate(due_on=due_on()).exclude(status=Task.Status.DONE)
                 .filter(due_on__lte=today + dt.timedelta(days=TASK_DAYS)).order_by("due_on", "pk"))
    rows += _task_rows(tasks, today, TASK, _task_detail, unit)
    rows += _import_rows(user, today)
    return rows


# --- Committee staff -------------------------------------------------------------------------------


def _review_rows(institution_ids: list[int], today: dt.date) -> list[Row]:
    waiting = (Assessment.objects.filter(round__institution_id__in=institution_ids, status__in=Assessment.UNDER_REVIEW)
               .select_related("round", "unit").order_by("submitted_at", "pk"))
    rows = []
    for assessment in waiting:
        submitted = {"round": assessment.round.name, "date": _day(assessment.submitted_at)}
        detail = (_("%(round)s · resubmitted on %(date)s.") if assessment.status == Status.RESUBMITTED
                  else _("%(round)s · submitted on %(date)s.")) % submitted
        rows.append(Row(TO_REVIEW, f"assessment-{assessment.pk}",
                        _("Review the self-assessment of %(unit)s") % {"unit": assessment.unit.label},
                        detail, url("tracker:assessment-detail", assessment.pk), today,
                        since=_date_of(assessment.submitted_at, today)))
    return rows


def _date_of(value: dt.datetime | None, today: dt.date) -> dt.date:
    return timezone.localtime(value).date() if value is not None else today


def _verify_rows(institution_ids: list[int], today: dt.date) -> list[Row]:
    done = (Rectification.objects.filter(institution_id__in=institution_ids, status=Rectification.Status.DONE)
            .select_related("unit").only("pk", "problem", "done_on", "unit__name", "unit__short_name")
            .order_by("done_on", "pk"))
    return [Row(TO_VERIFY, f"rectification-{entry.pk}",
                _("Verify the rectification of %(unit)s: %(problem)s")
                % {"unit": entry.unit.label, "problem": _short(entry.problem, 30)},
                _("Reported done on %(date)s. Check the evidence, then verify it.") % {"date": _day(entry.done_on)},
                url("tracker:rectification-detail", entry.pk), today, since=entry.done_on or today)
            for entry in done]


def _behind_rows(rounds: list[AssessmentRound], today: dt.date) -> list[Row]:
    """One row per current round with units that have not filed (not started, a draft, or returned)."""
    current = current_rounds(rounds, today)
    if not current:
        return []
    units = list(OrgUnit.objects.in_service().filter(
        institution_id__in={r.institution_id for r in current},
        kind__in=[OrgUnit.Kind.COLLEGE, OrgUnit.Kind.SCHOOL_COMMITTEE]).only("pk", "institution_id", "kind"))
    status = {(round_id, unit_id): state for round_id, unit_id, state in Assessment.objects.filter(
        round__in=current).values_list("round_id", "unit_id", "status")}
    rows = []
    for assessment_round in current:
        chosen = assessment_round.chosen_unit_ids
        filing = [unit for unit in units if unit.institution_id == assessment_round.institution_id
                  and unit.kind == assessment_round.unit_kind and (not chosen or unit.pk in chosen)]
        behind = [unit for unit in filing
                  if status.get((assessment_round.pk, unit.pk)) in (None, Status.DRAFT, Status.RETURNED)]
        if not behind:
            continue
        rows.append(Row(
            BEHIND, f"round-{assessment_round.pk}",
            ngettext("%(count)d unit has not filed “%(round)s”", "%(count)d units have not filed “%(round)s”",
                     len(behind)) % {"count": len(behind), "round": assessment_round.name},
            _("%(filed)d of %(total)d filed; filing deadline %(date)s. The board sends reminders.")
            % {"filed": len(filing) - len(behind), "total": len(filing), "date": _day(assessment_round.due_on)},
            url("tracker:round-board", assessment_round.pk), today, due=assessment_round.due_on))
    return rows


def _stale_task_rows(institution_ids: list[int], today: dt.date) -> list[Row]:
    last = TaskUpdate.objects.filter(task=OuterRef("pk")).order_by("-date", "-id").values("date")[:1]
    tasks = list(Task.objects.filter(stage__phase__plan__institution_id__in=institution_ids)
                 .select_related("stage__phase__plan").overdue_on(today).annotate(last_update=Subquery(last))
                 .filter(Q(last_update__isnull=True) | Q(last_update__lt=today - dt.timedelta(days=STALE_DAYS)))
                 .order_by("due_on", "pk"))

    def detail(task: Task) -> str:
        if task.last_update is None:
            return _("%(plan)s · no progress report yet.") % {"plan": task.stage.phase.plan.title}
        return _("%(plan)s · last progress report on %(date)s.") % {
            "plan": task.stage.phase.plan.title, "date": _day(task.last_update)}

    return _task_rows(tasks, today, STALE_TASK, detail)


def _step_rows(institution_ids: list[int], today: dt.date) -> list[Row]:
    steps = (ReviewStep.objects.filter(review__institution_id__in=institution_ids, done_on__isnull=True,
                                       planned_on__isnull=False,
                                       planned_on__lte=today + dt.timedelta(days=TASK_DAYS))
             .select_related("review").order_by("planned_on", "pk"))
    return [Row(REVIEW_STEP, f"step-{step.pk}",
                _("%(review)s: %(step)s") % {"review": step.review.name, "step": step.get_kind_display()},
                _("Planned for %(date)s; record the day it is done.") % {"date": _day(step.planned_on)},
                url("tracker:review-detail", step.review_id) + f"#step-{step.pk}", today, due=step.planned_on)
            for step in steps]


def _school_rectification_rows(institution_ids: list[int], today: dt.date) -> list[Row]:
    """The school committee's own rectifications (a zone review's opinions go there): committee staff do them."""
    entries = (Rectification.objects.filter(institution_id__in=institution_ids,
                                            unit__kind=OrgUnit.Kind.SCHOOL_COMMITTEE)
               .exclude(status__in=Rectification.CLOSED).only("pk", "problem", "status", "deadline")
               .order_by("deadline", "pk"))
    return [_rectification_row(entry, today) for entry in entries]


def _staff_rows(user: User, profile: Profile, today: dt.date) -> list[Row]:
    ids = [profile.institution_id]
    rows = _review_rows(ids, today)
    rows += _verify_rows(ids, today)
    rows += _school_rectification_rows(ids, today)
    rows += _behind_rows(_rounds_of(user), today)
    rows += _stale_task_rows(ids, today)
    rows += _step_rows(ids, today)
    rows += _import_rows(user, today)
    return rows


# --- A reviewer ------------------------------------------------------------------------------------


def _reviewer_rows(user: User, today: dt.date) -> list[Row]:
    published = ReviewStep.objects.filter(review=OuterRef("pk"), kind=ReviewStep.Kind.PUBLISH,
                                          done_on__isnull=False)
    reviews = list(access.reviews_visible_to(user).exclude(Exists(published))
                   .annotate(opinion_count=Count("opinions", distinct=True))
                   .prefetch_related(Prefetch("steps", queryset=ReviewStep.objects.order_by("pk")))
                   .order_by("pk"))
    rows = []
    for review in reviews:
        steps = {step.kind: step for step in review.steps.all()}
        following = next((steps[kind] for kind in ReviewStep.ORDER if kind in steps and steps[kind].done_on is None),
                         None)
        opinions = ngettext("%(count)d opinion written so far.", "%(count)d opinions written so far.",
                            review.opinion_count) % {"count": review.opinion_count}
        if following is not None and following.planned_on is not None:
            detail = _("Next step: %(step)s, planned for %(date)s.") % {
                "step": following.get_kind_display(), "date": _day(following.planned_on)}
        elif following is not None:
            detail = _("Next step: %(step)s.") % {"step": following.get_kind_display()}
        else:
            detail = ""
        rows.append(Row(REVIEW_FILE, f"review-{review.pk}", _("Review file: %(review)s") % {"review": review.name},
                        _sentences([detail, opinions]), url("tracker:review-detail", review.pk), today,
                        due=following.planned_on if following is not None else None))
    mine = (ReviewOpinion.objects.filter(author_id=user.pk, review__in=access.reviews_visible_to(user),
                                         rectification__isnull=False)
            .exclude(rectification__status=Rectification.Status.VERIFIED)
            .select_related("rectification").only("pk", "text", "review_id", "rectification__status",
                                                  "rectification__deadline")
            .order_by("pk"))
    for opinion in mine:
        entry = opinion.rectification
        rows.append(Row(OPINION, f"opinion-{opinion.pk}",
                        _("Your opinion, being rectified: %(text)s") % {"text": _short(opinion.text, 30)},
                        _("%(status)s; deadline %(date)s.") % {"status": entry.get_status_display(),
                                                               "date": _day(entry.deadline)},
                        url("tracker:review-detail", opinion.review_id) + f"#opinion-{opinion.pk}", today,
                        due=entry.deadline))
    return rows


# --- A leader ---------------------------------------------------------------------------------------


def _figure_keys(board: Dashboard) -> dict[str, tuple[str, str, list]]:
    """key → (label, link, [value, total]) of the dashboard's headline figures. The filing figures are keyed by
    their round, so that a new round starts afresh rather than showing as a fall."""
    result = {}
    for figure in board.figures:
        key, label = figure.key, figure.label
        if key in ("filed", "accepted") and board.filing is not None:
            key = f"{key}:{board.filing.round_name}"
            label = f"{label}（{board.filing.round_name}）"
        result[key] = (label, figure.url, [figure.value, figure.total])
    return result


def _shown(value: list) -> str:
    number, total = value
    return f"{number} / {total}" if total is not None else str(number)


def record_visit(*, user: AbstractBaseUser, figures: dict[str, list]) -> HomeVisit:
    """The leader's visit: the figures as they are now. When they differ from those kept, the kept ones become
    `previous` and `changed_at` is now; otherwise nothing but the visit's time changes (so the last change keeps
    showing, the same on every refresh, until the next one)."""
    visit, created = HomeVisit.objects.get_or_create(user=user, defaults={"figures": figures})
    if created:
        return visit
    now = timezone.now()
    if visit.figures != figures:
        visit.previous, visit.figures, visit.changed_at = visit.figures, figures, now
        visit.seen_at = now
        visit.save(update_fields=["previous", "figures", "changed_at", "seen_at"])
    else:
        visit.seen_at = now
        visit.save(update_fields=["seen_at"])
    return visit


def _leader_todo(todo: Todo, user: User, institution: Institution) -> None:
    board = build_dashboard(institution)
    today = todo.today
    figures = _figure_keys(board)
    visit = record_visit(user=user, figures={key: value for key, (_label, _link, value) in figures.items()})
    todo.first_visit = not visit.previous and visit.changed_at is None
    todo.changed_at = visit.changed_at
    for key, (label, link, value) in figures.items():
        before = visit.previous.get(key)
        if before is not None and list(before) != value:
            todo.changes.append(Change(key, label, _shown(before), _shown(value), link))
    todo.dashboard_url = url("tracker:dashboard")
    rows = []
    overdue_tasks = board.figure("tasks_overdue")
    if overdue_tasks.value:
        rows.append(Row(RISK, "tasks_overdue", ngettext("%(count)d task overdue", "%(count)d tasks overdue",
                                                        overdue_tasks.value) % {"count": overdue_tasks.value},
                        _("Past their deadline and not done."), overdue_tasks.url, today))
    late = [item for item in board.overdue if item.kind == "rectification"]
    if late:
        rows.append(Row(RISK, "rectifications_overdue",
                        ngettext("%(count)d rectification overdue", "%(count)d rectifications overdue", len(late))
                        % {"count": len(late)}, _("Past their deadline and not yet done."),
                        url("tracker:rectification-list", overdue="on"), today))
    quotas = [(q.name, q.status) for q in board.institution_quotas] + [(c.name, c.status) for c in board.quota_columns]
    short = [name for name, status in quotas if status in (QuotaStatus.NOT_MET, QuotaStatus.AT_RISK)]
    if short:
        rows.append(Row(RISK, "quotas", ngettext("%(count)d quota not met or at risk", "%(count)d quotas not met or "
                                                 "at risk", len(short)) % {"count": len(short)},
                        "、".join(short), url("tracker:quota-list"), today))
    filing = board.filing
    if filing is not None and filing.filed < filing.expected:
        behind = filing.expected - filing.filed
        rows.append(Row(RISK, "filing", ngettext("%(count)d unit has not filed “%(round)s”",
                                                 "%(count)d units have not filed “%(round)s”", behind)
                        % {"count": behind, "round": filing.round_name},
                        _("%(filed)d of %(total)d filed; filing deadline %(date)s.")
                        % {"filed": filing.filed, "total": filing.expected, "date": _day(filing.due)},
                        filing.url, today, due=filing.due))
    todo.rows = rows  # in this order: the plan, the rectifications, the quotas, the filing


# --- The administrator --------------------------------------------------------------------------------


def _admin_rows(today: dt.date) -> list[Row]:
    staff = Profile.objects.filter(institution=OuterRef("pk"), role=Role.STAFF, user__is_active=True)
    institutions = list(Institution.objects.annotate(has_staff=Exists(staff)).order_by("code"))
    if not institutions:
        return [Row(SETUP, "institution-create", _("Add the first university"),
                    _("Then its committee staff set up its units and accounts."),
                    url("tracker:setup-institution-create"), today)]
    return [Row(SETUP, f"institution-{institution.pk}",
                _("Give %(institution)s a committee-staff account") % {"institution": institution.name},
                _("Nobody can sign in to run its programme yet."),
                url("tracker:setup-account-create", institution=institution.pk), today)
            for institution in institutions if not institution.has_staff]


# --- Everyone -------------------------------------------------------------------------------------


def for_user(user: User, *, today: dt.date | None = None) -> Todo:
    """The signed-in user's to-do list (see the module's notes). Someone without a role has nothing."""
    today = today or timezone.localdate()
    role = access.role_of(user)
    profile = access.profile_of(user)  # institution and unit come joined: no query of their own
    todo = Todo(role, today, institution=profile.institution if profile else None)
    if role in (Role.SECRETARY, Role.LIAISON):
        todo.unit = profile.unit
        todo.rows = _sorted(_unit_rows(user, profile.unit, today))
    elif role == Role.STAFF:
        todo.rows = _sorted(_staff_rows(user, profile, today))
    elif role == Role.REVIEWER:
        todo.rows = _sorted(_reviewer_rows(user, today))
    elif role == Role.LEADER and profile.institution is not None:
        _leader_todo(todo, user, profile.institution)
    elif role == Role.ADMIN:
        todo.rows = _admin_rows(today)
    return todo

