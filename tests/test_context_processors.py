"""The page header's links, worked out once per URLconf and path prefix."""

from __future__ import annotations

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from tracker.portal.context_processors import NAV, nav_urls


def test_every_header_link_is_the_reversed_url():
    urls = nav_urls()
    assert len(urls) == len(NAV)
    for name in NAV:
        assert urls[name.split(":")[-1].replace("-", "_")] == reverse(name)
    assert urls["home"] == "/" and urls["plan_list"] == "/plans/" and urls["index"] == "/admin/"


def test_a_path_prefix_gets_its_own_links():
    try:
        set_script_prefix("/gwgw/")
        assert nav_urls()["plan_list"] == "/gwgw/plans/"
    finally:
        clear_script_prefix()
    assert nav_urls()["plan_list"] == "/plans/"


@pytest.mark.django_db
def test_the_header_shows_them(client, django_user_model):
    from tracker.org.models import Institution, Profile

    user = django_user_model.objects.create_user("hdr", password="x-Long-enough-1")
    Profile.objects.create(user=user, role=Profile.Role.STAFF,
                           institution=Institution.objects.create(name="某大学", code="mou"))
    client.force_login(user)
    html = client.get(reverse("tracker:home")).content.decode()
    assert f'href="{reverse("tracker:volunteer-list")}"' in html
    assert f'action="{reverse("logout")}"' in html
