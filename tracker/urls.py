from django.urls import path

from .views import evidence, home, plans

app_name = "tracker"

urlpatterns = [
    path("", home.home, name="home"),
    path("plans/", plans.plan_list, name="plan-list"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan-detail"),
    path("tasks/<int:pk>/", plans.task_detail, name="task-detail"),
    path("tasks/<int:pk>/updates/", plans.task_update_create, name="task-update-create"),
    path("evidence/<int:pk>/", evidence.evidence_download, name="evidence-download"),
    # roster and teams (views/roster.py)
    # platforms and ledger (views/work.py)
    # double menus (views/menus.py)
    # quotas (views/quotas.py)
]
