"""Every URL × every persona → the status that persona gets.

The rows are checked against the URLconf: a new URL pattern without a row here fails
`test_every_url_pattern_has_a_row`. The admin site's own pages are guarded by the admin (staff flag and
model permissions); its index stands for them here, and `test_admin_lists_only_own_institution` checks scoping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .conftest import PERSONAS, client_for
from .factories import EvidenceFileFactory, TaskUpdateFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Row:
    method: str
    args: Callable  # world → reverse() args
    expect: dict[str, int]
    data: Callable | None = None  # world → POST data


def everyone(status: int, **overrides: int) -> dict[str, int]:
    result = dict.fromkeys(PERSONAS, status)
    result.update(overrides)
    return result


def signed_in(status: int, **overrides: int) -> dict[str, int]:
    """Anonymous users are sent to the sign-in page; everyone else gets `status` unless overridden."""
    return everyone(status, anonymous=302, **overrides)


def no_args(world):
    return []


def update_data(world):
    return {"version": 1, "date": "2021-10-01", "status": "in_progress", "progress": 10, "note": "权限测试"}


MATRIX: dict[str, Row] = {
    "login": Row("GET", no_args, everyone(302, anonymous=200)),
    "logout": Row("POST", no_args, everyone(302)),
    "set_language": Row("POST", no_args, everyone(302), lambda w: {"language": "en", "next": "/"}),
    "admin:index": Row("GET", no_args, everyone(302, admin_user=200, staff=200, other_staff=200)),
    "tracker:home": Row("GET", no_args, signed_in(200)),
    "tracker:plan-list": Row("GET", no_args, signed_in(200)),
    "tracker:plan-detail": Row("GET", lambda w: [w.plan.pk], signed_in(200, other_staff=404)),
    "tracker:task-detail": Row("GET", lambda w: [w.school_task.pk], signed_in(200, other_staff=404)),
    "tracker:task-update-create": Row(
        "POST", lambda w: [w.school_task.pk],
        signed_in(403, admin_user=302, staff=302, other_staff=404), update_data,
    ),
    "tracker:evidence-download": Row(
        "GET", lambda w: [EvidenceFileFactory(update=TaskUpdateFactory(task=w.school_task)).pk],
        signed_in(200, other_staff=404),
    ),
    # roster and teams
    # platforms and ledger
    # double menus
    # quotas
}


def url_names(patterns, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace == "admin":
                names.add("admin:index")
                continue
            names |= url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_pattern_has_a_row():
    assert url_names(get_resolver().url_patterns) == set(MATRIX)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(request, world, name, persona):
    row = MATRIX[name]
    user = request.getfixturevalue(persona)
    client = client_for(user)
    url = reverse(name, args=row.args(world))
    if row.method == "POST":
        response = client.post(url, row.data(world) if row.data else {})
    else:
        response = client.get(url)
    assert response.status_code == row.expect[persona], f"{name} as {persona}"
    if persona == "anonymous" and response.status_code == 302 and name not in ("logout", "set_language"):
        assert "/login/" in response["Location"]


def test_admin_lists_only_own_institution(world, staff):
    client = client_for(staff)
    html = client.get(reverse("admin:tracker_task_changelist")).content.decode()
    assert world.school_task.title in html and world.other_task.title not in html
    other = reverse("admin:tracker_task_change", args=[world.other_task.pk])
    assert client.get(other).status_code in (302, 404)
