"""The leaders' dashboard, one college's page, reporting snapshots, and the exports (xlsx, docx)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from tracker import access
from tracker.org.forms import DateField
from tracker.org.ids import as_id
from tracker.org.jsondata import to_json
from tracker.org.models import Institution
from tracker.plans.timeline import render_timeline
from tracker.reporting import docx as report_docx
from tracker.reporting.dashboard import LIST_LIMIT, Dashboard, build_dashboard, from_json, kept_body
from tracker.reporting.dashboard_xlsx import dashboard_workbook
from tracker.reporting.models import ReportSnapshot
from tracker.reporting.plan_xlsx import export_filename, plan_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EARLIEST = dt.date(2015, 1, 1)


class AsOfForm(forms.Form):
    as_of = DateField(label=gettext_lazy("Figures as of"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(_("Choose today or a day in the past."))
        if day is not None and day < EARLIEST:
            raise forms.ValidationError(_("The portal holds no records before %(year)s.") % {"year": EARLIEST.year})
        return day


class SnapshotForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the snapshot"), max_length=100,
                           help_text=gettext_lazy("For example “2021年度工作汇报数据”."))
    # Its own id: the dashboard shows this form beside AsOfForm, whose visible as_of field has id_as_of.
    as_of = DateField(widget=forms.HiddenInput(attrs={"id": "id_snapshot_as_of"}), required=False)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _institution(request: HttpRequest) -> Institution:
    """The institution whose dashboard is asked for: one's own; an administrator chooses (default: the first)."""
    institutions = access.dashboard_institutions(request.user)
    if not access.can_see_dashboard(request.user):
        raise PermissionDenied
    chosen = request.GET.get("institution") or request.POST.get("institution")
    profile = access.profile_of(request.user)
    if not access.is_admin(request.user) and profile is not None and profile.institution is not None:
        # One's own institution, loaded with the profile: no query of its own.
        if chosen and str(chosen) != str(profile.institution_id):
            raise Http404
        return profile.institution
    if chosen:
        return get_object_or_404(institutions, pk=as_id(chosen) or 0)
    institution = institutions.first()
    if institution is None:
        raise PermissionDenied
    return institution


def _as_of(request: HttpRequest) -> tuple[AsOfForm, dt.date | None]:
    form = AsOfForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["as_of"]
    return form, None


def _draw_body(dashboard: Dashboard) -> str:
    return render_to_string("tracker/dashboard/_body.html", {
        "dashboard": dashboard,
        "timelines": [(timeline, render_timeline(timeline, dashboard.as_of)) for timeline in dashboard.timelines],
        "list_limit": LIST_LIMIT,
    })


def _body(dashboard: Dashboard) -> str:
    """The page's figures, timelines, lists and tables: the same for everyone who sees this dashboard, so drawn once
    per kept dashboard and kept in the cache beside it (`kept_body`), for every server. A kept dashboard is keyed by
    the data's version, the language and the URL prefix, which is all this part depends on; a snapshot's dashboard
    is drawn each request."""
    return kept_body(dashboard, _draw_body)


def _page(request: HttpRequest, dashboard: Dashboard, *, snapshot: ReportSnapshot | None = None,
          as_of_form: AsOfForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    work_areas = dashboard.work_areas
    dashboard, work_area = _in_work_area(request, dashboard)
    context = {
        "dashboard": dashboard,
        "body": _body(dashboard),
        "work_areas": work_areas,
        "work_area": work_area,
        "snapshot": snapshot,
        "as_of_form": as_of_form,
        "snapshot_form": (SnapshotForm(initial={"as_of": dashboard.as_of})
                          if snapshot is None and access.can_freeze_snapshot(user, dashboard.institution_id)
                          else None),
        "institutions": access.dashboard_institutions(user) if access.is_admin(user) else None,
        "can_see_dashboard": access.can_see_dashboard(user),
    }
    return render(request, "tracker/dashboard/dashboard.html", context, status=status)


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    if access.role_of(user) == access.Role.SECRETARY:
        return redirect("tracker:dashboard-college", access.profile_of(user).unit_id)
    institution = _institution(request)
    form, as_of = _as_of(request)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return _page(request, build_dashboard(institution, as_of), as_of_form=form, status=status)


def _in_work_area(request: HttpRequest, dashboard: Dashboard) -> tuple[Dashboard, str]:
    """The dashboard with its due lists narrowed to the work area asked for (?work_area=队伍建设), if it has it."""
    area = request.GET.get("work_area", "")
    if area and area in dashboard.work_areas:
        return dashboard.in_work_area(area), area
    return dashboard, ""


@require_GET
def dashboard_college(request: HttpRequest, pk: int) -> HttpResponse:
    college = access.get_college_for_dashboard(request.user, pk)
    form, as_of = _as_of(request)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return _page(request, build_dashboard(college.institution, as_of, unit=college), as_of_form=form, status=status)


@require_GET
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """The dashboard's tables as xlsx (of the college with ?unit=, as of ?as_of=)."""
    unit_pk = request.GET.get("unit")
    if unit_pk:
        college = access.get_college_for_dashboard(request.user, as_id(unit_pk) or 0)
        institution, unit = college.institution, college
    else:
        institution, unit = _institution(request), None
    _form, as_of = _as_of(request)
    data = build_dashboard(institution, as_of, unit=unit)
    name = f"{institution.name}{unit.label if unit else ''}优质化建设总览_{data.as_of:%Y-%m-%d}.xlsx"
    return _download(dashboard_workbook(data), XLSX, name)


@require_GET
def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's task table in the 推进表 layout, with status, progress, done date and lead unit."""
    plan = access.get_plan_for_user(request.user, pk)
    today = timezone.localdate()
    return _download(plan_workbook(plan, today), XLSX, export_filename(plan, today))


@require_GET
def annual_report(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    today = timezone.localdate()
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and EARLIEST.year <= int(year) <= today.year else today.year
    content = report_docx.annual_report(institution, year, today)
    return _download(content, DOCX, f"{institution.name}关工委{year}年度工作汇报.docx")


@require_GET
def review_file(request: HttpRequest) -> HttpResponse:
    institution = _institution(request)
    today = timezone.localdate()
    content = report_docx.review_file(institution, today)
    return _download(content, DOCX, f"{institution.name}关工委优质化建设申报材料_{today:%Y-%m-%d}.docx")


@require_http_methods(["GET", "POST"])
def snapshot_list(request: HttpRequest) -> HttpResponse:
    """GET: the frozen snapshots. POST: freeze the dashboard as of a day under a name (committee staff)."""
    user = request.user
    institution = _institution(request)
    form = SnapshotForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not access.can_freeze_snapshot(user, institution.pk):
            raise PermissionDenied
        if form.is_valid():
            as_of = form.cleaned_data["as_of"] or timezone.localdate()
            as_of = min(as_of, timezone.localdate())
            data = build_dashboard(institution, as_of)
            try:
                with transaction.atomic():
                    snapshot = ReportSnapshot.objects.create(
                        institution=institution, name=form.cleaned_data["name"].strip(), as_of=as_of,
                        data=to_json(data), created_by=user)
            except IntegrityError:
                form.add_error("name", _("A snapshot of this name exists already; choose another name."))
            else:
                messages.success(request, _("The figures as of %(day)s were frozen as “%(name)s”.")
                                 % {"day": f"{as_of:%Y-%m-%d}", "name": snapshot.name})
                return redirect(snapshot)
        status = 400
    snapshots = access.snapshots_visible_to(user).filter(institution=institution).select_related("created_by")
    context = {"institution": institution, "snapshots": snapshots, "form": form,
               "can_freeze": access.can_freeze_snapshot(user, institution.pk)}
    return render(request, "tracker/dashboard/snapshot_list.html", context, status=status)


def _snapshot(request: HttpRequest, pk: int) -> ReportSnapshot:
    if not access.can_see_dashboard(request.user):
        raise PermissionDenied
    return get_object_or_404(access.snapshots_visible_to(request.user).select_related("created_by"), pk=pk)


@require_GET
def snapshot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = _snapshot(request, pk)
    return _page(request, from_json(snapshot.data), snapshot=snapshot)


@require_GET
def snapshot_export(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = _snapshot(request, pk)
    content = dashboard_workbook(from_json(snapshot.data), title=snapshot.name)
    return _download(content, XLSX, f"{snapshot.name}_{snapshot.as_of:%Y-%m-%d}.xlsx")
