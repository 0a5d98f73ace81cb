"""The roster and teams. Included by tracker/urls.py under the `tracker:` names."""

from django.urls import path

from tracker.roster import views as roster

urlpatterns = [
    path("roster/", roster.volunteer_list, name="volunteer-list"),
    path("roster/new/", roster.volunteer_create_view, name="volunteer-create"),
    path("roster/<id:pk>/", roster.volunteer_detail, name="volunteer-detail"),
    path("roster/<id:pk>/edit/", roster.volunteer_update_view, name="volunteer-update"),
    path("roster/template.xlsx", roster.roster_template, name="roster-template"),
    path("roster/export.xlsx", roster.roster_export, name="roster-export"),
    path("roster/import/", roster.roster_import, name="roster-import"),
    path("roster/import/<id:pk>/confirm/", roster.roster_import_confirm, name="roster-import-confirm"),
    path("teams/", roster.team_list, name="team-list"),
    path("teams/<id:pk>/", roster.team_detail, name="team-detail"),
    path("teams/<id:pk>/members/", roster.team_membership_add_view, name="team-membership-add"),
    path("teams/<id:pk>/members/<id:membership_pk>/end/", roster.team_membership_end_view,
         name="team-membership-end"),
]
