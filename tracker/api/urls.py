"""The API's URLs, at /api/v1/ under the `api:` namespace (youthwork/urls.py), and the token pages of
"我的账号" (`token_urlpatterns`, beside the other account pages)."""

from django.urls import path

from tracker.api.views import docs, files, reads, tokens, writes

app_name = "api"

urlpatterns = [
    path("institutions/", reads.InstitutionList.as_view(), name="institution-list"),
    path("institutions/<id:pk>/", reads.InstitutionDetail.as_view(), name="institution-detail"),
    path("units/", reads.UnitList.as_view(), name="unit-list"),
    path("units/<id:pk>/", reads.UnitDetail.as_view(), name="unit-detail"),
    path("plans/", reads.PlanList.as_view(), name="plan-list"),
    path("plans/<id:pk>/", reads.PlanDetail.as_view(), name="plan-detail"),
    path("tasks/", reads.TaskList.as_view(), name="task-list"),
    path("tasks/<id:pk>/", reads.TaskDetail.as_view(), name="task-detail"),
    path("tasks/<id:pk>/updates/", writes.TaskUpdates.as_view(), name="task-updates"),
    path("quotas/", reads.QuotaList.as_view(), name="quota-list"),
    path("quotas/<id:pk>/", reads.QuotaDetail.as_view(), name="quota-detail"),
    path("volunteers/", reads.VolunteerList.as_view(), name="volunteer-list"),
    path("volunteers/<id:pk>/", reads.VolunteerDetail.as_view(), name="volunteer-detail"),
    path("platforms/", reads.PlatformList.as_view(), name="platform-list"),
    path("platforms/<id:pk>/", reads.PlatformDetail.as_view(), name="platform-detail"),
    path("ledger/", writes.Ledger.as_view(), name="activity-list"),
    path("ledger/<id:pk>/", writes.LedgerEntry.as_view(), name="activity-detail"),
    path("assessments/", reads.AssessmentList.as_view(), name="assessment-list"),
    path("assessments/<id:pk>/", reads.AssessmentDetail.as_view(), name="assessment-detail"),
    path("rectifications/", reads.RectificationList.as_view(), name="rectification-list"),
    path("rectifications/<id:pk>/", reads.RectificationDetail.as_view(), name="rectification-detail"),
    path("reviews/", reads.ReviewList.as_view(), name="review-list"),
    path("reviews/<id:pk>/", reads.ReviewDetail.as_view(), name="review-detail"),
    path("evidence/<id:pk>/", files.EvidenceDownload.as_view(), name="evidence-download"),
    path("dashboard/", reads.DashboardView.as_view(), name="dashboard"),
    path("snapshots/", reads.SnapshotList.as_view(), name="snapshot-list"),
    path("snapshots/<id:pk>/", reads.SnapshotDetail.as_view(), name="snapshot-detail"),
    path("schema/", docs.Schema.as_view(), name="schema"),
    path("docs/", docs.Docs.as_view(), name="docs"),
]

token_urlpatterns = [
    path("accounts/api-tokens/", tokens.api_tokens, name="api_tokens"),
    path("accounts/api-tokens/<id:pk>/revoke/", tokens.api_token_revoke_view, name="api_token_revoke"),
]
