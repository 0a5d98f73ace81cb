"""My reminders (我的提醒): what falls due within a month and what is overdue, for the signed-in user.

A secretary or liaison sees her unit's tasks and rectifications; committee staff, leaders and administrators the
whole institution's, grouped by responsible party, with the review's dated steps. A reviewer never reaches the
page (ReviewerScopeMiddleware answers 403). The data comes from tracker/reminders.py, the same read the daily
mail (`manage.py send_reminders`) uses.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tracker.reporting import reminders


def reminder_list(request: HttpRequest) -> HttpResponse:
    result = reminders.for_user(request.user, today=timezone.localdate(), days=reminders.PAGE_DAYS)
    context = {
        "reminders": result,
        "overdue_count": len(result.overdue),
        "due_soon_count": len(result.due_soon),
        "by_unit": result.scope == reminders.UNIT,
        "no_role": result.scope == reminders.NOTHING,
    }
    return render(request, "tracker/reminders/reminder_list.html", context)
