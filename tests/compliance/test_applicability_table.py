"""Which EU AI Act articles apply, for every tier × role × special case: the rules of the shipped
catalogue, evaluated on a system's facts, give exactly the article set the issue states.

The expected sets are written out from the issue (`expected_articles`), independently of the
catalogue's data, and a few cases are spelled out literally as well."""

import itertools

import pytest

from apps.compliance.applicability import derive, key_dates_in_force, rules_in_force
from apps.compliance.facts import FACT_FIELDS
from apps.compliance.models import Requirement
from apps.systems.models import AISystem
from tests.db import restore_migrated_rows_if_emptied

pytestmark = pytest.mark.django_db

PROVIDER_ARTICLES = {
    "Art. 9", "Art. 10", "Art. 11", "Art. 12", "Art. 13", "Art. 14", "Art. 15", "Art. 17",
    "Art. 43", "Art. 49", "Art. 72", "Art. 73",
}  # fmt: skip
ROLES = ["provider", "deployer", "provider_and_deployer", "importer_distributor"]
TIERS = {
    # tier: the area and point the system has in that tier
    "prohibited": ("", ""),
    "high_risk": ("4", "a"),
    "limited": ("", ""),
    "minimal": ("", ""),
}
SPECIAL = {
    "none": {},
    "gpai": {"is_general_purpose_model": True},
    "gpai_systemic": {"is_general_purpose_model": True, "has_systemic_risk": True},
    "public_service": {"serves_public": True},
    "annex_iii_5b": {"eu_ai_act_area": "5", "annex_iii_point": "b"},
    "annex_iii_5c": {"eu_ai_act_area": "5", "annex_iii_point": "c"},
    "annex_iii_5a": {"eu_ai_act_area": "5", "annex_iii_point": "a"},
    "annex_i": {"eu_ai_act_area": "annex_i", "annex_iii_point": ""},
    "chatbot": {"interacts_with_people": True, "ai_kind": "classification"},
    "generative": {"ai_kind": "generative"},
    "agent_not_chatbot": {"ai_kind": "agent"},
}


def facts(tier, role, special):
    area, point = TIERS[tier]
    values = {name: AISystem._meta.get_field(name).get_default() for name in FACT_FIELDS} | {
        "eu_ai_act_tier": tier,
        "eu_ai_act_area": area,
        "annex_iii_point": point,
        "eu_ai_act_role": role,
        "ai_kind": "forecasting",
        "lifecycle_stage": "development",
        "decision_role": "advises",
        "oversight_mode": "on_the_loop",
    }
    values |= SPECIAL[special]
    if tier != "high_risk":  # the area and its point belong to high-risk systems only
        values["eu_ai_act_area"], values["annex_iii_point"] = "", ""
    return values


def expected_articles(tier, role, special) -> set[str]:
    """The issue's rules, written out: every system ⇒ Art. 4; prohibited ⇒ Art. 5; high-risk +
    provider ⇒ Art. 9–15, 17, 43, 49, 72, 73; high-risk + deployer ⇒ Art. 26, and Art. 27 for a
    public body / public service or Annex III 5(b)/5(c); chatbot or generative ⇒ Art. 50; GPAI
    provider ⇒ Art. 53, + Art. 55 with systemic risk."""
    provider = role in ("provider", "provider_and_deployer")
    deployer = role in ("deployer", "provider_and_deployer")
    articles = {"Art. 4"}
    if tier == "prohibited":
        articles.add("Art. 5")
    if tier == "high_risk" and provider:
        articles |= PROVIDER_ARTICLES
    if tier == "high_risk" and deployer:
        articles.add("Art. 26")
        if special in ("public_service", "annex_iii_5b", "annex_iii_5c"):
            articles.add("Art. 27")
    if special in ("chatbot", "generative"):
        articles.add("Art. 50")
    if special in ("gpai", "gpai_systemic") and provider:
        articles.add("Art. 53")
        if special == "gpai_systemic":
            articles.add("Art. 55")
    return articles


@pytest.fixture(scope="module")
def engine(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        restore_migrated_rows_if_emptied()
        identifiers = dict(Requirement.objects.values_list("pk", "identifier"))
        return rules_in_force(), key_dates_in_force(), identifiers


def articles_for(engine, values) -> set[str]:
    rules, key_dates, identifiers = engine
    return {identifiers[pk] for pk in derive(values, rules, key_dates)}


CASES = list(itertools.product(TIERS, ROLES, SPECIAL))


@pytest.mark.parametrize(("tier", "role", "special"), CASES, ids=["-".join(c) for c in CASES])
def test_the_articles_that_apply_follow_from_the_facts(engine, tier, role, special):
    assert articles_for(engine, facts(tier, role, special)) == expected_articles(
        tier, role, special
    )


LITERAL = [
    ("minimal", "deployer", "none", {"Art. 4"}),
    ("prohibited", "deployer", "none", {"Art. 4", "Art. 5"}),
    ("limited", "provider", "chatbot", {"Art. 4", "Art. 50"}),
    ("limited", "deployer", "generative", {"Art. 4", "Art. 50"}),
    ("high_risk", "deployer", "none", {"Art. 4", "Art. 26"}),
    ("high_risk", "deployer", "annex_iii_5b", {"Art. 4", "Art. 26", "Art. 27"}),
    ("high_risk", "deployer", "annex_iii_5a", {"Art. 4", "Art. 26"}),
    ("high_risk", "importer_distributor", "public_service", {"Art. 4"}),
    (
        "high_risk",
        "provider",
        "none",
        {
            "Art. 4",
            "Art. 9",
            "Art. 10",
            "Art. 11",
            "Art. 12",
            "Art. 13",
            "Art. 14",
            "Art. 15",
            "Art. 17",
            "Art. 43",
            "Art. 49",
            "Art. 72",
            "Art. 73",
        },
    ),
    ("minimal", "provider", "gpai_systemic", {"Art. 4", "Art. 53", "Art. 55"}),
    ("minimal", "deployer", "gpai_systemic", {"Art. 4"}),
]


@pytest.mark.parametrize(("tier", "role", "special", "articles"), LITERAL)
def test_spelled_out_cases(engine, tier, role, special, articles):
    assert articles_for(engine, facts(tier, role, special)) == articles


def test_every_case_of_the_table_has_its_why(engine):
    rules, key_dates, identifiers = engine
    derived = derive(facts("high_risk", "deployer", "public_service"), rules, key_dates)
    art_27 = next(one for pk, one in derived.items() if identifiers[pk] == "Art. 27")
    assert art_27.why == (
        "A high-risk system deployed by a public body or for a public service (EU AI Act risk "
        "tier: High-risk (Art. 6, Annex I or III); our role (EU AI Act): Deployer; public body "
        "or public service: yes)"
    )
    assert art_27.triggered_by == {
        "rules": ["high-risk-deployer-public-service"],
        "facts": {
            "eu_ai_act_tier": "high_risk",
            "eu_ai_act_role": "deployer",
            "serves_public": True,
        },
    }
