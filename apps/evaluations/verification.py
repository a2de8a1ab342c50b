"""What evaluation runs say about the mitigations their test cases verify.

A mitigation that test cases verify (``TestCase.mitigations``) is **verified by its latest
passing run**: when a run's results for its test cases all pass, the run becomes its evidence
(:class:`~apps.evaluations.models.MitigationEvaluation`, ``verified_by``) and a mitigation in
place is marked verified that day, through the mitigations' own service. When they do not all
pass, the mitigation — and with it the residual assessment of the risks it treats — is
**flagged for review**, a verified mitigation goes back to implemented, and its owners are told
at once. A verification whose latest run is older than ``EVALUATION_STALE_AFTER_DAYS`` is
flagged by the daily sweep (:func:`flag_stale_evaluations`, registered in
:mod:`apps.evaluations.reminders`). A passing run clears the flag; so does a person who checked
that the residual assessment still holds (:func:`mark_reviewed`).

A run older than the one a mitigation already reflects (a report uploaded late) changes nothing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.audit import save_with_history
from apps.evaluations import permissions
from apps.evaluations.models import (
    OUTCOME_SEVERITY,
    EvaluationRun,
    EvaluationState,
    MitigationEvaluation,
    ResultOutcome,
    TestCase,
    TestResult,
)
from apps.mitigations import services as mitigation_services
from apps.mitigations.models import Mitigation
from apps.reminders.events import notify
from apps.reminders.models import ReminderReason
from apps.risks.models import Risk
from apps.risks.treatment import IN_PLACE_STATUSES, MitigationStatus

EVALUATION_FAILED = ReminderReason.EVALUATION_FAILED


def worst(outcomes: Iterable[str]) -> str:
    """The outcome of a test case with these results in one run: its worst result's."""
    return max(outcomes, key=lambda outcome: OUTCOME_SEVERITY[ResultOutcome(outcome)])


def verdicts_of(run: EvaluationRun) -> dict[int, tuple[int, int]]:
    """For each mitigation that the run's test cases verify: (how many of its test cases did
    not pass, how many ran). Skipped results are left out. Two queries."""
    outcomes: dict[int, list[str]] = defaultdict(list)
    rows = (
        TestResult.objects.filter(run=run, test_case__isnull=False)
        .exclude(outcome=ResultOutcome.SKIPPED)
        .values_list("test_case_id", "outcome")
    )
    for case_id, outcome in rows:
        outcomes[case_id].append(outcome)
    if not outcomes:
        return {}
    by_case = {case_id: worst(found) for case_id, found in outcomes.items()}
    through = TestCase.mitigations.through
    verdicts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for mitigation_id, case_id in through.objects.filter(testcase_id__in=by_case).values_list(
        "mitigation_id", "testcase_id"
    ):
        verdicts[mitigation_id][1] += 1
        if by_case[case_id] != ResultOutcome.PASSED:
            verdicts[mitigation_id][0] += 1
    return {pk: (failed, ran) for pk, (failed, ran) in verdicts.items()}


def _is_newer(run: EvaluationRun, evaluation: MitigationEvaluation | None) -> bool:
    if evaluation is None:
        return True
    latest = evaluation.latest_run
    return (run.started_at, run.pk) >= (latest.started_at, latest.pk)


def _verify(mitigation: Mitigation, evaluation, run: EvaluationRun, ran: int, *, by) -> None:
    was_flagged = evaluation.is_flagged
    evaluation.state = EvaluationState.VERIFIED
    evaluation.latest_run = evaluation.verified_by = run
    evaluation.flagged_at, evaluation.flag_reason = None, ""
    cases = f"{ran} test case{'s' if ran != 1 else ''}"
    reason = f"Verified by {run.reference}: its {cases} passed"
    save_with_history(evaluation, by=by, reason=reason + ("; flag cleared" if was_flagged else ""))
    day = timezone.localdate(run.started_at)
    if mitigation.status not in IN_PLACE_STATUSES:
        return  # planned or in progress: marked verified by the first passing run once in place
    if mitigation.status == MitigationStatus.VERIFIED and (
        mitigation.last_verified_on is not None and mitigation.last_verified_on >= day
    ):
        return
    mitigation_services.update_mitigation(
        mitigation=mitigation,
        by=by,
        data={"status": MitigationStatus.VERIFIED, "last_verified_on": day},
        reason=f"Verified by {run.reference} ({run.suite}, version {run.model_version})",
    )


def _flag_failing(
    mitigation: Mitigation, evaluation, run: EvaluationRun, failed: int, ran: int, *, by
) -> None:
    evaluation.state = EvaluationState.FAILING
    evaluation.latest_run = run
    evaluation.flagged_at = timezone.now()
    evaluation.flag_reason = (
        f"{run.reference} failed: {failed} of its {ran} test case{'s' if ran != 1 else ''} "
        "did not pass"
    )[:300]
    evaluation.reviewed_at = evaluation.reviewed_by = None
    evaluation.review_note = ""
    save_with_history(evaluation, by=by, reason=f"Flagged for review: {evaluation.flag_reason}")
    if mitigation.status == MitigationStatus.VERIFIED:
        mitigation_services.update_mitigation(
            mitigation=mitigation,
            by=by,
            data={"status": MitigationStatus.IMPLEMENTED},
            reason=f"No longer verified: {run.reference} failed",
        )


def _tell_owners(run: EvaluationRun, mitigations: list[Mitigation], *, by) -> int:
    """The run failed some mitigations' test cases: their owners, the owners of the risks they
    treat, and the system's owners are told at once (one notification each)."""
    system = run.system
    risk_owners = Risk.objects.filter(mitigations__in=mitigations).values_list(
        "owner_id", flat=True
    )
    references = ", ".join(m.reference for m in mitigations[:5])
    if len(mitigations) > 5:
        references += f" and {len(mitigations) - 5} more"
    return notify(
        reason=EVALUATION_FAILED,
        record=run,
        recipients=[
            *(m.owner_id for m in mitigations),
            *risk_owners,
            system.business_owner_id,
            system.technical_owner_id,
        ],
        by=by,
        title=f"{run.reference}: the “{run.suite}” evaluation of {system} (version "
        f"{run.model_version}) failed — {references} and the residual assessment of their "
        "risks are flagged for review",
    )


def apply_run(run: EvaluationRun, *, by) -> dict[str, list[Mitigation]]:
    """Verify or flag the mitigations whose test cases ``run`` reports (see the module). Called
    by :func:`apps.evaluations.services.ingest_run` in its transaction."""
    verdicts = verdicts_of(run)
    outcome: dict[str, list[Mitigation]] = {"verified": [], "flagged": []}
    if not verdicts:
        return outcome
    evaluations = {
        evaluation.mitigation_id: evaluation
        for evaluation in MitigationEvaluation.objects.select_for_update(of=("self",))
        .filter(mitigation_id__in=verdicts)
        .select_related("latest_run")
    }
    mitigations = (
        Mitigation.objects.filter(pk__in=verdicts)
        .exclude(status=MitigationStatus.RETIRED)
        .select_related("system")
        .order_by("pk")
    )
    for mitigation in mitigations:
        evaluation = evaluations.get(mitigation.pk)
        if not _is_newer(run, evaluation):
            continue
        evaluation = evaluation or MitigationEvaluation(mitigation=mitigation)
        failed, ran = verdicts[mitigation.pk]
        if failed:
            _flag_failing(mitigation, evaluation, run, failed, ran, by=by)
            outcome["flagged"].append(mitigation)
        else:
            _verify(mitigation, evaluation, run, ran, by=by)
            outcome["verified"].append(mitigation)
    if outcome["flagged"]:
        _tell_owners(run, outcome["flagged"], by=by)
    return outcome


def stale_before(today: datetime.date) -> datetime.datetime:
    """Runs that started before this moment are out of date on ``today``."""
    day = today - datetime.timedelta(days=settings.EVALUATION_STALE_AFTER_DAYS)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@transaction.atomic
def flag_stale_evaluations(today: datetime.date) -> int:
    """The daily sweep's housekeeping: each verification whose latest run is out of date is
    flagged for review (its owner is reminded by the sweep: :mod:`apps.evaluations.reminders`).
    Returns how many were flagged."""
    days = settings.EVALUATION_STALE_AFTER_DAYS
    stale = (
        MitigationEvaluation.objects.select_for_update(of=("self",))
        .filter(
            state=EvaluationState.VERIFIED,
            latest_run__started_at__lt=stale_before(today),
            mitigation__system__archived_at__isnull=True,
        )
        .exclude(mitigation__status=MitigationStatus.RETIRED)
        .select_related("latest_run")
    )
    count = 0
    for evaluation in stale:
        run = evaluation.latest_run
        evaluation.state = EvaluationState.STALE
        evaluation.flagged_at = timezone.now()
        evaluation.flag_reason = (
            f"Its latest run, {run.reference} of {timezone.localdate(run.started_at):%d %b %Y}, "
            f"is more than {days} days old: run its test cases again"
        )
        save_with_history(evaluation, by=None, reason="Flagged for review: out of date")
        count += 1
    return count


@transaction.atomic
def mark_reviewed(*, evaluation: MitigationEvaluation, by, note: str) -> MitigationEvaluation:
    """Someone checked a flagged mitigation and the residual assessment of its risks: the flag
    is cleared, with what they checked (a new failing or stale run flags it again)."""
    evaluation = (
        MitigationEvaluation.objects.select_for_update(of=("self",))
        .select_related("mitigation__system")
        .get(pk=evaluation.pk)
    )
    refusal = permissions.why_cannot_review_evaluation(by, evaluation)
    if refusal:
        raise PermissionDenied(refusal)
    if not evaluation.is_flagged:
        raise ValidationError(
            f"{evaluation.mitigation.reference} is not flagged for review: nothing to clear."
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            {
                "note": "Say what you checked: why the mitigation and the residual assessment of "
                "its risks still hold."
            }
        )
    evaluation.flagged_at, evaluation.flag_reason = None, ""
    evaluation.reviewed_at, evaluation.reviewed_by, evaluation.review_note = (
        timezone.now(),
        by,
        note,
    )
    save_with_history(evaluation, by=by, reason=f"Reviewed: {note}"[:255])
    return evaluation
