"""The group robots an institution set up (issue 15): which ones a notification goes to. The robots' addresses and
messages themselves: tracker/outbox/robots.py."""

from __future__ import annotations

from collections.abc import Sequence

from tracker.notifications.models import Webhook


def hooks_for(institution_id: int, unit_ids: Sequence[int | None]) -> list[Webhook]:
    """The robots in use for these units of the institution (None: the committee's own)."""
    units = {unit_id for unit_id in unit_ids if unit_id is not None}
    hooks = Webhook.objects.filter(institution_id=institution_id, active=True).select_related("institution")
    return [hook for hook in hooks if hook.unit_id in units or (hook.unit_id is None and None in unit_ids)]
