"""Reads of technical documentation that pages, the API and the demo share."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from apps.documentation.models import TechnicalDocument, TechnicalDocumentVersion
from apps.systems.models import AISystem, EUAIActTier


def document_list(user) -> QuerySet[TechnicalDocument]:
    """The documents a person may read, with their system and team joined in and the number
    of versions counted (no per-row query)."""
    return (
        TechnicalDocument.objects.visible_to(user)
        .select_related("system__team")
        .annotate(version_count=Count("versions"))
    )


def document_detail(user) -> QuerySet[TechnicalDocument]:
    return TechnicalDocument.objects.visible_to(user).select_related(
        "system__team", "system__business_owner", "system__technical_owner", "created_by"
    )


def versions_of(document: TechnicalDocument) -> QuerySet[TechnicalDocumentVersion]:
    """Its versions, newest first, without their content."""
    return document.versions.defer("content").select_related("generated_by").order_by("-number")


def version_of(document: TechnicalDocument, number: int) -> TechnicalDocumentVersion:
    return (
        TechnicalDocumentVersion.objects.select_related("generated_by", "document__system")
        .filter(document=document)
        .get(number=number)
    )


def previous_version(version: TechnicalDocumentVersion) -> TechnicalDocumentVersion | None:
    return (
        TechnicalDocumentVersion.objects.filter(
            document_id=version.document_id, number__lt=version.number
        )
        .order_by("-number")
        .first()
    )


def version_list(user) -> QuerySet[TechnicalDocumentVersion]:
    """The versions a person may read (through their documents' systems), without content."""
    return (
        TechnicalDocumentVersion.objects.visible_to(user)
        .defer("content")
        .select_related("document__system__team", "generated_by")
        .order_by("document__system__name", "-number")
    )


def version_detail(user) -> QuerySet[TechnicalDocumentVersion]:
    return TechnicalDocumentVersion.objects.visible_to(user).select_related(
        "document__system__team", "generated_by"
    )


def systems_without_document(user) -> QuerySet[AISystem]:
    """The active systems a person may read that have no technical documentation yet, the
    high-risk ones first: what the documentation list offers to start."""
    return (
        AISystem.objects.visible_to(user)
        .active()
        .filter(technical_document__isnull=True)
        .select_related("team")
        .order_by("name")
    )


def high_risk_without_document(user) -> QuerySet[AISystem]:
    return systems_without_document(user).filter(eu_ai_act_tier=EUAIActTier.HIGH_RISK)
