from django.conf import settings
from django.http import HttpRequest

from . import access


def portal(request: HttpRequest) -> dict:
    """The portal's name and the signed-in user's role, for the page header."""
    user = getattr(request, "user", None)
    profile = access.profile_of(user) if user is not None else None
    return {
        "portal_name": settings.PORTAL_NAME,
        "current_profile": profile,
        "current_role": access.role_of(user) if user is not None else None,
    }
