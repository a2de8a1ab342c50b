"""Recording a classification, applying it to its system (the tier and its reason in the
system's history, obligations following), the committee's confirmation, and the flag raised when
the facts a classification rests on change."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.classification import services
from apps.classification.models import (
    ClassificationDraft,
    ClassificationRecord,
    RecordStatus,
    SystemClassification,
)
from apps.compliance.models import Applicability, Obligation
from apps.core.selectors import history_of
from apps.reminders.models import Notification, Reminder, ReminderReason
from apps.reviews import services as review_services
from apps.reviews.models import Review, ReviewKind, ReviewStatus
from apps.systems import services as system_services
from apps.systems.models import AISystem
from tests.classification.factories import CV_SCREENING, EXEMPTED, MINIMAL, answers, classify
from tests.factories import AISystemFactory

pytestmark = pytest.mark.django_db


def reasons(record) -> list[str]:
    return [event.change_reason for event in history_of(record)]


# --- Recording ------------------------------------------------------------------------------------
def test_a_classification_is_numbered_per_system(system, foreign_system, contributor, outsider):
    first = classify(system, contributor)
    second = classify(system, contributor, CV_SCREENING)
    other = classify(foreign_system, outsider)
    assert (first.number, second.number, other.number) == (1, 2, 1)


def test_recording_keeps_the_answers_asked_and_the_result(system, contributor):
    given = answers(CV_SCREENING, exemption_reasoning="left over from an earlier try")
    record = services.record_classification(system=system, by=contributor, answers=given)
    assert "exemption_reasoning" not in record.answers  # not asked: the system profiles
    assert (record.tier, record.annex_iii_area, record.annex_iii_point) == ("high_risk", "4", "a")
    assert record.articles == ["Art. 3(1)", "Art. 6(2)", "Annex III(4)(a)", "Art. 6(3)"]
    assert (record.status, record.created_by) == (RecordStatus.PROPOSED, contributor)
    assert reasons(record) == ["Classified"]


def test_recording_throws_the_draft_away_and_names_the_latest(system, contributor):
    services.draft_for(system=system, by=contributor)
    record = classify(system, contributor)
    assert not ClassificationDraft.objects.exists()
    assert SystemClassification.objects.get(pk=system.pk).latest == record


def test_incomplete_answers_are_refused(system, contributor):
    with pytest.raises(ValidationError, match="not answered yet"):
        services.record_classification(
            system=system, by=contributor, answers={"infers_outputs": "yes"}
        )
    assert not ClassificationRecord.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "auditor", "committee_member", "outsider"])
def test_only_the_systems_contributors_classify_it(role, user_for, system):
    with pytest.raises(PermissionDenied):
        classify(system, user_for(role))


def test_an_archived_system_is_not_classified(system, contributor):
    system_services.archive_system(system=system, by=contributor)
    with pytest.raises(PermissionDenied, match="archived"):
        classify(system, contributor)


def test_an_administrator_classifies_any_system(foreign_system, administrator):
    assert classify(foreign_system, administrator).number == 1


# --- Applying -------------------------------------------------------------------------------------
def test_applying_sets_the_tier_area_and_point_with_the_record_as_reason(
    system, contributor, high_risk_record
):
    services.apply_classification(record=high_risk_record, by=contributor)
    system.refresh_from_db()
    assert (system.eu_ai_act_tier, system.eu_ai_act_area, system.annex_iii_point) == (
        "high_risk",
        "4",
        "a",
    )
    latest = history_of(system).first()
    assert latest.change_reason == f"Classification {high_risk_record.label}"
    assert {change["field"] for change in latest.changes} >= {"eu_ai_act_tier", "eu_ai_act_area"}
    high_risk_record.refresh_from_db()
    assert (high_risk_record.status, high_risk_record.applied_by) == (
        RecordStatus.APPLIED,
        contributor,
    )
    assert reasons(high_risk_record)[0] == f"Applied to {system.reference}"


def test_applying_a_high_risk_classification_brings_its_obligations(
    system, contributor, high_risk_record
):
    services.apply_classification(record=high_risk_record, by=contributor)
    applying = Obligation.objects.filter(system=system, applicability=Applicability.APPLIES)
    assert "Art. 26" in set(applying.values_list("requirement__identifier", flat=True))


def test_applying_leaves_the_facts_the_answers_rest_on_to_the_team(system, contributor):
    record = classify(
        system,
        contributor,
        MINIMAL,
        transparency_triggers=["interacts"],
        obviously_ai="no",
        general_purpose_model="yes",
        training_compute="above",
        designated="no",
    )
    services.apply_classification(record=record, by=contributor)
    system.refresh_from_db()
    assert system.eu_ai_act_tier == "limited"
    assert (system.interacts_with_people, system.is_general_purpose_model) == (False, False)


def test_applying_what_the_system_already_says_leaves_its_history_alone(system, contributor):
    record = classify(system, contributor)  # minimal, as the system already is
    before = history_of(system).count()
    services.apply_classification(record=record, by=contributor)
    assert history_of(system).count() == before
    record.refresh_from_db()
    assert record.is_applied


def test_a_classification_is_applied_once(system, contributor, high_risk_record):
    services.apply_classification(record=high_risk_record, by=contributor)
    with pytest.raises(ValidationError, match="already applied"):
        services.apply_classification(record=high_risk_record, by=contributor)


def test_a_superseded_classification_is_not_applied(system, contributor, high_risk_record):
    classify(system, contributor)
    with pytest.raises(ValidationError, match="supersedes"):
        services.apply_classification(record=high_risk_record, by=contributor)


def test_a_claimed_exemption_is_not_applied_before_the_committee_confirms_it(
    system, contributor, exempted_record
):
    assert exempted_record.needs_confirmation
    with pytest.raises(ValidationError, match="committee's confirmation"):
        services.apply_classification(record=exempted_record, by=contributor)


def test_not_high_risk_for_a_system_in_an_annex_iii_area_needs_confirmation(contributor, team):
    system = AISystemFactory(team=team, eu_ai_act_tier="high_risk", eu_ai_act_area="4")
    record = classify(system, contributor, MINIMAL)
    assert (record.tier, record.exemption_claimed, record.needs_confirmation) == (
        "minimal",
        False,
        True,
    )


@pytest.mark.parametrize("role", ["viewer", "auditor", "committee_member", "outsider"])
def test_only_the_systems_contributors_apply_a_classification(role, user_for, high_risk_record):
    with pytest.raises(PermissionDenied):
        services.apply_classification(record=high_risk_record, by=user_for(role))


# --- The committee's confirmation -----------------------------------------------------------------
def ask(record, by, reviewers):
    return services.request_confirmation(record=record, by=by, reviewers=reviewers)


def decide(review, reviewer, decision, comment="Read and decided."):
    return review_services.decide_review(
        review=review,
        reviewer=reviewer,
        decision=decision,
        comment=comment,
        version=review.current_version.number,
    )


def test_asking_for_confirmation_opens_a_classification_review_of_the_record(
    system, contributor, committee_member, exempted_record
):
    review = ask(exempted_record, contributor, [committee_member])
    assert (review.kind, review.subject, review.status) == (
        ReviewKind.CLASSIFICATION,
        exempted_record,
        ReviewStatus.PENDING,
    )
    exempted_record.refresh_from_db()
    assert (exempted_record.status, exempted_record.review) == (
        RecordStatus.AWAITING_CONFIRMATION,
        review,
    )
    assert (
        reasons(exempted_record)[0]
        == f"Sent to the committee for confirmation ({review.reference})"
    )


def test_the_committees_approval_confirms_and_applies_the_classification(
    contributor, committee_member, team
):
    system = AISystemFactory(
        team=team,
        eu_ai_act_tier="high_risk",
        eu_ai_act_area="4",
        business_owner=contributor,
        technical_owner=contributor,
    )
    record = classify(system, contributor, EXEMPTED)
    review = ask(record, contributor, [committee_member])
    decide(review, committee_member, "approve")
    record.refresh_from_db()
    system.refresh_from_db()
    assert (record.status, record.is_applied, record.decided_at is not None) == (
        RecordStatus.CONFIRMED,
        True,
        True,
    )
    assert (system.eu_ai_act_tier, system.eu_ai_act_area) == ("minimal", "")
    change = history_of(system).first()
    assert change.change_reason == (
        f"Classification {record.label}, confirmed by the committee ({review.reference})"
    )
    assert f"Confirmed by the committee ({review.reference})" in reasons(record)


def test_the_committees_rejection_leaves_it_not_confirmed_and_the_system_as_it_was(
    system, contributor, committee_member, exempted_record
):
    review = ask(exempted_record, contributor, [committee_member])
    decide(review, committee_member, "reject", "Ranking candidates is profiling.")
    exempted_record.refresh_from_db()
    system.refresh_from_db()
    assert exempted_record.status == RecordStatus.NOT_CONFIRMED
    assert not exempted_record.is_applied
    with pytest.raises(ValidationError, match="did not confirm"):
        services.apply_classification(record=exempted_record, by=contributor)


def test_after_changes_are_requested_the_next_version_goes_to_the_same_review(
    system, contributor, committee_member, exempted_record
):
    review = ask(exempted_record, contributor, [committee_member])
    decide(review, committee_member, "request_changes", "Say why it is only preparatory.")
    better = classify(
        system, contributor, EXEMPTED, exemption_reasoning="It sorts; recruiters read all CVs."
    )
    assert ask(better, contributor, []) == review
    review.refresh_from_db()
    exempted_record.refresh_from_db()
    assert (review.status, review.subject) == (ReviewStatus.PENDING, better)
    assert exempted_record.status == RecordStatus.NOT_CONFIRMED
    decide(review, committee_member, "approve")
    better.refresh_from_db()
    assert better.status == RecordStatus.CONFIRMED


def test_a_withdrawn_request_makes_it_a_proposal_again(
    system, contributor, committee_member, exempted_record
):
    review = ask(exempted_record, contributor, [committee_member])
    review_services.withdraw_review(review=review, by=contributor)
    exempted_record.refresh_from_db()
    assert (exempted_record.status, exempted_record.review) == (RecordStatus.PROPOSED, None)


def test_a_confirmation_is_not_asked_for_what_needs_none(
    contributor, committee_member, high_risk_record
):
    with pytest.raises(ValidationError, match="needs no confirmation"):
        ask(high_risk_record, contributor, [committee_member])
    assert not Review.objects.exists()


def test_a_second_request_while_one_is_pending_is_refused(
    system, contributor, committee_member, exempted_record
):
    ask(exempted_record, contributor, [committee_member])
    again = classify(system, contributor, EXEMPTED)
    with pytest.raises(ValidationError, match="already reviews"):
        ask(again, contributor, [committee_member])


def test_an_approval_does_not_apply_a_superseded_classification(
    system, contributor, committee_member, exempted_record
):
    review = ask(exempted_record, contributor, [committee_member])
    classify(system, contributor, CV_SCREENING)
    decide(review, committee_member, "approve")
    exempted_record.refresh_from_db()
    assert (exempted_record.status, exempted_record.is_applied) == (RecordStatus.CONFIRMED, False)


# --- Facts changed: classification to confirm ----------------------------------------------------
def edit(system, by, **data):
    return system_services.update_system(system=system, by=by, data=data)


def test_a_changed_kind_of_ai_flags_the_classification_and_tells_the_owners(
    system, contributor, administrator, high_risk_record
):
    edit(system, administrator, ai_kind="agent")
    state = SystemClassification.objects.get(pk=system.pk)
    assert (state.to_confirm, state.changed_facts) == (True, ["ai_kind"])
    reminder = Reminder.objects.get(reason=ReminderReason.CLASSIFICATION_TO_CONFIRM)
    assert reminder.recipient == contributor
    assert "kind of AI" in reminder.title and high_risk_record.label in reminder.title
    assert Notification.objects.filter(recipient=contributor, reminder=reminder).exists()
    assert (
        history_of(state).first().change_reason == "Classification to confirm: kind of AI changed"
    )


@pytest.mark.parametrize(
    "data",
    [
        {"purpose": "Now it also answers complaints."},
        {"decision_role": "decides"},
        {"affects_employees": True},
        {"affects_public": True},
    ],
    ids=["purpose", "decision", "employees", "public"],
)
def test_each_fact_it_rests_on_flags_it(data, system, administrator, high_risk_record):
    edit(system, administrator, **data)
    assert SystemClassification.objects.get(pk=system.pk).to_confirm


def test_another_change_does_not_flag_it(system, administrator, high_risk_record):
    edit(system, administrator, name="Support chatbot v2", model_version="llm-2")
    assert not SystemClassification.objects.get(pk=system.pk).to_confirm
    assert not Reminder.objects.filter(reason=ReminderReason.CLASSIFICATION_TO_CONFIRM).exists()


def test_a_system_never_classified_is_not_flagged(system, administrator):
    edit(system, administrator, ai_kind="agent")
    assert not SystemClassification.objects.exists()


def test_further_changes_add_to_the_facts_named(system, administrator, high_risk_record):
    edit(system, administrator, ai_kind="agent")
    edit(system, administrator, purpose="Something else.")
    state = SystemClassification.objects.get(pk=system.pk)
    assert state.changed_facts == ["ai_kind", "purpose"]


def test_a_new_classification_clears_the_flag(system, contributor, administrator, high_risk_record):
    edit(system, administrator, ai_kind="agent")
    record = classify(system, contributor, CV_SCREENING)
    state = SystemClassification.objects.get(pk=system.pk)
    assert (state.to_confirm, state.changed_facts, state.latest) == (False, [], record)
    assert history_of(state).first().change_reason == f"{record.label} recorded"


def test_applying_a_classification_does_not_flag_its_own_system(
    system, contributor, high_risk_record
):
    services.apply_classification(record=high_risk_record, by=contributor)
    assert not AISystem.objects.get(pk=system.pk).classification_state.to_confirm
