"""Compliance in the generated register (varied facts, obligations derived and worked) and in the
demo organisation (facts, worked obligations, an exception, a Statement of Applicability)."""

from __future__ import annotations

import pytest

from apps.compliance import soa
from apps.compliance.models import (
    AcceptanceStatus,
    Applicability,
    Obligation,
    ObligationException,
    ObligationStatus,
)
from apps.compliance.models_soa import SoAVersionStatus
from apps.core.models import Evidence
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


@pytest.mark.django_db
def test_the_demo_has_worked_obligations_and_an_exception(demo_organisation):
    credit = AISystem.objects.get(name="Consumer credit scoring model")
    obligations = Obligation.objects.filter(system=credit, applicability=Applicability.APPLIES)
    assert "Art. 27" in set(obligations.values_list("requirement__identifier", flat=True))
    assert obligations.exclude(status=ObligationStatus.NOT_STARTED).exists()
    assert Evidence.objects.filter(obligation__isnull=False).exists()
    [exception] = ObligationException.objects.all()
    assert exception.status == AcceptanceStatus.APPROVED


@pytest.mark.django_db
def test_the_demo_has_an_approved_statement_and_a_draft_moving_on(demo_organisation):
    in_force = soa.current_soa_version()
    assert in_force.status == SoAVersionStatus.APPROVED
    assert in_force.entries.count() == 38
    changed = [row for row in soa.soa_draft() if row.changed_since_approved]
    assert len(changed) == 1
