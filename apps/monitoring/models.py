"""Monitored metrics: what a running AI system is watched on, its readings, and its breaches.

A **metric** belongs to one system: what it measures (accuracy, error rate, p95 latency…), its
unit, which way is worse, a *warning* and a *rollback* threshold, the evaluation window (the mean
over ``window_minutes``), the severity of the incident a rollback breach opens, and the risks it
watches. The system's free-text ``rollback_thresholds`` stays as it is, as notes.

**Readings** arrive in batches (``POST /api/v1/readings/``, a CSV upload): one row per (metric,
timestamp, source), stored once however often it is sent. The table is built for volume: no
surrogate-key index but the primary key, the unique (metric, timestamp, source) index that also
serves the charts, and on PostgreSQL a BRIN index on the time (migration 0002), tiny, which the
retention's deletes use. **Hourly roll-ups** are kept in step by the intake and stay after raw
readings expire (``MONITORING_RAW_RETENTION_DAYS``).

A **breach** is a run of evaluation windows beyond a threshold: a warning breach tells the
owners; a rollback breach opens one incident (at most one open breach per metric, a database
constraint), linked to the watched risks.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from apps.accounts.permissions import TeamScopedQuerySet
from apps.core.links import reverse_pk
from apps.core.models import (
    ArchivableQuerySet,
    ConstraintErrorFieldsMixin,
    ReferenceMixin,
    TimeStampedModel,
    VersionedModel,
)
from apps.incidents.models import Severity


class Measure(models.TextChoices):
    ACCURACY = "accuracy", "Accuracy"
    ERROR_RATE = "error_rate", "Error rate"
    P95_LATENCY = "p95_latency", "p95 latency"
    DRIFT_SCORE = "drift_score", "Drift score"
    FAIRNESS_GAP = "fairness_gap", "Fairness gap"
    REFUSAL_RATE = "refusal_rate", "Refusal rate"
    COST = "cost", "Cost"
    OTHER = "other", "Other"


class Direction(models.TextChoices):
    HIGHER_IS_WORSE = "higher", "Higher is worse"
    LOWER_IS_WORSE = "lower", "Lower is worse"


class Aggregation(models.TextChoices):
    MEAN = "mean", "Mean"


class BreachLevel(models.TextChoices):
    WARNING = "warning", "Warning"
    ROLLBACK = "rollback", "Rollback"


# The shortest and longest evaluation windows (one minute, one week).
MIN_WINDOW_MINUTES, MAX_WINDOW_MINUTES = 1, 7 * 24 * 60


class MetricQuerySet(ArchivableQuerySet, TeamScopedQuerySet):
    team_path = "system__team"


class Metric(ConstraintErrorFieldsMixin, ReferenceMixin, VersionedModel, TimeStampedModel):
    """One figure of a running system, watched against two thresholds."""

    REFERENCE_PREFIX = "MET"
    constraint_error_fields = {
        "metric_unique_name_per_system": "name",
        "metric_warning_before_rollback": "warning_threshold",
        "metric_window_in_range": "window_minutes",
        "metric_severity_in_range": "incident_severity",
    }

    system = models.ForeignKey("systems.AISystem", on_delete=models.PROTECT, related_name="metrics")
    name = models.CharField(max_length=200, help_text="e.g. “Answer accuracy (sampled)”.")
    measures = models.CharField(
        "what it measures", max_length=20, choices=Measure.choices, default=Measure.OTHER
    )
    description = models.TextField(
        blank=True, help_text="How it is computed and where it comes from."
    )
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. %, ms, €, score.")
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.HIGHER_IS_WORSE
    )
    warning_threshold = models.FloatField(
        null=True,
        blank=True,
        help_text="Crossing it tells the system's owners (optional).",
    )
    rollback_threshold = models.FloatField(
        help_text="Crossing it opens an incident: the change should be rolled back.",
    )
    window_minutes = models.PositiveIntegerField(
        "evaluation window (minutes)",
        default=15,
        validators=[MinValueValidator(MIN_WINDOW_MINUTES), MaxValueValidator(MAX_WINDOW_MINUTES)],
        help_text="The thresholds apply to the aggregate of the readings of each window.",
    )
    aggregation = models.CharField(
        max_length=10, choices=Aggregation.choices, default=Aggregation.MEAN
    )
    incident_severity = models.PositiveSmallIntegerField(
        "severity of the incident a rollback breach opens",
        choices=Severity.choices,
        default=Severity.SEV2,
    )
    watched_risks = models.ManyToManyField(
        "risks.Risk",
        blank=True,
        related_name="metrics",
        help_text="The risks of the system this metric watches; a rollback breach's incident "
        "names them as materialised.",
    )
    # Evaluation: readings of windows that start before this have been evaluated (the
    # evaluator's cursor; windows are aligned on the epoch, every ``window_minutes``).
    evaluated_until = models.DateTimeField(null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        editable=False,
    )

    history = HistoricalRecords(
        excluded_fields=["updated_at", "evaluated_until"], m2m_fields=[watched_risks]
    )

    objects = MetricQuerySet.as_manager()

    class Meta:
        ordering = ["system__name", "name"]
        indexes = [
            models.Index(fields=["system", "name"], name="metric_system_idx"),
            models.Index(fields=["updated_at"], name="metric_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "name"],
                condition=Q(archived_at__isnull=True),
                name="metric_unique_name_per_system",
                violation_error_message="The system already has a metric of this name.",
            ),
            models.CheckConstraint(
                condition=Q(warning_threshold__isnull=True)
                | Q(direction="higher", warning_threshold__lt=models.F("rollback_threshold"))
                | Q(direction="lower", warning_threshold__gt=models.F("rollback_threshold")),
                name="metric_warning_before_rollback",
                violation_error_message="The warning threshold comes before the rollback "
                "threshold: below it when higher is worse, above it when lower is worse.",
            ),
            models.CheckConstraint(
                condition=Q(window_minutes__gte=MIN_WINDOW_MINUTES)
                & Q(window_minutes__lte=MAX_WINDOW_MINUTES),
                name="metric_window_in_range",
                violation_error_message="The window is between one minute and one week.",
            ),
            models.CheckConstraint(
                condition=Q(incident_severity__range=(1, 4)),
                name="metric_severity_in_range",
                violation_error_message="Choose a severity from SEV1 to SEV4.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse_pk("monitoring:detail", self.pk)

    def clean(self):
        super().clean()
        errors = {}
        for field in ("warning_threshold", "rollback_threshold"):
            value = getattr(self, field)
            if value is not None and not math.isfinite(value):
                errors[field] = "Give a finite number."
        if errors:
            raise ValidationError(errors)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def higher_is_worse(self) -> bool:
        return self.direction == Direction.HIGHER_IS_WORSE

    def beyond(self, value: float, threshold: float | None) -> bool:
        """Whether ``value`` is on the bad side of ``threshold`` (reaching it counts)."""
        if threshold is None:
            return False
        return value >= threshold if self.higher_is_worse else value <= threshold

    def level_of(self, value: float) -> str | None:
        """``rollback``, ``warning`` or None (within both thresholds) for an aggregate."""
        if self.beyond(value, self.rollback_threshold):
            return BreachLevel.ROLLBACK
        if self.beyond(value, self.warning_threshold):
            return BreachLevel.WARNING
        return None

    def with_unit(self, value: float | None) -> str:
        if value is None:
            return "—"
        text = f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
        return f"{text} {self.unit}".strip()


class Reading(models.Model):
    """One value of one metric at one time, from one source (a job, a probe, a region)."""

    id = models.BigAutoField(primary_key=True)
    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="readings", db_index=False
    )
    timestamp = models.DateTimeField()
    value = models.FloatField()
    source = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        constraints = [
            # One reading per (metric, timestamp, source): the intake's ON CONFLICT DO NOTHING.
            # Its index also serves every read of a metric's readings over a time range.
            models.UniqueConstraint(
                fields=["metric", "timestamp", "source"], name="reading_unique"
            ),
        ]

    def __str__(self):
        return f"{self.metric_id} {self.timestamp:%Y-%m-%d %H:%M:%S} {self.value}"


class HourlyRollup(models.Model):
    """A metric's readings of one hour (UTC), summed up: kept after the raw readings expire."""

    id = models.BigAutoField(primary_key=True)
    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="hourly_rollups", db_index=False
    )
    hour = models.DateTimeField(help_text="The start of the hour (UTC).")
    count = models.PositiveIntegerField()
    total = models.FloatField(help_text="The sum of the hour's values.")
    minimum = models.FloatField()
    maximum = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metric", "hour"], name="rollup_unique_hour"),
        ]

    def __str__(self):
        return f"{self.metric_id} {self.hour:%Y-%m-%d %H}:00 ×{self.count}"

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0


class BreachQuerySet(TeamScopedQuerySet):
    team_path = "metric__system__team"

    def current(self):
        return self.filter(ended_at__isnull=True)


class Breach(ReferenceMixin, TimeStampedModel):
    """Windows of a metric beyond a threshold, from the first to the last, until a full window
    is back within the warning threshold (or the rollback one, without a warning threshold).

    A warning breach that worsens becomes a rollback breach (and opens its incident then).
    """

    REFERENCE_PREFIX = "BRE"

    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="breaches")
    level = models.CharField(max_length=10, choices=BreachLevel.choices)
    started_at = models.DateTimeField(
        help_text="The first reading beyond the threshold in the first breaching window."
    )
    detected_at = models.DateTimeField(
        help_text="The reading at which the window's aggregate first crossed the threshold."
    )
    escalated_at = models.DateTimeField(
        null=True, blank=True, help_text="When a warning breach crossed the rollback threshold."
    )
    last_breaching_at = models.DateTimeField()
    worst_value = models.FloatField(help_text="The worst window aggregate of the breach.")
    threshold = models.FloatField(help_text="The threshold crossed (of the breach's level).")
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="The start of the first window back within thresholds."
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="metric_breaches",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = BreachQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "breaches"
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["metric", "-started_at"], name="breach_metric_idx"),
            models.Index(
                fields=["-started_at"], condition=Q(ended_at__isnull=True), name="breach_open_idx"
            ),
        ]
        constraints = [
            # Never a storm: one open breach per metric, whatever runs the evaluation.
            models.UniqueConstraint(
                fields=["metric"], condition=Q(ended_at__isnull=True), name="breach_one_open"
            ),
        ]

    def __str__(self):
        return f"{self.get_level_display()} breach of {self.metric}"

    def get_absolute_url(self):
        return reverse_pk("monitoring:detail", self.metric_id) + f"#breach-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def is_rollback(self) -> bool:
        return self.level == BreachLevel.ROLLBACK


class MonitoringGrant(models.Model):
    """A system a monitoring-scoped API token may post readings for (set when it is created)."""

    token = models.ForeignKey(
        "accounts.APIToken", on_delete=models.CASCADE, related_name="monitoring_grants"
    )
    system = models.ForeignKey(
        "systems.AISystem", on_delete=models.CASCADE, related_name="monitoring_grants"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "system"], name="monitoring_grant_unique")
        ]

    def __str__(self):
        return f"{self.token} → {self.system}"
