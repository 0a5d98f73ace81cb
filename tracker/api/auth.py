"""Who is asking: a personal API token (`Authorization: Bearer ywp_…`), or the portal's own session.

A token acts as its owner: the request's user is the owner, and every access rule applies to him as on the pages.
An unknown, revoked or expired token, or one whose owner's account is switched off, is a 401 with its own code.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.request import Request

from tracker.api.models import ApiToken, key_hash

KEYWORD = b"bearer"
# "Last used" is written at most this often per token: not a write on every request (on SQLite every write takes
# the database's one write lock).
LAST_USED_EVERY = dt.timedelta(minutes=1)


def _refused(detail: str, code: str) -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed(detail, code=code)


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>`; the key is looked up by its SHA-256 (the key itself is never stored)."""

    def authenticate(self, request: Request) -> tuple | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None  # not ours: the session may still answer
        if len(parts) != 2:
            raise _refused(_("Send the header as “Authorization: Bearer <token>”, the token in one piece."),
                           "token_invalid")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise _refused(_("This API token is not known."), "token_invalid") from None
        token = ApiToken.objects.select_related("owner").filter(key_hash=key_hash(key)).first()
        if token is None:
            raise _refused(_("This API token is not known."), "token_invalid")
        if token.is_revoked:
            raise _refused(_("This API token was revoked. Make a new one on “My account”."), "token_revoked")
        if token.is_expired_on(timezone.localdate()):
            raise _refused(_("This API token expired on %(day)s. Make a new one on “My account”.")
                           % {"day": f"{token.expires_on:%Y-%m-%d}"}, "token_expired")
        if not token.owner.is_active:
            raise _refused(_("The account this API token belongs to is switched off."), "account_inactive")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.owner, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class PortalSessionAuthentication(SessionAuthentication):
    """The portal's session, for its own pages' scripts and the documentation page; writes need the CSRF token (the
    `X-CSRFToken` header), as on every form of the portal."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(
                _("The CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header, or use an "
                  "API token."), code="csrf_failed") from None


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema: HTTP bearer."""

    target_class = "tracker.api.auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "bearer",
                "description": "个人 API 令牌：在“我的账号 → API 令牌”中创建，`Authorization: Bearer ywp_…`。"}


class PortalSessionScheme(OpenApiAuthenticationExtension):
    """The session in the schema: the portal's session cookie (writes also need the CSRF header)."""

    target_class = "tracker.api.auth.PortalSessionAuthentication"
    name = "portalSession"

    def get_security_definition(self, auto_schema) -> dict:
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
