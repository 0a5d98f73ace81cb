"""A client written against the schema alone, as the university's data platform would write one: it knows the
operation ids and nothing of the portal's code. It reads a plan, picks a task, posts a progress update at the task's
version, and checks every answer against the schema's description of it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from openapi_schema_validator import OAS31Validator
from rest_framework.test import APIClient

from .factories import PDF_BYTES, api_token, pdf_upload
from .test_api_reads import open_ended_plan

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


def test_a_plan_with_unknown_dates_work_areas_and_a_milestone_fits_the_schema(api, world):
    """Nulls where the document says nothing (the plan's end, the phase's end, a task's due), as the schema says."""
    plan, team, *_tasks = open_ended_plan(world)
    status, body = api.call("plans_retrieve", path={"id": plan.pk})  # checked against the schema by the client
    assert status == 200 and body["work_areas"][0]["name"] == "队伍建设"
    status, tasks = api.call("tasks_list", query={"plan": plan.pk, "work_area": team.pk})
    assert status == 200 and [task["due"] for task in tasks["results"]] == [None]


def test_the_client_downloads_the_evidence_it_uploaded(api, world):
    """The address the update's evidence lists, as the schema documents it: the file back, byte for byte."""
    http = api.http
    response = http.post(reverse("api:task-updates", args=[world.school_task.pk]),
                         {"version": 1, "note": "签到表", "files": [pdf_upload("签到表.pdf")]}, format="multipart")
    assert response.status_code == 201, response.content[:300]
    (evidence,) = response.json()["update"]["evidence"]
    method, template, operation = api.operations["evidence_download"]
    assert method == "get" and "application/octet-stream" in operation["responses"]["200"]["content"]
    assert evidence["download"].endswith(template.replace("{id}", str(evidence["id"])))
    download = http.get(evidence["download"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Disposition"].startswith("attachment")
