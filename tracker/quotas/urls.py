"""Quotas. Included by tracker/urls.py under the `tracker:` names."""

from django.urls import path

from tracker.quotas import views as quotas

urlpatterns = [
    path("quotas/", quotas.quota_list, name="quota-list"),
    path("quotas/<id:pk>/", quotas.quota_detail, name="quota-detail"),
    path("quotas/<id:pk>/entries/", quotas.quota_entry_create, name="quota-entry-create"),
]
