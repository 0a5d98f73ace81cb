"""The portal's <select> renderer draws exactly what Django's widget templates draw."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from tracker.forms.renderer import PortalFormRenderer


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("a", "甲"), ("b", "乙 & <丙>")], required=False)
    grouped = forms.ChoiceField(choices=[("第一组", [("1", "一"), ("2", "二")]), ("3", "三")],
                                widget=forms.Select(attrs={"class": "narrow", "data-x": '"q"', "autofocus": True}))
    many = forms.MultipleChoiceField(choices=[(1, "一"), (2, "二"), (3, "三")], required=False)
    number = forms.TypedChoiceField(choices=[(1, "一"), (2, "二")], coerce=int)
    disabled = forms.ChoiceField(choices=[("x", "X")], disabled=True, required=False)


@pytest.mark.parametrize("data", [None, {"plain": "b", "grouped": "2", "many": ["1", "3"], "number": "2"},
                                  {"plain": "zz", "grouped": "<script>"}])
def test_select_html_is_the_same_as_djangos_templates(data):
    ours = Everything(data, renderer=PortalFormRenderer())
    django = Everything(data, renderer=DjangoTemplates())
    for name in Everything.base_fields:
        assert str(ours[name]) == str(django[name]), name
    assert "&lt;丙&gt;" in str(ours["plain"]) and "<丙>" not in str(ours["plain"])
    assert 'data-x="&quot;q&quot;"' in str(ours["grouped"])


def test_the_portal_uses_it(settings):
    assert settings.FORM_RENDERER == "tracker.forms.renderer.PortalFormRenderer"
    assert isinstance(forms.Form().renderer, PortalFormRenderer)


def test_other_widgets_are_left_to_the_templates():
    form = Everything(renderer=PortalFormRenderer())
    radio = forms.RadioSelect(choices=[("a", "甲")]).render("r", "a", renderer=PortalFormRenderer())
    assert 'type="radio"' in radio and "<select" not in radio
    assert "<select" in str(form["plain"])
