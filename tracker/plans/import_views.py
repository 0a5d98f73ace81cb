"""Import a plan's 推进表 from Excel: the template, the upload that checks every row and shows the plan it would
create, and the confirmation that creates it (committee staff of the institution, and the administrator)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker import access
from tracker.org.ids import as_id
from tracker.org.models import Institution
from tracker.org.xlsx import XLSX_CONTENT_TYPE
from tracker.plans import importing as services
from tracker.plans import xlsx_import
from tracker.plans.forms import PlanImportConfirmForm, PlanImportForm


def import_institutions(request: HttpRequest):
    """The institutions the user may import a plan into: staff their own, the administrator every one."""
    return [institution for institution in access.institutions_visible_to(request.user).order_by("code")
            if access.can_create_plan(request.user, institution.pk)]


def _institution(request: HttpRequest) -> Institution:
    """The institution of the form or query string (one the user may not see: 404; may see but not import
    into: 403), else the user's first."""
    raw = request.POST.get("institution") or request.GET.get("institution")
    if raw:
        pk = as_id(raw)
        if pk is None:
            raise Http404
        institution = get_object_or_404(access.institutions_visible_to(request.user), pk=pk)
        if not access.can_create_plan(request.user, institution.pk):
            raise PermissionDenied
        return institution
    institutions = import_institutions(request)
    if not institutions:
        if access.institutions_visible_to(request.user).exists() or not access.is_admin(request.user):
            raise PermissionDenied
        raise Http404  # an administrator's portal without any institution yet
    return institutions[0]


def _page(request: HttpRequest, institution: Institution, form: PlanImportForm, *, preview=None,
          confirm_form=None, status: int = 200, problem: str = "") -> HttpResponse:
    others = import_institutions(request)
    context = {"institution": institution, "institutions": others if len(others) > 1 else [], "form": form,
               "preview": preview, "confirm_form": confirm_form, "problem": problem,
               "columns": xlsx_import.COLUMNS, "required": xlsx_import.REQUIRED}
    return render(request, "tracker/plans/import.html", context, status=status)


@require_GET
def plan_import_template(request: HttpRequest) -> HttpResponse:
    _institution(request)  # the page's own rule: staff and the administrator
    response = HttpResponse(xlsx_import.write_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename="推进表模板.xlsx")
    return response


@require_http_methods(["GET", "POST"])
def plan_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check every row and show the plan it would create; nothing is stored."""
    institution = _institution(request)
    if request.method == "GET":
        return _page(request, institution, PlanImportForm())
    form = PlanImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, institution, form, status=400)
    data = form.cleaned_data
    preview = services.plan_import_check(actor=request.user, institution=institution, upload=data["file"])
    if preview.has_errors:
        return _page(request, institution, form, preview=preview, status=400)
    token = services.plan_import_sign(actor=request.user, institution=institution, preview=preview)
    confirm = PlanImportConfirmForm(initial={"payload": token, "title": data["title"] or preview.plan.title,
                                             "issued_on": data["issued_on"]})
    return _page(request, institution, form, preview=preview, confirm_form=confirm)


@require_POST
def plan_import_confirm(request: HttpRequest) -> HttpResponse:
    """Create the plan the signed preview holds, in one transaction; a changed or stale value creates nothing."""
    institution = _institution(request)
    confirm = PlanImportConfirmForm(request.POST)
    if not confirm.is_valid():
        if "payload" in confirm.errors:
            return _page(request, institution, PlanImportForm(), status=400,
                         problem=_("The checked rows are missing. Upload the file again."))
        return _page(request, institution, PlanImportForm(), confirm_form=confirm, status=400,
                     problem=_("Correct the title and the issue date below."),
                     preview=_preview_of(request, institution, confirm.data.get("payload", "")))
    data = confirm.cleaned_data
    try:
        payload = services.plan_import_unsign(actor=request.user, token=data["payload"])
        plan = services.plan_import_apply(actor=request.user, institution=institution, payload=payload,
                                          title=data["title"], issued_on=data["issued_on"])
    except ValidationError as error:
        return _page(request, institution, PlanImportForm(), status=400, problem=" ".join(error.messages))
    messages.success(request, _("The plan “%(title)s” was created from %(file)s with %(tasks)s tasks.")
                     % {"title": plan.title, "file": payload["file"],
                        "tasks": sum(len(s["tasks"]) for p in payload["plan"]["phases"] for s in p["stages"])})
    return redirect(plan)


def _preview_of(request: HttpRequest, institution: Institution, token: str):
    """The preview a signed value carries, to show again beside a refused title or date; None if it is not valid."""
    try:
        payload = services.plan_import_unsign(actor=request.user, token=token)
    except ValidationError:
        return None
    if payload.get("institution") != institution.pk:
        return None
    return services.PlanPreview(file_name=payload["file"], plan=xlsx_import.PlanSheet.from_json(payload["plan"]))
