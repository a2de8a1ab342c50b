"""Celery tasks of the ground: the outbox relay (:mod:`apps.core.outbox`).

Celery beat runs ``core.relay_outbox`` every minute (the schedule is stored by
django-celery-beat: the data migration ``0005_outbox_relay_schedule``); after a commit that wrote
outbox messages the web process asks for a relay of just those (:func:`request_relay`). The
task is ``acks_late`` and rejected on worker loss: a relay killed half-way is run again, and the
outbox's row locks keep each message to one delivery.
"""

from __future__ import annotations

from celery import shared_task

from apps.core import outbox


@shared_task(name="core.relay_outbox", acks_late=True, reject_on_worker_lost=True)
def relay_outbox(keys: list[str] | None = None) -> dict:
    """Deliver the outbox's pending messages that are due (only ``keys`` if given)."""
    return outbox.relay(keys=keys).as_dict()


# The request's own connection: one try, a short connect timeout. A broker that is down fails
# the request for a relay in milliseconds (Celery's defaults would retry for seconds while the
# person waits); the periodic relay delivers the messages later.
FAIL_FAST = {"max_retries": 0, "socket_connect_timeout": 2, "socket_timeout": 2}


def publish(task, *, args: tuple = (), kwargs: dict | None = None) -> None:
    """Queue ``task`` once, failing fast (see :data:`FAIL_FAST`); with eager tasks (no broker),
    run it here. For callers that have a retry of their own (the outbox)."""
    if task.app.conf.task_always_eager:
        task.apply_async(args=args, kwargs=kwargs)
        return
    with task.app.connection_for_write(transport_options=FAIL_FAST) as connection:
        task.apply_async(args=args, kwargs=kwargs, retry=False, connection=connection)


def request_relay(keys: list[str]) -> None:
    """Ask a worker to relay the messages of ``keys`` now (in this process with eager tasks)."""
    publish(relay_outbox, kwargs={"keys": keys})
