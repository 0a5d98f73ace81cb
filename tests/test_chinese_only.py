"""Simplified Chinese throughout: no English left on a page that a user reads in Chinese.

Every main page of `tests/pages.py` on the demo data, with the account that opens it, plus the states a page is in
less often: a form sent empty, a list filtered to nothing, a filter with a bad value, the 400, 403, 404 and 500
pages. The text a person reads (text nodes without <script>/<style>, and the title, placeholder, aria-label and alt
attributes and the label of input buttons) must hold no run of Latin letters but the few in ALLOWED and data values
(file names, e-mail addresses, codes with digits, the demo accounts' user names).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from tracker import models as m
from tracker.demo import ACCOUNTS

from .conftest import client_for
from .pages import main_pages

pytestmark = pytest.mark.django_db

# Latin words that belong in Chinese text, each with the reason.
ALLOWED = {
    # File types and the programs that open them: Chinese users name them so (“上传 PDF”, “Excel 模板”).
    "PDF", "Word", "Excel", "WPS", "LibreOffice", "JPG", "PNG", "xlsx", "docx", "CSV",
    # Units and abbreviations Chinese text writes in Latin letters: file size, network address.
    "MB", "IP",
    # The four grades of the 四档 scoring mode: the standards themselves write A/B/C/D.
    "A", "B", "C", "D",
    # The name of the two-step method, shown next to the authenticator app it is set up in.
    "TOTP",
    # The programming interface other systems (the campus data platform) read through: Chinese writes “API 令牌”.
    "API",
    # (issue 15) The prefix of a 钉钉 robot's signing secret, as its 加签 setting shows it: the form names it.
    "SEC",
}

# Data, not words: e-mail addresses, web addresses, file names with their type, codes holding digits (工号 CUMT04016).
DATA = re.compile(
    r"\S+@\S+\.\w+|https?://\S+|[\w.-]+\.(?:pdf|docx?|xlsx?|jpe?g|png|csv|txt)\b|\b[A-Za-z_]*\d[\w-]*",
    re.IGNORECASE,
)
WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        values = dict(attrs)
        self.parts.extend(values[name] for name in SHOWN_ATTRIBUTES if values.get(name))
        if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    """The pieces of text a person reads or hears on the page."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser.parts


def english_left(html: str, data_words: frozenset[str] = frozenset()) -> list[str]:
    """Each piece of visible text that holds Latin words outside ALLOWED and the data, as “words ← text”."""
    found = []
    for text in visible_text(html):
        words = [word for word in WORD.findall(DATA.sub(" ", text)) if word not in ALLOWED | data_words]
        if words:
            found.append(f"{' '.join(words)} ← {text[:100]}")
    return list(dict.fromkeys(found))


def test_the_check_finds_english_in_text_and_attributes_but_not_in_scripts_or_data():
    html = """<title>工作台账 · Ledger</title><style>.a{color:red}</style><script>var save = 1;</script>
    <p>已保存 Saved</p><input type="submit" value="Filter"><input type="hidden" value="hidden">
    <a title="Open the file" href="/x">下载</a>
    <p>佐证 会议纪要.pdf（PDF，2 MB） 工号 CUMT04016 王老师 wang@cumt.edu.cn</p>
    <dd>secretary</dd>"""
    assert [line.split(" ← ")[0] for line in english_left(html, frozenset({"secretary"}))] == [
        "Ledger", "Saved", "Filter", "Open the file",
    ]


def test_every_main_page_and_state_reads_in_chinese_only(demo):
    users = {user.username: user for user in get_user_model().objects.all()}
    data_words = frozenset(account.username for account in ACCOUNTS)

    cumt = m.Institution.objects.get(code="cumt")
    task = m.Task.objects.filter(stage__phase__plan__institution=cumt).order_by("pk").first()
    quota = m.Quota.objects.filter(institution=cumt, metric="manual").order_by("pk").first()
    plan = task.stage.phase.plan
    volunteer = m.Volunteer.objects.filter(unit__institution=cumt, unit__name="机电工程学院").order_by("pk").first()

    # (what, account, method, path, status): the states a page is in less often than its first view, with the status
    # each answers with (a form sent with errors: 400), so a redirect or an empty answer is not read as Chinese.
    states = [
        ("volunteer-empty-post", "secretary", "post", reverse("tracker:volunteer-create"), 400),
        ("volunteer-edit", "secretary", "get", reverse("tracker:volunteer-update", args=[volunteer.pk]), 200),
        ("activity-empty-post", "secretary", "post", reverse("tracker:activity-create"), 400),
        ("platform-new", "staff", "get", reverse("tracker:platform-create"), 200),
        ("platform-empty-post", "staff", "post", reverse("tracker:platform-create"), 400),
        ("need-empty-post", "secretary", "post", reverse("tracker:need-create"), 400),
        ("resource-empty-post", "liaison", "post", reverse("tracker:resource-create"), 400),
        ("rectification-empty-post", "staff", "post", reverse("tracker:rectification-create"), 400),
        ("review-empty-post", "staff", "post", reverse("tracker:review-create"), 400),
        ("round-empty-post", "staff", "post", reverse("tracker:round-create"), 400),
        ("task-update-empty-post", "staff", "post", reverse("tracker:task-update-create", args=[task.pk]), 400),
        ("quota-entry-empty-post", "staff", "post", reverse("tracker:quota-entry-create", args=[quota.pk]), 400),
        ("roster-import-empty-post", "secretary", "post", reverse("tracker:roster-import"), 400),
        ("standard-import-empty-post", "staff", "post", reverse("tracker:standard-import"), 400),
        ("webhook-empty-post", "staff", "post", reverse("tracker:webhook-create"), 400),  # issue 15
        ("password-empty-post", "secretary", "post", reverse("password_change"), 200),
        ("login-wrong-password", "", "post", reverse("login"), 200),
        ("roster-filtered-to-nothing", "secretary", "get", reverse("tracker:volunteer-list") + "?q=查无此人", 200),
        ("ledger-filtered-to-nothing", "secretary", "get",
         reverse("tracker:activity-list") + "?date_from=2099-01-01", 200),
        ("ledger-bad-date", "secretary", "get", reverse("tracker:activity-list") + "?date_from=notadate", 200),
        ("plan-filtered-to-nothing", "staff", "get",
         reverse("tracker:plan-detail", args=[plan.pk]) + "?status=done&unit=999999", 200),
        ("rectifications-filtered-to-nothing", "staff", "get",
         reverse("tracker:rectification-list") + "?status=verified&overdue=on", 200),
        ("dashboard-bad-date", "leader", "get", reverse("tracker:dashboard") + "?as_of=1999-01-01", 400),
        ("home-liaison", "liaison", "get", reverse("tracker:home"), 200),
        ("home-admin", "admin", "get", reverse("tracker:home"), 200),
        ("error-403", "leader", "get", reverse("tracker:volunteer-create"), 403),
        ("error-403-reviewer", "reviewer", "get", reverse("tracker:plan-list"), 403),
        ("error-404", "staff", "get", "/no-such-page/", 404),
    ]
    visits = [(page.slug, page.username, "get", page.path, 200) for page in main_pages()] + states

    found, opened = {}, 0
    for slug, username, method, path, status in visits:
        client = client_for(users[username] if username else None)
        client.raise_request_exception = False
        response = client.get(path) if method == "get" else client.post(path, {"username": "staff", "password": "x"}
                                                                           if slug.startswith("login") else {})
        assert response.status_code == status, (slug, response.status_code)
        assert "text/html" in response["Content-Type"], (slug, response["Content-Type"])
        opened += 1
        english = english_left(response.content.decode(), data_words)
        if english:
            found[slug] = english
    # The two error pages Django draws without a request context (no middleware has chosen the language).
    with translation.override("zh-hans"):
        request = RequestFactory().get("/")
        for slug, response in (("error-400", defaults.bad_request(request, SuspiciousOperation())),
                               ("error-500", defaults.server_error(request))):
            english = english_left(response.content.decode(), data_words)
            if english:
                found[slug] = english
            opened += 1
    assert opened >= 60
    report = "\n".join(f"{slug}:\n    " + "\n    ".join(lines) for slug, lines in found.items())
    assert not found, "English left on Chinese pages (page: words ← text):\n" + report
