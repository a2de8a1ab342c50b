"""Demo checklists and reviews for the demo organisation (``manage.py seed_demo``).

Aria gets a complete deployment checklist, an initial deployment review approved by the
committee (version 1, with a condition that became a follow-up mitigation), then a model upgrade
and a change review (version 2) waiting in both committee members' queues. Two other systems get
a checklist under way. Everything goes through the services, so the history reads like real use.
Idempotent: a system that already has checklist items or reviews is left alone.
"""

from __future__ import annotations

from apps.core.models import Evidence, Level
from apps.mitigations import services as mitigation_services
from apps.reviews import services
from apps.reviews.models import (
    ChecklistKey,
    ChecklistStatus,
    RequiredSeat,
    ReviewKind,
    Seat,
    SeatHolding,
)
from apps.risks.treatment import MitigationStatus
from apps.systems import services as system_services
from apps.systems.models import AISystem

ARIA = "Aria customer-support assistant"

# key → (evidence kind, evidence, note)
ARIA_CHECKLIST = {
    ChecklistKey.MODEL_PERFORMANCE: (
        Evidence.Kind.NOTE,
        "Pilot audit of 1,000 conversations: 97.1% grounded answers, 0 disclosures of another "
        "customer's data; audit sheet in the support-automation drive.",
        "Validated on the pilot's audited sample.",
    ),
    ChecklistKey.SECURITY_ASSESSMENT: (
        Evidence.Kind.LINK,
        "https://security.example.com/assessments/aria-2026-10",
        "Red-team exercise on prompt injection and tool abuse; 2 findings fixed and re-tested.",
    ),
    ChecklistKey.FAIRNESS_EVALUATION: (
        Evidence.Kind.NOTE,
        "Answer quality compared across the five supported languages and for customers using "
        "accessibility settings: no gap above 2 points.",
        "Language and accessibility slices.",
    ),
    ChecklistKey.MONITORING: (
        Evidence.Kind.LINK,
        "https://grafana.example.com/d/aria-overview",
        "Groundedness sampling, escalation rate and tool errors alert the on-call engineer.",
    ),
    ChecklistKey.INCIDENT_RESPONSE: (
        Evidence.Kind.LINK,
        "https://wiki.example.com/support-automation/aria-incident-runbook",
        "Runbook: switch Aria to hand-over-only mode, notify the DPO for data incidents.",
    ),
    ChecklistKey.ROLLBACK_TESTED: (
        Evidence.Kind.NOTE,
        "Rollback drill on 3 November: previous prompt and index restored in 6 minutes.",
        "Drilled in production hours with the support leads.",
    ),
    ChecklistKey.COMPLIANCE: (
        Evidence.Kind.NOTE,
        "Legal review: limited-risk system (Art. 50): AI disclosure shown at the start of every "
        "chat; DPIA updated.",
        "EU AI Act transparency duty and GDPR DPIA.",
    ),
    ChecklistKey.STAKEHOLDER_SIGN_OFF: (
        Evidence.Kind.NOTE,
        "Signed off by the Head of Customer Support and the Head of Digital Channels.",
        "Business sign-off for the production roll-out.",
    ),
}

# Checklists under way elsewhere: system → keys done (with a note as evidence).
PARTIAL_CHECKLISTS = {
    "Consumer credit scoring model": [
        ChecklistKey.MODEL_PERFORMANCE,
        ChecklistKey.FAIRNESS_EVALUATION,
        ChecklistKey.MONITORING,
        ChecklistKey.COMPLIANCE,
        ChecklistKey.ROLLBACK_TESTED,
    ],
    "CV screening assistant": [ChecklistKey.MODEL_PERFORMANCE, ChecklistKey.COMPLIANCE],
}


# The committee's seats: who holds which, and the seats a critical plan needs (all three
# committee members, so that the fraud detector's plan still goes to the three of them).
DEMO_SEATS = {
    "committee@example.com": ["executive-sponsor", "ethics-representative"],
    "committee2@example.com": ["legal-counsel"],
    "committee3@example.com": ["technical-lead"],
}
CRITICAL_SEATS = ["legal-counsel", "ethics-representative", "technical-lead"]


def seed_demo_seats(people: dict) -> None:
    """Give the demo committee its seats, and require three of them for a critical plan."""
    seats = {seat.slug: seat for seat in Seat.objects.all()}
    for email, slugs in DEMO_SEATS.items():
        person = people.get(email)
        if person is None:
            continue
        for slug in slugs:
            if slug in seats:
                SeatHolding.objects.get_or_create(seat=seats[slug], holder=person)
    for slug in CRITICAL_SEATS:
        if slug in seats:
            RequiredSeat.objects.get_or_create(criticality=Level.CRITICAL, seat=seats[slug])


def seed_demo_reviews(people: dict) -> int:
    """Add the demo checklists and reviews; returns how many reviews were created."""
    created = 0
    seed_demo_seats(people)
    for name, keys in PARTIAL_CHECKLISTS.items():
        system = AISystem.objects.filter(name=name).first()
        if system is None or system.checklist_items.exists():
            continue
        author = system.business_owner
        for key in keys:
            _done(system, key, author, Evidence.Kind.NOTE, f"{key.label}: report attached.", "")
    aria = AISystem.objects.filter(name=ARIA).first()
    committee = people.get("committee@example.com")
    committee2 = people.get("committee2@example.com")
    submitter = people.get("contributor@example.com")
    if aria is None or not (committee and committee2 and submitter) or aria.reviews.exists():
        return created
    if not aria.checklist_items.exists():
        for key, (kind, evidence, note) in ARIA_CHECKLIST.items():
            _done(aria, key, submitter, kind, evidence, note)

    first = services.submit_safety_plan(
        system=aria, by=submitter, kind=ReviewKind.INITIAL, reviewers=[committee, committee2]
    )
    services.decide_review(
        review=first,
        reviewer=committee,
        decision="approve",
        comment="A clear plan: the hand-over path and the groundedness audit are convincing.",
        conditions="Re-run the 200-conversation groundedness audit after every prompt change",
        version=1,
    )
    created += 1

    # A model upgrade, one more mitigation in place, and a change review for it.
    system_services.update_system(
        system=aria,
        by=submitter,
        data={"model_version": "llm-2026-10 + prompt v15"},
        reason="Upgrade to the provider's October model",
    )
    in_progress = aria.mitigations.filter(status=MitigationStatus.IN_PROGRESS).first()
    if in_progress is not None:
        mitigation_services.set_status(
            mitigation=in_progress, by=submitter, status=MitigationStatus.IMPLEMENTED
        )
    services.submit_safety_plan(
        system=aria, by=submitter, kind=ReviewKind.CHANGE, reviewers=[committee, committee2]
    )
    created += 1
    return created


def _done(system, key, by, kind, evidence: str, note: str) -> None:
    content = {"url": evidence} if kind == Evidence.Kind.LINK else {"note": evidence}
    services.add_checklist_evidence(system=system, key=key, by=by, kind=kind, **content)
    services.update_checklist_item(
        system=system, key=key, by=by, status=ChecklistStatus.DONE, note=note
    )
