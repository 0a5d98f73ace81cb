"""Group robots' addresses and messages (issue 15): 企业微信群机器人 and 钉钉自定义机器人, as Chinese offices use them.

A robot is an address its group's owner copies from the group's settings; the portal POSTs JSON to it:

- 企业微信: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`, body
  `{"msgtype": "markdown", "markdown": {"content": "…"}}`; it answers `{"errcode": 0, "errmsg": "ok"}`.
- 钉钉: `https://oapi.dingtalk.com/robot/send?access_token=…`, body
  `{"msgtype": "markdown", "markdown": {"title": "…", "text": "…"}}`. A robot with 加签 (a secret beginning with
  SEC) takes `&timestamp=<ms>&sign=<…>` on the address: the base64 of the HMAC-SHA256 of "<timestamp>\\n<secret>"
  keyed by the secret, URL-encoded. The timestamp must be within an hour of 钉钉's clock, so the address is signed
  at each attempt (`signed_url`, called by tracker/outbox/services.py), never when the message is written.

Only an https address on the robot's own host is taken (`check_url`, at entry and again before each POST), so a
pasted address can never make the portal call into the campus network: the host is compared whole (no port, no
user name), and an address holding what parsers read differently (spaces, line breaks, backslashes, non-ASCII) is
refused rather than interpreted. An HTTP client's error names the address it failed on: `redact` keeps the robot's
key out of the delivery log. Tests name a local server in
`NOTIFY_WEBHOOK_HOSTS` and allow plain http with `NOTIFY_WEBHOOK_HTTP` (settings only, no environment variable).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Sequence
from urllib.parse import quote_plus, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

WECOM, DINGTALK = "wecom", "dingtalk"  # tracker.notifications.models.Webhook.Kind
LABELS = {WECOM: gettext_lazy("WeCom group robot (企业微信)"), DINGTALK: gettext_lazy("DingTalk custom robot (钉钉)")}
HOSTS = {WECOM: ("qyapi.weixin.qq.com",), DINGTALK: ("oapi.dingtalk.com",)}
MARKDOWN_LIMIT = 4000  # 企业微信 takes at most 4096 bytes of markdown; a longer message is cut, with its link kept


def allowed_hosts(kind: str) -> tuple[str, ...]:
    extra = getattr(settings, "NOTIFY_WEBHOOK_HOSTS", {}) or {}
    return tuple(HOSTS.get(kind, ())) + tuple(extra.get(kind, ()))


def _not_plain(url: str) -> bool:
    """Characters no robot's address has and that parsers read differently (urlsplit drops tabs and line breaks
    that an HTTP client may not; a backslash is a slash to browsers): refused rather than interpreted."""
    return any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F or char == "\\" or not char.isascii()
               for char in url)


def check_url(kind: str, url: str) -> None:
    """Refuse an address that is not https on the robot's own host (ValidationError, in Chinese): the host compared
    whole (no port, no user name, nothing after a look-alike prefix), the address as it will be posted to."""
    http_allowed = getattr(settings, "NOTIFY_WEBHOOK_HTTP", False)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        parts = None
    if parts is None or _not_plain(url):
        raise ValidationError(_("This is not a web address. Copy the robot's address from the group's robot "
                                "settings, as it is."), code="invalid")
    if parts.scheme != "https" and not (http_allowed and parts.scheme == "http"):
        raise ValidationError(_("A robot's address begins with https://."), code="scheme")
    host = parts.netloc.lower()
    if "@" in host or host not in allowed_hosts(kind):
        names = "、".join(HOSTS.get(kind, ()))
        raise ValidationError(
            _("This is not the address of a %(robot)s: it must be on %(hosts)s. Copy it from the group's robot "
              "settings.") % {"robot": LABELS.get(kind, kind), "hosts": names},
            code="host")


def redact(text: str, url: str) -> str:
    """`text` (an HTTP client's error message) without the robot's key: the address's query (企业微信's `key`, 钉钉's
    `access_token`, the signature) replaced by "…", so the delivery log never shows it."""
    query = urlsplit(url).query if url else ""
    return text.replace(query, "…") if query else text


def signed_url(kind: str, url: str, secret: str, now_ms: int | None = None) -> str:
    """The address to POST to now: a 钉钉 robot with a secret signed for this moment, any other as it is."""
    if kind != DINGTALK or not secret:
        return url
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode())
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}timestamp={timestamp}&sign={sign}"


def markdown(title: str, lines: Sequence[str], link: str = "") -> str:
    """The message as the robots' markdown: a bold title, the lines, the link to the page (kept when cut)."""
    tail = f"\n\n[{_('Open in the portal')}]({link})" if link else ""
    text = f"**{title}**"
    for line in lines:
        text += f"\n> {line}" if line else "\n"
    if len((text + tail).encode()) > MARKDOWN_LIMIT:
        room = MARKDOWN_LIMIT - len(tail.encode()) - 10
        text = text.encode()[:room].decode(errors="ignore") + "\n…"
    return text + tail


def payload(kind: str, title: str, lines: Sequence[str], link: str = "") -> dict:
    """The JSON body this kind of robot takes, as its documentation gives it."""
    content = markdown(title, lines, link)
    if kind == DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title[:60], "text": content}}
    return {"msgtype": "markdown", "markdown": {"content": content}}
