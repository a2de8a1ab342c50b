"""Reads of mitigations that the pages, the API and the services share."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from apps.core.models import AuditEvent, Evidence
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk
from apps.systems import selectors as system_selectors


def _live_evidence_count() -> Coalesce:
    """Live (not removed) evidence of each mitigation, as a subquery: no join, no duplicates."""
    evidence = (
        Evidence.objects.filter(
            content_type=ContentType.objects.get_for_model(Mitigation),
            object_id=OuterRef("pk"),
            removed_at__isnull=True,
        )
        .order_by()
        .values("object_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(evidence, output_field=IntegerField()), Value(0))


def mitigation_list(user) -> QuerySet[Mitigation]:
    """The mitigations a user may see, with what the list shows joined in (no per-row queries)."""
    return (
        Mitigation.objects.visible_to(user)
        .select_related("system", "system__team", "owner")
        .annotate(risk_count=Count("risks", distinct=True), evidence_count=_live_evidence_count())
    )


def mitigation_detail(user) -> QuerySet[Mitigation]:
    return Mitigation.objects.visible_to(user).select_related(
        "system", "system__team", "owner", "created_by"
    )


def risks_of(mitigation: Mitigation):
    """The risks a mitigation treats, archived ones included (they are marked on the page)."""
    return mitigation.risks.select_related("system").order_by("-residual_score", "title")


def mitigations_of_risk(risk) -> QuerySet[Mitigation]:
    """What treats one risk, in the order of their deadlines."""
    return (
        risk.mitigations.select_related("owner")
        .annotate(evidence_count=_live_evidence_count())
        .order_by("due_date", "title", "pk")
    )


def mitigations_of_system(system) -> QuerySet[Mitigation]:
    """Every mitigation of a system, for its page."""
    return (
        Mitigation.objects.filter(system=system)
        .select_related("owner")
        .annotate(risk_count=Count("risks", distinct=True), evidence_count=_live_evidence_count())
        .order_by("due_date", "title", "pk")
    )


def linkable_mitigations(risk) -> QuerySet[Mitigation]:
    """Mitigations of the risk's system that do not treat it yet (one may serve several risks)."""
    return (
        Mitigation.objects.filter(system_id=risk.system_id)
        .exclude(risks=risk)
        .order_by("title", "pk")
    )


def history_of_mitigation(mitigation: Mitigation) -> QuerySet[AuditEvent]:
    """The mitigation's own changes and those of its evidence, newest first."""
    types = ContentType.objects.get_for_models(Mitigation, Evidence)
    evidence_ids = Evidence.objects.filter(
        content_type=types[Mitigation], object_id=mitigation.pk
    ).values("pk")
    return AuditEvent.objects.filter(
        Q(content_type=types[Mitigation], object_id=mitigation.pk)
        | Q(content_type=types[Evidence], object_id__in=evidence_ids)
    ).select_related("content_type")


def risks_with_their_system(user) -> QuerySet[Risk]:
    """The risks a user may see, with their system and team: the risk panel's endpoints act on
    one of them."""
    return Risk.objects.visible_to(user).select_related("system", "system__team")


def owner_choices(system, *, current_owner_id=None):
    """Active people who may own a system's mitigation: those who can read it, its team's members,
    committee members and administrators (:func:`apps.systems.selectors.possible_owners`).

    The current owner stays selectable, so that saving never silently changes who owns a
    mitigation. The forms offer these people; the services refuse any other new owner,
    whichever way the owner came in.
    """
    return system_selectors.possible_owners([system.team_id], keep=[current_owner_id])
