"""Sign-in, sign-out, the account page, changing one's password, and the second factor's pages."""

from __future__ import annotations

from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessLog
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from tracker.access import is_admin
from tracker.demo import DEMO_PASSWORD
from tracker.signin import lockout, otp
from tracker.signin.cas import cas_logout_url, signed_in_through_cas
from tracker.signin.forms import CodeForm

RECENT_SIGN_INS = 5


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


DEMO_SIGN_INS = ("leader", "staff", "secretary")


def demo_password_shown() -> str | None:
    """The demo accounts' password, for the sign-in page to name, in the development profile (DEBUG) once the demo
    data is loaded (`make run`), so a newcomer signs in without reading further; never in production."""
    if not settings.DEBUG or not get_user_model().objects.filter(username__in=DEMO_SIGN_INS).exists():
        return None
    return DEMO_PASSWORD


class SignInView(auth_views.LoginView):
    """Django's sign-in form, which passes the request to authenticate() as django-axes needs, plus the lockout
    rule in plain words, the attempts left after a failure, and the CAS button when single sign-on is on."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.update(cas_enabled=settings.CAS_ENABLED, failure_limit=settings.AXES_FAILURE_LIMIT,
                       lockout_minutes=lockout_minutes(), demo_password=demo_password_shown())
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """Two limits above django-axes' per-name lockout: sign-in posts per address and minute (django-ratelimit,
        on Django's cache), and failures per address across user names (password spraying, ASVS 2.2.1)."""
        if is_ratelimited(request, group="signin", key=lockout.ratelimit_key, rate=settings.SIGNIN_RATE,
                          method="POST", increment=True):
            return lockout.too_many(request, reason="rate")
        if lockout.address_failures(request) >= settings.SIGNIN_ADDRESS_FAILURE_LIMIT:
            return lockout.too_many(request, reason="address")
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form) -> HttpResponse:
        username = form.data.get("username", "")
        failures = AxesProxyHandler.get_failures(self.request, {"username": username}) if username else 0
        attempts_left = max(0, settings.AXES_FAILURE_LIMIT - failures)
        return self.render_to_response(self.get_context_data(form=form, attempts_left=attempts_left))


class SignOutView(auth_views.LogoutView):
    """Django's sign-out; a session that came in through CAS is also signed out of the CAS server, so the next
    person at a shared office computer is not signed straight back in."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        through_cas = signed_in_through_cas(request)
        response = super().post(request, *args, **kwargs)
        if through_cas:
            return HttpResponseRedirect(cas_logout_url(request, request.build_absolute_uri(reverse("login"))))
        return response


def safe_next(request: HttpRequest, default: str | None = None) -> str:
    """The `next` address of the request if it stays on this site, else `default` (a URL or a URL name)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return resolve_url(default or settings.LOGIN_REDIRECT_URL)


def with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def second_factor_mandatory(request: HttpRequest) -> bool:
    return settings.OTP_ADMIN_REQUIRED and is_admin(request.user)


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own page: password, second factor, recent sign-ins."""
    user = request.user
    context = {
        "device": otp.confirmed_device(user),
        "second_factor_mandatory": second_factor_mandatory(request),
        "recent_sign_ins": AccessLog.objects.filter(username=user.get_username())
        .order_by("-attempt_time")[:RECENT_SIGN_INS],
        "cas_enabled": settings.CAS_ENABLED,
    }
    return render(request, "tracker/account/account.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (old password, new one twice, the password validators), in the portal's look."""

    template_name = "tracker/account/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


def _check_code(request: HttpRequest, form: CodeForm, device, check) -> bool:
    """Run `check` on a valid form unless the device is still cooling down after wrong codes; report why not."""
    if not form.is_valid():
        return False
    wait = otp.throttle_wait_seconds(device)
    if wait:
        form.add_error(None, _("Too many wrong codes. Wait %(seconds)d seconds, then type the code the app "
                               "shows at that moment.") % {"seconds": wait})
        return False
    if check(request=request, device=device, code=form.cleaned_data["code"]):
        return True
    form.add_error("code", _("That code is not right. Check that the phone's clock is correct and type the "
                             "code the app shows now."))
    return False


@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The code page after the password, for anyone who owes a second factor."""
    device = otp.confirmed_device(request.user)
    if device is None:
        if second_factor_mandatory(request):
            return redirect(with_next("otp_setup", safe_next(request)))
        return redirect(safe_next(request))
    if request.user.is_verified():
        return redirect(safe_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and _check_code(request, form, device, otp.otp_session_verify):
        return redirect(safe_next(request))
    return render(request, "tracker/account/otp_verify.html", {"form": form, "next": safe_next(request)})


@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: scan the QR code, type the first code. Only without a device, or from a verified session."""
    if otp.confirmed_device(request.user) is not None:
        if not request.user.is_verified():
            return redirect(with_next("otp_verify", safe_next(request)))
        messages.info(request, _("Two-step verification is already on for your account."))
        return redirect("account")
    device = otp.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and _check_code(request, form, device, otp.otp_device_confirm):
        messages.success(request, _("Two-step verification is on. From now on you will be asked for a code "
                                    "after your password."))
        return redirect(safe_next(request, default="account"))
    context = {
        "form": form,
        "qr_code": otp.qr_code_svg(device, _("QR code to scan with the authenticator app")),
        "manual_key": otp.manual_key(device),
        "mandatory": second_factor_mandatory(request),
        "next": safe_next(request, default="account"),
    }
    return render(request, "tracker/account/otp_setup.html", context)


@require_POST
def otp_remove(request: HttpRequest) -> HttpResponse:
    """Stop using the second factor (an administrator who must use one enrols a new phone next)."""
    if otp.confirmed_device(request.user) is not None and not request.user.is_verified():
        return redirect(with_next("otp_verify", reverse("account")))
    otp.otp_devices_remove(actor=request.user)
    if second_factor_mandatory(request):
        messages.info(request, _("The old authenticator is removed. Set up the new phone now."))
        return redirect("otp_setup")
    messages.success(request, _("Two-step verification is off."))
    return redirect("account")
