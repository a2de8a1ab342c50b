"""Incident services: open, edit, walk through the phases, close, and learn from it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.models import AuditEvent
from apps.incidents import services
from apps.incidents.models import Phase, ReportedVia, SeriousIncident
from apps.mitigations.models import Mitigation
from apps.systems.models import EUAIActTier
from tests.factories import AISystemFactory, IncidentFactory, RiskFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def at(minutes: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def data(**overrides) -> dict:
    values = {
        "title": "Refund policy invented in chat",
        "description": "Customers were told they have 90 days to return opened items.",
        "severity": 2,
        "occurred_at": at(0),
        "detected_at": at(45),
    }
    values.update(overrides)
    return values


# --- Opening --------------------------------------------------------------------------------------
def test_contributor_opens_an_incident_linked_to_the_risk_that_materialised(
    system, risk, contributor
):
    incident = services.open_incident(system=system, by=contributor, data=data(), risks=[risk])
    assert list(incident.materialised_risks.all()) == [risk]
    assert incident.uncatalogued is False
    assert incident.phase == Phase.DETECTED
    assert incident.created_by == contributor
    assert incident.reported_via == ReportedVia.WEB


def test_an_incident_matching_no_risk_is_flagged_uncatalogued(system, contributor):
    incident = services.open_incident(system=system, by=contributor, data=data())
    assert incident.uncatalogued is True


def test_a_monitoring_system_opens_an_incident_through_the_api(system, contributor):
    incident = services.open_incident(
        system=system, by=contributor, data=data(), via=ReportedVia.API
    )
    assert incident.reported_via == ReportedVia.API


def test_only_risks_of_the_incidents_system_can_have_materialised(
    system, foreign_system, contributor
):
    foreign_risk = RiskFactory(system=foreign_system)
    with pytest.raises(ValidationError) as caught:
        services.open_incident(system=system, by=contributor, data=data(), risks=[foreign_risk])
    assert "belong to another system" in caught.value.message_dict["materialised_risks"][0]


def test_follow_up_mitigations_belong_to_the_incidents_system(system, foreign_system, contributor):
    from tests.factories import MitigationFactory

    foreign = MitigationFactory(system=foreign_system)
    with pytest.raises(ValidationError) as caught:
        services.open_incident(system=system, by=contributor, data=data(), mitigations=[foreign])
    assert "follow_up_mitigations" in caught.value.message_dict


@pytest.mark.parametrize("role", ["viewer", "outsider", "committee_member", "auditor", "nobody"])
def test_only_the_teams_contributors_open_incidents(role, request, system):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.open_incident(system=system, by=user, data=data())


def test_an_auditor_who_is_also_a_contributor_still_writes_nothing(system, contributor):
    contributor.is_auditor = True
    contributor.save()
    with pytest.raises(PermissionDenied):
        services.open_incident(system=system, by=contributor, data=data())


def test_administrators_open_incidents_of_any_team(foreign_system, administrator):
    incident = services.open_incident(system=foreign_system, by=administrator, data=data())
    assert incident.pk


def test_no_incident_is_logged_on_an_archived_system(system, contributor):
    from apps.systems.services import archive_system

    archive_system(system=system, by=contributor)
    system.refresh_from_db()
    with pytest.raises(PermissionDenied, match="archived"):
        services.open_incident(system=system, by=contributor, data=data())


def test_phases_out_of_order_are_refused_with_the_field_to_correct(system, contributor):
    with pytest.raises(ValidationError) as caught:
        services.open_incident(
            system=system, by=contributor, data=data(assessed_at=at(30), detected_at=at(45))
        )
    assert list(caught.value.message_dict) == ["assessed_at"]


# --- Regulator deadline (EU AI Act Art. 73) -------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "days"),
    [
        (SeriousIncident.GENERAL, 15),
        (SeriousIncident.DEATH, 10),
        (SeriousIncident.WIDESPREAD, 2),
    ],
)
def test_a_serious_incident_of_a_high_risk_system_gets_its_art73_deadline(
    case, days, high_risk_system, contributor
):
    incident = services.open_incident(
        system=high_risk_system, by=contributor, data=data(serious_incident=case)
    )
    assert incident.regulator_notification_required is True
    assert incident.regulator_deadline == at(45) + datetime.timedelta(days=days)
    assert incident.art73_applies


def test_the_deadline_runs_from_detection_not_from_occurrence(high_risk_system, contributor):
    incident = services.open_incident(
        system=high_risk_system,
        by=contributor,
        data=data(occurred_at=at(-3 * 24 * 60), serious_incident=SeriousIncident.DEATH),
    )
    assert incident.regulator_deadline == datetime.datetime(
        2026, 11, 12, 9, 45, tzinfo=datetime.UTC
    )


def test_a_high_risk_incident_that_is_not_serious_has_no_deadline(high_risk_system, contributor):
    incident = services.open_incident(system=high_risk_system, by=contributor, data=data())
    assert incident.regulator_notification_required is False
    assert incident.regulator_deadline is None


@pytest.mark.parametrize("tier", [EUAIActTier.LIMITED, EUAIActTier.MINIMAL])
def test_a_serious_incident_outside_the_high_risk_tier_has_no_art73_deadline(
    tier, team, contributor
):
    system = AISystemFactory(team=team, eu_ai_act_tier=tier)
    incident = services.open_incident(
        system=system, by=contributor, data=data(serious_incident=SeriousIncident.DEATH)
    )
    assert incident.regulator_deadline is None
    assert not incident.art73_applies


def test_another_obligation_keeps_the_deadline_the_team_typed(system, contributor):
    deadline = at(45) + datetime.timedelta(hours=72)  # e.g. a GDPR breach notification
    incident = services.open_incident(
        system=system,
        by=contributor,
        data=data(regulator_notification_required=True, regulator_deadline=deadline),
    )
    assert incident.regulator_deadline == deadline


def test_correcting_the_detection_time_moves_the_art73_deadline(high_risk_system, contributor):
    incident = services.open_incident(
        system=high_risk_system,
        by=contributor,
        data=data(serious_incident=SeriousIncident.WIDESPREAD),
    )
    incident = services.update_incident(
        incident=incident, by=contributor, data={"detected_at": at(60)}
    )
    assert incident.regulator_deadline == at(60) + datetime.timedelta(days=2)


def test_the_art73_helper_covers_each_case():
    detected = at(0)
    high = EUAIActTier.HIGH_RISK
    assert services.art73_deadline(tier=high, serious_incident="", detected_at=detected) is None
    for case, days in ((SeriousIncident.GENERAL, 15), ("death", 10), ("widespread", 2)):
        deadline = services.art73_deadline(tier=high, serious_incident=case, detected_at=detected)
        assert deadline - detected == datetime.timedelta(days=days)
    assert (
        services.art73_deadline(
            tier=EUAIActTier.PROHIBITED, serious_incident="death", detected_at=detected
        )
        is None
    )


# --- Phases and closing ---------------------------------------------------------------------------
def walk_to_recovered(incident, by):
    for field, minutes in (("assessed_at", 60), ("contained_at", 90), ("recovered_at", 180)):
        incident = services.record_phase(
            incident=incident, by=by, phase_field=field, at=at(minutes)
        )
    return incident


def test_a_team_walks_an_incident_through_its_phases(system, contributor):
    incident = services.open_incident(system=system, by=contributor, data=data(severity=3))
    incident = walk_to_recovered(incident, contributor)
    assert incident.phase == Phase.RECOVERED
    incident = services.close_incident(incident=incident, by=contributor, at=at(240))
    assert incident.phase == Phase.CLOSED
    assert incident.closed_at == at(240)


def test_recording_a_phase_before_the_previous_one_is_refused_on_its_time(system, contributor):
    incident = services.open_incident(system=system, by=contributor, data=data())
    incident = services.record_phase(
        incident=incident, by=contributor, phase_field="assessed_at", at=at(60)
    )
    with pytest.raises(ValidationError) as caught:
        services.record_phase(
            incident=incident, by=contributor, phase_field="contained_at", at=at(50)
        )
    assert "cannot be before assessed" in caught.value.message_dict["at"][0]


def test_a_phase_cannot_be_recorded_twice(system, contributor):
    incident = services.open_incident(system=system, by=contributor, data=data())
    services.record_phase(incident=incident, by=contributor, phase_field="assessed_at", at=at(60))
    with pytest.raises(ValidationError, match="already recorded"):
        services.record_phase(
            incident=incident, by=contributor, phase_field="assessed_at", at=at(61)
        )


def test_skipping_a_phase_is_refused(system, contributor):
    incident = services.open_incident(system=system, by=contributor, data=data())
    with pytest.raises(ValidationError) as caught:
        services.record_phase(
            incident=incident, by=contributor, phase_field="recovered_at", at=at(60)
        )
    assert {"assessed_at", "contained_at"} <= set(caught.value.message_dict)


@pytest.mark.parametrize("severity", [1, 2])
def test_closing_a_sev1_or_sev2_incident_owes_a_post_incident_review(severity, system, contributor):
    incident = services.open_incident(system=system, by=contributor, data=data(severity=severity))
    incident = walk_to_recovered(incident, contributor)
    incident = services.update_incident(
        incident=incident,
        by=contributor,
        data={
            "root_cause": "The retrieval index missed the current refund policy page.",
            "lessons_learned": "Index freshness is now monitored.",
        },
    )
    incident = services.record_phase(
        incident=incident, by=contributor, phase_field="review_done_at", at=at(600)
    )
    assert incident.post_incident_review_due is False
    incident = services.close_incident(incident=incident, by=contributor, at=at(700))
    assert incident.post_incident_review_due is True
    reasons = list(incident.history.values_list("history_change_reason", flat=True))
    assert "Closed: a post-incident review of the safety plan is owed" in reasons


@pytest.mark.parametrize("severity", [3, 4])
def test_closing_a_minor_incident_owes_no_post_incident_review(severity, system, contributor):
    incident = services.open_incident(system=system, by=contributor, data=data(severity=severity))
    incident = walk_to_recovered(incident, contributor)
    incident = services.close_incident(incident=incident, by=contributor, at=at(240))
    assert incident.post_incident_review_due is False


def test_closing_a_sev1_without_its_review_says_what_is_missing(system, contributor):
    incident = services.open_incident(system=system, by=contributor, data=data(severity=1))
    incident = walk_to_recovered(incident, contributor)
    with pytest.raises(ValidationError) as caught:
        services.close_incident(incident=incident, by=contributor, at=at(240))
    assert {"review_done_at", "root_cause", "lessons_learned"} <= set(caught.value.message_dict)
    incident.refresh_from_db()
    assert incident.closed_at is None


def test_an_incident_logged_already_closed_owes_its_review_too(system, contributor):
    incident = services.open_incident(
        system=system,
        by=contributor,
        data=data(
            severity=2,
            assessed_at=at(60),
            contained_at=at(90),
            recovered_at=at(180),
            review_done_at=at(600),
            closed_at=at(700),
            root_cause="Stale index.",
            lessons_learned="Monitor index freshness.",
        ),
    )
    assert incident.post_incident_review_due is True


@pytest.mark.parametrize("role", ["viewer", "outsider", "committee_member", "auditor"])
def test_readers_cannot_record_phases(role, request, incident):
    with pytest.raises(PermissionDenied):
        services.record_phase(
            incident=incident, by=request.getfixturevalue(role), phase_field="assessed_at"
        )


# --- What the incident teaches the register -------------------------------------------------------
def test_linking_the_risk_added_for_an_uncatalogued_incident_catalogues_it(
    system, contributor, incident
):
    assert incident.uncatalogued
    new_risk = RiskFactory(system=system, title="Refund policy not in the retrieval index")
    incident = services.link_risk(incident=incident, risk=new_risk, by=contributor)
    assert incident.uncatalogued is False
    assert list(incident.materialised_risks.all()) == [new_risk]


def test_a_risk_of_another_system_cannot_be_linked(foreign_system, contributor, incident):
    with pytest.raises(ValidationError):
        services.link_risk(
            incident=incident, risk=RiskFactory(system=foreign_system), by=contributor
        )


def test_removing_every_materialised_risk_makes_it_uncatalogued_again(system, risk, contributor):
    incident = services.open_incident(system=system, by=contributor, data=data(), risks=[risk])
    incident = services.update_incident(incident=incident, by=contributor, data={}, risks=[])
    assert incident.uncatalogued is True


def test_raising_the_likelihood_of_a_materialised_risk_reassesses_it(system, contributor):
    risk = RiskFactory(
        system=system,
        inherent_likelihood=4,
        inherent_impact=4,
        residual_likelihood=2,
        residual_impact=4,
    )
    incident = IncidentFactory(system=system, materialised_risks=[risk])
    risk = services.raise_risk_likelihood(
        incident=incident, risk=risk, by=contributor, likelihood=3
    )
    assert (risk.residual_likelihood, risk.residual_score) == (3, 12)
    assert (risk.inherent_likelihood, risk.inherent_score) == (4, 16)
    assert risk.history.first().history_change_reason == (
        f"Likelihood raised: the risk materialised in {incident.reference}"
    )


def test_raising_the_residual_above_the_inherent_raises_the_inherent_too(system, contributor):
    risk = RiskFactory(
        system=system,
        inherent_likelihood=2,
        inherent_impact=4,
        residual_likelihood=2,
        residual_impact=4,
    )
    incident = IncidentFactory(system=system, materialised_risks=[risk])
    risk = services.raise_risk_likelihood(
        incident=incident, risk=risk, by=contributor, likelihood=4
    )
    assert (risk.residual_likelihood, risk.inherent_likelihood) == (4, 4)
    assert risk.residual_score <= risk.inherent_score


def test_the_likelihood_only_goes_up(system, contributor, risk):
    incident = IncidentFactory(system=system, materialised_risks=[risk])
    with pytest.raises(ValidationError, match="above the current one"):
        services.raise_risk_likelihood(
            incident=incident, risk=risk, by=contributor, likelihood=risk.residual_likelihood
        )


def test_only_a_materialised_risk_is_raised_from_the_incident(system, contributor, incident, risk):
    with pytest.raises(ValidationError, match="not one of the risks"):
        services.raise_risk_likelihood(incident=incident, risk=risk, by=contributor, likelihood=5)


def test_a_viewer_cannot_raise_a_likelihood(system, viewer, risk):
    incident = IncidentFactory(system=system, materialised_risks=[risk])
    with pytest.raises(PermissionDenied):
        services.raise_risk_likelihood(incident=incident, risk=risk, by=viewer, likelihood=5)


def test_a_follow_up_mitigation_treats_the_materialised_risks(system, contributor, risk):
    incident = IncidentFactory(system=system, materialised_risks=[risk])
    mitigation = services.plan_follow_up_mitigation(
        incident=incident,
        by=contributor,
        data={
            "title": "Alert when the retrieval index is older than a day",
            "kind": "detection_response",
            "layer": "application",
            "owner": contributor,
            "due_date": datetime.date(2026, 12, 15),
        },
    )
    assert list(incident.follow_up_mitigations.all()) == [mitigation]
    assert list(mitigation.risks.all()) == [risk]
    assert Mitigation.objects.get().history.first().history_change_reason == (
        f"Follow-up of {incident.reference}"
    )


# --- History --------------------------------------------------------------------------------------
def test_each_change_is_in_the_incidents_history_with_who_and_why(system, contributor, risk):
    incident = services.open_incident(system=system, by=contributor, data=data(), reason="Pager")
    services.record_phase(incident=incident, by=contributor, phase_field="assessed_at", at=at(60))
    services.link_risk(incident=incident, risk=risk, by=contributor)
    events = list(
        AuditEvent.objects.filter(content_type__model="incident", object_id=incident.pk).order_by(
            "pk"
        )
    )
    assert [event.action for event in events][:2] == ["+", "~"]
    assert {event.user for event in events} == {contributor}
    assert events[0].change_reason == "Pager"
    assert events[1].change_reason == "Assessed"
    changed = {change["field"] for event in events[1:] for change in event.changes}
    assert {"assessed_at", "phase", "uncatalogued", "materialised_risks"} <= changed
