"""The fundamental rights impact assessment's workflow: offered where the compliance rules say
Art. 27 applies, a draft edited section by section, frozen versions reviewed by the committee,
the approved one the Art. 27 obligation's evidence."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.assessments import document, selectors, services
from apps.assessments.models import AssessmentVersion, VersionOutcome
from apps.compliance.applicability import recompute_obligations
from apps.core.concurrency import EditConflict
from apps.core.models import AuditEvent, Evidence
from apps.core.services import evidence_of
from apps.reviews.models import Review, ReviewStatus
from apps.reviews.services import withdraw_review
from apps.risks import services as risk_services
from apps.systems.models import EUAIActRole, EUAIActTier
from apps.systems.services import archive_system
from tests.factories import RiskFactory

pytestmark = pytest.mark.django_db


# --- Where it is offered --------------------------------------------------------------------------
def test_offered_where_the_compliance_rules_say_art_27_applies(system, contributor):
    system.eu_ai_act_tier = EUAIActTier.HIGH_RISK
    system.eu_ai_act_area = "5"
    system.annex_iii_point = "b"  # creditworthiness
    system.eu_ai_act_role = EUAIActRole.DEPLOYER
    system.save()
    recompute_obligations(systems=[system.pk], by=None, reason="Facts")

    assert selectors.art27_obligation(system) is not None
    assessment = services.start_assessment(system=system, by=contributor)
    assert assessment.reference.startswith("FRIA-")


def test_not_offered_to_a_private_deployer_outside_credit_and_insurance(system, contributor):
    system.eu_ai_act_tier = EUAIActTier.HIGH_RISK
    system.eu_ai_act_area = "4"  # employment: Art. 27 does not bind a private deployer
    system.eu_ai_act_role = EUAIActRole.DEPLOYER
    system.save()
    recompute_obligations(systems=[system.pk], by=None, reason="Facts")

    with pytest.raises(PermissionDenied, match=r"Art\. 27 does not apply to"):
        services.start_assessment(system=system, by=contributor)


def test_not_offered_once_the_obligation_no_longer_applies(art27_system, contributor):
    art27_system.serves_public = False
    art27_system.save()
    recompute_obligations(systems=[art27_system.pk], by=None, reason="No longer public")

    with pytest.raises(PermissionDenied, match=r"Art\. 27 no longer applies"):
        services.start_assessment(system=art27_system, by=contributor)


@pytest.mark.parametrize("role", ["viewer", "committee_member", "auditor", "outsider"])
def test_only_the_team_starts_it(art27_system, user_for, role):
    with pytest.raises(PermissionDenied):
        services.start_assessment(system=art27_system, by=user_for(role))


def test_a_system_has_one_assessment(assessment, contributor):
    with pytest.raises(
        PermissionDenied, match=f"already has its assessment, {assessment.reference}"
    ):
        services.start_assessment(system=assessment.system, by=contributor)


def test_starting_leaves_history(art27_system, contributor):
    assessment = services.start_assessment(system=art27_system, by=contributor)
    event = AuditEvent.objects.get(
        object_id=assessment.pk, content_type__model=assessment._meta.model_name
    )
    assert (event.user, event.change_reason) == (contributor, "Started")


# --- The draft ------------------------------------------------------------------------------------
def test_sections_are_saved_with_the_reason_in_history(assessment, contributor):
    services.update_assessment(
        assessment=assessment,
        by=contributor,
        data={"period_of_use": "Weekly batches from June.", "authority_name": "ACM"},
        reason="After the pilot",
    )
    assessment.refresh_from_db()
    assert assessment.period_of_use == "Weekly batches from June."
    event = selectors.history_of_assessment(assessment).first()
    assert event.change_reason == "After the pilot"
    assert {change["field"] for change in event.changes} == {"period_of_use", "authority_name"}


def test_linking_a_risk_of_another_system_is_refused(assessment, contributor, foreign_risk):
    with pytest.raises(ValidationError, match="belong to another system"):
        services.update_assessment(
            assessment=assessment, by=contributor, data={"risks": [foreign_risk]}
        )


def test_linking_an_archived_risk_is_refused(assessment, contributor, system):
    gone = RiskFactory(system=system, title="Gone")
    risk_services.archive_risk(risk=gone, by=contributor, reason="Gone")
    gone.refresh_from_db()
    with pytest.raises(ValidationError, match="is archived"):
        services.update_assessment(assessment=assessment, by=contributor, data={"risks": [gone]})


def test_a_linked_risk_archived_since_may_stay_linked(assessment, contributor, risk):
    risk_services.archive_risk(risk=risk, by=contributor, reason="Merged")
    risk.refresh_from_db()
    services.update_assessment(assessment=assessment, by=contributor, data={"risks": [risk]})
    assert list(assessment.risks.all()) == [risk]


def test_a_notification_date_in_the_future_is_refused(assessment, contributor):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError) as caught:
        services.update_assessment(
            assessment=assessment, by=contributor, data={"authority_notified_on": tomorrow}
        )
    assert "authority_notified_on" in caught.value.message_dict


def test_an_edit_of_a_field_someone_changed_since_is_a_conflict(assessment, contributor):
    read = assessment.version
    services.update_assessment(
        assessment=assessment, by=contributor, data={"period_of_use": "Theirs"}
    )
    with pytest.raises(EditConflict):
        services.update_assessment(
            assessment=assessment,
            by=contributor,
            data={"period_of_use": "Mine"},
            expected_version=read,
        )


def test_a_new_risk_added_from_the_assessment_is_linked_to_it(assessment, contributor, risk_data):
    risk = services.add_new_risk(assessment=assessment, by=contributor, data=risk_data)
    assert risk.system == assessment.system
    assert set(assessment.risks.all()) >= {risk}
    assert risk.history.first().history_change_reason == f"Added from {assessment.reference}"


def test_the_committee_does_not_edit_the_draft(assessment, committee_member):
    with pytest.raises(PermissionDenied, match="Only contributors"):
        services.update_assessment(assessment=assessment, by=committee_member, data={})


def test_an_archived_systems_assessment_is_read_only(assessment, contributor):
    archive_system(system=assessment.system, by=contributor, reason="Retired")
    assessment.refresh_from_db()
    with pytest.raises(PermissionDenied, match="archived"):
        services.update_assessment(assessment=assessment, by=contributor, data={})


# --- Versions -------------------------------------------------------------------------------------
def test_submitting_freezes_the_sections_and_the_risks_as_they_are(
    assessment, contributor, risk, submit
):
    version = submit(assessment, contributor)

    assert version.number == 1
    assert version.content["sections"]["deployer_process"] == assessment.deployer_process
    frozen = version.content["risks"][0]
    assert (frozen["reference"], frozen["title"]) == (risk.reference, risk.title)
    assert frozen["residual_level_label"] == risk.get_residual_level_display()
    assert version.content["obligation"]["reference"].startswith("OBL-")


def test_a_version_does_not_follow_later_changes(assessment, contributor, risk, submit):
    version = submit(assessment, contributor)
    risk_services.update_risk(risk=risk, by=contributor, data={"title": "Renamed later"})
    services.update_assessment(assessment=assessment, by=contributor, data={"period_of_use": "x"})

    version = AssessmentVersion.objects.get(pk=version.pk)
    assert version.content["risks"][0]["title"] == "Invented refund policy"
    assert version.content["sections"]["period_of_use"] != "x"


def test_submitting_asks_the_committee_with_a_fria_review(assessment, contributor, submit):
    version = submit(assessment, contributor, note="First one")

    review = Review.objects.get(pk=version.review_id)
    assert (review.kind, review.status, review.subject) == ("fria", ReviewStatus.PENDING, version)
    assert version.state == "pending"


def test_an_incomplete_draft_cannot_be_submitted_and_every_gap_is_named(
    art27_system, contributor, submit
):
    draft = services.start_assessment(system=art27_system, by=contributor)
    with pytest.raises(ValidationError) as caught:
        submit(draft, contributor)
    problems = " ".join(caught.value.messages)
    assert "the deployer's process" in problems and "complaint mechanisms" in problems
    assert "Say which harms you foresee" in problems
    assert not AssessmentVersion.objects.exists()


def test_no_second_version_while_one_is_with_the_committee(assessment, contributor, submit):
    submit(assessment, contributor)
    services.update_assessment(assessment=assessment, by=contributor, data={"period_of_use": "y"})
    with pytest.raises(ValidationError, match="is with the committee"):
        submit(assessment, contributor)


def test_changes_requested_then_a_new_version_goes_to_the_same_review(
    assessment, contributor, committee_member, submit, decide
):
    first = submit(assessment, contributor)
    decide(first, committee_member, "request_changes", comment="Name the complaint deadline.")
    with pytest.raises(ValidationError, match="Nothing changed since version 1"):
        submit(assessment, contributor)

    services.update_assessment(
        assessment=assessment, by=contributor, data={"complaint_mechanisms": "Answered in 5 days."}
    )
    second = submit(assessment, contributor)

    first.refresh_from_db()
    assert second.number == 2 and second.review_id == first.review_id
    assert first.outcome == VersionOutcome.SUPERSEDED
    assert Review.objects.get(pk=second.review_id).status == ReviewStatus.PENDING


# --- The committee's decision ---------------------------------------------------------------------
def _fria_evidence(obligation):
    return [e for e in evidence_of(obligation) if "/assessments/" in e.url]


def test_approval_marks_the_version_and_makes_it_the_obligations_evidence(
    assessment, art27_obligation, contributor, committee_member, submit, decide
):
    version = submit(assessment, contributor)
    decide(version, committee_member)

    version.refresh_from_db()
    assert version.is_approved and version.decided_at is not None
    (evidence,) = _fria_evidence(art27_obligation)
    assert evidence.kind == Evidence.Kind.LINK
    assert evidence.url.endswith(version.get_absolute_url())


def test_evidence_is_not_duplicated_when_the_approval_is_told_again(
    assessment, art27_obligation, contributor, committee_member, submit, decide
):
    version = submit(assessment, contributor)
    decide(version, committee_member)
    review = Review.objects.get(pk=version.review_id)
    services.version_approved(review=review, subject=version, by=committee_member)

    assert len(_fria_evidence(art27_obligation)) == 1


def test_a_later_approved_version_replaces_the_earlier_one_as_evidence(
    assessment, art27_obligation, contributor, committee_member, submit, decide
):
    decide(submit(assessment, contributor), committee_member)
    services.update_assessment(
        assessment=assessment, by=contributor, data={"authority_notified_on": datetime.date.today()}
    )
    second = submit(assessment, contributor)
    decide(second, committee_member)

    (evidence,) = _fria_evidence(art27_obligation)
    assert evidence.url.endswith(second.get_absolute_url())
    removed = Evidence.objects.filter(removed_at__isnull=False, object_id=art27_obligation.pk)
    assert removed.count() == 1


def test_rejection_closes_the_version(assessment, contributor, committee_member, submit, decide):
    version = submit(assessment, contributor)
    decide(version, committee_member, "reject", comment="Out of scope")

    version.refresh_from_db()
    assert version.outcome == VersionOutcome.REJECTED
    assert version.state_label == "Rejected"


def test_withdrawal_closes_the_version_and_a_new_review_may_follow(assessment, contributor, submit):
    version = submit(assessment, contributor)
    withdraw_review(review=Review.objects.get(pk=version.review_id), by=contributor)

    version.refresh_from_db()
    assert version.outcome == VersionOutcome.WITHDRAWN
    again = submit(assessment, contributor)
    assert again.review_id != version.review_id


def test_history_keeps_the_submission_and_the_decision(
    assessment, contributor, committee_member, submit, decide
):
    version = submit(assessment, contributor)
    decide(version, committee_member)

    reasons = list(
        selectors.history_of_assessment(assessment).values_list("change_reason", flat=True)
    )
    review = Review.objects.get(pk=version.review_id)
    assert f"Version 1 approved in {review.reference}" in reasons
    assert "Version 1 submitted for review" in reasons


# --- Comparing ------------------------------------------------------------------------------------
def test_two_versions_compared_section_by_section(
    assessment, contributor, system, submit, decide, committee_member
):
    first = submit(assessment, contributor)
    decide(first, committee_member, "request_changes", comment="More")
    added = RiskFactory(system=system, title="Postcode bias")
    services.update_assessment(
        assessment=assessment,
        by=contributor,
        data={"human_oversight": "Two caseworkers decide.", "risks": [added]},
    )
    second = submit(assessment, contributor)

    rows = {
        row["section"].key: row for row in document.compare_versions(first.content, second.content)
    }
    assert rows["oversight"]["changed"] and not rows["process"]["changed"]
    assert [r["title"] for r in rows["harms"]["risks"]["added"]] == ["Postcode bias"]
    assert [r["title"] for r in rows["harms"]["risks"]["removed"]] == ["Invented refund policy"]
