"""(issue 15) The group robots of a university (群机器人: 企业微信 and 钉钉) and its delivery log (消息发送记录).

The list (each robot with how its last message went), add, change, remove (with its confirmation), send a test
message; and every message the portal sent for the university, by e-mail or robot, newest first, a failed one with
its error and attempts. Committee staff see their own university's; the administrator chooses one (another
university's robot or log is a 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, F, OuterRef, QuerySet, Subquery, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker import access
from tracker.notifications import services_webhooks as services
from tracker.notifications.models import Webhook
from tracker.org.forms import add_errors
from tracker.org.history import changes_among, changes_for
from tracker.org.models import Institution, OrgUnit
from tracker.org.versions import StaleEditError, refused_as_stale
from tracker.outbox.models import Delivery
from tracker.setup import xlsx as setup_xlsx
from tracker.setup.forms import VersionForm, WebhookForm
from tracker.setup.views.common import frame, institution_of, require_setup, with_institution

LOG_PAGE_SIZE = 50


def _institution(request: HttpRequest, *, required: bool = True) -> Institution | None:
    """The university the page is about (another one: 404); none yet (an administrator's empty portal): None, or a
    404 where the page needs one."""
    institution = institution_of(request)
    if institution is None:
        if required:
            raise Http404
        return None
    if not access.can_manage_webhooks(request.user, institution.pk):
        raise Http404
    return institution


def _webhook(request: HttpRequest, pk: int) -> Webhook:
    require_setup(request)
    hook = access.get_webhook_for_user(request.user, pk)
    if not access.can_manage_webhooks(request.user, hook.institution_id):
        raise PermissionDenied
    return hook


def _units(institution: Institution, hook: Webhook | None = None) -> QuerySet[OrgUnit]:
    """The units a robot may be for (colleges and member units): those in service, in the organisation's order, and
    the one it is for now."""
    units = OrgUnit.objects.filter(institution=institution, kind__in=services.UNIT_KINDS)
    chosen = units.in_service()
    if hook is not None and hook.unit_id:
        chosen = chosen | units.filter(pk=hook.unit_id)
    rank = Case(*(When(kind=kind, then=Value(n)) for n, kind in enumerate(setup_xlsx.UNIT_KINDS)), default=Value(9))
    return chosen.alias(rank=rank).order_by("rank", "order", "name")


def _with_last_delivery(hooks: QuerySet[Webhook]) -> QuerySet[Webhook]:
    """Each robot with its last message's status, time and error (one query for the list)."""
    last = Delivery.objects.filter(webhook=OuterRef("pk")).order_by("-created_at", "-id")
    return hooks.annotate(last_status=Subquery(last.values("status")[:1]),
                          last_at=Subquery(last.values("created_at")[:1]),
                          last_error=Subquery(last.values("last_error")[:1]))


@require_GET
def webhook_list(request: HttpRequest) -> HttpResponse:
    institution = _institution(request, required=False)
    if institution is None:
        messages.info(request, _("There is no university yet: add one first."))
        return redirect("tracker:setup")
    hooks = _with_last_delivery(Webhook.objects.filter(institution=institution).select_related("unit"))
    context = {**frame(request, institution), "hooks": list(hooks.order_by(F("unit__order").asc(nulls_first=True),
                                                                            "unit__name", "name", "pk")),
               "statuses": Delivery.Status}
    return render(request, "tracker/setup/webhook_list.html", context)


def _form_page(request: HttpRequest, form: WebhookForm, institution: Institution, hook: Webhook | None, *,
               status: int = 200, stale_changes: list | None = None) -> HttpResponse:
    secret_dropped = bool(form.is_bound and form.errors and request.POST.get("secret"))
    context = {**frame(request, institution), "form": form, "hook": hook, "stale_changes": stale_changes,
               "stale_history": changes_among(stale_changes or []), "secret_dropped": secret_dropped,
               "history": changes_for(hook) if hook is not None else []}
    return render(request, "tracker/setup/webhook_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def webhook_create(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    units = _units(institution)
    if request.method == "GET":
        return _form_page(request, WebhookForm(units=units), institution, None)
    form = WebhookForm(request.POST, units=units)
    if form.is_valid():
        try:
            hook = services.webhook_create(actor=request.user, institution=institution, data=form.to_data())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The group robot “%(name)s” was added. Send it a test message to see that "
                                        "it arrives.") % {"name": hook.name})
            return redirect(with_institution("tracker:webhook-list", institution) + f"#webhook-{hook.pk}")
    return _form_page(request, form, institution, None, status=400)


@require_http_methods(["GET", "POST"])
def webhook_update(request: HttpRequest, pk: int) -> HttpResponse:
    hook = _webhook(request, pk)
    institution = hook.institution
    units = _units(institution, hook)
    if request.method == "GET":
        return _form_page(request, WebhookForm(units=units, webhook=hook), institution, hook)
    form = WebhookForm(request.POST, units=units, webhook=hook)
    if not form.is_valid() or form.cleaned_data["version"] is None:
        if form.is_valid():
            form.add_error(None, _("The form is missing its version; reload the page and try again."))
        return _form_page(request, form, institution, hook, status=400)
    try:
        hook = services.webhook_update(actor=request.user, webhook=hook, loaded_version=form.cleaned_data["version"],
                                       data=form.to_data())
    except StaleEditError as stale:
        hook = _webhook(request, pk)
        units = _units(institution, hook)
        form = refused_as_stale(request, stale, hook, lambda bound: WebhookForm(bound, units=units, webhook=hook))
        return _form_page(request, form, institution, hook, status=409, stale_changes=stale.changes)
    except ValidationError as error:
        add_errors(form, error)
        return _form_page(request, form, institution, hook, status=400)
    messages.success(request, _("The group robot “%(name)s” was saved.") % {"name": hook.name})
    return redirect(with_institution("tracker:webhook-list", institution) + f"#webhook-{hook.pk}")


@require_http_methods(["GET", "POST"])
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what removing means and the button that confirms it. POST: remove."""
    hook = _webhook(request, pk)
    form = VersionForm(request.POST or None, initial={"version": hook.version})
    problem, status = "", 200
    if request.method == "POST":
        if not form.is_valid():
            problem, status = _("Reload the page and try again."), 400
        else:
            try:
                services.webhook_delete(actor=request.user, webhook=hook, loaded_version=form.cleaned_data["version"])
            except StaleEditError as stale:
                hook = _webhook(request, pk)
                form = VersionForm(initial={"version": hook.version})
                problem, status = stale.messages[0], 409
            else:
                messages.success(request, _("The group robot “%(name)s” was removed. Its messages stay on the "
                                            "delivery log.") % {"name": hook.name})
                return redirect(with_institution("tracker:webhook-list", hook.institution))
    context = {**frame(request, hook.institution), "hook": hook, "form": form, "problem": problem}
    return render(request, "tracker/setup/webhook_delete.html", context, status=status)


@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    hook = _webhook(request, pk)
    try:
        delivery = services.webhook_test(actor=request.user, webhook=hook)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        delivery.refresh_from_db()  # without a broker it was sent already, once this request's writes committed
        if delivery.status == Delivery.Status.SENT:
            messages.success(request, _("The test message was sent to “%(name)s”. Look in the group: it should be "
                                        "there.") % {"name": hook.name})
        elif delivery.status == Delivery.Status.FAILED:
            messages.error(request, _("The test message to “%(name)s” could not be sent: %(error)s. The portal "
                                      "tries again later; check the robot's address.")
                           % {"name": hook.name, "error": delivery.last_error})
        else:
            messages.info(request, _("The test message to “%(name)s” is on its way; the delivery log shows when it "
                                     "went.") % {"name": hook.name})
    return redirect(with_institution("tracker:webhook-list", hook.institution) + f"#webhook-{hook.pk}")


@require_GET
def delivery_log(request: HttpRequest) -> HttpResponse:
    institution = _institution(request, required=False)
    if institution is None:
        messages.info(request, _("There is no university yet: add one first."))
        return redirect("tracker:setup")
    deliveries = (Delivery.objects.filter(institution=institution).select_related("webhook__unit")
                  .order_by("-created_at", "-id"))
    failed_only = request.GET.get("show") == "failed"
    if failed_only:
        deliveries = deliveries.filter(status=Delivery.Status.FAILED)
    page = Paginator(deliveries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {**frame(request, institution), "page": page, "failed_only": failed_only, "statuses": Delivery.Status,
               "channels": Delivery.Channel}
    return render(request, "tracker/setup/delivery_log.html", context)
