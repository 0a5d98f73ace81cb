"""Forms to copy a standard or a self-assessment round into a new cycle."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tracker.assessments.forms.assessments import StandardChoiceField
from tracker.assessments.models.assessments import AssessmentRound
from tracker.assessments.models.standards import Standard
from tracker.org.forms import DateField, ModelChoiceField
from tracker.org.models import Institution
from tracker.plans.forms import ShiftMixin
from tracker.work.forms.platforms import date_input, label


class StandardCopyForm(forms.Form):
    """The copy's name; where it goes: committee staff their own institution (not asked), administrators choose one
    or leave it shared."""

    name = forms.CharField(label=_("Name of the new standard"),
                           max_length=Standard._meta.get_field("name").max_length)
    institution = ModelChoiceField(label=_("University"), queryset=Institution.objects.none(), required=False)

    def __init__(self, *args: Any, standard: Standard, institutions: QuerySet[Institution], may_share: bool,
                 **kwargs: Any):
        kwargs.setdefault("initial", {"name": standard.name, "institution": standard.institution_id})
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        choices = list(institutions[:2])
        self.single_institution = None
        if may_share:
            self.fields["institution"].empty_label = _("— shared by every institution —")
        elif len(choices) == 1:
            # Staff copy into their own institution only: whatever the request says, it is that one.
            self.fields["institution"].widget = forms.HiddenInput()
            self.fields["institution"].initial = choices[0].pk
            self.fields["institution"].disabled = True
            self.single_institution = choices[0]
        else:
            self.fields["institution"].required = True

    def clean_institution(self) -> Institution | None:
        return self.single_institution or self.cleaned_data.get("institution")


class RoundCopyForm(ShiftMixin):
    """The new round's name, the standard it assesses against, and its deadline: a date, or the old one moved."""

    field_order = ["name", "standard", "due_on", "shift_by", "shift_unit"]

    name = forms.CharField(label=_("Name of the new round"), max_length=100, help_text=_("For example 2021年对标找差."))
    standard = StandardChoiceField(label=label(AssessmentRound, "standard"), queryset=Standard.objects.none(),
                                   required=False)
    due_on = DateField(label=_("New filing deadline"), required=False, widget=date_input(),
                       help_text=_("Or leave it empty and move the old deadline below."))

    def __init__(self, *args: Any, assessment_round: AssessmentRound, standards: QuerySet[Standard], **kwargs: Any):
        newest = standards.exclude(pk=assessment_round.standard_id).order_by("-pk").first()
        kwargs.setdefault("initial", {"name": assessment_round.name,
                                      "standard": (newest or assessment_round.standard).pk,
                                      "shift_unit": self.YEARS})
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = standards
        self.fields["standard"].help_text = _(
            "The round's standard, or a copy of it made for the new cycle (copy the standard first to change it).")
        self.fields["shift_by"].help_text = _("The old deadline was %(day)s.") % {
            "day": assessment_round.due_on.isoformat()}
