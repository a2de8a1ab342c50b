"""Pages: the list, the metric's page with its chart, create and edit, the CSV upload, the
monitoring token page, the system panel and the dashboard's breaches."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.models import APIToken, TokenScope
from apps.monitoring import services
from apps.monitoring.models import Metric, MonitoringGrant, Reading
from tests.factories import BreachFactory, MetricFactory
from tests.monitoring.conftest import rows

pytestmark = pytest.mark.django_db


def recent_readings(metric, by, count=60):
    start = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=2)).replace(
        second=0, microsecond=0
    )
    services.ingest_readings(
        rows=rows(metric, [1.0 + i % 3 for i in range(count)], start=start), by=by
    )


def test_the_list_shows_the_teams_metrics_only(client_for, metric, foreign_metric):
    page = client_for("contributor").get(reverse("monitoring:list"))
    assert metric.name in page.content.decode()
    assert foreign_metric.name not in page.content.decode()


def test_the_list_has_a_fixed_number_of_queries(
    client_for, system, contributor, django_assert_max_num_queries
):
    for metric in MetricFactory.create_batch(6, system=system):
        BreachFactory(metric=metric)
    client = client_for("contributor")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("monitoring:list")).status_code == 200


def test_the_list_filters_metrics_in_breach(client_for, system):
    _quiet, loud = (
        MetricFactory(system=system, name="Quiet"),
        MetricFactory(system=system, name="Loud"),
    )
    BreachFactory(metric=loud)
    page = client_for("contributor").get(reverse("monitoring:list"), {"state": "breach"})
    assert "Loud" in page.content.decode() and "Quiet" not in page.content.decode()


def test_the_export_has_the_filtered_metrics(client_for, metric):
    response = client_for("viewer").get(reverse("monitoring:export"))
    body = b"".join(response.streaming_content).decode()
    assert metric.reference in body and "rollback_threshold" in body


@pytest.mark.parametrize("period", ["24h", "7d", "90d"])
def test_the_metric_page_draws_its_trend(client_for, metric, contributor, period):
    recent_readings(metric, contributor)
    page = client_for("viewer").get(
        reverse("monitoring:detail", args=[metric.pk]), {"period": period}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "Rollback threshold: 5 %" in html
    assert "<title>" in html and "figures as a table" in html


def test_the_metric_page_has_a_fixed_number_of_queries(
    client_for, metric, contributor, django_assert_max_num_queries
):
    recent_readings(metric, contributor)
    BreachFactory(metric=metric)
    client = client_for("contributor")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("monitoring:detail", args=[metric.pk])).status_code == 200


def test_a_contributor_adds_a_metric(client_for, system, risk):
    response = client_for("contributor").post(
        reverse("monitoring:create") + f"?system={system.pk}",
        {
            "system": system.pk,
            "name": "Refusal rate",
            "measures": "refusal_rate",
            "unit": "%",
            "direction": "higher",
            "warning_threshold": "10",
            "rollback_threshold": "20",
            "window_minutes": "15",
            "aggregation": "mean",
            "incident_severity": "2",
            "watched_risks": [risk.pk],
        },
    )
    metric = Metric.objects.get(name="Refusal rate")
    assert response.status_code == 302 and response["Location"] == metric.get_absolute_url()
    assert "Declared" in set(metric.history.values_list("history_change_reason", flat=True))


def test_the_form_shows_every_problem_at_once(client_for, system):
    response = client_for("contributor").post(
        reverse("monitoring:create") + f"?system={system.pk}",
        {
            "system": system.pk,
            "name": "",
            "direction": "higher",
            "warning_threshold": "9",
            "rollback_threshold": "5",
            "window_minutes": "0",
            "aggregation": "mean",
            "incident_severity": "2",
            "measures": "other",
        },
    )
    errors = response.context["form"].errors
    assert {"name", "window_minutes", "warning_threshold"} <= set(errors)


def test_editing_keeps_a_history_with_the_reason(client_for, metric):
    client = client_for("contributor")
    data = {
        "name": metric.name,
        "measures": metric.measures,
        "unit": "%",
        "direction": "higher",
        "warning_threshold": "2",
        "rollback_threshold": "6",
        "window_minutes": "15",
        "aggregation": "mean",
        "incident_severity": "2",
        "version": metric.version,
        "change_reason": "Tolerance agreed with the committee",
    }
    assert client.post(reverse("monitoring:edit", args=[metric.pk]), data).status_code == 302
    metric.refresh_from_db()
    assert metric.rollback_threshold == 6
    assert metric.history.first().history_change_reason == "Tolerance agreed with the committee"


def test_archiving_ends_the_open_breach(client_for, metric):
    breach = BreachFactory(metric=metric)
    client_for("contributor").post(reverse("monitoring:archive", args=[metric.pk]), {"reason": "x"})
    breach.refresh_from_db()
    assert breach.ended_at is not None


def test_a_csv_upload_stores_the_readings(client_for, metric):
    upload = SimpleUploadedFile(
        "readings.csv",
        b"timestamp,value,source\n2025-06-01T10:00:00Z,1.5,probe\n2025-06-01T10:01:00Z,2.5,probe\n",
        content_type="text/csv",
    )
    response = client_for("contributor").post(
        reverse("monitoring:upload", args=[metric.pk]), {"file": upload}
    )
    assert response.status_code == 302
    assert Reading.objects.filter(metric=metric).count() == 2


def test_a_csv_with_a_bad_line_stores_nothing_and_names_the_line(client_for, metric):
    upload = SimpleUploadedFile(
        "readings.csv",
        b"timestamp,value\n2025-06-01T10:00:00Z,1.5\n2025-06-01T10:01:00Z,lots\n",
        content_type="text/csv",
    )
    response = client_for("contributor").post(
        reverse("monitoring:upload", args=[metric.pk]), {"file": upload}
    )
    assert response.status_code == 400
    assert response.context["upload_errors"][0]["line"] == 3
    assert not Reading.objects.exists()


def test_a_contributor_creates_a_monitoring_token_for_their_system(client_for, system):
    response = client_for("contributor").post(
        reverse("monitoring:token_create"),
        {"name": "exporter", "systems": [system.pk], "expires_in_days": "90"},
    )
    token = APIToken.objects.get(name="exporter")
    assert token.scope == TokenScope.MONITORING
    assert list(MonitoringGrant.objects.filter(token=token).values_list("system", flat=True)) == [
        system.pk
    ]
    assert response.context["new_token_secret"].startswith("arr_")
    assert response["Cache-Control"] == "no-store"


def test_the_token_page_offers_only_systems_one_may_edit(client_for, system, foreign_system):
    response = client_for("contributor").post(
        reverse("monitoring:token_create"), {"name": "x", "systems": [foreign_system.pk]}
    )
    assert "systems" in response.context["form"].errors
    assert not APIToken.objects.exists()


def test_the_system_page_lists_its_metrics_and_breaches(client_for, metric):
    BreachFactory(metric=metric, level="rollback")
    html = client_for("viewer").get(metric.system.get_absolute_url()).content.decode()
    assert metric.name in html and "Rollback breach" in html


def test_the_dashboard_lists_current_breaches(client_for, metric, foreign_metric):
    BreachFactory(metric=metric)
    BreachFactory(metric=foreign_metric)
    html = client_for("contributor").get(reverse("dashboard:home")).content.decode()
    assert "Metrics in breach" in html
    assert metric.name in html and foreign_metric.name not in html


def test_the_audit_log_links_a_breach_to_its_metric(client_for, metric):
    breach = BreachFactory(metric=metric)
    response = client_for("viewer").get(reverse("monitoring:breach", args=[breach.pk]))
    assert response["Location"] == metric.get_absolute_url() + f"#breach-{breach.pk}"
