"""A client written against the schema alone, as the university's data platform would write one: it knows the
operation ids and nothing of the portal's code. It reads a plan, picks a task, posts a progress update at the task's
version, and checks every answer against the schema's description of it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from openapi_schema_validator import OAS31Validator
from rest_framework.test import APIClient

from .factories import api_token

pytestmark = pytest.mark.django_db


class SchemaClient:
    """Calls operations by their id: the method and path come from the schema, and so does the check of each
    answer (its status must be documented, its body must fit the documented schema)."""

    def __init__(self, http: APIClient, schema: dict):
        self.http = http
        self.schema = schema
        self.operations = {
            operation["operationId"]: (method, path, operation)
            for path, item in schema["paths"].items()
            for method, operation in item.items() if isinstance(operation, dict) and "operationId" in operation
        }

    def call(self, operation_id: str, *, path: dict | None = None, query: dict | None = None,
             body: dict | None = None) -> tuple[int, dict]:
        method, template, operation = self.operations[operation_id]
        url = re.sub(r"\{(\w+)\}", lambda match: str((path or {})[match.group(1)]), template)
        if body is not None:
            media = next(iter(operation["requestBody"]["content"]))
            assert media == "application/json"
            self.check(operation["requestBody"]["content"][media]["schema"], body)
            response = getattr(self.http, method)(url, body, format="json")
        else:
            response = getattr(self.http, method)(url, query or {})
        documented = operation["responses"]
        assert str(response.status_code) in documented, (operation_id, response.status_code)
        data = response.json()
        self.check(documented[str(response.status_code)]["content"]["application/json"]["schema"], data)
        return response.status_code, data

    def check(self, schema: dict, instance) -> None:
        """Validate against a schema of the document (its $refs point into the document's components)."""
        OAS31Validator({**schema, "components": self.schema["components"]}).validate(instance)


@pytest.fixture
def api(world, staff) -> SchemaClient:
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(staff, name='校数据平台')[1]}")
    return SchemaClient(http, http.get(reverse("api:schema")).json())


def test_a_schema_driven_client_reads_a_plan_and_posts_an_update(api, world):
    status, plans = api.call("plans_list")
    assert status == 200 and plans["count"] == 1
    status, plan = api.call("plans_retrieve", path={"id": plans["results"][0]["id"]})
    task = plan["phases"][0]["stages"][0]["tasks"][0]
    assert task["title"] == world.school_task.title

    update = {"version": task["version"], "date": "2021-10-08", "status": "in_progress", "progress": 30,
              "note": "骨干培训班筹备完毕"}
    status, created = api.call("tasks_updates_create", path={"id": task["id"]}, body=update)
    assert status == 201
    assert created["task"]["version"] == task["version"] + 1 and created["task"]["progress"] == 30

    status, log = api.call("tasks_updates_list", path={"id": task["id"]})
    assert [row["note"] for row in log["results"]] == ["骨干培训班筹备完毕"]

    # The same update again at the old version: refused as the schema says a stale write is.
    status, refused = api.call("tasks_updates_create", path={"id": task["id"]}, body=update)
    assert status == 409 and refused["code"] == "stale_version"
    assert refused["current_version"] == task["version"] + 1


def test_the_client_reads_every_list_as_documented(api, world):
    """Every list operation answers with a body that fits its documented schema (empty lists included)."""
    for operation_id, (method, template, _operation) in sorted(api.operations.items()):
        if method == "get" and operation_id.endswith("_list") and "{" not in template:
            status, data = api.call(operation_id)
            assert status == 200 and "results" in data, operation_id
    status, dashboard = api.call("dashboard_retrieve")
    assert status == 200 and dashboard["institution"] == world.institution.name
