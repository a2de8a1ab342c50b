"""Reads shared across apps: the audit log and record histories."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from apps.core.models import AuditEvent


def audit_events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("content_type")


def history_of(obj: Model) -> QuerySet[AuditEvent]:
    """Every change of one record, newest first (one indexed query)."""
    content_type = ContentType.objects.get_for_model(obj.__class__)
    return AuditEvent.objects.filter(content_type=content_type, object_id=obj.pk).select_related(
        "content_type"
    )
