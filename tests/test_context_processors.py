"""The page header's links, worked out once per URLconf and path prefix."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from tracker.portal.context_processors import NAV, nav_urls

from .conftest import client_for


class FrameTargets(HTMLParser):
    """The links (GET) and forms (POST) of the page's header and footer, in order."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # inside <header> or <footer>
        self.targets: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("header", "footer"):
            self.depth += 1
        elif self.depth and tag == "a" and attributes.get("href"):
            self.targets.append(("GET", attributes["href"]))
        elif self.depth and tag == "form":
            self.targets.append((attributes.get("method", "get").upper(), attributes["action"]))

    def handle_endtag(self, tag):
        if tag in ("header", "footer"):
            self.depth -= 1


@pytest.mark.django_db
def test_every_header_link_opens_its_page(world, staff):
    """Committee staff see every link of the header (and the footer's language switch): each opens its page."""
    home = client_for(staff).get(reverse("tracker:home"))
    parser = FrameTargets()
    parser.feed(home.content.decode())
    opened: dict[str, int] = {}
    for method, url in parser.targets:
        client = client_for(staff)  # afresh: signing out or switching language must not change the next page
        response = client.post(url, {"language": "en", "next": "/"}) if method == "POST" else client.get(url)
        opened[response.resolver_match.view_name] = response.status_code
    assert opened == {**dict.fromkeys(NAV, 200), "logout": 302, "set_language": 302}


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
