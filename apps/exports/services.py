"""Writes of the exports app: a person asks for a long export (a worker runs it, see
:mod:`apps.exports.jobs`).

The job is handed to the worker through the outbox (:mod:`apps.core.outbox`): the request for
it commits with the job, and the relay queues the task, again until the broker takes it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core import outbox
from apps.core.tasks import publish
from apps.exports import tasks, writers
from apps.exports.jobs import EXPORT_LIFETIME
from apps.exports.models import ExportJob, ExportKind, ExportStatus

MAX_UNFINISHED_EXPORTS = 3
RUN_EXPORT = "exports.run"


@transaction.atomic
def start_export(*, user, kind: str, params: str = "") -> ExportJob:
    """Queue a long export for ``user``; a worker runs it once the transaction has committed
    (the outbox hands it to the worker: :func:`hand_to_worker`)."""
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
    outbox.enqueue(RUN_EXPORT, {"job": job.pk}, dedupe_key=f"{RUN_EXPORT}:{job.pk}")
    return job


def hand_to_worker(payload: dict) -> None:
    """The outbox's handler of ``exports.run``: queue the job's task (with eager tasks, run it
    here). A broker that is down raises, and the outbox tries again later; a job that is gone
    or finished meanwhile is left alone."""
    job = ExportJob.objects.filter(pk=payload.get("job")).only("status").first()
    if job is None or job.is_finished:
        return
    publish(tasks.run_export_job, args=(job.pk,))
