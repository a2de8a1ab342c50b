"""Celery tasks of monitoring: thin, idempotent wrappers around :mod:`apps.monitoring.services`.

``monitoring.evaluate_metrics`` is queued by the outbox after each batch of readings commits
(:func:`hand_to_worker`); running it twice is harmless (the
metrics' rows are locked and their cursor moves). ``monitoring.expire_readings`` runs every hour
(django-celery-beat, data migration ``0003_housekeeping_schedule``).
"""

from __future__ import annotations

from celery import shared_task

from apps.core.tasks import publish
from apps.monitoring import services


@shared_task(name="monitoring.evaluate_metrics", acks_late=True, reject_on_worker_lost=True)
def evaluate_metrics(metric_ids: list[int], by_id: int | None = None) -> dict:
    return services.evaluate_metrics(metric_ids, by_id=by_id).as_dict()


@shared_task(name="monitoring.expire_readings", acks_late=True, reject_on_worker_lost=True)
def expire_readings() -> dict:
    return services.expire_readings().as_dict()


def hand_to_worker(payload: dict) -> None:
    """The outbox's handler of ``monitoring.evaluate``: queue the evaluation of the batch's
    metrics (with eager tasks, run it here). A broker that is down raises, and the outbox
    tries again later."""
    publish(
        evaluate_metrics,
        args=(list(payload.get("metrics", [])),),
        kwargs={"by_id": payload.get("by")},
    )
