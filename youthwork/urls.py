from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from tracker.api import urls as api_urls
from tracker.ops.health import healthz
from tracker.setup.views.accounts import PasswordSetView
from tracker.signin import views as signin_views
from tracker.signin.cas import CASLoginView

urlpatterns = [
    path("healthz", healthz, name="healthz"),  # (issue 18) for load balancers: database and cache reachable, no data
    # Sign-in (tracker/signin): lockout, second factor, password change, optional university CAS.
    path("accounts/login/", signin_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", signin_views.SignOutView.as_view(), name="logout"),
    path("accounts/", signin_views.account, name="account"),
    path("accounts/password/", signin_views.PasswordChangeView.as_view(), name="password_change"),
    # The one-time link committee staff hand over (tracker/setup): a person sets the password, signed out.
    path("accounts/password/set/<uidb64>/<token>/", login_not_required(PasswordSetView.as_view()),
         name="password_set"),
    path("accounts/two-step/", signin_views.otp_verify, name="otp_verify"),
    path("accounts/two-step/setup/", signin_views.otp_setup, name="otp_setup"),
    path("accounts/two-step/remove/", signin_views.otp_remove, name="otp_remove"),
    path("accounts/cas/login/", login_not_required(CASLoginView.as_view()), name="cas_login"),
    *api_urls.token_urlpatterns,  # personal API tokens, on "我的账号" (tracker/api)
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracker.api.urls")),  # the JSON API (docs/api.md), names under `api:`
    path("", include("tracker.urls")),
]

# Django's own refusals: JSON under /api/ (the API's one error shape, tracker/api/errors.py), the portal's pages
# (templates/400.html …) everywhere else.
handler400 = "tracker.api.errors.bad_request"
handler403 = "tracker.api.errors.permission_denied"
handler404 = "tracker.api.errors.page_not_found"
handler500 = "tracker.api.errors.server_error"
