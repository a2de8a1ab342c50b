"""Reads of monitoring that pages, the dashboard, the API and exports share."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, FloatField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from apps.monitoring.models import Breach, BreachLevel, HourlyRollup, Metric, Reading
from apps.systems.models import AISystem


def _with_state(queryset: QuerySet[Metric]) -> QuerySet[Metric]:
    """Annotate the latest hour's mean (``latest_value``, ``latest_hour``) and the open
    breach's level (``breach_level``, "" when none): two index lookups per row."""
    latest = HourlyRollup.objects.filter(metric_id=OuterRef("pk")).order_by("-hour")
    breach = Breach.objects.filter(metric_id=OuterRef("pk"), ended_at__isnull=True)
    return queryset.annotate(
        latest_hour=Subquery(latest.values("hour")[:1]),
        latest_value=Subquery(
            latest.annotate(
                mean=Cast(F("total"), FloatField()) / Cast(F("count"), FloatField())
            ).values("mean")[:1],
            output_field=FloatField(),
        ),
        breach_level=Subquery(breach.values("level")[:1]),
    )


def metric_list(user) -> QuerySet[Metric]:
    return _with_state(Metric.objects.visible_to(user).select_related("system__team"))


def metric_detail(user) -> QuerySet[Metric]:
    return Metric.objects.visible_to(user).select_related(
        "system__team", "system__business_owner", "system__technical_owner", "created_by"
    )


def metrics_of_system(system: AISystem) -> QuerySet[Metric]:
    return _with_state(Metric.objects.filter(system=system, archived_at__isnull=True)).order_by(
        "name"
    )


def watched_risks_of(metric: Metric):
    return metric.watched_risks.order_by("-residual_score", "title")


def breach_list(user) -> QuerySet[Breach]:
    return Breach.objects.visible_to(user).select_related("metric__system__team", "incident")


def breaches_of(metric: Metric) -> QuerySet[Breach]:
    return (
        Breach.objects.filter(metric=metric)
        .select_related("incident")
        .order_by("-started_at", "-pk")
    )


def current_breaches(user) -> QuerySet[Breach]:
    """Open breaches the person may see, rollback ones first, newest first."""
    return (
        breach_list(user)
        .filter(ended_at__isnull=True, metric__archived_at__isnull=True)
        .order_by("-level", "-started_at", "-pk")
    )


# --- The trend chart ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    key: str
    label: str
    span: datetime.timedelta
    bucket: datetime.timedelta  # one point of the chart
    raw: bool  # from the raw readings (else the hourly roll-ups)


PERIODS = {
    "24h": Period(
        "24h", "Last 24 hours", datetime.timedelta(hours=24), datetime.timedelta(minutes=5), True
    ),
    "7d": Period(
        "7d", "Last 7 days", datetime.timedelta(days=7), datetime.timedelta(hours=1), False
    ),
    "90d": Period(
        "90d", "Last 90 days", datetime.timedelta(days=90), datetime.timedelta(hours=6), False
    ),
}
DEFAULT_PERIOD = "7d"


@dataclass
class Point:
    at: datetime.datetime  # the bucket's start
    value: float  # the bucket's mean
    minimum: float
    maximum: float
    count: int


def _bucket_start(moment: datetime.datetime, size: datetime.timedelta) -> datetime.datetime:
    seconds = int(size.total_seconds())
    stamp = int(moment.timestamp())
    return datetime.datetime.fromtimestamp(stamp - stamp % seconds, tz=datetime.UTC)


def trend(metric: Metric, period: Period, *, now=None) -> list[Point]:
    """The metric's means over ``period``, one point per bucket that has readings, oldest
    first: raw readings for the last day, hourly roll-ups beyond (one query either way)."""
    now = now or timezone.now()
    since = now - period.span
    buckets: dict[datetime.datetime, list] = {}

    def add(at, count, total, low, high):
        key = _bucket_start(at, period.bucket)
        figures = buckets.get(key)
        if figures is None:
            buckets[key] = [count, total, low, high]
        else:
            figures[0] += count
            figures[1] += total
            figures[2] = min(figures[2], low)
            figures[3] = max(figures[3], high)

    if period.raw:
        rows = Reading.objects.filter(
            metric=metric, timestamp__gte=since, timestamp__lte=now
        ).values_list("timestamp", "value")
        for at, value in rows:
            add(at, 1, value, value, value)
    if not buckets:  # no raw readings (expired, or a longer period): the roll-ups
        rows = HourlyRollup.objects.filter(
            metric=metric,
            hour__gte=_bucket_start(since, datetime.timedelta(hours=1)),
            hour__lte=now,
        ).values_list("hour", "count", "total", "minimum", "maximum")
        for at, count, total, low, high in rows:
            add(at, count, total, low, high)
    return [
        Point(at=at, value=total / count, minimum=low, maximum=high, count=count)
        for at, (count, total, low, high) in sorted(buckets.items())
    ]


def breaches_in(metric: Metric, since: datetime.datetime) -> list[Breach]:
    """The breaches that overlap the chart's period (open ones included)."""
    return list(
        Breach.objects.filter(metric=metric, started_at__lte=timezone.now())
        .exclude(ended_at__lt=since)
        .order_by("started_at")
    )


def open_breach_counts() -> dict[str, int]:
    """Open breaches by level, every team (for ``/metrics``): one query."""
    counts = dict(
        Breach.objects.filter(ended_at__isnull=True)
        .order_by()
        .values_list("level")
        .annotate(n=Count("pk"))
    )
    return {level: counts.get(level, 0) for level in BreachLevel.values}


def breach_metrics():
    """``/metrics``: the monitored metrics' open breaches, by level (one query)."""
    from apps.core.metrics import Metric as Family

    counts = open_breach_counts()
    return [
        Family(
            "monitoring_open_breaches",
            "Monitored metrics beyond a threshold now, by level (warning, rollback).",
            "gauge",
            [({"level": level}, count) for level, count in sorted(counts.items())],
        )
    ]
