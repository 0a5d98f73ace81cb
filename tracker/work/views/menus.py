"""The double menus (双菜单): the board of needs, offers, suggested and confirmed matches; adding to the menus;
following a match from proposal to delivery."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tracker import access
from tracker.org.forms import add_errors
from tracker.org.models import OrgUnit, Profile
from tracker.roster.models import Speciality
from tracker.work.forms.menus import MatchAdvanceForm, MatchCreateForm, MenuFilterForm, NeedForm, ResourceForm
from tracker.work.models.menus import MenuMatch, NeedItem, ResourceItem
from tracker.work.services import menus as services

# Secretaries and liaisons see one unit's menus: the unit filter is for those who see them all.
BOUND_ROLES = (Profile.Role.SECRETARY, Profile.Role.LIAISON)
MenuItem = TypeVar("MenuItem", NeedItem, ResourceItem)


def _board_units(user) -> list[OrgUnit]:
    """The units a board can be filtered by: those of the user's institution, colleges first."""
    return list(access.units_visible_to(user).exclude(kind__in=OrgUnit.OUTSIDE_KINDS).order_by(
        "institution_id", "kind", "order", "name"
    ))


def _needs_for_board(needs: QuerySet[NeedItem]) -> list[NeedItem]:
    """Needs with their unit joined and tags prefetched, active first, by unit."""
    return list(needs.select_related("unit").prefetch_related("tags").order_by("-active", "unit__order", "title", "id"))


def _resources_for_board(resources: QuerySet[ResourceItem]) -> list[ResourceItem]:
    """Offers with their volunteer and the volunteer's unit joined and tags prefetched, active first."""
    return list(resources.select_related("volunteer__unit").prefetch_related("tags").order_by(
        "-active", "volunteer__unit__order", "volunteer__name", "title", "id"
    ))


def _matches_for_board(matches: QuerySet[MenuMatch]) -> list[MenuMatch]:
    """Matches with offer, volunteer, need and units joined, newest first."""
    return list(matches.select_related("resource__volunteer__unit", "need__unit").order_by("-proposed_on", "-id"))


def _board(request: HttpRequest, *, match_form: MatchCreateForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    can_filter = access.role_of(user) not in BOUND_ROLES
    units = _board_units(user) if can_filter else []
    filters = MenuFilterForm(request.GET or None, units=units)
    needs = access.needs_visible_to(user)
    resources = access.resources_visible_to(user)
    matches = access.matches_visible_to(user)
    unit = None
    if can_filter and filters.is_valid() and filters.cleaned_data["unit"]:
        unit = filters.units[filters.cleaned_data["unit"]]
        needs = needs.filter(unit=unit)
        matches = matches.filter(Q(need__unit=unit) | Q(resource__volunteer__unit=unit))
    # Suggestions pair the chosen unit's needs with every offer the user may see: a college's students
    # may be helped by a volunteer of another college. A secretary sees only her own college's offers.
    suggestions = services.suggest_matches(resources=resources, needs=needs)
    if unit is not None:
        resources = resources.filter(volunteer__unit=unit)
    need_list = _needs_for_board(needs)
    resource_list = _resources_for_board(resources)
    keeps_any_unit = access.units_editable_by(user).exists()
    if match_form is None and keeps_any_unit:
        match_form = MatchCreateForm()
    if match_form is not None:
        match_form.set_choices(
            resources=[item for item in resource_list if item.active],
            needs=[item for item in need_list if item.active and access.can_keep_unit_records(user, item.unit)],
        )
    context = {
        "filters": filters if can_filter else None,
        "unit": unit,
        "needs": need_list,
        "resources": resource_list,
        "matches": _matches_for_board(matches),
        "suggestions": [(s, access.can_keep_unit_records(user, s.need.unit)) for s in suggestions],
        "suggestion_limit": services.SUGGESTION_LIMIT,
        "match_form": match_form,
        "keeps_any_unit": keeps_any_unit,
        "is_filtered": bool(request.GET),
    }
    return render(request, "tracker/menus/board.html", context, status=status)


def menu_board(request: HttpRequest) -> HttpResponse:
    return _board(request)


def _tags_for(user) -> QuerySet[Speciality]:
    return Speciality.objects.filter(institution__in=access.institutions_visible_to(user)).order_by("name")


def _add_to_menu(
    request: HttpRequest, template: str, form: NeedForm | ResourceForm, *,
    add: Callable[[dict], MenuItem], added: str, unit_of: Callable[[MenuItem], int],
) -> HttpResponse:
    """Save what a posted menu form describes through `add`, or show the form again with what was refused.

    Once saved, say `added` (with the item's title) and go to the board of the item's unit.
    """
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    try:
        item = add(form.cleaned_data)
    except ValidationError as error:
        add_errors(form, error)
        return render(request, template, {"form": form}, status=400)
    messages.success(request, added % {"title": item.title})
    return redirect(f"{reverse('tracker:menu-board')}?unit={unit_of(item)}")


@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest) -> HttpResponse:
    units = access.units_editable_by(request.user).exclude(kind__in=OrgUnit.OUTSIDE_KINDS).order_by(
        "institution_id", "kind", "order", "name"
    )
    if not units.exists():
        raise PermissionDenied
    template = "tracker/menus/need_form.html"
    if request.method == "GET":
        return render(request, template, {"form": NeedForm(units=units, tags=_tags_for(request.user))})
    form = NeedForm(request.POST, units=units, tags=_tags_for(request.user))
    return _add_to_menu(
        request, template, form,
        add=lambda data: services.need_create(
            actor=request.user, unit=data["unit"], audience=data["audience"], title=data["title"],
            description=data["description"], tags=data["tags"], new_tags=data["new_tags"],
        ),
        added=_("“%(title)s” is on the needs menu."), unit_of=lambda need: need.unit_id,
    )


@require_http_methods(["GET", "POST"])
def resource_create(request: HttpRequest) -> HttpResponse:
    editable = access.units_editable_by(request.user)
    if not editable.exists():
        raise PermissionDenied
    # The volunteers this user keeps: those on the rosters of the units whose records she may change.
    volunteers = access.volunteers_visible_to(request.user).filter(unit__in=editable).select_related("unit").order_by(
        "unit__order", "name", "id"
    )
    template = "tracker/menus/resource_form.html"
    if request.method == "GET":
        form = ResourceForm(volunteers=volunteers, tags=_tags_for(request.user))
        return render(request, template, {"form": form, "no_volunteers": not volunteers.exists()})
    form = ResourceForm(request.POST, volunteers=volunteers, tags=_tags_for(request.user))
    return _add_to_menu(
        request, template, form,
        add=lambda data: services.resource_create(
            actor=request.user, volunteer=data["volunteer"], title=data["title"],
            description=data["description"], tags=data["tags"], new_tags=data["new_tags"],
        ),
        added=_("“%(title)s” is on the resource menu."), unit_of=lambda resource: resource.volunteer.unit_id,
    )


@require_POST
def match_create(request: HttpRequest) -> HttpResponse:
    form = MatchCreateForm(request.POST)
    if not form.is_valid():
        return _board(request, match_form=form, status=400)
    need = get_object_or_404(access.needs_visible_to(request.user).select_related("unit"), pk=form.cleaned_data["need"])
    resource = get_object_or_404(
        access.resources_visible_to(request.user).select_related("volunteer__unit"), pk=form.cleaned_data["resource"],
    )
    if not access.can_keep_unit_records(request.user, need.unit):
        raise PermissionDenied
    try:
        match = services.match_create(actor=request.user, resource=resource, need=need)
    except ValidationError as error:
        add_errors(form, error)
        return _board(request, match_form=form, status=400)
    messages.success(request, _("The match was proposed: “%(match)s”.") % {"match": match})
    return redirect("tracker:match-detail", pk=match.pk)


def _match_page(request: HttpRequest, match: MenuMatch, *, form: MatchAdvanceForm | None = None,
                status: int = 200, refused_input: str = "") -> HttpResponse:
    can_change = access.can_keep_unit_records(request.user, match.need.unit)
    if form is None and can_change and MenuMatch.TRANSITIONS.get(match.status):
        form = MatchAdvanceForm(match=match)
    context = {
        "match": match,
        "form": form,
        "history": match.history.select_related("history_user").order_by("-history_date", "-history_id"),
        "refused_input": refused_input,
    }
    return render(request, "tracker/menus/match_detail.html", context, status=status)


def match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _match_page(request, access.get_match_for_user(request.user, pk))


@require_POST
def match_advance(request: HttpRequest, pk: int) -> HttpResponse:
    match = access.get_match_for_user(request.user, pk)
    if not access.can_keep_unit_records(request.user, match.need.unit):
        raise PermissionDenied
    form = MatchAdvanceForm(request.POST, match=match)
    if not form.is_valid():
        return _match_page(request, match, form=form, status=400)
    data = form.cleaned_data
    try:
        match = services.match_advance(
            actor=request.user, match=match, loaded_version=data["version"], status=data["status"],
            feedback=data["feedback"], delivered_on=data.get("delivered_on"),
        )
    except services.StaleMatchError as stale:
        messages.error(request, stale.messages[0])
        current = access.get_match_for_user(request.user, pk)
        if not MenuMatch.TRANSITIONS.get(current.status):
            # Nothing left to do with the match: show what the user typed so it is not lost.
            return _match_page(request, current, status=409, refused_input=data["feedback"])
        # Keep what the user typed, against the version now current, so a second save goes through.
        bound = request.POST.copy()
        bound["version"] = current.version
        bound["status"] = MenuMatch.TRANSITIONS[current.status][0]
        form = MatchAdvanceForm(bound, match=current)
        form.is_valid()
        return _match_page(request, current, form=form, status=409)
    except ValidationError as error:
        add_errors(form, error)
        return _match_page(request, match, form=form, status=400)
    messages.success(request, _("The match is now “%(status)s”.") % {"status": match.get_status_display()})
    return redirect("tracker:match-detail", pk=match.pk)
