"""The OpenAPI 3 schema at /api/v1/schema/: valid (openapi-spec-validator), every path and method of it tested in the
API's permission matrix, and the documentation page (Swagger UI) served from the portal's own static files, with
no script or style from elsewhere and none inline."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import resolve, reverse
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from .factories import api_token
from .test_api_permissions import MATRIX
from .test_production import INLINE

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def schema(world, staff) -> dict:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(staff)[1]}")
    response = client.get(reverse("api:schema"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def test_the_schema_is_valid_openapi_3(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "关工委优质化建设工作平台 API" and schema["info"]["version"] == "v1"
    assert {"apiToken", "portalSession"} <= set(schema["components"]["securitySchemes"])


def test_the_schema_also_comes_as_yaml(world, staff):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(staff)[1]}")
    response = client.get(reverse("api:schema"), {"format": "yaml"})
    assert response.status_code == 200
    validate(yaml.safe_load(response.content))


def operations(schema: dict) -> set[str]:
    """'<URL name> <METHOD>' of every operation of the schema, found by resolving its path."""
    found = set()
    for path, item in schema["paths"].items():
        name = resolve(re.sub(r"\{[^}]+\}", "1", path)).view_name
        found |= {f"{name} {method.upper()}" for method in METHODS if method in item}
    return found


def test_every_operation_of_the_schema_has_a_row_in_the_api_matrix(schema):
    documented = operations(schema)
    assert documented <= set(MATRIX)
    # and every endpoint of the matrix is documented, the schema and its page aside
    assert set(MATRIX) - documented == {"api:schema GET", "api:docs GET"}


def test_every_operation_documents_its_refusals_and_security(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            assert operation["security"] == [{"apiToken": []}, {"portalSession": []}], path
            if method != "get":
                assert {"400", "401", "403", "429"} <= set(operation["responses"]), (path, method)


def test_list_operations_document_their_filters_paging_and_ordering(schema):
    parameters = {parameter["name"] for parameter in schema["paths"]["/api/v1/tasks/"]["get"]["parameters"]}
    assert {"plan", "phase", "stage", "work_area", "status", "unit", "page", "page_size", "ordering"} <= parameters
    ledger = {parameter["name"] for parameter in schema["paths"]["/api/v1/ledger/"]["get"]["parameters"]}
    assert {"unit", "platform", "kind", "date_from", "date_to"} <= ledger


def test_the_documentation_page_is_served_from_the_portals_own_files(world, staff):
    client = Client()
    client.force_login(staff)
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and not [source for source in sources if source.startswith(("http:", "https:", "//"))]
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        (path,) = [source for source in sources if source.endswith(asset)]
        assert path.startswith("/static/drf_spectacular_sidecar/")
        served = client.get(path)
        assert served.status_code == 200, path
        # Read to the end, which closes the file the way the test client means it to (a bare close() would send
        # request_finished, and on PostgreSQL that closes the test's connection inside its transaction).
        assert b"".join(served.streaming_content), path
    for pattern, what in INLINE:
        assert not pattern.search(html), what
    script = client.get(reverse("api:docs"), {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert reverse("api:schema") in script.content.decode()


def test_the_documentation_page_sends_the_signed_out_to_sign_in(world):
    response = Client().get(reverse("api:docs"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_tasks_due_date_and_a_plans_window_may_be_null_in_the_schema(schema):
    """The document may give no end (a standing plan, a phase "2019年11月前" has no start): null, as documented."""
    components = schema["components"]["schemas"]

    def nullable(component: str, field: str) -> bool:
        prop = components[component]["properties"][field]
        return "null" in (prop.get("type") if isinstance(prop.get("type"), list) else [prop.get("type")]) or any(
            option.get("type") == "null" for option in prop.get("oneOf", []))

    for component, field in (("Task", "due"), ("Task", "start"), ("TaskBrief", "due"), ("Plan", "end_date"),
                             ("Plan", "start_date"), ("Phase", "end_date"), ("Stage", "end_date"),
                             ("Task", "work_area"), ("PlanDetail", "copied_from")):
        assert nullable(component, field), (component, field)
    assert {"work_areas", "phases", "window", "version"} <= set(components["PlanDetail"]["properties"])
    assert "download" in components["Evidence"]["properties"]


def test_drf_spectacular_builds_the_schema_without_a_warning(tmp_path):
    """The library's own check (docs/api.md): every view and serializer typed, no guessed component."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/evidence/{id}/" in yaml.safe_load((tmp_path / "schema.yaml").read_text())["paths"]
