"""Fuzzing the API: its writes (POST, PUT, PATCH on risks, mitigations and incidents) as a
contributor with schemathesis, a write that fails half-way (it must leave nothing), and every
read endpoint given hostile path and query values (tests/api/test_schema.py fuzzes reads too).

Generated requests follow the OpenAPI schema, and a few fields are sometimes given values that
exist (the contributor's system, an active owner, a real category, a record's id) so that the
requests reach the services and not only the serializers. Every answer must be a non-5xx; a
refused request (4xx) must leave the database as it was; an accepted POST adds exactly one row.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.db.models.signals import m2m_changed
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from apps.accounts.services import create_token
from apps.core.models import AuditEvent
from apps.incidents.models import Incident
from apps.mitigations.models import Mitigation
from apps.risks.models import FrameworkReference, Risk
from tests.fuzzing import examples

pytestmark = pytest.mark.django_db

RELAXED_RATES = {"user": "100000/minute", "anon": "100000/minute"}
MODELS = {"risks": Risk, "mitigations": Mitigation, "incidents": Incident}
SEEN: Counter = Counter()
# The fields of each resource that the fuzzer sometimes fills with values that exist.
FIELDS = {
    "risks": {
        "system",
        "owner",
        "category",
        "framework_references",
        "inherent_likelihood",
        "inherent_impact",
        "residual_likelihood",
        "residual_impact",
    },
    "mitigations": {"system", "owner", "risks"},
    "incidents": {
        "system",
        "materialised_risks",
        "follow_up_mitigations",
        "severity",
        "detected_at",
        "occurred_at",
    },
}


@pytest.fixture
def wsgi_app(settings):
    """Django's WSGI application on the test's database connection (requests must not close it)."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RELAXED_RATES}
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(contributor):
    return create_token(user=contributor, name="fuzz")[1]


def snapshot(model, pk=None) -> tuple:
    through = tuple(f.remote_field.through.objects.count() for f in model._meta.many_to_many)
    record = tuple(model.objects.filter(pk=pk).values().first().items()) if pk else ()
    return (
        model.objects.count(),
        model.history.count(),
        AuditEvent.objects.count(),
        through,
        record,
    )


def known_values(system, risk, mitigation, incident, contributor) -> dict:
    return {
        "system": system.reference,
        "owner": contributor.email,
        "category": f"{risk.category.parent.slug}/{risk.category.slug}",
        "risks": [risk.reference],
        "materialised_risks": [risk.reference],
        "follow_up_mitigations": [mitigation.reference],
        "framework_references": [FrameworkReference.objects.order_by("pk").first().code],
        "inherent_likelihood": 4,
        "inherent_impact": 4,
        "residual_likelihood": 2,
        "residual_impact": 3,
        "severity": 2,
        "detected_at": "2026-01-02T10:00:00Z",
        "occurred_at": "2026-01-02T09:00:00Z",
    }


def test_api_writes_never_fail_and_refusals_write_nothing(
    wsgi_app, token, system, risk, mitigation, incident, contributor
):
    headers = {"Authorization": f"Bearer {token}"}
    known = known_values(system, risk, mitigation, incident, contributor)
    records = {"risks": risk, "mitigations": mitigation, "incidents": incident}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)
    operations = [
        result.ok()
        for result in schema.include(
            method=["POST", "PUT", "PATCH"], path_regex=r"^/api/v1/(risks|mitigations|incidents)/"
        )
        .exclude(path_regex=r"/(archive|restore)/$")
        .get_all_operations()
    ]
    assert len(operations) == 9  # POST, PUT and PATCH on each of the three

    for operation in operations:
        fuzz(operation, headers, known, records)


def fuzz(operation, headers, known, records):
    """Generated requests for one operation, each checked for its answer and its writes."""
    resource = operation.path.split("/")[3]
    model = MODELS[resource]
    record = records[resource]

    @settings(
        max_examples=examples(default=10, deep=150),  # per operation; tests/fuzzing.py
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(),
        use_known=st.sets(st.sampled_from(sorted(FIELDS[resource]))),
        own_record=st.sampled_from([True, True, True, False]),  # mostly the contributor's own
    )
    def check(case, use_known, own_record):
        if isinstance(case.body, dict):
            for name in use_known & FIELDS[resource]:
                case.body[name] = known[name]
            if "version" in case.body and own_record:
                case.body["version"] = model.objects.get(pk=record.pk).version
        pk = None
        if "id" in (case.path_parameters or {}) and own_record:
            case.path_parameters["id"] = str(record.pk)
            pk = record.pk
        before = snapshot(model, pk)
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])
        outcome = f"{case.method} {resource} {response.status_code}"
        SEEN[outcome] += 1
        if response.status_code >= 400:
            assert snapshot(model, pk) == before, outcome
        elif case.method == "POST":
            assert model.objects.count() == before[0] + 1

    check()


# --- Found by the fuzzer: NUL in a field looked up in the database --------------------------------
@pytest.mark.parametrize(
    ("resource", "field"),
    [("risk", "category"), ("risk", "owner"), ("mitigation", "owner")],
)
def test_a_nul_character_in_a_looked_up_field_is_a_400_not_a_server_error(
    no_throttling, token, system, resource, field
):
    body = {"system": system.reference, field: "model-error/hallu\x00cination"}
    response = api_client(token).post(
        reverse(f"api:{resource}-list"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][field] == ["Null characters are not allowed."]


# --- Found by probing reads: hostile values in paths and query strings ----------------------------
HOSTILE = ["\x00", "1\x00", "%00", "-1", "99999999999999999999999", "1e999", "NaN", "2026-02-30"]


def test_every_read_endpoint_answers_hostile_values_without_a_server_error(no_throttling, auditor):
    _, secret = create_token(user=auditor, name="probe")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", raise_request_exception=False)
    document = SchemaGenerator().get_schema(request=None, public=True)
    failures, probed = [], 0
    for path, operations in document["paths"].items():
        if "get" not in operations:
            continue
        parameters = operations["get"].get("parameters", [])
        for value in HOSTILE:
            url = path
            for parameter in parameters:
                if parameter["in"] == "path":
                    url = url.replace(f"{{{parameter['name']}}}", quote(value, safe=""))
            query = {p["name"]: value for p in parameters if p["in"] == "query"}
            response = client.get(url, query)
            if response.streaming:
                b"".join(response.streaming_content)
            probed += 1
            if response.status_code >= 500:
                failures.append((url, query and "query", repr(value), response.status_code))
    SEEN[f"GET hostile values × {len(HOSTILE)}: {probed // len(HOSTILE)} endpoints"] += probed
    assert probed >= 8 * 30
    assert failures == []


def test_a_percent_sign_in_a_level_filter_is_a_400_with_the_value_in_the_message(
    no_throttling, token
):
    response = api_client(token).get(reverse("api:risk-list"), {"level": "50%"})
    assert response.status_code == 400
    assert "“50%” is not a level" in str(response.json())


@pytest.mark.parametrize("resource", ["team", "risk-template", "risk"])
def test_a_nul_character_in_a_record_path_is_a_404(no_throttling, token, resource):
    response = api_client(token).get(reverse(f"api:{resource}-detail", args=["a\x00b"]))
    assert response.status_code == 404


# --- A write that fails half-way leaves nothing ---------------------------------------------------
def api_client(token) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def no_throttling(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RELAXED_RATES}


def fail_on_m2m_add(through):
    def receiver(sender, action, **kwargs):
        if action == "post_add":
            raise RuntimeError("the database went away after the links were written")

    m2m_changed.connect(receiver, sender=through, weak=False, dispatch_uid="fuzz-fail")
    return lambda: m2m_changed.disconnect(sender=through, dispatch_uid="fuzz-fail")


def test_a_risk_whose_last_step_fails_is_not_half_written(
    no_throttling, token, system, risk, contributor, monkeypatch
):
    def fail(*args, **kwargs):
        raise RuntimeError("the criticality could not be refreshed")

    monkeypatch.setattr("apps.systems.services.refresh_criticality", fail)
    body = {
        "system": system.reference,
        "title": "Leaks order history",
        "scenario": "Another customer's orders are shown.",
        "category": f"{risk.category.parent.slug}/{risk.category.slug}",
        "owner": contributor.email,
        "framework_references": [FrameworkReference.objects.order_by("pk").first().code],
        "inherent_likelihood": 4,
        "inherent_impact": 4,
        "residual_likelihood": 2,
        "residual_impact": 3,
    }
    before = snapshot(Risk)
    with pytest.raises(RuntimeError):
        api_client(token).post(reverse("api:risk-list"), body, content_type="application/json")
    assert snapshot(Risk) == before


def test_a_mitigation_whose_risk_links_fail_is_not_half_written(
    no_throttling, token, system, risk, contributor
):
    undo = fail_on_m2m_add(Mitigation.risks.through)
    body = {
        "system": system.reference,
        "title": "Output filter",
        "kind": "output_validation",
        "layer": "application",
        "owner": contributor.email,
        "risks": [risk.reference],
    }
    before = snapshot(Mitigation)
    try:
        with pytest.raises(RuntimeError):
            api_client(token).post(
                reverse("api:mitigation-list"), body, content_type="application/json"
            )
    finally:
        undo()
    assert snapshot(Mitigation) == before


def test_an_incident_whose_risk_links_fail_is_not_half_written(no_throttling, token, system, risk):
    undo = fail_on_m2m_add(Incident.materialised_risks.through)
    body = {
        "system": system.reference,
        "title": "Refunds promised",
        "description": "The assistant promised refunds.",
        "severity": 2,
        "detected_at": "2026-01-02T10:00:00Z",
        "materialised_risks": [risk.reference],
    }
    before = snapshot(Incident)
    try:
        with pytest.raises(RuntimeError):
            api_client(token).post(
                reverse("api:incident-list"), body, content_type="application/json"
            )
    finally:
        undo()
    assert snapshot(Incident) == before


def test_the_same_writes_succeed_without_the_injected_failure(
    no_throttling, token, system, risk, contributor
):
    """The three bodies above are valid: the failures come only from what the tests inject."""
    response = api_client(token).post(
        reverse("api:incident-list"),
        {
            "system": system.reference,
            "title": "Refunds promised",
            "description": "The assistant promised refunds.",
            "severity": 2,
            "detected_at": "2026-01-02T10:00:00Z",
            "materialised_risks": [risk.reference],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Incident.objects.get(title="Refunds promised").materialised_risks.get() == risk


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    if SEEN:
        lines = [f"  {outcome} × {n}" for outcome, n in sorted(SEEN.items())]
        print("\nAPI write fuzz cases:\n" + "\n".join(lines))
