"""Writes for self-assessments (对标找差), their review, the rectification list (整改清单) and the university review.

The workflow lives here, not in templates: draft → submitted → returned → resubmitted → accepted. Each
transition is checked against the state it starts from and the person asking, and recorded with who and when.
Every shared record carries a version; an edit against a newer one is refused with what changed in between.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from simple_history.utils import bulk_create_with_history

from tracker import access
from tracker.assessments.models.assessments import (
    Assessment,
    AssessmentEntry,
    AssessmentRound,
    AssessmentTransition,
    FilingReminder,
    Rectification,
    Review,
    ReviewOpinion,
    ReviewStep,
)
from tracker.assessments.models.standards import Standard, StandardItem
from tracker.assessments.services.standards import validate_score
from tracker.notifications import services as notices
from tracker.notifications.models import Notification
from tracker.org.evidence import store_evidence
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.org.uploads import check_evidence_file
from tracker.org.versions import lock_at_version
from tracker.templatetags.scores import score

Status = Assessment.Status
Errors = dict[str, list[str]]
ZERO = Decimal("0")

# Which transitions each status allows, and who may take them ("unit": whoever fills the assessment in;
# "reviewer": committee staff).
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.DRAFT, Status.SUBMITTED): "unit",
    (Status.RETURNED, Status.RESUBMITTED): "unit",
    (Status.SUBMITTED, Status.RETURNED): "reviewer",
    (Status.RESUBMITTED, Status.RETURNED): "reviewer",
    (Status.SUBMITTED, Status.ACCEPTED): "reviewer",
    (Status.RESUBMITTED, Status.ACCEPTED): "reviewer",
}
MAX_REPORT_CHARS = 100_000
# Days a zone review opinion has to be rectified when the review has no planned rectification date.
OPINION_DAYS = 90


def _add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _file_errors(files: Sequence[UploadedFile], errors: Errors) -> None:
    for upload in files:
        try:
            check_evidence_file(upload)
        except ValidationError as error:
            errors.setdefault("files", []).extend(error.messages)


def _save(obj, actor: AbstractBaseUser, reason: str, fields: Iterable[str] | None = None) -> None:
    obj._history_user = actor
    obj._change_reason = reason
    obj.save(update_fields=list(fields) if fields is not None else None)


# --- Rounds and starting an assessment ---------------------------------------------------------


@transaction.atomic
def round_create(*, actor: AbstractBaseUser, institution: Institution, standard: Standard, name: str,
                 due_on: dt.date, report_max_chars: int = 2000,
                 units: Sequence[OrgUnit] = ()) -> AssessmentRound:
    """Open a round. `units` names who takes part (a pilot, a first batch): units of the institution of the kind
    the standard's level files (colleges, or the school committee); none named, every unit of that kind files."""
    if not access.can_manage_rounds(actor, institution.pk):
        raise PermissionDenied("only committee staff open assessment rounds")
    errors: Errors = {}
    name = name.strip()
    if not name:
        _add(errors, "name", _("Give the round a name, e.g. 2021年对标找差."))
    elif AssessmentRound.objects.filter(institution=institution, name=name).exists():
        _add(errors, "name", _("A round called “%(name)s” exists already.") % {"name": name})
    if standard.institution_id not in (None, institution.pk):
        _add(errors, "standard", _("This standard belongs to another institution."))
    if report_max_chars is None or not 1 <= report_max_chars <= MAX_REPORT_CHARS:
        _add(errors, "report_max_chars", _("The report length limit must be between 1 and %(max)s characters.")
             % {"max": MAX_REPORT_CHARS})
    assessment_round = AssessmentRound(institution=institution, standard=standard, name=name, due_on=due_on,
                                       report_max_chars=report_max_chars)
    kind = assessment_round.unit_kind
    strangers = [unit for unit in units if unit.institution_id != institution.pk or unit.kind != kind]
    if strangers:
        _add(errors, "units", _("Only the %(kind)s units of this institution can take part in a round against "
                                "this standard: %(units)s cannot.")
             % {"kind": OrgUnit.Kind(kind).label, "units": "、".join(unit.label for unit in strangers)})
    if errors:
        raise ValidationError(errors)
    assessment_round._history_user = actor
    assessment_round.save()
    if units:
        assessment_round.units.set(units)
    tell_round_opened(assessment_round, actor)
    return assessment_round


@transaction.atomic
def assessment_start(*, actor: AbstractBaseUser, assessment_round: AssessmentRound, unit: OrgUnit) -> Assessment:
    """Open the unit's assessment in the round with one empty line per item of the standard; an open one is reused."""
    if not access.can_start_assessment(actor, assessment_round, unit):
        raise PermissionDenied("actor may not start this unit's assessment")
    existing = Assessment.objects.filter(round=assessment_round, unit=unit).first()
    if existing is not None:
        return existing
    assessment = Assessment(round=assessment_round, unit=unit, created_by=actor)
    assessment._history_user = actor
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError:  # started at the same moment by another click or person
        return Assessment.objects.get(round=assessment_round, unit=unit)
    items = StandardItem.objects.filter(group__standard_id=assessment_round.standard_id)
    bulk_create_with_history(
        [AssessmentEntry(assessment=assessment, item=item) for item in items], AssessmentEntry,
        default_user=actor, default_change_reason="assessment started",
    )
    return assessment


# --- Filling in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SelfPart:
    """What the unit writes on one item. `self_score` is the text typed or chosen; empty leaves it unscored."""

    self_score: str
    gap: str = ""
    measure: str = ""
    owner: str = ""
    deadline: dt.date | None = None


def _refuse_unless_editable(assessment: Assessment) -> None:
    if not assessment.is_editable:
        raise ValidationError(
            _("This self-assessment is “%(status)s”: it cannot be changed until the reviewers return it.")
            % {"status": assessment.get_status_display()}
        )


@transaction.atomic
def entry_save_self(*, actor: AbstractBaseUser, entry: AssessmentEntry, loaded_version: int, part: SelfPart,
                    files: Sequence[UploadedFile] = ()) -> AssessmentEntry:
    """Save the unit's self-score, gap, measure, owner, deadline and evidence for one item."""
    assessment = Assessment.objects.select_for_update().get(pk=entry.assessment_id)
    if not access.can_fill_assessment(actor, assessment):
        raise PermissionDenied("actor may not fill in this assessment")
    _refuse_unless_editable(assessment)
    current = lock_at_version(
        AssessmentEntry, entry.pk, loaded_version,
        _("Someone else saved this item after you opened it. Your input is kept below; "
          "look at their change, then save again."),
    )
    errors: Errors = {}
    score = None
    if part.self_score.strip():
        try:
            score = validate_score(entry.item, part.self_score)
        except ValidationError as error:
            errors.setdefault("self_score", []).extend(error.messages)
    _file_errors(files, errors)
    if errors:
        raise ValidationError(errors)
    if assessment.status == Status.RETURNED:
        # Changed after the return: the old review no longer stands (the history keeps it), so the item is
        # reviewed afresh and the old comment stops marking it as "to change".
        current.review_score = None
        current.review_comment = ""
        current.reviewed_by = None
        current.reviewed_at = None
    current.self_score = score
    current.gap = part.gap.strip()
    current.measure = part.measure.strip()
    current.owner = part.owner.strip()
    current.deadline = part.deadline
    current.updated_by = actor
    current.updated_at = timezone.now()
    current.version += 1
    _save(current, actor, "self-assessment")
    store_evidence(files, actor, entry=current)
    return current


@transaction.atomic
def assessment_save_report(*, actor: AbstractBaseUser, assessment: Assessment, loaded_version: int,
                           report: str) -> Assessment:
    """Save the written report, within the round's length limit."""
    if not access.can_fill_assessment(actor, assessment):
        raise PermissionDenied("actor may not fill in this assessment")
    current = lock_at_version(
        Assessment, assessment.pk, loaded_version,
        _("This self-assessment was changed after you opened it. Your text is kept below; save again."),
    )
    _refuse_unless_editable(current)
    report = report.strip()
    limit = current.round.report_max_chars
    if len(report) > limit:
        raise ValidationError({"report": _(
            "The report is %(length)s characters long; this round allows at most %(limit)s. Shorten it by "
            "%(over)s characters.") % {"length": len(report), "limit": limit, "over": len(report) - limit}})
    current.report = report
    current.version += 1
    _save(current, actor, "report")
    return current


def submit_problems(assessment: Assessment, entries: Sequence[AssessmentEntry]) -> list[str]:
    """What keeps the assessment from being submitted, item by item, in plain words (empty: ready)."""
    problems = []
    expected = set(StandardItem.objects.filter(group__standard_id=assessment.round.standard_id)
                   .values_list("pk", flat=True))
    if expected != {entry.item_id for entry in entries}:
        problems.append(_("The standard of this round was changed after the self-assessment was started; "
                          "ask committee staff to check it."))
    for entry in entries:
        number = entry.item.number
        if entry.self_score is None:
            problems.append(_("Item %(number)s has no self-score.") % {"number": number})
            continue
        try:
            validate_score(entry.item, entry.self_score)
        except ValidationError as error:
            problems.append(_("Item %(number)s: %(problem)s") % {"number": number, "problem": " ".join(error.messages)})
            continue
        if entry.item.counts_in_total and entry.self_score < entry.item.points:
            fields = ((_("gap"), entry.gap), (_("measure"), entry.measure),
                      (pgettext("assessment item", "deadline"), entry.deadline))
            missing = [label for label, value in fields if not value]
            if missing:
                problems.append(_("Item %(number)s is below full marks: fill in its %(fields)s.")
                                % {"number": number, "fields": "、".join(missing)})
    if len(assessment.report) > assessment.round.report_max_chars:
        problems.append(_("The report is longer than this round allows."))
    return problems


def _occurred_on(assessment: Assessment, occurred_on: dt.date | None) -> dt.date:
    """The day a step was taken: today when not given; never in the future, nor before the step before it (the
    dashboard's "as of" reads the log by these days)."""
    today = timezone.localdate()
    if occurred_on is None:
        return today
    if occurred_on > today:
        raise ValidationError({"occurred_on": _("The date cannot be in the future.")})
    last = assessment.transitions.order_by("-occurred_on").values_list("occurred_on", flat=True).first()
    if last is not None and occurred_on < last:
        raise ValidationError({"occurred_on": _(
            "The step before this one was taken on %(date)s: this one cannot have been taken earlier.")
            % {"date": f"{last:%Y-%m-%d}"}})
    return occurred_on


def _transition(assessment: Assessment, to_status: str, actor: AbstractBaseUser, comment: str = "",
                occurred_on: dt.date | None = None) -> AssessmentTransition:
    role = TRANSITIONS.get((assessment.status, to_status))
    if role is None:
        raise ValidationError(
            _("A self-assessment that is “%(current)s” cannot be made “%(target)s”.")
            % {"current": assessment.get_status_display(), "target": Status(to_status).label}
        )
    allowed = (access.can_fill_assessment if role == "unit" else access.can_review_assessment)(actor, assessment)
    if not allowed:
        raise PermissionDenied(f"actor may not take {assessment.status} → {to_status}")
    transition = AssessmentTransition.objects.create(
        assessment=assessment, from_status=assessment.status, to_status=to_status, actor=actor,
        comment=comment.strip(), occurred_on=_occurred_on(assessment, occurred_on))
    assessment.status = to_status
    assessment.version += 1
    return transition


def _lock_assessment(assessment: Assessment, loaded_version: int) -> Assessment:
    return lock_at_version(
        Assessment, assessment.pk, loaded_version,
        _("This self-assessment was changed after you opened it. Look at it again before you decide."),
    )


@transaction.atomic
def assessment_submit(*, actor: AbstractBaseUser, assessment: Assessment, loaded_version: int,
                      occurred_on: dt.date | None = None) -> Assessment:
    """draft → submitted, or returned → resubmitted, once every item is scored and every gap has its plan.
    `occurred_on`: the day it was filed, when that was before it was recorded here (None: today)."""
    current = _lock_assessment(assessment, loaded_version)
    target = Status.RESUBMITTED if current.status == Status.RETURNED else Status.SUBMITTED
    if not access.can_fill_assessment(actor, current):
        raise PermissionDenied("actor may not submit this assessment")
    if (current.status, target) not in TRANSITIONS:
        _transition(current, target, actor)  # raises the message for this state
    problems = submit_problems(current, list(current.entries.select_related("item")))
    if problems:
        raise ValidationError(problems)
    transition = _transition(current, target, actor, occurred_on=occurred_on)
    current.submitted_at = timezone.now()
    _save(current, actor, target)
    _tell_assessment(current, transition, actor)
    return current


@dataclass(frozen=True)
class ReviewPart:
    review_score: str
    review_comment: str = ""


@transaction.atomic
def entry_save_review(*, actor: AbstractBaseUser, entry: AssessmentEntry, loaded_version: int,
                      part: ReviewPart) -> AssessmentEntry:
    """A reviewer's score (考评分) and comment beside the self-score, while the assessment is under review."""
    # Locked like entry_save_self and assessment_accept: no score slips in after a decision.
    assessment = Assessment.objects.select_for_update().select_related("round").get(pk=entry.assessment_id)
    if not access.can_review_assessment(actor, assessment):
        raise PermissionDenied("actor may not review this assessment")
    if not assessment.is_under_review:
        raise ValidationError(
            _("Review scores are entered while a self-assessment is submitted; this one is “%(status)s”.")
            % {"status": assessment.get_status_display()}
        )
    current = lock_at_version(
        AssessmentEntry, entry.pk, loaded_version,
        _("Another reviewer saved this item after you opened it. Your input is kept below; "
          "look at their score and comment, then save again if yours should replace it."),
    )
    score = None
    if part.review_score.strip():
        try:
            score = validate_score(entry.item, part.review_score)
        except ValidationError as error:
            raise ValidationError({"review_score": error.messages}) from None
    current.review_score = score
    current.review_comment = part.review_comment.strip()
    current.reviewed_by = actor
    current.reviewed_at = timezone.now()
    current.version += 1
    _save(current, actor, "review")
    return current


@transaction.atomic
def assessment_return(*, actor: AbstractBaseUser, assessment: Assessment, loaded_version: int,
                      comment: str = "", occurred_on: dt.date | None = None) -> Assessment:
    """Send it back to the unit; at least one item must say what to change. `occurred_on` as for submitting."""
    if not access.can_review_assessment(actor, assessment):
        raise PermissionDenied("only committee staff return or accept a self-assessment")
    current = _lock_assessment(assessment, loaded_version)
    if current.is_under_review and not current.entries.exclude(review_comment="").exists():
        raise ValidationError(_("Write a comment on each item the unit should change before returning it."))
    transition = _transition(current, Status.RETURNED, actor, comment, occurred_on)
    _save(current, actor, "returned")
    _tell_assessment(current, transition, actor)
    return current


@transaction.atomic
def assessment_accept(*, actor: AbstractBaseUser, assessment: Assessment, loaded_version: int,
                      comment: str = "", occurred_on: dt.date | None = None) -> Assessment:
    """Accept it once every item has a review score; every counted item below full becomes a rectification.
    `occurred_on` as for submitting."""
    if not access.can_review_assessment(actor, assessment):
        raise PermissionDenied("only committee staff return or accept a self-assessment")
    current = _lock_assessment(assessment, loaded_version)
    if current.is_under_review:
        unscored = [entry.item.number for entry in current.entries.select_related("item")
                    if entry.review_score is None]
        if unscored:
            raise ValidationError(_("Enter a review score for every item first (missing: %(numbers)s).")
                                  % {"numbers": "、".join(unscored)})
    transition = _transition(current, Status.ACCEPTED, actor, comment, occurred_on)
    current.accepted_at = timezone.now()
    _save(current, actor, "accepted")
    created = _rectifications_from_gaps(current, actor)
    _tell_assessment(current, transition, actor, rectifications=len(created))
    return current


def _rectifications_from_gaps(assessment: Assessment, actor: AbstractBaseUser) -> list[Rectification]:
    entries = assessment.entries.select_related("item").filter(rectification__isnull=True)
    created = []
    for entry in entries:
        if not entry.below_full:
            continue
        problem = entry.gap or _("Item %(number)s scored %(score)s of %(points)s.") % {
            "number": entry.item.number, "score": score(entry.final_score),
            "points": score(entry.item.points)}
        rectification = Rectification(
            institution_id=assessment.round.institution_id, unit_id=assessment.unit_id,
            source=Rectification.Source.SELF_ASSESSMENT, entry=entry,
            problem=f"{entry.item.number}. {problem}", measure=entry.measure,
            deadline=entry.deadline or assessment.round.due_on + dt.timedelta(days=OPINION_DAYS),
            created_by=actor,
        )
        rectification._history_user = actor
        rectification.save()
        created.append(rectification)
    return created


# --- Totals ----------------------------------------------------------------------------------


@dataclass
class Totals:
    """Points available and scored, by self and by review; bonus points come on top of full marks."""

    full: Decimal = ZERO
    bonus_max: Decimal = ZERO
    self_score: Decimal = ZERO
    review_score: Decimal = ZERO
    scored: int = 0
    reviewed: int = 0
    items: int = 0

    def add(self, entry: AssessmentEntry) -> None:
        item = entry.item
        self.items += 1
        if item.counts_in_total:
            self.full += item.points
        else:
            self.bonus_max += item.points
        if entry.self_score is not None:
            self.self_score += entry.self_score
            self.scored += 1
        if entry.review_score is not None:
            self.review_score += entry.review_score
            self.reviewed += 1


@dataclass
class GroupTotals:
    group: object
    entries: list[AssessmentEntry] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)


def assessment_totals(entries: Sequence[AssessmentEntry]) -> tuple[list[GroupTotals], Totals]:
    """Totals by indicator group (in the standard's order) and overall, from the entries (items loaded with them)."""
    groups: dict[int, GroupTotals] = {}
    overall = Totals()
    for entry in entries:
        block = groups.setdefault(entry.item.group_id, GroupTotals(entry.item.group))
        block.entries.append(entry)
        block.totals.add(entry)
        overall.add(entry)
    return list(groups.values()), overall


# --- The filing board and reminders -------------------------------------------------------------


def filing_units(assessment_round: AssessmentRound):
    """The units that file in the round: those of the institution and kind that it names, else all of them (the
    institution's colleges, or its school committee). One query: the names are read in it; each unit carries
    `named`, true when the round names it."""
    named = AssessmentRound.units.through.objects.filter(assessmentround_id=assessment_round.pk)
    return OrgUnit.objects.in_service().filter(
        Q(pk__in=named.values("orgunit_id")) | ~Exists(named),
        institution_id=assessment_round.institution_id, kind=assessment_round.unit_kind,
    ).annotate(named=Exists(named.filter(orgunit_id=OuterRef("pk")))).order_by("order", "name")


NOT_STARTED = "not_started"  # a unit with no assessment in the round (not a status an assessment can have)


def is_behind(status: str | None) -> bool:
    """Not started, still a draft, or returned and not yet resubmitted."""
    return status in (None, NOT_STARTED, Status.DRAFT, Status.RETURNED)


@dataclass
class ReminderResult:
    sent: list[FilingReminder]
    without_address: list[OrgUnit]
    failed: list[OrgUnit] = field(default_factory=list)


def _unit_addresses(units: Sequence[OrgUnit]) -> dict[int, list[str]]:
    """Each unit's contact address and its secretaries' addresses, in one query."""
    addresses: dict[int, list[str]] = defaultdict(list)
    for unit in units:
        if unit.email:
            addresses[unit.pk].append(unit.email)
    secretaries = Profile.objects.filter(unit__in=units, role__in=[Profile.Role.SECRETARY, Profile.Role.LIAISON],
                                         user__is_active=True).exclude(user__email="").select_related("user")
    for profile in secretaries:
        if profile.user.email not in addresses[profile.unit_id]:
            addresses[profile.unit_id].append(profile.user.email)
    return addresses


def send_filing_reminders(*, actor: AbstractBaseUser, assessment_round: AssessmentRound) -> ReminderResult:
    """E-mail every unit that is behind in the round, through Django's mail backend, and log who was reminded.

    Each unit's mail is sent and logged on its own: a mail server that fails for one unit leaves the others'
    reminders sent and logged, and the failed units are named to the sender.
    """
    if not access.can_manage_rounds(actor, assessment_round.institution_id):
        raise PermissionDenied("only committee staff send reminders")
    units = list(filing_units(assessment_round))
    filed = Assessment.objects.filter(round=assessment_round)
    status = dict(filed.values_list("unit_id", "status"))
    assessment_ids = dict(filed.values_list("unit_id", "pk"))  # issue 15: where each reminded unit files
    behind = [unit for unit in units if is_behind(status.get(unit.pk))]
    addresses = _unit_addresses(behind)
    result = ReminderResult([], [])
    due = f"{assessment_round.due_on:%Y-%m-%d}"
    connection = get_connection()
    for unit in behind:
        recipients = addresses.get(unit.pk, [])
        if not recipients:
            result.without_address.append(unit)
            continue
        state = status.get(unit.pk, NOT_STARTED)
        label = Status(state).label if state != NOT_STARTED else _("Not started")
        subject = _("Reminder: %(round)s is due on %(date)s") % {"round": assessment_round.name, "date": due}
        body = _(
            "%(unit)s:\n\nYour self-assessment in “%(round)s” is “%(state)s”. Please file it in the portal "
            "by %(date)s.\n\n%(portal)s"
        ) % {"unit": unit.name, "round": assessment_round.name, "state": label, "date": due,
             "portal": str(settings.PORTAL_NAME)}
        try:
            send_mail(subject, body, None, recipients, connection=connection)
        except (OSError, SMTPException):
            result.failed.append(unit)
            continue
        reminder = FilingReminder.objects.create(
            round=assessment_round, unit=unit, recipients="\n".join(recipients), status_then=state, sent_by=actor)
        result.sent.append(reminder)
        notices.notify_unit_people(
            kind=Notification.Kind.REMINDER_SENT, event=f"filing-reminder:{reminder.pk}", unit_ids=[unit.pk],
            institution_id=assessment_round.institution_id, title=subject, body=_(
                "Your self-assessment is “%(state)s”. Please file it by %(date)s.") % {"state": label, "date": due},
            path=_filing_path(assessment_round, assessment_ids.get(unit.pk)), actor=actor)
    return result


# --- Rectifications ------------------------------------------------------------------------------

RStatus = Rectification.Status
RECTIFICATION_STEPS = {
    RStatus.OPEN: (RStatus.IN_PROGRESS, RStatus.DONE),
    RStatus.IN_PROGRESS: (RStatus.DONE,),
    RStatus.DONE: (RStatus.VERIFIED, RStatus.IN_PROGRESS),
    RStatus.VERIFIED: (),
}


@transaction.atomic
def rectification_create(*, actor: AbstractBaseUser, institution: Institution, unit: OrgUnit, source: str,
                         problem: str, measure: str, deadline: dt.date | None) -> Rectification:
    """Put a school inspection opinion (or a zone review's, given on paper) onto the list."""
    if not access.can_enter_inspection_opinions(actor, institution.pk):
        raise PermissionDenied("only committee staff enter opinions")
    errors: Errors = {}
    if source not in (Rectification.Source.INSPECTION, Rectification.Source.ZONE_REVIEW):
        _add(errors, "source", _("Gaps from a self-assessment enter the list when the assessment is accepted."))
    if unit.institution_id != institution.pk:
        _add(errors, "unit", _("Choose a unit of your institution."))
    if not problem.strip():
        _add(errors, "problem", _("Say what must be put right."))
    if deadline is None:
        _add(errors, "deadline", _("Give a deadline."))
    if errors:
        raise ValidationError(errors)
    rectification = Rectification(institution=institution, unit=unit, source=source, problem=problem.strip(),
                                  measure=measure.strip(), deadline=deadline, created_by=actor)
    rectification._history_user = actor
    rectification.save()
    _tell_rectification_assigned(rectification, actor, f"rectification:{rectification.pk}:assigned")
    return rectification


@transaction.atomic
def rectification_advance(*, actor: AbstractBaseUser, rectification: Rectification, loaded_version: int,
                          status: str, note: str = "", files: Sequence[UploadedFile] = ()) -> Rectification:
    """Move an entry on: open → in progress → done → verified. Only staff verify, and only with evidence."""
    if not access.can_work_on_rectification(actor, rectification):
        raise PermissionDenied("actor may not work on this rectification")
    current = lock_at_version(
        Rectification, rectification.pk, loaded_version,
        _("Someone else changed this entry after you opened it. Your input is kept below; look, then save again."),
    )
    if not access.can_work_on_rectification(actor, current):  # the owner unit may have changed meanwhile
        raise PermissionDenied("actor may not work on this rectification")
    errors: Errors = {}
    if current.status == RStatus.VERIFIED:
        raise ValidationError({"status": _("This entry was verified and is closed: nothing more can be changed.")})
    if status != current.status and status not in RECTIFICATION_STEPS.get(current.status, ()):
        label = RStatus(status).label if status in RStatus.values else status
        _add(errors, "status", _("An entry that is “%(current)s” cannot be made “%(target)s”.")
             % {"current": current.get_status_display(), "target": label})
    if status == RStatus.VERIFIED and status != current.status:
        if not access.can_verify_rectification(actor, current):
            raise PermissionDenied("only committee staff verify")
        if not files and not current.evidence.exists():
            _add(errors, "files", _("Attach the evidence that the problem was put right before verifying it."))
    if status == RStatus.DONE and status != current.status and not files and not current.evidence.exists():
        _add(errors, "files", _("Attach evidence of what was done."))
    if status == current.status and not note.strip() and not files:
        _add(errors, "note", _("Write a note, attach evidence or choose the next status."))
    _file_errors(files, errors)
    if errors:
        raise ValidationError(errors)
    if status != current.status:
        if status == RStatus.DONE:
            current.done_on = timezone.localdate()
        if status == RStatus.VERIFIED:
            current.verified_by = actor
            current.verified_at = timezone.now()
        if status == RStatus.IN_PROGRESS:
            current.done_on = None
        current.status = status
    if note.strip():
        current.note = note.strip()
    moved = status != rectification.status
    current.version += 1
    _save(current, actor, f"status {current.status}")
    store_evidence(files, actor, rectification=current)
    if moved and current.status in (RStatus.DONE, RStatus.VERIFIED):
        _tell_rectification_moved(current, actor)
    return current


@transaction.atomic
def rectification_reassign(*, actor: AbstractBaseUser, rectification: Rectification, loaded_version: int,
                           unit: OrgUnit, measure: str, deadline: dt.date | None) -> Rectification:
    """Staff change who owns an entry, its measure and its deadline."""
    if not access.can_verify_rectification(actor, rectification):
        raise PermissionDenied("only committee staff reassign entries")
    current = lock_at_version(
        Rectification, rectification.pk, loaded_version,
        _("Someone else changed this entry after you opened it. Your input is kept below; look, then save again."),
    )
    errors: Errors = {}
    if unit.institution_id != current.institution_id:
        _add(errors, "unit", _("Choose a unit of your institution."))
    if deadline is None:
        _add(errors, "deadline", _("Give a deadline."))
    if current.status == RStatus.VERIFIED:
        _add(errors, "unit", _("A verified entry is closed."))
    if errors:
        raise ValidationError(errors)
    moved_to_another = unit.pk != current.unit_id
    current.unit, current.measure, current.deadline = unit, measure.strip(), deadline
    current.version += 1
    _save(current, actor, "reassigned")
    if moved_to_another:
        _tell_rectification_assigned(current, actor, f"rectification:{current.pk}:assigned:v{current.version}")
    return current


# --- The review of a whole university ------------------------------------------------------------


@transaction.atomic
def review_create(*, actor: AbstractBaseUser, institution: Institution, name: str, zone: OrgUnit | None = None,
                  assessment_round: AssessmentRound | None = None,
                  planned: dict[str, dt.date] | None = None) -> Review:
    """A review record with its five steps, in order, each with an optional planned date."""
    if not access.is_staff_of(actor, institution.pk):
        raise PermissionDenied("only committee staff open a review")
    errors: Errors = {}
    if not name.strip():
        _add(errors, "name", _("Give the review a name."))
    elif Review.objects.filter(institution=institution, name=name.strip()).exists():
        _add(errors, "name", _("A review called “%(name)s” exists already.") % {"name": name.strip()})
    if zone is not None and zone.kind != OrgUnit.Kind.ZONE:
        _add(errors, "zone", _("Choose a review zone."))
    if assessment_round is not None and assessment_round.institution_id != institution.pk:
        _add(errors, "assessment_round", _("Choose a round of your institution."))
    elif assessment_round is not None and assessment_round.standard.level != Standard.Level.SCHOOL:
        _add(errors, "assessment_round", _("Choose a round against a school-level standard."))
    if errors:
        raise ValidationError(errors)
    review = Review(institution=institution, name=name.strip(), zone=zone, assessment_round=assessment_round)
    review._history_user = actor
    review.save()
    planned = planned or {}
    bulk_create_with_history(
        [ReviewStep(review=review, kind=kind, planned_on=planned.get(kind)) for kind in ReviewStep.ORDER],
        ReviewStep, default_user=actor,
    )
    return review


@transaction.atomic
def review_step_record(*, actor: AbstractBaseUser, step: ReviewStep, loaded_version: int,
                       planned_on: dt.date | None, done_on: dt.date | None, note: str = "") -> ReviewStep:
    """Date a step planned and done; a step is done only after the steps before it."""
    review = step.review
    if not access.can_record_review_steps(actor, review):
        raise PermissionDenied("only committee staff record review steps")
    current = lock_at_version(
        ReviewStep, step.pk, loaded_version,
        _("Someone else changed this step after you opened it. Your input is kept below; look, then save again."),
    )
    errors: Errors = {}
    steps = {s.kind: s for s in review.steps.all()}
    for kind in ReviewStep.ORDER[ReviewStep.ORDER.index(current.kind) + 1:]:
        after = steps[kind]
        if after.done_on is None:
            continue
        if done_on is None:
            _add(errors, "done_on", _("“%(step)s” comes later and is done already: this step stays done.")
                 % {"step": after.get_kind_display()})
        elif done_on > after.done_on:
            _add(errors, "done_on", _("“%(step)s” was done on %(date)s, before this date.")
                 % {"step": after.get_kind_display(), "date": f"{after.done_on:%Y-%m-%d}"})
        break
    if done_on is not None:
        if done_on > timezone.localdate():
            _add(errors, "done_on", _("The date cannot be in the future."))
        for kind in ReviewStep.ORDER[:ReviewStep.ORDER.index(current.kind)]:
            before = steps[kind]
            if before.done_on is None:
                _add(errors, "done_on", _("“%(step)s” comes first and is not done yet.")
                     % {"step": before.get_kind_display()})
                break
            if before.done_on > done_on:
                _add(errors, "done_on", _("“%(step)s” was done on %(date)s, after this date.")
                     % {"step": before.get_kind_display(), "date": f"{before.done_on:%Y-%m-%d}"})
                break
    if errors:
        raise ValidationError(errors)
    current.planned_on, current.done_on, current.note = planned_on, done_on, note.strip()
    current.version += 1
    _save(current, actor, "step recorded")
    return current


def _school_committee(institution_id: int) -> OrgUnit | None:
    return (OrgUnit.objects.filter(institution_id=institution_id, kind=OrgUnit.Kind.SCHOOL_COMMITTEE)
            .order_by("order", "pk").first())


@transaction.atomic
def review_opinion_add(*, actor: AbstractBaseUser, review: Review, text: str,
                       occurred_on: dt.date | None = None) -> ReviewOpinion:
    """A reviewer's opinion; it enters the rectification list at once, owned by the school committee, with the
    review's planned rectification date as its deadline (staff may reassign it), else OPINION_DAYS after the day
    it was given. `occurred_on`: that day, when it was given before it was entered (None: today; never later)."""
    if not access.can_write_opinion(actor, review):
        raise PermissionDenied("actor may not write opinions on this review")
    if review.steps.filter(kind=ReviewStep.Kind.PUBLISH, done_on__isnull=False).exists():
        raise ValidationError({"text": _("The decision was published: the review takes no more opinions.")})
    errors: Errors = {}
    if not text.strip():
        _add(errors, "text", _("Write the opinion."))
    occurred_on = occurred_on or timezone.localdate()
    if occurred_on > timezone.localdate():
        _add(errors, "occurred_on", _("The date cannot be in the future."))
    if errors:
        raise ValidationError(errors)
    owner = _school_committee(review.institution_id)
    if owner is None:
        raise ValidationError(_("The institution has no school committee to own the rectification."))
    opinion = ReviewOpinion(review=review, text=text.strip(), author=actor, occurred_on=occurred_on)
    opinion._history_user = actor
    opinion.save()
    rectify = review.steps.filter(kind=ReviewStep.Kind.RECTIFY).values_list("planned_on", flat=True).first()
    rectification = Rectification(
        institution_id=review.institution_id, unit=owner, source=Rectification.Source.ZONE_REVIEW, opinion=opinion,
        problem=opinion.text, deadline=rectify or occurred_on + dt.timedelta(days=OPINION_DAYS),
        created_by=actor,
    )
    rectification._history_user = actor
    rectification.save()
    _tell_opinion(opinion, rectification, actor)
    return opinion


# --- issue 15: telling people of what needs them ------------------------------------------------------


def _assessment_path(assessment: Assessment) -> str:
    return reverse("tracker:assessment-detail", args=[assessment.pk])


def _tell_assessment(assessment: Assessment, transition: AssessmentTransition, actor: AbstractBaseUser,
                     rectifications: int = 0) -> None:
    """Submitted or resubmitted: the committee staff, who review it. Returned or accepted: the unit's people."""
    names = {"unit": assessment.unit.name, "round": assessment.round.name}
    event = f"assessment:{assessment.pk}:transition:{transition.pk}"
    institution_id = assessment.round.institution_id
    if transition.to_status in (Status.SUBMITTED, Status.RESUBMITTED):
        title = (_("%(unit)s resubmitted its self-assessment in “%(round)s”: please review it")
                 if transition.to_status == Status.RESUBMITTED else
                 _("%(unit)s submitted its self-assessment in “%(round)s”: please review it")) % names
        notices.notify(kind=Notification.Kind.ASSESSMENT_SUBMITTED, event=event,
                       recipients=notices.committee_staff(institution_id), institution_id=institution_id,
                       unit_id=assessment.unit_id, title=title, path=_assessment_path(assessment), actor=actor)
        return
    if transition.to_status == Status.RETURNED:
        kind = Notification.Kind.ASSESSMENT_RETURNED
        title = _("Your self-assessment in “%(round)s” was returned for changes") % names
        lines = [_("Comment: %(comment)s") % {"comment": transition.comment}] if transition.comment else []
        items = list(assessment.entries.exclude(review_comment="").select_related("item").order_by("item__order"))
        lines += [f"{entry.item.number}. {entry.review_comment}" for entry in items]
        lines.append(_("Change the items named, then submit it again."))
    else:
        kind = Notification.Kind.ASSESSMENT_ACCEPTED
        title = _("Your self-assessment in “%(round)s” was accepted") % names
        lines = [_("Comment: %(comment)s") % {"comment": transition.comment}] if transition.comment else []
        if rectifications:
            lines.append(_("%(count)d item(s) below full marks are on the rectification list.")
                         % {"count": rectifications})
    notices.notify_unit_people(kind=kind, event=event, unit_ids=[assessment.unit_id], institution_id=institution_id,
                               title=title, body="\n".join(lines), path=_assessment_path(assessment), actor=actor)


def _filing_path(assessment_round: AssessmentRound, assessment_id: int | None) -> str:
    """Where a unit files in the round: its assessment, or the round's row of the round list, whose button starts
    one (the start page itself takes a POST only)."""
    if assessment_id:
        return reverse("tracker:assessment-detail", args=[assessment_id])
    return f"{reverse('tracker:round-list')}#round-{assessment_round.pk}"


def tell_round_opened(assessment_round: AssessmentRound, actor: AbstractBaseUser) -> int:
    """A new round: the people of every unit that files in it (called by round_create and copy_round)."""
    unit_ids = [unit.pk for unit in filing_units(assessment_round)]
    return notices.notify_unit_people(
        kind=Notification.Kind.ROUND_OPENED, event=f"round:{assessment_round.pk}:opened", unit_ids=unit_ids,
        institution_id=assessment_round.institution_id,
        title=_("New self-assessment round “%(round)s”: file by %(date)s")
        % {"round": assessment_round.name, "date": f"{assessment_round.due_on:%Y-%m-%d}"},
        body=_("Standard: %(standard)s.") % {"standard": assessment_round.standard.name},
        path=_filing_path(assessment_round, None), actor=actor)


def _rectification_people(rectification: Rectification) -> list[AbstractBaseUser]:
    """Who works on an entry: its unit's people; for the school committee's own entries, the committee staff."""
    people = notices.unit_people(rectification.unit_id)
    if rectification.unit.kind == OrgUnit.Kind.SCHOOL_COMMITTEE:
        people += notices.committee_staff(rectification.institution_id)
    return people


def _tell_rectification_assigned(rectification: Rectification, actor: AbstractBaseUser, event: str) -> None:
    notices.notify(
        kind=Notification.Kind.RECTIFICATION_ASSIGNED, event=event, recipients=_rectification_people(rectification),
        institution_id=rectification.institution_id, unit_id=rectification.unit_id,
        title=_("A rectification was assigned to %(unit)s, due %(date)s")
        % {"unit": rectification.unit.name, "date": f"{rectification.deadline:%Y-%m-%d}"},
        body=rectification.problem[:500], path=reverse("tracker:rectification-detail", args=[rectification.pk]),
        actor=actor)


def _tell_rectification_moved(rectification: Rectification, actor: AbstractBaseUser) -> None:
    """Done: the committee staff, who verify it. Verified: the unit's people."""
    path = reverse("tracker:rectification-detail", args=[rectification.pk])
    event = f"rectification:{rectification.pk}:{rectification.status}:v{rectification.version}"
    names = {"unit": rectification.unit.name, "problem": rectification.problem[:60]}
    if rectification.status == RStatus.DONE:
        notices.notify(kind=Notification.Kind.RECTIFICATION_DONE, event=event,
                       recipients=notices.committee_staff(rectification.institution_id),
                       institution_id=rectification.institution_id, unit_id=rectification.unit_id,
                       title=_("%(unit)s reports a rectification done: please verify it") % names,
                       body=rectification.problem[:500], path=path, actor=actor)
    else:
        notices.notify(kind=Notification.Kind.RECTIFICATION_VERIFIED, event=event,
                       recipients=notices.unit_people(rectification.unit_id),
                       institution_id=rectification.institution_id, unit_id=rectification.unit_id,
                       title=_("The rectification of %(unit)s was verified: %(problem)s") % names, path=path,
                       actor=actor)


def _tell_opinion(opinion: ReviewOpinion, rectification: Rectification, actor: AbstractBaseUser) -> None:
    """An opinion: the committee staff (and the school committee's people), who rectify it."""
    review = opinion.review
    notices.notify(
        kind=Notification.Kind.OPINION_ADDED, event=f"opinion:{opinion.pk}", recipients=_rectification_people(
            rectification), institution_id=review.institution_id, unit_id=rectification.unit_id,
        title=_("A new opinion on “%(review)s”") % {"review": review.name}, body=opinion.text[:500],
        path=reverse("tracker:review-detail", args=[review.pk]), actor=actor)

