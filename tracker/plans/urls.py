"""Plans and tasks. Included by tracker/urls.py under the `tracker:` names."""

from django.urls import path

from tracker.plans import editor, import_views
from tracker.plans import views as plans

urlpatterns = [
    path("plans/", plans.plan_list, name="plan-list"),
    path("plans/<id:pk>/", plans.plan_detail, name="plan-detail"),
    path("plans/<id:pk>/copy/", plans.plan_copy, name="plan-copy"),  # copy forward to a new cycle
    path("tasks/<id:pk>/", plans.task_detail, name="task-detail"),
    path("tasks/<id:pk>/updates/", plans.task_update_create, name="task-update-create"),
    # --- plan editor ---
    path("plans/new/", editor.plan_create, name="plan-create"),
    path("plans/<id:pk>/edit/", editor.plan_editor, name="plan-editor"),
    path("plans/<id:pk>/edit/plan/", editor.plan_update, name="plan-update"),
    path("plans/<id:pk>/phases/new/", editor.phase_create, name="phase-create"),
    path("plans/<id:pk>/tasks/new/", editor.task_create, name="task-create"),
    path("plans/<id:pk>/work-areas/new/", editor.work_area_create, name="work-area-create"),
    path("phases/<id:pk>/edit/", editor.phase_update, name="phase-update"),
    path("phases/<id:pk>/move/", editor.phase_move, name="phase-move"),
    path("phases/<id:pk>/delete/", editor.phase_delete, name="phase-delete"),
    path("phases/<id:pk>/stages/new/", editor.stage_create, name="stage-create"),
    path("stages/<id:pk>/edit/", editor.stage_update, name="stage-update"),
    path("stages/<id:pk>/move/", editor.stage_move, name="stage-move"),
    path("stages/<id:pk>/delete/", editor.stage_delete, name="stage-delete"),
    path("tasks/<id:pk>/edit/", editor.task_edit, name="task-edit"),
    path("tasks/<id:pk>/move/", editor.task_move, name="task-move"),
    path("tasks/<id:pk>/delete/", editor.task_delete, name="task-delete"),
    path("work-areas/<id:pk>/rename/", editor.work_area_rename, name="work-area-rename"),
    path("work-areas/<id:pk>/move/", editor.work_area_move, name="work-area-move"),
    path("work-areas/<id:pk>/delete/", editor.work_area_delete, name="work-area-delete"),
    # --- plan import (推进表 from Excel) ---
    path("plans/import/", import_views.plan_import, name="plan-import"),
    path("plans/import/confirm/", import_views.plan_import_confirm, name="plan-import-confirm"),
    path("plans/import/template.xlsx", import_views.plan_import_template, name="plan-import-template"),
]
