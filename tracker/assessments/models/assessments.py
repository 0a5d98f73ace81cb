"""Self-assessment against a standard (对标找差), its review, the rectification list (整改清单) and the
review of a whole university (片区评议).

Scores and totals are never typed twice: group totals and the overall total are computed from the items;
a rating follows from the score, so the two cannot disagree. Status changes only through the services,
which record every transition with who and when.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from tracker.assessments.models.standards import Standard, StandardItem
from tracker.org.models import Institution, OrgUnit


class AssessmentRound(models.Model):
    """A named round of self-assessment (e.g. 2021年对标找差) against one standard."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="assessment_rounds",
    )
    standard = models.ForeignKey(
        Standard, verbose_name=_("standard"), on_delete=models.PROTECT, related_name="rounds",
    )
    name = models.CharField(_("name"), max_length=100)
    due_on = models.DateField(_("filing deadline"))
    report_max_chars = models.PositiveIntegerField(
        _("report length limit (characters)"), default=2000,
        help_text=_("The longest written report a unit may file in this round."),
    )
    # A pilot of a few colleges, or a first batch: only the units named file. None named: every unit of the kind.
    units = models.ManyToManyField(
        OrgUnit, verbose_name=_("units taking part"), related_name="rounds_taking_part", blank=True,
        help_text=_("Leave empty for every unit of the round's kind (every college, or the school committee)."),
    )
    # The round of an earlier cycle this one was copied from (copy forward); kept when the source is deleted.
    copied_from = models.ForeignKey(
        "self", verbose_name=_("copied from"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="copies",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[units])

    class Meta:
        verbose_name = _("assessment round")
        verbose_name_plural = _("assessment rounds")
        ordering = ["institution_id", "-due_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="tracker_assessmentround_unique_name"),
            models.CheckConstraint(condition=Q(report_max_chars__gt=0), name="tracker_assessmentround_limit"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tracker:round-board", args=[self.pk])

    @property
    def unit_kind(self) -> str:
        """Who files in this round: colleges for a college-level standard, the school committee otherwise."""
        if self.standard.level == Standard.Level.COLLEGE:
            return OrgUnit.Kind.COLLEGE
        return OrgUnit.Kind.SCHOOL_COMMITTEE

    @cached_property
    def chosen_unit_ids(self) -> frozenset[int]:
        """The ids of the units the round names; empty when it names none (then every unit of its kind files).
        Read once per round object: from prefetched `units` when there, else one query."""
        if "units" in getattr(self, "_prefetched_objects_cache", {}):
            return frozenset(unit.pk for unit in self.units.all())
        return frozenset(self.units.values_list("pk", flat=True))

    def takes_part(self, unit: OrgUnit) -> bool:
        """Whether `unit` files in this round: of its institution and kind, and named when the round names units."""
        if unit.institution_id != self.institution_id or unit.kind != self.unit_kind:
            return False
        return not self.chosen_unit_ids or unit.pk in self.chosen_unit_ids


class Assessment(models.Model):
    """One unit's self-assessment in a round, and its review."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        RESUBMITTED = "resubmitted", _("Resubmitted")
        ACCEPTED = "accepted", _("Accepted")

    # The unit fills in while these hold; reviewers score and decide while the others do.
    EDITABLE = (Status.DRAFT, Status.RETURNED)
    UNDER_REVIEW = (Status.SUBMITTED, Status.RESUBMITTED)

    round = models.ForeignKey(
        AssessmentRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="assessments",
    )
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    report = models.TextField(_("written report"), blank=True)
    submitted_at = models.DateTimeField(_("last submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT,
        related_name="assessments_started",
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        ordering = ["round_id", "unit__order", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="tracker_assessment_unique_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.label} · {self.round.name}"

    def get_absolute_url(self) -> str:
        return reverse("tracker:assessment-detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_under_review(self) -> bool:
        return self.status in self.UNDER_REVIEW


class AssessmentEntry(models.Model):
    """One item of the standard as a unit assessed it: self-score, gap, measure, owner, deadline, evidence,
    and beside it the reviewer's score (考评分) and comment."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("self-assessment"), on_delete=models.CASCADE, related_name="entries",
    )
    item = models.ForeignKey(
        StandardItem, verbose_name=_("standard item"), on_delete=models.PROTECT, related_name="entries",
    )
    self_score = models.DecimalField(_("self-score"), max_digits=6, decimal_places=2, null=True, blank=True)
    gap = models.TextField(_("gap"), blank=True)
    measure = models.TextField(_("measure"), blank=True)
    owner = models.CharField(_("person responsible"), max_length=100, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    review_score = models.DecimalField(_("review score"), max_digits=6, decimal_places=2, null=True, blank=True)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.PROTECT,
        related_name="assessment_reviews", null=True, blank=True,
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("last changed by"), on_delete=models.PROTECT,
        related_name="assessment_entries_changed", null=True, blank=True,
    )
    updated_at = models.DateTimeField(_("last changed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")
        ordering = ["assessment_id", "item__group__order", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="tracker_assessmententry_unique_item"),
            models.CheckConstraint(condition=Q(self_score__gte=0), name="tracker_assessmententry_self_positive"),
            models.CheckConstraint(condition=Q(review_score__gte=0), name="tracker_assessmententry_review_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.item.number}"

    def get_absolute_url(self) -> str:
        return reverse("tracker:assessment-item", args=[self.assessment_id, self.pk])

    @property
    def final_score(self) -> Decimal | None:
        """The review score once there is one, else the self-score."""
        return self.review_score if self.review_score is not None else self.self_score

    @property
    def below_full(self) -> bool:
        """A gap to rectify: a counted item scored under its points (a bonus not earned is no gap)."""
        score = self.final_score
        return self.item.counts_in_total and score is not None and score < self.item.points


class AssessmentTransition(models.Model):
    """One step of an assessment's workflow: from which status to which, by whom, when, with a comment."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("self-assessment"), on_delete=models.CASCADE, related_name="transitions",
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Assessment.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Assessment.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    # The day the step was taken (a paper filing entered later); `at` is when it was recorded.
    occurred_on = models.DateField(_("occurred on"), default=timezone.localdate)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        ordering = ["assessment_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class FilingReminder(models.Model):
    """A reminder sent to a unit that was behind with its self-assessment in a round."""

    round = models.ForeignKey(
        AssessmentRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="reminders",
    )
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    recipients = models.TextField(_("sent to"), help_text=_("E-mail addresses, one per line."))
    status_then = models.CharField(_("status when reminded"), max_length=20)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("filing reminder")
        verbose_name_plural = _("filing reminders")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit} {self.sent_at:%Y-%m-%d %H:%M}"

    @property
    def status_then_label(self) -> str:
        """The status in the reader's language (stored as its code; earlier rows may hold a label)."""
        if self.status_then in Assessment.Status.values:
            return Assessment.Status(self.status_then).label
        if self.status_then == "not_started":
            return _("Not started")
        return self.status_then


class Review(models.Model):
    """The review of a whole university (片区评议 / 验收): dated steps, reviewers' opinions, the outcome."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="reviews",
    )
    name = models.CharField(_("name"), max_length=100)
    zone = models.ForeignKey(
        OrgUnit, verbose_name=_("review zone"), on_delete=models.PROTECT, related_name="reviews",
        null=True, blank=True, limit_choices_to={"kind": OrgUnit.Kind.ZONE},
    )
    assessment_round = models.ForeignKey(
        AssessmentRound, verbose_name=_("self-assessment round"), on_delete=models.SET_NULL,
        related_name="reviews", null=True, blank=True,
        help_text=_("The school-level round whose scores go with the application."),
    )
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("university review")
        verbose_name_plural = _("university reviews")
        ordering = ["institution_id", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="tracker_review_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tracker:review-detail", args=[self.pk])


class ReviewStep(models.Model):
    """A dated step of a review: 申报 → 互评 / 现场调研 → 整改 → 审定公布 → 报省备案."""

    class Kind(models.TextChoices):
        APPLY = "apply", _("Application")
        PEER_REVIEW = "peer_review", _("Peer review / site visit")
        RECTIFY = "rectify", _("Rectification")
        PUBLISH = "publish", _("Decision published")
        FILE = "file", _("Filed with the province")

    ORDER = [Kind.APPLY, Kind.PEER_REVIEW, Kind.RECTIFY, Kind.PUBLISH, Kind.FILE]

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=20, choices=Kind.choices)
    planned_on = models.DateField(_("planned for"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["review_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "kind"], name="tracker_reviewstep_unique_kind"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def number(self) -> int:
        return self.ORDER.index(self.kind) + 1

    def is_overdue_on(self, day: dt.date) -> bool:
        return self.done_on is None and self.planned_on is not None and self.planned_on < day


class ReviewOpinion(models.Model):
    """An opinion a reviewer wrote on the university (评审意见); each becomes an entry of the rectification list."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="opinions")
    text = models.TextField(_("opinion"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+",
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    # The day the reviewers gave it (an opinion given on paper, entered later); `created_at` is when it was entered.
    occurred_on = models.DateField(_("occurred on"), default=timezone.localdate)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review opinion")
        verbose_name_plural = _("review opinions")
        ordering = ["review_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class Rectification(models.Model):
    """An entry of the rectification list (整改清单), tracked to done and verified (验收)."""

    class Source(models.TextChoices):
        SELF_ASSESSMENT = "self_assessment", _("Self-assessment gap")
        INSPECTION = "inspection", _("School inspection opinion")
        ZONE_REVIEW = "zone_review", _("Zone review opinion")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("rectification", "Open")
        IN_PROGRESS = "in_progress", pgettext_lazy("rectification", "In progress")
        DONE = "done", pgettext_lazy("rectification", "Done")
        VERIFIED = "verified", pgettext_lazy("rectification", "Verified")

    CLOSED = (Status.DONE, Status.VERIFIED)

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="rectifications",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("owner unit"), on_delete=models.PROTECT, related_name="rectifications",
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    entry = models.OneToOneField(
        AssessmentEntry, verbose_name=_("assessment item"), on_delete=models.PROTECT,
        related_name="rectification", null=True, blank=True,
    )
    opinion = models.OneToOneField(
        ReviewOpinion, verbose_name=_("review opinion"), on_delete=models.PROTECT,
        related_name="rectification", null=True, blank=True,
    )
    problem = models.TextField(_("problem"))
    measure = models.TextField(_("measure"), blank=True)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(_("latest note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+",
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["institution_id", "deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source="self_assessment") | Q(entry__isnull=False),
                name="tracker_rectification_gap_has_item",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(verified_by__isnull=False),
                name="tracker_rectification_verified_by",
            ),
        ]

    def __str__(self) -> str:
        return self.problem[:40]

    def get_absolute_url(self) -> str:
        return reverse("tracker:rectification-detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED

    def is_overdue_on(self, day: dt.date) -> bool:
        """Past its deadline and not yet done."""
        return not self.is_closed and self.deadline < day

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())
