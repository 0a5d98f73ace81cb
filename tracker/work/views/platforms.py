"""Work platforms (工作平台) and the activity ledger (工作台账): read across the institution, kept by each unit.

The create and edit pages show their form on GET and save on POST; nothing changes on GET.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tracker import access
from tracker.org.forms import add_errors
from tracker.org.history import changes_among, changes_for
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.org.versions import StaleEditError, refused_as_stale
from tracker.roster.models import Volunteer
from tracker.work.forms.platforms import ActivityFilterForm, ActivityForm, PlatformFilterForm, PlatformForm
from tracker.work.models.platforms import Activity, WorkPlatform
from tracker.work.services.platforms import (
    activity_create,
    activity_update,
    platform_create,
    platform_owners_for,
    platform_update,
)
from tracker.work.xlsx import entries_for_export, export_filename, ledger_workbook

LEDGER_PAGE_SIZE = 50
RECENT_ENTRIES = 10
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Units in the order the organisation reads them: Party committee, school committee, colleges, member units.
KIND_ORDER = {
    OrgUnit.Kind.PARTY_COMMITTEE: 0, OrgUnit.Kind.SCHOOL_COMMITTEE: 1, OrgUnit.Kind.COLLEGE: 2,
    OrgUnit.Kind.MEMBER_UNIT: 3,
}


def _unit_order(unit: OrgUnit) -> tuple:
    return (unit.institution_id or 0, KIND_ORDER.get(unit.kind, 9), unit.order, unit.name)


def _people_scope(request: HttpRequest) -> dict:
    """In a history, volunteers the reader may not see are counted, not named."""
    return {Volunteer: access.volunteers_visible_to(request.user)}


# --- Work platforms ----------------------------------------------------------------------------


@dataclass
class PlatformTotals:
    """The counts the plans set targets for, over one institution's platforms running today."""

    institution: Institution
    school_active: int = 0
    college_active: int = 0
    recognised_higher: int = 0
    school_brands: int = 0


def platform_totals(platforms: list[WorkPlatform], institutions: list[Institution]) -> list[PlatformTotals]:
    """Totals per institution, counted from the already-fetched platforms (no query). Only platforms running today
    count: a brand whose platform has ended no longer counts towards the quota."""
    today = timezone.localdate()
    totals = {institution.pk: PlatformTotals(institution) for institution in institutions}
    for platform in platforms:
        row = totals.get(platform.institution_id)
        if row is None or not platform.is_active_on(today):
            continue
        if platform.level == WorkPlatform.Level.SCHOOL:
            row.school_active += 1
        else:
            row.college_active += 1
        if platform.brand == WorkPlatform.Brand.HIGHER:
            row.recognised_higher += 1
        elif platform.brand == WorkPlatform.Brand.SCHOOL:
            row.school_brands += 1
    return list(totals.values())


def platform_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    # An institution has tens of platforms, not thousands: fetch them once, count and filter in memory.
    platforms = sorted(
        access.platforms_visible_to(user).for_list(),
        key=lambda p: (p.institution_id, p.level != WorkPlatform.Level.SCHOOL, _unit_order(p.owner), p.name),
    )
    owners = sorted({p.owner for p in platforms}, key=_unit_order)
    filters = PlatformFilterForm(request.GET or None, owners=owners)
    shown = platforms
    if filters.is_valid():
        wanted = filters.cleaned_data
        shown = [
            p for p in platforms
            if (not wanted["level"] or p.level == wanted["level"])
            and (not wanted["owner"] or p.owner_id == wanted["owner"])
            and (not wanted["brand"] or p.brand == wanted["brand"])
        ]
    for platform in shown:
        platform.leader_shown = _leader_shown(user, platform)
    context = {
        "platforms": shown,
        "filters": filters,
        "is_filtered": bool(request.GET),
        "totals": platform_totals(platforms, list(access.institutions_visible_to(user))),
        "can_create": platform_owners_for(user).exists(),
    }
    return render(request, "tracker/platforms/platform_list.html", context)


def _leader_shown(user, platform: WorkPlatform) -> str:
    """The volunteer co-leader as the reader may see them: by name, or only as someone of another unit."""
    leader = platform.volunteer_leader
    if leader is None:
        return "—"
    if access.may_name_volunteer(user, leader):
        return leader.name
    return _("A volunteer of another unit")


def platform_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    platform = access.get_platform_for_user(user, pk)
    platform.leader_shown = _leader_shown(user, platform)
    # Only people the reader may see are named; the others are counted.
    involved = list(access.volunteers_visible_to(user).filter(platforms=platform).for_roster())
    context = {
        "platform": platform,
        "involved": involved,
        "others": platform.volunteers.count() - len(involved),
        "entries": list(access.activities_visible_to(user).filter(platform=platform).for_ledger()[:RECENT_ENTRIES]),
        "can_edit": access.can_edit_platform(user, platform),
        "history": changes_for(platform, scopes=_people_scope(request)),
    }
    return render(request, "tracker/platforms/platform_detail.html", context)


def _platform_form(request: HttpRequest, owners: QuerySet[OrgUnit], platform: WorkPlatform | None = None,
                   data: dict | None = None) -> PlatformForm:
    user = request.user
    return PlatformForm(
        data, owners=owners, platform=platform,
        hosts=access.units_visible_to(user).filter(kind=OrgUnit.Kind.MEMBER_UNIT).order_by("order", "name"),
        people=access.volunteers_visible_to(user),
    )


def _platform_page(request: HttpRequest, form: PlatformForm, platform: WorkPlatform | None = None, *,
                   status: int = 200, stale_changes: list | None = None) -> HttpResponse:
    context = {"form": form, "platform": platform, "stale_changes": stale_changes,
               "stale_history": changes_among(stale_changes or [], scopes=_people_scope(request))}
    return render(request, "tracker/platforms/platform_form.html", context, status=status)


def _platform_save(request: HttpRequest, owners: QuerySet[OrgUnit], platform: WorkPlatform | None) -> HttpResponse:
    """The platform form on GET; on POST, save a new platform (`platform` None) or the changes to `platform`."""
    if request.method == "GET":
        return _platform_page(request, _platform_form(request, owners, platform), platform)
    form = _platform_form(request, owners, platform, data=request.POST)
    if form.is_valid():
        try:
            if platform is None:
                saved = platform_create(actor=request.user, fields=form.to_fields())
            else:
                saved = platform_update(actor=request.user, platform=platform,
                                        loaded_version=form.cleaned_data["version"], fields=form.to_fields())
        except StaleEditError as stale:  # only an edit can be stale
            platform = access.get_platform_for_user(request.user, platform.pk)
            form = refused_as_stale(request, stale, platform,
                                    lambda bound: _platform_form(request, owners, platform, data=bound))
            return _platform_page(request, form, platform, status=409, stale_changes=stale.changes)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The platform “%(name)s” was saved.") % {"name": saved.name})
            return redirect(saved)
    return _platform_page(request, form, platform, status=400)


@require_http_methods(["GET", "POST"])
def platform_create_view(request: HttpRequest) -> HttpResponse:
    owners = platform_owners_for(request.user)
    if not owners.exists():
        raise PermissionDenied
    return _platform_save(request, owners, None)


@require_http_methods(["GET", "POST"])
def platform_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    platform = access.get_platform_for_user(request.user, pk)
    if not access.can_edit_platform(request.user, platform):
        raise PermissionDenied
    return _platform_save(request, platform_owners_for(request.user, current=platform.owner), platform)


# --- The activity ledger -----------------------------------------------------------------------


def _ledger_filters(request: HttpRequest) -> tuple[ActivityFilterForm, QuerySet[Activity]]:
    """The filter form and the entries the user may see that pass it (all of them when a filter is not understood).

    Staff and leaders, who see several units, filter by unit; a secretary or liaison sees only her own.
    """
    user = request.user
    units = None
    if access.role_of(user) not in (Profile.Role.SECRETARY, Profile.Role.LIAISON):
        units = sorted(access.units_visible_to(user).exclude(kind__in=OrgUnit.OUTSIDE_KINDS), key=_unit_order)
    platforms = list(access.platforms_visible_to(user).order_by("institution_id", "-level", "name"))
    filters = ActivityFilterForm(request.GET, units=units, platforms=platforms)
    entries = access.activities_visible_to(user)
    if filters.is_valid():
        wanted = filters.cleaned_data
        if wanted.get("unit"):
            entries = entries.filter(unit_id=wanted["unit"])
        if wanted["platform"]:
            entries = entries.filter(platform_id=wanted["platform"])
        if wanted["kind"]:
            entries = entries.filter(kind=wanted["kind"])
        entries = entries.between(wanted["date_from"], wanted["date_to"])
    return filters, entries


def activity_list(request: HttpRequest) -> HttpResponse:
    filters, entries = _ledger_filters(request)
    page = Paginator(entries.for_ledger(), LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "is_filtered": any(key != "page" for key in request.GET),
        "can_add": access.units_editable_by(request.user).exists(),
    }
    return render(request, "tracker/ledger/activity_list.html", context)


def activity_export(request: HttpRequest) -> HttpResponse:
    filters, entries = _ledger_filters(request)
    if filters.errors:
        # Never hand out a file for filters other than the ones asked for: show the list and its message.
        return redirect(f"{reverse('tracker:activity-list')}?{request.GET.urlencode()}")
    user = request.user
    rows = list(entries_for_export(entries, access.volunteers_visible_to(user)))
    wanted = filters.cleaned_data
    unit = filters.units.get(wanted.get("unit"))
    if unit is None and access.role_of(user) in (Profile.Role.SECRETARY, Profile.Role.LIAISON):
        unit = access.reporting_unit(user)
    today = timezone.localdate()
    start = wanted["date_from"] or min((row.date for row in rows), default=today)
    end = wanted["date_to"] or today
    response = HttpResponse(ledger_workbook(rows), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, export_filename(unit, start, end))
    return response


def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    entry = access.get_activity_for_user(user, pk)
    named = list(access.volunteers_visible_to(user).filter(activities=entry).for_roster())
    context = {
        "entry": entry,
        "named": named,
        "others": entry.retirees.count() - len(named),
        "evidence": list(entry.evidence.all()),
        "can_edit": access.can_keep_unit_records(user, entry.unit),
        "history": changes_for(entry, scopes=_people_scope(request)),
    }
    return render(request, "tracker/ledger/activity_detail.html", context)


def _activity_form(request: HttpRequest, entry: Activity | None = None, data: dict | None = None,
                   files: dict | None = None) -> ActivityForm:
    user = request.user
    units = OrgUnit.objects.filter(pk__in=access.units_editable_by(user)).order_by("kind", "order", "name")
    return ActivityForm(
        data, files, units=units, activity=entry,
        platforms=access.platforms_visible_to(user).order_by("-level", "name"),
        people=access.volunteers_visible_to(user),
    )


def _activity_page(request: HttpRequest, form: ActivityForm, entry: Activity | None = None, *,
                   status: int = 200, stale_changes: list | None = None) -> HttpResponse:
    context = {"form": form, "entry": entry, "stale_changes": stale_changes,
               "stale_history": changes_among(stale_changes or [], scopes=_people_scope(request))}
    return render(request, "tracker/ledger/activity_form.html", context, status=status)


def _activity_save(request: HttpRequest, entry: Activity | None) -> HttpResponse:
    """The ledger entry form on GET; on POST, save a new entry (`entry` None) or the changes to `entry`."""
    if request.method == "GET":
        return _activity_page(request, _activity_form(request, entry), entry)
    form = _activity_form(request, entry, data=request.POST, files=request.FILES)
    if form.is_valid():
        files = form.cleaned_data["files"]
        try:
            if entry is None:
                saved = activity_create(actor=request.user, fields=form.to_fields(), files=files)
            else:
                saved = activity_update(actor=request.user, activity=entry,
                                        loaded_version=form.cleaned_data["version"], fields=form.to_fields(),
                                        files=files)
        except StaleEditError as stale:  # only an edit can be stale
            entry = access.get_activity_for_user(request.user, entry.pk)
            form = refused_as_stale(request, stale, entry, lambda bound: _activity_form(request, entry, data=bound),
                                    files_dropped=bool(files))
            return _activity_page(request, form, entry, status=409, stale_changes=stale.changes)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The ledger entry “%(title)s” was saved.") % {"title": saved.title})
            return redirect(saved)
    return _activity_page(request, form, entry, status=400)


@require_http_methods(["GET", "POST"])
def activity_create_view(request: HttpRequest) -> HttpResponse:
    if not access.units_editable_by(request.user).exists():
        raise PermissionDenied
    return _activity_save(request, None)


@require_http_methods(["GET", "POST"])
def activity_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access.get_activity_for_user(request.user, pk)
    if not access.can_keep_unit_records(request.user, entry.unit):
        raise PermissionDenied
    return _activity_save(request, entry)
