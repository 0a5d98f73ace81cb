"""Quotas. Included by tracker/urls.py under the `tracker:` names."""

from django.urls import path

from tracker.quotas import views as quotas

urlpatterns = [
    path("quotas/", quotas.quota_list, name="quota-list"),
    path("quotas/<int:pk>/", quotas.quota_detail, name="quota-detail"),
    path("quotas/<int:pk>/entries/", quotas.quota_entry_create, name="quota-entry-create"),
]
