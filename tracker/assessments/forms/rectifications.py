"""Forms for the rectification list (整改清单) and the review of a whole university (片区评议).

What may be saved, and by whom, is decided in services/assessments.py; these forms only give what people type
its shape.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tracker.assessments.models.assessments import AssessmentRound, Rectification, Review, ReviewOpinion, ReviewStep
from tracker.org.forms import DateField, ModelChoiceField, MultipleFileField
from tracker.org.models import Institution, OrgUnit
from tracker.work.forms.platforms import date_input, label

RStatus = Rectification.Status
# The sources staff enter by hand; gaps of a self-assessment enter the list when the assessment is accepted.
HAND_ENTERED_SOURCES = (Rectification.Source.INSPECTION, Rectification.Source.ZONE_REVIEW)


class OwnerUnitField(ModelChoiceField):
    """A unit by its short name; with the institution's when the choices span several institutions."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.show_institution = False

    def label_from_instance(self, obj: OrgUnit) -> str:
        if self.show_institution:
            return f"{obj.institution.short_name or obj.institution.name} · {obj.label}"
        return obj.label


def _owner_units(field: OwnerUnitField, units: QuerySet[OrgUnit]) -> None:
    units = units.select_related("institution").order_by("institution__code", "kind", "order", "name")
    field.queryset = units
    field.show_institution = len({unit.institution_id for unit in units}) > 1


def _evidence_help() -> str:
    return _("PDF, Word, Excel, JPG or PNG; at most %(limit)s each.") % {
        "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)
    }


# --- The rectification list ------------------------------------------------------------------


class RectificationFilterForm(forms.Form):
    """Filters on the list: status, source, owner unit (for those who see several units), overdue only."""

    status = forms.ChoiceField(label=label(Rectification, "status"), required=False)
    source = forms.ChoiceField(label=label(Rectification, "source"), required=False)
    unit = forms.TypedChoiceField(label=label(Rectification, "unit"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, units: list[OrgUnit] | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["status"].choices = every + list(RStatus.choices)
        self.fields["source"].choices = every + list(Rectification.Source.choices)
        if units is None:
            del self.fields["unit"]
        else:
            self.fields["unit"].choices = every + [(unit.pk, unit.label) for unit in units]


class RectificationForm(forms.Form):
    """A school inspection opinion, or a zone review's given on paper, put onto the list by staff."""

    unit = OwnerUnitField(label=label(Rectification, "unit"), queryset=OrgUnit.objects.none(),
                          help_text=_("The unit that must put the problem right."))
    source = forms.ChoiceField(
        label=label(Rectification, "source"),
        choices=[(source.value, source.label) for source in HAND_ENTERED_SOURCES],
    )
    problem = forms.CharField(label=label(Rectification, "problem"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    measure = forms.CharField(label=label(Rectification, "measure"), max_length=5000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    deadline = DateField(label=label(Rectification, "deadline"), widget=date_input())

    def __init__(self, *args, units: QuerySet[OrgUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _owner_units(self.fields["unit"], units.offered())  # a new entry: never a retired unit's


class RectificationAdvanceForm(forms.Form):
    """Move an entry on, with a note and evidence.

    Any status is accepted from the browser, so the service is the one to refuse a step (and a verification by
    someone who may not verify is a 403, not a form error); only the steps the user may take are offered.
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=RStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("Evidence files"), required=False)

    def __init__(self, *args, rectification: Rectification, steps: tuple[str, ...], **kwargs) -> None:
        # Preselect the next step forward, never a step back: a unit adding a note to an entry it marked done must
        # not reopen it by leaving the select as it was.
        order = list(RStatus.values)
        forward = [step for step in steps if order.index(step) > order.index(rectification.status)]
        kwargs.setdefault("initial", {"version": rectification.version,
                                      "status": forward[0] if forward else rectification.status})
        super().__init__(*args, **kwargs)
        keep = (rectification.status, _("Keep “%(status)s”: add a note or evidence only")
                % {"status": rectification.get_status_display()})
        self.fields["status"].widget.choices = [(step, RStatus(step).label) for step in steps] + [keep]
        self.fields["files"].help_text = _evidence_help()


class RectificationReassignForm(forms.Form):
    """Staff change the owner unit, the measure and the deadline."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    unit = OwnerUnitField(label=label(Rectification, "unit"), queryset=OrgUnit.objects.none())
    measure = forms.CharField(label=label(Rectification, "measure"), max_length=5000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    deadline = DateField(label=label(Rectification, "deadline"), widget=date_input())

    def __init__(self, *args, rectification: Rectification, units: QuerySet[OrgUnit], **kwargs) -> None:
        kwargs.setdefault("initial", {"version": rectification.version, "unit": rectification.unit_id,
                                      "measure": rectification.measure, "deadline": rectification.deadline})
        super().__init__(*args, **kwargs)
        # Reassigned to a unit in service, or left with the (perhaps retired) unit it has.
        _owner_units(self.fields["unit"], units.offered(rectification.unit_id))


# --- The review of a whole university ------------------------------------------------------------


def planned_field_name(kind: str) -> str:
    return f"planned_{kind}"


class ReviewForm(forms.Form):
    """A new review: its name, zone, the school-level round whose scores go with it, and the planned dates."""

    institution = ModelChoiceField(label=label(Review, "institution"), queryset=Institution.objects.none())
    name = forms.CharField(label=label(Review, "name"), max_length=100,
                           help_text=_("For example 2022年片区评议."))
    zone = ModelChoiceField(label=label(Review, "zone"), queryset=OrgUnit.objects.none(), required=False)
    assessment_round = ModelChoiceField(
        label=label(Review, "assessment_round"), queryset=AssessmentRound.objects.none(), required=False,
        help_text=Review._meta.get_field("assessment_round").help_text,
    )

    def __init__(self, *args, institutions: QuerySet[Institution], zones: QuerySet[OrgUnit],
                 rounds: QuerySet[AssessmentRound], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        institutions = list(institutions)
        if len(institutions) == 1:
            del self.fields["institution"]
            self.only_institution = institutions[0]
        else:
            self.fields["institution"].queryset = Institution.objects.filter(pk__in=[i.pk for i in institutions])
            self.only_institution = None
        self.fields["zone"].queryset = zones
        self.fields["assessment_round"].queryset = rounds
        for kind in ReviewStep.ORDER:
            self.fields[planned_field_name(kind)] = DateField(
                label=_("%(step)s: planned for") % {"step": ReviewStep.Kind(kind).label},
                required=False, widget=date_input(),
            )

    def planned_fields(self) -> list[forms.BoundField]:
        return [self[planned_field_name(kind)] for kind in ReviewStep.ORDER]

    def other_fields(self) -> list[forms.BoundField]:
        planned = {planned_field_name(kind) for kind in ReviewStep.ORDER}
        return [field for field in self.visible_fields() if field.name not in planned]

    def institution_chosen(self) -> Institution:
        return self.only_institution or self.cleaned_data["institution"]

    def planned(self) -> dict[str, object]:
        data = self.cleaned_data
        return {kind: data[planned_field_name(kind)] for kind in ReviewStep.ORDER if data[planned_field_name(kind)]}


class ReviewStepForm(forms.Form):
    """The dates and note of one step. Each step's form has its own element ids (several share the page)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    planned_on = DateField(label=label(ReviewStep, "planned_on"), required=False, widget=date_input())
    done_on = DateField(label=label(ReviewStep, "done_on"), required=False, widget=date_input())
    note = forms.CharField(label=label(ReviewStep, "note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, step: ReviewStep, **kwargs) -> None:
        kwargs.setdefault("initial", {"version": step.version, "planned_on": step.planned_on,
                                      "done_on": step.done_on, "note": step.note})
        kwargs.setdefault("auto_id", f"step-{step.pk}-%s")
        super().__init__(*args, **kwargs)
        self.step = step


class ReviewOpinionForm(forms.Form):
    text = forms.CharField(
        label=_("Opinion"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Each opinion enters the rectification list, owned by the school committee."),
    )
    occurred_on = DateField(
        label=label(ReviewOpinion, "occurred_on"), required=False, widget=date_input(),
        help_text=_("The day the opinion was given, if before today (an opinion given on paper); empty: today."),
    )
