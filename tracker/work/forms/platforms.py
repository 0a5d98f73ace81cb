"""Forms for work platforms and the activity ledger. What may be saved is decided in services/work.py."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import Model, Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from tracker.org.forms import DateField, ModelChoiceField, ModelMultipleChoiceField, MultipleFileField
from tracker.org.models import OrgUnit
from tracker.roster.models import Volunteer
from tracker.work.models.platforms import THREE_HAS_THREE_IZATIONS, Activity, WorkPlatform
from tracker.work.services.platforms import ActivityFields, PlatformFields


def label(model: type[Model], name: str) -> str:
    """The model field's own verbose name, so a form and the admin call a thing the same."""
    return capfirst(model._meta.get_field(name).verbose_name)


def date_input() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class UnitChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return obj.label


class PersonChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Volunteer) -> str:
        return f"{obj.name}（{obj.unit.label}）"


class PeopleChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Volunteer) -> str:
        return f"{obj.name}（{obj.unit.label}）"


class PeopleCheckboxes(forms.CheckboxSelectMultiple):
    """A boxed, scrollable list of check boxes: easier to use than a multiple select for many names."""

    def __init__(self) -> None:
        super().__init__(attrs={"class": "checkbox-list"})


CHECKLIST_NAMES = [name for name, _label in THREE_HAS_THREE_IZATIONS]


class PlatformForm(forms.Form):
    """A work platform: level and owner, host, 双组长, the 三有三化 checklist, brand, active period and volunteers."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=label(WorkPlatform, "name"), max_length=100)
    level = forms.ChoiceField(label=label(WorkPlatform, "level"), choices=WorkPlatform.Level.choices)
    owner = UnitChoiceField(
        label=label(WorkPlatform, "owner"), queryset=OrgUnit.objects.none(),
        help_text=WorkPlatform._meta.get_field("owner").help_text,
    )
    host = UnitChoiceField(label=label(WorkPlatform, "host"), queryset=OrgUnit.objects.none(), required=False)
    serving_leader = forms.CharField(
        label=label(WorkPlatform, "serving_leader"), max_length=50, required=False,
        help_text=_("The name of the serving cadre who leads the platform."),
    )
    volunteer_leader = PersonChoiceField(
        label=label(WorkPlatform, "volunteer_leader"), queryset=Volunteer.objects.none(), required=False,
    )
    description = forms.CharField(
        label=label(WorkPlatform, "description"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    has_substance = forms.BooleanField(label=label(WorkPlatform, "has_substance"), required=False)
    has_goals = forms.BooleanField(label=label(WorkPlatform, "has_goals"), required=False)
    has_plan = forms.BooleanField(label=label(WorkPlatform, "has_plan"), required=False)
    institutionalised = forms.BooleanField(label=label(WorkPlatform, "institutionalised"), required=False)
    standardised = forms.BooleanField(label=label(WorkPlatform, "standardised"), required=False)
    branded = forms.BooleanField(label=label(WorkPlatform, "branded"), required=False)
    brand = forms.ChoiceField(label=label(WorkPlatform, "brand"), choices=WorkPlatform.Brand.choices)
    recognised_by = forms.CharField(
        label=label(WorkPlatform, "recognised_by"), max_length=100, required=False,
        help_text=_("For a brand recognised by a higher level: the body that recognised it."),
    )
    recognised_on = DateField(label=label(WorkPlatform, "recognised_on"), required=False, widget=date_input())
    active_from = DateField(label=label(WorkPlatform, "active_from"), required=False, widget=date_input())
    active_to = DateField(
        label=label(WorkPlatform, "active_to"), required=False, widget=date_input(),
        help_text=_("Leave empty while the platform runs."),
    )
    volunteers = PeopleChoiceField(
        label=label(WorkPlatform, "volunteers"), queryset=Volunteer.objects.none(), required=False,
        widget=PeopleCheckboxes(),
    )

    def __init__(
        self, *args, owners: QuerySet[OrgUnit], hosts: QuerySet[OrgUnit], people: QuerySet[Volunteer],
        platform: WorkPlatform | None = None, **kwargs,
    ) -> None:
        if platform is not None:
            initial = {name: getattr(platform, name) for name in (
                "name", "level", "serving_leader", "description", "brand", "recognised_by", "recognised_on",
                "active_from", "active_to", *CHECKLIST_NAMES,
            )}
            initial.update(
                version=platform.version, owner=platform.owner_id, host=platform.host_id,
                volunteer_leader=platform.volunteer_leader_id,
                volunteers=list(platform.volunteers.values_list("pk", flat=True)),
            )
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if platform is None:
            del self.fields["version"]
        # A retired unit is offered only to the platform it already owns or hosts.
        self.fields["owner"].queryset = owners.offered(platform.owner_id if platform is not None else None)
        self.fields["host"].queryset = hosts.offered(platform.host_id if platform is not None else None)
        people = people.for_roster()
        leaders = people
        if platform is not None and platform.volunteer_leader_id:
            # Keep the current co-leader on offer even when he is on another college's roster.
            leaders = Volunteer.objects.filter(
                Q(pk__in=people.values("pk")) | Q(pk=platform.volunteer_leader_id)
            ).for_roster()
        self.fields["volunteer_leader"].queryset = leaders
        self.fields["volunteers"].queryset = people

    def checklist_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in CHECKLIST_NAMES]

    def other_fields(self) -> list[forms.BoundField]:
        return [field for field in self.visible_fields() if field.name not in CHECKLIST_NAMES]

    def to_fields(self) -> PlatformFields:
        data = self.cleaned_data
        return PlatformFields(
            name=data["name"], level=data["level"], owner=data["owner"], host=data["host"],
            serving_leader=data["serving_leader"], volunteer_leader=data["volunteer_leader"],
            description=data["description"], brand=data["brand"], recognised_by=data["recognised_by"],
            recognised_on=data["recognised_on"], active_from=data["active_from"], active_to=data["active_to"],
            volunteers=tuple(data["volunteers"]), **{name: data[name] for name in CHECKLIST_NAMES},
        )


class PlatformFilterForm(forms.Form):
    """Filters on the platform list: level, owning unit, brand."""

    level = forms.ChoiceField(label=label(WorkPlatform, "level"), required=False)
    owner = forms.TypedChoiceField(label=label(WorkPlatform, "owner"), required=False, coerce=int, empty_value=None)
    brand = forms.ChoiceField(label=label(WorkPlatform, "brand"), required=False)

    def __init__(self, *args, owners: list[OrgUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["level"].choices = every + list(WorkPlatform.Level.choices)
        self.fields["owner"].choices = every + [(unit.pk, unit.label) for unit in owners]
        self.fields["brand"].choices = every + list(WorkPlatform.Brand.choices)


class ActivityForm(forms.Form):
    """A ledger entry: date, unit, kind, title, platform, who took part, notes and evidence files."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    unit = UnitChoiceField(label=label(Activity, "unit"), queryset=OrgUnit.objects.none())
    date = DateField(label=label(Activity, "date"), widget=date_input())
    kind = forms.ChoiceField(label=label(Activity, "kind"), choices=Activity.Kind.choices)
    title = forms.CharField(label=label(Activity, "title"), max_length=200)
    platform = ModelChoiceField(
        label=label(Activity, "platform"), queryset=WorkPlatform.objects.none(), required=False,
        help_text=_("Leave empty when the work was not part of a platform."),
    )
    retirees = PeopleChoiceField(
        label=label(Activity, "retirees"), queryset=Volunteer.objects.none(), required=False,
        widget=PeopleCheckboxes(),
    )
    retiree_count = forms.IntegerField(
        label=label(Activity, "retiree_count"), min_value=0, initial=0,
        help_text=_("Everyone who took part, named above or not."),
    )
    youth_count = forms.IntegerField(label=label(Activity, "youth_count"), min_value=0, initial=0)
    notes = forms.CharField(
        label=label(Activity, "notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
    )
    files = MultipleFileField(label=_("Evidence files"), required=False)

    def __init__(
        self, *args, units: QuerySet[OrgUnit], platforms: QuerySet[WorkPlatform], people: QuerySet[Volunteer],
        activity: Activity | None = None, **kwargs,
    ) -> None:
        # A retired unit records no new work; an entry it already has keeps it on offer.
        units = units.offered(activity.unit_id if activity is not None else None)
        if activity is not None:
            initial = {name: getattr(activity, name) for name in (
                "date", "kind", "title", "retiree_count", "youth_count", "notes", "version",
            )}
            initial.update(
                unit=activity.unit_id, platform=activity.platform_id,
                retirees=list(activity.retirees.values_list("pk", flat=True)),
            )
            kwargs.setdefault("initial", initial)
        else:
            only_unit = list(units[:2])
            kwargs.setdefault("initial", {
                "date": timezone.localdate(), "unit": only_unit[0].pk if len(only_unit) == 1 else None,
            })
        super().__init__(*args, **kwargs)
        if activity is None:
            del self.fields["version"]
        self.fields["unit"].queryset = units
        self.fields["platform"].queryset = platforms
        self.fields["retirees"].queryset = people.for_roster()
        self.fields["files"].help_text = _("PDF, Word, Excel, JPG or PNG; at most %(limit)s each.") % {
            "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)
        }

    def to_fields(self) -> ActivityFields:
        data = self.cleaned_data
        return ActivityFields(
            unit=data["unit"], date=data["date"], kind=data["kind"], title=data["title"],
            platform=data["platform"], retirees=tuple(data["retirees"]), retiree_count=data["retiree_count"],
            youth_count=data["youth_count"], notes=data["notes"],
        )


class ActivityFilterForm(forms.Form):
    """Filters on the ledger and its export: unit (for those who see several), platform, kind and period."""

    unit = forms.TypedChoiceField(label=label(Activity, "unit"), required=False, coerce=int, empty_value=None)
    platform = forms.TypedChoiceField(
        label=label(Activity, "platform"), required=False, coerce=int, empty_value=None,
    )
    kind = forms.ChoiceField(label=label(Activity, "kind"), required=False)
    date_from = DateField(label=_("From"), required=False, widget=date_input())
    date_to = DateField(label=_("To"), required=False, widget=date_input())

    def __init__(self, *args, units: list[OrgUnit] | None, platforms: list[WorkPlatform], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        if units is None:
            del self.fields["unit"]
            self.units = {}
        else:
            self.fields["unit"].choices = every + [(unit.pk, unit.label) for unit in units]
            self.units = {unit.pk: unit for unit in units}
        self.fields["platform"].choices = every + [(platform.pk, platform.name) for platform in platforms]
        self.fields["kind"].choices = every + list(Activity.Kind.choices)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period cannot be before its start."))
        return data
