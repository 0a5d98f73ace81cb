"""A browser for the two-server test: plain HTTP (requests), one cookie jar, forms read from the page.

Cookies are kept per host, not per port, as a browser keeps them for the one address a load balancer answers at:
the session cookie that server A set goes to server B too, which is what the test proves works. Forms are read
with lxml (already a runtime dependency, through python-docx): every field as the page filled it (the CSRF token,
the record's version, selects, ticked boxes), so a test changes only the fields it means to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
import requests

TIMEOUT = 60


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str]]
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)

    def set(self, name: str, value: str) -> Form:
        """Replace every value of `name` with `value` (or add it)."""
        self.fields = [(key, old) for key, old in self.fields if key != name] + [(name, value)]
        return self

    def value(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)


def page(response: requests.Response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content, base_url=response.url)


def form_in(response: requests.Response, action_ends: str) -> Form:
    """The form of the page whose action ends with `action_ends` (a form with no action posts to the page)."""
    doc = page(response)
    for candidate in doc.forms:
        action = candidate.get("action") or response.url
        if action.split("?")[0].endswith(action_ends):
            return Form(action=candidate.action or response.url, fields=list(candidate.form_values()))
    actions = [candidate.get("action") for candidate in doc.forms]
    raise AssertionError(f"no form posting to …{action_ends} on {response.url} (forms: {actions})")


class Browser:
    """One person's browser: a cookie jar, GET and POST against whichever server is named."""

    def __init__(self) -> None:
        self.session = requests.Session()

    def get(self, base: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return self.session.get(base + path, timeout=TIMEOUT, **kwargs)

    def post(self, base: str, form: Form, **kwargs) -> requests.Response:
        """Post `form` to `base` (its action's path, whatever host the page was read from)."""
        parts = urlsplit(form.action)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        files = dict(form.files) or None
        return self.session.post(base + path, data=form.fields, files=files, timeout=TIMEOUT,
                                 allow_redirects=False, **kwargs)

    def sign_in(self, base: str, username: str, password: str) -> requests.Response:
        login = self.get(base, "/accounts/login/")
        assert login.status_code == 200, login.status_code
        form = form_in(login, "/accounts/login/").set("username", username).set("password", password)
        answer = self.post(base, form)
        assert answer.status_code == 302, f"sign-in as {username} answered {answer.status_code}"
        assert "/accounts/login/" not in answer.headers["Location"], answer.headers["Location"]
        return answer

    def cookie(self, name: str) -> str:
        return self.session.cookies.get(name) or ""
