from django.urls import path

from tracker.assessments.views import assessments, rectifications, reviews, standards
from tracker.plans import views as plans
from tracker.portal.views import evidence, home
from tracker.quotas import views as quotas
from tracker.reporting.views import dashboard, reminders
from tracker.roster import views as roster
from tracker.work.views import menus
from tracker.work.views import platforms as work

app_name = "tracker"

urlpatterns = [
    path("", home.home, name="home"),
    path("plans/", plans.plan_list, name="plan-list"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan-detail"),
    path("tasks/<int:pk>/", plans.task_detail, name="task-detail"),
    path("tasks/<int:pk>/updates/", plans.task_update_create, name="task-update-create"),
    path("evidence/<int:pk>/", evidence.evidence_download, name="evidence-download"),
    # roster and teams (views/roster.py)
    path("roster/", roster.volunteer_list, name="volunteer-list"),
    path("roster/new/", roster.volunteer_create_view, name="volunteer-create"),
    path("roster/<int:pk>/", roster.volunteer_detail, name="volunteer-detail"),
    path("roster/<int:pk>/edit/", roster.volunteer_update_view, name="volunteer-update"),
    path("roster/template.xlsx", roster.roster_template, name="roster-template"),
    path("roster/export.xlsx", roster.roster_export, name="roster-export"),
    path("roster/import/", roster.roster_import, name="roster-import"),
    path("roster/import/<int:pk>/confirm/", roster.roster_import_confirm, name="roster-import-confirm"),
    path("teams/", roster.team_list, name="team-list"),
    path("teams/<int:pk>/", roster.team_detail, name="team-detail"),
    path("teams/<int:pk>/members/", roster.team_membership_add_view, name="team-membership-add"),
    path("teams/<int:pk>/members/<int:membership_pk>/end/", roster.team_membership_end_view,
         name="team-membership-end"),
    # platforms and ledger (views/work.py)
    path("platforms/", work.platform_list, name="platform-list"),
    path("platforms/new/", work.platform_create_view, name="platform-create"),
    path("platforms/<int:pk>/", work.platform_detail, name="platform-detail"),
    path("platforms/<int:pk>/edit/", work.platform_update_view, name="platform-update"),
    path("ledger/", work.activity_list, name="activity-list"),
    path("ledger/new/", work.activity_create_view, name="activity-create"),
    path("ledger/export/", work.activity_export, name="activity-export"),
    path("ledger/<int:pk>/", work.activity_detail, name="activity-detail"),
    path("ledger/<int:pk>/edit/", work.activity_update_view, name="activity-update"),
    # double menus (views/menus.py)
    path("menus/", menus.menu_board, name="menu-board"),
    path("menus/needs/new/", menus.need_create, name="need-create"),
    path("menus/resources/new/", menus.resource_create, name="resource-create"),
    path("menus/matches/new/", menus.match_create, name="match-create"),
    path("menus/matches/<int:pk>/", menus.match_detail, name="match-detail"),
    path("menus/matches/<int:pk>/advance/", menus.match_advance, name="match-advance"),
    # quotas (views/quotas.py)
    path("quotas/", quotas.quota_list, name="quota-list"),
    path("quotas/<int:pk>/", quotas.quota_detail, name="quota-detail"),
    path("quotas/<int:pk>/entries/", quotas.quota_entry_create, name="quota-entry-create"),
    # standards (views/standards.py)
    path("standards/", standards.standard_list, name="standard-list"),
    path("standards/import/", standards.standard_import, name="standard-import"),
    path("standards/import/confirm/", standards.standard_import_confirm, name="standard-import-confirm"),
    path("standards/<int:pk>/", standards.standard_detail, name="standard-detail"),
    path("standards/<int:pk>/export.xlsx", standards.standard_export, name="standard-export"),
    # self-assessments (views/assessments.py)
    path("assessments/", assessments.round_list, name="round-list"),
    path("assessments/rounds/new/", assessments.round_create, name="round-create"),
    path("assessments/rounds/<int:pk>/", assessments.round_board, name="round-board"),
    path("assessments/rounds/<int:pk>/remind/", assessments.round_remind, name="round-remind"),
    path("assessments/rounds/<int:pk>/start/", assessments.assessment_start, name="assessment-start"),
    path("assessments/<int:pk>/", assessments.assessment_detail, name="assessment-detail"),
    path("assessments/<int:pk>/items/<int:entry_pk>/", assessments.assessment_item, name="assessment-item"),
    path("assessments/<int:pk>/items/<int:entry_pk>/review/", assessments.assessment_item_review,
         name="assessment-item-review"),
    path("assessments/<int:pk>/report/", assessments.assessment_report, name="assessment-report"),
    path("assessments/<int:pk>/transition/", assessments.assessment_transition, name="assessment-transition"),
    # rectifications and reviews (views/rectifications.py, views/reviews.py)
    path("rectifications/", rectifications.rectification_list, name="rectification-list"),
    path("rectifications/new/", rectifications.rectification_create_view, name="rectification-create"),
    path("rectifications/<int:pk>/", rectifications.rectification_detail, name="rectification-detail"),
    path("rectifications/<int:pk>/advance/", rectifications.rectification_advance_view,
         name="rectification-advance"),
    path("rectifications/<int:pk>/reassign/", rectifications.rectification_reassign_view,
         name="rectification-reassign"),
    path("reviews/", reviews.review_list, name="review-list"),
    path("reviews/new/", reviews.review_create_view, name="review-create"),
    path("reviews/<int:pk>/", reviews.review_detail, name="review-detail"),
    path("reviews/<int:pk>/steps/<int:step_pk>/", reviews.review_step_view, name="review-step"),
    path("reviews/<int:pk>/opinions/", reviews.review_opinion_create, name="review-opinion-create"),
    # dashboard, reports and snapshots (views/dashboard.py)
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/colleges/<int:pk>/", dashboard.dashboard_college, name="dashboard-college"),
    path("dashboard/tables.xlsx", dashboard.dashboard_export, name="dashboard-export"),
    path("dashboard/annual-report.docx", dashboard.annual_report, name="annual-report"),
    path("dashboard/review-file.docx", dashboard.review_file, name="review-file"),
    path("dashboard/snapshots/", dashboard.snapshot_list, name="snapshot-list"),
    path("dashboard/snapshots/<int:pk>/", dashboard.snapshot_detail, name="snapshot-detail"),
    path("dashboard/snapshots/<int:pk>/tables.xlsx", dashboard.snapshot_export, name="snapshot-export"),
    path("plans/<int:pk>/export.xlsx", dashboard.plan_export, name="plan-export"),
    # reminders (views/reminders.py)
    path("reminders/", reminders.reminder_list, name="reminder-list"),
]
