"""Writes of the reminders app: the daily sweep, notifications and preferences."""

from __future__ import annotations

import collections
import dataclasses
import datetime
import functools
import logging
import os
import smtplib
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db import connection as database
from django.db.models import Count, Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from apps.core import db, metrics
from apps.core.audit import save_with_history
from apps.core.bulk import insert_rows
from apps.reminders import registry
from apps.reminders.events import committee_ids
from apps.reminders.models import (
    EVENT_REASONS,
    OVERDUE_REASONS,
    DigestFrequency,
    Escalation,
    Notification,
    NotificationPreference,
    Reminder,
    ReminderReason,
    ReminderSettings,
)

logger = logging.getLogger(__name__)

# Recipients handled per query when delivering.
RECIPIENT_BATCH_SIZE = 500
# A reminder not e-mailed within this many days (digest off, or a mail server down for weeks) is
# no longer worth an e-mail: it stays in the person's notifications.
DIGEST_LOOKBACK_DAYS = 14
# Items listed in one e-mail; the rest are on the notifications page.
DIGEST_MAX_ITEMS = 100

# The digest's sections, in order, and the reasons each gathers.
DIGEST_SECTIONS = [
    ("Escalated to the committee", {ReminderReason.ESCALATION}),
    ("What happened", set(EVENT_REASONS)),
    ("Overdue", set(OVERDUE_REASONS)),
    ("Regulator deadlines", {ReminderReason.REGULATOR_DEADLINE}),
    (
        "Reviews coming due",
        {ReminderReason.REVIEW_DUE_14, ReminderReason.REVIEW_DUE_7, ReminderReason.REVIEW_DUE_1},
    ),
    (
        "Obligations coming due",
        {
            ReminderReason.OBLIGATION_DUE_14,
            ReminderReason.OBLIGATION_DUE_7,
            ReminderReason.OBLIGATION_DUE_1,
        },
    ),
    (
        "Risk acceptances",
        {ReminderReason.ACCEPTANCE_EXPIRING, ReminderReason.ACCEPTANCE_EXPIRED},
    ),
    ("Concerns waiting for triage", {ReminderReason.CONCERN_UNTRIAGED}),
    ("Training", {ReminderReason.TRAINING_DUE}),
]


# --- The daily sweep ------------------------------------------------------------------------------
@dataclasses.dataclass
class SweepResult:
    today: datetime.date
    # What each housekeeping step changed, by the name it was registered under
    # (apps.reminders.registry.register_housekeeping).
    housekeeping: dict = dataclasses.field(default_factory=dict)
    candidates: int = 0
    escalations: int = 0
    notified: int = 0
    digests: int = 0
    digest_failures: int = 0
    # Wall time of each step, for the log and the benchmark (bench/run.py).
    seconds: dict = dataclasses.field(default_factory=dict)

    @property
    def expired_acceptances(self) -> int:
        """The risk acceptances that lapsed (the risks app's housekeeping step)."""
        return self.housekeeping.get("expired_acceptances", 0)

    def as_dict(self) -> dict:
        """The counts, each housekeeping step's among them, and the timings, as JSON can hold."""
        values = dataclasses.asdict(self)
        del values["today"]
        counts = values.pop("housekeeping")
        return {"today": self.today.isoformat(), **counts, **values}


def run_sweep(today: datetime.date | None = None, *, lock: SweepLock | None = None) -> SweepResult:
    """Remind everybody of what is due: the daily job.

    1. Housekeeping (timed as ``expire``): run the steps the apps registered to bring records
       up to date before anything is collected (:func:`registry.register_housekeeping`); the
       risks app's expires the acceptances past their date (their risks are open again, with
       history).
    2. Collect (:func:`collect_reminders`): ask every registered collector (each app's
       ``reminders.py``) for candidate reminders, in batches. Items overdue for more than
       ``ReminderSettings.escalate_after_days`` are escalated to the committee: one
       :class:`~apps.reminders.models.Escalation` row each, whoever sits on the committee. On
       PostgreSQL each batch is *one statement*: the candidates travel as arrays, the database
       inserts the reminders with ``ON CONFLICT DO NOTHING`` (already marked notified), for
       exactly the rows it inserted their in-app notifications, and the escalations. The unique
       constraint on (recipient, record, reason, due date) keeps each reminder to one row, and
       so to one notification, however often the sweep runs and however many workers run it;
       the escalations' on (record, due date) does the same for them. Elsewhere (SQLite) the
       reminders are inserted not yet notified, and step 3 notifies them. Then each committee
       member gets one reminder of the day's escalations (:func:`tell_committee`).
    3. Deliver (:func:`deliver`):

       a. In-app notifications for every reminder not yet notified (on PostgreSQL only those
          written some other way, usually none), per batch of people
          (:func:`notify_undelivered`): in one transaction, one statement locks the batch's
          people and one marks their reminders notified and copies them into notifications.
       b. A digest e-mail for each person whose preference says a digest is due today and who
          has something not yet e-mailed (:func:`send_digest`), in a transaction of the
          person's own: lock the person, mark their reminders e-mailed and read back only what
          the e-mail shows (the first :data:`DIGEST_MAX_ITEMS` items, and how many there are of
          each reason), send, commit. A mail failure rolls the transaction back: the
          notifications stay, the reminders stay not e-mailed and the next sweep sends them.

    **Idempotent and safe to run concurrently.** Rows already marked ``notified_at`` /
    ``emailed_at`` are never delivered again, and a notification is only ever written together
    with the marking of its reminder (in one statement; on SQLite in one transaction). Whoever
    is delivered to is first locked (``SELECT … FOR NO KEY UPDATE SKIP LOCKED`` of the user
    rows, which does not block the reminders' inserts): a second sweep skips whoever the first
    is busy with, and the next sweep finds what is left. A sweep killed half-way (the task is
    ``acks_late`` and rejected on worker loss, so the broker hands it to another worker) loses
    nothing: each batch's insert, each batch's notifications and each person's digest commit
    whole or not at all, and what was not committed is still undelivered for the retry.

    **The one at-least-once window.** The e-mail is handed to the mail server *inside* the
    person's transaction, just before it commits. If the process dies after the mail server
    accepted the message but before the commit (milliseconds), the retry sends that one person's
    digest again. The opposite order (commit, then send) would instead lose the digest in the same
    window; telling someone twice beats never telling them.
    """
    today = today or timezone.localdate()
    result = SweepResult(today=today)
    started = time.perf_counter()
    for name, step in registry.housekeeping():
        result.housekeeping[name] = step(today)
    result.seconds["expire"] = round(time.perf_counter() - started, 3)
    config = ReminderSettings.load()
    started = time.perf_counter()
    result.candidates, result.escalations, notified = collect_reminders(
        today, config=config, lock=lock
    )
    result.seconds["collect"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    result.notified, result.digests, result.digest_failures = deliver(
        today, config=config, lock=lock
    )
    result.notified += notified
    result.seconds["deliver"] = round(time.perf_counter() - started, 3)
    logger.info("Reminder sweep for %s: %s", today, result)
    metrics.count("reminders_sent_total", result.notified, channel="notification")
    metrics.count("reminders_sent_total", result.digests, channel="digest_email")
    return result


def collect_reminders(
    today: datetime.date, *, config: ReminderSettings, lock: SweepLock | None = None
) -> tuple[int, int, int]:
    """Insert every collector's candidates and the items they escalate, then tell the committee
    of the day's escalations (:func:`tell_committee`); returns (candidates, escalations,
    notified): the items newly escalated, and the notifications written with the new reminders
    (none but on PostgreSQL).

    Per batch of candidates: the collector's ``SELECT`` and one statement that writes the
    batch's new reminders (on PostgreSQL, with their notifications) and escalations; nothing per
    row, nothing per committee member.
    """
    escalate_before = today - datetime.timedelta(days=config.escalate_after_days)
    now = timezone.now()
    write = _writer()
    candidates = escalations = notified = 0
    for collect in registry.collectors():
        for batch in collect(today):
            rows, escalated = _reminder_rows(batch, escalate_before)
            candidates += len(batch)
            if rows or escalated:
                new_notifications, new_escalations = write(rows, escalated, today, now)
                notified += new_notifications
                escalations += new_escalations
            if lock is not None:
                lock.refresh()
    notified += tell_committee(today, now=now)
    return candidates, escalations, notified


# The object id of a committee member's daily reminder of escalations: it is about the day's
# escalations (the due date), not one record.
DAY_OF_ESCALATIONS = 0


def tell_committee(today: datetime.date, *, now: datetime.datetime | None = None) -> int:
    """One reminder for each committee member of the items escalated ``today``, how many of
    each kind, with a link to the list of them: told once a day, however many items and however
    often the sweep runs (a sweep that escalates more later that day adds them to the list, not
    to the reminder). Returns the notifications written with them (none but on PostgreSQL)."""
    counts = dict(
        Escalation.objects.filter(escalated_on=today)
        .values_list("reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    if not counts:
        return 0
    members = committee_ids()
    if not members:
        return 0
    total = sum(counts.values())
    kinds = "; ".join(
        f"{ReminderReason(reason).label}: {n:,}"
        for reason, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
    title = (
        f"Escalated to the committee on {today:%-d %b %Y}: {total:,} late "
        f"item{'s' if total != 1 else ''} ({kinds})"
    )[:300]
    url = reverse("reminders:escalations") + "?" + urlencode({"escalated_on": today.isoformat()})
    content_type_id = ContentType.objects.get_for_model(Escalation).pk
    rows = {
        (member_id, content_type_id, DAY_OF_ESCALATIONS, ReminderReason.ESCALATION.value, today): (
            title,
            url,
        )
        for member_id in members
    }
    return _writer()(rows, {}, today, now or timezone.now())[0]


# (recipient_id, content_type_id, object_id, reason, due_date): a reminder's identity.
ReminderKey = tuple[int, int, int, str, datetime.date]
# (content_type_id, object_id, due_date): an overdue item, escalated to the committee.
EscalationKey = tuple[int, int, datetime.date]
# An escalation's reason, title, link and who is responsible.
EscalationValue = tuple[str, str, str, str]
# The columns a reminder is inserted with: the key, then the title, the link and when.
REMINDER_COLUMNS = [
    "recipient",
    "content_type",
    "object_id",
    "reason",
    "due_date",
    "title",
    "url",
    "created_at",
]
# The columns an escalation is inserted with: the key, what it shows, then the day.
ESCALATION_COLUMNS = [
    "content_type",
    "object_id",
    "due_date",
    "reason",
    "title",
    "url",
    "responsible",
    "escalated_on",
]


def _reminder_rows(
    batch: Iterable[registry.Candidate], escalate_before: datetime.date
) -> tuple[dict[ReminderKey, tuple[str, str]], dict[EscalationKey, EscalationValue]]:
    """The batch's reminders, as ``{key: (title, url)}`` (the first candidate of a key wins),
    and its items to escalate: those overdue since before ``escalate_before``, and those a
    collector escalates at once (a candidate without a recipient; its title wins)."""
    rows: dict[ReminderKey, tuple[str, str]] = {}
    escalated: dict[EscalationKey, EscalationValue] = {}
    for candidate in batch:
        # get_for_model is cached per process: no query after the first of each model.
        content_type_id = ContentType.objects.get_for_model(candidate.model).pk
        item = (content_type_id, candidate.object_id, candidate.due_date)
        value = (
            str(candidate.reason),
            candidate.title[:300],
            candidate.url,
            candidate.responsible[:200],
        )
        if candidate.recipient_id is None:
            escalated[item] = value
            continue
        key = (
            candidate.recipient_id,
            content_type_id,
            candidate.object_id,
            str(candidate.reason),
            candidate.due_date,
        )
        rows.setdefault(key, (candidate.title[:300], candidate.url))
        if candidate.reason in OVERDUE_REASONS and candidate.due_date < escalate_before:
            escalated.setdefault(item, value)
    return rows, escalated


def _columns(rows: dict, width: int) -> list[list]:
    """``{key: value}`` (both tuples) as ``width`` lists, one per column (for ``unnest``)."""
    columns = list(zip(*((*key, *value) for key, value in rows.items()), strict=True))
    return [list(column) for column in columns] or [[] for _ in range(width)]


def _writer():
    """How this database writes a batch: :func:`_write_notified` on PostgreSQL (one statement,
    notified at once), :func:`_write_undelivered` elsewhere."""
    return _write_notified if database.vendor == "postgresql" else _write_undelivered


def _write_notified(
    rows: dict[ReminderKey, tuple[str, str]],
    escalated: dict[EscalationKey, EscalationValue],
    today: datetime.date,
    now: datetime.datetime,
) -> tuple[int, int]:
    """PostgreSQL: insert the batch's new reminders, marked notified, with a notification for
    each, and its new escalations, in one statement; returns how many of each were new."""
    with database.cursor() as cursor:
        cursor.execute(
            _write_notified_sql(),
            [now, now, *_columns(rows, 7), now, today, *_columns(escalated, 7)],
        )
        return cursor.fetchone()


@functools.cache
def _write_notified_sql() -> str:
    quote = database.ops.quote_name
    reminder = Reminder._meta
    escalation = Escalation._meta
    column = {name: quote(reminder.get_field(name).column) for name in REMINDER_COLUMNS}
    db_type = {
        name: reminder.get_field(name).db_type(database)
        for name in ("recipient", "content_type", "object_id")
    }
    candidate_columns = ", ".join(column[name] for name in REMINDER_COLUMNS[:-1])
    escalation_columns = ", ".join(
        quote(escalation.get_field(name).column) for name in ESCALATION_COLUMNS
    )
    # Names from the models, quoted; the values are parameters.
    return f"""
        WITH new_reminder AS (
            INSERT INTO {quote(reminder.db_table)}
                ({candidate_columns}, {column["created_at"]}, {quote("notified_at")})
            SELECT *, %s::timestamptz, %s::timestamptz FROM unnest(
                %s::{db_type["recipient"]}[], %s::{db_type["content_type"]}[],
                %s::{db_type["object_id"]}[], %s::text[], %s::date[], %s::text[], %s::text[]
            )
            ON CONFLICT DO NOTHING
            RETURNING {quote("id")}, {column["recipient"]}, {column["title"]}, {column["url"]}
        ),
        new_notification AS (
            INSERT INTO {quote(Notification._meta.db_table)}
                ({quote("recipient_id")}, {quote("title")}, {quote("url")},
                 {quote("reminder_id")}, {quote("created_at")})
            SELECT {column["recipient"]}, {column["title"]}, {column["url"]}, {quote("id")},
                %s::timestamptz
            FROM new_reminder
            RETURNING 1
        ),
        new_escalation AS (
            INSERT INTO {quote(escalation.db_table)} ({escalation_columns})
            SELECT *, %s::date FROM unnest(
                %s::{db_type["content_type"]}[], %s::{db_type["object_id"]}[], %s::date[],
                %s::text[], %s::text[], %s::text[], %s::text[]
            )
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM new_notification), (SELECT count(*) FROM new_escalation)
    """  # noqa: S608


def _write_undelivered(
    rows: dict[ReminderKey, tuple[str, str]],
    escalated: dict[EscalationKey, EscalationValue],
    today: datetime.date,
    now: datetime.datetime,
) -> tuple[int, int]:
    """Other databases: insert the batch's new reminders, not yet notified
    (:func:`notify_undelivered` does it), and its new escalations; returns (0, escalations)."""
    insert_rows(
        Reminder,
        REMINDER_COLUMNS,
        [(*key, title, url, now) for key, (title, url) in rows.items()],
        ignore_conflicts=True,
    )
    new_escalations = insert_rows(
        Escalation,
        ESCALATION_COLUMNS,
        [(*key, *value, today) for key, value in escalated.items()],
        ignore_conflicts=True,
    )
    return 0, new_escalations


def deliver(
    today: datetime.date, *, config: ReminderSettings, lock: SweepLock | None = None
) -> tuple[int, int, int]:
    """Deliver what is pending; returns (notified, digests, failures): the notifications of the
    reminders not yet notified (:func:`notify_undelivered`), then the digests due."""
    notified = notify_undelivered(lock=lock)
    now = timezone.now()
    cutoff = now - datetime.timedelta(days=DIGEST_LOOKBACK_DAYS)
    unemailed = Reminder.objects.filter(
        recipient=OuterRef("pk"), emailed_at__isnull=True, created_at__gte=cutoff
    )
    recipients = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Exists(unemailed) & ~Q(notification_preference__digest=DigestFrequency.OFF))
        .select_related("notification_preference")
        .order_by("pk")
    )
    digests = failures = 0
    connection = mail.get_connection()
    last_pk = 0
    while True:
        people = list(recipients.filter(pk__gt=last_pk)[:RECIPIENT_BATCH_SIZE])
        for person in people:
            preference = preference_of(person)
            if not digest_is_due(preference, today, config):
                continue
            outcome = send_digest(
                person, preference, today=today, now=now, cutoff=cutoff, connection=connection
            )
            digests += outcome.emailed
            failures += outcome.failed
        if lock is not None:
            lock.refresh()
        if len(people) < RECIPIENT_BATCH_SIZE:
            break
        last_pk = people[-1].pk
    connection.close()
    return notified, digests, failures


def _lock_people(ids: list[int]) -> list[int]:
    """Lock the people of ``ids`` for this transaction, skipping those another sweep holds;
    returns the ids locked. ``NO KEY UPDATE``: the reminders' inserts (foreign-key checks) are
    not blocked."""
    return list(
        get_user_model()
        .objects.select_for_update(skip_locked=True, no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def notify_undelivered(*, lock: SweepLock | None = None) -> int:
    """A notification for every reminder not yet notified, per batch of people; returns how
    many. A person another sweep holds is left for the next sweep."""
    undelivered = Reminder.objects.filter(recipient=OuterRef("pk"), notified_at__isnull=True)
    people = get_user_model().objects.filter(Exists(undelivered), is_active=True)
    notified = 0
    for batch in registry.keyset_batches(people, ["pk"], size=RECIPIENT_BATCH_SIZE):
        notified += _notify([row["pk"] for row in batch], timezone.now())
        if lock is not None:
            lock.refresh()
    return notified


def _notify(people: list[int], now: datetime.datetime) -> int:
    """Notify the reminders not yet notified of ``people`` (those not held by another sweep),
    in one transaction; returns how many notifications were written."""
    reminder_table = database.ops.quote_name(Reminder._meta.db_table)
    notification_table = database.ops.quote_name(Notification._meta.db_table)
    with transaction.atomic():
        locked = _lock_people(people)
        if not locked:
            return 0
        with database.cursor() as cursor:
            if database.vendor == "postgresql":
                cursor.execute(
                    f"""
                    WITH marked AS (
                        UPDATE {reminder_table} SET notified_at = %s
                        WHERE recipient_id = ANY(%s) AND notified_at IS NULL
                        RETURNING id, recipient_id, title, url
                    )
                    INSERT INTO {notification_table}
                        (recipient_id, title, url, reminder_id, created_at)
                    SELECT recipient_id, title, url, id, %s FROM marked
                    ON CONFLICT (reminder_id) DO NOTHING
                    """,  # noqa: S608 — table names from the models; the values are parameters
                    [now, locked, now],
                )
                return max(cursor.rowcount, 0)
            # Elsewhere two statements; the transaction holds the database's write lock from
            # the first (SQLite), so nothing comes in between.
            people_in = ", ".join(["%s"] * len(locked))
            created_at = Notification._meta.get_field("created_at").get_db_prep_save(now, database)
            cursor.execute(
                f"""
                INSERT INTO {notification_table} (recipient_id, title, url, reminder_id, created_at)
                SELECT recipient_id, title, url, id, %s FROM {reminder_table}
                WHERE recipient_id IN ({people_in}) AND notified_at IS NULL
                ON CONFLICT DO NOTHING
                """,  # noqa: S608 — table names from the models; the values are parameters
                [created_at, *locked],
            )
            notified = max(cursor.rowcount, 0)
        Reminder.objects.filter(recipient_id__in=locked, notified_at__isnull=True).update(
            notified_at=now
        )
        return notified


@dataclasses.dataclass
class Delivery:
    emailed: int = 0
    failed: int = 0


def preference_of(user) -> NotificationPreference:
    """The person's preference, or the default (a daily digest) if they never chose."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def digest_is_due(
    preference: NotificationPreference, today: datetime.date, config: ReminderSettings
) -> bool:
    """Daily: every day. Weekly: on the weekly digest day, or when the last weekly digest is a
    week old (a missed weekly day catches up). Off: never. Immediately: every day too (events
    went out as they happened and are not in the digest; the sweep's reminders are)."""
    if preference.digest in (DigestFrequency.DAILY, DigestFrequency.IMMEDIATE):
        return True
    if preference.digest == DigestFrequency.WEEKLY:
        if today.weekday() == config.weekly_digest_day:
            return True
        last = preference.last_digest_sent_at
        return last is not None and (today - timezone.localdate(last)).days >= 7
    return False


def send_digest(
    person,
    preference: NotificationPreference,
    *,
    today: datetime.date,
    now: datetime.datetime,
    cutoff: datetime.datetime,
    connection,
) -> Delivery:
    """E-mail ``person`` the digest of their reminders not yet e-mailed (created since
    ``cutoff``), in one transaction (see :func:`run_sweep`)."""
    delivery = Delivery()
    try:
        with transaction.atomic():
            if not _lock_people([person.pk]):
                return delivery  # another sweep is e-mailing this person right now
            digest = _take_digest(person.pk, now, cutoff)
            if not digest.count:
                return delivery  # another sweep e-mailed it since this one looked
            if preference.pk:
                NotificationPreference.objects.filter(pk=preference.pk).update(
                    last_digest_sent_at=now
                )
            digest_message(person, digest, today, connection=connection).send()
            delivery.emailed = 1
    except (smtplib.SMTPException, OSError):
        logger.exception("Digest to %s not sent; it is retried by the next sweep", person)
        delivery.failed = 1
    return delivery


class DigestItem(NamedTuple):
    reason: str
    title: str
    url: str


@dataclasses.dataclass
class Digest:
    """What one digest e-mail shows: how many reminders of each reason, and the first
    :data:`DIGEST_MAX_ITEMS` of them in the e-mail's order (section, due date, id)."""

    counts: dict[str, int]
    items: list[DigestItem]

    @property
    def count(self) -> int:
        return sum(self.counts.values())


# Each reason's section in the digest, by position.
SECTION_OF = {
    ReminderReason(reason).value: position
    for position, (_, reasons) in enumerate(DIGEST_SECTIONS)
    for reason in reasons
}


def _take_digest(person_id: int, now: datetime.datetime, cutoff: datetime.datetime) -> Digest:
    """Mark ``person_id``'s reminders not yet e-mailed (created since ``cutoff``) as e-mailed at
    ``now``, and return what their digest shows. On PostgreSQL one statement, which reads back
    only the items shown and a count per reason, however many reminders it marks."""
    if database.vendor == "postgresql":
        table = database.ops.quote_name(Reminder._meta.db_table)
        with database.cursor() as cursor:
            cursor.execute(
                f"""
                WITH marked AS (
                    UPDATE {table} SET emailed_at = %s
                    WHERE recipient_id = %s AND emailed_at IS NULL AND created_at >= %s
                    RETURNING id, reason, title, url, due_date
                ),
                shown AS (
                    SELECT marked.*, section.position FROM marked
                    JOIN unnest(%s::text[], %s::integer[]) AS section (reason, position)
                        ON section.reason = marked.reason
                    ORDER BY section.position, marked.due_date, marked.id
                    LIMIT %s
                )
                SELECT reason, count(*), NULL, NULL, NULL::integer, NULL::date, NULL::bigint
                FROM marked GROUP BY reason
                UNION ALL
                SELECT reason, NULL, title, url, position, due_date, id FROM shown
                """,  # noqa: S608 — table name from the model; the values are parameters
                [
                    *(now, person_id, cutoff),
                    *(list(SECTION_OF), list(SECTION_OF.values()), DIGEST_MAX_ITEMS),
                ],
            )
            rows = cursor.fetchall()
        counts = {row[0]: row[1] for row in rows if row[1] is not None}
        # (position, due date, id) of each item shown: the e-mail's order.
        shown = sorted(
            (row[4:], DigestItem(row[0], row[2], row[3])) for row in rows if row[1] is None
        )
        return Digest(counts=counts, items=[item for _, item in shown])
    pending = list(
        Reminder.objects.filter(
            recipient_id=person_id, emailed_at__isnull=True, created_at__gte=cutoff
        )
        .order_by("due_date", "pk")
        .values_list("pk", "reason", "title", "url")
    )
    ids = [pk for pk, *_ in pending]
    for start in range(0, len(ids), RECIPIENT_BATCH_SIZE):
        Reminder.objects.filter(pk__in=ids[start : start + RECIPIENT_BATCH_SIZE]).update(
            emailed_at=now
        )
    sectioned = [DigestItem(*row[1:]) for row in pending if row[1] in SECTION_OF]
    sectioned.sort(key=lambda item: SECTION_OF[item.reason])  # stable: by due date within
    return Digest(
        counts=dict(collections.Counter(reason for _, reason, *_ in pending)),
        items=sectioned[:DIGEST_MAX_ITEMS],
    )


def digest_sections(digest: Digest) -> list[dict]:
    """The digest's sections with their items (at most :data:`DIGEST_MAX_ITEMS` in all) and how
    many more each has on the notifications page."""
    sections = []
    site = settings.SITE_URL.rstrip("/")
    for position, (heading, reasons) in enumerate(DIGEST_SECTIONS):
        total = sum(digest.counts.get(ReminderReason(reason).value, 0) for reason in reasons)
        if not total:
            continue
        shown = [item for item in digest.items if SECTION_OF[item.reason] == position]
        sections.append(
            {
                "heading": heading,
                "items": [
                    {
                        "title": item.title,
                        "url": f"{site}{item.url}",
                        "reason": ReminderReason(item.reason).label,
                    }
                    for item in shown
                ],
                "more": total - len(shown),
            }
        )
    return sections


def digest_message(person, digest: Digest, today: datetime.date, *, connection=None):
    """The digest e-mail (plain text and HTML) of ``digest`` for ``person``."""
    count = digest.count
    overdue = sum(digest.counts.get(ReminderReason(r).value, 0) for r in OVERDUE_REASONS)
    escalated = digest.counts.get(ReminderReason.ESCALATION.value, 0)
    subject = f"AI Risk Register: {count} reminder{'s' if count != 1 else ''}"
    details = [f"{overdue} overdue"] if overdue else []
    if escalated:
        details.append("escalations to the committee")
    if details:
        subject += f" ({', '.join(details)})"
    site = settings.SITE_URL.rstrip("/")
    context = {
        "person": person,
        "today": today,
        "count": count,
        "sections": digest_sections(digest),
        "notifications_url": f"{site}{reverse('reminders:notifications')}",
        "preferences_url": f"{site}{reverse('accounts:profile')}",
    }
    message = mail.EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("reminders/email/digest.txt", context),
        to=[person.email],
        connection=connection,
    )
    message.attach_alternative(
        render_to_string("reminders/email/digest.html", context), "text/html"
    )
    return message


# --- The sweep's lock -----------------------------------------------------------------------------
class SweepLockHeld(Exception):
    """Another sweep holds the lock; :attr:`holder` says who and since when, as a sentence."""

    def __init__(self, holder: str):
        self.holder = holder
        super().__init__(f"Another reminder sweep is running: {holder}")


class SweepLock:
    """One sweep at a time, with a lock that dies with its holder.

    ``SweepLock()`` gives the lock of the database in use:

    * PostgreSQL (:class:`AdvisorySweepLock`): a session-level advisory lock taken by the sweep's
      own database connection. The database releases it the moment that session ends — a worker
      killed with ``kill -9``, a machine lost, the task's time limit reached, the backend
      terminated — so a killed sweep never leaves a lock to wait out;
    * PostgreSQL behind a pooler in transaction mode (``DATABASE_POOLER=pgbouncer``;
      :class:`PooledSweepLock`): the same advisory lock, but transaction-level, held by a
      transaction of a connection of its own for the whole sweep (a session-level lock would be
      taken on one server connection of the pool and "released" on another, and stay held).
      It too is released the moment its holder dies: the pooler ends the transaction of a
      client that is gone;
    * elsewhere (:class:`CacheSweepLock`): a key in the shared cache with a short time to live
      (:attr:`CacheSweepLock.ttl`), renewed by a heartbeat thread while its holder lives, so
      that a dead holder's lock lapses within a minute.

    The lock saves duplicate work; it is not what prevents duplicate messages (the database is,
    see :func:`run_sweep`), so an administrator may run a sweep beside it (``run_reminders
    --force``). :meth:`holder` describes the one holding it, for ``run_reminders`` to report.
    """

    def __new__(cls, *args, **kwargs):
        if cls is SweepLock:
            if database.vendor != "postgresql":
                cls = CacheSweepLock
            elif db.server_side_cursors():
                cls = AdvisorySweepLock
            else:  # behind a pooler in transaction mode
                cls = PooledSweepLock
        return super().__new__(cls)

    def acquire(self) -> bool:
        raise NotImplementedError

    def refresh(self) -> None:
        """Called by the sweep between batches (the cache lock's heartbeat also runs alone)."""

    def release(self) -> None:
        raise NotImplementedError

    def holder(self) -> str:
        """Who holds the lock, as a sentence (``""``: nobody)."""
        raise NotImplementedError


class AdvisorySweepLock(SweepLock):
    """``pg_try_advisory_lock`` on the sweep's connection (see :class:`SweepLock`)."""

    # pg_locks shows a two-key advisory lock as (classid, objid, objsubid=2).
    namespace = 0x52524547  # "RREG": this application's locks
    key = 1  # the reminder sweep

    _HELD = (
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s "
        "AND l.objsubid = 2 AND l.database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    _HELD_HERE = "SELECT EXISTS (SELECT 1 " + _HELD + " AND l.pid = pg_backend_pid())"
    _HOLDER = (
        "SELECT a.pid, a.client_addr, a.application_name, a.backend_start, a.state, "
        "a.query_start, a.pid = pg_backend_pid() " + _HELD
    )

    def __init__(self):
        self.held = False

    def acquire(self) -> bool:
        with database.cursor() as cursor:
            # Advisory locks are re-entrant within a session: a sweep of this very connection
            # (a command run inside a task, a test) must not take it a second time.
            cursor.execute(self._HELD_HERE, [self.namespace, self.key])
            if cursor.fetchone()[0]:
                return False
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [self.namespace, self.key])
            self.held = bool(cursor.fetchone()[0])
        return self.held

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        try:
            with database.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [self.namespace, self.key])
        except DatabaseError as error:  # the session is gone, and the lock with it
            logger.warning("The sweep's lock went with its database session: %s", error)

    def holder(self) -> str:
        with database.cursor() as cursor:
            cursor.execute(self._HOLDER, [self.namespace, self.key])
            row = cursor.fetchone()
        if row is None:
            return ""
        pid, address, application, connected, state, query_start, ours = row
        if ours:
            return "this process already holds it"
        client = f" from {address}" if address else ""
        name = f" ({application})" if application else ""
        since = timezone.localtime(connected).strftime("%d %b %Y %H:%M:%S") if connected else "?"
        busy = ""
        if state == "active" and query_start:
            busy = f", working since {timezone.localtime(query_start):%H:%M:%S}"
        elif state:
            busy = f", {state}"
        return (
            f"PostgreSQL session {pid}{client}{name}, connected since {since}{busy}. It is "
            "released the moment that session ends (its worker stopped or killed)"
        )


class PooledSweepLock(AdvisorySweepLock):
    """``pg_try_advisory_xact_lock`` in a transaction of its own connection, for the whole
    sweep (see :class:`SweepLock`): what a pooler in transaction mode allows."""

    # The locks this process holds: advisory locks of two sessions never re-enter, so a sweep
    # run inside a sweep of this process is told so by this rather than by PostgreSQL.
    _held_here: set[tuple[int, int]] = set()

    def __init__(self):
        super().__init__()
        self.lock = db.TransactionLock(self.namespace, self.key)

    def acquire(self) -> bool:
        if (self.namespace, self.key) in self._held_here:
            return False
        self.held = self.lock.acquire()
        if self.held:
            self._held_here.add((self.namespace, self.key))
        return self.held

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        self._held_here.discard((self.namespace, self.key))
        self.lock.release()

    def holder(self) -> str:
        if (self.namespace, self.key) in self._held_here:
            return "this process already holds it"
        return super().holder()


class CacheSweepLock(SweepLock):
    """A key in the shared cache, renewed by a heartbeat (see :class:`SweepLock`)."""

    key = "reminders:sweep-lock"
    ttl = 60  # seconds without a heartbeat before the lock lapses

    def __init__(self):
        # The heartbeat's thread must use this very cache (a thread's own would be built anew).
        self.cache = caches[DEFAULT_CACHE_ALIAS]
        self.token = uuid.uuid4().hex
        self.since = timezone.now()
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def _value(self) -> dict:
        return {
            "token": self.token,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": self.since.isoformat(),
            "beat": timezone.now().isoformat(),
        }

    def acquire(self) -> bool:
        if not self.cache.add(self.key, self._value(), self.ttl):
            return False
        self._stop.clear()
        self._heartbeat = threading.Thread(
            target=self._beat, name="sweep-lock-heartbeat", daemon=True
        )
        self._heartbeat.start()
        return True

    def _beat(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            self.refresh()

    def refresh(self) -> None:
        current = self.cache.get(self.key)
        if current is None or (isinstance(current, dict) and current.get("token") == self.token):
            self.cache.set(self.key, self._value(), self.ttl)
        else:
            logger.warning("The sweep's lock lapsed and was taken by another sweep: %s", current)

    def release(self) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=5)
            self._heartbeat = None
        current = self.cache.get(self.key)
        if isinstance(current, dict) and current.get("token") == self.token:
            self.cache.delete(self.key)

    def holder(self) -> str:
        current = self.cache.get(self.key)
        if not isinstance(current, dict):
            return ""
        beat = datetime.datetime.fromisoformat(current["beat"])
        silent = max(0, round((timezone.now() - beat).total_seconds()))
        since = timezone.localtime(datetime.datetime.fromisoformat(current["since"]))
        described = (
            f"process {current['pid']} on {current['host']}, since {since:%d %b %Y %H:%M:%S}, "
            f"last heartbeat {silent} s ago"
        )
        if current["host"] == socket.gethostname() and not _process_alive(current["pid"]):
            return (
                f"{described}. That process is gone: its lock lapses within "
                f"{max(0, self.ttl - silent)} s"
            )
        return f"{described}. Without a heartbeat for {self.ttl} s it lapses"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, alive
    return True


def run_locked_sweep(
    today: datetime.date | None = None, *, force: bool = False, raise_if_held: bool = False
) -> SweepResult | None:
    """:func:`run_sweep` unless another sweep holds the lock: then ``None`` (it does the work),
    or :class:`SweepLockHeld` with ``raise_if_held``. ``force`` runs it beside the holder (safe,
    see :class:`SweepLock`; for administrators, after reading who holds it)."""
    lock = SweepLock()
    if not lock.acquire():
        holder = lock.holder() or "it has just finished"
        if force:
            logger.warning("Reminder sweep forced beside the lock's holder: %s.", holder)
            return run_sweep(today)
        logger.info("Another reminder sweep is running (%s); this one stops.", holder)
        if raise_if_held:
            raise SweepLockHeld(holder)
        return None
    try:
        return run_sweep(today, lock=lock)
    finally:
        lock.release()


# --- Notifications and preferences ---------------------------------------------------------------
def mark_notification_read(*, notification: Notification, by) -> Notification:
    if notification.recipient_id != by.pk:
        raise PermissionDenied("This is someone else's notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_notifications_read(*, by) -> int:
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def set_digest_preference(*, user, digest: str) -> NotificationPreference:
    if digest not in DigestFrequency.values:
        raise ValidationError({"digest": "Choose daily, weekly, immediately or off."})
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    if preference.digest != digest:
        preference.digest = digest
        save_with_history(preference, by=user, reason="Digest preference changed")
    return preference
