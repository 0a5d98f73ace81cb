"""The admin is usable by committee staff: every model's list and add pages open, scoped to their institution."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tracker.plans.models import Task

from .conftest import client_for
from .factories import EvidenceFileFactory, TaskUpdateFactory

pytestmark = pytest.mark.django_db

TRACKER_MODELS = [model for model in admin.site._registry if model._meta.app_label == "tracker"]


@pytest.mark.parametrize("model", TRACKER_MODELS, ids=lambda m: m._meta.model_name)
def test_staff_opens_every_admin_list_and_change_page(world, staff, model):
    EvidenceFileFactory(update=TaskUpdateFactory(task=world.school_task))
    client = client_for(staff)
    name = model._meta.model_name
    assert client.get(reverse(f"admin:tracker_{name}_changelist"), {"q": "学"}).status_code == 200
    first = admin.site._registry[model].get_queryset(type("R", (), {"user": staff})()).first()
    if first is not None:
        assert client.get(reverse(f"admin:tracker_{name}_change", args=[first.pk])).status_code == 200
        assert client.get(reverse(f"admin:tracker_{name}_history", args=[first.pk])).status_code == 200


def test_admin_cannot_change_status_behind_the_log(world, staff):
    client = client_for(staff)
    page = client.get(reverse("admin:tracker_task_change", args=[world.school_task.pk])).content.decode()
    assert 'name="status"' not in page and 'name="progress"' not in page
    assert Task.objects.get(pk=world.school_task.pk).status == "not_started"


def test_staff_cannot_add_a_plan_for_another_institution(world, staff):
    from tracker.plans.models import Plan

    before = Plan.objects.count()
    response = client_for(staff).post(reverse("admin:tracker_plan_add"), {
        "institution": world.other_institution.pk, "title": "越权计划", "issued_on": "2020-01-01",
        "phases-TOTAL_FORMS": 0, "phases-INITIAL_FORMS": 0,
    })
    assert response.status_code == 200  # the form comes back with an error
    assert Plan.objects.count() == before


def test_staff_cannot_add_or_change_log_entries_in_admin(world, staff):
    client = client_for(staff)
    update = TaskUpdateFactory(task=world.school_task)
    assert client.get(reverse("admin:tracker_taskupdate_add")).status_code == 403
    response = client.post(reverse("admin:tracker_taskupdate_change", args=[update.pk]), {"note": "改写"})
    assert response.status_code == 403
    update.refresh_from_db()
    assert update.note != "改写"


def test_role_given_in_admin_brings_its_admin_access(world, admin_user):
    from tracker.org.models import Profile

    from .factories import UserFactory

    newcomer = UserFactory(username="newcomer")
    response = client_for(admin_user).post(reverse("admin:tracker_profile_add"), {
        "user": newcomer.pk, "role": Profile.Role.STAFF, "institution": world.institution.pk, "unit": "",
    })
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.is_staff and newcomer.groups.filter(name="committee staff").exists()


def test_a_standard_in_use_is_read_only_in_the_admin(world, staff):
    from django.urls import reverse

    from .conftest import client_for
    from .factories import AssessmentRoundFactory, scored_standard

    standard = scored_standard(world.institution)
    group = standard.groups.first()
    client = client_for(staff)
    change = reverse("admin:tracker_standardgroup_change", args=[group.pk])
    assert 'name="items-0-points"' in client.get(change).content.decode()
    AssessmentRoundFactory(institution=world.institution, standard=standard)
    html = client.get(change).content.decode()
    assert 'name="items-0-points"' not in html and 'name="name"' not in html
    assert client.post(reverse("admin:tracker_standard_delete", args=[standard.pk]), {"post": "yes"}).status_code == 403


@pytest.mark.parametrize("model", TRACKER_MODELS, ids=lambda m: m._meta.model_name)
def test_a_change_lists_filters_name_no_other_institution(world, staff, model):
    """The side filters (学校, 计划, 阶段 …) offer only what the scoped list holds, never another university."""
    response = client_for(staff).get(reverse(f"admin:tracker_{model._meta.model_name}_changelist"))
    if response.status_code == 403:  # staff do not read this model in the admin
        return
    html = response.content.decode()
    assert response.status_code == 200
    assert world.other_institution.name not in html
    assert f"institution__id__exact={world.other_institution.pk}" not in html
    assert world.other_plan.title not in html
