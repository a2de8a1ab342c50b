"""Compliance in the generated register: varied facts, obligations derived and worked (the demo
organisation's are in test_demo_organisation.py)."""

from __future__ import annotations

import pytest

from apps.compliance.models import Applicability, Obligation, ObligationStatus
from apps.demo.loadgen import generate_load
from apps.systems.models import AISystem

SMALL = {"teams": 3, "systems": 60, "risks": 120, "mitigations": 120, "incidents": 5, "seed": 7}


@pytest.mark.django_db
def test_generated_systems_get_varied_facts_and_worked_obligations():
    report = generate_load(history=False, **SMALL)

    roles = set(AISystem.objects.values_list("eu_ai_act_role", flat=True))
    assert len(roles) >= 3
    applying = Obligation.objects.filter(applicability=Applicability.APPLIES)
    assert report.counts["obligations"] == applying.count()
    assert applying.count() >= SMALL["systems"]  # Art. 4 for every system, and more
    statuses = set(applying.values_list("status", flat=True))
    assert {ObligationStatus.VERIFIED, ObligationStatus.NOT_STARTED} <= statuses
    assert applying.filter(owner__isnull=False).exists()
