import functools

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

from tracker import access

# The links of the page header and footer, by URL name. They take no arguments, so each is worked out once per
# URLconf and path prefix rather than on every page (two dozen reversals were a tenth of a light page's time).
NAV = ("tracker:home", "tracker:reminder-list", "tracker:dashboard", "tracker:plan-list", "tracker:quota-list",
       "tracker:standard-list", "tracker:round-list", "tracker:rectification-list", "tracker:volunteer-list",
       "tracker:team-list", "tracker:platform-list", "tracker:activity-list", "tracker:menu-board",
       "tracker:review-list", "tracker:setup", "admin:index", "account", "logout", "set_language",
       "tracker:notification-list")


@functools.lru_cache(maxsize=32)
def _nav(urlconf, prefix: str) -> dict[str, str]:
    """A function of the URLconf and the path prefix only, never of the data: each process may keep its own (no
    need for the shared cache, issue 18)."""
    return {name.split(":")[-1].replace("-", "_"): reverse(name, urlconf=urlconf) for name in NAV}


def nav_urls() -> dict[str, str]:
    """{"home": "/", "plan_list": "/plans/", "index": "/admin/", …} for the current URLconf and prefix."""
    return _nav(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def portal(request: HttpRequest) -> dict:
    """The portal's name, the signed-in user's role and the header's links, for the page header."""
    user = getattr(request, "user", None)
    profile = access.profile_of(user) if user is not None else None
    return {
        "portal_name": settings.PORTAL_NAME,
        "current_profile": profile,
        "current_role": access.role_of(user) if user is not None else None,
        "nav": nav_urls(),
        # (issue 15) the bell's number, asked for only by a page that shows the bell; read with the profile
        "unread_notifications": functools.partial(_unread, user),
    }


def _unread(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    access.profile_of(user)  # the count comes with the profile
    from tracker.notifications.services import unread_count

    return unread_count(user)
