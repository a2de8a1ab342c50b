"""The risk services: scoring, the matrix, criticality, the library's templates, acceptances,
history."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from apps.core.models import AuditEvent, GovernanceSettings, Level
from apps.risks import services
from apps.risks.models import (
    FrameworkReference,
    Risk,
    RiskAcceptance,
    RiskMatrix,
    RiskTemplate,
)
from apps.systems.models import AISystem
from tests.factories import AISystemFactory, RiskAcceptanceFactory, RiskFactory

pytestmark = pytest.mark.django_db


def risk_data(category, owner, **overrides):
    data = {
        "title": "Invented refund policy",
        "scenario": "The assistant states refund terms that do not exist.",
        "category": category,
        "owner": owner,
        "inherent_likelihood": 4,
        "inherent_impact": 4,
        "residual_likelihood": 2,
        "residual_impact": 3,
        "treatment": "mitigate",
        "status": "open",
    }
    data.update(overrides)
    return data


# --- Scoring and levels ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("likelihood", "impact", "level"),
    [
        (1, 1, Level.LOW),
        (2, 2, Level.LOW),
        (1, 5, Level.MEDIUM),
        (3, 3, Level.MEDIUM),
        (2, 5, Level.HIGH),
        (3, 5, Level.HIGH),
        (4, 4, Level.CRITICAL),
        (5, 5, Level.CRITICAL),
    ],
)
def test_default_matrix_levels(likelihood, impact, level):
    assert RiskMatrix.load().level_for(likelihood * impact) == level


@time_machine.travel(datetime.date(2026, 3, 2))
def test_creating_a_risk_stores_scores_levels_and_deadline(system, contributor, hallucination):
    risk = services.create_risk(
        system=system, by=contributor, data=risk_data(hallucination, contributor)
    )
    assert (risk.inherent_score, risk.residual_score) == (16, 6)
    assert (risk.inherent_level, risk.residual_level) == (Level.CRITICAL, Level.MEDIUM)
    assert risk.assessed_on == datetime.date(2026, 3, 2)
    assert risk.treatment_due == datetime.date(2026, 3, 9)  # Critical: within 7 days


def test_custom_matrix_changes_the_levels(system, contributor, hallucination):
    matrix = RiskMatrix.load()
    matrix.critical_min_score, matrix.high_min_score, matrix.medium_min_score = 20, 12, 6
    matrix.save()
    risk = services.create_risk(
        system=system, by=contributor, data=risk_data(hallucination, contributor)
    )
    assert risk.inherent_level == Level.HIGH
    assert risk.residual_level == Level.MEDIUM


def test_changing_the_matrix_recomputes_levels_and_deadlines_set_based(
    team, django_assert_max_num_queries
):
    risks = [
        RiskFactory(
            system__team=team,
            inherent_likelihood=3,
            inherent_impact=4,
            residual_likelihood=3,
            residual_impact=2,
        )
        for _ in range(3)
    ]
    assert {r.inherent_level for r in risks} == {Level.HIGH}
    matrix = RiskMatrix.load()
    matrix.high_min_score, matrix.high_days = 13, 45
    matrix.save()
    GovernanceSettings.load()  # created on first use; not part of the recomputation
    # 1 + 4 risk UPDATEs, 1 + 4 system UPDATEs, settings read, savepoints: never per row.
    with django_assert_max_num_queries(16):
        assert services.apply_risk_matrix(matrix) == 3
    risk = Risk.objects.get(pk=risks[0].pk)
    assert risk.inherent_level == Level.MEDIUM
    assert risk.residual_level == Level.MEDIUM
    assert risk.treatment_due == risk.assessed_on + datetime.timedelta(days=90)


def test_matrix_bands_must_rise():
    matrix = RiskMatrix.load()
    matrix.high_min_score = 20
    with pytest.raises(ValidationError, match="Bands must rise"):
        matrix.full_clean()


def test_residual_above_inherent_is_refused_on_the_residual_field(
    system, contributor, hallucination
):
    data = risk_data(hallucination, contributor, residual_likelihood=5, residual_impact=5)
    with pytest.raises(ValidationError) as error:
        services.create_risk(system=system, by=contributor, data=data)
    assert "residual_impact" in error.value.error_dict
    assert "cannot score higher" in str(error.value)


def test_database_refuses_residual_above_inherent_even_bypassing_services(system, hallucination):
    risk = RiskFactory(system=system)
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(
            residual_likelihood=5, residual_impact=5, residual_score=25
        )


def test_database_refuses_likelihood_out_of_range(system):
    risk = RiskFactory(system=system)
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(inherent_likelihood=6, inherent_score=24)


def test_risk_titles_are_unique_per_system_ignoring_case(system, contributor, hallucination):
    services.create_risk(system=system, by=contributor, data=risk_data(hallucination, contributor))
    with pytest.raises(ValidationError) as error:
        services.create_risk(
            system=system,
            by=contributor,
            data=risk_data(hallucination, contributor, title="INVENTED refund policy"),
        )
    assert "title" in error.value.error_dict


def test_new_inherent_assessment_restarts_the_deadline(system, contributor, hallucination):
    with time_machine.travel(datetime.date(2026, 1, 1)):
        risk = services.create_risk(
            system=system, by=contributor, data=risk_data(hallucination, contributor)
        )
    with time_machine.travel(datetime.date(2026, 2, 1)):
        services.update_risk(risk=risk, by=contributor, data={"scenario": "Reworded."})
        risk.refresh_from_db()
        assert risk.assessed_on == datetime.date(2026, 1, 1)
        services.update_risk(risk=risk, by=contributor, data={"inherent_impact": 3})
        risk.refresh_from_db()
        assert risk.assessed_on == datetime.date(2026, 2, 1)
        assert risk.inherent_level == Level.HIGH
        assert risk.treatment_due == datetime.date(2026, 3, 3)


# --- Permissions -------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["viewer", "outsider", "auditor", "committee_member", "nobody"])
def test_only_the_team_adds_risks(role, user_for, system, hallucination):
    user = user_for(role)
    with pytest.raises(PermissionDenied):
        services.create_risk(system=system, by=user, data=risk_data(hallucination, user))


def test_risks_of_an_archived_system_are_read_only(system, contributor, hallucination):
    risk = RiskFactory(system=system)
    from apps.systems.services import archive_system

    archive_system(system=system, by=contributor)
    with pytest.raises(PermissionDenied):
        services.update_risk(risk=risk, by=contributor, data={"title": "x"})


# --- History ------------------------------------------------------------------------------------
def test_risk_history_records_user_reason_and_references(system, contributor, hallucination):
    refs = list(FrameworkReference.objects.filter(code__in=["LLM09:2025", "MAP 2.2"]))
    risk = services.create_risk(
        system=system,
        by=contributor,
        reason="Workshop 3",
        data=risk_data(hallucination, contributor, framework_references=refs),
    )
    created = AuditEvent.objects.filter(object_id=risk.pk, content_type__model="risk").order_by(
        "pk"
    )
    assert created.first().change_reason == "Workshop 3"
    assert created.first().user == contributor
    last = created.last()
    references_change = next(c for c in last.changes if c["field"] == "framework_references")
    assert "LLM09:2025" in references_change["new"] and "MAP 2.2" in references_change["new"]


def test_archiving_a_risk_is_recorded(system, contributor):
    risk = RiskFactory(system=system)
    services.archive_risk(risk=risk, by=contributor, reason="Duplicate of RSK-0002")
    risk.refresh_from_db()
    assert risk.is_archived
    assert risk.history.first().history_change_reason == "Duplicate of RSK-0002"


# --- Criticality ----------------------------------------------------------------------------------
def test_system_criticality_follows_its_highest_residual_risk(system, contributor, hallucination):
    services.create_risk(
        system=system,
        by=contributor,
        data=risk_data(hallucination, contributor, residual_likelihood=4, residual_impact=4),
    )
    system.refresh_from_db()
    assert system.criticality == Level.CRITICAL
    assert system.review_cadence_days == 30
    event = AuditEvent.objects.filter(content_type__model="aisystem", object_id=system.pk).first()
    assert event.change_reason == "Criticality recomputed after a risk changed"
    assert event.user == contributor


def test_closing_or_archiving_the_worst_risk_lowers_criticality(system, contributor, hallucination):
    worst = services.create_risk(
        system=system,
        by=contributor,
        data=risk_data(hallucination, contributor, residual_likelihood=4, residual_impact=4),
    )
    services.create_risk(
        system=system,
        by=contributor,
        data=risk_data(
            hallucination, contributor, title="Other", residual_likelihood=1, residual_impact=3
        ),
    )
    services.update_risk(risk=worst, by=contributor, data={"status": "closed"})
    system.refresh_from_db()
    assert system.criticality == Level.LOW


def test_high_risk_tier_keeps_a_system_at_least_high(team, contributor, hallucination):
    system = AISystemFactory(
        team=team, eu_ai_act_tier="high_risk", eu_ai_act_area="4", criticality=Level.HIGH
    )
    services.create_risk(
        system=system,
        by=contributor,
        data=risk_data(hallucination, contributor, residual_likelihood=1, residual_impact=1),
    )
    system.refresh_from_db()
    assert system.criticality == Level.HIGH


def test_matrix_change_recomputes_every_systems_criticality(team):
    system = AISystemFactory(team=team)
    RiskFactory(system=system, residual_likelihood=3, residual_impact=4)  # 12: High by default
    services.recompute_all_criticalities()
    assert AISystem.objects.get(pk=system.pk).criticality == Level.HIGH
    matrix = RiskMatrix.load()
    matrix.critical_min_score, matrix.high_min_score = 20, 15
    matrix.save()
    services.apply_risk_matrix(matrix)
    assert AISystem.objects.get(pk=system.pk).criticality == Level.MEDIUM


# --- The library's templates ----------------------------------------------------------------------
def test_templates_are_suggested_by_kind_of_ai():
    vision = set(RiskTemplate.objects.filter(RiskTemplate.for_ai_kind_q("vision")))
    generative = set(RiskTemplate.objects.filter(RiskTemplate.for_ai_kind_q("generative")))
    injection = RiskTemplate.objects.filter(framework_references__code="LLM01:2025").first()
    assert injection in generative and injection not in vision
    everywhere = RiskTemplate.objects.filter(ai_kinds="").first()
    assert everywhere in vision and everywhere in generative


# --- Acceptances ----------------------------------------------------------------------------------
def test_contributor_requests_an_acceptance(risk, contributor):
    acceptance = services.request_acceptance(
        risk=risk,
        by=contributor,
        rationale="Low residual, weekly sampling.",
        expires_on=datetime.date.today() + datetime.timedelta(days=60),
    )
    assert acceptance.status == "pending"
    assert acceptance.history.get().history_user == contributor


@pytest.mark.parametrize(
    ("days", "message"), [(0, "in the future"), (-3, "in the future"), (400, "at most a year")]
)
def test_acceptance_needs_a_sensible_expiry(risk, contributor, days, message):
    with pytest.raises(ValidationError, match=message):
        services.request_acceptance(
            risk=risk,
            by=contributor,
            rationale="x",
            expires_on=datetime.date.today() + datetime.timedelta(days=days),
        )


def test_only_one_live_acceptance_per_risk(risk, contributor):
    RiskAcceptanceFactory(risk=risk)
    with pytest.raises(ValidationError, match="already has an acceptance"):
        services.request_acceptance(
            risk=risk,
            by=contributor,
            rationale="again",
            expires_on=datetime.date.today() + datetime.timedelta(days=9),
        )


def test_committee_member_approves_and_the_risk_becomes_accepted(risk, committee_member):
    acceptance = RiskAcceptanceFactory(risk=risk)
    services.decide_acceptance(
        acceptance=acceptance, by=committee_member, approve=True, comment="OK"
    )
    risk.refresh_from_db()
    acceptance.refresh_from_db()
    assert acceptance.status == "approved"
    assert acceptance.decided_by == committee_member
    assert (risk.treatment, risk.status) == ("accept", "treated")
    assert risk.history.first().history_user == committee_member


def test_requester_cannot_decide_their_own_acceptance(risk, committee_member):
    acceptance = RiskAcceptanceFactory(risk=risk, requested_by=committee_member)
    with pytest.raises(PermissionDenied, match="you requested"):
        services.decide_acceptance(acceptance=acceptance, by=committee_member, approve=True)


def test_committee_member_cannot_decide_for_a_system_they_own(team, committee_member):
    system = AISystemFactory(team=team, technical_owner=committee_member)
    acceptance = RiskAcceptanceFactory(risk=RiskFactory(system=system))
    with pytest.raises(PermissionDenied, match="system you own"):
        services.decide_acceptance(acceptance=acceptance, by=committee_member, approve=True)


@pytest.mark.parametrize("role", ["contributor", "auditor", "viewer", "administrator"])
def test_only_committee_members_decide(role, user_for, risk):
    acceptance = RiskAcceptanceFactory(risk=risk, requested_by=risk.owner)
    with pytest.raises(PermissionDenied):
        services.decide_acceptance(acceptance=acceptance, by=user_for(role), approve=True)


def test_rejection_needs_a_reason_and_leaves_the_risk_open(risk, committee_member):
    acceptance = RiskAcceptanceFactory(risk=risk)
    with pytest.raises(ValidationError):
        services.decide_acceptance(acceptance=acceptance, by=committee_member, approve=False)
    services.decide_acceptance(
        acceptance=acceptance, by=committee_member, approve=False, comment="Mitigate instead."
    )
    risk.refresh_from_db()
    assert risk.status == "open"


def test_an_acceptance_is_decided_once(risk, committee_member, django_user_model):
    acceptance = RiskAcceptanceFactory(risk=risk)
    services.decide_acceptance(acceptance=acceptance, by=committee_member, approve=True)
    other = django_user_model.objects.create_user(
        "c2@example.org", "x", full_name="C2", is_committee_member=True
    )
    with pytest.raises(ValidationError, match="already approved"):
        services.decide_acceptance(acceptance=acceptance, by=other, approve=False, comment="no")


def test_expired_acceptance_reopens_its_risk_with_history(risk, committee_member):
    acceptance = RiskAcceptanceFactory(risk=risk, expires_on=datetime.date(2026, 6, 30))
    services.decide_acceptance(acceptance=acceptance, by=committee_member, approve=True)
    assert services.expire_acceptances(today=datetime.date(2026, 6, 30)) == []
    expired = services.expire_acceptances(today=datetime.date(2026, 7, 1))
    assert [a.pk for a in expired] == [acceptance.pk]
    risk.refresh_from_db()
    assert risk.status == "open"
    assert "expired" in risk.history.first().history_change_reason
    assert services.expire_acceptances(today=datetime.date(2026, 7, 2)) == []  # idempotent


def test_pending_acceptance_can_be_withdrawn(risk, contributor):
    acceptance = RiskAcceptanceFactory(risk=risk)
    services.withdraw_acceptance(acceptance=acceptance, by=contributor)
    assert RiskAcceptance.objects.get(pk=acceptance.pk).status == "withdrawn"
