"""Writes of personal API tokens: made, named and revoked by their owner only."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker import access
from tracker.api.models import KEY_PREFIX, PREFIX_LENGTH, ApiToken, key_hash

# Tokens in force per person: enough for every system one person feeds, few enough to keep track of.
MAX_ACTIVE_TOKENS = 10


@transaction.atomic
def api_token_create(*, actor: AbstractBaseUser, name: str, expires_on: dt.date | None = None) -> tuple[ApiToken, str]:
    """A new token of `actor` and its key. The key is returned this once and never stored: only its hash is."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("only a signed-in person makes tokens")
    name = name.strip()
    errors: dict[str, list[str]] = {}
    mine = access.api_tokens_of(actor).select_for_update().filter(revoked_at__isnull=True)
    if not name:
        errors.setdefault("name", []).append(_("Give the token a name."))
    elif mine.filter(name=name).exists():
        errors.setdefault("name", []).append(_("You already have a token of this name; choose another name."))
    if expires_on is not None and expires_on < timezone.localdate():
        errors.setdefault("expires_on", []).append(_("The expiry day cannot be in the past."))
    if mine.count() >= MAX_ACTIVE_TOKENS:
        errors.setdefault("name", []).append(
            _("You have %(count)s tokens in force already; revoke one you no longer use first.")
            % {"count": MAX_ACTIVE_TOKENS})
    if errors:
        raise ValidationError(errors)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(owner=actor, name=name, key_hash=key_hash(key), prefix=key[:PREFIX_LENGTH],
                     expires_on=expires_on)
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: AbstractBaseUser, token: ApiToken) -> ApiToken:
    """Revoke one of `actor`'s tokens: from now on it answers 401. Revoking a revoked token changes nothing."""
    current = access.api_tokens_of(actor).select_for_update().filter(pk=token.pk).first()
    if current is None:
        raise PermissionDenied("a token is revoked by its owner only")
    if current.revoked_at is None:
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
    return current
