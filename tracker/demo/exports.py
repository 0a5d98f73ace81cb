"""The demo's export: 中国矿业大学's whole file (全校资料包), made once for the committee staff account, so the
exports page and a finished job's page (progress, download) have something to show. Built by the same run the task
queue's worker makes (reporting/exports.py); a second run changes nothing."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from tracker.org.models import Institution
from tracker.reporting.exports import export_job_run
from tracker.reporting.models import ExportJob


def seed_exports_demo() -> None:
    staff = get_user_model().objects.filter(username="staff").first()
    institution = Institution.objects.filter(code="cumt").first()
    if staff is None or institution is None or ExportJob.objects.filter(requested_by=staff).exists():
        return
    job = ExportJob.objects.create(requested_by=staff, kind=ExportJob.Kind.INSTITUTION, institution=institution)
    export_job_run(job_id=job.pk)
