"""Evaluations: the test cases of each risk, the runs a CI pipeline reports, and what the runs
say about the mitigations the test cases verify.

* A :class:`TestCase` belongs to one risk of one system: a red-team prompt, a fairness slice, an
  edge case or a regression case, with its input (or a description of it), the criterion it
  passes by, and tags. Its ``key`` is stable: a run's result names it (JUnit's test name, or the
  JSON format's ``test_case``). It may verify some of the system's mitigations.
* An :class:`EvaluationRun` is one report of a pipeline (JUnit XML or the JSON format of
  :mod:`apps.evaluations.parsers`) about one model version: its :class:`TestResult` rows, each
  mapped to a test case by key (unknown keys are kept and listed, never dropped).
* A :class:`MitigationEvaluation` is where a mitigation stands with its evaluations: verified by
  its latest passing run (the run is its evidence), or flagged for review because its latest run
  failed or is too old (:mod:`apps.evaluations.verification`).
* A :class:`TestCaseTemplate` is a starter test case shipped with a risk library template; adding
  the template to a system creates its test cases.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from apps.accounts.permissions import TeamScopedQuerySet
from apps.core.links import reverse_pk
from apps.core.models import (
    ArchivableModel,
    ArchivableQuerySet,
    ConstraintErrorFieldsMixin,
    ReferenceMixin,
    TimeStampedModel,
    VersionedModel,
)


class TestCaseKind(models.TextChoices):
    RED_TEAM = "red_team", "Red-team prompt"
    FAIRNESS_SLICE = "fairness_slice", "Fairness slice"
    EDGE_CASE = "edge_case", "Edge case"
    REGRESSION = "regression", "Regression case"


def normalise_tags(text: str | list | tuple | None) -> str:
    """Tags as stored: lower case, unique, sorted, spaces around (`` injection probe ``), so that
    one ``LIKE '% tag %'`` finds a tag. Commas or spaces separate them."""
    if isinstance(text, list | tuple):
        text = " ".join(text)
    tags = sorted({tag.strip().lower() for tag in (text or "").replace(",", " ").split()})
    return f" {' '.join(tags)} " if tags else ""


class TestCaseTemplate(models.Model):
    """A starter test case that a risk library template ships with (written by this project)."""

    __test__ = False  # a model, not a test class for pytest

    risk_template = models.ForeignKey(
        "risks.RiskTemplate", on_delete=models.CASCADE, related_name="test_case_templates"
    )
    key = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=TestCaseKind.choices)
    input = models.TextField("input or description")
    pass_criterion = models.TextField()
    tags = models.CharField(max_length=300, blank=True)
    verifies_kinds = models.CharField(
        "verifies mitigations of kinds",
        max_length=200,
        blank=True,
        help_text="Space-separated mitigation kinds: the test case verifies the risk's "
        "mitigations of these kinds when the template is added.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["risk_template", "position", "key"]

    def __str__(self):
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()


class TestCaseQuerySet(ArchivableQuerySet, TeamScopedQuerySet):
    team_path = "system__team"


class TestCase(
    ConstraintErrorFieldsMixin, ReferenceMixin, ArchivableModel, VersionedModel, TimeStampedModel
):
    """One probe of one risk of one system, run by the team's evaluation pipeline."""

    __test__ = False  # a model, not a test class for pytest

    REFERENCE_PREFIX = "TST"
    constraint_error_fields = {"unique_test_case_key_per_system": "key"}

    system = models.ForeignKey(
        "systems.AISystem", on_delete=models.PROTECT, related_name="test_cases"
    )
    risk = models.ForeignKey("risks.Risk", on_delete=models.PROTECT, related_name="test_cases")
    key = models.CharField(
        max_length=255,
        help_text="Stable: the name the evaluation pipeline reports the result under (JUnit's "
        "test name, or test_case in the JSON format). Unique within the system.",
    )
    title = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=TestCaseKind.choices)
    input = models.TextField(
        "input or description",
        help_text="The prompt, the slice of data or the situation the system is put in.",
    )
    pass_criterion = models.TextField(
        help_text="What the system must do for the case to pass, checkably."
    )
    tags = models.CharField(max_length=300, blank=True, help_text="Separated by spaces or commas.")
    mitigations = models.ManyToManyField(
        "mitigations.Mitigation",
        blank=True,
        related_name="test_cases",
        verbose_name="mitigations it verifies",
        help_text="Its latest passing run verifies them; a failing one flags them for review.",
    )
    template = models.ForeignKey(
        TestCaseTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="test_cases",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[mitigations])

    objects = TestCaseQuerySet.as_manager()

    class Meta:
        ordering = ["system", "key"]
        indexes = [
            models.Index(fields=["risk", "archived_at"], name="test_case_risk_idx"),
            models.Index(fields=["updated_at"], name="test_case_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "key"],
                name="unique_test_case_key_per_system",
                violation_error_message="This system already has a test case with this key.",
            ),
            models.CheckConstraint(condition=~Q(key=""), name="test_case_has_a_key"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse_pk("evaluations:test_case_detail", self.pk)

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()


class RunFormat(models.TextChoices):
    JUNIT = "junit", "JUnit XML"
    JSON = "json", "JSON"


class RunOutcome(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class EvaluationRunQuerySet(TeamScopedQuerySet):
    team_path = "system__team"


class EvaluationRun(ReferenceMixin, TimeStampedModel):
    """One report of an evaluation pipeline about one version of one system."""

    REFERENCE_PREFIX = "EVR"

    system = models.ForeignKey(
        "systems.AISystem", on_delete=models.PROTECT, related_name="evaluation_runs"
    )
    suite = models.CharField(
        max_length=200,
        default="default",
        help_text="The suite of evaluations it ran (e.g. “nightly red-team”): the gate reads "
        "the latest run of each suite.",
    )
    model_version = models.CharField(
        "version evaluated",
        max_length=200,
        help_text="The model (or code) version it evaluated, as the deployment gate is asked "
        "about it.",
    )
    source_format = models.CharField("format", max_length=10, choices=RunFormat.choices)
    file_name = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(help_text="When the evaluation ran.")
    duration_seconds = models.FloatField("duration (seconds)", null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    passed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    unknown_count = models.PositiveIntegerField(
        "results without a test case",
        default=0,
        help_text="Results whose key matches no test case of the system (listed on the run).",
    )
    pass_rate = models.FloatField(
        "pass rate (%)",
        null=True,
        blank=True,
        help_text="Passed among the results that ran (skipped ones left out), in percent.",
    )
    outcome = models.CharField(max_length=10, choices=RunOutcome.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = EvaluationRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["system", "suite", "-started_at"], name="run_system_suite_idx"),
            models.Index(fields=["system", "model_version"], name="run_system_version_idx"),
            models.Index(fields=["outcome", "-started_at"], name="run_outcome_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total=F("passed") + F("failed") + F("errors") + F("skipped")),
                name="run_counts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(pass_rate__isnull=True) | Q(pass_rate__gte=0, pass_rate__lte=100),
                name="run_pass_rate_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(outcome="passed", failed=0, errors=0) | Q(outcome="failed"),
                name="passed_run_has_no_failure",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.suite} on {self.model_version}"

    def get_absolute_url(self):
        return reverse_pk("evaluations:run_detail", self.pk)

    @property
    def executed(self) -> int:
        """The results that ran (skipped ones left out)."""
        return self.passed + self.failed + self.errors

    @property
    def is_passing(self) -> bool:
        return self.outcome == RunOutcome.PASSED


class ResultOutcome(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    ERROR = "error", "Error"
    SKIPPED = "skipped", "Skipped"


# A test case's outcome in a run is its worst result's.
OUTCOME_SEVERITY = {
    ResultOutcome.SKIPPED: 0,
    ResultOutcome.PASSED: 1,
    ResultOutcome.FAILED: 2,
    ResultOutcome.ERROR: 3,
}


class TestResult(models.Model):
    """One result of a run: part of the run, written once with it, never changed."""

    __test__ = False  # a model, not a test class for pytest

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="results")
    test_case = models.ForeignKey(
        TestCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="results"
    )
    key = models.CharField(max_length=255, help_text="The test case key the result names.")
    name = models.CharField(max_length=500, blank=True)
    outcome = models.CharField(max_length=10, choices=ResultOutcome.choices)
    duration_seconds = models.FloatField(null=True, blank=True)
    message = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run", "position"]
        indexes = [
            models.Index(fields=["run", "outcome"], name="result_run_outcome_idx"),
            models.Index(fields=["test_case", "run"], name="result_test_case_idx"),
        ]

    def __str__(self):
        return f"{self.key}: {self.get_outcome_display()}"


class EvaluationState(models.TextChoices):
    VERIFIED = "verified", "Verified by its latest run"
    FAILING = "failing", "Its latest run failed"
    STALE = "stale", "Its latest run is out of date"


class MitigationEvaluationQuerySet(TeamScopedQuerySet):
    team_path = "mitigation__system__team"

    def flagged(self):
        return self.filter(flagged_at__isnull=False)


class MitigationEvaluation(TimeStampedModel):
    """Where a mitigation stands with the runs of the test cases that verify it."""

    mitigation = models.OneToOneField(
        "mitigations.Mitigation", on_delete=models.CASCADE, related_name="evaluation"
    )
    state = models.CharField(max_length=10, choices=EvaluationState.choices)
    latest_run = models.ForeignKey(
        EvaluationRun, on_delete=models.PROTECT, related_name="+", help_text="Its latest run."
    )
    verified_by = models.ForeignKey(
        EvaluationRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="verified_mitigations",
        help_text="Its latest passing run: the evidence that verifies it.",
    )
    flagged_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it (and the residual assessment of its risks) was flagged for review; "
        "empty when nothing is flagged.",
    )
    flag_reason = models.CharField(max_length=300, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.TextField(blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = MitigationEvaluationQuerySet.as_manager()

    class Meta:
        ordering = ["-flagged_at", "mitigation"]
        indexes = [
            models.Index(
                fields=["flagged_at"],
                condition=Q(flagged_at__isnull=False),
                name="mitigation_eval_flagged_idx",
            ),
            models.Index(fields=["state"], name="mitigation_eval_state_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(flagged_at__isnull=True) | ~Q(flag_reason=""),
                name="flag_says_why",
            ),
        ]

    def __str__(self):
        return f"{self.mitigation}: {self.get_state_display().lower()}"

    def get_absolute_url(self):
        return self.mitigation.get_absolute_url() + "#evaluation"

    @property
    def is_flagged(self) -> bool:
        return self.flagged_at is not None
