"""Forms of the double menus: what people type. The rules about what may be saved live in services/menus.py."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.org.forms import DateField, ModelChoiceField, ModelMultipleChoiceField
from tracker.org.models import OrgUnit
from tracker.roster.models import Speciality, Volunteer
from tracker.work.models.menus import MenuMatch, NeedItem, ResourceItem


class MenuFilterForm(forms.Form):
    """The board's unit filter, for those who see more than one unit's menus (staff and leaders)."""

    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, units: list[OrgUnit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("All"))] + [(unit.pk, unit.label) for unit in units]
        self.units = {unit.pk: unit for unit in units}


class _TaggedItemForm(forms.Form):
    title = forms.CharField(max_length=100)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    tags = ModelMultipleChoiceField(
        label=_("Tags"), required=False, queryset=Speciality.objects.none(), widget=forms.CheckboxSelectMultiple,
    )
    new_tags = forms.CharField(
        label=_("Other tags"), required=False, max_length=200,
        help_text=_("Tags not in the list above, separated by commas or spaces, e.g. 党史教育，书法"),
    )

    def __init__(self, *args, tags: QuerySet[Speciality], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = tags


class NeedForm(_TaggedItemForm):
    """A need of a unit's students or young teachers (需求菜单)."""

    field_order = ["unit", "audience", "title", "description", "tags", "new_tags"]

    unit = ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    audience = forms.ChoiceField(label=_("Who asks"), choices=NeedItem.Audience.choices)

    def __init__(self, *args, units: QuerySet[OrgUnit], **kwargs):
        super().__init__(*args, **kwargs)
        units = units.offered()  # a new need: never a retired unit's
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda unit: unit.label
        self.fields["title"].label = _("What is needed")
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk


class ResourceForm(_TaggedItemForm):
    """What one volunteer offers (资源特长菜单)."""

    field_order = ["volunteer", "title", "description", "tags", "new_tags"]

    volunteer = ModelChoiceField(label=_("Volunteer"), queryset=Volunteer.objects.none())

    def __init__(self, *args, volunteers: QuerySet[Volunteer], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers
        self.fields["volunteer"].label_from_instance = lambda person: f"{person.name}（{person.unit.label}）"
        self.fields["title"].label = _("What is offered")
        self.fields["tags"].help_text = _("Leave the tags empty to use the volunteer's specialities.")


class MatchCreateForm(forms.Form):
    """Propose a match: the offer and the need, by id (checked against what the user may see in the view)."""

    resource = forms.IntegerField(label=_("Offer"), widget=forms.Select)
    need = forms.IntegerField(label=_("Need"), widget=forms.Select)

    def set_choices(self, *, resources: list[ResourceItem], needs: list[NeedItem]) -> None:
        """The offers and needs to pick from; the view still checks the ids posted against what the user sees."""
        empty = [("", "—")]
        self.fields["resource"].widget.choices = empty + [
            (item.pk, f"{item.title}（{item.volunteer.name}，{item.volunteer.unit.label}）") for item in resources
        ]
        self.fields["need"].widget.choices = empty + [(item.pk, f"{item.title}（{item.unit.label}）") for item in needs]


class MatchAdvanceForm(forms.Form):
    """Move a match to its next status; delivering asks how it went."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=MenuMatch.Status.choices, widget=forms.HiddenInput)
    feedback = forms.CharField(
        label=_("Feedback: how did it go?"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
    )
    delivered_on = DateField(
        label=_("Delivered on"), required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, *args, match: MenuMatch, **kwargs):
        following = MenuMatch.TRANSITIONS.get(match.status, ())
        self.next_status = MenuMatch.Status(following[0]) if following else None
        kwargs.setdefault("initial", {
            "version": match.version, "status": self.next_status, "delivered_on": timezone.localdate(),
        })
        super().__init__(*args, **kwargs)
        if self.next_status != MenuMatch.Status.DELIVERED:
            del self.fields["delivered_on"]
            self.fields["feedback"].label = _("Note")
