"""The API: the readings intake, monitoring tokens' narrow scope, metrics and breaches."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from apps.accounts.services import create_token
from apps.monitoring import services
from apps.monitoring.models import Metric, Reading
from tests.factories import BreachFactory
from tests.monitoring.conftest import rows

pytestmark = pytest.mark.django_db

START = datetime.datetime(2025, 6, 1, 10, 0, tzinfo=datetime.UTC)
READINGS = "/api/v1/readings/"


def bearer(secret):
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def monitoring_secret(contributor, system):
    _, secret = services.create_monitoring_token(
        user=contributor, name="exporter", systems=[system]
    )
    return secret


def post(client, batch):
    return client.post(READINGS, {"readings": batch}, content_type="application/json")


# --- The intake -----------------------------------------------------------------------------------
def test_a_monitoring_token_posts_readings_of_its_systems(metric, monitoring_secret):
    response = post(bearer(monitoring_secret), rows(metric, [1.0, 2.0], start=START))
    assert response.status_code == 201
    assert response.json() == {"received": 2, "stored": 2, "duplicates": 0}


def test_posting_again_is_idempotent(metric, monitoring_secret):
    client = bearer(monitoring_secret)
    batch = rows(metric, [1.0, 2.0], start=START)
    post(client, batch)
    response = post(client, batch)
    assert response.status_code == 201
    assert response.json() == {"received": 2, "stored": 0, "duplicates": 2}
    assert Reading.objects.count() == 2


def test_a_bad_row_is_a_400_listing_it_and_nothing_is_stored(metric, monitoring_secret):
    batch = rows(metric, [1.0, 2.0], start=START)
    batch[1]["value"] = None
    response = post(bearer(monitoring_secret), batch)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 1, "field": "value", "message": "Give the value as a number."}
    ]
    assert not Reading.objects.exists()


def test_a_monitoring_token_cannot_post_for_a_system_it_does_not_name(
    system, contributor, monitoring_secret, team
):
    from tests.factories import AISystemFactory, MetricFactory

    other = MetricFactory(system=AISystemFactory(team=team, name="Other system"))
    response = post(bearer(monitoring_secret), rows(other, [1.0], start=START))
    assert response.status_code == 400
    assert "does not name" in response.json()["errors"][0]["message"]


def test_a_full_token_of_a_contributor_posts_readings(metric, contributor):
    _, secret = create_token(user=contributor, name="script")
    assert post(bearer(secret), rows(metric, [1.0], start=START)).status_code == 201


def test_an_auditor_cannot_post_readings(metric, client_for):
    response = post(client_for("auditor"), rows(metric, [1.0], start=START))
    assert response.status_code == 403


def test_reading_the_intake_is_not_allowed(client_for):
    assert client_for("contributor").get(READINGS).status_code == 405


def test_a_batch_that_is_not_a_list_is_a_400(client_for):
    response = client_for("contributor").post(
        READINGS, {"readings": "many"}, content_type="application/json"
    )
    assert response.status_code == 400


# --- A monitoring token does nothing else ---------------------------------------------------------
@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/api/v1/"),
        ("get", "/api/v1/systems/"),
        ("get", "/api/v1/metrics/"),
        ("get", "/api/v1/breaches/"),
        ("get", "/api/v1/risks/"),
        ("get", "/api/v1/tokens/"),
        ("post", "/api/v1/tokens/"),
        ("post", "/api/v1/incidents/"),
        ("get", "/api/v1/exports/risks.csv"),
    ],
)
def test_a_monitoring_token_is_refused_everywhere_else(monitoring_secret, method, path):
    response = getattr(bearer(monitoring_secret), method)(path, {}, content_type="application/json")
    assert response.status_code == 403
    assert "monitoring token" in response.json()["detail"]


def test_a_monitoring_token_cannot_read_a_metric(metric, monitoring_secret):
    response = bearer(monitoring_secret).get(f"/api/v1/metrics/{metric.pk}/")
    assert response.status_code == 403


# --- Metrics and breaches -------------------------------------------------------------------
def test_a_contributor_declares_a_metric(client_for, system, risk):
    response = client_for("contributor").post(
        "/api/v1/metrics/",
        {
            "system": system.reference,
            "name": "p95 latency",
            "measures": "p95_latency",
            "unit": "ms",
            "warning_threshold": 800,
            "rollback_threshold": 1500,
            "watched_risks": [risk.reference],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    metric = Metric.objects.get(name="p95 latency")
    assert list(metric.watched_risks.all()) == [risk]


def test_thresholds_in_the_wrong_order_are_a_400(client_for, system):
    response = client_for("contributor").post(
        "/api/v1/metrics/",
        {"system": system.reference, "name": "x", "warning_threshold": 9, "rollback_threshold": 5},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "warning_threshold" in response.json()["errors"] or "warning" in str(response.json())


def test_an_update_needs_the_version_read(client_for, metric):
    client = client_for("contributor")
    url = f"/api/v1/metrics/{metric.pk}/"
    without = client.patch(url, {"rollback_threshold": 6}, content_type="application/json")
    assert without.status_code == 428
    etag = client.get(url)["ETag"]
    response = client.patch(
        url, {"rollback_threshold": 6}, content_type="application/json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    metric.refresh_from_db()
    assert metric.rollback_threshold == 6


def test_breaches_are_read_only_and_scoped(client_for, metric, foreign_metric):
    own = BreachFactory(metric=metric)
    BreachFactory(metric=foreign_metric)
    client = client_for("contributor")
    listed = client.get("/api/v1/breaches/").json()["results"]
    assert [b["id"] for b in listed] == [own.pk]
    assert client.post("/api/v1/breaches/", {}).status_code == 405


def test_the_metric_list_has_a_fixed_number_of_queries(
    client_for, system, django_assert_max_num_queries
):
    from tests.factories import MetricFactory

    MetricFactory.create_batch(5, system=system)
    client = client_for("contributor")
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/metrics/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/exports/metrics.csv", "/api/v1/metrics/"])
def test_metrics_sorted_by_their_latest_reading_answer_in_the_export_and_the_api(
    metric, auditor, path
):
    client = Client()
    client.force_login(auditor)
    response = client.get(path, {"ordering": "-latest"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert metric.name.encode() in body
