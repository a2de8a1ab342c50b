"""The evaluations section of the safety plan (:mod:`apps.reviews.plan_sections`): the latest
run of each suite, the test cases per kind and where each verified mitigation stands. Frozen
with a submitted plan, so a version shows what its reviewers read."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from apps.evaluations import selectors
from apps.evaluations.models import EvaluationRun, TestCase, TestCaseKind


def _run(run: EvaluationRun) -> dict:
    return {
        "reference": run.reference,
        "suite": run.suite,
        "model_version": run.model_version,
        "started_on": timezone.localdate(run.started_at).isoformat(),
        "outcome": run.outcome,
        "outcome_label": run.get_outcome_display(),
        "total": run.total,
        "passed": run.passed,
        "failed": run.failed,
        "errors": run.errors,
        "skipped": run.skipped,
        "unknown": run.unknown_count,
        "pass_rate": run.pass_rate,
    }


def latest_evaluations(system) -> dict | None:
    """JSON-ready: the system's evaluations as the plan shows them (``None``: it has none)."""
    kinds = dict(
        TestCase.objects.filter(system=system, archived_at__isnull=True)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    runs = list(selectors.latest_runs_by_suite(EvaluationRun.objects.filter(system=system)))
    if not kinds and not runs:
        return None
    return {
        "test_cases": [
            {"kind": kind, "label": label, "count": kinds.get(kind, 0)}
            for kind, label in TestCaseKind.choices
        ],
        "test_case_total": sum(kinds.values()),
        "latest_runs": [_run(run) for run in runs],
        "mitigations": [
            {
                "reference": evaluation.mitigation.reference,
                "title": evaluation.mitigation.title,
                "state": evaluation.state,
                "state_label": evaluation.get_state_display(),
                "latest_run": evaluation.latest_run.reference,
                "verified_by": evaluation.verified_by.reference if evaluation.verified_by else "",
                "flagged": evaluation.is_flagged,
                "flag_reason": evaluation.flag_reason,
            }
            for evaluation in selectors.evaluations_of_system(system)
        ],
    }
