"""Forms for standards: the import upload and its confirmation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tracker.assessments import xlsx as standards_xlsx
from tracker.assessments.models.standards import Standard
from tracker.org.forms import ModelChoiceField
from tracker.org.models import Institution


class StandardImportForm(forms.Form):
    """Name, level and source of the new standard, and its file. Staff import into their own institution;
    administrators choose one or leave it empty for a standard shared by every institution."""

    name = forms.CharField(label=_("Name of the standard"), max_length=Standard._meta.get_field("name").max_length)
    level = forms.ChoiceField(label=_("Level"), choices=Standard.Level.choices)
    source_document = forms.CharField(
        label=_("Source document"), max_length=Standard._meta.get_field("source_document").max_length,
        help_text=_("Where the items come from, e.g. the province's document and its number."),
    )
    institution = ModelChoiceField(label=_("University"), queryset=Institution.objects.none(), required=False)
    file = forms.FileField(label=_("Standard file (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def __init__(self, *args: Any, institutions: QuerySet[Institution], may_share: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Columns 序号 · 一级指标 · 内容 · 评分要求 · 分值 · 计分方式; at most %(rows)s items."
        ) % {"rows": standards_xlsx.MAX_ROWS}
        self.may_share = may_share
        self.fields["institution"].queryset = institutions
        choices = list(institutions)
        if may_share:
            self.fields["institution"].empty_label = _("— shared by every institution —")
            self.single_institution = None
        elif len(choices) == 1:
            # Staff import into their own institution only: whatever the request says, it is that one.
            self.fields["institution"].widget = forms.HiddenInput()
            self.fields["institution"].initial = choices[0].pk
            self.fields["institution"].disabled = True
            self.single_institution = choices[0]
        else:
            self.fields["institution"].required = True
            self.single_institution = None

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_institution(self) -> Institution | None:
        return self.single_institution or self.cleaned_data.get("institution")


class StandardImportConfirmForm(forms.Form):
    """The checked rows, signed by the server at the check step."""

    payload = forms.CharField(widget=forms.HiddenInput())
