from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    name = "tracker.signin"
    label = "signin"
    verbose_name = _("Signing in")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tracker.signin.sessions import start_session

        # Every way in (the sign-in form, the admin's login page, CAS, the test client's force_login) ends in
        # django.contrib.auth.login(), and only its signal reaches them all: that is where the session learns
        # when it was last used and whether it still owes a second factor.
        user_logged_in.connect(start_session, dispatch_uid="signin.start_session")
