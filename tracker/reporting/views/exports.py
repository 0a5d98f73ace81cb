"""Long exports as jobs: the exports page (my recent jobs, start one), a job's page with its progress bar (htmx asks
for the bar again every two seconds while the job is queued or running), and the download of its file.

The file is read from the media storage by the download view, which checks who asks: never a public MEDIA URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tracker import access
from tracker.org.ids import as_id
from tracker.reporting.exports import export_job_start
from tracker.reporting.models import ExportJob

LIST_LIMIT = 20  # the recent jobs the page lists
POLL_SECONDS = 2


def _exporter(request: HttpRequest) -> None:
    if not access.can_export(request.user):
        raise PermissionDenied


@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    """My recent export jobs, and the buttons that start one."""
    _exporter(request)
    user = request.user
    jobs = list(access.export_jobs_visible_to(user).select_related("institution")[:LIST_LIMIT])
    institutions = list(access.export_institutions(user))
    chosen = as_id(request.GET.get("institution"))
    context = {
        "jobs": jobs,
        "institutions": institutions,
        "chosen": next((institution for institution in institutions if institution.pk == chosen),
                       institutions[0] if institutions else None),
        "can_export_every": access.can_export_every_institution(user),
    }
    return render(request, "tracker/exports/export_list.html", context)


@require_POST
def export_start(request: HttpRequest) -> HttpResponse:
    """Queue an export (kind=institution with institution=<id>, or kind=every_institution) and show its job; while
    the same export of this person's is queued or running, show that one instead of queueing another."""
    _exporter(request)
    user = request.user
    kind = request.POST.get("kind", ExportJob.Kind.INSTITUTION)
    if kind == ExportJob.Kind.EVERY_INSTITUTION:
        if not access.can_export_every_institution(user):
            raise PermissionDenied
        institution = None
    elif kind == ExportJob.Kind.INSTITUTION:
        institutions = access.export_institutions(user)
        chosen = request.POST.get("institution")
        if chosen:
            institution = get_object_or_404(institutions, pk=as_id(chosen) or 0)
        else:
            institution = institutions.first()
            if institution is None:
                raise PermissionDenied
    else:
        return HttpResponseBadRequest(_("Choose what to export."))
    job, created = export_job_start(actor=user, kind=kind, institution=institution)
    if created:
        messages.success(request, _("The export has started. You may leave this page: it goes on, and the file "
                                    "waits for you on the exports page."))
    else:
        messages.info(request, _("The same export is already under way; here is its progress."))
    return redirect(job)


@require_GET
def export_job(request: HttpRequest, token) -> HttpResponse:
    """The job's page; asked by htmx (HX-Request), only its progress part."""
    _exporter(request)
    job = access.get_export_job_for_user(request.user, token)
    context = {"job": job, "poll_seconds": POLL_SECONDS}
    if request.headers.get("HX-Request"):
        response = render(request, "tracker/exports/_job_status.html", context)
    else:
        response = render(request, "tracker/exports/export_job.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def export_download(request: HttpRequest, token) -> FileResponse:
    """The finished job's .zip, read from the media storage for the person who asked for it."""
    _exporter(request)
    job = access.get_export_job_for_user(request.user, token)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=job.download_name, content_type="application/zip")
