"""The rows an import checked, carried from its preview to its confirmation as a signed value.

The confirm form holds the value; the user cannot change it without it showing, and it serves only the person who
made the preview, for an hour. The roster keeps its checked file in the database instead (RosterImport); the
standards and the set-up workbook use this.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_AGE = 60 * 60  # seconds: a preview older than an hour must be checked again


def checked_sign(payload: dict[str, Any], *, actor: AbstractBaseUser, salt: str) -> str:
    """`payload` (JSON-able), signed for `actor`'s confirmation."""
    return signing.dumps({**payload, "actor": actor.pk}, salt=salt, compress=True)


def checked_unsign(token: str, *, actor: AbstractBaseUser, salt: str) -> dict[str, Any]:
    """The payload a signed value carries; a ValidationError if it was changed, is too old or is someone else's."""
    try:
        payload = signing.loads(token, salt=salt, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(_("This preview is more than an hour old. Upload the file again to check it.")) from None
    except signing.BadSignature:
        raise ValidationError(_("The checked rows were changed after the check, so nothing was imported. "
                                "Upload the file again.")) from None
    if not isinstance(payload, dict) or payload.get("actor") != actor.pk:
        raise ValidationError(_("This preview was made by someone else. Upload the file again."))
    return payload
