"""/metrics: the outbox's backlog in Prometheus' text format, for staff or a bearer token."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.core import metrics, outbox
from apps.core.models import OutboxMessage, OutboxStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("core:metrics")


@pytest.fixture
def backlog(monkeypatch):
    monkeypatch.setitem(outbox._handlers, "tests.mail", lambda payload: None)
    with time_machine.travel(timezone.now() - datetime.timedelta(seconds=90), tick=False):
        outbox.enqueue("tests.mail", {}, dedupe_key="old")
    outbox.enqueue("tests.mail", {}, dedupe_key="new")
    OutboxMessage.objects.create(kind="tests.mail", dedupe_key="dead", status=OutboxStatus.FAILED)


def samples(text: str) -> dict[str, float]:
    return {
        line.split()[0]: float(line.split()[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


def test_staff_read_the_outbox_backlog(client_for, backlog):
    response = client_for("administrator").get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = response.content.decode()
    assert "# TYPE outbox_pending gauge" in text
    values = samples(text)
    assert values["outbox_pending"] == 2
    assert values["outbox_failed"] == 1
    assert 89 <= values["outbox_oldest_pending_age_seconds"] <= 120


def test_an_empty_outbox_reads_zero(client_for):
    values = samples(client_for("administrator").get(URL).content.decode())

    assert {name: value for name, value in values.items() if name.startswith("outbox_")} == {
        "outbox_pending": 0,
        "outbox_failed": 0,
        "outbox_oldest_pending_age_seconds": 0,
    }


@pytest.mark.parametrize("role", ["contributor", "viewer", "committee_member", "auditor"])
def test_other_signed_in_people_are_refused(role, client_for):
    assert client_for(role).get(URL).status_code == 403


def test_a_staff_member_who_is_not_an_administrator_reads_them(client_for):
    assert client_for(UserFactory(is_staff=True)).get(URL).status_code == 200


def test_anonymous_is_asked_for_a_bearer_token(client):
    response = client.get(URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_a_scraper_reads_them_with_the_metrics_token(client, settings, backlog):
    settings.METRICS_TOKEN = "s3cret-token-for-prometheus"

    response = client.get(URL, headers={"Authorization": "Bearer s3cret-token-for-prometheus"})

    assert response.status_code == 200
    assert samples(response.content.decode())["outbox_pending"] == 2


@pytest.mark.parametrize("configured", ["s3cret-token-for-prometheus", ""])
def test_a_wrong_token_or_none_configured_is_refused(client, settings, configured):
    settings.METRICS_TOKEN = configured

    response = client.get(URL, headers={"Authorization": "Bearer guess"})

    assert response.status_code == 401


def test_a_wrong_token_is_refused_even_with_a_staff_session(client_for, settings):
    settings.METRICS_TOKEN = "s3cret-token-for-prometheus"

    response = client_for("administrator").get(URL, headers={"Authorization": "Bearer guess"})

    assert response.status_code == 401


def test_metrics_are_read_not_written(client_for):
    assert client_for("administrator").post(URL).status_code == 405


def test_the_text_format_escapes_labels_and_writes_numbers_plainly():
    family = metrics.Metric(
        "test_total", "A help\nline.", "counter", [({"kind": 'a"b\\c'}, 3.0), ({}, 0.5)]
    )

    assert metrics.render([family]) == (
        "# HELP test_total A help line.\n"
        "# TYPE test_total counter\n"
        'test_total{kind="a\\"b\\\\c"} 3\n'
        "test_total 0.5\n"
    )


def test_the_page_reads_in_a_fixed_number_of_queries(
    client_for, backlog, django_assert_num_queries, monkeypatch
):
    # The ground's collectors only (other apps' collectors pin their own queries).
    monkeypatch.setattr(
        metrics,
        "_collectors",
        {name: metrics._collectors[name] for name in ("outbox", "celery")},
    )
    client = client_for("administrator")
    client.get(URL)  # the session and the person, once
    with django_assert_num_queries(3):  # session, person, the backlog (the queues: Redis)
        client.get(URL)
