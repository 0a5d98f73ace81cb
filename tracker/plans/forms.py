"""Forms: the shape of what people type. Rules about what may be saved live in services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tracker.org.forms import DateField, MultipleFileField
from tracker.org.windows import month_end, month_start
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
    """Filters on the plan page: phase, status (overdue included), responsible unit and, where the plan has them,
    work area."""

    OVERDUE = "overdue"

    phase = forms.TypedChoiceField(label=_("Phase"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)
    unit = forms.TypedChoiceField(label=_("Responsible unit"), required=False, coerce=int, empty_value=None)
    work_area = forms.TypedChoiceField(label=_("Work area"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, phases, units, work_areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["phase"].choices = every + [(p.pk, str(p)) for p in phases]
        self.fields["status"].choices = every + list(Task.Status.choices) + [(self.OVERDUE, _("Overdue"))]
        self.fields["unit"].choices = every + [(u.pk, u.label) for u in units]
        self.units = {u.pk: u for u in units}
        if work_areas:  # a plan without work areas offers no such filter
            self.fields["work_area"].choices = every + [(area.pk, area.name) for area in work_areas]
        else:
            del self.fields["work_area"]


# --- Copy forward to a new cycle --------------------------------------------------------------


class ShiftMixin(forms.Form):
    """By how much a copy's dates move: a number of years or months (the copy-forward forms share it)."""

    MONTHS, YEARS = "months", "years"

    shift_by = forms.IntegerField(
        label=_("Move the dates by"), required=False, min_value=0, max_value=600,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    shift_unit = forms.ChoiceField(label=_("Years or months"), choices=[(YEARS, _("years")), (MONTHS, _("months"))],
                                   initial=YEARS)

    def shift_months(self) -> int | None:
        """The move in months, or None when no number was given."""
        amount = self.cleaned_data.get("shift_by")
        if amount is None:
            return None
        return amount * 12 if self.cleaned_data.get("shift_unit") == self.YEARS else amount


class PlanCopyForm(ShiftMixin):
    """A plan copied into the next cycle: the new title and issue date, how its dates move (or its new window), and
    whether tasks already done are left out."""

    field_order = ["title", "document_number", "issued_on", "shift_by", "shift_unit", "start_date", "end_date",
                   "leave_out_done"]

    title = forms.CharField(label=_("Title of the new plan"), max_length=200)
    document_number = forms.CharField(label=_("Document number"), max_length=50, required=False)
    issued_on = DateField(label=_("Issue date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    start_date = DateField(
        label=_("New start"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("Only to set the new plan's window by hand: its month counts."),
    )
    end_date = DateField(
        label=_("New end"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("Only to set the new plan's window by hand: its month counts."),
    )
    leave_out_done = forms.BooleanField(label=_("Leave out the tasks already done"), required=False)

    def __init__(self, *args, plan, **kwargs):
        kwargs.setdefault("initial", {"title": plan.title, "issued_on": timezone.localdate(),
                                      "shift_unit": self.YEARS})
        super().__init__(*args, **kwargs)
        self.fields["shift_by"].help_text = _(
            "Every date of the plan, its phases, stages and tasks moves by this much; a month's last day stays its "
            "last day. Empty, when a new start is given: the move from the old start to the new one.")
        done = getattr(plan, "task_done", None)
        if done:
            self.fields["leave_out_done"].help_text = ngettext(
                "%(count)s task of this plan is done.", "%(count)s tasks of this plan are done.", done,
            ) % {"count": done}

    def clean(self):
        data = super().clean()
        # A plan's window is month-precise: the first of its start month to the last day of its end month.
        if data.get("start_date"):
            data["start_date"] = month_start(data["start_date"].year, data["start_date"].month)
        if data.get("end_date"):
            data["end_date"] = month_end(data["end_date"].year, data["end_date"].month)
        return data


# --- Import a plan's 推进表 from Excel ---------------------------------------------------------------


class PlanImportForm(forms.Form):
    """The upload: the file and the plan's issue date (the file does not hold it); the title may be given here."""

    file = forms.FileField(label=_("推进表 (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
                           help_text=_("In the layout the portal exports; download the template for an example."))
    issued_on = DateField(label=_("Issue date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    title = forms.CharField(label=_("Title"), required=False, max_length=200,
                            help_text=_("Empty: the title in the file's first lines."))


class PlanImportConfirmForm(forms.Form):
    """The checked plan, signed by the server at the check step, with its title and issue date (still editable)."""

    payload = forms.CharField(widget=forms.HiddenInput())
    title = forms.CharField(label=_("Title"), max_length=200)
    issued_on = DateField(label=_("Issue date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
