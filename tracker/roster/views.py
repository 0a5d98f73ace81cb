"""The volunteer roster (花名册), its xlsx template, export and import, and the standing teams (队伍).

A secretary or liaison sees and keeps only her own unit's people; staff keep every unit's; leaders read all
but phone numbers. The create and edit pages show their form on GET and save on POST.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker import access
from tracker.org.forms import add_errors
from tracker.org.history import changes_among, changes_for
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.org.versions import StaleEditError, refused_as_stale
from tracker.roster import xlsx as roster_xlsx
from tracker.roster.forms import (
    MembershipAddForm,
    MembershipEndForm,
    RosterFilterForm,
    RosterUploadForm,
    VolunteerForm,
)
from tracker.roster.models import Team, TeamMembership, Volunteer
from tracker.roster.querysets import (
    memberships_for_page,
    teams_with_member_counts,
    volunteers_for_choice,
    volunteers_for_roster_page,
)
from tracker.roster.services import (
    roster_import_apply,
    roster_import_preview,
    roster_import_stage,
    team_membership_add,
    team_membership_end,
    volunteer_create,
    volunteer_update,
)

ROSTER_PAGE_SIZE = 50
PREVIEW_LIMIT = 200  # rows to add / change listed on the preview; errors are always listed in full


def _roster_filters(request: HttpRequest) -> RosterFilterForm:
    """The filter form; units to choose from only for those who see more than their own unit."""
    user = request.user
    units = None
    if access.role_of(user) not in (Profile.Role.SECRETARY, Profile.Role.LIAISON):
        units = list(
            access.units_visible_to(user).exclude(kind__in=OrgUnit.OUTSIDE_KINDS).select_related("institution")
            .order_by("institution__code", "kind", "order", "name")
        )
    return RosterFilterForm(request.GET or None, units=units)


def _import_institutions(user: access.User) -> QuerySet[Institution]:
    """The institutions in which the user keeps at least one unit's roster."""
    return access.institutions_visible_to(user).filter(
        units__in=access.units_editable_by(user)
    ).distinct().order_by("code")


@dataclass
class RosterRow:
    """A roster line with its labels worked out here: the template then only prints (50 rows × 11 cells)."""

    volunteer: Volunteer
    phone_visible: bool
    gender: str = ""
    category: str = ""
    layer: str = ""
    specialities: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, volunteer: Volunteer, phone_visible: bool) -> RosterRow:
        return cls(
            volunteer, phone_visible,
            gender=volunteer.get_gender_display(), category=volunteer.get_category_display(),
            layer=volunteer.get_layer_display(),
            specialities=[tag.name for tag in volunteer.specialities.all()],
            teams=[membership.team.name for membership in volunteer.current_teams],
        )


def volunteer_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filters = _roster_filters(request)
    volunteers = filters.apply(access.volunteers_visible_to(user))
    counts = volunteers.aggregate(
        total=Count("pk"),
        eligible=Count("pk", filter=Q(eligible=True)),
        participating=Count("pk", filter=Q(participating=True)),
        backbone=Count("pk", filter=Q(backbone=True)),
    )
    page = Paginator(volunteers_for_roster_page(volunteers), ROSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [RosterRow.of(volunteer, access.can_see_phone(user, volunteer)) for volunteer in page]
    context = {
        "filters": filters,
        "page": page,
        "rows": rows,
        "counts": counts,
        "show_phone": any(row.phone_visible for row in rows),
        "show_unit": "unit" in filters.fields,
        "can_add": access.units_editable_by(user).exists(),
        "is_filtered": bool(request.GET.keys() - {"page"}),
    }
    return render(request, "tracker/roster/volunteer_list.html", context)


def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    volunteer = access.get_volunteer_for_user(user, pk)
    can_edit = access.can_keep_unit_records(user, volunteer.unit)
    memberships = list(memberships_for_page(volunteer.memberships.all()))
    for membership in memberships:
        membership.end_form = MembershipEndForm(membership=membership) if can_edit and not membership.left_on else None
    phone_visible = access.can_see_phone(user, volunteer)
    context = {
        "volunteer": volunteer,
        "phone_visible": phone_visible,
        "can_edit": can_edit,
        "specialities": list(volunteer.specialities.all()),
        "memberships": memberships,
        "history": changes_for(volunteer, hidden=() if phone_visible else {"phone"}),
    }
    return render(request, "tracker/roster/volunteer_detail.html", context)


def _form_page(request: HttpRequest, form: VolunteerForm, volunteer: Volunteer | None, *, status: int = 200,
               stale_changes: list | None = None) -> HttpResponse:
    context = {"form": form, "volunteer": volunteer, "stale_changes": stale_changes,
               "stale_history": changes_among(stale_changes or [])}  # an editor may see the phone
    return render(request, "tracker/roster/volunteer_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def volunteer_create_view(request: HttpRequest) -> HttpResponse:
    units = access.units_editable_by(request.user).order_by("institution_id", "kind", "order", "name")
    if not units.exists():
        raise PermissionDenied
    if request.method == "GET":
        return _form_page(request, VolunteerForm(units=units), None)
    form = VolunteerForm(request.POST, units=units)
    if not form.is_valid():
        return _form_page(request, form, None, status=400)
    try:
        volunteer = volunteer_create(actor=request.user, data=form.to_data())
    except ValidationError as error:
        add_errors(form, error)
        return _form_page(request, form, None, status=400)
    messages.success(request, _("%(name)s was added to the roster.") % {"name": volunteer.name})
    return redirect(volunteer)


@require_http_methods(["GET", "POST"])
def volunteer_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = access.get_volunteer_for_user(request.user, pk)
    if not access.can_keep_unit_records(request.user, volunteer.unit):
        raise PermissionDenied
    units = access.units_editable_by(request.user).order_by("institution_id", "kind", "order", "name")
    if request.method == "GET":
        return _form_page(request, VolunteerForm(units=units, volunteer=volunteer), volunteer)
    form = VolunteerForm(request.POST, units=units, volunteer=volunteer)
    if not form.is_valid() or form.cleaned_data["version"] is None:
        if form.is_valid():
            form.add_error(None, _("The form is missing its version; reload the page and try again."))
        return _form_page(request, form, volunteer, status=400)
    try:
        volunteer = volunteer_update(
            actor=request.user, volunteer=volunteer, loaded_version=form.cleaned_data["version"],
            data=form.to_data(),
        )
    except StaleEditError as stale:
        volunteer = access.get_volunteer_for_user(request.user, pk)
        form = refused_as_stale(request, stale, volunteer,
                                lambda bound: VolunteerForm(bound, units=units, volunteer=volunteer))
        return _form_page(request, form, volunteer, status=409, stale_changes=stale.changes)
    except ValidationError as error:
        add_errors(form, error)
        return _form_page(request, form, volunteer, status=400)
    messages.success(request, _("The record of %(name)s was saved.") % {"name": volunteer.name})
    return redirect(volunteer)


# --- xlsx ---------------------------------------------------------------------------------------


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=roster_xlsx.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@require_GET
def roster_template(request: HttpRequest) -> HttpResponse:
    content = roster_xlsx.write_roster([], columns=roster_xlsx.COLUMNS, notes=roster_xlsx.template_notes())
    return _xlsx_response(content, "花名册模板.xlsx")


@require_GET
def roster_export(request: HttpRequest) -> HttpResponse:
    """The roster the user sees (with the page's filters) in the template's layout, so it can be edited and
    imported again. Leaders' files have no phone column; others get phones only where they may see them."""
    user = request.user
    volunteers = _roster_filters(request).apply(access.volunteers_visible_to(user)).for_roster()
    content = roster_xlsx.export_for(user, volunteers.iterator(chunk_size=2000))
    return _xlsx_response(content, f"花名册-{timezone.localdate():%Y%m%d}.xlsx")


def _import_page(request: HttpRequest, form: RosterUploadForm, *, preview=None, status: int = 200,
                 problem: str | None = None) -> HttpResponse:
    context = {"form": form, "preview": preview, "problem": problem, "preview_limit": PREVIEW_LIMIT,
               "columns": roster_xlsx.COLUMNS}
    return render(request, "tracker/roster/roster_import.html", context, status=status)


@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check every row and show the preview; nothing reaches the roster yet."""
    user = request.user
    institutions = _import_institutions(user)
    if not institutions.exists():
        raise PermissionDenied
    if request.method == "GET":
        return _import_page(request, RosterUploadForm(institutions=institutions))
    form = RosterUploadForm(request.POST, request.FILES, institutions=institutions)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    preview = roster_import_stage(actor=user, upload=form.cleaned_data["file"],
                                  institution=form.cleaned_data["institution"])
    form = RosterUploadForm(institutions=institutions)
    return _import_page(request, form, preview=preview, status=400 if preview.has_errors else 200)


@require_http_methods(["GET", "POST"])
def roster_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply a checked file: only its uploader, only once, only if it had no errors (no stored import otherwise).
    GET (issue 15: from the uploader's to-do list): the file's preview again, with the button that applies it."""
    user = request.user
    if request.method == "GET":
        record = get_object_or_404(user.roster_imports.filter(applied_at__isnull=True), pk=pk)
        form = RosterUploadForm(institutions=_import_institutions(user))
        return _import_page(request, form, preview=roster_import_preview(roster_import=record))
    record = get_object_or_404(user.roster_imports.all(), pk=pk)
    try:
        result = roster_import_apply(actor=user, roster_import=record)
    except ValidationError as error:
        return _import_page(request, RosterUploadForm(institutions=_import_institutions(user)), status=409,
                            problem=" ".join(error.messages))
    messages.success(
        request,
        _("The roster was updated from %(file)s: %(created)s added, %(updated)s changed.")
        % {"file": record.file_name, "created": result.created, "updated": result.updated},
    )
    return redirect("tracker:volunteer-list")


# --- Teams --------------------------------------------------------------------------------------


def team_list(request: HttpRequest) -> HttpResponse:
    teams = list(teams_with_member_counts(access.teams_visible_to(request.user)))
    institutions = {team.institution_id for team in teams}
    return render(request, "tracker/roster/team_list.html",
                  {"teams": teams, "show_institution": len(institutions) > 1})


def _keepable_volunteers(request: HttpRequest, team: Team):
    """Volunteers the user may put in this team: her own units' people who are not current members."""
    user = request.user
    current = team.memberships.filter(left_on__isnull=True).values("volunteer_id")
    keepable = access.volunteers_visible_to(user).filter(
        institution_id=team.institution_id, unit__in=access.units_editable_by(user),
    ).exclude(pk__in=current)
    return volunteers_for_choice(keepable)


def _team_page(request: HttpRequest, team: Team, *, add_form: MembershipAddForm | None = None,
               end_form: tuple[int, MembershipEndForm] | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    visible = access.volunteers_visible_to(user)
    memberships = list(memberships_for_page(team.memberships.filter(volunteer__in=visible)))
    hidden = team.memberships.exclude(volunteer__in=visible).aggregate(
        current=Count("pk", filter=Q(left_on__isnull=True)), past=Count("pk", filter=Q(left_on__isnull=False)),
    )
    can_add = access.units_editable_by(user).filter(institution_id=team.institution_id).exists()
    if can_add and add_form is None:
        add_form = MembershipAddForm(volunteers=_keepable_volunteers(request, team))
    current = [m for m in memberships if m.left_on is None]
    end_forms = {m.pk: MembershipEndForm(membership=m) for m in current
                 if access.can_keep_unit_records(user, m.volunteer.unit)}
    if end_form is not None:
        end_forms[end_form[0]] = end_form[1]
    for membership in current:
        membership.end_form = end_forms.get(membership.pk)
    context = {
        "team": team,
        "current": current,
        "past": [m for m in memberships if m.left_on is not None],
        "hidden": hidden,
        "add_form": add_form if can_add else None,
        "end_forms": end_forms,
        "history": changes_for(team),
    }
    return render(request, "tracker/roster/team_detail.html", context, status=status)


def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _team_page(request, access.get_team_for_user(request.user, pk))


@require_POST
def team_membership_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    team = access.get_team_for_user(user, pk)
    if not access.units_editable_by(user).filter(institution_id=team.institution_id).exists():
        raise PermissionDenied
    form = MembershipAddForm(request.POST, volunteers=_keepable_volunteers(request, team))
    if not form.is_valid():
        return _team_page(request, team, add_form=form, status=400)
    try:
        membership = team_membership_add(actor=user, team=team, volunteer=form.cleaned_data["volunteer"],
                                         joined_on=form.cleaned_data["joined_on"])
    except ValidationError as error:
        add_errors(form, error)
        return _team_page(request, team, add_form=form, status=400)
    messages.success(request, _("%(name)s joined %(team)s.") % {"name": membership.volunteer.name, "team": team.name})
    return redirect(team)


@require_POST
def team_membership_end_view(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    user = request.user
    team = access.get_team_for_user(user, pk)
    visible = TeamMembership.objects.filter(team=team, volunteer__in=access.volunteers_visible_to(user))
    membership = get_object_or_404(visible.select_related("volunteer__unit"), pk=membership_pk)
    if not access.can_keep_unit_records(user, membership.volunteer.unit):
        raise PermissionDenied
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = team.get_absolute_url()
    form = MembershipEndForm(request.POST, membership=membership)
    if form.is_valid():
        try:
            team_membership_end(actor=user, membership=membership, left_on=form.cleaned_data["left_on"])
        except ValidationError as error:
            add_errors(form, error)
    if form.errors:
        return _team_page(request, team, end_form=(membership.pk, form), status=400)
    messages.success(request, _("%(name)s left %(team)s.") % {"name": membership.volunteer.name, "team": team.name})
    return redirect(back)
