"""The dashboard, reports, snapshots and reminders. Included by tracker/urls.py under the `tracker:` names."""

from django.urls import path

from tracker.reporting.views import dashboard, exports, reminders

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/colleges/<id:pk>/", dashboard.dashboard_college, name="dashboard-college"),
    path("dashboard/tables.xlsx", dashboard.dashboard_export, name="dashboard-export"),
    path("dashboard/annual-report.docx", dashboard.annual_report, name="annual-report"),
    path("dashboard/review-file.docx", dashboard.review_file, name="review-file"),
    path("dashboard/snapshots/", dashboard.snapshot_list, name="snapshot-list"),
    path("dashboard/snapshots/<id:pk>/", dashboard.snapshot_detail, name="snapshot-detail"),
    path("dashboard/snapshots/<id:pk>/tables.xlsx", dashboard.snapshot_export, name="snapshot-export"),
    path("plans/<id:pk>/export.xlsx", dashboard.plan_export, name="plan-export"),
    path("reminders/", reminders.reminder_list, name="reminder-list"),
    # issue 18, the task queue: long exports as jobs
    path("exports/", exports.export_list, name="export-list"),
    path("exports/start/", exports.export_start, name="export-start"),
    path("exports/<uuid:token>/", exports.export_job, name="export-job"),
    path("exports/<uuid:token>/download/", exports.export_download, name="export-download"),
]
