"""My notifications (我的通知, issue 15): the list, opening one (marks it read and goes to its page), marking all
read, and which kinds come by e-mail. Everyone signed in has their own; someone else's notification is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tracker.notifications import services
from tracker.notifications.models import MAIL_KIND_VALUES, MAIL_KINDS, Notification

PAGE_SIZE = 30


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient=request.user).select_related("actor", "unit")
    unread_only = request.GET.get("show") == "unread"
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    mailed = services.mailed_kinds(request.user)
    context = {
        "page": page,
        "unread_only": unread_only,
        "unread": services.unread_count(request.user),
        "kinds": [(value, label, value in mailed)
                  for value, label in MAIL_KINDS],
        "has_email": bool(request.user.email),
    }
    return render(request, "tracker/notifications/notification_list.html", context)


@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_open(actor=request.user, notification=notification)
    if url_has_allowed_host_and_scheme(notification.path, allowed_hosts=None) and notification.path.startswith("/"):
        return HttpResponseRedirect(notification.path)
    return redirect("tracker:notification-list")


@require_POST
def notification_mark_read(request: HttpRequest) -> HttpResponse:
    ids = request.POST.getlist("id")
    wanted = [int(value) for value in ids if value.isdigit()] if ids else None
    count = services.notifications_mark_read(actor=request.user, ids=wanted)
    messages.success(request, _("%(count)d notification(s) marked read.") % {"count": count})
    return redirect("tracker:notification-list")


@require_POST
def notification_mail_choice(request: HttpRequest) -> HttpResponse:
    chosen = [kind for kind in request.POST.getlist("mail") if kind in MAIL_KIND_VALUES]
    services.mail_choice_save(actor=request.user, mailed=chosen)
    messages.success(request, _("Your e-mail choices are saved. The list here always shows every notification."))
    return redirect("tracker:notification-list")
