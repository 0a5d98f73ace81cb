"""The home page and evidence downloads. Included by tracker/urls.py under the `tracker:` names."""

from django.urls import path

from tracker.portal.views import evidence, home

urlpatterns = [
    path("", home.home, name="home"),
    path("evidence/<id:pk>/", evidence.evidence_download, name="evidence-download"),
]
