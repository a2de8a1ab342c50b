"""Events told when they happen: a plan to review, a decision, an acceptance to decide, a serious
incident, a mitigation assigned.

The domain apps' services call :func:`notify` inside the transaction of the change (this is the
lowest domain app, so every other one may). For each person concerned — never the one who did
it, never someone inactive — it writes, in that same transaction:

* a :class:`~apps.reminders.models.Reminder` for the event (the record, the reason, the day):
  its unique constraint keeps one event to one notification per person, however often the
  service runs;
* the in-app :class:`~apps.reminders.models.Notification` (the bell), at once;
* for people whose e-mail preference is *immediately*, an outbox message
  (:mod:`apps.core.outbox`) that e-mails them the event once the transaction has committed
  (:func:`send_event_email`); their reminder is marked e-mailed, so no digest repeats it. For
  everybody else the reminder waits for their next daily or weekly digest (or for none: *off*).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.core import metrics, outbox
from apps.reminders import registry
from apps.reminders.models import (
    EVENT_REASONS,
    DigestFrequency,
    Notification,
    NotificationPreference,
    Reminder,
    ReminderReason,
)

EMAIL_KIND = "reminders.email"
SUBJECT_PREFIX = "[AI Risk Register] "


def notify(
    *,
    reason: str,
    record: models.Model,
    recipients: Iterable,
    by=None,
    title: str,
    url: str | None = None,
) -> int:
    """Tell ``recipients`` (people or their ids; ``None`` entries are skipped) that ``reason``
    happened to ``record``; see the module's documentation. ``by`` (who did it) is never told.
    Returns how many people were newly told. A fixed number of queries, whatever the number of
    people."""
    if reason not in EVENT_REASONS:
        raise ValueError(f"{reason!r} is not an event (see EVENT_REASONS).")
    ids = {getattr(person, "pk", person) for person in recipients} - {None}
    ids.discard(getattr(by, "pk", by))
    if not ids:
        return 0
    people = list(
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True)
        .select_related("notification_preference")
        .order_by("pk")
    )
    if not people:
        return 0
    now = timezone.now()
    today = timezone.localdate(now)
    content_type = ContentType.objects.get_for_model(record)
    title = title[:300]
    url = url if url is not None else record.get_absolute_url()
    immediate = {person.pk for person in people if _wants_each_event(person)}
    Reminder.objects.bulk_create(
        [
            Reminder(
                recipient_id=person.pk,
                content_type=content_type,
                object_id=record.pk,
                reason=reason,
                due_date=today,
                title=title,
                url=url,
                created_at=now,
                notified_at=now,
                # E-mailed by the outbox: no digest takes it.
                emailed_at=now if person.pk in immediate else None,
            )
            for person in people
        ],
        ignore_conflicts=True,  # told already: the event is not told twice
    )
    # The event's reminders without a notification are the ones just written (an event's
    # reminder always gets its notification in the transaction that writes it).
    new = list(
        Reminder.objects.filter(
            content_type=content_type,
            object_id=record.pk,
            reason=reason,
            due_date=today,
            recipient_id__in=[person.pk for person in people],
            notification__isnull=True,
        ).values_list("pk", "recipient_id")
    )
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=recipient_id, title=title, url=url, reminder_id=pk, created_at=now
            )
            for pk, recipient_id in new
        ],
        ignore_conflicts=True,
    )
    outbox.enqueue_many(
        outbox.Message(EMAIL_KIND, {"reminder": pk}, f"{EMAIL_KIND}:{pk}")
        for pk, recipient_id in new
        if recipient_id in immediate
    )
    return len(new)


def _wants_each_event(person) -> bool:
    try:
        preference = person.notification_preference
    except NotificationPreference.DoesNotExist:
        return False  # the default is a daily digest
    return preference.digest == DigestFrequency.IMMEDIATE


def committee_ids(*, excluding: Iterable = ()) -> list[int]:
    """The active committee members' ids (those a request for the committee goes to), but
    ``excluding`` people (or ids): e.g. a system's owners, who may not decide on it."""
    left_out = {getattr(person, "pk", person) for person in excluding} - {None}
    return [
        pk
        for pk in get_user_model()
        .objects.filter(is_active=True, is_committee_member=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        if pk not in left_out
    ]


# --- The e-mail, delivered by the outbox --------------------------------------------------------
def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def event_message(recipient, subject: str, template: str, context: dict) -> EmailMessage:
    """An event's e-mail to one person: ``template`` rendered with ``context`` and
    ``recipient``, under the site's subject prefix (the renderers the apps register use it)."""
    body = render_to_string(template, {**context, "recipient": recipient})
    return EmailMessage(
        SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email]
    )


def default_event_message(reminder: Reminder) -> EmailMessage:
    """The e-mail of an event without a renderer of its own: its title and its link."""
    context = {
        "reason": ReminderReason(reminder.reason).label,
        "title": reminder.title,
        "url": absolute(reminder.url),
        "notifications_url": absolute(reverse("reminders:notifications")),
        "preferences_url": absolute(reverse("accounts:profile")),
    }
    return event_message(reminder.recipient, reminder.title, "reminders/email/event.txt", context)


def send_event_email(payload: dict) -> None:
    """The outbox's handler of ``reminders.email``: e-mail one event to its recipient.

    Nothing is sent for a reminder that no longer exists (its person was deleted), to a person
    who left or has no address, or when the app's renderer says there is nothing to say any
    more. A mail server that refuses raises, and the outbox tries again later."""
    reminder = (
        Reminder.objects.select_related("recipient").filter(pk=payload.get("reminder")).first()
    )
    if reminder is None or not reminder.recipient.is_active or not reminder.recipient.email:
        return
    render = registry.event_email(reminder.reason) or default_event_message
    message = render(reminder)
    if message is not None:
        message.send()
        metrics.count("reminders_sent_total", channel="event_email")
