"""The units of a university: the list by kind, add, rename, reorder, retire (with its confirmation) and bring
back; another institution's unit is a 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker import access
from tracker.org.forms import add_errors
from tracker.org.history import changes_among, changes_for
from tracker.org.models import Institution, OrgUnit
from tracker.org.versions import StaleEditError, refused_as_stale
from tracker.setup import xlsx as setup_xlsx
from tracker.setup.forms import (
    MoveForm,
    UnitForm,
    VersionForm,
)
from tracker.setup.services import units as services
from tracker.setup.views.common import frame, institution_of, require_setup, with_institution

Kind = OrgUnit.Kind


@dataclass
class KindGroup:
    kind: str
    label: str
    units: list[OrgUnit]


def _unit_groups(institution: Institution) -> tuple[list[KindGroup], list[OrgUnit]]:
    """The institution's units in service by kind (each kind's units in order), and the retired ones: one query."""
    units = list(OrgUnit.objects.filter(institution=institution).exclude(kind__in=OrgUnit.OUTSIDE_KINDS)
                 .order_by("order", "name", "pk"))
    groups = [KindGroup(kind, Kind(kind).label, [u for u in units if u.kind == kind and not u.is_retired])
              for kind in setup_xlsx.UNIT_KINDS]
    for group in groups:
        for position, unit in enumerate(group.units):
            unit.first, unit.last = position == 0, position == len(group.units) - 1
    return groups, [unit for unit in units if unit.is_retired]


def _unit_list_page(request: HttpRequest, institution: Institution, *, status: int = 200) -> HttpResponse:
    groups, retired = _unit_groups(institution)
    context = {**frame(request, institution), "groups": groups, "retired": retired}
    return render(request, "tracker/setup/unit_list.html", context, status=status)


@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    institution = institution_of(request)
    if institution is None:
        messages.info(request, _("There is no university yet: add one first."))
        return redirect("tracker:setup")
    return _unit_list_page(request, institution)


def _unit_form_page(request: HttpRequest, form: UnitForm, institution: Institution, unit: OrgUnit | None, *,
                    status: int = 200, stale_changes: list | None = None) -> HttpResponse:
    context = {**frame(request, institution), "form": form, "unit": unit, "stale_changes": stale_changes,
               "stale_history": changes_among(stale_changes or []),
               "history": changes_for(unit) if unit is not None else []}
    return render(request, "tracker/setup/unit_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest) -> HttpResponse:
    institution = institution_of(request)
    if institution is None:
        raise Http404
    if request.method == "GET":
        return _unit_form_page(request, UnitForm(initial={"kind": request.GET.get("kind")}), institution, None)
    form = UnitForm(request.POST)
    if form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, institution=institution, data=form.to_data())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": unit.name})
            return redirect(with_institution("tracker:setup-unit-list", institution))
    return _unit_form_page(request, form, institution, None, status=400)


def _unit(request: HttpRequest, pk: int) -> OrgUnit:
    require_setup(request)
    return access.get_setup_unit_for_user(request.user, pk)


@require_http_methods(["GET", "POST"])
def unit_update(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    institution = unit.institution
    if request.method == "GET":
        return _unit_form_page(request, UnitForm(unit=unit), institution, unit)
    form = UnitForm(request.POST, unit=unit)
    if not form.is_valid() or form.cleaned_data["version"] is None:
        if form.is_valid():
            form.add_error(None, _("The form is missing its version; reload the page and try again."))
        return _unit_form_page(request, form, institution, unit, status=400)
    try:
        unit = services.unit_update(actor=request.user, unit=unit, loaded_version=form.cleaned_data["version"],
                                    data=form.to_data(kind=unit.kind))
    except StaleEditError as stale:
        unit = _unit(request, pk)
        form = refused_as_stale(request, stale, unit, lambda bound: UnitForm(bound, unit=unit))
        return _unit_form_page(request, form, institution, unit, status=409, stale_changes=stale.changes)
    except ValidationError as error:
        add_errors(form, error)
        return _unit_form_page(request, form, institution, unit, status=400)
    messages.success(request, _("%(name)s was saved.") % {"name": unit.name})
    return redirect(with_institution("tracker:setup-unit-list", institution))


def _refused_on_list(request: HttpRequest, unit: OrgUnit, error: ValidationError) -> HttpResponse:
    """A move, retirement or return refused: the list again with the reason (409 when the unit changed)."""
    for message in error.messages:
        messages.error(request, message)
    return _unit_list_page(request, unit.institution, status=409 if isinstance(error, StaleEditError) else 400)


@require_POST
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _refused_on_list(request, unit, ValidationError(_("Reload the page and try again.")))
    try:
        services.unit_move(actor=request.user, unit=unit, loaded_version=form.cleaned_data["version"],
                           up=form.cleaned_data["direction"] == "up")
    except ValidationError as error:
        return _refused_on_list(request, unit, error)
    return redirect(with_institution("tracker:setup-unit-list", unit.institution) + f"#unit-{unit.pk}")


def _retire_page(request: HttpRequest, unit: OrgUnit, *, status: int = 200, problem: str = "") -> HttpResponse:
    context = {**frame(request, unit.institution), "unit": unit, "problem": problem,
               "accounts": services.bound_accounts(unit), "form": VersionForm(initial={"version": unit.version})}
    return render(request, "tracker/setup/unit_retire.html", context, status=status)


@require_http_methods(["GET", "POST"])
def unit_retire(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what retiring means and the button that confirms it. POST: retire."""
    unit = _unit(request, pk)
    if request.method == "GET":
        return _retire_page(request, unit)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _retire_page(request, unit, status=400, problem=_("Reload the page and try again."))
    try:
        services.unit_retire(actor=request.user, unit=unit, loaded_version=form.cleaned_data["version"])
    except ValidationError as error:
        unit = _unit(request, pk)
        return _retire_page(request, unit, status=409 if isinstance(error, StaleEditError) else 400,
                            problem=" ".join(error.messages))
    messages.success(request, _("%(name)s was retired. Its records stay; bring it back below if need be.")
                     % {"name": unit.name})
    return redirect(with_institution("tracker:setup-unit-list", unit.institution))


@require_POST
def unit_restore(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _refused_on_list(request, unit, ValidationError(_("Reload the page and try again.")))
    try:
        services.unit_restore(actor=request.user, unit=unit, loaded_version=form.cleaned_data["version"])
    except ValidationError as error:
        return _refused_on_list(request, unit, error)
    messages.success(request, _("%(name)s is back in service.") % {"name": unit.name})
    return redirect(with_institution("tracker:setup-unit-list", unit.institution))
