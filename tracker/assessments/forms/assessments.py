"""Forms for self-assessment rounds, the items of an assessment, its report and its workflow.

Scores are taken as typed or chosen and handed to the services, which judge them against the item's scoring
mode (services.standards.validate_score): a refused score gets the service's plain message, not a form's
generic "choose a valid option".
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tracker.assessments.models.assessments import AssessmentEntry, AssessmentRound, AssessmentTransition
from tracker.assessments.models.standards import Standard, StandardItem
from tracker.assessments.services.assessments import MAX_REPORT_CHARS, ReviewPart, SelfPart
from tracker.assessments.services.standards import score_choices
from tracker.org.forms import DateField, ModelChoiceField, ModelMultipleChoiceField, MultipleFileField
from tracker.org.models import Institution, OrgUnit
from tracker.templatetags.scores import score
from tracker.work.forms.platforms import PeopleCheckboxes, date_input, label


class StandardChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Standard) -> str:
        owner = (obj.institution.short_name or obj.institution.name) if obj.institution else _("shared")
        return f"{obj.name}（{obj.get_level_display()} · {owner}）"


class RoundUnitsField(ModelMultipleChoiceField):
    """Units by their short name; with the institution's when the choices span several institutions."""

    show_institution = False

    def label_from_instance(self, obj: OrgUnit) -> str:
        if self.show_institution:
            return f"{obj.label}（{obj.institution.short_name or obj.institution.name}）"
        return obj.label


class RoundForm(forms.Form):
    """A new round: its name, the standard units assess themselves against, the deadline, the report limit and,
    for a pilot or a batch, the units taking part."""

    institution = ModelChoiceField(label=label(AssessmentRound, "institution"),
                                         queryset=Institution.objects.none())
    name = forms.CharField(label=label(AssessmentRound, "name"), max_length=100,
                           help_text=_("For example 2021年对标找差."))
    standard = StandardChoiceField(
        label=label(AssessmentRound, "standard"), queryset=Standard.objects.none(),
        help_text=_("A college-level standard is filed by every college; a school-level one by the school "
                    "committee."),
    )
    due_on = DateField(label=label(AssessmentRound, "due_on"), widget=date_input())
    report_max_chars = forms.IntegerField(
        label=label(AssessmentRound, "report_max_chars"), min_value=1, max_value=MAX_REPORT_CHARS, initial=2000,
        help_text=AssessmentRound._meta.get_field("report_max_chars").help_text,
    )
    units = RoundUnitsField(
        label=label(AssessmentRound, "units"), required=False, queryset=OrgUnit.objects.none(),
        widget=PeopleCheckboxes(),
        help_text=_("For a pilot or a batch, tick the units that take part; leave every box empty for every college "
                    "(or, for a school-level standard, the school committee)."),
    )

    def __init__(self, *args, institutions: QuerySet[Institution], standards: QuerySet[Standard], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["standard"].queryset = standards.select_related("institution").order_by("level", "name")
        # The units that file in some round: colleges, and the school committee (the service checks the kind
        # against the standard's level, and the institution).
        self.fields["units"].queryset = OrgUnit.objects.in_service().filter(
            institution__in=institutions, kind__in=[OrgUnit.Kind.COLLEGE, OrgUnit.Kind.SCHOOL_COMMITTEE],
        ).select_related("institution").order_by("institution__code", "-kind", "order", "name")
        only = list(institutions[:2])
        self.fields["units"].show_institution = len(only) > 1
        if len(only) == 1:
            # One institution to choose from (committee staff): no question to ask.
            self.fields["institution"].widget = forms.HiddenInput()
            self.fields["institution"].initial = only[0].pk


def score_field(item: StandardItem, *, label_text: str, required: bool = False) -> forms.CharField:
    """A select of the scores a discrete mode allows, or a number box for a bonus item (0 to its maximum)."""
    choices = score_choices(item)
    if choices is None:
        widget = forms.NumberInput(attrs={"min": 0, "max": item.points, "step": "0.01", "inputmode": "decimal"})
        help_text = _("Any number from 0 to %(points)s.") % {"points": score(item.points)}
    else:
        widget = forms.Select(choices=[("", _("— not scored yet —"))]
                              + [(f"{value:.2f}", f"{value.normalize():f} · {text}") for value, text in choices])
        help_text = ""
    return forms.CharField(label=label_text, required=required, widget=widget, help_text=help_text)


def _score_text(value) -> str:
    return "" if value is None else f"{value:.2f}"


class EntrySelfForm(forms.Form):
    """The unit's part of one item: self-score, gap, measure, owner, deadline and evidence files."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    # The document's own column names (差距 · 整改措施 · 责任人 · 完成时限), as on the assessment's table.
    gap = forms.CharField(label="差距", required=False, max_length=5000,
                          widget=forms.Textarea(attrs={"rows": 3}),
                          help_text=_("Where the unit falls short of this item; needed when below full marks."))
    measure = forms.CharField(label="整改措施", required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.CharField(label="责任人", required=False, max_length=100)
    deadline = DateField(label="完成时限", required=False, widget=date_input())
    files = MultipleFileField(label=_("Evidence files (佐证材料)"), required=False)

    def __init__(self, *args, entry: AssessmentEntry, **kwargs) -> None:
        kwargs.setdefault("initial", {
            "version": entry.version, "self_score": _score_text(entry.self_score), "gap": entry.gap,
            "measure": entry.measure, "owner": entry.owner, "deadline": entry.deadline,
        })
        super().__init__(*args, **kwargs)
        self.fields = {"version": self.fields["version"],
                       "self_score": score_field(entry.item, label_text="自评分"),
                       **{name: field for name, field in self.fields.items() if name != "version"}}
        self.fields["files"].help_text = _("PDF, Word, Excel, JPG or PNG; at most %(limit)s each.") % {
            "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)
        }

    def to_part(self) -> SelfPart:
        data = self.cleaned_data
        return SelfPart(self_score=data["self_score"], gap=data["gap"], measure=data["measure"],
                        owner=data["owner"], deadline=data["deadline"])


class EntryReviewForm(forms.Form):
    """A reviewer's score (考评分) and comment on one item."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    review_comment = forms.CharField(
        label="评审意见", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the unit should change; an assessment is returned only with a comment on some item."),
    )

    def __init__(self, *args, entry: AssessmentEntry, **kwargs) -> None:
        kwargs.setdefault("initial", {"version": entry.version, "review_score": _score_text(entry.review_score),
                                      "review_comment": entry.review_comment})
        super().__init__(*args, **kwargs)
        self.fields = {"version": self.fields["version"],
                       "review_score": score_field(entry.item, label_text="考评分"),
                       "review_comment": self.fields["review_comment"]}

    def to_part(self) -> ReviewPart:
        return ReviewPart(review_score=self.cleaned_data["review_score"],
                          review_comment=self.cleaned_data["review_comment"])


class ReportForm(forms.Form):
    """The written report. Its limit is shown and counted in the browser; the service enforces it."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    report = forms.CharField(label=_("Written report"), required=False,
                             widget=forms.Textarea(attrs={"rows": 12, "class": "report-text"}))

    def __init__(self, *args, limit: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limit = limit
        self.fields["report"].widget.attrs["data-limit"] = limit
        self.fields["report"].help_text = _("At most %(limit)s characters.") % {"limit": limit}

    def clean_report(self) -> str:
        # Browsers send line breaks as CRLF; count each as the one character the writer sees.
        return self.cleaned_data["report"].replace("\r\n", "\n")


class TransitionForm(forms.Form):
    """Submit, return or accept an assessment, against the version the page showed."""

    ACTIONS = [("submit", _("Submit")), ("return", _("Return for changes")), ("accept", _("Accept"))]

    action = forms.ChoiceField(choices=ACTIONS)
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    # Empty: today. A step taken on paper before it is recorded here carries its own day.
    occurred_on = DateField(label=label(AssessmentTransition, "occurred_on"), required=False, widget=date_input())
