"""Forms: the shape of what people type. Rules about what may be saved live in services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.org.forms import DateField, MultipleFileField
from tracker.plans.models import Task


class TaskUpdateForm(forms.Form):
    """A dated progress report on a task; status and progress only for those who steer the task."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    date = DateField(label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Status"), choices=Task.Status.choices)
    progress = forms.IntegerField(
        label=_("Progress (%)"), min_value=0, max_value=100,
        widget=forms.NumberInput(attrs={"step": 5, "inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=_("What was done"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    files = MultipleFileField(label=_("Evidence files"), required=False)

    def __init__(self, *args, task: Task, steering: bool, **kwargs):
        kwargs.setdefault(
            "initial",
            {"version": task.version, "date": timezone.localdate(), "status": task.status, "progress": task.progress},
        )
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _("PDF, Word, Excel, JPG or PNG; at most %(limit)s each.") % {
            "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)
        }
        if not steering:
            del self.fields["status"]
            del self.fields["progress"]


class PlanFilterForm(forms.Form):
    """Filters on the plan page: phase, status (overdue included) and responsible unit."""

    OVERDUE = "overdue"

    phase = forms.TypedChoiceField(label=_("Phase"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)
    unit = forms.TypedChoiceField(label=_("Responsible unit"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, phases, units, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["phase"].choices = every + [(p.pk, str(p)) for p in phases]
        self.fields["status"].choices = every + list(Task.Status.choices) + [(self.OVERDUE, _("Overdue"))]
        self.fields["unit"].choices = every + [(u.pk, u.label) for u in units]
        self.units = {u.pk: u for u in units}
