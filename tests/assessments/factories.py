"""Factories of the assessments app's records (kept here, not in tests/factories.py, so that the
helpers of issue 21 do not edit one file at once)."""

import factory
from factory.django import DjangoModelFactory

from apps.assessments.models import FundamentalRightsAssessment
from apps.systems.models import EUAIActRole, EUAIActTier
from tests.factories import AISystemFactory, ObligationFactory, current_requirement

SECTION_TEXTS = {
    "deployer_process": "Caseworkers use its score to order benefit applications for review.",
    "period_of_use": "From March 2027, daily, for every new application.",
    "affected_groups": "Applicants for housing benefit, including people with disabilities.",
    "risks_of_harm": "Discrimination by postcode; wrongful delay of urgent applications.",
    "human_oversight": "A caseworker decides every application; the score only orders them.",
    "measures_if_materialised": "Stop the scoring, re-examine the affected applications.",
    "internal_governance": "The benefits director owns it; the AI committee reviews it yearly.",
    "complaint_mechanisms": "Applicants contest through the ombudsman form, answered in 10 days.",
}


def make_art27_system(system):
    """Make ``system`` a high-risk system the organisation deploys for a public service, with
    its Art. 27 obligation as the applicability service writes it (the factory's way)."""
    system.eu_ai_act_tier = EUAIActTier.HIGH_RISK
    system.eu_ai_act_area = "5"
    system.eu_ai_act_role = EUAIActRole.DEPLOYER
    system.serves_public = True
    system.save()
    ObligationFactory(
        system=system,
        requirement=current_requirement("Art. 27"),
        why="A high-risk system deployed by a public body or for a public service",
        triggered_by={"rules": ["high-risk-deployer-public-service"], "facts": {}},
    )
    return system


class AssessmentFactory(DjangoModelFactory):
    """A draft with every section (a)–(f) filled in, no risk linked, never submitted."""

    class Meta:
        model = FundamentalRightsAssessment

    system = factory.LazyAttribute(lambda _: make_art27_system(AISystemFactory()))
    created_by = factory.SelfAttribute("system.business_owner")
    deployer_process = SECTION_TEXTS["deployer_process"]
    period_of_use = SECTION_TEXTS["period_of_use"]
    affected_groups = SECTION_TEXTS["affected_groups"]
    risks_of_harm = SECTION_TEXTS["risks_of_harm"]
    human_oversight = SECTION_TEXTS["human_oversight"]
    measures_if_materialised = SECTION_TEXTS["measures_if_materialised"]
    internal_governance = SECTION_TEXTS["internal_governance"]
    complaint_mechanisms = SECTION_TEXTS["complaint_mechanisms"]
