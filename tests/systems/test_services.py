"""The inventory's services: derived values, rules, and the history they leave."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.models import AuditEvent, GovernanceSettings, Level
from apps.systems import services
from apps.systems.models import AISystem, EUAIActTier
from tests.factories import AISystemFactory, UserFactory

pytestmark = pytest.mark.django_db


def system_data(team, owner, **overrides):
    data = {
        "name": "Support chatbot",
        "purpose": "Answers customers' questions in the app.",
        "business_process": "Customer asks → bot answers → agent takes over if needed.",
        "description": "",
        "team": team,
        "business_owner": owner,
        "technical_owner": owner,
        "lifecycle_stage": "production",
        "ai_kind": "generative",
        "vendor": "Hosted LLM",
        "processes_personal_data": True,
        "processes_special_category_data": False,
        "processes_financial_data": False,
        "processes_confidential_data": False,
        "processes_public_data": False,
        "affects_customers": True,
        "affects_employees": False,
        "affects_public": False,
        "decision_role": "advises",
        "oversight_mode": "on_the_loop",
        "eu_ai_act_tier": "limited",
        "eu_ai_act_area": "",
        "model_version": "v1",
        "training_data_version": "",
        "code_version": "",
        "configuration_version": "",
        "rollback_thresholds": "",
        "customer_data_training": "never",
    }
    data.update(overrides)
    return data


# --- Criticality ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tier", "highest", "expected"),
    [
        (EUAIActTier.MINIMAL, None, Level.LOW),
        (EUAIActTier.MINIMAL, Level.MEDIUM, Level.MEDIUM),
        (EUAIActTier.LIMITED, Level.CRITICAL, Level.CRITICAL),
        (EUAIActTier.HIGH_RISK, None, Level.HIGH),
        (EUAIActTier.HIGH_RISK, Level.LOW, Level.HIGH),
        (EUAIActTier.HIGH_RISK, Level.CRITICAL, Level.CRITICAL),
        (EUAIActTier.PROHIBITED, None, Level.CRITICAL),
        (EUAIActTier.PROHIBITED, Level.LOW, Level.CRITICAL),
    ],
)
def test_criticality_follows_highest_residual_level_and_tier(tier, highest, expected):
    assert services.derive_criticality(tier=tier, highest_residual_level=highest) == expected


def test_next_review_is_due_one_cadence_after_last_approval():
    assert services.next_review_due(datetime.date(2026, 1, 1), 90) == datetime.date(2026, 4, 1)


def test_no_review_is_scheduled_before_a_first_approval():
    assert services.next_review_due(None, 90) is None


# --- Create ---------------------------------------------------------------------------------------
def test_contributor_registers_a_system_with_derived_fields(team, contributor):
    system = services.create_system(
        by=contributor,
        data=system_data(team, contributor, eu_ai_act_tier="high_risk", eu_ai_act_area="5"),
    )
    assert system.pk
    assert system.created_by == contributor
    assert system.criticality == Level.HIGH
    assert system.review_cadence_days == 90


def test_registering_leaves_history_with_user_and_reason(team, contributor):
    system = services.create_system(
        by=contributor, data=system_data(team, contributor), reason="New pilot"
    )
    record = system.history.get()
    assert record.history_user == contributor
    assert record.history_change_reason == "New pilot"
    assert record.history_type == "+"


def test_contributor_cannot_register_a_system_for_another_team(other_team, contributor):
    with pytest.raises(PermissionDenied):
        services.create_system(by=contributor, data=system_data(other_team, contributor))
    assert not AISystem.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "auditor", "committee_member", "nobody"])
def test_non_contributors_cannot_register_a_system(role, user_for, team):
    user = user_for(role)
    with pytest.raises(PermissionDenied):
        services.create_system(by=user, data=system_data(team, user))


def test_high_risk_system_needs_its_area(team, contributor):
    with pytest.raises(ValidationError) as error:
        services.create_system(
            by=contributor, data=system_data(team, contributor, eu_ai_act_tier="high_risk")
        )
    assert "Annex III" in str(error.value)


def test_area_is_cleared_when_the_system_is_not_high_risk(team, contributor):
    system = services.create_system(
        by=contributor,
        data=system_data(team, contributor, eu_ai_act_tier="minimal", eu_ai_act_area="4"),
    )
    assert system.eu_ai_act_area == ""


def test_name_is_unique_among_a_teams_active_systems(team, contributor):
    services.create_system(by=contributor, data=system_data(team, contributor))
    with pytest.raises(ValidationError) as error:
        services.create_system(
            by=contributor, data=system_data(team, contributor, name="SUPPORT chatbot")
        )
    assert "name" in error.value.error_dict


def test_name_of_an_archived_system_can_be_reused(team, contributor):
    first = services.create_system(by=contributor, data=system_data(team, contributor))
    services.archive_system(system=first, by=contributor)
    second = services.create_system(by=contributor, data=system_data(team, contributor))
    assert second.pk != first.pk


def test_unknown_fields_are_refused(team, contributor):
    with pytest.raises(ValueError, match="criticality"):
        services.create_system(
            by=contributor, data=system_data(team, contributor, criticality=Level.LOW)
        )


# --- Update ---------------------------------------------------------------------------------------
def test_editing_the_tier_recomputes_criticality_and_records_the_change(team, contributor):
    system = services.create_system(by=contributor, data=system_data(team, contributor))
    services.update_system(
        system=system,
        by=contributor,
        data={"eu_ai_act_tier": "prohibited"},
        reason="Legal review: emotion recognition at work",
    )
    system.refresh_from_db()
    assert system.criticality == Level.CRITICAL
    assert system.review_cadence_days == 30
    event = AuditEvent.objects.filter(object_id=system.pk, action="~").get()
    assert event.user == contributor
    assert event.change_reason == "Legal review: emotion recognition at work"
    changed = {change["field"]: change for change in event.changes}
    assert changed["eu_ai_act_tier"]["old"] == "Limited risk: transparency duties (Art. 50)"
    assert changed["eu_ai_act_tier"]["new"] == "Prohibited (Art. 5)"
    assert changed["criticality"] == {
        "field": "criticality",
        "label": "criticality",
        "old": "Low",
        "new": "Critical",
    }


def test_viewer_cannot_edit(team, viewer):
    system = AISystemFactory(team=team)
    with pytest.raises(PermissionDenied):
        services.update_system(system=system, by=viewer, data={"name": "Renamed"})


def test_moving_a_system_needs_contributor_rights_on_the_new_team(team, other_team, contributor):
    system = AISystemFactory(team=team)
    with pytest.raises(PermissionDenied):
        services.update_system(system=system, by=contributor, data={"team": other_team})
    system.refresh_from_db()
    assert system.team == team


def test_archived_system_cannot_be_edited(team, contributor):
    system = AISystemFactory(team=team)
    services.archive_system(system=system, by=contributor)
    with pytest.raises(PermissionDenied):
        services.update_system(system=system, by=contributor, data={"name": "Renamed"})


# --- Archive --------------------------------------------------------------------------------------
def test_archiving_keeps_the_record_and_records_who_and_why(team, contributor):
    system = AISystemFactory(team=team)
    services.archive_system(system=system, by=contributor, reason="Replaced by v2")
    system.refresh_from_db()
    assert system.is_archived
    assert system.archived_by == contributor
    assert AISystem.objects.filter(pk=system.pk).exists()
    event = AuditEvent.objects.filter(object_id=system.pk).first()
    assert event.change_reason == "Replaced by v2"
    assert [c["field"] for c in event.changes] == ["archived_at", "archived_by"]


def test_archiving_twice_is_refused(team, contributor):
    system = AISystemFactory(team=team)
    services.archive_system(system=system, by=contributor)
    with pytest.raises(ValidationError, match="already archived"):
        services.archive_system(system=system, by=contributor)


def test_restoring_brings_a_system_back(team, contributor):
    system = AISystemFactory(team=team)
    services.archive_system(system=system, by=contributor)
    services.restore_system(system=system, by=contributor)
    system.refresh_from_db()
    assert not system.is_archived


def test_restoring_is_refused_when_an_active_system_took_the_name(team, contributor):
    system = AISystemFactory(team=team, name="Chatbot")
    services.archive_system(system=system, by=contributor)
    AISystemFactory(team=team, name="Chatbot")
    with pytest.raises(ValidationError):
        services.restore_system(system=system, by=contributor)


@pytest.mark.parametrize("role", ["viewer", "outsider", "auditor", "committee_member"])
def test_only_contributors_and_administrators_archive(role, user_for, team):
    system = AISystemFactory(team=team)
    with pytest.raises(PermissionDenied):
        services.archive_system(system=system, by=user_for(role))


# --- Cadence --------------------------------------------------------------------------------------
def test_changing_the_cadence_recomputes_every_system_in_a_few_queries(
    team, django_assert_max_num_queries
):
    approved = datetime.date(2026, 1, 1)
    systems = [
        AISystemFactory(team=team, criticality=level, last_approved=approved)
        for level in (Level.LOW, Level.MEDIUM, Level.HIGH, Level.CRITICAL)
    ] + [AISystemFactory(team=team, criticality=Level.HIGH, last_approved=None)]
    governance = GovernanceSettings.load()
    governance.review_cadence_high_days = 60
    governance.save()
    with django_assert_max_num_queries(len(Level) + 2):  # one UPDATE per level + savepoint
        assert services.recompute_review_cadences(governance) == 5
    high = AISystem.objects.get(pk=systems[2].pk)
    assert high.review_cadence_days == 60
    assert high.next_review_due == datetime.date(2026, 3, 2)
    never_approved = AISystem.objects.get(pk=systems[4].pk)
    assert never_approved.next_review_due is None


def test_cadences_must_be_ordered_by_criticality():
    governance = GovernanceSettings.load()
    governance.review_cadence_critical_days = 400
    with pytest.raises(ValidationError, match="at least as often"):
        governance.full_clean()


def test_business_owner_must_be_a_real_user(team, contributor):
    data = system_data(team, contributor)
    data["business_owner"] = UserFactory.build()  # never saved
    with pytest.raises((ValidationError, ValueError)):
        services.create_system(by=contributor, data=data)
