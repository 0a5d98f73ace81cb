"""Writes. Views, admin actions, commands and imports all call these, so each rule is written once.

One module per area; the plan's task services are re-exported here for the callers that predate the split.
"""

from .tasks import StaleEditError, ensure_staff_group, profile_assign_role, task_add_update

__all__ = ["StaleEditError", "ensure_staff_group", "profile_assign_role", "task_add_update"]
