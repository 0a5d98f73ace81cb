"""Forms for the roster and teams: the shape of what people type. Rules live in services/roster.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.org.forms import DateField, ModelChoiceField
from tracker.org.models import Institution, OrgUnit
from tracker.roster import xlsx as roster_xlsx
from tracker.roster.models import TeamMembership, Volunteer
from tracker.roster.services import VolunteerData, split_specialities


def _model_field(name: str, **overrides: Any) -> forms.Field:
    """The form field Django makes for the model field, so labels, lengths and choices are written once."""
    return Volunteer._meta.get_field(name).formfield(**overrides)


DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class RosterFilterForm(forms.Form):
    """Filters on the roster page and its export: unit (for those who see several), layer, status, name."""

    ELIGIBLE, PARTICIPATING, BACKBONE, NOT_ELIGIBLE = "eligible", "participating", "backbone", "not_eligible"

    q = forms.CharField(label=_("Name or staff number"), required=False, max_length=50)
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)
    layer = forms.ChoiceField(label=_("Layer"), required=False)
    status = forms.ChoiceField(label=_("Taking part"), required=False)

    def __init__(self, *args: Any, units: list[OrgUnit] | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        if units is None:
            del self.fields["unit"]
        else:
            # Administrators see several universities, whose colleges may share a name.
            several = len({unit.institution_id for unit in units}) > 1
            self.fields["unit"].choices = every + [
                (unit.pk, f"{unit.institution.short_name or unit.institution.name} · {unit.name}" if several
                 else unit.name)
                for unit in units
            ]
        self.fields["layer"].choices = every + list(Volunteer.Layer.choices)
        self.fields["status"].choices = every + [
            (self.ELIGIBLE, _("Eligible")),
            (self.PARTICIPATING, _("Participating")),
            (self.BACKBONE, _("Backbone")),
            (self.NOT_ELIGIBLE, _("Not eligible")),
        ]

    def apply(self, volunteers: QuerySet[Volunteer]) -> QuerySet[Volunteer]:
        """The volunteers that match; call after is_valid() (invalid filters leave the list as it is)."""
        if not self.is_valid():
            return volunteers
        wanted = self.cleaned_data
        if wanted.get("unit"):
            volunteers = volunteers.filter(unit_id=wanted["unit"])
        if wanted["layer"]:
            volunteers = volunteers.filter(layer=wanted["layer"])
        status = wanted["status"]
        if status == self.NOT_ELIGIBLE:
            volunteers = volunteers.filter(eligible=False)
        elif status:
            volunteers = volunteers.filter(**{status: True})
        if wanted["q"].strip():
            text = wanted["q"].strip()
            volunteers = volunteers.filter(Q(name__icontains=text) | Q(staff_number=text))
        return volunteers


class VolunteerForm(forms.Form):
    """A person on the roster. The unit offers only units the user keeps; a secretary's is fixed to her college."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    unit = ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    staff_number = _model_field("staff_number")
    name = _model_field("name")
    gender = _model_field("gender")
    birth_year = _model_field("birth_year", widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    retired_year = _model_field("retired_year", widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    former_post = _model_field("former_post")
    former_unit = _model_field("former_unit")
    category = _model_field("category")
    party_member = _model_field("party_member")
    phone = _model_field("phone")
    specialities = forms.CharField(
        label=_("Specialities"), required=False, max_length=500,
        help_text=_("Separate them with 、 or commas, for example: 党建、书法、摄影"),
    )
    layer = _model_field("layer")
    eligible = _model_field("eligible")
    participating = _model_field("participating")
    backbone = _model_field("backbone")
    active_from = _model_field("active_from", widget=DATE_WIDGET)
    active_to = _model_field("active_to", widget=DATE_WIDGET)

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], volunteer: Volunteer | None = None, **kwargs: Any):
        if volunteer is not None:
            initial = {name: getattr(volunteer, name) for name in VolunteerData.__dataclass_fields__
                       if name not in ("unit", "specialities")}
            initial.update(unit=volunteer.unit_id, version=volunteer.version,
                           specialities="、".join(tag.name for tag in volunteer.specialities.all()))
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        # A retired unit takes no new people; a person already on its roster keeps it on offer.
        units = units.offered(volunteer.unit_id if volunteer is not None else None)
        self.fields["unit"].queryset = units
        unit_list = list(units)
        if len(unit_list) == 1 and (volunteer is None or volunteer.unit_id == unit_list[0].pk):
            # A secretary or liaison keeps one roster: the unit is shown, not chosen.
            self.fields["unit"].disabled = True
            self.fields["unit"].initial = unit_list[0].pk
            self.fields["unit"].help_text = _("You keep this unit's roster.")

    def clean_specialities(self) -> list[str]:
        return split_specialities(self.cleaned_data["specialities"])

    def to_data(self) -> VolunteerData:
        data = self.cleaned_data
        values = {name: data[name] for name in VolunteerData.__dataclass_fields__ if name in data}
        for name in ("gender", "former_post", "former_unit", "category", "phone", "layer"):
            values[name] = values.get(name) or ""
        return VolunteerData(**values)


class RosterUploadForm(forms.Form):
    """The roster file; the institution only for those who keep rosters in more than one (administrators)."""

    institution = ModelChoiceField(label=_("University"), queryset=Institution.objects.none())
    file = forms.FileField(label=_("Roster file (.xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def __init__(self, *args: Any, institutions: QuerySet[Institution], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Excel or LibreOffice workbook in the template's layout; at most %(rows)s rows and %(size)s."
        ) % {"rows": f"{roster_xlsx.MAX_ROWS:,}", "size": filesizeformat(roster_xlsx.MAX_BYTES)}
        self.fields["institution"].queryset = institutions
        choices = list(institutions)
        if len(choices) == 1:
            self.fields["institution"].widget = forms.HiddenInput()
            self.fields["institution"].initial = choices[0].pk
            self.fields["institution"].required = False
            self.single_institution = choices[0]
        else:
            self.single_institution = None

    def clean_institution(self) -> Institution | None:
        return self.single_institution or self.cleaned_data.get("institution")


class MembershipAddForm(forms.Form):
    """Put one of the user's own unit's volunteers in a team."""

    volunteer = ModelChoiceField(label=_("Volunteer"), queryset=Volunteer.objects.none())
    joined_on = DateField(label=_("Joined on"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, volunteers: QuerySet[Volunteer], **kwargs: Any):
        kwargs.setdefault("initial", {"joined_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers
        self.fields["volunteer"].label_from_instance = (
            lambda v: f"{v.name}（{v.unit.label} · {v.staff_number}）"
        )


class MembershipEndForm(forms.Form):
    """The day a volunteer left a team."""

    left_on = DateField(label=_("Left on"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, membership: TeamMembership | None = None, **kwargs: Any):
        kwargs.setdefault("initial", {"left_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        if membership is not None:
            self.auto_id = f"id_end_{membership.pk}_%s"
