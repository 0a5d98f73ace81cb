"""Sign-out after inactivity, and no page before the second factor when one is owed."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from tracker.signin.otp import confirmed_device
from tracker.signin.sessions import (
    LAST_SEEN_KEY,
    idle_timeout_seconds,
    refresh_interval_seconds,
    second_factor_required,
)

# Pages a user who still owes a code may open: the way in, the way out and the code pages themselves.
OPEN_BEFORE_SECOND_FACTOR = frozenset({"login", "logout", "set_language", "otp_verify", "otp_setup", "cas_login"})


class IdleTimeoutMiddleware:
    """Signs a user out after SESSION_IDLE_TIMEOUT without a request, and says so on the sign-in page.

    The last-seen time is rewritten only when it is older than `refresh_interval_seconds()`, so a page view
    does not write the session row each time (SESSION_SAVE_EVERY_REQUEST would, and on SQLite every write
    takes the database's one write lock).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            timeout = idle_timeout_seconds()
            if last_seen is not None and now - last_seen > timeout:
                logout(request)
                messages.info(request, _("You were signed out after %(minutes)d minutes without activity. "
                                         "Please sign in again.") % {"minutes": timeout // 60})
                back = request.get_full_path() if request.method in ("GET", "HEAD") else None
                return redirect_to_login(back) if back else HttpResponseRedirect(reverse(settings.LOGIN_URL))
            if last_seen is None or now - last_seen >= refresh_interval_seconds():
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """Until the session is verified with a code, a user who owes one is sent to the code page (or, an
    administrator without a device, to enrolment) from every page, the admin site included.

    Needs django_otp's OTPMiddleware before it (for `user.is_verified()`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if not second_factor_required(request):
            return None
        target = "otp_verify" if confirmed_device(request.user) is not None else "otp_setup"
        url = reverse(target)
        if request.method in ("GET", "HEAD"):
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)
