"""Reads of the risks app that pages, the API and reports share: tuned querysets."""

from __future__ import annotations

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When

from apps.risks.models import (
    AcceptanceStatus,
    FrameworkReference,
    Risk,
    RiskAcceptance,
    RiskTemplate,
)
from apps.risks.treatment import IN_PLACE_STATUSES


# --- The register (the lead's section) -----------------------------------------------------------
def risk_list(user) -> QuerySet[Risk]:
    """The risks a user may see, with what the register shows joined in (no per-row queries)."""
    return Risk.objects.visible_to(user).select_related("system__team", "category__parent", "owner")


def risk_detail(user) -> QuerySet[Risk]:
    return (
        Risk.objects.visible_to(user)
        .select_related(
            "system__team",
            "system__business_owner",
            "system__technical_owner",
            "category__parent",
            "owner",
            "created_by",
            "archived_by",
            "template",
        )
        .prefetch_related(
            Prefetch(
                "framework_references",
                queryset=FrameworkReference.objects.order_by("framework", "code"),
            )
        )
    )


def risks_of_system(system) -> QuerySet[Risk]:
    """A system's live risks for its page, worst residual first, with mitigation counts."""
    return (
        system.risks.filter(archived_at__isnull=True)
        .select_related("category__parent", "owner")
        .annotate(
            mitigation_count=Count("mitigations", distinct=True),
            mitigations_in_place=Count(
                "mitigations",
                filter=Q(mitigations__status__in=IN_PLACE_STATUSES),
                distinct=True,
            ),
        )
        .order_by("-residual_score", "-inherent_score", "title")
    )


def acceptance_list(user) -> QuerySet[RiskAcceptance]:
    return RiskAcceptance.objects.filter(risk__in=Risk.objects.visible_to(user)).select_related(
        "risk__system__team", "requested_by", "decided_by"
    )


def acceptance_queue(user) -> QuerySet[RiskAcceptance]:
    """The committee's queue: pending requests first, then the rest by expiry."""
    return (
        acceptance_list(user)
        .annotate(
            pending_first=Case(
                When(status=AcceptanceStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("pending_first", "expires_on", "pk")
    )


# --- The risk library's templates (read by the library's pages and the API) -----------------------
def with_library_details(queryset: QuerySet[RiskTemplate]) -> QuerySet[RiskTemplate]:
    """Category, framework references (ordered) and the suggested score, in three queries."""
    return queryset.select_related("category__parent").prefetch_related(
        Prefetch(
            "framework_references",
            queryset=FrameworkReference.objects.order_by("framework", "code"),
        )
    )


def library_templates() -> QuerySet[RiskTemplate]:
    """The templates the library offers (retired ones are not), with what the list shows.

    ``score`` is the suggested inherent likelihood × impact.
    """
    return with_library_details(
        RiskTemplate.objects.filter(is_active=True).annotate(
            score=F("inherent_likelihood") * F("inherent_impact")
        )
    )


def template_detail() -> QuerySet[RiskTemplate]:
    """Every template, retired ones included (risks created from them still link to them)."""
    return with_library_details(RiskTemplate.objects.all()).prefetch_related(
        "suggested_mitigations"
    )
