"""Reads of the risks app that pages, the API and reports share: tuned querysets."""

from __future__ import annotations

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Lower

from apps.accounts import permissions
from apps.risks.models import FrameworkReference, Risk, RiskAcceptance, RiskTemplate
from apps.risks.treatment import IN_PLACE_STATUSES
from apps.systems.models import AISystem


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


def export_rows(queryset: QuerySet[Risk]):
    """The register's CSV columns, read straight from the database in chunks."""
    return queryset.values_list(
        "pk",
        "system_id",
        "system__name",
        "system__team__name",
        "title",
        "scenario",
        "category__parent__name",
        "category__name",
        "owner__email",
        "inherent_likelihood",
        "inherent_impact",
        "inherent_score",
        "inherent_level",
        "residual_likelihood",
        "residual_impact",
        "residual_score",
        "residual_level",
        "treatment",
        "status",
        "treatment_due",
        "archived_at",
        "updated_at",
    )


def acceptance_list(user) -> QuerySet[RiskAcceptance]:
    return RiskAcceptance.objects.filter(risk__in=Risk.objects.visible_to(user)).select_related(
        "risk__system__team", "requested_by", "decided_by"
    )


# --- The risk library -----------------------------------------------------------------------------
def _with_library_details(queryset: QuerySet[RiskTemplate]) -> QuerySet[RiskTemplate]:
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
    return _with_library_details(
        RiskTemplate.objects.filter(is_active=True).annotate(
            score=F("inherent_likelihood") * F("inherent_impact")
        )
    )


def template_detail() -> QuerySet[RiskTemplate]:
    """Every template, retired ones included (risks created from them still link to them)."""
    return _with_library_details(RiskTemplate.objects.all()).prefetch_related(
        "suggested_mitigations"
    )


def systems_for_new_risks(user) -> QuerySet[AISystem]:
    """The active systems the user may add risks to: those of teams where they contribute."""
    return (
        AISystem.objects.active()
        .filter(team__in=permissions.contributor_teams(user))
        .select_related("team")
        .order_by("team__name", "name")
    )


def suggested_templates(system: AISystem, limit: int | None = None) -> QuerySet[RiskTemplate]:
    """Library templates worth adding to ``system``, most severe first.

    Active templates suggested for the system's kind of AI (or for every kind) that the system
    has no live risk from yet, whether created from the template or under the same title.
    Templates written for the system's kind come before generic ones of the same score.
    """
    live_risks = Risk.objects.filter(system=system, archived_at__isnull=True).alias(
        lower_title=Lower("title")
    )
    already_there = live_risks.filter(
        Q(template=OuterRef("pk")) | Q(lower_title=Lower(OuterRef("title")))
    )
    queryset = (
        _with_library_details(
            RiskTemplate.objects.filter(RiskTemplate.for_ai_kind_q(system.ai_kind), is_active=True)
        )
        .annotate(
            score=F("inherent_likelihood") * F("inherent_impact"),
            specific=Case(
                When(ai_kinds="", then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
        )
        .exclude(Exists(already_there))
        .order_by("-score", "-specific", "-inherent_impact", "title")
    )
    return queryset[:limit] if limit is not None else queryset
