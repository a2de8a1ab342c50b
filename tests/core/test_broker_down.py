"""Fault injection: the broker is down (its URL points at a port where nothing listens).

A committee decision, a risk saved, an export asked for and an API read all succeed; their side
effects wait in the outbox; once the broker is back the relay delivers each exactly once.
"""

import logging
import socket
import time

import pytest
from django.core import mail
from django.urls import reverse

from apps.core import outbox, tasks
from apps.core.models import OutboxMessage, OutboxStatus
from apps.exports.models import ExportJob, ExportStatus
from apps.reminders.models import DigestFrequency
from apps.reviews.models import Decision, ReviewStatus
from config import celery_app
from tests.factories import (
    MembershipFactory,
    NotificationPreferenceFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A local port where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker(monkeypatch):
    """Yields ``back()``; until it is called, Celery publishes to a broker that is down."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    monkeypatch.setattr(outbox, "_broker_resting_until", 0.0)

    def back():
        # The broker is back: tasks reach a worker again (this process: eager).
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = True, previous[1]

    yield back
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = previous


@pytest.fixture
def review(system, committee_member, team):
    submitter = MembershipFactory(team=team, user__full_name="Sam Submitter").user
    for person in (submitter, system.business_owner):
        NotificationPreferenceFactory(user=person, digest=DigestFrequency.IMMEDIATE)
    return ReviewFactory(system=system, submitted_by=submitter, reviewers=[committee_member])


def test_a_committee_decision_succeeds_and_its_e_mails_go_out_once_the_broker_is_back(
    broker, review, client_for, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.WARNING, logger="apps.core.outbox")
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("committee_member").post(
            reverse("reviews:decide", args=[review.pk]),
            {"decision": "request_changes", "comment": "Attach the bias evaluation.", "version": 1},
        )
    elapsed = time.monotonic() - started

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.CHANGES_REQUESTED
    assert Decision.objects.filter(review=review).count() == 1
    pending = OutboxMessage.objects.filter(kind="reminders.email", status=OutboxStatus.PENDING)
    assert pending.count() == 2
    assert mail.outbox == []
    assert "could not ask the broker for a relay" in caplog.text
    assert elapsed < 5  # the request did not wait on the broker's retries

    broker()
    tasks.relay_outbox.delay()  # beat's periodic relay, once the broker is back
    tasks.relay_outbox.delay()  # and the next one

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [review.submitted_by.email, review.system.business_owner.email]
    )
    assert not pending.exists()


def test_a_risk_is_saved_while_the_broker_is_down(
    broker, risk, contributor, client_for, django_capture_on_commit_callbacks
):
    data = {
        "title": "Invented refund policy",
        "scenario": "The assistant states refund terms that do not exist.",
        "category": risk.category_id,
        "owner": contributor.pk,
        "inherent_likelihood": 5,
        "inherent_impact": 5,
        "residual_likelihood": 2,
        "residual_impact": 3,
        "treatment": "mitigate",
        "status": "open",
        "framework_references": [],
        "change_reason": "Raised during the outage",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(contributor).post(reverse("risks:edit", args=[risk.pk]), data)

    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.inherent_score == 25


def test_an_api_read_answers_while_the_broker_is_down(broker, risk, client_for):
    response = client_for("contributor").get(reverse("api:risk-list"))

    assert response.status_code == 200
    assert response.json()["results"][0]["title"] == risk.title


def test_an_export_asked_for_while_the_broker_is_down_runs_once_it_is_back(
    broker, risk, contributor, client_for, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(contributor).post(reverse("exports:register"), {"params": ""})

    job = ExportJob.objects.get(user=contributor)
    assert response.status_code == 302
    assert job.status == ExportStatus.PENDING
    message = OutboxMessage.objects.get(kind="exports.run")
    # The relay tried to hand it to the worker, and will again.
    assert outbox.relay().retried == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert "OperationalError" in message.last_error

    broker()
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
    assert outbox.relay().sent == 1

    job.refresh_from_db()
    assert (job.status, job.row_count) == (ExportStatus.DONE, 1)
    assert outbox.relay().sent == 0  # handed over once


def test_after_one_refusal_requests_stop_asking_the_broker_for_a_while(broker, monkeypatch):
    calls = []

    def refused(keys):
        calls.append(keys)
        tasks.request_relay(keys)

    monkeypatch.setattr(outbox, "relay_requester", refused)

    outbox.RelayRequest(["a"])()
    outbox.RelayRequest(["b"])()

    assert calls == [["a"]]  # the periodic relay delivers "b"
