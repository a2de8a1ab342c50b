"""Test cases and evaluation runs as exports (CSV, JSON, XLSX), one row per record."""

from django.db.models import F, OuterRef
from django.db.models.functions import Trim

from apps.core.api.exports import (
    Column,
    Exporter,
    JoinedText,
    ReferenceText,
    choice_label,
    is_set,
    iso,
    reference,
)
from apps.evaluations.api.filters import EvaluationRunAPIFilterSet, TestCaseAPIFilterSet
from apps.evaluations.models import EvaluationRun, RunFormat, RunOutcome, TestCase, TestCaseKind
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk
from apps.systems.api.exports import system_columns


def percent(value):
    """A pass rate as text (``92.5``), empty when no result ran."""
    return None if value is None else f"{value:g}"


class TestCaseExporter(Exporter):
    name = "test-cases"
    title = "Test cases"
    filterset_class = TestCaseAPIFilterSet
    columns = [
        Column("reference", "pk", "The test case's reference (TST-0012)", reference(TestCase)),
        *system_columns(),
        Column("risk", "risk_id", "The risk it probes (RSK-0107)", reference(Risk)),
        Column("key", "key", "The key runs report its result under"),
        Column("title", "title", "What it checks"),
        Column(
            "kind",
            "kind",
            "Red-team prompt, Fairness slice, Edge case or Regression case",
            choice_label(TestCaseKind.choices),
        ),
        Column("input", "input", "The input or a description of it"),
        Column("pass_criterion", "pass_criterion", "What it passes by"),
        Column("tags", "export_tags", "Its tags, separated by spaces"),
        Column(
            "mitigations",
            "export_mitigations",
            "References of the mitigations it verifies (MTG-0311; MTG-0312)",
        ),
        Column("archived", "archived_at", "Whether it is archived", is_set, "boolean"),
        Column("created_at", "created_at", "When it was added", iso, "date-time"),
        Column("updated_at", "updated_at", "When it was last changed", iso, "date-time"),
    ]

    @classmethod
    def get_queryset(cls, user):
        through = TestCase.mitigations.through
        mitigations = (
            through.objects.filter(testcase_id=OuterRef("pk"))
            .order_by("mitigation_id")
            .values(_cell=ReferenceText(Mitigation.REFERENCE_PREFIX, F("mitigation_id")))
        )
        return TestCase.objects.visible_to(user).annotate(
            export_mitigations=JoinedText(mitigations), export_tags=Trim("tags")
        )


class EvaluationRunExporter(Exporter):
    name = "evaluation-runs"
    title = "Evaluation runs"
    filterset_class = EvaluationRunAPIFilterSet
    columns = [
        Column("reference", "pk", "The run's reference (EVR-0031)", reference(EvaluationRun)),
        *system_columns(),
        Column("suite", "suite", "The suite of evaluations it ran"),
        Column("model_version", "model_version", "The version it evaluated"),
        Column("format", "source_format", "JUnit XML or JSON", choice_label(RunFormat.choices)),
        Column("started_at", "started_at", "When it ran", iso, "date-time"),
        Column("duration_seconds", "duration_seconds", "How long it took, in seconds", percent),
        Column("outcome", "outcome", "Passed or Failed", choice_label(RunOutcome.choices)),
        Column("pass_rate", "pass_rate", "Passed among the results that ran, in percent", percent),
        Column("total", "total", "Results", type="integer"),
        Column("passed", "passed", "Results passed", type="integer"),
        Column("failed", "failed", "Results failed", type="integer"),
        Column("errors", "errors", "Results in error", type="integer"),
        Column("skipped", "skipped", "Results skipped", type="integer"),
        Column("unknown_count", "unknown_count", "Results naming no test case", type="integer"),
        Column("uploaded_by", "uploaded_by__email", "Who reported it"),
        Column("created_at", "created_at", "When it was reported", iso, "date-time"),
    ]

    @classmethod
    def get_queryset(cls, user):
        return EvaluationRun.objects.visible_to(user)
