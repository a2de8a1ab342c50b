"""What a worker does with export jobs: run one, report its progress, delete the expired.

Called by the Celery tasks (:mod:`apps.exports.tasks`); the job is queued by
:func:`apps.exports.services.start_export`.
"""

from __future__ import annotations

import datetime
import logging
import tempfile

from django.core.files import File
from django.utils import timezone

from apps.exports import writers
from apps.exports.models import ExportJob, ExportStatus

logger = logging.getLogger(__name__)

# How long a finished file is kept (and a job not yet finished, after it was asked for).
EXPORT_LIFETIME = datetime.timedelta(days=1)


def set_export_progress(job: ExportJob, progress: int) -> None:
    job.progress = max(0, min(100, progress))
    ExportJob.objects.filter(pk=job.pk).update(progress=job.progress)


def run_export(job_id: int) -> ExportJob | None:
    """Write the export's file, updating its progress after every chunk.

    Idempotent: a finished job is left alone; a job found *running* was interrupted (the worker
    died, the broker redelivered the task) and starts again from the beginning.
    """
    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    job.status = ExportStatus.RUNNING
    job.started_at = timezone.now()
    job.progress = 0
    job.error = ""
    job.save(update_fields=["status", "started_at", "progress", "error"])
    writer = writers.WRITERS[job.kind]
    try:
        with tempfile.TemporaryFile() as output:
            filename, row_count = writer(
                job, output, lambda progress: set_export_progress(job, progress)
            )
            output.seek(0)
            job.file.save(filename, File(output), save=False)
    except Exception:
        # A job is a record the person watches: it must end as "failed" rather than stay
        # "running" for ever, whatever a writer ran into. The traceback goes to the log; the
        # person sees a plain message.
        logger.exception("Export job %s failed", job.pk)
        job.status = ExportStatus.FAILED
        job.error = "The export failed. Try again; if it fails again, tell an administrator."
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    job.status = ExportStatus.DONE
    job.progress = 100
    job.row_count = row_count
    job.finished_at = timezone.now()
    job.expires_at = job.finished_at + EXPORT_LIFETIME
    job.save(update_fields=["status", "progress", "row_count", "file", "finished_at", "expires_at"])
    return job


def delete_expired_exports(now: datetime.datetime | None = None) -> int:
    """Delete the jobs past their expiry and their files; returns how many."""
    now = now or timezone.now()
    deleted = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).order_by("pk").iterator(500):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        deleted += 1
    return deleted
