"""The URL converter for ids: at most 18 digits, so every id in a URL fits a signed 64-bit integer. A longer one
matches no URL (a 404) instead of reaching the database, where SQLite would refuse it with an OverflowError."""

from __future__ import annotations

from django.urls import register_converter

MAX_DIGITS = 18


class IdConverter:
    regex = f"[0-9]{{1,{MAX_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def as_id(value: object) -> int | None:
    """An id from a query string or form, or None when it cannot be one of ours (not digits, or too long)."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) <= MAX_DIGITS else None


def register() -> None:
    register_converter(IdConverter, "id")
