"""Demo fundamental rights impact assessments (``manage.py seed_demo``, after compliance).

The consumer credit scoring model is a high-risk system the bank deploys for creditworthiness
(Annex III 5(b)): the compliance rules give it its Art. 27 obligation. Its team writes the
assessment, links the system's risks and submits it; the committee approves version 1, which
becomes the obligation's evidence, and the team then records the authority's notification in the
draft (Art. 27(3)). Everything goes through the services. Idempotent: a system that already
has its assessment is left alone.
"""

from __future__ import annotations

from django.utils import timezone

from apps.assessments import selectors, services
from apps.reviews import services as review_services
from apps.reviews.models import ReviewStatus
from apps.systems.models import AISystem

CREDIT = "Consumer credit scoring model"

SECTIONS = {
    CREDIT: {
        "deployer_process": "Consumer lending: every application for a personal loan or a "
        "credit card is scored when it is submitted. Above the upper cut-off the loan is "
        "approved automatically; in the grey zone an underwriter decides with the score and "
        "its reason codes; below the lower cut-off it is declined with adverse-action "
        "reasons, and the applicant may ask for a human review.",
        "period_of_use": "In service since 2024 for an indefinite period, reviewed each year "
        "with the scorecard's recalibration. Used continuously: about 1,800 applications a "
        "day, more in the weeks before the summer holidays and December.",
        "affected_groups": "Applicants for personal loans and credit cards in Belgium and the "
        "Netherlands (about 450,000 a year), including young adults and recent immigrants "
        "with thin credit files, people on low or irregular incomes, older applicants, and "
        "self-employed people whose income is harder to verify. Co-applicants and guarantors "
        "are affected through the joint decision.",
        "risks_of_harm": "Discrimination (Charter Art. 21): scores that fall harder on an age "
        "band, on nationality through proxies such as time at address, or on women through "
        "career breaks. Access to essential services: wrongful declines that push people to "
        "costlier lenders. Private life and data protection (Art. 7 and 8): use of account "
        "data beyond what the applicant expects. Right to an effective remedy (Art. 47): "
        "decisions that cannot be explained or contested.",
        "human_oversight": "Underwriters decide every grey-zone application and may override "
        "any automatic decision with a recorded reason; overrides are sampled weekly by the "
        "credit policy team. Cut-offs change only with the credit committee's approval. The "
        "model risk team can switch the service to manual underwriting within an hour.",
        "measures_if_materialised": "If monitoring or a complaint shows a disparity or a "
        "systematic error: raise the cut-off review with the credit committee within 5 "
        "working days, route affected segments to manual underwriting meanwhile, re-examine "
        "declined applications of the affected group from the last 6 months and invite those "
        "wrongly declined to reapply with a human decision.",
        "internal_governance": "The Head of Credit Risk owns the system; the AI governance "
        "committee approves this assessment and the safety plan; the model risk team runs the "
        "monthly fairness and stability monitoring; the Data Protection Officer is consulted "
        "on every change of data sources.",
        "complaint_mechanisms": "Declined applicants get the main reasons and can ask for a "
        "human review by phone, in a branch or through the online form; an underwriter who "
        "did not take the first decision answers within 10 working days. Unresolved "
        "complaints go to the bank's complaints office and then to Ombudsfin.",
        "authority_name": "FPS Economy — market surveillance authority for AI (Belgium)",
    },
}


def seed_demo_assessments(people: dict) -> int:
    """The demo assessments; returns how many were created."""
    committee = [p for p in people.values() if p.is_committee_member and not p.is_auditor]
    created = 0
    for name, texts in SECTIONS.items():
        system = AISystem.objects.filter(name=name).select_related("team").first()
        if system is None or selectors.art27_obligation(system) is None:
            continue
        if selectors.assessment_of(system) is not None:
            continue
        author = system.business_owner
        assessment = services.start_assessment(system=system, by=author)
        services.update_assessment(
            assessment=assessment,
            by=author,
            data={**texts, "risks": list(system.risks.live())},
            reason="Demo data: written with the credit policy team",
        )
        version = services.submit_assessment(
            assessment=assessment,
            by=author,
            reviewers=committee,
            note="First assessment, before the 2027 recalibration.",
        )
        review = version.review
        for reviewer in committee:
            review.refresh_from_db()
            if review.status != ReviewStatus.PENDING:
                break
            review_services.decide_review(
                review=review,
                reviewer=reviewer,
                decision="approve",
                comment="The harms are concrete and the complaint route is clear.",
            )
        # Art. 27(3): the authority is told once the assessment is done.
        services.update_assessment(
            assessment=assessment,
            by=author,
            data={"authority_notified_on": timezone.localdate()},
            reason="The authority is notified of the approved assessment",
        )
        created += 1
    return created
