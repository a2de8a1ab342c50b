"""What the daily sweep asks of the other apps: housekeeping steps, and candidate reminders.

Each app that has something to remind people of keeps a ``reminders.py`` module with collector
functions, registered here with :func:`collector` and discovered when Django starts
(``RemindersConfig.ready``)::

    # apps/mitigations/reminders.py
    from apps.reminders.registry import Candidate, collector, keyset_batches

    @collector
    def overdue_mitigations(today):
        for rows in keyset_batches(Mitigation.objects.filter(...), ["pk", "owner_id", ...]):
            yield [Candidate(...) for row in rows]

A collector takes the sweep's date and yields **batches** (lists) of :class:`Candidate`. It must
read with a bounded number of queries per batch — :func:`keyset_batches` gives one ``SELECT`` per
batch — and never query per row: everything a reminder shows (title, link, due date) comes from
the batch's columns.

An app whose records change state with the date (an acceptance past its date expires) registers
a step that the sweep runs before it collects, so that the collectors see those records as they
are today: ``register_housekeeping("expired_acceptances", expire_lapsed_acceptances)``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from django.core.mail import EmailMessage
from django.db import models
from django.urls import reverse

BATCH_SIZE = 1000


class Candidate(NamedTuple):
    """A reminder the sweep should make sure exists (it inserts it unless already there).

    Without a recipient, the item is escalated to the committee at once (one
    :class:`~apps.reminders.models.Escalation`), not told to anyone in particular; ``reason`` is
    then why it is late."""

    recipient_id: int | None
    model: type[models.Model]
    object_id: int
    reason: str
    due_date: datetime.date
    title: str
    url: str
    # Who is expected to act, named in the committee's escalation (e.g. the mitigation's owner).
    responsible: str = ""


Collector = Callable[[datetime.date], Iterable[list[Candidate]]]

_collectors: dict[str, Collector] = {}


def collector(function: Collector) -> Collector:
    """Register a collector (idempotent: re-importing a module does not register it twice)."""
    _collectors[f"{function.__module__}.{function.__qualname__}"] = function
    return function


def collectors() -> list[Collector]:
    """Every registered collector, in a stable order."""
    return [_collectors[name] for name in sorted(_collectors)]


Housekeeping = Callable[[datetime.date], int]

_housekeeping: dict[str, Housekeeping] = {}


def register_housekeeping(name: str, function: Housekeeping) -> None:
    """Register a step the sweep runs first: ``function(today)`` brings records up to date and
    returns how many it changed, which the sweep's result gives under ``name``. Registering a
    name again replaces its step (re-importing a module does not run it twice)."""
    _housekeeping[name] = function


def housekeeping() -> list[tuple[str, Housekeeping]]:
    """Every registered housekeeping step with its name, in a stable order."""
    return sorted(_housekeeping.items())


def keyset_batches(
    queryset: models.QuerySet, fields: list[str], size: int | None = None
) -> Iterator[list[dict]]:
    """``queryset.values(*fields)`` in primary-key order, one ``SELECT … LIMIT size`` per batch.

    Keyset pagination rather than a server-side cursor: each batch is a short, independent query
    (nothing stays open while the sweep writes, and it works behind a transaction-pooling proxy),
    and the number of queries is ``rows / size + 1``, whatever the database.
    """
    size = size or BATCH_SIZE
    if "pk" not in fields:
        fields = ["pk", *fields]
    last_pk = None
    while True:
        page = queryset.order_by("pk")
        if last_pk is not None:
            page = page.filter(pk__gt=last_pk)
        rows = list(page.values(*fields)[:size])
        if rows:
            yield rows
        if len(rows) < size:
            return
        last_pk = rows[-1]["pk"]


def active_people(*people: tuple[int | None, bool]) -> list[int]:
    """The ids of ``(id, is_active)`` pairs (a batch's columns) whose person is still active,
    each once, in id order: a record's two owners are often one person, and someone who has left
    is not reminded."""
    return sorted({person_id for person_id, active in people if active})


def when(due: datetime.date, today: datetime.date) -> str:
    """``today``, ``tomorrow``, ``in 5 days``, ``yesterday``, ``12 days ago``: for titles."""
    days = (due - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def url_maker(url_name: str) -> Callable[[int], str]:
    """``pk → path`` of a detail page: one ``reverse()`` per sweep, not one per row."""
    marker = "987654321987654321"
    prefix, _, suffix = reverse(url_name, args=[int(marker)]).partition(marker)
    return lambda pk: f"{prefix}{pk}{suffix}"


# --- E-mails of events ----------------------------------------------------------------------------
# An app whose events deserve more than the notification's title in their e-mail registers a
# renderer for the reason (``register_event_email(ReminderReason.REVIEW_SUBMITTED, render)``):
# ``render(reminder)`` returns the e-mail to send the reminder's recipient, or ``None`` when there
# is nothing to say any more (the plan was superseded meanwhile). Other reasons get the default
# e-mail of :mod:`apps.reminders.events`.
EventEmail = Callable[[models.Model], EmailMessage | None]

_event_emails: dict[str, EventEmail] = {}


def register_event_email(reason: str, render: EventEmail) -> None:
    """Register the e-mail of an event's reason (registering again replaces it)."""
    _event_emails[str(reason)] = render


def event_email(reason: str) -> EventEmail | None:
    return _event_emails.get(str(reason))
