"""Writes of the reminders app: the daily sweep, notifications, preferences and export jobs."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import smtplib
import tempfile
import time
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import connection as database
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.bulk import insert_rows
from apps.reminders import registry
from apps.reminders.models import (
    OVERDUE_REASONS,
    DigestFrequency,
    ExportJob,
    ExportKind,
    ExportStatus,
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
    (
        "Overdue",
        {
            ReminderReason.REVIEW_OVERDUE,
            ReminderReason.MITIGATION_OVERDUE,
            ReminderReason.POST_INCIDENT_REVIEW_OWED,
        },
    ),
    ("Regulator deadlines", {ReminderReason.REGULATOR_DEADLINE}),
    (
        "Reviews coming due",
        {ReminderReason.REVIEW_DUE_14, ReminderReason.REVIEW_DUE_7, ReminderReason.REVIEW_DUE_1},
    ),
    (
        "Risk acceptances",
        {ReminderReason.ACCEPTANCE_EXPIRING, ReminderReason.ACCEPTANCE_EXPIRED},
    ),
]


# --- The daily sweep ------------------------------------------------------------------------------
@dataclasses.dataclass
class SweepResult:
    today: datetime.date
    expired_acceptances: int = 0
    candidates: int = 0
    escalations: int = 0
    notified: int = 0
    digests: int = 0
    digest_failures: int = 0
    # Wall time of each step, for the log and the benchmark (bench/run.py).
    seconds: dict = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self) | {"today": self.today.isoformat()}


def run_sweep(today: datetime.date | None = None, *, lock: SweepLock | None = None) -> SweepResult:
    """Remind everybody of what is due: the daily job.

    1. Expire the risk acceptances past their date (their risks are open again, with history).
    2. Ask every registered collector (each app's ``reminders.py``) for candidate reminders, in
       batches, and insert them with ``ignore_conflicts``: the unique constraint on (recipient,
       record, reason, due date) keeps each reminder to one row, however often the sweep runs
       and however many workers run it. Items overdue for more than
       ``ReminderSettings.escalate_after_days`` add an escalation reminder for every committee
       member.
    3. Deliver, person by person (:func:`deliver_to`): in-app notifications for every reminder
       not yet notified, and one digest e-mail of everything not yet e-mailed if the person's
       preference says a digest is due today.

    **Idempotent and safe to run concurrently.** Each person is delivered to in one transaction
    that first locks the person (``SELECT … FOR NO KEY UPDATE SKIP LOCKED`` of the user row): a
    second sweep skips whoever the first is busy with, and rows already marked ``notified_at`` /
    ``emailed_at`` are never delivered again. A sweep killed half-way (the task is ``acks_late``
    and rejected on worker loss, so the broker hands it to another worker) loses nothing: what it
    did not commit is still undelivered and the retry does it.

    **The one at-least-once window.** The e-mail is handed to the mail server *inside* the
    person's transaction, just before it commits. If the process dies after the mail server
    accepted the message but before the commit (milliseconds), the retry sends that one person's
    digest again. The opposite order (commit, then send) would instead lose the digest in the same
    window; telling someone twice beats never telling them.
    """
    from apps.risks.services import expire_acceptances

    today = today or timezone.localdate()
    result = SweepResult(today=today)
    started = time.perf_counter()
    result.expired_acceptances = len(expire_acceptances(today))
    result.seconds["expire"] = round(time.perf_counter() - started, 3)
    config = ReminderSettings.load()
    started = time.perf_counter()
    result.candidates, result.escalations = collect_reminders(today, config=config, lock=lock)
    result.seconds["collect"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    result.notified, result.digests, result.digest_failures = deliver(
        today, config=config, lock=lock
    )
    result.seconds["deliver"] = round(time.perf_counter() - started, 3)
    logger.info("Reminder sweep for %s: %s", today, result)
    return result


def collect_reminders(
    today: datetime.date, *, config: ReminderSettings, lock: SweepLock | None = None
) -> tuple[int, int]:
    """Insert every collector's candidates (and escalations); returns (candidates, escalations).

    Per batch of candidates: the collector's ``SELECT``, one ``SELECT`` of the batch's reminders
    that exist already, and one ``INSERT … ON CONFLICT DO NOTHING`` of the new ones (none on a
    second run the same day); nothing per row.
    """
    committee_ids = list(
        get_user_model()
        .objects.filter(is_active=True, is_committee_member=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    escalate_before = today - datetime.timedelta(days=config.escalate_after_days)
    now = timezone.now()
    candidates = escalations = 0
    for collect in registry.collectors():
        for batch in collect(today):
            rows, escalated = _reminder_rows(batch, committee_ids, escalate_before, today)
            candidates += len(batch)
            escalations += escalated
            if rows:
                _insert_new(rows, now)
            if lock is not None:
                lock.refresh()
    return candidates, escalations


# (recipient_id, content_type_id, object_id, reason, due_date): a reminder's identity.
ReminderKey = tuple[int, int, int, str, datetime.date]
# The columns _insert_new writes: the key, then the title, the link and when.
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


def _insert_new(rows: dict[ReminderKey, tuple[str, str]], now: datetime.datetime) -> None:
    """Insert the reminders of ``{key: (title, url)}`` that do not exist yet.

    Skipping the existing ones first is only a saving (most candidates of a sweep were reminded
    of on an earlier day); ``ignore_conflicts`` is what keeps concurrent sweeps exactly-once.
    """
    existing = set(
        Reminder.objects.filter(
            content_type_id__in={key[1] for key in rows},
            object_id__in={key[2] for key in rows},
            due_date__in={key[4] for key in rows},
        ).values_list("recipient_id", "content_type_id", "object_id", "reason", "due_date")
    )
    new = [(*key, title, url, now) for key, (title, url) in rows.items() if key not in existing]
    insert_rows(Reminder, REMINDER_COLUMNS, new, ignore_conflicts=True)


def _reminder_rows(
    batch: Iterable[registry.Candidate],
    committee_ids: list[int],
    escalate_before: datetime.date,
    today: datetime.date,
) -> tuple[dict[ReminderKey, tuple[str, str]], int]:
    """The batch's reminders and escalations as ``{key: (title, url)}``, and the escalations'
    count."""
    rows: dict[ReminderKey, tuple[str, str]] = {}
    escalated = 0
    for candidate in batch:
        # get_for_model is cached per process: no query after the first of each model.
        content_type_id = ContentType.objects.get_for_model(candidate.model).pk
        key = (
            candidate.recipient_id,
            content_type_id,
            candidate.object_id,
            candidate.reason,
            candidate.due_date,
        )
        rows[key] = (candidate.title[:300], candidate.url)
        if candidate.reason in OVERDUE_REASONS and candidate.due_date < escalate_before:
            days = (today - candidate.due_date).days
            who = f" — responsible: {candidate.responsible}" if candidate.responsible else ""
            title = f"Escalated, {days} days overdue: {candidate.title}{who}"[:300]
            for member_id in committee_ids:
                escalation = (
                    member_id,
                    content_type_id,
                    candidate.object_id,
                    ReminderReason.ESCALATION,
                    candidate.due_date,
                )
                if escalation not in rows:
                    rows[escalation] = (title, candidate.url)
                    escalated += 1
    return rows, escalated


def deliver(
    today: datetime.date, *, config: ReminderSettings, lock: SweepLock | None = None
) -> tuple[int, int, int]:
    """Deliver to everybody with something pending; returns (notified, digests, failures)."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(days=DIGEST_LOOKBACK_DAYS)
    undelivered = Reminder.objects.filter(recipient=OuterRef("pk"), notified_at__isnull=True)
    unemailed = Reminder.objects.filter(
        recipient=OuterRef("pk"), emailed_at__isnull=True, created_at__gte=cutoff
    )
    recipients = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(Exists(undelivered))
            | (Q(Exists(unemailed)) & ~Q(notification_preference__digest=DigestFrequency.OFF))
        )
        .select_related("notification_preference")
        .order_by("pk")
    )
    notified = digests = failures = 0
    connection = mail.get_connection()
    last_pk = 0
    while True:
        people = list(recipients.filter(pk__gt=last_pk)[:RECIPIENT_BATCH_SIZE])
        for person in people:
            outcome = deliver_to(person, today=today, config=config, connection=connection)
            notified += outcome.notified
            digests += outcome.emailed
            failures += outcome.failed
        if lock is not None:
            lock.refresh()
        if len(people) < RECIPIENT_BATCH_SIZE:
            break
        last_pk = people[-1].pk
    connection.close()
    return notified, digests, failures


@dataclasses.dataclass
class Delivery:
    notified: int = 0
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
    week old (a missed weekly day catches up). Off: never."""
    if preference.digest == DigestFrequency.DAILY:
        return True
    if preference.digest == DigestFrequency.WEEKLY:
        if today.weekday() == config.weekly_digest_day:
            return True
        last = preference.last_digest_sent_at
        return last is not None and (today - timezone.localdate(last)).days >= 7
    return False


# What delivery reads of each pending reminder (named tuples: cheaper than model instances).
PENDING_FIELDS = ["pk", "reason", "title", "url", "created_at", "notified_at", "emailed_at"]


def deliver_to(person, *, today: datetime.date, config: ReminderSettings, connection) -> Delivery:
    """One person's notifications and digest, in one transaction (see :func:`run_sweep`)."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(days=DIGEST_LOOKBACK_DAYS)
    preference = preference_of(person)
    wants_digest = digest_is_due(preference, today, config)
    delivery = Delivery()
    with transaction.atomic():
        locked = (
            get_user_model()
            .objects.select_for_update(skip_locked=True, no_key=True)
            .filter(pk=person.pk)
            .order_by()
            .values_list("pk", flat=True)
        )
        if not list(locked):
            return delivery  # another sweep is delivering to this person right now
        pending = Q(notified_at__isnull=True)
        if wants_digest:
            pending |= Q(emailed_at__isnull=True, created_at__gte=cutoff)
        reminders = list(
            Reminder.objects.filter(pending, recipient=person)
            .order_by("due_date", "pk")
            .values_list(*PENDING_FIELDS, named=True)
        )
        new = [reminder for reminder in reminders if reminder.notified_at is None]
        to_email = [r for r in reminders if r.emailed_at is None and r.created_at >= cutoff]
        if not wants_digest:
            to_email = []
        # A reminder both new and in today's digest is marked notified and e-mailed in one
        # update (each update of a row rewrites it and its indexes); if the mail then fails,
        # its e-mailed mark is taken back.
        emailed_with_notification = {r.pk for r in to_email} & {r.pk for r in new}
        if new:
            _notify(person, new, now, emailed=emailed_with_notification)
            delivery.notified = len(new)
        if to_email:
            try:
                with transaction.atomic():  # a savepoint: a mail failure keeps the in-app part
                    _mark(
                        [r for r in to_email if r.pk not in emailed_with_notification],
                        "emailed_at",
                        now,
                    )
                    if preference.pk:
                        NotificationPreference.objects.filter(pk=preference.pk).update(
                            last_digest_sent_at=now
                        )
                    digest_message(person, to_email, today, connection=connection).send()
                delivery.emailed = 1
            except (smtplib.SMTPException, OSError):
                logger.exception("Digest to %s not sent; it is retried by the next sweep", person)
                _mark([r for r in new if r.pk in emailed_with_notification], "emailed_at", None)
                delivery.failed = 1
    return delivery


def _notify(person, reminders: list, now: datetime.datetime, *, emailed: set[int]) -> None:
    """A notification for each of ``reminders`` (read from the database, not yet notified),
    which are marked notified: on PostgreSQL in one statement that copies their title and link
    in the database; elsewhere by inserting the rows read.

    Those whose id is in ``emailed`` are marked e-mailed at the same time. The reminders are
    found by id alone (the caller holds the person's lock, and read them as not notified): a
    condition on ``notified_at`` too would let PostgreSQL scan every undelivered reminder of
    everybody for each person.
    """
    if database.vendor == "postgresql":
        reminder_table = database.ops.quote_name(Reminder._meta.db_table)
        notification_table = database.ops.quote_name(Notification._meta.db_table)
        with database.cursor() as cursor:
            cursor.execute(
                f"""
                WITH marked AS (
                    UPDATE {reminder_table}
                    SET notified_at = %s,
                        emailed_at = CASE WHEN id = ANY(%s) THEN %s ELSE emailed_at END
                    WHERE id = ANY(%s)
                    RETURNING id, recipient_id, title, url
                )
                INSERT INTO {notification_table} (recipient_id, title, url, reminder_id, created_at)
                SELECT recipient_id, title, url, id, %s FROM marked
                ON CONFLICT (reminder_id) DO NOTHING
                """,  # noqa: S608 — table names from the models; the values are parameters
                [now, list(emailed), now, [r.pk for r in reminders], now],
            )
        return
    insert_rows(
        Notification,
        ["recipient", "title", "url", "reminder", "created_at"],
        [(person.pk, r.title, r.url, r.pk, now) for r in reminders],
        ignore_conflicts=True,
    )
    _mark(reminders, "notified_at", now)
    _mark([r for r in reminders if r.pk in emailed], "emailed_at", now)


def _mark(reminders: list, field: str, now: datetime.datetime | None) -> None:
    """Set ``field`` (``notified_at`` or ``emailed_at``) of ``reminders`` to ``now``; on
    PostgreSQL with the ids as one array rather than a list of tens of thousands of values."""
    ids = [r.pk for r in reminders]
    if not ids:
        return
    if database.vendor == "postgresql":
        table = database.ops.quote_name(Reminder._meta.db_table)
        with database.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {field} = %s WHERE id = ANY(%s)", [now, ids])  # noqa: S608
        return
    Reminder.objects.filter(pk__in=ids).update(**{field: now})


def digest_sections(reminders: list) -> list[dict]:
    """The digest's sections with their items (at most :data:`DIGEST_MAX_ITEMS` in all)."""
    sections = []
    room = DIGEST_MAX_ITEMS
    site = settings.SITE_URL.rstrip("/")
    for heading, reasons in DIGEST_SECTIONS:
        items = [r for r in reminders if r.reason in reasons]
        if not items:
            continue
        shown = items[: max(room, 0)]
        room -= len(shown)
        sections.append(
            {
                "heading": heading,
                "items": [
                    {
                        "title": r.title,
                        "url": f"{site}{r.url}",
                        "reason": ReminderReason(r.reason).label,
                    }
                    for r in shown
                ],
                "more": len(items) - len(shown),
            }
        )
    return sections


def digest_message(person, reminders: list, today: datetime.date, *, connection=None):
    """The digest e-mail (plain text and HTML) of ``reminders`` (with ``reason``, ``title`` and
    ``url``) for ``person``."""
    overdue = sum(1 for r in reminders if r.reason in OVERDUE_REASONS)
    escalated = sum(1 for r in reminders if r.reason == ReminderReason.ESCALATION)
    subject = f"AI Risk Register: {len(reminders)} reminder{'s' if len(reminders) != 1 else ''}"
    details = [f"{n} {label}" for n, label in ((overdue, "overdue"), (escalated, "escalated")) if n]
    if details:
        subject += f" ({', '.join(details)})"
    from django.urls import reverse

    site = settings.SITE_URL.rstrip("/")
    context = {
        "person": person,
        "today": today,
        "count": len(reminders),
        "sections": digest_sections(reminders),
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
class SweepLock:
    """A lock in the shared cache (Redis with ``REDIS_URL``) so that one sweep runs at a time.

    ``cache.add`` is atomic; the timeout is short and refreshed after every batch, so that the
    lock of a worker killed mid-sweep lapses within :attr:`timeout` seconds and the retried task
    (redelivered because of ``acks_late``) can take it. The lock saves duplicate work; it is not
    what prevents duplicate messages (the database is, see :func:`run_sweep`).
    """

    key = "reminders:sweep-lock"
    timeout = 5 * 60

    def __init__(self):
        self.token = uuid.uuid4().hex

    def acquire(self) -> bool:
        return cache.add(self.key, self.token, self.timeout)

    def refresh(self) -> None:
        cache.touch(self.key, self.timeout)

    def release(self) -> None:
        if cache.get(self.key) == self.token:
            cache.delete(self.key)


def run_locked_sweep(today: datetime.date | None = None) -> SweepResult | None:
    """:func:`run_sweep` unless another sweep holds the lock (then ``None``: it does the work)."""
    lock = SweepLock()
    if not lock.acquire():
        logger.info("Another reminder sweep is running; this one stops.")
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
        raise ValidationError({"digest": "Choose daily, weekly or off."})
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    if preference.digest != digest:
        preference.digest = digest
        preference._history_user = user
        preference._change_reason = "Digest preference changed"
        preference.save()
    return preference


# --- Long exports ---------------------------------------------------------------------------------
EXPORT_LIFETIME = datetime.timedelta(days=1)
MAX_UNFINISHED_EXPORTS = 3


def start_export(*, user, kind: str, params: str = "") -> ExportJob:
    """Queue a long export for ``user``; a worker runs it (:func:`run_export`)."""
    if not (user and user.is_authenticated and user.is_active):
        raise PermissionDenied("Sign in to export.")
    if kind not in ExportKind.values:
        raise ValidationError("Unknown kind of export.")
    from apps.reminders import exports

    exports.validate(kind, user, params)
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
    from apps.reminders import tasks

    transaction.on_commit(lambda: tasks.run_export_job.delay(job.pk))
    return job


def set_export_progress(job: ExportJob, progress: int) -> None:
    job.progress = max(0, min(100, progress))
    ExportJob.objects.filter(pk=job.pk).update(progress=job.progress)


def run_export(job_id: int) -> ExportJob | None:
    """Write the export's file, updating its progress after every chunk.

    Idempotent: a finished job is left alone; a job found *running* was interrupted (the worker
    died, the broker redelivered the task) and starts again from the beginning.
    """
    from apps.reminders import exports

    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    job.status = ExportStatus.RUNNING
    job.started_at = timezone.now()
    job.progress = 0
    job.error = ""
    job.save(update_fields=["status", "started_at", "progress", "error"])
    writer = exports.WRITERS[job.kind]
    try:
        with tempfile.TemporaryFile() as output:
            filename, row_count = writer(job, output)
            output.seek(0)
            job.file.save(filename, File(output), save=False)
    except Exception:
        # A job is a record the person watches: it must end as "failed" rather than stay
        # "running" for ever. The traceback goes to the log; the person sees a plain message.
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
