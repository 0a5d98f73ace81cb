"""The admin is usable by committee staff: every model's list and add pages open, scoped to their institution."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tracker.models import Task

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
