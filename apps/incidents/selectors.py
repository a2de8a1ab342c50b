"""Reads of incidents that pages, the dashboard and the API share: tuned querysets and the
response-time measures (mean time to detect, mean time to resolve), computed in the database."""

from __future__ import annotations

import datetime

from django.apps import apps as django_apps
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.incidents.models import Incident, Severity
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk

# Mean time to detect = detected − occurred; mean time to resolve = recovered − detected.
TIME_TO_DETECT = ExpressionWrapper(
    F("detected_at") - F("occurred_at"), output_field=DurationField()
)
TIME_TO_RESOLVE = ExpressionWrapper(
    F("recovered_at") - F("detected_at"), output_field=DurationField()
)


def post_incident_reviews() -> QuerySet | None:
    """The committee's post-incident reviews of an incident's system submitted since it was
    detected (for ``OuterRef``), or None while the reviews app is not installed.

    A closed SEV1/SEV2 incident owes one (``post_incident_review_due``); the first such review
    settles the debt, whichever of the system's incidents prompted it.
    """
    if not django_apps.is_installed("apps.reviews"):
        return None
    from apps.reviews.models import Review, ReviewKind

    return Review.objects.filter(
        system_id=OuterRef("system_id"),
        kind=ReviewKind.POST_INCIDENT,
        submitted_at__gte=OuterRef("detected_at"),
    )


def review_outstanding() -> Q:
    """Incidents whose post-incident review is owed and not submitted yet."""
    reviews = post_incident_reviews()
    owed = Q(post_incident_review_due=True)
    return owed if reviews is None else owed & ~Exists(reviews)


def with_review_state(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Annotate ``post_incident_review_id``: the review that settles the incident's debt."""
    reviews = post_incident_reviews()
    if reviews is None:
        return queryset.annotate(post_incident_review_id=Value(None, IntegerField()))
    first = reviews.order_by("submitted_at", "pk").values("pk")[:1]
    return queryset.annotate(post_incident_review_id=Subquery(first, IntegerField()))


def incident_list(user) -> QuerySet[Incident]:
    """The incidents a user may see, with what the list shows joined in (no per-row queries)."""
    return with_review_state(Incident.objects.visible_to(user).select_related("system__team"))


def incident_detail(user) -> QuerySet[Incident]:
    return with_review_state(
        Incident.objects.visible_to(user).select_related(
            "system__team", "system__business_owner", "system__technical_owner", "created_by"
        )
    )


def materialised_risks_of(incident: Incident) -> QuerySet[Risk]:
    return incident.materialised_risks.select_related("category__parent", "owner").order_by(
        "-residual_score", "title"
    )


def follow_up_mitigations_of(incident: Incident) -> QuerySet[Mitigation]:
    return incident.follow_up_mitigations.select_related("owner").order_by("due_date", "title")


def linkable_risks(incident: Incident) -> QuerySet[Risk]:
    """Live risks of the incident's system that are not linked to it yet, newest first (a risk
    added because of this incident is at the top)."""
    return (
        Risk.objects.filter(system_id=incident.system_id, archived_at__isnull=True)
        .exclude(pk__in=incident.materialised_risks.values("pk"))
        .order_by("-created_at", "title")
    )


def incidents_of_system(system) -> QuerySet[Incident]:
    """A system's incidents for its page, newest first."""
    return Incident.objects.filter(system=system).order_by("-detected_at", "-pk")


# --- Response times -------------------------------------------------------------------------------
def _aggregates() -> dict:
    return {
        "incidents": Count("pk"),
        "mttd": Avg(TIME_TO_DETECT),
        "detect_samples": Count(TIME_TO_DETECT),
        "mttr": Avg(TIME_TO_RESOLVE),
        "resolve_samples": Count(TIME_TO_RESOLVE),
    }


def response_times(queryset: QuerySet[Incident]) -> dict:
    """``{incidents, mttd, detect_samples, mttr, resolve_samples}`` over the queryset, in one
    aggregate query. Incidents whose start is unknown count nowhere in the time to detect,
    those not yet recovered nowhere in the time to resolve."""
    return queryset.order_by().aggregate(**_aggregates())


def response_times_by_severity(queryset: QuerySet[Incident]) -> list[dict]:
    """One row per severity, SEV1 first, every severity present (one GROUP BY query)."""
    rows = {
        row["severity"]: row
        for row in queryset.order_by().values("severity").annotate(**_aggregates())
    }
    empty = {"incidents": 0, "mttd": None, "detect_samples": 0, "mttr": None, "resolve_samples": 0}
    return [
        {
            **empty,
            **rows.get(severity.value, {}),
            "severity": severity.value,
            "label": severity.label,
        }
        for severity in Severity
    ]


def month_starts(months: int, now: datetime.datetime | None = None) -> list[datetime.date]:
    """The first day of each of the last ``months`` months, oldest first, this month last."""
    today = timezone.localtime(now or timezone.now()).date()
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def response_times_by_month(
    queryset: QuerySet[Incident], *, months: int = 12, now: datetime.datetime | None = None
) -> list[dict]:
    """One row per month of detection over the last ``months`` months, every month present
    (empty ones with no figures), in one GROUP BY query."""
    starts = month_starts(months, now)
    first = timezone.make_aware(datetime.datetime.combine(starts[0], datetime.time.min))
    rows = (
        queryset.order_by()
        .filter(detected_at__gte=first)
        .annotate(month=TruncMonth("detected_at"))
        .values("month")
        .annotate(**_aggregates())
    )
    by_month = {_as_date(row["month"]): row for row in rows}
    empty = {"incidents": 0, "mttd": None, "detect_samples": 0, "mttr": None, "resolve_samples": 0}
    return [{**empty, **by_month.get(start, {}), "month": start} for start in starts]


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def detected_since(queryset: QuerySet[Incident], since: datetime.datetime) -> QuerySet[Incident]:
    return queryset.filter(detected_at__gte=since)


def open_incidents(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    return queryset.filter(closed_at__isnull=True)


def pending_regulator_notifications(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Incidents whose regulator is still to be notified, the nearest deadline first."""
    return (
        queryset.filter(regulator_notification_required=True, regulator_notified_at__isnull=True)
        .select_related("system")
        .order_by(F("regulator_deadline").asc(nulls_last=True), "pk")
    )


def open_incident_counts(queryset: QuerySet[Incident]) -> dict:
    """Open incidents by severity, uncatalogued ones, reviews owed: one aggregate query."""
    counts = {
        f"sev{severity.value}": Count("pk", filter=Q(closed_at__isnull=True, severity=severity))
        for severity in Severity
    }
    counts["open"] = Count("pk", filter=Q(closed_at__isnull=True))
    counts["uncatalogued"] = Count("pk", filter=Q(closed_at__isnull=True, uncatalogued=True))
    counts["reviews_owed"] = Count("pk", filter=review_outstanding())
    return queryset.order_by().aggregate(**counts)
