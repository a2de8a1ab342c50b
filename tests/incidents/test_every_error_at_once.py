"""The incident services report every problem at once: risks and mitigations of another
system and the incident's own rules (its phases in order), together, each message unchanged."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.incidents import services
from apps.incidents.models import Incident

pytestmark = pytest.mark.django_db


def data(**overrides):
    now = timezone.now()
    return {
        "title": "Balance shown to the wrong customer",
        "description": "The assistant quoted another customer's balance.",
        "severity": 2,
        "occurred_at": now - datetime.timedelta(hours=1),
        "detected_at": now - datetime.timedelta(hours=2),  # before it occurred
    } | overrides


def test_logging_reports_foreign_links_and_phase_order_together(
    system, contributor, foreign_risk, foreign_mitigation
):
    with pytest.raises(ValidationError) as refused:
        services.open_incident(
            system=system,
            by=contributor,
            data=data(),
            risks=[foreign_risk],
            mitigations=[foreign_mitigation],
        )
    found = refused.value.message_dict
    assert set(found) == {"materialised_risks", "follow_up_mitigations", "detected_at"}
    assert "cannot be before" in found["detected_at"][0]
    assert not Incident.objects.exists()


def test_editing_reports_them_together_and_changes_nothing(
    incident, contributor, foreign_risk, foreign_mitigation
):
    versions = incident.history.count()
    with pytest.raises(ValidationError) as refused:
        services.update_incident(
            incident=incident,
            by=contributor,
            data={"title": ""},
            risks=[foreign_risk],
            mitigations=[foreign_mitigation],
        )
    assert set(refused.value.message_dict) == {
        "materialised_risks",
        "follow_up_mitigations",
        "title",
    }
    incident.refresh_from_db()
    assert incident.title == "Refund policy invented in chat"
    assert incident.history.count() == versions
