"""What a signed-in session remembers about itself: when it was last used, and whether it owes a second factor."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django_otp import user_has_device

from tracker.access import is_admin

LAST_SEEN_KEY = "signin_last_seen"  # Unix time of the last request that refreshed it
OWES_CODE_KEY = "signin_owes_code"  # the user enrolled a device of his own accord: ask for a code at sign-in


def start_session(sender, request: HttpRequest | None, user: AbstractBaseUser, **kwargs) -> None:
    """Receiver of `user_logged_in`: start the inactivity clock and note whether a code is owed."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session[LAST_SEEN_KEY] = int(time.time())
    if user_has_device(user, confirmed=True):
        session[OWES_CODE_KEY] = True


def second_factor_required(request: HttpRequest) -> bool:
    """Whether the signed-in user must give a code before any page opens.

    Administrators must (unless OTP_ADMIN_REQUIRED is off); anyone else who enrolled a device must too.
    A session already verified with a device owes nothing.
    """
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    if request.session.get(OWES_CODE_KEY):
        return True
    return settings.OTP_ADMIN_REQUIRED and is_admin(user)


def idle_timeout_seconds() -> int:
    return int(settings.SESSION_IDLE_TIMEOUT.total_seconds())


def refresh_interval_seconds() -> int:
    """How stale the last-seen stamp may get before a request rewrites it (and with it the session row):
    a tenth of the timeout, at most five minutes, so that a page view does not write the database each time."""
    return max(1, min(300, idle_timeout_seconds() // 10))
