"""Forms: the shape of what people type. Rules about what may be saved live in services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Task
from ..uploads import ALLOWED_EXTENSIONS, check_evidence_file


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files at once and checks each one's type and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(f".{e}" for e in ALLOWED_EXTENSIONS)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        cleaned = [super(MultipleFileField, self).clean(upload, initial) for upload in uploads]
        errors = []
        for upload in cleaned:
            try:
                check_evidence_file(upload)
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class TaskUpdateForm(forms.Form):
    """A dated progress report on a task; status and progress only for those who steer the task."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
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
