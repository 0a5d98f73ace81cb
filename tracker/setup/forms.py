"""Forms of the set-up: the shape of what people type. What may be saved is the services' to say."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tracker.notifications.models import Webhook
from tracker.notifications.services_webhooks import WebhookData
from tracker.org.forms import ModelChoiceField
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.setup import xlsx as setup_xlsx
from tracker.setup.services.accounts import AccountData
from tracker.setup.services.units import UnitData

User = get_user_model()


def _unit_field(name: str, **overrides: Any) -> forms.Field:
    """The form field Django makes for the model field, so labels, lengths and checks are written once."""
    return OrgUnit._meta.get_field(name).formfield(**overrides)


def _user_field(name: str, **overrides: Any) -> forms.Field:
    return User._meta.get_field(name).formfield(**overrides)


class InstitutionForm(forms.Form):
    """A new university and its first committee-staff account (the administrator's page)."""

    name = forms.CharField(label=_("Name of the university"), max_length=Institution._meta.get_field("name").max_length)
    short_name = forms.CharField(label=_("Short name"), required=False,
                                 max_length=Institution._meta.get_field("short_name").max_length)
    code = forms.SlugField(label=_("Code"), max_length=Institution._meta.get_field("code").max_length,
                           help_text=_("A few letters (the initials of the name in pinyin or English): used in "
                                       "addresses and file names."))
    full_name = forms.CharField(label=_("Name of the committee staff member"),
                                max_length=User._meta.get_field("first_name").max_length,
                                help_text=_("Family name first, as written in Chinese, e.g. 王建国."))
    username = _user_field("username", label=_("User name"))
    email = _user_field("email", label=_("E-mail"), required=False,
                        help_text=_("The link to set a password is sent here; it is also shown on the next page."))

    def staff_data(self) -> AccountData:
        data = self.cleaned_data
        return AccountData(full_name=data["full_name"], username=data["username"], email=data["email"] or "")


class UnitForm(forms.Form):
    """A unit: its kind (on creation only), name, short name, contact e-mail and order number."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[(kind.value, kind.label) for kind in setup_xlsx.UNIT_KINDS])
    name = _unit_field("name")
    short_name = _unit_field("short_name")
    email = _unit_field("email")
    order = forms.IntegerField(label=_("Order"), required=False, min_value=0, max_value=32767,
                               help_text=_("Units of a kind are listed by this number. Left empty, a new unit comes "
                                           "after the others."))

    def __init__(self, *args: Any, unit: OrgUnit | None = None, **kwargs: Any):
        if unit is not None:
            kwargs.setdefault("initial", {"kind": unit.kind, "name": unit.name, "short_name": unit.short_name,
                                          "email": unit.email, "order": unit.order, "version": unit.version})
        super().__init__(*args, **kwargs)
        if unit is not None:
            del self.fields["kind"]  # a unit's kind stays what it was made as: its people and records depend on it

    def to_data(self, kind: str | None = None) -> UnitData:
        data = self.cleaned_data
        return UnitData(kind=kind or data["kind"], name=data["name"], short_name=data.get("short_name") or "",
                        email=data.get("email") or "", order=data.get("order"))


class VersionForm(forms.Form):
    """The version of the unit as the page showed it: moving, retiring or bringing back is refused if it moved."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MoveForm(VersionForm):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))], widget=forms.HiddenInput)


class UnitChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class AccountForm(forms.Form):
    """A person, the role they hold and, for a secretary or liaison, the unit: one form for all of it."""

    full_name = forms.CharField(label=_("Name"), max_length=User._meta.get_field("first_name").max_length,
                                help_text=_("Family name first, as written in Chinese, e.g. 王建国."))
    username = _user_field("username", label=_("User name"))
    email = _user_field("email", label=_("E-mail"), required=False,
                        help_text=_("Where the link to set a password is sent. May be left empty: the link is "
                                    "also shown on the page, to hand over."))
    role = forms.ChoiceField(label=_("Role"), choices=Profile.Role.choices)
    unit = UnitChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none(), required=False,
                           help_text=_("Required for a college secretary (a college) and a member-unit liaison "
                                       "(a member unit)."))

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], account: Any = None, **kwargs: Any):
        if account is not None:
            profile = account.profile
            kwargs.setdefault("initial", {"full_name": account.get_full_name(), "username": account.username,
                                          "email": account.email, "role": profile.role, "unit": profile.unit_id})
        super().__init__(*args, **kwargs)
        # Every role is accepted here, so that an administrator asked for is refused with the services' message;
        # the list offers the others only.
        self.fields["role"].widget.choices = [("", "---------")] + [
            (role.value, role.label) for role in setup_xlsx.SETUP_ROLES]
        self.fields["unit"].queryset = units

    def to_data(self) -> AccountData:
        data = self.cleaned_data
        return AccountData(full_name=data["full_name"], username=data["username"], email=data["email"] or "",
                           role=data["role"], unit=data["unit"])


class SetupUploadForm(forms.Form):
    file = forms.FileField(label=_("Set-up workbook (.xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "The template's two sheets, 单位 and 账号; at most %(rows)s rows on each and %(size)s."
        ) % {"rows": setup_xlsx.MAX_ROWS, "size": filesizeformat(setup_xlsx.MAX_BYTES)}


class SetupConfirmForm(forms.Form):
    """The checked rows, signed by the server at the check step."""

    payload = forms.CharField(widget=forms.HiddenInput())


# --- (issue 15) group robots ------------------------------------------------------------------------------------


class WebhookForm(forms.Form):
    """A group robot: the group's name, 企业微信 or 钉钉, the committee's group or a unit's, the address copied from
    the group's robot settings and, for a 钉钉 robot with 加签, its secret (never shown back: empty keeps it)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Group name"), max_length=Webhook._meta.get_field("name").max_length,
                           help_text=_("The group's name as it shows in WeCom or DingTalk, e.g. 机电学院关工委工作群."))
    kind = forms.ChoiceField(label=_("Robot"), choices=Webhook.Kind.choices, widget=forms.RadioSelect)
    unit = UnitChoiceField(label=_("Whose group"), queryset=OrgUnit.objects.none(), required=False,
                           empty_label=_("The school committee (校关工委)"),
                           help_text=_("The committee's group is told what committee staff are told; a unit's "
                                       "group what its secretary or liaison is told."))
    url = forms.CharField(label=_("Robot address"), max_length=Webhook._meta.get_field("url").max_length,
                          widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off",
                                                        "spellcheck": "false"}),
                          help_text=_("In the group: settings → group robots → the robot → copy its webhook address. "
                                      "It begins with https://qyapi.weixin.qq.com/ (WeCom) or "
                                      "https://oapi.dingtalk.com/ (DingTalk)."))
    secret = forms.CharField(label=_("Signing secret (DingTalk 加签 only)"), required=False, strip=True,
                             max_length=Webhook._meta.get_field("secret").max_length,
                             widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                             help_text=_("Begins with SEC. Leave empty for a WeCom robot, or a DingTalk robot that "
                                         "uses keywords instead."))
    remove_secret = forms.BooleanField(label=_("Remove the stored secret"), required=False)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True,
                                help_text=_("Switched off, the robot is sent nothing (its messages not sent yet are "
                                            "dropped)."))

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], webhook: Webhook | None = None, **kwargs: Any):
        if webhook is not None:
            kwargs.setdefault("initial", {"version": webhook.version, "name": webhook.name, "kind": webhook.kind,
                                          "unit": webhook.unit_id, "url": webhook.url, "active": webhook.active})
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if webhook is not None and webhook.secret:
            self.fields["secret"].help_text = _("A secret is stored and is not shown. Leave this empty to keep it, "
                                                "or paste a new one.")
        else:
            del self.fields["remove_secret"]

    def to_data(self) -> WebhookData:
        data = self.cleaned_data
        return WebhookData(kind=data["kind"], name=data["name"], url=data["url"], unit=data.get("unit"),
                           active=data.get("active", False), secret=data.get("secret") or None,
                           remove_secret=data.get("remove_secret", False))
