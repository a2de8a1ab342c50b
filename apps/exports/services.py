"""Writes of the exports app: a person asks for a long export (a worker runs it, see
:mod:`apps.exports.jobs`)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.exports import tasks, writers
from apps.exports.jobs import EXPORT_LIFETIME
from apps.exports.models import ExportJob, ExportKind, ExportStatus

MAX_UNFINISHED_EXPORTS = 3


@transaction.atomic
def start_export(*, user, kind: str, params: str = "") -> ExportJob:
    """Queue a long export for ``user``; a worker runs it once the transaction has committed."""
    if not (user and user.is_authenticated and user.is_active):
        raise PermissionDenied("Sign in to export.")
    if kind not in ExportKind.values:
        raise ValidationError("Unknown kind of export.")
    writers.validate(kind, user, params)
    unfinished = ExportJob.objects.filter(
        user=user,
        status__in=[ExportStatus.PENDING, ExportStatus.RUNNING],
        expires_at__gt=timezone.now(),
    ).count()
    if unfinished >= MAX_UNFINISHED_EXPORTS:
        raise ValidationError(
            f"You already have {unfinished} exports running; wait for one to finish."
        )
    now = timezone.now()
    job = ExportJob.objects.create(
        user=user, kind=kind, params=params[:2000], created_at=now, expires_at=now + EXPORT_LIFETIME
    )
    transaction.on_commit(lambda: tasks.run_export_job.delay(job.pk))
    return job
