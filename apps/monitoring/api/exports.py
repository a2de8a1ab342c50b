"""Metrics as an export: one row per metric, with its thresholds and the risks it watches."""

from django.db.models import F, OuterRef

from apps.core.api.exports import (
    Column,
    Exporter,
    JoinedText,
    ReferenceText,
    choice_label,
    iso,
    reference,
)
from apps.incidents.models import Severity
from apps.monitoring.api.filters import MetricAPIFilterSet
from apps.monitoring.models import Aggregation, Direction, Measure, Metric
from apps.risks.models import Risk
from apps.systems.api.exports import system_columns


def number_text(value) -> str | None:
    """A threshold as text, as typed (``0.25``, ``1200``)."""
    if value is None:
        return None
    return f"{value:g}" if abs(value) < 1e15 else str(value)


class MetricExporter(Exporter):
    name = "metrics"
    title = "Monitored metrics"
    filterset_class = MetricAPIFilterSet
    columns = [
        Column("reference", "pk", "The metric's reference (MET-0042)", reference(Metric)),
        *system_columns(),
        Column("name", "name", "Name"),
        Column("measures", "measures", "What it measures", choice_label(Measure.choices)),
        Column("unit", "unit", "Unit"),
        Column("direction", "direction", "Which way is worse", choice_label(Direction.choices)),
        Column("warning_threshold", "warning_threshold", "Warning threshold", number_text),
        Column("rollback_threshold", "rollback_threshold", "Rollback threshold", number_text),
        Column("window_minutes", "window_minutes", "Evaluation window (minutes)", type="integer"),
        Column(
            "aggregation", "aggregation", "Aggregate of a window", choice_label(Aggregation.choices)
        ),
        Column(
            "incident_severity",
            "incident_severity",
            "Severity of the incident a rollback breach opens",
            choice_label(Severity.choices),
        ),
        Column(
            "watched_risks",
            "export_risks",
            "References of the risks it watches (RSK-0107; RSK-0110), joined with “; ”",
        ),
        Column("archived_at", "archived_at", "When it was archived", iso, "date-time"),
        Column("updated_at", "updated_at", "When it was last changed", iso, "date-time"),
    ]

    @classmethod
    def get_queryset(cls, user):
        through = Metric.watched_risks.through
        risks = (
            through.objects.filter(metric_id=OuterRef("pk"))
            .order_by("risk_id")
            .values(_cell=ReferenceText(Risk.REFERENCE_PREFIX, F("risk_id")))
        )
        return Metric.objects.visible_to(user).annotate(export_risks=JoinedText(risks))
