"""Standard pages: the list, one standard laid out as its file is, export, and import (check → confirm)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker import access
from tracker.assessments import xlsx as standards_xlsx
from tracker.assessments.forms.standards import StandardImportConfirmForm, StandardImportForm
from tracker.assessments.models.standards import Standard, StandardGroup, StandardItem
from tracker.assessments.querysets import standard_items_for_page, standards_for_list
from tracker.assessments.services.standards import (
    standard_create_from_rows,
    standard_export_rows,
    standard_import_check,
    standard_import_sign,
    standard_import_unsign,
    standard_name_taken,
)
from tracker.assessments.views.copying import standard_copy_links


def standard_list(request: HttpRequest) -> HttpResponse:
    standards = list(standards_for_list(access.standards_visible_to(request.user)))
    context = {"standards": standards, "can_import": access.can_import_standards(request.user)}
    return render(request, "tracker/standards/standard_list.html", context)


@dataclass
class GroupBlock:
    group: StandardGroup
    items: list[StandardItem]
    points: Decimal
    bonus: Decimal


def standard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    standard = access.get_standard_for_user(request.user, pk)
    items = list(standard_items_for_page(standard))
    blocks = []
    for group, members in groupby(items, key=lambda item: item.group):
        members = list(members)
        blocks.append(GroupBlock(
            group, members,
            points=sum((item.points for item in members if item.counts_in_total), Decimal("0")),
            bonus=sum((item.points for item in members if not item.counts_in_total), Decimal("0")),
        ))
    context = {
        "standard": standard,
        "blocks": blocks,
        "item_count": len(items),
        "full_marks": sum((block.points for block in blocks), Decimal("0")),
        "bonus_maximum": sum((block.bonus for block in blocks), Decimal("0")),
        **standard_copy_links(request, standard),
    }
    return render(request, "tracker/standards/standard_detail.html", context)


@require_GET
def standard_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The standard in the import layout, so it can be edited and imported again (e.g. as another institution's)."""
    standard = access.get_standard_for_user(request.user, pk)
    content = standards_xlsx.write_standard(standard_export_rows(standard))
    response = HttpResponse(content, content_type=standards_xlsx.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=f"{standard.name}.xlsx")
    return response


def _import_form(request: HttpRequest, *args) -> StandardImportForm:
    user = request.user
    institutions = access.standard_import_institutions(user)
    return StandardImportForm(*args, institutions=institutions, may_share=access.is_admin(user))


def _import_page(request: HttpRequest, form: StandardImportForm, *, preview=None, confirm_form=None,
                 target: dict | None = None, status: int = 200, problem: str | None = None) -> HttpResponse:
    context = {"form": form, "preview": preview, "confirm_form": confirm_form, "target": target,
               "problem": problem, "columns": standards_xlsx.COLUMNS}
    return render(request, "tracker/standards/standard_import.html", context, status=status)


@require_http_methods(["GET", "POST"])
def standard_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check every row and show the preview; nothing is stored until confirmed."""
    user = request.user
    if not access.can_import_standards(user):
        raise PermissionDenied
    if request.method == "GET":
        return _import_page(request, _import_form(request))
    form = _import_form(request, request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    data = form.cleaned_data
    if standard_name_taken(institution=data["institution"], name=data["name"]):
        form.add_error("name", _("A standard called “%(name)s” exists already; choose another name.")
                       % {"name": data["name"]})
        return _import_page(request, form, status=400)
    preview = standard_import_check(actor=user, upload=data["file"])
    if preview.has_errors:
        return _import_page(request, form, preview=preview, status=400)
    token = standard_import_sign(actor=user, institution=data["institution"], name=data["name"],
                                 level=data["level"], source_document=data["source_document"], rows=preview.rows)
    target = {"name": data["name"], "level": Standard.Level(data["level"]).label,
              "institution": data["institution"], "source_document": data["source_document"]}
    return _import_page(request, form, preview=preview, confirm_form=StandardImportConfirmForm(
        initial={"payload": token}), target=target)


@require_POST
def standard_import_confirm(request: HttpRequest) -> HttpResponse:
    """Create the standard from the rows signed at the check step; a changed or stale value creates nothing."""
    user = request.user
    if not access.can_import_standards(user):
        raise PermissionDenied
    confirm = StandardImportConfirmForm(request.POST)
    try:
        if not confirm.is_valid():
            raise ValidationError(_("The checked rows are missing. Upload the file again."))
        payload = standard_import_unsign(actor=user, token=confirm.cleaned_data["payload"])
        institution = None
        if payload["institution"] is not None:
            institution = access.standard_import_institutions(user).filter(pk=payload["institution"]).first()
            if institution is None:
                raise PermissionDenied
        standard = standard_create_from_rows(
            actor=user, institution=institution, name=payload["name"], level=payload["level"],
            source_document=payload["source_document"], rows=payload["rows"],
        )
    except ValidationError as error:
        return _import_page(request, _import_form(request), status=400, problem=" ".join(error.messages))
    messages.success(request, _("The standard “%(name)s” was imported with %(count)s items.")
                     % {"name": standard.name, "count": len(payload["rows"])})
    return redirect(standard)

