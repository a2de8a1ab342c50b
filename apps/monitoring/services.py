"""Writes of monitoring: metrics, monitoring tokens, the readings intake, breach evaluation and
the readings' retention.

* Metrics are created, edited, archived and restored like any record: rules checked, one
  transaction, history with who and why, every problem at once.
* :func:`ingest_readings` takes a batch (the API, a CSV upload): every row checked first, each
  bad one reported with its position; nothing is written unless every row is good; a reading
  already stored (same metric, timestamp and source) is skipped, so a retry is harmless. In the
  same transaction it keeps the hourly roll-ups in step and writes an outbox message that has the
  batch's metrics evaluated by a worker (:func:`evaluate_metrics`).
* :func:`evaluate_metrics` walks each metric's windows since its cursor, under a row lock: at
  least once, and harmless when run twice.
* :func:`expire_readings`: the scheduled retention.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import TokenScope
from apps.accounts.services import create_token
from apps.core import outbox
from apps.core.audit import save_with_history
from apps.core.concurrency import check_version
from apps.core.validation import ErrorCollector
from apps.incidents import permissions as incident_permissions
from apps.incidents import services as incident_services
from apps.incidents.models import FUTURE_TOLERANCE, ReportedVia
from apps.monitoring import permissions
from apps.monitoring.models import (
    Breach,
    BreachLevel,
    HourlyRollup,
    Metric,
    MonitoringGrant,
    Reading,
)
from apps.reminders.events import committee_ids, notify
from apps.reminders.models import ReminderReason
from apps.risks.models import Risk
from apps.systems.models import AISystem
from apps.systems.permissions import can_edit_system

EDITABLE_FIELDS = [
    "name",
    "measures",
    "description",
    "unit",
    "direction",
    "warning_threshold",
    "rollback_threshold",
    "window_minutes",
    "aggregation",
    "incident_severity",
]
EVALUATE = "monitoring.evaluate"  # the outbox's kind: evaluate the metrics of a batch
# A rollback breach is told as the incident it opens (INCIDENT_OPENED, on the incident); a
# warning breach, which opens none, with a reason of its own on the breach.
BREACH_EVENT = ReminderReason.METRIC_WARNING
# How many metrics one evaluation transaction takes (their rows locked together).
EVALUATION_CHUNK = 200


# --- Metrics --------------------------------------------------------------------------------------
def _assign(metric: Metric, data: dict[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable fields of a metric: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(metric, name, value)


def _check_risks(system: AISystem, risks: Iterable[Risk], *, keep: Iterable[int] = ()) -> list:
    risks = list(risks)
    keep = set(keep)
    foreign = [risk for risk in risks if risk.system_id != system.pk]
    if foreign:
        raise ValidationError(
            {
                "watched_risks": "A metric watches risks of its own system only; "
                f"{', '.join(r.reference for r in foreign)} belong to another system."
            }
        )
    archived = [risk for risk in risks if risk.is_archived and risk.pk not in keep]
    if archived:
        raise ValidationError(
            {"watched_risks": f"{', '.join(r.reference for r in archived)}: archived."}
        )
    return risks


def _validate(metric: Metric) -> None:
    metric.full_clean(exclude=["created_by", "system", "archived_by"])


def _set_m2m(manager, wanted: Iterable) -> None:
    wanted_ids = {obj.pk for obj in wanted}
    if wanted_ids != set(manager.values_list("pk", flat=True)):
        manager.set(list(wanted_ids))


def check_metric(*, system: AISystem, data: dict[str, Any], metric: Metric | None = None) -> None:
    """The checks of a metric's ``data`` that write nothing (its constraints), for a form that
    has other errors: every problem at once."""
    candidate = Metric(system=system) if metric is None else metric
    _assign(candidate, {k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    _validate(candidate)


@transaction.atomic
def create_metric(
    *, system: AISystem, by, data: dict[str, Any], risks: Iterable[Risk] = (), reason: str = ""
) -> Metric:
    """Declare a metric of ``system``, with the risks it watches."""
    refusal = permissions.why_cannot_add_metric(by, system)
    if refusal:
        raise PermissionDenied(refusal)
    errors = ErrorCollector()
    with errors.check():
        risks = _check_risks(system, risks)
    metric = Metric(system=system, created_by=by)
    _assign(metric, data)
    with errors.check():
        _validate(metric)
    errors.raise_if_any()
    save_with_history(metric, by=by, reason=reason or "Declared")
    if risks:
        metric.watched_risks.set(risks)
    return metric


@transaction.atomic
def update_metric(
    *,
    metric: Metric,
    by,
    data: dict[str, Any],
    risks: Iterable[Risk] | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Metric:
    """Edit a metric; ``risks`` replaces the watched risks when given. A change of thresholds
    or window applies to the windows evaluated from now on."""
    metric = Metric.objects.select_for_update().select_related("system").get(pk=metric.pk)
    refusal = permissions.why_cannot_edit_metric(by, metric)
    if refusal:
        raise PermissionDenied(refusal)
    data = check_version(metric, expected_version, data)
    errors = ErrorCollector()
    if risks is not None:
        with errors.check():
            risks = _check_risks(
                metric.system, risks, keep=metric.watched_risks.values_list("pk", flat=True)
            )
    _assign(metric, data)
    with errors.check():
        _validate(metric)
    errors.raise_if_any()
    save_with_history(metric, by=by, reason=reason or "Edited")
    if risks is not None:
        _set_m2m(metric.watched_risks, risks)
    return metric


@transaction.atomic
def archive_metric(*, metric: Metric, by, reason: str = "") -> Metric:
    """Stop watching a metric: it takes no readings; its readings, breaches and history stay.
    An open breach ends now."""
    metric = Metric.objects.select_for_update().select_related("system").get(pk=metric.pk)
    refusal = permissions.why_cannot_archive_metric(by, metric)
    if refusal:
        raise PermissionDenied(refusal)
    if metric.is_archived:
        raise ValidationError("This metric is already archived.")
    now = timezone.now()
    metric.archived_at, metric.archived_by = now, by
    save_with_history(metric, by=by, reason=reason or "Archived")
    for breach in Breach.objects.select_for_update().filter(metric=metric, ended_at__isnull=True):
        breach.ended_at = now
        save_with_history(breach, by=by, reason="Ended: the metric is archived")
    return metric


@transaction.atomic
def restore_metric(*, metric: Metric, by, reason: str = "") -> Metric:
    metric = Metric.objects.select_for_update().select_related("system").get(pk=metric.pk)
    refusal = permissions.why_cannot_archive_metric(by, metric)
    if refusal:
        raise PermissionDenied(refusal)
    if not metric.is_archived:
        raise ValidationError("This metric is not archived.")
    metric.archived_at, metric.archived_by = None, None
    # Readings are evaluated from now on: the time it was archived is not judged afterwards.
    metric.evaluated_until = timezone.now()
    _validate(metric)
    save_with_history(metric, by=by, reason=reason or "Restored from the archive")
    return metric


# --- Monitoring tokens ----------------------------------------------------------------------------
@transaction.atomic
def create_monitoring_token(
    *, user, name: str, systems: Iterable[AISystem], expires_in_days: int | None = None
) -> tuple[Any, str]:
    """A token that may only post readings of the metrics of ``systems`` (which ``user`` may
    edit); returns it with its secret, shown once."""
    systems = list(systems)
    errors = ErrorCollector()
    if not systems:
        errors.add("Choose the systems whose readings the token posts.", "systems")
    refused = [system for system in systems if not can_edit_system(user, system)]
    if refused:
        errors.add(
            f"You cannot post readings of {', '.join(s.reference for s in refused)}: only "
            "the systems you may edit.",
            "systems",
        )
    if not (name or "").strip():
        errors.add("Name the token after what will use it.", "name")
    errors.raise_if_any()
    token, secret = create_token(
        user=user, name=name, expires_in_days=expires_in_days, scope=TokenScope.MONITORING
    )
    MonitoringGrant.objects.bulk_create(
        [MonitoringGrant(token=token, system=system) for system in systems]
    )
    return token, secret


def granted_system_ids(token) -> set[int] | None:
    """The systems a monitoring token names; None for a full token (or none: a session)."""
    if token is None or getattr(token, "scope", TokenScope.FULL) != TokenScope.MONITORING:
        return None
    return set(MonitoringGrant.objects.filter(token=token).values_list("system_id", flat=True))


# --- The readings intake --------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class RowError:
    row: int  # the reading's position in the batch, from 0
    field: str
    message: str

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


class IntakeRejected(Exception):
    """The batch is refused as a whole: ``errors`` (per row) or ``message`` (the batch)."""

    def __init__(self, errors: list[RowError] | None = None, message: str = ""):
        self.errors = errors or []
        self.message = message or (
            f"{len(self.errors)} problem(s) in the batch; nothing was stored."
        )
        super().__init__(self.message)


@dataclasses.dataclass
class IntakeResult:
    received: int
    stored: int
    metrics: list[int]

    @property
    def duplicates(self) -> int:
        return self.received - self.stored

    def as_dict(self) -> dict:
        return {"received": self.received, "stored": self.stored, "duplicates": self.duplicates}


def parse_timestamp(value) -> datetime.datetime:
    """An ISO 8601 date and time with its offset (``2025-06-01T10:15:00Z``), in UTC."""
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.datetime.fromisoformat(value.strip())
    else:
        raise ValueError("Give the time as ISO 8601 text, e.g. 2025-06-01T10:15:00Z.")
    if parsed.tzinfo is None:
        raise ValueError("Give the time with its offset (Z for UTC), e.g. 2025-06-01T10:15:00Z.")
    return parsed.astimezone(datetime.UTC)


def parse_value(value) -> float:
    if isinstance(value, bool) or value is None:
        raise ValueError("Give the value as a number.")
    if isinstance(value, str):
        value = value.strip()
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("Give a finite number.")
    return number


def _resolve_metrics(refs: set[str], *, by, token) -> dict[str, Metric | str]:
    """Each metric reference of a batch → its metric, or why it cannot take readings."""
    ids: dict[str, int | None] = {ref: Metric.parse_reference(ref) for ref in refs}
    found = {
        metric.pk: metric
        for metric in Metric.objects.visible_to(by)
        .filter(pk__in={pk for pk in ids.values() if pk is not None})
        .select_related("system")
    }
    granted = granted_system_ids(token)
    resolved: dict[str, Metric | str] = {}
    for ref, pk in ids.items():
        metric = found.get(pk)
        if metric is None:
            resolved[ref] = f"No metric {ref!r} that you can see (give MET-0042 or 42)."
            continue
        refusal = permissions.why_cannot_post_readings(by, metric, granted_system_ids=granted)
        resolved[ref] = refusal or metric
    return resolved


def _check_row(index: int, row, metrics: dict, latest) -> tuple[tuple | None, list[RowError]]:
    """One row, every problem of it: its parsed reading, or its errors."""
    if not isinstance(row, dict):
        message = "Each reading is an object: metric, timestamp, value and, optionally, source."
        return None, [RowError(index, "", message)]
    errors = []
    metric = None
    ref = row.get("metric")
    if ref is None or str(ref).strip() == "":
        errors.append(RowError(index, "metric", "Name the metric (MET-0042 or 42)."))
    else:
        metric = metrics[str(ref).strip()]
        if isinstance(metric, str):
            errors.append(RowError(index, "metric", metric))
            metric = None
    timestamp = None
    try:
        timestamp = parse_timestamp(row.get("timestamp"))
    except (TypeError, ValueError) as error:
        message = str(error) if str(error).startswith("Give") else TIME_FORMAT
        errors.append(RowError(index, "timestamp", message))
    if timestamp is not None and timestamp > latest:
        errors.append(RowError(index, "timestamp", "A reading cannot be in the future."))
    value = None
    try:
        value = parse_value(row.get("value"))
    except (TypeError, ValueError) as error:
        message = str(error) if str(error).startswith("Give") else "Give the value as a number."
        errors.append(RowError(index, "value", message))
    source = row.get("source") or ""
    if not isinstance(source, str):
        errors.append(RowError(index, "source", "The source is text."))
    elif len(source.strip()) > 100:
        errors.append(RowError(index, "source", "The source has 100 characters at most."))
    if errors:
        return None, errors
    return (metric.pk, timestamp, value, source.strip(), timestamp.isoformat()), []


TIME_FORMAT = "Give the time as ISO 8601 with its offset, e.g. 2025-06-01T10:15:00Z."
_from_iso = datetime.datetime.fromisoformat
_NUMBERS = (int, float)


def _check_rows(rows: list, *, by, token) -> tuple[list[tuple], list[RowError]]:
    """Every row parsed and checked: ``(metric_id, timestamp, value, source, timestamp as
    sent)`` rows and the errors of the bad ones (all of them, in order).

    A batch of 10,000 is checked in a few milliseconds: a row as a monitoring job sends it
    (known metric, ISO 8601 text with offset, a number, a short source) takes the fast path;
    any other row is looked at closely by :func:`_check_row`, which says what is wrong."""
    refs = set()
    for row in rows:
        if isinstance(row, dict) and row.get("metric") is not None:
            refs.add(str(row["metric"]))
    resolved = _resolve_metrics({ref.strip() for ref in refs}, by=by, token=token)
    metrics = {ref: resolved[ref.strip()] for ref in refs}
    metrics.update(resolved)
    latest = timezone.now() + FUTURE_TOLERANCE
    parsed: list[tuple] = []
    errors: list[RowError] = []
    for index, row in enumerate(rows):
        try:
            ref = row["metric"]
            metric = metrics[ref if type(ref) is str else str(ref)]
            stamp = row["timestamp"]
            moment = _from_iso(stamp)
            value = row["value"]
            source = row.get("source") or ""
            if (
                type(metric) is not Metric
                or moment.tzinfo is None
                or moment > latest
                or type(value) not in _NUMBERS
                or not math.isfinite(value)
                or type(source) is not str
                or len(source) > 100
                or source != source.strip()
            ):
                raise ValueError
            if stamp[4] != "-" or stamp[7] != "-":  # ISO week or basic forms: PostgreSQL's
                stamp = moment.isoformat()  # parser wants the extended calendar form
            parsed.append((metric.pk, moment, float(value), source, stamp))
        except (KeyError, TypeError, ValueError, OverflowError):
            reading, row_errors = _check_row(index, row, metrics, latest)
            if reading is not None:
                parsed.append(reading)
            errors.extend(row_errors)
    return parsed, errors


@transaction.atomic
def ingest_readings(*, rows: list, by, token=None) -> IntakeResult:
    """Store a batch of readings, all or nothing (see the module's documentation).

    ``rows``: dicts with ``metric`` (MET-0042 or 42), ``timestamp`` (ISO 8601 with offset),
    ``value`` and optionally ``source``. ``token``: the API token used, whose monitoring scope
    limits the systems. Raises :class:`IntakeRejected` with every bad row.
    """
    if not isinstance(rows, list):
        raise IntakeRejected(message="Send the readings as a list.")
    limit = settings.MONITORING_MAX_BATCH
    if len(rows) > limit:
        raise IntakeRejected(
            message=f"A batch has at most {limit:,} readings; this one has {len(rows):,}: split it."
        )
    if not rows:
        raise IntakeRejected(message="The batch has no readings.")
    parsed, errors = _check_rows(rows, by=by, token=token)
    if errors:
        raise IntakeRejected(errors)
    # Sorted: two batches that share readings lock their index entries in the same order.
    parsed.sort(key=lambda row: (row[0], row[1], row[3]))
    if connection.vendor == "postgresql":
        stored = _store_postgresql(parsed)
    else:
        stored = _store_portable(parsed)
    metric_ids = sorted({row[0] for row in parsed})
    if stored:
        outbox.enqueue(
            EVALUATE,
            {"metrics": metric_ids, "by": getattr(by, "pk", None)},
            dedupe_key=f"{EVALUATE}:{uuid.uuid4().hex}",
        )
    return IntakeResult(received=len(parsed), stored=stored, metrics=metric_ids)


_INSERT_SQL = """
WITH new AS (
    INSERT INTO monitoring_reading (metric_id, "timestamp", value, source)
    SELECT (e->>0)::bigint, (e->>1)::timestamptz, (e->>2)::float8, e->>3
    FROM json_array_elements(%s::json) AS e
    ON CONFLICT (metric_id, "timestamp", source) DO NOTHING
    RETURNING metric_id, "timestamp", value
), hours AS (
    SELECT metric_id, date_trunc('hour', "timestamp", 'UTC') AS hour,
           count(*) AS n, sum(value) AS total, min(value) AS lo, max(value) AS hi
    FROM new GROUP BY 1, 2
), rolled AS (
    INSERT INTO monitoring_hourlyrollup AS r (metric_id, hour, count, total, minimum, maximum)
    SELECT metric_id, hour, n, total, lo, hi FROM hours ORDER BY metric_id, hour
    ON CONFLICT (metric_id, hour) DO UPDATE SET
        count = r.count + EXCLUDED.count,
        total = r.total + EXCLUDED.total,
        minimum = LEAST(r.minimum, EXCLUDED.minimum),
        maximum = GREATEST(r.maximum, EXCLUDED.maximum)
    RETURNING 1
)
SELECT (SELECT count(*) FROM new), (SELECT count(*) FROM rolled)
"""


def _store_postgresql(parsed: list[tuple]) -> int:
    """One statement: the readings not stored yet, and their hours added to the roll-ups.

    The batch travels as one JSON text (``[[metric, time, value, source], …]``) that
    PostgreSQL unpacks: far cheaper for the web process than adapting four arrays."""
    document = json.dumps([[m, text, v, s] for m, _, v, s, text in parsed])
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [document])
        stored, _ = cursor.fetchone()
    return stored


def _hour(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)


def _store_portable(parsed: list[tuple]) -> int:
    """Other databases (SQLite, which runs one writer at a time): the same, in a few queries."""
    unique: dict[tuple, tuple] = {}
    for row in parsed:
        unique.setdefault((row[0], row[1], row[3]), row)
    times = [row[1] for row in parsed]
    existing = set(
        Reading.objects.filter(
            metric_id__in={row[0] for row in parsed},
            timestamp__gte=min(times),
            timestamp__lte=max(times),
        ).values_list("metric_id", "timestamp", "source")
    )
    new = [row for key, row in unique.items() if key not in existing]
    Reading.objects.bulk_create(
        [Reading(metric_id=m, timestamp=t, value=v, source=s) for m, t, v, s, _ in new],
        batch_size=1000,
    )
    _add_to_rollups((row[0], row[1], row[2]) for row in new)
    return len(new)


def _add_to_rollups(readings: Iterable[tuple]) -> None:
    hours: dict[tuple, list] = {}
    for metric_id, timestamp, value in readings:
        key = (metric_id, _hour(timestamp))
        figures = hours.get(key)
        if figures is None:
            hours[key] = [1, value, value, value]
        else:
            figures[0] += 1
            figures[1] += value
            figures[2] = min(figures[2], value)
            figures[3] = max(figures[3], value)
    if not hours:
        return
    hour_list = [hour for _, hour in hours]
    candidates = HourlyRollup.objects.filter(
        metric_id__in={metric_id for metric_id, _ in hours},
        hour__gte=min(hour_list),
        hour__lte=max(hour_list),
    )
    found = {(r.metric_id, r.hour): r for r in candidates if (r.metric_id, r.hour) in hours}
    changed, created = [], []
    for (metric_id, hour), (count, total, low, high) in hours.items():
        rollup = found.get((metric_id, hour))
        if rollup is None:
            created.append(
                HourlyRollup(
                    metric_id=metric_id,
                    hour=hour,
                    count=count,
                    total=total,
                    minimum=low,
                    maximum=high,
                )
            )
        else:
            rollup.count += count
            rollup.total += total
            rollup.minimum = min(rollup.minimum, low)
            rollup.maximum = max(rollup.maximum, high)
            changed.append(rollup)
    HourlyRollup.objects.bulk_create(created)
    HourlyRollup.objects.bulk_update(changed, ["count", "total", "minimum", "maximum"])


# --- Breaches -------------------------------------------------------------------------------------
@dataclasses.dataclass
class EvaluationResult:
    metrics: int = 0
    windows: int = 0
    opened: int = 0
    escalated: int = 0
    ended: int = 0
    incidents: int = 0

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Window:
    """One evaluation window of a metric's readings."""

    start: datetime.datetime
    end: datetime.datetime
    value: float  # the aggregate (mean)
    level: str | None
    complete: bool
    first_beyond: dict  # level → the first reading beyond that level's threshold
    crossed_at: dict  # level → the reading at which the running aggregate crossed it
    last_at: datetime.datetime


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def window_start(metric: Metric, moment: datetime.datetime) -> datetime.datetime:
    """The start of the window that holds ``moment`` (windows are aligned on the epoch)."""
    size = metric.window_minutes * 60
    seconds = int((moment - _EPOCH).total_seconds() // size) * size
    return _EPOCH + datetime.timedelta(seconds=seconds)


def _windows(metric: Metric, readings: list[tuple], now: datetime.datetime) -> list[Window]:
    """The windows of ``readings`` (``(timestamp, value)`` in time order)."""
    size = datetime.timedelta(minutes=metric.window_minutes)
    thresholds = {
        BreachLevel.ROLLBACK: metric.rollback_threshold,
        BreachLevel.WARNING: metric.warning_threshold,
    }
    windows: list[Window] = []
    current = None
    total = count = 0
    first_beyond: dict = {}
    crossed_at: dict = {}
    last_at = None

    def close():
        mean = total / count
        windows.append(
            Window(
                start=current,
                end=current + size,
                value=mean,
                level=metric.level_of(mean),
                complete=current + size <= now,
                first_beyond=dict(first_beyond),
                crossed_at=dict(crossed_at),
                last_at=last_at,
            )
        )

    for timestamp, value in readings:
        start = window_start(metric, timestamp)
        if start != current:
            if current is not None:
                close()
            current, total, count = start, 0.0, 0
            first_beyond.clear()
            crossed_at.clear()
        total += value
        count += 1
        last_at = timestamp
        running = total / count
        for level, threshold in thresholds.items():
            if level not in first_beyond and metric.beyond(value, threshold):
                first_beyond[level] = timestamp
            if level not in crossed_at and metric.beyond(running, threshold):
                crossed_at[level] = timestamp
    if current is not None:
        close()
    return windows


def _worse(metric: Metric, a: float, b: float) -> float:
    return max(a, b) if metric.higher_is_worse else min(a, b)


def evaluate_metrics(
    metric_ids: Iterable[int], *, by_id: int | None = None, now=None
) -> EvaluationResult:
    """Evaluate the windows of the metrics' readings not evaluated yet (see the module's
    documentation); ``by_id``: who posted the readings (the incident is opened in their name
    when they may, else in the system's owners')."""
    ids = sorted(set(metric_ids))
    result = EvaluationResult()
    for start in range(0, len(ids), EVALUATION_CHUNK):
        _evaluate_chunk(ids[start : start + EVALUATION_CHUNK], by_id, now or timezone.now(), result)
    return result


@transaction.atomic
def _evaluate_chunk(ids: list[int], by_id, now, result: EvaluationResult) -> None:
    # The rows are locked: two evaluations of one metric run one after the other, and the
    # second finds the cursor moved and the breach already open.
    metrics = list(
        Metric.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, archived_at__isnull=True)
        .select_related("system")
        .order_by("pk")
    )
    if not metrics:
        return
    open_breaches = {
        breach.metric_id: breach
        for breach in Breach.objects.filter(metric__in=metrics, ended_at__isnull=True)
    }
    # Two plain queries (metrics never evaluated; the others from their earliest cursor),
    # each reading then kept if it is at or after its own metric's cursor.
    cursors = {metric.pk: metric.evaluated_until for metric in metrics}
    fresh = [pk for pk, cursor in cursors.items() if cursor is None]
    known = [cursor for cursor in cursors.values() if cursor is not None]
    queries = []
    if fresh:
        queries.append(Reading.objects.filter(metric_id__in=fresh))
    if known:
        queries.append(
            Reading.objects.filter(
                metric_id__in=[pk for pk in cursors if cursors[pk] is not None],
                timestamp__gte=min(known),
            )
        )
    readings = defaultdict(list)
    for query in queries:
        for metric_id, timestamp, value in (
            query.order_by("metric_id", "timestamp")
            .values_list("metric_id", "timestamp", "value")
            .iterator(chunk_size=5000)
        ):
            cursor = cursors[metric_id]
            if cursor is None or timestamp >= cursor:
                readings[metric_id].append((timestamp, value))
    moved = []
    for metric in metrics:
        result.metrics += 1
        rows = readings.get(metric.pk)
        if not rows:
            continue
        windows = _windows(metric, rows, now)
        result.windows += len(windows)
        breach = open_breaches.get(metric.pk)
        for window in windows:
            breach = _judge(metric, window, breach, by_id, result)
        complete = [w for w in windows if w.complete]
        if complete:
            metric.evaluated_until = complete[-1].end
            moved.append(metric)
    # The cursors, one UPDATE per distinct value (usually one); no new version: not a change.
    by_value = defaultdict(list)
    for metric in moved:
        by_value[metric.evaluated_until].append(metric.pk)
    for value, pks in by_value.items():
        Metric.objects.filter(pk__in=pks).update(evaluated_until=value)


def _judge(metric: Metric, window: Window, breach: Breach | None, by_id, result) -> Breach | None:
    """One window against the open breach (or none): open, escalate, extend or end it."""
    level = window.level
    if level is None:
        if breach is not None and window.complete:
            breach.ended_at = window.start
            save_with_history(breach, by=None, reason="Ended: a window back within thresholds")
            result.ended += 1
            return None
        return breach
    if breach is None:
        detected = window.crossed_at.get(level, window.last_at)
        breach = Breach(
            metric=metric,
            level=level,
            started_at=min(window.first_beyond.get(level, detected), detected),
            detected_at=detected,
            last_breaching_at=window.last_at,
            worst_value=window.value,
            threshold=_threshold(metric, level),
        )
        reason = f"{breach.get_level_display()} threshold crossed"
        if level == BreachLevel.ROLLBACK:
            reason += _open_incident(metric, breach, window, by_id, result)
        save_with_history(breach, by=None, reason=reason)
        result.opened += 1
        if level == BreachLevel.WARNING:
            _tell_warning(metric, breach, window)
        return breach
    escalate = level == BreachLevel.ROLLBACK and breach.level == BreachLevel.WARNING
    if window.last_at <= breach.last_breaching_at and not escalate:
        return breach  # a window evaluated before (the partial one, or a repeat)
    breach.last_breaching_at = max(breach.last_breaching_at, window.last_at)
    breach.worst_value = _worse(metric, breach.worst_value, window.value)
    if escalate:
        breach.level = BreachLevel.ROLLBACK
        breach.escalated_at = window.crossed_at.get(level, window.last_at)
        breach.threshold = metric.rollback_threshold
        reason = "Rollback threshold crossed" + _open_incident(
            metric, breach, window, by_id, result
        )
        save_with_history(breach, by=None, reason=reason)
        result.escalated += 1
    else:
        # Each window of a long breach would be a version: the history keeps its turns only.
        Breach.objects.filter(pk=breach.pk).update(
            last_breaching_at=breach.last_breaching_at,
            worst_value=breach.worst_value,
            updated_at=timezone.now(),
        )
    return breach


def _threshold(metric: Metric, level: str) -> float:
    return metric.rollback_threshold if level == BreachLevel.ROLLBACK else metric.warning_threshold


def _owner_ids(system: AISystem) -> list:
    return [system.business_owner_id, system.technical_owner_id]


def _tell_warning(metric: Metric, breach: Breach, window: Window) -> None:
    notify(
        reason=BREACH_EVENT,
        record=breach,
        recipients=_owner_ids(metric.system),
        title=f"{metric.system}: {metric.name} crossed its warning threshold "
        f"({metric.with_unit(window.value)} over {metric.window_minutes} min, warning at "
        f"{metric.with_unit(metric.warning_threshold)})",
    )


def _incident_author(system: AISystem, by_id):
    """Whom the incident is opened by: the person (or monitoring token's owner) who posted the
    readings when they may log incidents of the system, else one of its owners who may."""
    from django.contrib.auth import get_user_model

    candidates = [by_id, system.technical_owner_id, system.business_owner_id]
    people = get_user_model().objects.in_bulk([pk for pk in candidates if pk])
    for pk in candidates:
        person = people.get(pk)
        if person is not None and incident_permissions.can_create_incident(person, system):
            return person
    return None


def _open_incident(metric: Metric, breach: Breach, window: Window, by_id, result) -> str:
    """A rollback breach opens one incident, at the metric's severity, linked to the watched
    risks, its owners and the committee told at once. While an incident opened by an earlier
    breach of the metric is still open, the breach joins it instead (never a storm).

    Sets ``breach.incident`` (the caller saves the breach) and returns what to add to the
    reason of the breach's version."""
    system = metric.system
    earlier = (
        Breach.objects.filter(
            metric=metric, incident__isnull=False, incident__closed_at__isnull=True
        )
        .exclude(pk=breach.pk)
        .select_related("incident")
        .order_by("-started_at")
        .first()
    )
    if earlier is not None:
        breach.incident = earlier.incident
        return f": joins {earlier.incident.reference}, still open"
    author = _incident_author(system, by_id)
    if author is None:
        # The system is archived, or nobody may log its incidents: the breach says so.
        return ": no incident opened (nobody may log the system's incidents)"
    crossed = window.crossed_at.get(BreachLevel.ROLLBACK, window.last_at)
    occurred = window.first_beyond.get(BreachLevel.ROLLBACK, crossed)
    direction = "above" if metric.higher_is_worse else "below"
    incident = incident_services.open_incident(
        system=system,
        by=author,
        data={
            "title": f"{metric.name} {direction} its rollback threshold",
            "description": f"{metric.reference} {metric.name} of {system}: the "
            f"{metric.get_aggregation_display().lower()} over {metric.window_minutes} min from "
            f"{window.start:%Y-%m-%d %H:%M} UTC was {metric.with_unit(window.value)}, "
            f"{direction} the rollback threshold of "
            f"{metric.with_unit(metric.rollback_threshold)}. Opened by the register's "
            "monitoring.",
            "severity": metric.incident_severity,
            "occurred_at": min(occurred, crossed),
            "detected_at": crossed,
        },
        risks=metric.watched_risks.filter(archived_at__isnull=True),
        via=ReportedVia.API,
        reason=f"Opened by the monitoring: {metric.reference} crossed its rollback threshold",
    )
    breach.incident = incident
    result.incidents += 1
    # The incidents service tells owners and committee of a SEV1/SEV2 but the person it was
    # opened by; here nobody opened it by hand, so everyone concerned is told, whatever the
    # severity (a notification already written is not written again).
    recipients = {*_owner_ids(system), *committee_ids()} - {None}
    if incident.severity in incident_services.SERIOUS_SEVERITIES:
        recipients &= {author.pk}
    if recipients:
        notify(
            reason=ReminderReason.INCIDENT_OPENED,
            record=incident,
            recipients=recipients,
            title=f"{incident.reference}: {incident.get_severity_display()} incident of "
            f"{system}: {metric.name} crossed its rollback threshold",
        )
    return f": opened {incident.reference}"


# --- Retention ------------------------------------------------------------------------------------
@dataclasses.dataclass
class RetentionResult:
    cutoff: datetime.datetime
    deleted: int = 0

    def as_dict(self) -> dict:
        return {"cutoff": self.cutoff.isoformat(), "deleted": self.deleted}


_ROLLUP_SQL = """
INSERT INTO monitoring_hourlyrollup AS r (metric_id, hour, count, total, minimum, maximum)
SELECT metric_id, date_trunc('hour', "timestamp", 'UTC'), count(*), sum(value), min(value),
       max(value)
FROM monitoring_reading WHERE "timestamp" < %s AND "timestamp" >= %s
GROUP BY 1, 2 ORDER BY 1, 2
ON CONFLICT (metric_id, hour) DO UPDATE SET
    count = EXCLUDED.count, total = EXCLUDED.total,
    minimum = EXCLUDED.minimum, maximum = EXCLUDED.maximum
"""


def expire_readings(*, now=None, retention_days: int | None = None) -> RetentionResult:
    """Bring the hourly roll-ups of the readings older than the retention up to date from
    them (exact, whatever happened before), then delete them, a day at a time: the roll-ups
    stay. Run every hour by Celery beat (``monitoring.expire_readings``)."""
    now = now or timezone.now()
    days = settings.MONITORING_RAW_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = _hour(now - datetime.timedelta(days=days))  # whole hours only
    result = RetentionResult(cutoff=cutoff)
    oldest = Reading.objects.filter(timestamp__lt=cutoff).order_by("timestamp").first()
    if oldest is None:
        return result
    day_start = _hour(oldest.timestamp)
    while day_start < cutoff:
        day_end = min(day_start + datetime.timedelta(days=1), cutoff)
        with transaction.atomic():
            _roll_up(day_start, day_end)
            deleted, _ = Reading.objects.filter(
                timestamp__gte=day_start, timestamp__lt=day_end
            ).delete()
            result.deleted += deleted
        day_start = day_end
    return result


def _roll_up(start: datetime.datetime, end: datetime.datetime) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_ROLLUP_SQL, [end, start])
        return
    hours: dict[tuple, list] = {}
    for metric_id, timestamp, value in Reading.objects.filter(
        timestamp__gte=start, timestamp__lt=end
    ).values_list("metric_id", "timestamp", "value"):
        key = (metric_id, _hour(timestamp))
        figures = hours.setdefault(key, [0, 0.0, value, value])
        figures[0] += 1
        figures[1] += value
        figures[2] = min(figures[2], value)
        figures[3] = max(figures[3], value)
    for (metric_id, hour), (count, total, low, high) in hours.items():
        HourlyRollup.objects.update_or_create(
            metric_id=metric_id,
            hour=hour,
            defaults={"count": count, "total": total, "minimum": low, "maximum": high},
        )
