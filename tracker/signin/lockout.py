"""Lockout after repeated failed sign-ins (django-axes): who the client is, what is never counted, and the page
that says when to try again."""

from __future__ import annotations

from datetime import datetime, timedelta

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind SIGNIN_PROXY_COUNT reverse proxies, the entry of X-Forwarded-For that the
    outermost of ours appended; entries left of it come from the client and could be forged."""
    count = settings.SIGNIN_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def is_never_locked(request: HttpRequest, credentials: dict | None) -> bool:
    """A CAS ticket is checked by the university's server and cannot be guessed: it neither counts as a failure
    nor is refused during a lockout (its failures would carry no user name and lock every CAS user behind the
    same campus address)."""
    return bool(credentials) and "ticket" in credentials


def retry_time(request: HttpRequest, username: str | None) -> datetime:
    """When the locked user name may sign in again from this address: the last failure plus the cool-off."""
    cool_off = get_cool_off(request) or timedelta(0)
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=getattr(request, "axes_ip_address", None))
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    return timezone.localtime((last or timezone.now()) + cool_off)


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None,
               credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: a page in plain words with the time the user may try again."""
    username = get_client_username(request, credentials) or ""
    cool_off = get_cool_off(request) or timedelta(0)
    context = {
        "username": username,
        "retry_at": retry_time(request, username),
        "minutes": int(cool_off.total_seconds() // 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def ratelimit_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit's key: the client's address as the lockout reads it (behind our proxies too)."""
    return client_ip(request) or "unknown"


def address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from this address within the cool-off, whatever the user names tried (axes' records)."""
    since = timezone.now() - (get_cool_off(request) or timedelta(0))
    attempts = AccessAttempt.objects.filter(ip_address=client_ip(request), attempt_time__gte=since)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def too_many(request: HttpRequest, *, reason: str) -> HttpResponse:
    """429 with a page in plain words: too many sign-ins from this address; when to try again."""
    minutes = 1 if reason == "rate" else int((get_cool_off(request) or timedelta(0)).total_seconds() // 60)
    context = {"reason": reason, "minutes": minutes, "retry_at": timezone.localtime() + timedelta(minutes=minutes)}
    return render(request, "registration/too_many.html", context, status=429)
