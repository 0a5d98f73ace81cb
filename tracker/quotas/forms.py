"""The form for a quota value entered by hand. The rules about what may be saved live in services/quotas.py."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tracker.org.models import OrgUnit
from tracker.org.uploads import ALLOWED_EXTENSIONS, check_evidence_file
from tracker.quotas.metrics import is_yes_no
from tracker.quotas.models import Quota


class QuotaEntryForm(forms.Form):
    """A value with one evidence file; for a per-college quota, the college it is for."""

    unit = forms.TypedChoiceField(label=_("College"), coerce=int)
    value = forms.DecimalField(label=_("Value"), max_digits=8, decimal_places=2, min_value=0)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(
        label=_("Evidence file"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{e}" for e in ALLOWED_EXTENSIONS)}),
    )

    def __init__(self, *args, quota: Quota, units: list[OrgUnit], **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {unit.pk: unit for unit in units}
        if quota.scope == Quota.Scope.EACH_COLLEGE:
            self.fields["unit"].choices = [("", "—")] + [(unit.pk, unit.label) for unit in units]
        else:
            del self.fields["unit"]
        if is_yes_no(quota):
            self.fields["value"] = forms.TypedChoiceField(
                label=_("Met?"), coerce=Decimal, choices=[("1", _("Yes")), ("0", _("No"))],
            )
        self.fields["evidence"].help_text = _(
            "Required: the document that shows the value. PDF, Word, Excel, JPG or PNG; at most %(limit)s."
        ) % {"limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)}

    def clean_unit(self) -> OrgUnit:
        return self.units[self.cleaned_data["unit"]]

    def clean_evidence(self):
        upload = self.cleaned_data["evidence"]
        check_evidence_file(upload)
        return upload
