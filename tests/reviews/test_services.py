"""The review workflow's services: every transition, every refusal, and the history they leave."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.core.models import AuditEvent, Evidence, GovernanceSettings, Level
from apps.mitigations.models import Mitigation, MitigationStatus
from apps.reviews import services
from apps.reviews.models import (
    ChecklistItem,
    ChecklistKey,
    ChecklistStatus,
    Decision,
    PlanVersion,
    Review,
    ReviewKind,
    ReviewSettings,
    ReviewStatus,
)
from apps.risks import services as risk_services
from apps.risks.models import RiskStatus
from apps.systems.models import AISystem
from tests.factories import RiskFactory, UserFactory
from tests.reviews.conftest import complete_checklist, submit

pytestmark = pytest.mark.django_db


def decide(review, reviewer, decision="approve", comment="", **kwargs):
    return services.decide_review(
        review=review, reviewer=reviewer, decision=decision, comment=comment, **kwargs
    )


def messages_of(error):
    return " ".join(error.value.messages)


# --- Submitting -----------------------------------------------------------------------------------
def test_submitting_freezes_the_plan_as_version_1_with_its_reviewers(
    ready_system, submitter, committee_member
):
    AISystem.objects.filter(pk=ready_system.pk).update(name="Aria support assistant")
    review = submit(ready_system, submitter, [committee_member])
    assert review.status == ReviewStatus.PENDING
    assert review.reference == f"REV-{review.pk:04d}"
    assert review.current_version.number == 1
    assert review.current_version.content["system"]["name"] == "Aria support assistant"
    assert [r["title"] for r in review.current_version.content["risks"]] == [
        "Invented refund policy"
    ]
    assert list(review.reviewers.all()) == [committee_member]
    assert review.required_approvals == 1
    assert review.due_date == timezone.localdate() + datetime.timedelta(days=14)


def test_submission_leaves_history_with_the_submitter(ready_system, submitter, committee_member):
    review = submit(ready_system, submitter, [committee_member])
    events = AuditEvent.objects.filter(object_id=review.pk, content_type__model="review")
    assert {e.user for e in events} == {submitter}
    reasons = set(events.values_list("change_reason", flat=True))
    assert "Submitted for review (initial deployment)" in reasons
    assert "Version 1 is with the committee" in reasons
    assert AuditEvent.objects.filter(
        content_type__model="planversion", change_reason__startswith="Version 1 submitted"
    ).exists()


def test_versions_are_numbered_per_system_across_reviews(ready_system, submitter, committee_member):
    first = submit(ready_system, submitter, [committee_member])
    decide(first, committee_member)
    second = submit(ready_system, submitter, [committee_member], kind=ReviewKind.PERIODIC)
    assert second.current_version.number == 2


@pytest.mark.parametrize("role", ["viewer", "outsider", "committee_member", "auditor", "nobody"])
def test_only_the_team_submits_its_plan(role, user_for, ready_system, reviewer2):
    with pytest.raises(PermissionDenied):
        submit(ready_system, user_for(role), [reviewer2])
    assert not Review.objects.exists()


def test_initial_review_is_refused_while_checklist_items_are_open_and_says_which(
    system, risk, submitter, committee_member
):
    services.add_checklist_evidence(
        system=system, key="model_performance", by=submitter, kind="note", note="Eval report"
    )
    services.update_checklist_item(
        system=system, key="model_performance", by=submitter, status=ChecklistStatus.DONE
    )
    with pytest.raises(ValidationError) as error:
        submit(system, submitter, [committee_member])
    text = messages_of(error)
    assert "Rollback tested" in text
    assert "Stakeholder sign-off obtained" in text
    assert "Model performance validated" not in text
    assert not Review.objects.exists() and not PlanVersion.objects.exists()


def test_not_applicable_items_count_as_complete(system, risk, submitter, committee_member):
    complete_checklist(system, submitter)
    services.update_checklist_item(
        system=system,
        key="fairness_evaluation",
        by=submitter,
        status=ChecklistStatus.NOT_APPLICABLE,
        note="Decides about no person.",
    )
    assert submit(system, submitter, [committee_member]).status == ReviewStatus.PENDING


def test_initial_review_is_refused_with_an_untreated_critical_residual_risk(
    ready_system, submitter, committee_member
):
    critical = RiskFactory(
        system=ready_system,
        title="Leaks another customer's card",
        inherent_likelihood=5,
        inherent_impact=5,
        residual_likelihood=4,
        residual_impact=5,
    )
    with pytest.raises(ValidationError) as error:
        submit(ready_system, submitter, [committee_member])
    assert f"{critical.reference} “Leaks another customer's card”" in messages_of(error)

    critical.status = RiskStatus.TREATED
    critical.save()
    assert submit(ready_system, submitter, [committee_member]).status == ReviewStatus.PENDING


def test_a_plan_without_risks_is_refused(system, submitter, committee_member):
    complete_checklist(system, submitter)
    with pytest.raises(ValidationError, match="catalogues no risk"):
        submit(system, submitter, [committee_member])


def test_a_never_approved_system_starts_with_an_initial_review(
    system, risk, submitter, committee_member
):
    with pytest.raises(ValidationError, match="initial deployment review"):
        submit(system, submitter, [committee_member], kind=ReviewKind.PERIODIC)


def test_a_change_review_needs_no_complete_checklist_once_approved(
    review, submitter, committee_member
):
    decide(review, committee_member)
    ChecklistItem.objects.filter(key="rollback_tested").update(status=ChecklistStatus.OPEN)
    second = submit(review.system, submitter, [committee_member], kind=ReviewKind.CHANGE)
    assert second.status == ReviewStatus.PENDING


def test_a_second_review_is_refused_while_one_is_in_progress(review, submitter, reviewer2):
    with pytest.raises(ValidationError, match=f"{review.reference} is already in progress"):
        submit(review.system, submitter, [reviewer2])


@pytest.mark.parametrize(
    "who, message",
    [
        ("contributor", "owns"),  # the system's business and technical owner
        ("submitter", "submitted this plan"),
        ("viewer", "not a committee member"),
    ],
)
def test_four_eyes_refuses_reviewers_who_submit_own_or_are_not_on_the_committee(
    who, message, user_for, ready_system, submitter
):
    person = user_for(who)
    if who != "viewer":
        person.is_committee_member = True
        person.save()
    with pytest.raises(ValidationError, match=message):
        submit(ready_system, submitter, [person])


def test_an_auditor_on_the_committee_cannot_review(ready_system, submitter):
    auditor = UserFactory(is_committee_member=True, is_auditor=True)
    with pytest.raises(ValidationError, match="not a committee member"):
        submit(ready_system, submitter, [auditor])


# --- N of M ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "criticality, required",
    [(Level.LOW, 1), (Level.MEDIUM, 1), (Level.HIGH, 2), (Level.CRITICAL, 3)],
)
def test_approvals_required_grow_with_criticality(
    criticality, required, ready_system, submitter, committee_member, reviewer2, reviewer3
):
    AISystem.objects.filter(pk=ready_system.pk).update(criticality=criticality)
    review = submit(ready_system, submitter, [committee_member, reviewer2, reviewer3])
    assert review.required_approvals == required
    approvers = [committee_member, reviewer2, reviewer3][:required]
    for number, reviewer in enumerate(approvers, start=1):
        review.refresh_from_db()
        assert review.status == ReviewStatus.PENDING, f"approved after {number - 1} approvals"
        decide(review, reviewer)
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED


def test_fewer_reviewers_than_approvals_needed_is_refused(
    ready_system, submitter, committee_member, reviewer2
):
    # Two committee members may review it (reviewer2 too): the submitter chose only one.
    AISystem.objects.filter(pk=ready_system.pk).update(criticality=Level.HIGH)
    with pytest.raises(ValidationError, match="needs 2 approvals: assign at least 2 reviewers"):
        submit(ready_system, submitter, [committee_member])


def test_administrators_change_the_number_of_approvals(
    ready_system, submitter, committee_member, reviewer2
):
    settings = ReviewSettings.load()
    settings.approvals_low = 2
    settings.approvals_medium = settings.approvals_high = settings.approvals_critical = 2
    settings.save()
    review = submit(ready_system, submitter, [committee_member, reviewer2])
    decide(review, committee_member)
    review.refresh_from_db()
    assert (review.required_approvals, review.status) == (2, ReviewStatus.PENDING)


# --- Deciding -------------------------------------------------------------------------------------
def test_approval_moves_last_approved_and_next_review_by_the_cadence(review, committee_member):
    decide(review, committee_member, comment="Well argued.")
    review.refresh_from_db()
    system = AISystem.objects.get(pk=review.system_id)
    today = timezone.localdate()
    cadence = GovernanceSettings.load().review_cadence_days(system.criticality)
    assert review.status == ReviewStatus.APPROVED
    assert review.closed_at is not None
    assert system.last_approved == today
    assert system.next_review_due == today + datetime.timedelta(days=cadence)
    assert system.history.first().history_change_reason == (
        f"Safety plan approved ({review.reference}, version 1)"
    )


def test_a_rejection_closes_the_review_without_approving_the_system(
    review, committee_member, reviewer2, submitter
):
    services.assign_reviewers(review=review, by=submitter, reviewers=[reviewer2])
    decide(review, committee_member, "reject", "No rollback plan worth the name.")
    review.refresh_from_db()
    assert review.status == ReviewStatus.REJECTED
    assert AISystem.objects.get(pk=review.system_id).last_approved is None
    with pytest.raises(ValidationError, match="already rejected"):
        decide(review, reviewer2)


def test_a_rejection_wins_over_approvals_still_short_of_the_number(
    ready_system, submitter, committee_member, reviewer2
):
    AISystem.objects.filter(pk=ready_system.pk).update(criticality=Level.HIGH)
    review = submit(ready_system, submitter, [committee_member, reviewer2])
    decide(review, committee_member)
    decide(review, reviewer2, "reject", "Bias evaluation is a placeholder.")
    review.refresh_from_db()
    assert review.status == ReviewStatus.REJECTED


def test_changes_requested_go_back_to_the_submitter_who_submits_a_new_version(
    review, committee_member, submitter, risk
):
    decide(review, committee_member, "request_changes", "Add the rollback drill results.")
    review.refresh_from_db()
    assert review.status == ReviewStatus.CHANGES_REQUESTED
    with pytest.raises(ValidationError, match="went back to its submitter"):
        decide(review, committee_member)

    risk_services.update_risk(risk=risk, by=submitter, data={"residual_likelihood": 1})
    review = services.resubmit_safety_plan(review=review, by=submitter)
    assert review.status == ReviewStatus.PENDING
    assert review.current_version.number == 2
    assert review.current_version.content["risks"][0]["residual"]["likelihood"] == 1
    # The earlier decision stays on version 1; the reviewer decides again on version 2.
    assert list(Decision.objects.values_list("version__number", flat=True)) == [1]
    decide(review, committee_member, version=2)
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED


def test_only_a_review_sent_back_takes_a_new_version(review, submitter):
    with pytest.raises(ValidationError, match="only a review sent back for changes"):
        services.resubmit_safety_plan(review=review, by=submitter)


def test_a_decision_on_an_old_version_is_refused(review, committee_member, submitter):
    decide(review, committee_member, "request_changes", "Fix the checklist notes.")
    services.resubmit_safety_plan(review=review, by=submitter)
    with pytest.raises(ValidationError, match="You read version 1, but version 2"):
        decide(review, committee_member, version=1)
    assert Decision.objects.count() == 1


def test_a_reviewer_decides_once_per_version(ready_system, submitter, committee_member, reviewer2):
    AISystem.objects.filter(pk=ready_system.pk).update(criticality=Level.HIGH)
    review = submit(ready_system, submitter, [committee_member, reviewer2])
    decide(review, committee_member)
    with pytest.raises(ValidationError, match="already decided on version 1"):
        decide(review, committee_member)
    assert Decision.objects.count() == 1


def test_a_committee_member_who_is_not_assigned_cannot_decide(review, reviewer2):
    with pytest.raises(PermissionDenied, match="Only the reviewers assigned"):
        decide(review, reviewer2)


@pytest.mark.parametrize("role", ["contributor", "viewer", "auditor", "administrator", "outsider"])
def test_roles_outside_the_committee_cannot_decide(role, user_for, review):
    with pytest.raises(PermissionDenied, match="Only committee members"):
        decide(review, user_for(role))


def test_a_reviewer_who_became_an_owner_cannot_decide(review, committee_member):
    AISystem.objects.filter(pk=review.system_id).update(technical_owner=committee_member)
    review.refresh_from_db()
    with pytest.raises(PermissionDenied, match="system you own"):
        decide(review, committee_member)


def test_a_reviewer_who_submitted_a_version_cannot_decide(
    review, committee_member, submitter, team
):
    from tests.factories import MembershipFactory

    MembershipFactory(team=team, user=committee_member)
    decide(review, committee_member, "request_changes", "Please expand.")
    # The committee member, also a contributor, cannot resubmit a plan they review...
    with pytest.raises(PermissionDenied, match="someone else in the team"):
        services.resubmit_safety_plan(review=review, by=committee_member)


@pytest.mark.parametrize("decision", ["request_changes", "reject"])
def test_requesting_changes_or_rejecting_needs_a_comment(decision, review, committee_member):
    with pytest.raises(ValidationError) as error:
        decide(review, committee_member, decision, "  ")
    assert "comment" in error.value.message_dict
    assert not Decision.objects.exists()


def test_only_an_approval_carries_conditions(review, committee_member):
    with pytest.raises(ValidationError) as error:
        decide(review, committee_member, "reject", "No.", conditions="Add a kill switch")
    assert "conditions" in error.value.message_dict


def test_conditions_of_approval_become_follow_up_mitigations_owned_by_the_team(
    review, committee_member, contributor
):
    decision = decide(
        review,
        committee_member,
        conditions="Run the rollback drill every quarter\n\nShow the opt-out in the chat header",
    )
    mitigations = Mitigation.objects.filter(system=review.system).order_by("title")
    assert [m.title for m in mitigations] == [
        "Run the rollback drill every quarter",
        "Show the opt-out in the chat header",
    ]
    assert {m.owner for m in mitigations} == {contributor}
    assert {m.status for m in mitigations} == {MitigationStatus.PLANNED}
    assert set(decision.follow_up_mitigations.all()) == set(mitigations)
    assert mitigations[0].history.first().history_user == committee_member


def test_conditions_wait_for_the_plan_to_be_approved(
    ready_system, submitter, committee_member, reviewer2
):
    AISystem.objects.filter(pk=ready_system.pk).update(criticality=Level.HIGH)
    review = submit(ready_system, submitter, [committee_member, reviewer2])
    decide(review, committee_member, conditions="Quarterly drill")
    assert not Mitigation.objects.exists()
    decide(review, reviewer2, "reject", "Not ready.")
    assert not Mitigation.objects.exists()


def test_decisions_leave_history_by_the_reviewer(review, committee_member):
    decision = decide(review, committee_member, comment="Fine.")
    event = AuditEvent.objects.get(content_type__model="decision", object_id=decision.pk)
    assert event.user == committee_member
    assert event.change_reason == "Approved version 1"
    review_events = AuditEvent.objects.filter(content_type__model="review", object_id=review.pk)
    assert review_events.filter(
        change_reason="Approved (version 1)", user=committee_member
    ).exists()


def test_a_request_for_changes_is_recorded_as_a_sentence(review, committee_member):
    decision = decide(review, committee_member, "request_changes", comment="Add a rota.")
    event = AuditEvent.objects.get(content_type__model="decision", object_id=decision.pk)
    assert event.change_reason == "Requested changes to version 1"


# --- Reviewers and withdrawal --------------------------------------------------------------------
def test_the_team_adds_a_reviewer_but_never_an_owner(review, submitter, reviewer2, contributor):
    services.assign_reviewers(review=review, by=submitter, reviewers=[reviewer2])
    assert set(review.reviewers.all()) == {review.assignments.first().reviewer, reviewer2}
    contributor.is_committee_member = True
    contributor.save()
    with pytest.raises(ValidationError, match="owns"):
        services.assign_reviewers(review=review, by=submitter, reviewers=[contributor])


@pytest.mark.parametrize("role", ["viewer", "auditor", "outsider"])
def test_readers_cannot_assign_reviewers(role, user_for, review, reviewer2):
    with pytest.raises(PermissionDenied):
        services.assign_reviewers(review=review, by=user_for(role), reviewers=[reviewer2])


def test_the_team_withdraws_an_open_review_and_may_then_submit_again(
    review, submitter, committee_member
):
    services.withdraw_review(review=review, by=submitter, reason="Model swap first")
    review.refresh_from_db()
    assert review.status == ReviewStatus.WITHDRAWN
    with pytest.raises(ValidationError, match="cannot be withdrawn"):
        services.withdraw_review(review=review, by=submitter)
    assert submit(review.system, submitter, [committee_member]).current_version.number == 2


# --- The checklist --------------------------------------------------------------------------------
def test_an_item_is_marked_done_only_with_evidence(system, contributor):
    with pytest.raises(ValidationError) as error:
        services.update_checklist_item(
            system=system, key="rollback_tested", by=contributor, status=ChecklistStatus.DONE
        )
    assert "status" in error.value.message_dict


def test_not_applicable_needs_a_reason(system, contributor):
    with pytest.raises(ValidationError) as error:
        services.update_checklist_item(
            system=system,
            key="fairness_evaluation",
            by=contributor,
            status=ChecklistStatus.NOT_APPLICABLE,
        )
    assert "note" in error.value.message_dict


def test_removing_the_last_evidence_reopens_a_done_item(system, contributor):
    evidence = services.add_checklist_evidence(
        system=system, key="rollback_tested", by=contributor, kind="link", url="https://x.test/r"
    )
    services.update_checklist_item(
        system=system, key="rollback_tested", by=contributor, status=ChecklistStatus.DONE
    )
    item = ChecklistItem.objects.get(system=system, key="rollback_tested")
    services.remove_checklist_evidence(item=item, evidence=evidence, by=contributor)
    item.refresh_from_db()
    assert item.status == ChecklistStatus.OPEN
    assert Evidence.objects.get(pk=evidence.pk).is_removed


@pytest.mark.parametrize("role", ["viewer", "committee_member", "auditor", "outsider"])
def test_only_the_team_keeps_its_checklist(role, user_for, system):
    with pytest.raises(PermissionDenied):
        services.add_checklist_evidence(
            system=system, key="rollback_tested", by=user_for(role), kind="note", note="x"
        )
    assert not ChecklistItem.objects.exists()


def test_checklist_changes_leave_history(system, contributor):
    complete_checklist(system, contributor)
    item = ChecklistItem.objects.get(system=system, key=ChecklistKey.MONITORING)
    reasons = list(item.history.values_list("history_change_reason", flat=True))
    assert "Marked done" in reasons and "Checklist item opened" in reasons
