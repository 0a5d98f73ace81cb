"""Chinese first: the language comes from the user's explicit choice (a cookie), never from the browser."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class ChosenLanguageMiddleware:
    """Like LocaleMiddleware, but ignores Accept-Language: many office PCs send en-US by default,
    and this portal's users read Chinese. English is one click away in the footer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ReviewerScopeMiddleware:
    """A reviewer reads the review file and writes opinions, nothing else: every other page is refused (403).

    The access functions already show a reviewer no records; this keeps him off the pages as well, so the
    menu and the empty lists of the programme's daily work never appear to him.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        from django.core.exceptions import PermissionDenied

        from tracker.access import REVIEWER_URL_NAMES, Role, role_of

        if role_of(request.user) != Role.REVIEWER:
            return None
        match = request.resolver_match
        name = match.view_name if match else None
        if name not in REVIEWER_URL_NAMES and not request.path.startswith(settings.STATIC_URL or "/static/"):
            raise PermissionDenied
        return None
