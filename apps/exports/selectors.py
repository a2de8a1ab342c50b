"""Reads of the exports app."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.exports.models import ExportJob


def export_jobs_for(user) -> QuerySet[ExportJob]:
    """A person's own export jobs (nobody downloads anyone else's file)."""
    return ExportJob.objects.filter(user=user).order_by("-created_at", "-pk")
