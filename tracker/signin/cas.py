"""University single sign-on (统一身份认证) through a CAS server, with django-cas-ng.

Off unless CAS_ENABLED. A CAS user signs in as the portal account with the same user name (or the CAS attribute
named by CAS_USERNAME_ATTRIBUTE, e.g. a staff number); there are no automatic accounts: a CAS user without an
account is refused until the committee office creates one and gives it a role.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django_cas_ng.backends import CASBackend
from django_cas_ng.utils import get_cas_client
from django_cas_ng.views import LoginView as CASNGLoginView

REFUSED_NAME_ATTRIBUTE = "cas_refused_username"


class PortalCASBackend(CASBackend):
    """CASBackend that never creates accounts and remembers, for the refusal page, a CAS name it could not map."""

    def authenticate(self, request: HttpRequest, ticket: str, service: str) -> AbstractBaseUser | None:
        if not settings.CAS_ENABLED:
            return None
        self._cas_username = None
        user = super().authenticate(request, ticket, service)
        if user is None and self._cas_username and request is not None:
            known = get_user_model()._default_manager.filter(
                **{get_user_model().USERNAME_FIELD: self._cas_username}).exists()
            setattr(request, REFUSED_NAME_ATTRIBUTE, (self._cas_username, "inactive" if known else "unknown"))
        return user

    def clean_username(self, username: str) -> str:
        username = super().clean_username(username)
        self._cas_username = username
        return username

    def user_can_authenticate(self, user: AbstractBaseUser | None) -> bool:
        # The parent lets `None` through (no is_active attribute); an unknown name is a refusal here.
        return user is not None and super().user_can_authenticate(user)


class CASLoginView(CASNGLoginView):
    """/accounts/cas/login/: without a ticket, off to the CAS server; with one, signed in or told why not."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.CAS_ENABLED:
            raise Http404("CAS sign-in is not enabled")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)
        except PermissionDenied:
            cas_username, reason = getattr(request, REFUSED_NAME_ATTRIBUTE, (None, None))
            context = {"cas_username": cas_username, "reason": reason}
            return render(request, "registration/cas_refused.html", context, status=403)


def signed_in_through_cas(request: HttpRequest) -> bool:
    return settings.CAS_ENABLED and request.session.get(BACKEND_SESSION_KEY) == f"{__name__}.PortalCASBackend"


def cas_logout_url(request: HttpRequest, then: str) -> str:
    """The CAS server's sign-out address, coming back to `then` (an absolute URL) afterwards."""
    return get_cas_client(request=request).get_logout_url(then)
