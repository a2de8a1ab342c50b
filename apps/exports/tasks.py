"""Celery tasks of the exports app: thin, idempotent wrappers around :mod:`apps.exports.jobs`.

The hourly deletion of expired files is scheduled in the database (django-celery-beat; created
by the reminders app's ``0002_periodic_tasks``, renamed by this app's ``0002``). Both tasks are
``acks_late`` (settings) and ``reject_on_worker_lost``: a job whose worker died is handed to
another worker, which starts it again (see :func:`apps.exports.jobs.run_export`).
"""

from __future__ import annotations

from celery import shared_task

from apps.exports import jobs


@shared_task(name="exports.run_export", acks_late=True, reject_on_worker_lost=True)
def run_export_job(job_id: int) -> str | None:
    job = jobs.run_export(job_id)
    return job.status if job else None


@shared_task(name="exports.delete_expired_exports", acks_late=True, reject_on_worker_lost=True)
def delete_expired_exports() -> int:
    return jobs.delete_expired_exports()
