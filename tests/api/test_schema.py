"""The OpenAPI schema: valid, complete, served with its docs, and true to the API's answers."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.services import create_token
from tests.fuzzing import examples

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema_document(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_is_valid_openapi(schema_document):
    validate_schema(schema_document)
    assert schema_document["openapi"].startswith("3.")
    assert "tokenAuth" in schema_document["components"]["securitySchemes"]


def test_spectacular_validates_without_a_warning():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def api_paths():
    """Every route under /api/v1/ (path converters as {name}), from the URL configuration."""
    import re

    resolver = get_resolver()
    api = next(
        p for p in resolver.url_patterns if isinstance(p, URLResolver) and p.namespace == "api"
    )
    paths = set()
    for pattern in api.url_patterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        if route in ("^.*$",) or pattern.name in ("schema", "docs"):
            continue
        route = route.lstrip("^").rstrip("$")
        route = re.sub(r"\(\?P<(\w+)>[^)]+\)", r"{\1}", route)
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        route = route.replace("\\.", ".").replace("{pk}", "{id}")  # as spectacular names it
        paths.add("/api/v1/" + route)
    return paths


def test_the_schema_covers_every_endpoint(schema_document):
    documented = set(schema_document["paths"])
    assert api_paths() == documented
    for name in ("risks", "systems", "mitigations"):
        for file_format in ("csv", "json", "xlsx"):
            operation = schema_document["paths"][f"/api/v1/exports/{name}.{file_format}"]["get"]
            assert "| `reference` |" in operation["description"]  # the columns are documented
            assert any(p["name"] == "updated_after" for p in operation["parameters"])
    risks = schema_document["paths"]["/api/v1/risks/"]["get"]
    parameters = {p["name"] for p in risks["parameters"]}
    assert {"system", "team", "level", "updated_after", "search", "ordering", "page_size"} <= (
        parameters
    )


def test_the_docs_serve_vendored_assets(client, auditor):
    client.force_login(auditor)
    html = client.get(reverse("api:docs")).content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html
    assert "cdn" not in html.lower()
    assert client.get(reverse("api:schema")).status_code == 200


# --- schemathesis: generated requests against every read endpoint ------------------------------
@pytest.fixture
def wsgi_app(settings):
    """Django's WSGI application on the test's database connection (requests must not close it)."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_read_endpoints_answer_as_the_schema_says(wsgi_app, records, auditor):
    _, secret = create_token(user=auditor, name="schemathesis")
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)
    operations = [result.ok() for result in schema.include(method="GET").get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @settings(
            max_examples=examples(default=4, deep=50),  # per operation; tests/fuzzing.py
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        check()
