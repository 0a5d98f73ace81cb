"""Work platforms, the ledger and the double menus. Included by tracker/urls.py under the `tracker:` names."""

from django.urls import path

from tracker.work.views import menus
from tracker.work.views import platforms as work

urlpatterns = [
    path("platforms/", work.platform_list, name="platform-list"),
    path("platforms/new/", work.platform_create_view, name="platform-create"),
    path("platforms/<id:pk>/", work.platform_detail, name="platform-detail"),
    path("platforms/<id:pk>/edit/", work.platform_update_view, name="platform-update"),
    path("ledger/", work.activity_list, name="activity-list"),
    path("ledger/new/", work.activity_create_view, name="activity-create"),
    path("ledger/export/", work.activity_export, name="activity-export"),
    path("ledger/<id:pk>/", work.activity_detail, name="activity-detail"),
    path("ledger/<id:pk>/edit/", work.activity_update_view, name="activity-update"),
    path("menus/", menus.menu_board, name="menu-board"),
    path("menus/needs/new/", menus.need_create, name="need-create"),
    path("menus/resources/new/", menus.resource_create, name="resource-create"),
    path("menus/matches/new/", menus.match_create, name="match-create"),
    path("menus/matches/<id:pk>/", menus.match_detail, name="match-detail"),
    path("menus/matches/<id:pk>/advance/", menus.match_advance, name="match-advance"),
]
