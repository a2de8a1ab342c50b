"""Demo risks, mitigations and acceptances for the demo organisation (``manage.py seed_demo``).

Each demo system gets risks from the library (as a team would add them), adapted: residual
assessments once some mitigations are in place, mitigations in progress, implemented or
verified, one risk written by hand, and acceptances pending and approved. Everything goes
through the services, so the history reads like real use. Idempotent: a system that already
has risks is left alone.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from apps.core.services import add_evidence
from apps.library import services as library_services
from apps.mitigations import services as mitigation_services
from apps.risks import permissions as risk_permissions
from apps.risks import services
from apps.risks.models import RiskCategory, RiskStatus, RiskTemplate, Treatment
from apps.systems.models import AISystem

# system name → [(template key, residual (likelihood, impact) or None, mitigation statuses)]
LIBRARY_RISKS = {
    "Aria customer-support assistant": [
        ("llm-hallucinated-policy-answers", (2, 3), ["verified", "implemented"]),
        ("llm-prompt-injection-indirect", (2, 4), ["implemented", "in_progress"]),
        ("llm-discloses-personal-data", (1, 4), ["verified"]),
        ("users-over-trust-chatbot-advice", (3, 3), ["in_progress"]),
        ("missing-ai-interaction-disclosure", (1, 2), ["verified"]),
    ],
    "Next-best-offer recommender": [
        ("recommender-optimises-engagement-over-wellbeing", (2, 3), ["implemented"]),
        ("recommender-feedback-loop-narrows-catalogue", None, []),
    ],
    "Consumer credit scoring model": [
        ("credit-scoring-disparate-impact", (2, 4), ["verified", "implemented"]),
        ("credit-model-data-drift", (2, 3), ["implemented"]),
        ("reviewers-rubber-stamp-ai-recommendations", (2, 4), ["implemented"]),
    ],
    "Loan arrears forecaster": [
        ("forecast-regime-change", (2, 3), ["implemented"]),
        ("sentinel-values-treated-as-real", (1, 3), ["verified"]),
    ],
    "CV screening assistant": [
        ("cv-screening-discriminates", None, ["in_progress"]),
        ("cv-screening-rewards-irrelevant-signals", None, []),
        ("high-risk-system-without-deployer-controls", None, []),
    ],
    "Card fraud detector": [
        ("fraud-model-false-positives-block-customers", (2, 3), ["verified"]),
        ("fraud-concept-drift-adversaries-adapt", (2, 4), ["implemented"]),
        ("adversarial-evasion-of-classifier", None, []),
    ],
    "ID document and selfie verification": [
        ("face-recognition-differential-error-rates", (2, 4), ["implemented"]),
        ("vision-adversarial-patch-or-spoof", (2, 4), ["in_progress"]),
    ],
    "Code assistant": [
        ("hallucinated-package-dependency", (2, 3), ["implemented"]),
        ("staff-paste-confidential-data-into-public-ai", (2, 3), ["verified"]),
    ],
    "IT operations agent": [
        ("agent-excessive-agency-tool-abuse", (2, 4), ["implemented", "in_progress"]),
        ("agent-runaway-cost-and-consumption", None, []),
        ("on-call-cannot-disable-ai-feature", (1, 4), ["verified"]),
    ],
    "Complaint summariser": [
        ("summary-omits-critical-details", (2, 3), ["implemented"]),
        ("summary-adds-unsupported-statements", (2, 2), ["verified"]),
    ],
}

HAND_WRITTEN = {
    "system": "Aria customer-support assistant",
    "title": "Card-status tool answers for the wrong account after a session hand-over",
    "scenario": "When an agent hands a conversation back to Aria, the card-status tool keeps "
    "the previous customer's account in its context for up to one turn. A customer could be "
    "told that another person's card is blocked or see its last four digits. Noticed through "
    "a complaint, the weekly transcript audit, or the tool-call log showing an account "
    "identifier that differs from the session's.",
    "category": ("privacy", "data-leakage"),
    "likelihood_impact": (2, 5),
    "residual": (1, 5),
}


def seed_demo_risks(people: dict) -> int:
    """Add the demo risks to demo systems that have none; returns how many risks were added."""
    added = 0
    templates = {t.key: t for t in RiskTemplate.objects.filter(key__in=_keys())}
    for system in AISystem.objects.filter(name__in=LIBRARY_RISKS).select_related("team"):
        if system.risks.exists():
            continue
        author = system.business_owner
        if not _may_add(author, system):
            author = next(p for p in people.values() if p.is_superuser)
        for key, residual, statuses in LIBRARY_RISKS[system.name]:
            template = templates.get(key)
            if template is None:
                continue
            risk = library_services.add_risk_from_template(
                system=system, template=template, by=author
            )
            added += 1
            _progress(risk, author, residual, statuses)
        if system.name == HAND_WRITTEN["system"]:
            _hand_written(system, author)
            added += 1
        _acceptances(system, author, people)
    return added


def _keys():
    return [key for risks in LIBRARY_RISKS.values() for key, _, _ in risks]


def _may_add(user, system) -> bool:

    return risk_permissions.can_create_risk(user, system)


def _progress(risk, author, residual, statuses):
    """The team's work since adding the risk: mitigations moving on, residual re-assessed."""
    today = timezone.localdate()
    mitigations = list(risk.mitigations.order_by("pk"))
    for mitigation, status in zip(mitigations, statuses, strict=False):
        verified_on = today - datetime.timedelta(days=12) if status == "verified" else None
        mitigation_services.set_status(
            mitigation=mitigation, by=author, status=status, verified_on=verified_on
        )
        if status == "verified":
            add_evidence(
                record=mitigation,
                by=author,
                kind="note",
                note=f"Verified on {verified_on:%d %b %Y}: test run attached to the change "
                "ticket; 0 failures in 200 sampled cases.",
            )
    if residual:
        likelihood, impact = residual
        status = RiskStatus.TREATED if all(s == "verified" for s in statuses) else RiskStatus.OPEN
        services.update_risk(
            risk=risk,
            by=author,
            data={"residual_likelihood": likelihood, "residual_impact": impact, "status": status},
            reason="Re-assessed with the mitigations in place",
        )


def _hand_written(system, author):
    parent_slug, child_slug = HAND_WRITTEN["category"]
    category = RiskCategory.objects.get(slug=child_slug, parent__slug=parent_slug)
    likelihood, impact = HAND_WRITTEN["likelihood_impact"]
    residual_likelihood, residual_impact = HAND_WRITTEN["residual"]
    services.create_risk(
        system=system,
        by=author,
        reason="Found in the pilot's tool-call audit",
        data={
            "title": HAND_WRITTEN["title"],
            "scenario": HAND_WRITTEN["scenario"],
            "category": category,
            "owner": author,
            "inherent_likelihood": likelihood,
            "inherent_impact": impact,
            "residual_likelihood": residual_likelihood,
            "residual_impact": residual_impact,
            "treatment": Treatment.MITIGATE,
            "status": RiskStatus.OPEN,
        },
    )


def _acceptances(system, author, people):
    """One approved acceptance (Aria) and one waiting for the committee (fraud detector)."""
    committee = people.get("committee@example.com")
    if system.name == "Aria customer-support assistant" and committee:
        risk = system.risks.filter(template__key="missing-ai-interaction-disclosure").first()
        if risk:
            acceptance = services.request_acceptance(
                risk=risk,
                by=author,
                rationale="The disclosure banner is shown at the start of every chat and "
                "verified; the remaining risk (screenshots shared without the banner) is low "
                "and reviewed at each periodic review.",
                expires_on=timezone.localdate() + datetime.timedelta(days=180),
            )
            services.decide_acceptance(
                acceptance=acceptance,
                by=committee,
                approve=True,
                comment="Accepted for six months; re-check after the app redesign.",
            )
    if system.name == "Card fraud detector":
        risk = system.risks.filter(template__key="fraud-model-false-positives-block-customers")
        risk = risk.first()
        if risk:
            services.request_acceptance(
                risk=risk,
                by=author,
                rationale="False positives are capped by the 15-minute human review of every "
                "block; lowering them further would let more fraud through. We ask to accept "
                "the residual risk until the next model release.",
                expires_on=timezone.localdate() + datetime.timedelta(days=120),
            )
