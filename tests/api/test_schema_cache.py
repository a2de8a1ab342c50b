"""The OpenAPI schema is generated once per version of the code, then served from the cache; the
docs page leads back to the app and says it is loading."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from apps.core.api import schema_view

pytestmark = pytest.mark.django_db


@pytest.fixture
def generations(monkeypatch):
    """How many times the schema was generated."""
    calls = []
    real = SchemaGenerator.get_schema

    def get_schema(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", get_schema)
    return calls


def test_the_schema_is_generated_once_then_served_from_the_cache(client, generations):
    first = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    second = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"
    assert second["Content-Disposition"] == first["Content-Disposition"]
    assert len(generations) == 1
    assert b'"/api/v1/risks/"' in second.content


def test_json_and_yaml_are_cached_apart(client, generations):
    json_schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    yaml_schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi")
    assert yaml_schema.content.startswith(b"openapi: ")
    assert json_schema.content.startswith(b"{")
    client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi")
    assert len(generations) == 2


def test_other_code_generates_the_schema_again(client, generations, monkeypatch):
    client.get(reverse("api:schema"))
    monkeypatch.setattr(schema_view, "code_version", lambda: "a-later-deployment")
    client.get(reverse("api:schema"))
    client.get(reverse("api:schema"))
    assert len(generations) == 2


def test_variants_a_client_makes_up_are_answered_but_never_cached(client, generations):
    for n in range(3):
        response = client.get(f"{reverse('api:schema')}?version=made-up-{n}")
        assert response.status_code == 200
    indented = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json; indent=8")
    assert indented.status_code == 200
    client.get(reverse("api:schema"), HTTP_ACCEPT="application/json; indent=8")
    assert len(generations) == 5


def test_the_code_version_follows_the_sources(settings, tmp_path):
    (tmp_path / "apps").mkdir()
    (tmp_path / "config").mkdir()
    source = tmp_path / "apps" / "views.py"
    source.write_text("ANSWER = 1\n")
    settings.BASE_DIR = tmp_path
    before = schema_view.code_version.__wrapped__()
    assert schema_view.code_version.__wrapped__() == before
    source.write_text("ANSWER = 2\n")
    assert schema_view.code_version.__wrapped__() != before


def test_the_code_version_follows_the_schema_settings(settings):
    before = schema_view.code_version.__wrapped__()
    settings.SPECTACULAR_SETTINGS = {**settings.SPECTACULAR_SETTINGS, "VERSION": "2.0.0"}
    assert schema_view.code_version.__wrapped__() != before


@pytest.mark.parametrize(
    "role, account_link",
    [("anonymous", "Sign in"), ("auditor", "Your API tokens"), ("viewer", "Your API tokens")],
)
def test_the_docs_page_leads_back_to_the_app_and_says_it_is_loading(role, account_link, client_for):
    response = client_for(role).get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("dashboard:home")}">&larr; Back to the AI Risk Register</a>' in html
    assert account_link in html
    assert 'role="status">Loading the API description…' in html
    assert "<script>" not in html  # no inline script (CSP)
