"""Breach evaluation: a rollback window opens exactly one incident with the right times, a
warning notifies only, windows back within thresholds end the breach, repeats are harmless."""

from __future__ import annotations

import datetime

import pytest

from apps.incidents.models import Incident, ReportedVia
from apps.monitoring import services
from apps.monitoring.models import Breach, BreachLevel
from apps.reminders.models import Notification
from tests.monitoring.conftest import rows

pytestmark = pytest.mark.django_db

# A window of 15 minutes, aligned on the epoch; "now" is long after, so every window is complete.
START = datetime.datetime(2025, 6, 1, 10, 0, tzinfo=datetime.UTC)
NOW = datetime.datetime(2025, 6, 2, tzinfo=datetime.UTC)


def ingest(metric, values, by, *, start=START):
    services.ingest_readings(rows=rows(metric, values, start=start), by=by)


def evaluate(metric, by=None):
    return services.evaluate_metrics([metric.pk], by_id=getattr(by, "pk", None), now=NOW)


def test_a_rollback_window_opens_one_incident_with_the_right_times(metric, contributor, risk):
    # 10:00–10:14: 1 % for five minutes, then 9 %: the window's running mean reaches 5 % with
    # the reading of 10:09 (50 / 10), the first one beyond it is that of 10:05.
    ingest(metric, [1, 1, 1, 1, 1] + [9] * 10, contributor)
    result = evaluate(metric, contributor)
    breach = Breach.objects.get()
    incident = Incident.objects.get()
    assert (result.opened, result.incidents) == (1, 1)
    assert breach.level == BreachLevel.ROLLBACK and breach.incident == incident
    assert incident.occurred_at == START + datetime.timedelta(minutes=5)  # first reading at 9 %
    assert incident.detected_at == START + datetime.timedelta(minutes=9)
    assert (breach.started_at, breach.detected_at) == (incident.occurred_at, incident.detected_at)
    assert incident.severity == metric.incident_severity
    assert list(incident.materialised_risks.all()) == [risk]
    assert incident.reported_via == ReportedVia.API


def test_breaching_windows_that_go_on_open_no_second_incident(metric, contributor):
    ingest(metric, [9] * 60, contributor)  # four breaching windows
    evaluate(metric, contributor)
    ingest(metric, [9] * 15, contributor, start=START + datetime.timedelta(hours=1))
    evaluate(metric, contributor)
    assert Incident.objects.count() == 1
    breach = Breach.objects.get()
    assert breach.last_breaching_at == START + datetime.timedelta(minutes=74)


def test_evaluating_twice_changes_nothing(metric, contributor):
    ingest(metric, [9] * 15, contributor)
    evaluate(metric, contributor)
    again = evaluate(metric, contributor)
    assert (again.opened, again.incidents) == (0, 0)
    assert Breach.objects.count() == Incident.objects.count() == 1


def test_a_window_back_within_thresholds_ends_the_breach(metric, contributor):
    ingest(metric, [9] * 15 + [1] * 15, contributor)
    evaluate(metric, contributor)
    breach = Breach.objects.get()
    assert breach.ended_at == START + datetime.timedelta(minutes=15)


def test_a_new_breach_joins_the_incident_still_open(metric, contributor):
    ingest(metric, [9] * 15 + [1] * 15 + [9] * 15, contributor)
    evaluate(metric, contributor)
    first, second = Breach.objects.order_by("started_at")
    assert first.incident == second.incident
    assert Incident.objects.count() == 1


def test_a_warning_window_notifies_the_owners_and_opens_no_incident(metric, contributor):
    ingest(metric, [3] * 15, contributor)
    evaluate(metric)
    breach = Breach.objects.get()
    assert breach.level == BreachLevel.WARNING and breach.incident is None
    assert not Incident.objects.exists()
    note = Notification.objects.get(recipient=contributor)
    assert "warning threshold" in note.title


def test_a_warning_that_worsens_is_escalated_and_opens_the_incident(metric, contributor):
    ingest(metric, [3] * 15 + [8] * 15, contributor)
    result = evaluate(metric, contributor)
    breach = Breach.objects.get()
    assert (result.opened, result.escalated, result.incidents) == (1, 1, 1)
    assert breach.level == BreachLevel.ROLLBACK
    assert breach.escalated_at == START + datetime.timedelta(minutes=15)
    assert breach.incident is not None


def test_owners_and_committee_are_told_of_the_incident(metric, contributor, committee_member):
    ingest(metric, [9] * 15, contributor)
    evaluate(metric, contributor)
    incident = Incident.objects.get()
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert {contributor.pk, committee_member.pk} <= told
    assert Notification.objects.filter(url=incident.get_absolute_url()).exists()


def test_lower_is_worse_metrics_breach_below_the_threshold(system, contributor):
    from tests.factories import MetricFactory

    accuracy = MetricFactory(
        system=system, direction="lower", warning_threshold=0.9, rollback_threshold=0.8
    )
    ingest(accuracy, [0.7] * 15, contributor)
    evaluate(accuracy, contributor)
    assert Breach.objects.get(metric=accuracy).level == BreachLevel.ROLLBACK


def test_the_unfinished_window_opens_a_breach_but_never_ends_one(metric, contributor):
    now = datetime.datetime.now(datetime.UTC).replace(second=0, microsecond=0)
    start = services.window_start(metric, now)
    services.ingest_readings(rows=rows(metric, [9], start=start), by=contributor)
    services.evaluate_metrics([metric.pk], by_id=contributor.pk)
    assert Breach.objects.get().ended_at is None
    metric.refresh_from_db()
    assert metric.evaluated_until is None  # the window is evaluated again when it is complete


def test_the_breach_keeps_a_history(metric, contributor):
    ingest(metric, [3] * 15 + [8] * 15 + [1] * 15, contributor)
    evaluate(metric, contributor)
    reasons = list(
        Breach.objects.get()
        .history.order_by("history_id")
        .values_list("history_change_reason", flat=True)
    )
    assert reasons[0] == "Warning threshold crossed"
    assert any(reason.startswith("Rollback threshold crossed: opened INC-") for reason in reasons)
    assert reasons[-1] == "Ended: a window back within thresholds"


def test_one_open_breach_per_metric_is_a_database_rule(metric):
    from django.db import IntegrityError, transaction

    from tests.factories import BreachFactory

    BreachFactory(metric=metric)
    with pytest.raises(IntegrityError), transaction.atomic():
        BreachFactory(metric=metric)
