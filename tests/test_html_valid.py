"""Valid HTML: every main page of `tests/pages.py`, and the states its forms and lists are in less often, passes the
Nu HTML Checker (vnu.jar, run with Java) with no error, and every id a page refers to (label for=, aria-describedby,
a link to #id …) is on that page.

`make test` fetches vnu.jar from the npm package vnu-jar into .cache/vnu/ (see the Makefile); VNU_JAR names another
copy. Without Java or the jar the check is skipped, except under REQUIRE_VNU=1 (CI), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tracker import models as m

from .conftest import client_for
from .pages import main_pages

DEFAULT_JAR = Path(__file__).resolve().parent.parent / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar"
# Attributes whose value is one id, or a space-separated list of ids, of an element on the same page.
IDREF_ATTRIBUTES = ("for", "list", "form", "aria-describedby", "aria-labelledby", "aria-controls", "aria-owns",
                    "aria-activedescendant", "aria-details", "aria-errormessage", "headers")


def vnu_command() -> list[str]:
    """`java -jar vnu.jar`, or a skip (a failure under REQUIRE_VNU=1) naming what is missing."""
    jar = Path(os.environ.get("VNU_JAR") or DEFAULT_JAR)
    java = shutil.which("java")
    missing = []
    if java is None:
        missing.append("Java (apt-get install default-jre-headless)")
    if not jar.is_file():
        missing.append(f"{jar} (make test fetches it with npm)")
    if missing:
        message = "The Nu HTML Checker needs " + " and ".join(missing)
        if os.environ.get("REQUIRE_VNU") == "1":
            pytest.fail(message + ", and REQUIRE_VNU=1")
        pytest.skip(message)
    return [java, "-jar", str(jar)]


class _IdRefs(HTMLParser):
    """The ids a page holds, and the ids its attributes and in-page links point at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str, str, str]] = []  # (tag, attribute, value as written, id)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif name in IDREF_ATTRIBUTES:
                self.refs.extend((tag, name, ref, ref) for ref in value.split() or [value])  # for="" points nowhere
            elif name == "href" and value.startswith("#") and len(value) > 1:
                self.refs.append((tag, name, value, value[1:]))


def dangling_idrefs(html: str) -> list[str]:
    """Each reference to an id the page does not hold, as `<tag attribute="id">`."""
    parser = _IdRefs()
    parser.feed(html)
    return [f'<{tag} {name}="{shown}">' for tag, name, shown, ref in parser.refs if ref not in parser.ids]


def test_dangling_idrefs_finds_a_label_and_a_description_pointing_nowhere():
    html = ('<main id="main"><a href="#main">skip</a><label for="id_a">A</label><input id="id_a" '
            'aria-describedby="id_a_helptext id_a_error"><p id="id_a_helptext">help</p><label for="">B</label></main>')
    assert dangling_idrefs(html) == ['<input aria-describedby="id_a_error">', '<label for="">']
    assert dangling_idrefs('<a href="#top">top</a>') == ['<a href="#top">']


@pytest.mark.django_db
def test_every_main_page_and_form_state_is_valid_html(tmp_path, demo):
    command = vnu_command()
    users = {user.username: user for user in get_user_model().objects.all()}

    cumt = m.Institution.objects.get(code="cumt")
    task = m.Task.objects.filter(stage__phase__plan__institution=cumt).order_by("pk").first()
    plan = task.stage.phase.plan
    quota = m.Quota.objects.filter(institution=cumt, metric="manual").order_by("pk").first()
    volunteer = m.Volunteer.objects.filter(unit__institution=cumt, unit__name="机电工程学院").order_by("pk").first()

    # (slug, account, method, path): forms sent empty (their errors shown), forms that open less often, lists
    # filtered to nothing, the error pages.
    states = [
        ("login-wrong-password", "", "post", reverse("login")),
        ("task-update-empty-post", "staff", "post", reverse("tracker:task-update-create", args=[task.pk])),
        ("volunteer-empty-post", "secretary", "post", reverse("tracker:volunteer-create")),
        ("volunteer-edit", "secretary", "get", reverse("tracker:volunteer-update", args=[volunteer.pk])),
        ("activity-empty-post", "secretary", "post", reverse("tracker:activity-create")),
        ("platform-new", "staff", "get", reverse("tracker:platform-create")),
        ("platform-empty-post", "staff", "post", reverse("tracker:platform-create")),
        ("need-empty-post", "secretary", "post", reverse("tracker:need-create")),
        ("resource-empty-post", "liaison", "post", reverse("tracker:resource-create")),
        ("rectification-empty-post", "staff", "post", reverse("tracker:rectification-create")),
        ("review-empty-post", "staff", "post", reverse("tracker:review-create")),
        ("round-empty-post", "staff", "post", reverse("tracker:round-create")),
        ("quota-entry-empty-post", "staff", "post", reverse("tracker:quota-entry-create", args=[quota.pk])),
        ("roster-import-empty-post", "secretary", "post", reverse("tracker:roster-import")),
        ("standard-import-empty-post", "staff", "post", reverse("tracker:standard-import")),
        ("webhook-empty-post", "staff", "post", reverse("tracker:webhook-create")),  # issue 15
        ("password-empty-post", "secretary", "post", reverse("password_change")),
        ("dashboard-staff", "staff", "get", reverse("tracker:dashboard")),  # with the form that freezes the figures
        ("snapshot-empty-post", "staff", "post", reverse("tracker:snapshot-list")),
        ("roster-filtered-to-nothing", "secretary", "get", reverse("tracker:volunteer-list") + "?q=查无此人"),
        ("ledger-filtered-to-nothing", "secretary", "get", reverse("tracker:activity-list") + "?date_from=2099-01-01"),
        ("plan-filtered-to-nothing", "staff", "get",
         reverse("tracker:plan-detail", args=[plan.pk]) + "?status=done&unit=999999"),
        ("home-liaison", "liaison", "get", reverse("tracker:home")),
        ("home-admin", "admin", "get", reverse("tracker:home")),
        ("error-403", "leader", "get", reverse("tracker:volunteer-create")),
        ("error-404", "staff", "get", "/no-such-page/"),
        ("error-403-csrf", "staff", "post-csrf", reverse("tracker:task-update-create", args=[task.pk])),
    ]
    visits = [(page.slug, page.username, "get", page.path) for page in main_pages()] + states

    dangling: dict[str, list[str]] = {}
    for slug, username, method, path in visits:
        client = client_for(users[username] if username else None)
        client.raise_request_exception = False
        if method == "post-csrf":  # a form sent from an expired page: no CSRF token
            client = client_for(users[username])
            client.handler.enforce_csrf_checks = True
            response = client.post(path, {"note": "x"})
            assert response.status_code == 403, (slug, response.status_code)
        elif method == "get":
            response = client.get(path)
            assert response.status_code == 200 or slug.startswith("error-"), (slug, response.status_code)
        else:
            response = client.post(path, {"username": "staff", "password": "wrong"} if slug.startswith("login") else {})
            assert response.status_code in (200, 400), (slug, response.status_code)  # the form again, with errors
        html = response.content.decode()
        if problems := dangling_idrefs(html):
            dangling[slug] = problems
        (tmp_path / f"{slug}.html").write_text(html, encoding="utf-8")

    # One Java start for every page: --format json --stdout writes {"messages": [...]} to standard output (standard
    # error may hold the JVM's own notes, e.g. "Picked up JAVA_TOOL_OPTIONS").
    run = subprocess.run([*command, "--errors-only", "--format", "json", "--stdout",
                          *sorted(tmp_path.glob("*.html"))], capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stdout)["messages"]
    errors = [f"{Path(message.get('url', '?')).stem}:{message.get('lastLine', '?')}: {message['message']}"
              for message in messages]
    assert run.returncode == (1 if messages else 0), (run.stdout + run.stderr)[-2000:]
    assert len(list(tmp_path.glob("*.html"))) == len(visits) >= 60
    assert not errors, f"{len(errors)} HTML errors (page:line: message):\n" + "\n".join(errors)
    report = "\n".join(f"{slug}: {', '.join(problems)}" for slug, problems in dangling.items())
    assert not dangling, "References to ids that are not on the page:\n" + report
