"""The demo organisation's incidents."""

import datetime

import pytest
from django.core.management import call_command

from apps.incidents.models import Incident

pytestmark = pytest.mark.django_db


def test_seed_demo_logs_the_demo_incidents_once(demo_organisation):
    incidents = Incident.objects.select_related("system")
    assert incidents.filter(severity=2, uncatalogued=True, closed_at__isnull=True).exists()
    assert incidents.filter(severity=3, closed_at__isnull=False).exists()
    cv = incidents.get(system__name="CV screening assistant")
    assert cv.system.eu_ai_act_tier == "high_risk"
    assert cv.regulator_deadline == cv.detected_at + datetime.timedelta(days=15)
    assert cv.regulator_notified_at is None
    assert not cv.uncatalogued
    assert {h.history_user.email for h in cv.history.all()} == {"people@example.com"}
    assert incidents.filter(post_incident_review_due=True).exists()
    count = incidents.count()
    call_command("seed_demo", "--force", verbosity=0)
    assert Incident.objects.count() == count
