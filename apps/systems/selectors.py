"""Reads of the inventory that pages (and later the API) share."""

from __future__ import annotations

from django.db.models import Max, QuerySet

from apps.systems.models import AISystem


def system_list(user) -> QuerySet[AISystem]:
    """The systems a user may see, with what the list shows joined in (no per-row queries)."""
    return AISystem.objects.visible_to(user).select_related(
        "team", "business_owner", "technical_owner"
    )


def system_detail(user) -> QuerySet[AISystem]:
    return AISystem.objects.visible_to(user).select_related(
        "team", "business_owner", "technical_owner", "created_by", "archived_by"
    )


def systems_open_for_records(user) -> QuerySet[AISystem]:
    """The active systems of the teams in which the person may write, by team: what the
    chooser offers before a risk, mitigation or incident is created under one."""
    return (
        AISystem.objects.active()
        .writable_by(user)
        .select_related("team")
        .order_by("team__name", "name")
    )


def highest_residual_level(system) -> int | None:
    """The highest residual level among the system's live risks (not archived, not closed),
    asked of its risks through their relation (``Risk.objects.live()``)."""
    return system.risks.live().aggregate(level=Max("residual_level"))["level"]
