"""The token pages' form: the shape of what people type. The rules (a unique name, no past expiry) are the
service's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tracker.org.forms import DateField


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name of the token"), max_length=100,
                           help_text=_("What the token is for, e.g. “校数据平台” or “省级平台”."))
    expires_on = DateField(
        label=_("Expires on"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("The last day the token works. Leave empty to keep it until you revoke it."),
    )
