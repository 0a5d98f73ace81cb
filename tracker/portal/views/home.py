"""The home page: each role starts where it works."""

import datetime as dt

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tracker import access
from tracker.org.models import Profile

UPCOMING_DAYS = 30
LIST_LIMIT = 15


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    role = access.role_of(user)
    if role == Profile.Role.REVIEWER:
        # A zone reviewer's work is the review file; nothing else is open to him.
        return redirect("tracker:review-list")
    today = timezone.localdate()
    tasks = access.tasks_visible_to(user)
    profile = access.profile_of(user)
    bound_unit = profile.unit if profile and role in (Profile.Role.SECRETARY, Profile.Role.LIAISON) else None
    if bound_unit is not None:
        tasks = tasks.for_unit(bound_unit)
    open_tasks = tasks.with_schedule().exclude(status="done")
    context = {
        "role": role,
        "today": today,
        "bound_unit": bound_unit,
        "plans": access.plans_visible_to(user).with_progress(),
        "overdue": list(open_tasks.overdue_on(today).order_by("due_on")[:LIST_LIMIT]),
        "upcoming": list(
            open_tasks.filter(due_on__gte=today, due_on__lte=today + dt.timedelta(days=UPCOMING_DAYS))
            .order_by("due_on")[:LIST_LIMIT]
        ),
        "upcoming_days": UPCOMING_DAYS,
        "my_tasks": (list(open_tasks.order_by(F("due_on").asc(nulls_last=True), "id")[:LIST_LIMIT])
                     if bound_unit else []),
    }
    return render(request, "tracker/home.html", context)
