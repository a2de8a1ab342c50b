"""The transactional outbox: side effects written with the change, delivered by a relay.

A change that has a side effect — an e-mail to send, an export job to hand to a worker, later a
breach evaluation or a webhook — writes an :class:`~apps.core.models.OutboxMessage` in its own
transaction (:func:`enqueue`). The change and the promise of its side effect commit together or
not at all: nothing is sent for a change that rolled back, and nothing is lost when the broker,
the mail server or a worker is down when the change is made.

**Handlers** are registered per kind by the apps, in their ``AppConfig.ready()`` (the ground
knows no domain app)::

    outbox.register_handler("reminders.email", send_event_email)  # handler(payload) -> None

A handler delivers one message from its JSON payload. It returns normally when the side effect
is done (or has become pointless, e.g. a superseded notice) and raises when it should be tried
again later.

**The relay** (:func:`relay`) delivers pending messages whose time has come, one per
transaction: ``SELECT … FOR UPDATE SKIP LOCKED`` takes the oldest due row that no other relay
holds, the handler runs, and the row is marked sent in the same transaction. Two relays at once
never deliver one row twice (PostgreSQL; on SQLite run one relay at a time). A handler that
raises leaves its row pending with the error and the next attempt pushed back exponentially
(:func:`backoff`); after :data:`MAX_ATTEMPTS` the row is marked failed, shown on the outbox's
administration page (where an administrator retries it) and counted by ``/metrics``.

It runs as the Celery task ``core.relay_outbox`` (beat, every minute) and as
``manage.py relay_outbox``. After each commit that wrote messages the web process also asks for
a relay of just those messages (:class:`RelayRequest`): an optimisation — the e-mail leaves at
once — that may fail (the broker is down) without harming the request: the periodic relay
delivers the messages later.

**Delivery is at least once, and in practice once.** The handler runs inside the row's
transaction; if the process dies after the handler's side effect but before the commit
(milliseconds), the next relay delivers that message again. Handlers are written to make a
repeat harmless where they can (a job that is already running is not started twice).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import time
import traceback
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from apps.core import request_id
from apps.core.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

# Attempts before a message is marked failed (about five hours of retries with the backoff).
MAX_ATTEMPTS = 12
BACKOFF_BASE = datetime.timedelta(seconds=30)
BACKOFF_MAX = datetime.timedelta(hours=1)
# Messages one relay delivers at most before it returns (the next run goes on).
RELAY_BATCH = 500
# After the broker refused a relay request, this process stops asking for this long (each
# request would wait for the broker in vain); the periodic relay delivers meanwhile.
BROKER_REST_SECONDS = 30.0

Handler = Callable[[dict], None]

_handlers: dict[str, Handler] = {}


# --- The registry ---------------------------------------------------------------------------------
def register_handler(kind: str, handler: Handler) -> None:
    """Register the function that delivers messages of ``kind`` (registering again replaces)."""
    _handlers[kind] = handler


def handler_for(kind: str) -> Handler | None:
    return _handlers.get(kind)


def registered_kinds() -> list[str]:
    return sorted(_handlers)


# --- Writing messages -----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Message:
    """A side effect to write: its kind, its JSON payload, and the key that makes it unique
    (e.g. ``reminders.email:1234``: one e-mail per notification)."""

    kind: str
    payload: dict
    dedupe_key: str


def enqueue(kind: str, payload: dict, *, dedupe_key: str) -> None:
    """Write one message in the caller's transaction; see :func:`enqueue_many`."""
    enqueue_many([Message(kind, payload, dedupe_key)])


def enqueue_many(messages: Iterable[Message]) -> int:
    """Write the messages in the caller's transaction (one ``INSERT``; a message whose dedupe
    key exists already is left as it is), and ask for a relay of them once the transaction
    commits. Returns how many were given."""
    messages = list(messages)
    if not messages:
        return 0
    unknown = {message.kind for message in messages} - set(_handlers)
    if unknown:
        raise ValueError(f"No outbox handler registered for: {', '.join(sorted(unknown))}")
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                kind=message.kind,
                # With the id of the request that wrote it, for the delivery's log lines.
                payload=request_id.stamp(message.payload),
                dedupe_key=message.dedupe_key[:255],
                created_at=now,
                next_attempt_at=now,
            )
            for message in messages
        ],
        ignore_conflicts=True,
    )
    _request_relay([message.dedupe_key[:255] for message in messages])
    return len(messages)


# What asks a worker to relay messages (apps.core.tasks.request_relay, set by CoreConfig.ready):
# ``requester(dedupe_keys)``; with eager tasks (no broker) it relays them in this process.
relay_requester: Callable[[list[str]], None] | None = None
_broker_resting_until = 0.0


class RelayRequest:
    """The after-commit request for a relay of the messages one :func:`enqueue_many` wrote
    (one request for them all)."""

    def __init__(self, keys: list[str]):
        self.keys = list(keys)

    def __call__(self) -> None:
        global _broker_resting_until
        if relay_requester is None or time.monotonic() < _broker_resting_until:
            return  # the periodic relay delivers them
        try:
            relay_requester(self.keys)
        except (BrokerError, OSError) as error:
            _broker_resting_until = time.monotonic() + BROKER_REST_SECONDS
            logger.warning(
                "Outbox: could not ask the broker for a relay (%s); %d message(s) stay "
                "pending for the periodic relay.",
                error,
                len(self.keys),
            )


def _request_relay(keys: list[str]) -> None:
    # robust: whatever goes wrong in asking for a relay, the committed request still succeeds.
    transaction.on_commit(RelayRequest(keys), robust=True)


# --- The relay ------------------------------------------------------------------------------------
@dataclasses.dataclass
class RelayResult:
    sent: int = 0
    retried: int = 0  # failed this time, pending for a later attempt
    failed: int = 0  # failed for the last time

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retried} to retry, {self.failed} failed"


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min… at most 1 hour."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def relay(*, keys: Iterable[str] | None = None, limit: int = RELAY_BATCH) -> RelayResult:
    """Deliver the pending messages that are due (only those of ``keys`` if given), oldest
    first, at most ``limit``, one transaction each; see the module's documentation."""
    keys = list(keys) if keys is not None else None
    result = RelayResult()
    started = timezone.now()
    for _ in range(limit):
        outcome = _deliver_next(keys, started)
        if outcome is None:
            break
        setattr(result, outcome, getattr(result, outcome) + 1)
    if result.sent or result.retried or result.failed:
        logger.info("Outbox relay: %s", result)
    return result


def _deliver_next(keys: list[str] | None, due_by: datetime.datetime) -> str | None:
    with transaction.atomic():
        due = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            status=OutboxStatus.PENDING, next_attempt_at__lte=due_by
        )
        if keys is not None:
            due = due.filter(dedupe_key__in=keys)
        message = due.order_by("next_attempt_at", "pk").first()
        if message is None:
            return None
        return _deliver(message)


def _deliver(message: OutboxMessage) -> str:
    """Run the message's handler (in a savepoint: a failing handler's writes are undone) and
    record the outcome on the (locked) row, logging under the id of the request that wrote it."""
    payload, written_by = request_id.unstamp(message.payload)
    with request_id.bound(written_by):
        return _run_handler(message, payload)


def _run_handler(message: OutboxMessage, payload: dict) -> str:
    message.attempts += 1
    now = timezone.now()
    handler = _handlers.get(message.kind)
    try:
        if handler is None:
            raise LookupError(f"No outbox handler registered for {message.kind!r}.")
        with transaction.atomic():
            handler(payload)
    except Exception as error:
        # Any failure of any handler must leave its row pending with the error, never stop
        # the relay or lose the message: the error is kept on the row and logged.
        summary = "".join(traceback.format_exception_only(type(error), error))
        message.last_error = summary.strip()[:4000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
            outcome = "failed"
        else:
            message.next_attempt_at = now + backoff(message.attempts)
            outcome = "retried"
        logger.warning(
            "Outbox message %s (%s) failed, attempt %d: %s",
            message.pk,
            message.kind,
            message.attempts,
            message.last_error,
            exc_info=True,
        )
        message.save(update_fields=["attempts", "status", "next_attempt_at", "last_error"])
        return outcome
    message.status = OutboxStatus.SENT
    message.sent_at = now
    message.save(update_fields=["attempts", "status", "sent_at"])
    return "sent"


def retry(messages: QuerySet[OutboxMessage]) -> int:
    """Put failed or pending messages back in line for the next relay (an administrator's
    action), with their attempts counted afresh; returns how many. Sent ones are left alone."""
    with transaction.atomic():
        keys = list(messages.exclude(status=OutboxStatus.SENT).values_list("dedupe_key", flat=True))
        count = OutboxMessage.objects.filter(dedupe_key__in=keys).update(
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        if keys:
            _request_relay(keys)
    return count


# --- Its figures ----------------------------------------------------------------------------------
def backlog(now: datetime.datetime | None = None) -> dict:
    """Pending and failed messages and the age of the oldest pending one, in seconds (0 when
    none): one query."""
    now = now or timezone.now()
    figures = OutboxMessage.objects.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED]
    ).aggregate(
        pending=Count("pk", filter=Q(status=OutboxStatus.PENDING)),
        failed=Count("pk", filter=Q(status=OutboxStatus.FAILED)),
        oldest=Min("created_at", filter=Q(status=OutboxStatus.PENDING)),
    )
    oldest = figures.pop("oldest")
    figures["oldest_pending_age_seconds"] = (
        max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
    )
    return figures
