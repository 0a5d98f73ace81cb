"""Personal API tokens: a key its owner made on "我的账号", shown once, kept only as a hash.

Every request made with a token acts as its owner, through the same access rules as the pages (tracker/access.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_PREFIX = "ywp_"  # so a key found in a log or a repository is recognisable as this portal's
PREFIX_LENGTH = 12  # the key's first characters, kept to tell one's tokens apart; far too few to guess the rest


def key_hash(key: str) -> str:
    """The stored form of a key: its SHA-256, hex. A key has 256 random bits, so a plain hash needs no salt."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """One named key of one person. Revoked or past its expiry day, it answers nothing (401)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. “校数据平台”."))
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key begins with"), max_length=PREFIX_LENGTH, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    expires_on = models.DateField(
        _("expires on"), null=True, blank=True,
        help_text=_("The last day the token works. Empty: until revoked."),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["owner_id", "-created_at", "-id"]
        constraints = [
            # One name per person among the tokens still in force, so a list of them reads unambiguously.
            models.UniqueConstraint(fields=["owner", "name"], condition=Q(revoked_at__isnull=True),
                                    name="tracker_apitoken_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    def get_absolute_url(self) -> str:
        return reverse("api_tokens")

    def is_expired_on(self, day: dt.date) -> bool:
        return self.expires_on is not None and self.expires_on < day

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired_on(timezone.localdate())

    @property
    def state(self) -> str:
        """in force · expired · revoked"""
        if self.is_revoked:
            return "revoked"
        if self.is_expired_on(timezone.localdate()):
            return "expired"
        return "active"
