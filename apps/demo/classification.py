"""The demo organisation's EU AI Act classifications: every system answered the questionnaire,
and the result — its current tier — is applied, with the rationale the answers give.

The CV screening assistant shows the committee at work: its first classification claimed the
Art. 6(3) exemption (a preparatory task), the committee did not confirm it (ranking candidates
evaluates them: that is profiling), and its second one, high-risk under Annex III 4(a), is
applied. Idempotent: a system that has a classification is left alone.
"""

from __future__ import annotations

from apps.classification import questionnaire
from apps.classification import services as classification_services
from apps.reviews import selectors as review_selectors
from apps.reviews import services as review_services
from apps.systems import permissions as system_permissions
from apps.systems.models import AISystem

CV = "CV screening assistant"

AI_SYSTEM = {
    "infers_outputs": "yes",
    "operates_autonomously": "yes",
    "prohibited_practices": ["none"],
    "annex_i_product": "no",
    "annex_iii_use": "none",
    "exemption_conditions": ["none"],
    "transparency_triggers": ["none"],
    "general_purpose_model": "no",
}

# Staff tools introduced to their users as AI: Art. 50(1) asks no further notice, and content a
# person edits before it is used carries no marking duty (Art. 50(2)).
STAFF_ASSISTANT = {
    "transparency_triggers": ["interacts", "synthetic"],
    "obviously_ai": "yes",
    "assistive_only": "yes",
}

ANSWERS = {
    "Aria customer-support assistant": {
        "transparency_triggers": ["interacts", "synthetic"],
        "obviously_ai": "no",
        "assistive_only": "no",
    },
    "Next-best-offer recommender": {},
    "Consumer credit scoring model": {"annex_iii_use": "5b", "profiling": "yes"},
    "Loan arrears forecaster": {},
    CV: {"annex_iii_use": "4a", "profiling": "yes"},
    # Fraud detection is the exception in Annex III 5(b): no Annex III use.
    "Card fraud detector": {},
    # One-to-one verification is excluded from Annex III 1(a); customers are told an automated
    # check reads their document and selfie.
    "ID document and selfie verification": {
        "transparency_triggers": ["interacts"],
        "obviously_ai": "no",
    },
    "Code assistant": STAFF_ASSISTANT,
    "IT operations agent": {"transparency_triggers": ["interacts"], "obviously_ai": "yes"},
    "Complaint summariser": STAFF_ASSISTANT,
}

# The CV screening assistant's first try: the exemption, which the committee does not confirm.
CV_FIRST = {
    "annex_iii_use": "4a",
    "profiling": "no",
    "exemption_conditions": ["d"],
    "exemption_reasoning": "It only orders the applications: a recruiter reads every one and "
    "decides whom to interview.",
}
CV_REJECTION = (
    "Ranking candidates against a vacancy evaluates them on personal aspects: that is profiling, "
    "which rules out the Art. 6(3) exemption. Classify it again with profiling."
)


def _classifier(system: AISystem, fallback):
    """The system's owner who contributes to its team (as the team would), else ``fallback``."""
    return next(
        (
            person
            for person in (system.technical_owner, system.business_owner)
            if person is not None and system_permissions.can_edit_system(person, system)
        ),
        fallback,
    )


def _answers(changes: dict) -> dict:
    return {**AI_SYSTEM, **changes}


def seed_demo_classifications(people: dict) -> int:
    """Classify every demo system not classified yet; returns how many were classified."""
    admin = next(p for p in people.values() if p.is_superuser)
    committee = [p for p in people.values() if p.is_committee_member]
    classified = 0
    systems = AISystem.objects.active().select_related("technical_owner", "business_owner")
    for system in systems.filter(classifications__isnull=True).order_by("pk"):
        changes = ANSWERS.get(system.name)
        if changes is None:
            continue
        result = questionnaire.classify(_answers(changes))
        if result.tier != system.eu_ai_act_tier:
            raise ValueError(
                f"The demo's answers for {system.name} give {result.tier}, but it is "
                f"{system.eu_ai_act_tier}: keep them consistent."
            )
        by = _classifier(system, admin)
        if system.name == CV:
            _committee_declines_the_exemption(system, by, committee)
        record = classification_services.record_classification(
            system=system, by=by, answers=_answers(changes), reason="Demo data: classified"
        )
        classification_services.apply_classification(record=record, by=by)
        classified += 1
    return classified


def _committee_declines_the_exemption(system: AISystem, by, committee) -> None:
    first = classification_services.record_classification(
        system=system, by=by, answers=_answers(CV_FIRST), reason="Demo data: first try"
    )
    reviewers = list(review_selectors.eligible_reviewers(system, {by.pk}))
    review = classification_services.request_confirmation(
        record=first,
        by=by,
        reviewers=reviewers,
        note="The recruiters decide; the tool only orders the queue.",
    )
    decider = next(person for person in committee if person in reviewers)
    review_services.decide_review(
        review=review,
        reviewer=decider,
        decision="reject",
        comment=CV_REJECTION,
        version=review.current_version.number,
    )
