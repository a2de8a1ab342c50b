"""Celery tasks of the reminders app: thin, idempotent wrappers around its services.

Schedules live in the database (django-celery-beat; see the data migration
``0002_periodic_tasks``), so administrators see and change them in the administration site.

Every task is ``acks_late`` (settings) and ``reject_on_worker_lost``: a worker killed while
running one does not acknowledge it, and the broker hands it to another worker once its
visibility timeout has passed (``CELERY_VISIBILITY_TIMEOUT``, just over the tasks' time limit;
see the settings). That is safe because each service is idempotent (see
:func:`apps.reminders.services.run_sweep`), and the sweep's lock died with the killed worker
(a PostgreSQL advisory lock of its session; see :class:`apps.reminders.services.SweepLock`).
"""

from __future__ import annotations

import datetime

from celery import shared_task

from apps.reminders import services


@shared_task(name="reminders.daily_sweep", acks_late=True, reject_on_worker_lost=True)
def daily_sweep(today: str | None = None) -> dict:
    """The daily reminder sweep; ``today`` (ISO date) defaults to the current date."""
    result = services.run_locked_sweep(datetime.date.fromisoformat(today) if today else None)
    return result.as_dict() if result else {"skipped": "another sweep is running"}
