"""The portal's <select> renderer draws exactly what Django's widget templates draw."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.urls import reverse

from tracker.portal import renderer
from tracker.portal.renderer import PortalFormRenderer

from .conftest import client_for


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


@pytest.mark.django_db
def test_the_portals_pages_and_forms_draw_their_selects_with_it(monkeypatch, world, staff):
    drawn = []
    original = renderer.render_select

    def counting(widget):
        drawn.append(widget["name"])
        return original(widget)

    monkeypatch.setattr(renderer, "render_select", counting)
    html = client_for(staff).get(reverse("tracker:volunteer-list")).content.decode()
    assert "unit" in drawn  # the filter bar's list of units
    assert all(f'<select name="{name}"' in html for name in drawn)
    drawn.clear()
    assert '<option value="a">甲</option>' in str(Everything()["plain"])  # a form made outside any page, too
    assert drawn == ["plain"]


def test_other_widgets_are_left_to_the_templates():
    form = Everything(renderer=PortalFormRenderer())
    radio = forms.RadioSelect(choices=[("a", "甲")]).render("r", "a", renderer=PortalFormRenderer())
    assert 'type="radio"' in radio and "<select" not in radio
    assert "<select" in str(form["plain"])


def test_labels_that_are_not_text_are_left_to_djangos_localisation(settings):
    import datetime as dt

    settings.USE_THOUSAND_SEPARATOR = True
    field = forms.ChoiceField(choices=[(1, dt.date(2024, 5, 1)), (2, 12345)])

    class Dates(forms.Form):
        day = field

    assert str(Dates(renderer=PortalFormRenderer())["day"]) == str(Dates(renderer=DjangoTemplates())["day"])


def test_a_plain_select_takes_the_fast_path_and_a_radio_does_not(monkeypatch):
    drawn = []
    original = renderer.render_select

    def counting(widget):
        drawn.append(widget["name"])
        return original(widget)

    monkeypatch.setattr(renderer, "render_select", counting)
    form = Everything({"plain": "b", "grouped": "2", "many": ["1"], "number": "1"}, renderer=PortalFormRenderer())
    assert '<option value="b" selected>' in str(form["plain"])
    assert drawn == ["plain"]
    assert 'type="radio"' in forms.RadioSelect(choices=[("a", "甲")]).render("r", "a", renderer=PortalFormRenderer())
    assert drawn == ["plain"]
    assert '<option value="1" selected>' in str(form["many"])
    assert drawn == ["plain", "many"]
