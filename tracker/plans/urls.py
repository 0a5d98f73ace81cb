"""Plans and tasks. Included by tracker/urls.py under the `tracker:` names."""

from django.urls import path

from tracker.plans import views as plans

urlpatterns = [
    path("plans/", plans.plan_list, name="plan-list"),
    path("plans/<id:pk>/", plans.plan_detail, name="plan-detail"),
    path("tasks/<id:pk>/", plans.task_detail, name="task-detail"),
    path("tasks/<id:pk>/updates/", plans.task_update_create, name="task-update-create"),
]
