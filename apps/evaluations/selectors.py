"""Reads of evaluations that the pages, the API, the panels and the plan share."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from apps.core.models import AuditEvent
from apps.evaluations.models import (
    EvaluationRun,
    MitigationEvaluation,
    RunOutcome,
    TestCase,
    TestResult,
)
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk
from apps.systems import selectors as system_selectors


# --- Test cases -----------------------------------------------------------------------------------
def _latest_outcome() -> Subquery:
    """Each test case's outcome in the latest run that reported it (a subquery: no join)."""
    return Subquery(
        TestResult.objects.filter(test_case_id=OuterRef("pk"))
        .order_by("-run__started_at", "-run_id", "-pk")
        .values("outcome")[:1]
    )


def test_case_list(user) -> QuerySet[TestCase]:
    """The test cases a user may see, with what the list shows joined in (no per-row query)."""
    return (
        TestCase.objects.visible_to(user)
        .select_related("system", "system__team", "risk")
        .annotate(
            mitigation_count=Count("mitigations", distinct=True),
            latest_outcome=_latest_outcome(),
        )
    )


def test_case_detail(user) -> QuerySet[TestCase]:
    return TestCase.objects.visible_to(user).select_related(
        "system", "system__team", "risk", "created_by", "template"
    )


def results_of(test_case: TestCase, limit: int = 20) -> list[TestResult]:
    """The test case's latest results, newest run first, with their run."""
    return list(
        test_case.results.select_related("run").order_by("-run__started_at", "-run_id")[:limit]
    )


def test_cases_of_risk(risk: Risk) -> QuerySet[TestCase]:
    return (
        risk.test_cases.filter(archived_at__isnull=True)
        .annotate(latest_outcome=_latest_outcome())
        .order_by("kind", "key")
    )


def test_case_mitigations(test_case: TestCase) -> QuerySet[Mitigation]:
    return test_case.mitigations.order_by("title", "pk")


def history_of_test_case(test_case: TestCase) -> QuerySet[AuditEvent]:
    content_type = ContentType.objects.get_for_model(TestCase)
    return AuditEvent.objects.filter(content_type=content_type, object_id=test_case.pk)


# --- Runs -----------------------------------------------------------------------------------------
def run_list(user) -> QuerySet[EvaluationRun]:
    return EvaluationRun.objects.visible_to(user).select_related(
        "system", "system__team", "uploaded_by"
    )


def run_detail(user) -> QuerySet[EvaluationRun]:
    return run_list(user)


def results_of_run(run: EvaluationRun, outcome: str | None = None) -> QuerySet[TestResult]:
    results = run.results.select_related("test_case")
    return results.filter(outcome=outcome) if outcome else results


def unknown_results(run: EvaluationRun) -> QuerySet[TestResult]:
    return run.results.filter(test_case__isnull=True).order_by("position")


def runs_of_system(system, limit: int = 5) -> list[EvaluationRun]:
    return list(
        EvaluationRun.objects.filter(system=system)
        .select_related("uploaded_by")
        .order_by("-started_at", "-pk")[:limit]
    )


def latest_runs_by_suite(runs: QuerySet[EvaluationRun]) -> QuerySet[EvaluationRun]:
    """Among ``runs``, the latest of each suite (one query, whatever the number of runs)."""
    latest = runs.filter(suite=OuterRef("suite")).order_by("-started_at", "-pk").values("pk")[:1]
    return runs.filter(pk=Subquery(latest)).order_by("suite")


def failing_latest_runs(system, version: str) -> tuple[list[EvaluationRun], bool]:
    """The latest run of each suite that failed, among the runs of ``version`` when there are
    some (else among all the system's runs); and whether ``version`` was evaluated."""
    runs = EvaluationRun.objects.filter(system=system)
    of_version = runs.filter(model_version=version)
    evaluated = of_version.exists()
    scope = of_version if evaluated else runs
    return list(latest_runs_by_suite(scope).filter(outcome=RunOutcome.FAILED)), evaluated


def mitigations_verified_by(run: EvaluationRun) -> QuerySet[MitigationEvaluation]:
    """The mitigations this run verified or flagged (those it is the latest run of)."""
    return MitigationEvaluation.objects.filter(latest_run=run).select_related("mitigation")


# --- Mitigations and their evaluations ------------------------------------------------------------
def evaluations_of_system(system) -> QuerySet[MitigationEvaluation]:
    return (
        MitigationEvaluation.objects.filter(mitigation__system=system)
        .select_related("mitigation", "latest_run", "verified_by")
        .order_by("-flagged_at", "mitigation__title")
    )


def evaluation_of(mitigation: Mitigation) -> MitigationEvaluation | None:
    return (
        MitigationEvaluation.objects.filter(mitigation=mitigation)
        .select_related("latest_run", "verified_by", "reviewed_by")
        .first()
    )


def evaluation_detail(user) -> QuerySet[MitigationEvaluation]:
    return MitigationEvaluation.objects.visible_to(user).select_related(
        "mitigation", "mitigation__system", "mitigation__system__team"
    )


def flags_on_risk(risk: Risk) -> QuerySet[MitigationEvaluation]:
    """Flags on the mitigations that treat ``risk``: its residual assessment is to review."""
    return (
        MitigationEvaluation.objects.flagged()
        .filter(mitigation__risks=risk)
        .select_related("mitigation", "latest_run")
        .order_by("-flagged_at")
    )


def test_case_counts(system) -> dict:
    """How many live test cases the system has, and how many verify a mitigation."""
    return TestCase.objects.filter(system=system, archived_at__isnull=True).aggregate(
        total=Count("pk", distinct=True),
        verifying=Count("pk", filter=Q(mitigations__isnull=False), distinct=True),
    )


def mitigation_choices(system, *, keep=()):
    """The mitigations a test case of ``system`` may verify: its mitigations not retired (and
    those it verifies already)."""
    return (
        Mitigation.objects.filter(Q(system=system) & (~Q(status="retired") | Q(pk__in=keep)))
        .order_by("title", "pk")
        .distinct()
    )


def risk_choices(system, *, keep=None):
    risks = Q(archived_at__isnull=True) | Q(pk=keep) if keep else Q(archived_at__isnull=True)
    return system.risks.filter(risks).order_by("-residual_score", "title")


def systems_for_upload(user):
    return system_selectors.systems_open_for_records(user)
