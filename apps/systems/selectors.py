"""Reads of the inventory that pages (and later the API) share."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Max, Q, QuerySet

from apps.accounts.models import Membership
from apps.systems.models import AISystem, SystemVersion


def system_list(user) -> QuerySet[AISystem]:
    """The systems a user may see, with what the list shows joined in and whether each is
    ungoverned (no per-row queries)."""
    return (
        AISystem.objects.visible_to(user)
        .with_governance()
        # classification_state: the classification app's flag, shown on the list.
        .select_related("team", "business_owner", "technical_owner", "classification_state")
    )


def system_detail(user) -> QuerySet[AISystem]:
    return (
        AISystem.objects.visible_to(user)
        .with_governance()
        .select_related("team", "business_owner", "technical_owner", "created_by", "archived_by")
    )


def possible_owners(team_ids: Iterable[int] | QuerySet, *, keep: Iterable[int | None] = ()):
    """The people who may own records of these teams — a system (business or technical owner),
    its risks and mitigations: what the owner choosers offer.

    Active members of the teams (contributors and viewers), committee members and
    administrators: the people who can read those records. Never auditors (see
    :func:`apps.systems.permissions.why_cannot_own`, the same rule for one person). ``keep``:
    the record's current owners, offered as long as they are active, so that saving a record
    never silently changes who owns it (the services ask only a new owner to read it).
    """
    if not isinstance(team_ids, QuerySet):
        team_ids = list(team_ids)
    members = Membership.objects.filter(team_id__in=team_ids).values("user_id")
    readers = Q(pk__in=members) | Q(is_committee_member=True) | Q(is_superuser=True)
    kept = [pk for pk in keep if pk]
    wanted = (
        (Q(is_auditor=False) & readers) | Q(pk__in=kept) if kept else Q(is_auditor=False) & readers
    )
    return get_user_model().objects.filter(wanted, is_active=True).order_by("full_name", "email")


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


# --- Versions (material changes) ------------------------------------------------------------------
def versions_of(system, limit: int | None = None):
    """A system's recorded versions, newest first, with who recorded and decided them."""
    versions = SystemVersion.objects.filter(system=system).select_related(
        "recorded_by", "decided_by"
    )
    return versions[:limit] if limit is not None else versions


def pending_versions(system):
    """The system's versions still waiting for a change review, oldest first."""
    return (
        SystemVersion.objects.pending()
        .filter(system=system)
        .select_related("recorded_by")
        .order_by("recorded_at", "pk")
    )


def version_detail(user):
    return SystemVersion.objects.visible_to(user).select_related(
        "system", "system__team", "recorded_by", "decided_by"
    )
