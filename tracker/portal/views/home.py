"""The home page of every role: 我的待办, what needs the signed-in person now (tracker/portal/todo.py)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tracker.portal import todo


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "tracker/home.html", {"todo": todo.for_user(request.user)})
