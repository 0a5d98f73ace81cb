"""The set-up workbook: the template, the upload that checks every row and shows the preview, and the
confirmation that creates everything at once."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker import access
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.setup import xlsx as setup_xlsx
from tracker.setup.forms import SetupConfirmForm, SetupUploadForm
from tracker.setup.services import workbook as services
from tracker.setup.views.common import frame, institution_of, link_page, require_setup, with_institution

Kind = OrgUnit.Kind


@require_GET
def setup_template(request: HttpRequest) -> HttpResponse:
    require_setup(request)
    response = HttpResponse(setup_xlsx.write_template(), content_type=setup_xlsx.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename="单位与账号模板.xlsx")
    return response


def _import_page(request: HttpRequest, institution: Institution, form: SetupUploadForm, *, preview=None,
                 confirm_form=None, status: int = 200, problem: str = "") -> HttpResponse:
    units = preview.units if preview else []
    accounts = preview.accounts if preview else []
    context = {**frame(request, institution), "form": form, "preview": preview, "confirm_form": confirm_form,
               "problem": problem, "unit_columns": setup_xlsx.UNIT_COLUMNS,
               "account_columns": setup_xlsx.ACCOUNT_COLUMNS, "units_sheet": setup_xlsx.UNITS_SHEET,
               "accounts_sheet": setup_xlsx.ACCOUNTS_SHEET,
               "unit_rows": [{**row, "kind_label": Kind(row["kind"]).label} for row in units],
               "account_rows": [{**row, "role_label": Profile.Role(row["role"]).label} for row in accounts]}
    return render(request, "tracker/setup/import.html", context, status=status)


@require_http_methods(["GET", "POST"])
def setup_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check every row of both sheets and show the preview; nothing is stored."""
    institution = institution_of(request)
    if institution is None:
        raise Http404
    if request.method == "GET":
        return _import_page(request, institution, SetupUploadForm())
    form = SetupUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, institution, form, status=400)
    preview = services.setup_import_check(actor=request.user, institution=institution,
                                          upload=form.cleaned_data["file"])
    if preview.has_errors:
        return _import_page(request, institution, SetupUploadForm(), preview=preview, status=400)
    token = services.setup_import_sign(actor=request.user, institution=institution, preview=preview)
    return _import_page(request, institution, SetupUploadForm(), preview=preview,
                        confirm_form=SetupConfirmForm(initial={"payload": token}))


@require_POST
def setup_import_confirm(request: HttpRequest) -> HttpResponse:
    """Create what the signed preview holds, in one transaction; a changed, stale or replayed value creates nothing."""
    require_setup(request)
    confirm = SetupConfirmForm(request.POST)
    institution = None
    try:
        if not confirm.is_valid():
            raise ValidationError(_("The checked rows are missing. Upload the file again."))
        payload = services.setup_import_unsign(actor=request.user, token=confirm.cleaned_data["payload"])
        institution = access.get_setup_institution_for_user(request.user, payload["institution"])
        result = services.setup_import_apply(actor=request.user, institution=institution, payload=payload)
    except ValidationError as error:
        institution = institution or access.setup_institutions(request.user).first()
        if institution is None:
            raise Http404 from None
        return _import_page(request, institution, SetupUploadForm(), status=400, problem=" ".join(error.messages))
    messages.success(request, _("From %(file)s: %(units)s units and %(accounts)s accounts were added.")
                     % {"file": payload["file"], "units": len(result.units), "accounts": len(result.accounts)})
    if result.accounts:
        return link_page(request, result.accounts, institution=institution, title=_("The new accounts' links"))
    return redirect(with_institution("tracker:setup-unit-list", institution))
