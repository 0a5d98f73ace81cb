"""What every endpoint checks beyond being signed in: the reviewer's scope. Each endpoint then looks its objects up
through tracker/access.py (another institution's is a 404) and asks its `can_…` rule before a write (403)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from tracker import access


class ReviewerScope(BasePermission):
    """A reviewer reads the review file and nothing else, through a token as on the pages
    (`access.REVIEWER_URL_NAMES`; on the pages ReviewerScopeMiddleware holds the same list)."""

    message = _("A reviewer reads only the review file.")
    code = "reviewer_scope"

    def has_permission(self, request, view) -> bool:
        if access.role_of(request.user) != access.Role.REVIEWER:
            return True
        match = request.resolver_match
        return match is not None and match.view_name in access.REVIEWER_URL_NAMES
