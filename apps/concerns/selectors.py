"""Reads of concerns that pages, the API and exports share."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.concerns.models import Concern


def concern_list(user) -> QuerySet[Concern]:
    """The concerns a person may read, with what the list shows joined in (no per-row query)."""
    return Concern.objects.visible_to(user).select_related(
        "system__team", "raised_by", "risk", "incident"
    )


def concern_detail(user) -> QuerySet[Concern]:
    return Concern.objects.visible_to(user).select_related(
        "system__team", "raised_by", "risk", "incident", "triaged_by"
    )


def concerns_of_system(user, system) -> list[Concern]:
    """The system's concerns that the person may read, newest first."""
    return list(concern_list(user).filter(system=system)[:50])
