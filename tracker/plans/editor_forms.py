"""Forms of the plan editor: the shape of what people type. What may be saved is `tracker.plans.editing`'s to say."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tracker.org.forms import DateField
from tracker.org.models import OrgUnit
from tracker.plans.editing import Party, PhaseData, PlanData, StageData, TaskData
from tracker.plans.models import PARTY_KIND_LABELS, Phase, Plan, Stage, Task, WorkArea


def _date(label, help_text: str = "") -> DateField:
    return DateField(label=label, required=False, help_text=help_text,
                     widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))


def _char(model, name: str, **overrides: Any) -> forms.Field:
    """The form field Django makes for the model field: labels and lengths written once."""
    return model._meta.get_field(name).formfield(**overrides)


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PlanForm(VersionedForm):
    """A plan's own fields: 7 to fill in (title and issue date required)."""

    title = _char(Plan, "title", label=_("Title of the plan"),
                  help_text=_("As the document has it, e.g. 关于推进关工委优质化建设工作的实施意见."))
    attachment_title = _char(Plan, "attachment_title", label=_("Title of the task table"), required=False,
                             help_text=_("The attachment's title, e.g. 优质化建设工作推进表; may be left empty."))
    document_number = _char(Plan, "document_number", label=_("Document number"), required=False)
    issued_on = DateField(label=_("Issue date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    start_date = _date(_("Plan starts"), _("The plan's overall time, where the document gives one."))
    end_date = _date(_("Plan ends"))
    numbering_restarts_each_phase = forms.BooleanField(
        label=_("Task numbers restart in each phase"), required=False,
        help_text=_("Checked when the document numbers its items 1, 2, … anew under each phase."))

    def __init__(self, *args: Any, plan: Plan | None = None, **kwargs: Any):
        if plan is not None:
            kwargs.setdefault("initial", {
                "version": plan.version, "title": plan.title, "attachment_title": plan.attachment_title,
                "document_number": plan.document_number, "issued_on": plan.issued_on,
                "start_date": plan.start_date, "end_date": plan.end_date,
                "numbering_restarts_each_phase": plan.numbering_restarts_each_phase})
        super().__init__(*args, **kwargs)

    def to_data(self) -> PlanData:
        data = self.cleaned_data
        return PlanData(title=data["title"], attachment_title=data["attachment_title"] or "",
                        document_number=data["document_number"] or "", issued_on=data["issued_on"],
                        start_date=data["start_date"], end_date=data["end_date"],
                        numbering_restarts_each_phase=data["numbering_restarts_each_phase"])


class PhaseForm(VersionedForm):
    """A phase: 4 fields (the name required; its time may be unknown or open at one end)."""

    name = _char(Phase, "name", label=_("Name of the phase"), help_text=_("e.g. 学习推进年, 对标找差全面整改."))
    start_date = _date(_("Phase starts"), _("Either end may be left empty (“2019年11月前”)."))
    end_date = _date(_("Phase ends"))
    description = _char(Phase, "description", label=_("Description"), required=False,
                        widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, phase: Phase | None = None, **kwargs: Any):
        if phase is not None:
            kwargs.setdefault("initial", {"version": phase.version, "name": phase.name,
                                          "description": phase.description, "start_date": phase.start_date,
                                          "end_date": phase.end_date})
        super().__init__(*args, **kwargs)

    def to_data(self) -> PhaseData:
        data = self.cleaned_data
        return PhaseData(name=data["name"], description=data["description"] or "", start_date=data["start_date"],
                         end_date=data["end_date"])


class StageForm(VersionedForm):
    """A stage: 3 fields (a goal or a time at least)."""

    goal = _char(Stage, "goal", label=_("Goal"), required=False, help_text=_("e.g. 深入学习，统一认识，提高站位."))
    start_date = _date(_("Stage starts"))
    end_date = _date(_("Stage ends"))

    def __init__(self, *args: Any, stage: Stage | None = None, **kwargs: Any):
        if stage is not None:
            kwargs.setdefault("initial", {"version": stage.version, "goal": stage.goal,
                                          "start_date": stage.start_date, "end_date": stage.end_date})
        super().__init__(*args, **kwargs)

    def to_data(self) -> StageData:
        data = self.cleaned_data
        return StageData(goal=data["goal"] or "", start_date=data["start_date"], end_date=data["end_date"])


def placement_choices(phases: list[Phase]) -> list[tuple[str, str]]:
    """Where a task may go: each phase itself (its own tasks), then each of its stages."""
    choices = []
    for phase in phases:
        choices.append((f"phase-{phase.pk}", _("%(phase)s — the phase's own tasks") % {"phase": str(phase)}))
        for stage in phase.stages.all():
            if not stage.is_direct:
                choices.append((f"stage-{stage.pk}", f"{phase.numeral} · {stage}"))
    return choices


def party_choices(units: list[OrgUnit]) -> list:
    """The parties offered: every unit of a kind, then the named units, grouped by kind."""
    kinds = [(f"kind:{kind}", label) for kind, label in PARTY_KIND_LABELS.items()]
    choices: list = [(_("Every unit of a kind"), kinds)]
    labels = dict(OrgUnit.Kind.choices)
    for kind in OrgUnit.Kind.values:
        named = [(f"unit:{unit.pk}", unit.name + (str(_(" (retired)")) if unit.is_retired else ""))
                 for unit in units if unit.kind == kind]
        if named:
            choices.append((labels[kind], named))
    return choices


class TaskForm(VersionedForm):
    """A task and its parties, in one form: 10 fields (placement, number, title, text, work area, milestone, start,
    due, lead, co-operating); number, title and a lead required."""

    placement = forms.ChoiceField(label=_("Phase or stage"))
    number = _char(Task, "number", label=_("No."), help_text=_("As the document numbers it."))
    title = _char(Task, "title", label=_("Title"), help_text=_("The task's first sentence, shown in the table."))
    text = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("The task in the document's own words; empty: the title."))
    work_area = forms.TypedChoiceField(label=_("Work area"), required=False, coerce=int, empty_value=None)
    milestone = forms.BooleanField(label=_("Milestone: a single dated event"), required=False,
                                   help_text=_("A notice received, a training held: give its date as the due date "
                                               "and leave the start empty."))
    start_date = _date(_("Start"), _("Empty: the stage's or phase's start."))
    due_date = _date(_("Due"), _("Empty: the stage's or phase's end. A milestone: its date."))
    lead = forms.MultipleChoiceField(label=_("Lead units"), widget=forms.CheckboxSelectMultiple, required=False)
    cooperating = forms.MultipleChoiceField(label=_("Co-operating units"), widget=forms.CheckboxSelectMultiple,
                                            required=False)

    def __init__(self, *args: Any, phases: list[Phase], areas: list[WorkArea], units: list[OrgUnit],
                 task: Task | None = None, **kwargs: Any):
        if task is not None:
            stage = task.stage
            kwargs.setdefault("initial", {
                "version": task.version,
                "placement": f"phase-{stage.phase_id}" if stage.is_direct else f"stage-{stage.pk}",
                "number": task.number, "title": task.title, "text": task.text if task.text != task.title else "",
                "work_area": task.work_area_id, "milestone": task.milestone, "start_date": task.start_date,
                "due_date": task.due_date,
                "lead": [_party_value(p.kind, p.unit_id) for p in task.lead_parties],
                "cooperating": [_party_value(p.kind, p.unit_id) for p in task.cooperating_parties]})
        super().__init__(*args, **kwargs)
        self.phases = {phase.pk: phase for phase in phases}
        self.stages = {stage.pk: stage for phase in phases for stage in phase.stages.all()}
        self.fields["placement"].choices = placement_choices(phases)
        self.areas = {area.pk: area for area in areas}
        if areas:
            self.fields["work_area"].choices = [("", _("None"))] + [(area.pk, area.name) for area in areas]
        else:
            del self.fields["work_area"]
        self.units = {unit.pk: unit for unit in units}
        self.fields["lead"].choices = party_choices(units)
        self.fields["cooperating"].choices = party_choices(units)

    def _parties(self, values: list[str]) -> list[Party]:
        parties = []
        for value in values:
            what, _colon, key = value.partition(":")
            if what == "kind":
                parties.append(Party(kind=key))
            else:
                unit = self.units[int(key)]
                parties.append(Party(kind=unit.kind, unit=unit))
        return parties

    def place(self) -> tuple[Phase | None, Stage | None]:
        what, _dash, pk = self.cleaned_data["placement"].partition("-")
        if what == "phase":
            return self.phases[int(pk)], None
        return None, self.stages[int(pk)]

    def to_data(self) -> TaskData:
        data = self.cleaned_data
        area = data.get("work_area")
        return TaskData(number=data["number"], title=data["title"], text=data["text"] or "",
                        work_area=self.areas.get(area) if area else None, milestone=data["milestone"],
                        start_date=data["start_date"], due_date=data["due_date"],
                        lead=self._parties(data["lead"]), cooperating=self._parties(data["cooperating"]))


def _party_value(kind: str, unit_id: int | None) -> str:
    return f"unit:{unit_id}" if unit_id is not None else f"kind:{kind}"


class WorkAreaForm(forms.Form):
    """A work area's name (the name the page showed stands for its version)."""

    name = _char(WorkArea, "name", label=_("Work area"), help_text=_("e.g. 队伍建设, 平台建设, 机制建设."))
    loaded_name = forms.CharField(widget=forms.HiddenInput, required=False)


class MoveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    loaded_name = forms.CharField(widget=forms.HiddenInput, required=False)
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))], widget=forms.HiddenInput)


class DeleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    loaded_name = forms.CharField(widget=forms.HiddenInput, required=False)
