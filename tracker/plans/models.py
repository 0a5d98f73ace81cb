"""The plan (实施意见 / 具体安排): Plan → Phase → Stage → Task, with dated progress updates and evidence."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.org.models import Institution, OrgUnit
from tracker.org.windows import format_window
from tracker.plans.querysets import PlanQuerySet, TaskQuerySet, TaskUpdateQuerySet

CHINESE_NUMERALS = "一二三四五六七八九十"


def chinese_numeral(n: int) -> str:
    """一, 二, … 十 for the small ordinals the documents use; plain digits beyond."""
    return CHINESE_NUMERALS[n - 1] if 1 <= n <= len(CHINESE_NUMERALS) else str(n)


class WindowMixin(models.Model):
    """A month-precise window: first day of the start month to the last day of the end month. Either end may be
    unknown: a plan may know only its overall window, a phase may be "2019年11月前"."""

    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def window(self) -> str:
        return format_window(self.start_date, self.end_date)


def window_ordered(prefix: str = "") -> Q:
    """No reversed window: where both ends are known, the start is not after the end."""
    start, end = f"{prefix}start_date", f"{prefix}end_date"
    return Q(**{f"{start}__isnull": True}) | Q(**{f"{end}__isnull": True}) | Q(**{f"{start}__lte": models.F(end)})


class Plan(WindowMixin):
    """One institution's implementation plan, as issued, with its overall window where the document gives one."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="plans",
    )
    title = models.CharField(_("title"), max_length=200)
    attachment_title = models.CharField(_("attachment title"), max_length=200, blank=True)
    document_number = models.CharField(_("document number"), max_length=50, blank=True)
    issued_on = models.DateField(_("issue date"))
    numbering_restarts_each_phase = models.BooleanField(
        _("task numbers restart in each phase"), default=False,
        help_text=_("Checked when the document numbers its items 1, 2, … anew under each phase."),
    )
    # The plan of an earlier cycle this one was copied from (copy forward); kept when the source is deleted.
    copied_from = models.ForeignKey(
        "self", verbose_name=_("copied from"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="copies",
    )
    # Raised by every edit of the plan's own fields through the editor; an edit loaded at an older one is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["institution__code", "-issued_on"]
        constraints = [
            models.CheckConstraint(condition=window_ordered(), name="tracker_plan_window_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.institution.name}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("tracker:plan-detail", args=[self.pk])


class Phase(WindowMixin):
    """A phase of a plan (学习推进年, 对标找差全面整改 …)."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["plan_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="tracker_phase_unique_order"),
            models.CheckConstraint(condition=window_ordered(), name="tracker_phase_window_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.numeral}、{self.name}"

    @property
    def numeral(self) -> str:
        return chinese_numeral(self.order)


class Stage(WindowMixin):
    """A stage of a phase: a date window and the goal its tasks serve.

    A phase that holds tasks directly (no stage in the document) keeps them in one stage with neither window nor
    goal, its first (order 0); pages and the 推进表 show no stage line for it (`is_direct`).
    """

    phase = models.ForeignKey(Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField(_("order"))
    goal = models.CharField(_("goal"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["phase_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["phase", "order"], name="tracker_stage_unique_order"),
            models.CheckConstraint(condition=window_ordered(), name="tracker_stage_window_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.window} {self.goal}".strip() or str(_("Tasks of the phase"))

    @property
    def is_direct(self) -> bool:
        """The phase's own tasks: no window, no goal."""
        return self.start_date is None and self.end_date is None and not self.goal


class WorkArea(models.Model):
    """A work area that runs across phases (队伍建设, 平台建设, 机制建设 …): a second grouping of a plan's tasks."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="work_areas")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=50)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("work area")
        verbose_name_plural = _("work areas")
        ordering = ["plan_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="tracker_workarea_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Task(models.Model):
    """A numbered task of a plan, tracked to done."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveSmallIntegerField(_("order"))
    number = models.CharField(_("number"), max_length=10, help_text=_("As the document numbers it."))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), help_text=_("The task in the document's own words."))
    work_area = models.ForeignKey(
        WorkArea, verbose_name=_("work area"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="tasks",
    )
    # A single dated event (a notice received, a training held): its date is `due_date`, it has no start.
    milestone = models.BooleanField(_("milestone"), default=False,
                                    help_text=_("A single dated event rather than a span of work."))
    start_date = models.DateField(_("start"), null=True, blank=True, help_text=_("Empty: the stage's start."))
    due_date = models.DateField(_("due"), null=True, blank=True, help_text=_("Empty: the stage's end."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    # Raised by every change made through the services; an edit loaded at an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["stage__phase__plan_id", "stage__phase__order", "stage__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "number"], name="tracker_task_unique_number"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="tracker_task_progress_range"),
            models.CheckConstraint(
                condition=(Q(status="done") & Q(done_on__isnull=False)) | (~Q(status="done") & Q(done_on__isnull=True)),
                name="tracker_task_done_on_iff_done",
            ),
            models.CheckConstraint(
                condition=(Q(start_date__isnull=True) | Q(due_date__isnull=True)
                           | Q(start_date__lte=models.F("due_date"))),
                name="tracker_task_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(milestone=False) | (Q(due_date__isnull=False) & Q(start_date__isnull=True)),
                name="tracker_task_milestone_one_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("tracker:task-detail", args=[self.pk])

    @property
    def plan(self) -> Plan:
        return self.stage.phase.plan

    @property
    def code(self) -> str:
        """The number as a reader cites it: 15 in a continuously numbered plan, 二.3 where numbers restart."""
        phase = self.stage.phase
        if phase.plan.numbering_restarts_each_phase:
            return f"{phase.numeral}.{self.number}"
        return self.number

    @property
    def lead_parties(self) -> list["TaskParty"]:
        return [party for party in self.parties.all() if party.role == TaskParty.Role.LEAD]

    @property
    def cooperating_parties(self) -> list["TaskParty"]:
        return [party for party in self.parties.all() if party.role == TaskParty.Role.COOPERATING]

    @property
    def body(self) -> str:
        """The text after its opening title sentence, so a page can show the title once and the rest beneath."""
        for ending in ("。", ""):
            if self.text.startswith(self.title + ending):
                return self.text[len(self.title + ending):].strip()
        return self.text

    @property
    def start(self) -> dt.date | None:
        """Its own start, else the first known of its stage's, its phase's and its plan's; a milestone's is its date."""
        if self.milestone:
            return self.due_date
        stage = self.stage
        return self.start_date or stage.start_date or stage.phase.start_date or stage.phase.plan.start_date

    @property
    def due(self) -> dt.date | None:
        """Its own due date, else the first known end of its stage, phase and plan; None when nothing says."""
        stage = self.stage
        return self.due_date or stage.end_date or stage.phase.end_date or stage.phase.plan.end_date

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    def is_overdue_on(self, day: dt.date) -> bool:
        """Past its due date on `day` and not done (never, while no date is known)."""
        due = self.due
        return not self.is_done and due is not None and due < day

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())


class TaskParty(models.Model):
    """A party responsible for a task: the lead or a co-operating unit, named by kind or as one unit."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        COOPERATING = "cooperating", _("Co-operating")

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.LEAD)
    kind = models.CharField(_("unit kind"), max_length=20, choices=OrgUnit.Kind.choices)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="task_parties",
        null=True, blank=True, help_text=_("Empty: every unit of this kind (e.g. 各二级关工委)."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("responsible party")
        verbose_name_plural = _("responsible parties")
        ordering = ["task_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "role", "unit"], condition=Q(unit__isnull=False),
                                    name="tracker_taskparty_unique_unit"),
            models.UniqueConstraint(fields=["task", "role", "kind"], condition=Q(unit__isnull=True),
                                    name="tracker_taskparty_unique_kind"),
        ]

    def __str__(self) -> str:
        return str(self.label)  # a by-kind party's label is a lazy translation; __str__ must return a str

    def clean(self) -> None:
        if self.unit_id is None:
            return
        if self.unit.kind != self.kind:
            raise ValidationError({"unit": _("The unit is not of the kind chosen.")})
        # In an admin inline the task may still be unsaved; an unset relation reads as None here.
        stage = getattr(getattr(self, "task", None), "stage", None)
        if stage is not None and self.unit.institution_id not in (None, stage.phase.plan.institution_id):
            raise ValidationError({"unit": _("The unit belongs to another institution.")})

    @property
    def label(self) -> str:
        if self.unit_id:
            return self.unit.label
        return PARTY_KIND_LABELS.get(self.kind, OrgUnit.Kind(self.kind).label)


# How the documents name "every unit of this kind".
PARTY_KIND_LABELS = {
    OrgUnit.Kind.PARTY_COMMITTEE: _("Party committees"),
    OrgUnit.Kind.SCHOOL_COMMITTEE: _("School committee"),
    OrgUnit.Kind.COLLEGE: _("College committees"),
    OrgUnit.Kind.MEMBER_UNIT: _("Member units"),
    OrgUnit.Kind.ZONE: _("Review zone"),
    OrgUnit.Kind.PROVINCE: _("Province"),
}


class TaskUpdate(models.Model):
    """A dated entry in a task's log: who reported what, the status and progress after it, and evidence."""

    # PROTECT: a task with a progress log cannot be deleted by deleting its plan, phase or stage.
    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="task_updates",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("on behalf of"), on_delete=models.PROTECT, related_name="task_updates",
        null=True, blank=True,
    )
    date = models.DateField(_("date"), help_text=_("When the reported work was done."))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Task.Status.choices)
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    task_version = models.PositiveIntegerField(_("task version after this update"))
    history = HistoricalRecords()

    objects = TaskUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("task update")
        verbose_name_plural = _("task updates")
        ordering = ["-date", "-created_at", "-id"]
        indexes = [
            # A task's latest update (by a day): `TaskQuerySet.for_report`, read by the dashboard and every report.
            models.Index(fields=["task", "date"], name="tracker_taskupdate_task_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="tracker_taskupdate_progress_range"),
        ]

    def __str__(self) -> str:
        return f"{self.task.code} {self.date:%Y-%m-%d}"


