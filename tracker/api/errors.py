"""Every refusal of the API as one JSON shape: {"detail": a sentence in Chinese, "code": a stable word, …}.

`code` is what a program reads (it never changes with the language); `detail` is what a person reads. A refused
write leaves nothing stored: the services check everything before they save, in one transaction.

| status | code |
|---|---|
| 400 | invalid (with `errors`: field → messages), parse_error, unknown_fields |
| 401 | not_authenticated, token_invalid, token_expired, token_revoked, account_inactive |
| 403 | permission_denied, reviewer_scope, csrf_failed |
| 404 | not_found |
| 405 / 406 / 415 | method_not_allowed, not_acceptable, unsupported_media_type |
| 409 | stale_version (with `current_version` and `changes`: what others saved since the version sent) |
| 413 | file_too_large, request_too_large |
| 429 | throttled (and a Retry-After header) |
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


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
