"""Whose dashboard: committee staff and leaders see their own institution's dashboard, reports and snapshots, and
asking for another institution's (?institution=) is a 404; an administrator chooses any institution."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.http import HttpResponse
from django.urls import reverse

from tracker.org.models import Institution

from .conftest import client_for

pytestmark = pytest.mark.django_db

PAGES = ["tracker:dashboard", "tracker:snapshot-list"]
DOWNLOADS = ["tracker:dashboard-export", "tracker:annual-report", "tracker:review-file"]


def downloaded_file_of(response: HttpResponse, institution: Institution) -> bool:
    """The answer is a download whose file name names the institution (RFC 5987: filename*=utf-8''…)."""
    disposition = unquote(response.get("Content-Disposition", ""))
    return disposition.startswith("attachment") and institution.name in disposition


def heading(institution: Institution) -> str:
    """The line under the dashboard's title that names whose figures these are."""
    return f'<p class="muted">{institution.name}</p>'


@pytest.mark.parametrize("persona", ["staff", "leader"])
def test_staff_and_leaders_open_their_own_institution_only(request, world, persona):
    client = client_for(request.getfixturevalue(persona))
    own, other = world.institution, world.other_institution
    for name in PAGES + DOWNLOADS:
        url = reverse(name)
        assert client.get(url, {"institution": other.pk}).status_code == 404, (name, persona)
        assert client.get(url, {"institution": "x"}).status_code == 404, (name, persona)
        for query in ({}, {"institution": own.pk}):
            response = client.get(url, query)
            assert response.status_code == 200, (name, persona, query)
            if name in DOWNLOADS:
                assert downloaded_file_of(response, own), (name, query, response.get("Content-Disposition"))
    for query in ({}, {"institution": own.pk}):
        html = client.get(reverse("tracker:dashboard"), query).content.decode()
        assert heading(own) in html and other.name not in html


def test_an_administrator_chooses_the_institution(world, admin_user):
    client = client_for(admin_user)
    chosen = client.get(reverse("tracker:dashboard"), {"institution": world.other_institution.pk})
    assert chosen.status_code == 200
    html = chosen.content.decode()
    assert heading(world.other_institution) in html and heading(world.institution) not in html
    assert f'<option value="{world.other_institution.pk}" selected>' in html
    default = client.get(reverse("tracker:dashboard"))  # the first by code: cumt (中国矿业大学) before suda
    assert default.status_code == 200
    assert heading(world.institution) in default.content.decode()
    for name in DOWNLOADS:
        response = client.get(reverse(name), {"institution": world.other_institution.pk})
        assert response.status_code == 200 and downloaded_file_of(response, world.other_institution), name
    assert client.get(reverse("tracker:dashboard"), {"institution": 999999}).status_code == 404
