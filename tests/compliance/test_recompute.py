"""The applicability service: obligations appear, stop applying (never deleted) and apply again
as a system's facts change, each change with its why, its reason and its history, in a fixed
number of queries whatever the number of systems."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.compliance.applicability import recompute_obligations
from apps.compliance.models import Applicability, Obligation, ObligationStatus
from apps.core.models import AuditEvent
from apps.systems import services as system_services
from tests.factories import AISystemFactory, ObligationFactory, current_requirement

pytestmark = pytest.mark.django_db

HIGH_RISK_PROVIDER = {
    "ai_kind": "classification",
    "eu_ai_act_tier": "high_risk",
    "eu_ai_act_area": "4",
    "eu_ai_act_role": "provider",
}


def identifiers(system, applicability=Applicability.APPLIES) -> set[str]:
    return set(
        Obligation.objects.filter(system=system, applicability=applicability).values_list(
            "requirement__identifier", flat=True
        )
    )


def test_a_new_obligation_says_why_and_when_it_is_due(contributor):
    system = AISystemFactory(**HIGH_RISK_PROVIDER)
    outcome = recompute_obligations(systems=[system], by=contributor, reason="Test")
    assert outcome.created == 13
    art_9 = Obligation.objects.get(system=system, requirement__identifier="Art. 9")
    assert art_9.why.startswith("A high-risk system that the organisation provides (")
    assert "our role (EU AI Act): Provider" in art_9.why
    assert art_9.triggered_by["rules"] == ["high-risk-provider"]
    assert art_9.status == ObligationStatus.NOT_STARTED
    # Annex III high-risk obligations: the amended date (the original is superseded).
    assert art_9.due_date == datetime.date(2027, 12, 2)
    assert art_9.key_date.key == "eu-ai-act-annex-iii-high-risk-amended"


@pytest.mark.parametrize(
    ("facts", "identifier", "due"),
    [
        ({"eu_ai_act_tier": "minimal"}, "Art. 4", datetime.date(2025, 2, 2)),
        ({"eu_ai_act_tier": "minimal", "ai_kind": "generative"}, "Art. 50",
         datetime.date(2026, 8, 2)),
        ({"eu_ai_act_tier": "limited", "interacts_with_people": True}, "Art. 50",
         datetime.date(2026, 8, 2)),
        ({**HIGH_RISK_PROVIDER, "eu_ai_act_area": "annex_i"}, "Art. 9",
         datetime.date(2028, 8, 2)),
        ({"is_general_purpose_model": True, "eu_ai_act_role": "provider"}, "Art. 53",
         datetime.date(2025, 8, 2)),
    ],
)  # fmt: skip
def test_the_due_date_comes_from_the_key_date_that_concerns_the_system(facts, identifier, due):
    system = AISystemFactory(**facts)
    recompute_obligations(systems=[system], reason="Test")
    assert Obligation.objects.get(system=system, requirement__identifier=identifier).due_date == due


def test_an_obligation_that_no_longer_applies_is_kept_with_the_reason(contributor):
    system = AISystemFactory(**HIGH_RISK_PROVIDER)
    recompute_obligations(systems=[system], reason="Test")
    art_9 = Obligation.objects.get(system=system, requirement__identifier="Art. 9")
    art_9.status = ObligationStatus.IN_PROGRESS
    art_9.save()
    system.eu_ai_act_tier, system.eu_ai_act_area = "minimal", ""
    system.save()
    outcome = recompute_obligations(systems=[system], by=contributor, reason="Tier changed")
    assert outcome.retired == 12
    art_9.refresh_from_db()
    assert art_9.applicability == Applicability.NO_LONGER_APPLIES
    assert art_9.applicability_reason == "Tier changed"
    assert art_9.applicability_changed_at is not None
    assert art_9.status == ObligationStatus.IN_PROGRESS  # the work is kept
    assert identifiers(system) == {"Art. 4"}
    assert Obligation.objects.filter(system=system).count() == 13  # nothing deleted


def test_an_obligation_applies_again_when_the_facts_come_back():
    system = AISystemFactory(**HIGH_RISK_PROVIDER)
    recompute_obligations(systems=[system], reason="Test")
    system.eu_ai_act_tier, system.eu_ai_act_area = "limited", ""
    system.save()
    recompute_obligations(systems=[system], reason="Down")
    system.eu_ai_act_tier, system.eu_ai_act_area = "high_risk", "4"
    system.save()
    outcome = recompute_obligations(systems=[system], reason="Up again")
    assert outcome.revived == 12 and outcome.created == 0
    art_9 = Obligation.objects.get(system=system, requirement__identifier="Art. 9")
    assert art_9.applies and art_9.applicability_reason == ""
    assert art_9.history.first().history_change_reason == "Applies again: Up again"


def test_recomputing_without_a_change_writes_nothing():
    system = AISystemFactory(**HIGH_RISK_PROVIDER)
    recompute_obligations(systems=[system], reason="Test")
    versions = dict(Obligation.objects.values_list("pk", "version"))
    events = AuditEvent.objects.count()
    outcome = recompute_obligations(systems=[system], reason="Again")
    assert not outcome
    assert dict(Obligation.objects.values_list("pk", "version")) == versions
    assert AuditEvent.objects.count() == events


def test_each_change_leaves_history_and_an_audit_entry(contributor):
    system = AISystemFactory(**HIGH_RISK_PROVIDER)
    recompute_obligations(systems=[system], by=contributor, reason="Registered")
    art_9 = Obligation.objects.get(system=system, requirement__identifier="Art. 9")
    system.eu_ai_act_role = "deployer"
    system.save()
    recompute_obligations(systems=[system], by=contributor, reason="Role changed")
    history = list(art_9.history.order_by("history_id"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert history[1].history_user == contributor
    assert history[1].applicability == Applicability.NO_LONGER_APPLIES
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Obligation), object_id=art_9.pk
    ).order_by("pk")
    assert [e.action for e in events] == ["+", "~"]
    assert events[0].object_repr == f"Art. 9 for {system.name}"
    assert {"field": "applicability", "label": "applicability", "old": "Applies",
            "new": "No longer applicable"} in events[1].changes  # fmt: skip
    assert events[1].change_reason == "No longer applicable: Role changed"
    assert events[1].user == contributor


def test_the_why_follows_the_facts_while_it_still_applies():
    system = AISystemFactory(**{**HIGH_RISK_PROVIDER, "eu_ai_act_role": "deployer"})
    recompute_obligations(systems=[system], reason="Test")
    system.eu_ai_act_role = "provider_and_deployer"
    system.save()
    recompute_obligations(systems=[system], reason="Role changed")
    art_26 = Obligation.objects.get(system=system, requirement__identifier="Art. 26")
    assert "Provider and deployer" in art_26.why
    assert art_26.version == 2


def test_a_due_date_set_by_the_team_stays():
    system = AISystemFactory(**HIGH_RISK_PROVIDER)
    recompute_obligations(systems=[system], reason="Test")
    art_9 = Obligation.objects.get(system=system, requirement__identifier="Art. 9")
    art_9.custom_due_date = art_9.due_date = datetime.date(2027, 3, 1)
    art_9.save()
    system.eu_ai_act_area = "annex_i"
    system.save()
    recompute_obligations(systems=[system], reason="Area changed")
    art_9.refresh_from_db()
    assert art_9.due_date == datetime.date(2027, 3, 1)
    assert art_9.key_date.key == "eu-ai-act-annex-i-high-risk-amended"


def test_only_the_systems_asked_are_recomputed():
    asked, other = AISystemFactory(ai_kind="vision"), AISystemFactory(ai_kind="vision")
    recompute_obligations(systems=[asked.pk], reason="Test")
    assert identifiers(asked) == {"Art. 4"}
    assert identifiers(other) == set()


@pytest.mark.postgres  # SQLite splits big inserts into batches of its parameter limit
def test_the_number_of_queries_does_not_grow_with_the_systems(contributor):
    def queries_for(count):
        systems = [AISystemFactory(**HIGH_RISK_PROVIDER) for _ in range(count)]
        with CaptureQueriesContext(connection) as first:
            recompute_obligations(systems=systems, by=contributor, reason="Created")
        for system in systems:
            system.eu_ai_act_tier, system.eu_ai_act_area = "limited", ""
            system.save()
        with CaptureQueriesContext(connection) as second:
            recompute_obligations(systems=systems, by=contributor, reason="Retired")
        return len(first), len(second)

    assert queries_for(1) == queries_for(15)


def test_fifteen_systems_take_far_fewer_queries_than_obligations(contributor):
    systems = [AISystemFactory(**HIGH_RISK_PROVIDER) for _ in range(15)]
    with CaptureQueriesContext(connection) as queries:
        outcome = recompute_obligations(systems=systems, by=contributor, reason="Created")
    assert outcome.created == 15 * 13
    assert len(queries) <= 30


def test_changing_a_systems_tier_through_its_service_recomputes(system, contributor):
    assert identifiers(system) == set()  # made by the factory, not the service
    system = system_services.update_system(
        system=system, by=contributor, data=HIGH_RISK_PROVIDER, reason="Now high-risk"
    )
    provider_articles = {f"Art. {n}" for n in (9, 10, 11, 12, 13, 14, 15, 17, 43, 49, 72, 73)}
    assert identifiers(system) == {"Art. 4", *provider_articles}
    art_9 = Obligation.objects.get(system=system, requirement__identifier="Art. 9")
    assert art_9.history.first().history_change_reason.startswith("The system's ")
    assert art_9.history.first().history_user == contributor


def test_a_change_that_is_not_a_fact_recomputes_nothing(system, contributor):
    system_services.update_system(
        system=system, by=contributor, data={"description": "Now documented."}
    )
    assert not Obligation.objects.filter(system=system).exists()


def test_registering_a_system_derives_its_obligations(team, contributor):
    system = system_services.create_system(
        by=contributor,
        data={
            "name": "Credit assistant",
            "purpose": "Scores loan applications.",
            "business_process": "Application → score → officer decides.",
            "team": team,
            "business_owner": contributor,
            "technical_owner": contributor,
            "lifecycle_stage": "development",
            "ai_kind": "classification",
            "decision_role": "advises",
            "oversight_mode": "in_the_loop",
            "eu_ai_act_tier": "high_risk",
            "eu_ai_act_area": "5",
            "annex_iii_point": "b",
            "eu_ai_act_role": "deployer",
        },
    )
    assert identifiers(system) == {"Art. 4", "Art. 26", "Art. 27"}
    art_27 = Obligation.objects.get(system=system, requirement__identifier="Art. 27")
    assert "Annex III point: (b)" in art_27.why


def test_a_system_of_the_factory_keeps_its_obligations_when_recomputed_elsewhere(system):
    obligation = ObligationFactory(system=system, requirement=current_requirement("Art. 10"))
    recompute_obligations(systems=[AISystemFactory()], reason="Test")
    obligation.refresh_from_db()
    assert obligation.applies


def test_many_facts_changed_at_once_still_fit_the_history(system, contributor):
    system_services.update_system(
        system=system,
        by=contributor,
        data={
            **HIGH_RISK_PROVIDER,
            "serves_public": True,
            "interacts_with_people": True,
            "processes_personal_data": True,
            "affects_public": True,
        },
    )
    art_9 = Obligation.objects.get(system=system, requirement__identifier="Art. 9")
    reason = art_9.history.first().history_change_reason
    assert len(reason) <= 100
    assert reason == "8 facts of the system changed"
