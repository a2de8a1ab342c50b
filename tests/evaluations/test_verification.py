"""What runs say about the mitigations their test cases verify: verified by the latest passing
run, flagged for review by a failing or out-of-date one, owners told."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.evaluations import services, verification
from apps.evaluations.models import EvaluationState, MitigationEvaluation
from apps.evaluations.reminders import flagged_evaluations
from apps.mitigations.models import MitigationStatus
from apps.reminders.models import Notification
from apps.reminders.services import run_sweep
from tests.evaluations.reports import json_report
from tests.factories import MitigationFactory, RiskFactory, TestCaseFactory, UserFactory

pytestmark = pytest.mark.django_db


def report(system, by, *results, started_at=None, **kwargs):
    extra = {"started_at": started_at.isoformat()} if started_at else {}
    return services.ingest_run(
        system=system, by=by, content=json_report(*results, **extra), **kwargs
    )


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def test_a_passing_run_verifies_the_mitigation_in_place(system, contributor, guard, probe):
    run = report(system, contributor, (probe.key, "passed"))

    guard.refresh_from_db()
    assert guard.status == MitigationStatus.VERIFIED
    assert guard.last_verified_on == timezone.localdate(run.started_at)
    evaluation = guard.evaluation
    assert (evaluation.state, evaluation.verified_by, evaluation.latest_run) == (
        EvaluationState.VERIFIED,
        run,
        run,
    )
    assert not evaluation.is_flagged


def test_the_mitigation_is_verified_in_its_history_by_the_run(system, contributor, guard, probe):
    run = report(system, contributor, (probe.key, "passed"))

    last = guard.history.first()
    assert last.history_change_reason == (
        f"Verified by {run.reference} (nightly red-team, version support-llm-2026-11)"
    )


def test_a_failing_result_flags_the_mitigation_and_unverifies_it(
    system, contributor, guard, probe, second_probe
):
    report(system, contributor, (probe.key, "passed"), (second_probe.key, "passed"))

    failing = report(system, contributor, (probe.key, "passed"), (second_probe.key, "failed"))

    guard.refresh_from_db()
    evaluation = guard.evaluation
    assert guard.status == MitigationStatus.IMPLEMENTED
    assert evaluation.state == EvaluationState.FAILING
    assert evaluation.is_flagged
    assert evaluation.flag_reason == (
        f"{failing.reference} failed: 1 of its 2 test cases did not pass"
    )
    assert evaluation.verified_by != failing  # its evidence stays the last passing run


def test_an_error_counts_as_a_failure(system, contributor, guard, probe):
    report(system, contributor, (probe.key, "error"))

    assert MitigationEvaluation.objects.get(mitigation=guard).state == EvaluationState.FAILING


def test_skipped_results_neither_verify_nor_flag(system, contributor, guard, probe):
    report(system, contributor, (probe.key, "skipped"))

    assert not MitigationEvaluation.objects.exists()


def test_a_failing_run_tells_the_owners_once(system, contributor, guard, probe, risk):
    risk_owner = UserFactory()
    risk.owner = risk_owner
    risk.save()
    uploader = contributor

    run = report(system, uploader, (probe.key, "failed"))

    notified = Notification.objects.filter(recipient=risk_owner)
    assert notified.count() == 1
    assert notified.get().title.startswith(f"{run.reference}: the “nightly red-team” evaluation")
    assert guard.reference in notified.get().title
    # The person who posted the run (here the mitigation's and the system's owner) is not told.
    assert not Notification.objects.filter(recipient=uploader).exists()


def test_a_passing_run_clears_the_flag(system, contributor, guard, probe):
    report(system, contributor, (probe.key, "failed"))

    report(system, contributor, (probe.key, "passed"))

    evaluation = MitigationEvaluation.objects.get(mitigation=guard)
    assert (evaluation.state, evaluation.is_flagged) == (EvaluationState.VERIFIED, False)
    assert evaluation.history.first().history_change_reason.endswith("; flag cleared")


def test_a_run_older_than_the_latest_changes_nothing(system, contributor, guard, probe):
    latest = report(system, contributor, (probe.key, "passed"), started_at=days_ago(1))

    report(system, contributor, (probe.key, "failed"), started_at=days_ago(3))

    evaluation = MitigationEvaluation.objects.get(mitigation=guard)
    assert (evaluation.state, evaluation.latest_run) == (EvaluationState.VERIFIED, latest)


def test_a_planned_mitigation_is_not_marked_verified(system, contributor, risk):
    planned = MitigationFactory(system=system, owner=contributor, risks=[risk])
    case = TestCaseFactory(risk=risk, mitigations=[planned])

    report(system, contributor, (case.key, "passed"))

    planned.refresh_from_db()
    assert planned.status == MitigationStatus.PLANNED
    assert planned.evaluation.state == EvaluationState.VERIFIED


def test_a_retired_mitigation_is_left_alone(system, contributor, risk):
    retired = MitigationFactory(system=system, status=MitigationStatus.RETIRED, risks=[risk])
    case = TestCaseFactory(risk=risk, mitigations=[retired])

    report(system, contributor, (case.key, "failed"))

    assert not MitigationEvaluation.objects.exists()


def test_unknown_keys_verify_nothing(system, contributor, guard, probe):
    report(system, contributor, ("some-other-probe", "failed"))

    guard.refresh_from_db()
    assert guard.status == MitigationStatus.IMPLEMENTED
    assert not MitigationEvaluation.objects.exists()


def test_one_run_verifies_one_mitigation_and_flags_another(system, contributor, risk, guard, probe):
    other = MitigationFactory(system=system, status=MitigationStatus.IMPLEMENTED, risks=[risk])
    other_case = TestCaseFactory(risk=risk, mitigations=[other])

    outcome = report(system, contributor, (probe.key, "passed"), (other_case.key, "failed"))

    states = dict(MitigationEvaluation.objects.values_list("mitigation_id", "state"))
    assert states == {guard.pk: "verified", other.pk: "failing"}
    assert outcome.outcome == "failed"


# --- Out of date ----------------------------------------------------------------------------------
def test_the_sweep_flags_a_verification_whose_latest_run_is_out_of_date(
    system, contributor, guard, probe, settings
):
    settings.EVALUATION_STALE_AFTER_DAYS = 30
    run = report(system, contributor, (probe.key, "passed"), started_at=days_ago(31))

    flagged = verification.flag_stale_evaluations(timezone.localdate())

    evaluation = MitigationEvaluation.objects.get(mitigation=guard)
    assert flagged == 1
    assert evaluation.state == EvaluationState.STALE
    assert evaluation.flag_reason.startswith(f"Its latest run, {run.reference} of ")
    assert evaluation.flag_reason.endswith("is more than 30 days old: run its test cases again")


def test_a_recent_verification_is_not_out_of_date(system, contributor, guard, probe, settings):
    settings.EVALUATION_STALE_AFTER_DAYS = 30
    report(system, contributor, (probe.key, "passed"), started_at=days_ago(20))

    assert verification.flag_stale_evaluations(timezone.localdate()) == 0


def test_a_stale_flag_is_flagged_once(system, contributor, guard, probe, settings):
    settings.EVALUATION_STALE_AFTER_DAYS = 30
    report(system, contributor, (probe.key, "passed"), started_at=days_ago(40))
    verification.flag_stale_evaluations(timezone.localdate())

    assert verification.flag_stale_evaluations(timezone.localdate()) == 0


def test_the_daily_sweep_flags_and_reminds_the_owner(system, contributor, guard, probe, settings):
    settings.EVALUATION_STALE_AFTER_DAYS = 30
    report(system, contributor, (probe.key, "passed"), started_at=days_ago(45))

    result = run_sweep(timezone.localdate())

    assert result.housekeeping["stale_evaluations"] == 1
    reminder = Notification.objects.get(recipient=contributor)
    assert reminder.title.startswith(f"Mitigation {guard.reference} “{guard.title}” is flagged")
    assert reminder.url.endswith("#evaluation")


def test_the_collector_leaves_out_archived_systems(system, contributor, guard, probe):
    report(system, contributor, (probe.key, "failed"))
    system.archived_at = timezone.now()
    system.save()

    assert [c for batch in flagged_evaluations(timezone.localdate()) for c in batch] == []


# --- A person's review of a flag ------------------------------------------------------------------
def test_marking_a_flag_reviewed_clears_it_with_the_note(system, contributor, guard, probe):
    report(system, contributor, (probe.key, "failed"))
    evaluation = MitigationEvaluation.objects.get(mitigation=guard)

    verification.mark_reviewed(
        evaluation=evaluation, by=contributor, note="The failure was a flaky grader: re-run."
    )

    evaluation.refresh_from_db()
    assert not evaluation.is_flagged
    assert (evaluation.reviewed_by, evaluation.review_note) == (
        contributor,
        "The failure was a flaky grader: re-run.",
    )
    assert evaluation.history.first().history_change_reason == (
        "Reviewed: The failure was a flaky grader: re-run."
    )


def test_a_review_says_what_was_checked(system, contributor, guard, probe):
    report(system, contributor, (probe.key, "failed"))

    with pytest.raises(ValidationError) as refused:
        verification.mark_reviewed(evaluation=guard.evaluation, by=contributor, note="  ")

    assert "note" in refused.value.message_dict


def test_nothing_flagged_is_nothing_to_review(system, contributor, guard, probe):
    report(system, contributor, (probe.key, "passed"))

    with pytest.raises(ValidationError):
        verification.mark_reviewed(evaluation=guard.evaluation, by=contributor, note="Fine.")


@pytest.mark.parametrize("role", ["viewer", "auditor", "committee_member"])
def test_only_the_teams_contributors_review_a_flag(
    system, contributor, guard, probe, user_for, role
):
    report(system, contributor, (probe.key, "failed"))

    with pytest.raises(PermissionDenied):
        verification.mark_reviewed(evaluation=guard.evaluation, by=user_for(role), note="Fine.")


def test_the_flag_shows_on_the_risks_of_the_mitigation(system, contributor, guard, probe, risk):
    from apps.evaluations.selectors import flags_on_risk

    other_risk = RiskFactory(system=system)
    report(system, contributor, (probe.key, "failed"))

    assert list(flags_on_risk(risk)) == [guard.evaluation]
    assert list(flags_on_risk(other_risk)) == []
