"""Every refusal of the API as one JSON shape: {"detail": a sentence in Chinese, "code": a stable word, …}.

`code` is what a program reads (it never changes with the language); `detail` is what a person reads. A refused
write leaves nothing stored: the services check everything before they save, in one transaction.

| status | code |
|---|---|
| 400 | invalid (with `errors`: field → messages), parse_error, unknown_fields, bad_request |
| 401 | not_authenticated, token_invalid, token_expired, token_revoked, account_inactive |
| 403 | permission_denied, reviewer_scope, csrf_failed |
| 404 | not_found |
| 405 / 406 / 415 | method_not_allowed, not_acceptable, unsupported_media_type |
| 409 | stale_version (with `current_version` and `changes`: what others saved since the version sent) |
| 413 | file_too_large, request_too_large |
| 429 | throttled (and a Retry-After header) |
| 500 | server_error |

Refusals Django makes before any API view runs (an address under /api/ that resolves to nothing, a reviewer's
session stopped by ReviewerScopeMiddleware, a request Django finds suspicious, an error nobody caught) come through
the project's handlers (youthwork/urls.py: `handler404` …), which answer the same JSON for a path under /api/ and
the portal's pages for every other (`for_api`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tracker import access

API_PREFIX = "/api/"


class ApiError(exceptions.APIException):
    """A refusal whose Chinese sentence and code the API chooses (and any further keys of the body)."""

    def __init__(self, detail: str, code: str, status_code: int, **extra):
        super().__init__(detail=detail, code=code)
        self.status_code = status_code
        self.extra = extra


class UnknownFields(exceptions.ValidationError):
    """Fields the endpoint does not take: refused, so a misspelt field is never silently dropped."""

    default_code = "unknown_fields"


def stale(detail: str, current_version: int, changes: list) -> ApiError:
    return ApiError(detail, "stale_version", status.HTTP_409_CONFLICT, current_version=current_version,
                    changes=changes)


def forbidden(detail: str) -> ApiError:
    """A 403 that says why (the plain one says only "you may not")."""
    return ApiError(detail, "permission_denied", status.HTTP_403_FORBIDDEN)


def too_large(detail: str) -> ApiError:
    return ApiError(detail, "file_too_large", status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


def _messages() -> dict[str, str]:
    """The sentence for each of DRF's own refusals (its English ones are replaced, whatever the language)."""
    return {
        "not_authenticated": _("Sign in, or send your API token in the Authorization header (Bearer <token>)."),
        "authentication_failed": _("The sign-in details sent are not right."),
        "permission_denied": _("You may not do this."),
        "not_found": _("Nothing was found here, or it is not yours to see."),
        "method_not_allowed": _("This address does not take that method."),
        "not_acceptable": _("The answer can only be given as JSON."),
        "unsupported_media_type": _("Send JSON (application/json), or multipart/form-data with files."),
        "parse_error": _("The request body is not valid JSON or form data."),
        "invalid": _("The request has errors: see “errors” for each field."),
        "unknown_fields": _("The request names fields this address does not take: see “errors”."),
    }


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()  # the services' reasons are for programmers, in English: not shown
    if isinstance(exc, RequestDataTooBig):
        return ApiError(_("The request is too large."), "request_too_large",
                        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else
                                          {"non_field_errors": exc.messages})
    return exc


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler with the body in the API's one shape. Anything it does not know is left to Django: a 500,
    logged."""
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        response.data = {"detail": str(exc.detail), "code": _code_of(exc), **exc.extra}
        return response
    if isinstance(exc, exceptions.ValidationError):
        code = "unknown_fields" if isinstance(exc, UnknownFields) else "invalid"
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": _messages()[code], "code": code, "errors": errors}
        return response
    code = _code_of(exc)
    if isinstance(exc, exceptions.Throttled):
        detail = _("Too many requests. Try again in %(seconds)s seconds.") % {"seconds": exc.wait or 1}
        response.data = {"detail": detail, "code": "throttled", "wait_seconds": int(exc.wait or 1)}
        return response
    # DRF's own refusals get the API's sentence; those tracker/api raises (token_expired …) carry their own.
    response.data = {"detail": _messages().get(code, str(getattr(exc, "detail", ""))), "code": code}
    return response


# --- Django's own refusals under /api/ (youthwork/urls.py's handlers) -----------------------------------------


def is_api_request(request: HttpRequest) -> bool:
    """A request for the API: its path (the script name aside) is under /api/."""
    return request.path_info.startswith(API_PREFIX)


def _json_refusal(status_code: int, code: str) -> JsonResponse:
    details = {
        "bad_request": _("The request cannot be read."),
        "permission_denied": _messages()["permission_denied"],
        "reviewer_scope": _("A reviewer reads only the review file."),
        "not_found": _("There is no such address in the API (see /api/v1/schema/), or nothing here is yours to "
                       "see."),
        "server_error": _("Something went wrong on the server; nothing was stored. Try again later, and tell the "
                          "portal's administrator if it happens again."),
    }
    response = JsonResponse({"detail": details[code], "code": code}, status=status_code,
                            json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-cache"
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return _json_refusal(400, "bad_request")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        # ReviewerScopeMiddleware stops a reviewer's session at any address off the review file: the code the
        # API's own ReviewerScope permission gives a reviewer's token.
        user = getattr(request, "user", None)
        reviewer = user is not None and access.role_of(user) == access.Role.REVIEWER
        return _json_refusal(403, "reviewer_scope" if reviewer else "permission_denied")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return _json_refusal(404, "not_found")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return _json_refusal(500, "server_error")
    return defaults.server_error(request)
