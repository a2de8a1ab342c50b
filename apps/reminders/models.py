"""Reminders, in-app notifications and digest preferences.

A :class:`Reminder` is one fact worth telling one person once: "SYS-0042's review is due in 7
days", for one due date. Its unique constraint is what makes the daily sweep idempotent: the sweep
inserts every candidate with ``ignore_conflicts`` and delivers only rows not yet delivered, so
running it twice, or on two workers at once, tells nobody anything twice.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class ReminderReason(models.TextChoices):
    REVIEW_DUE_14 = "review_due_14", "Review due within 14 days"
    REVIEW_DUE_7 = "review_due_7", "Review due within 7 days"
    REVIEW_DUE_1 = "review_due_1", "Review due tomorrow or today"
    REVIEW_OVERDUE = "review_overdue", "Review overdue"
    MITIGATION_OVERDUE = "mitigation_overdue", "Mitigation overdue"
    ACCEPTANCE_EXPIRING = "acceptance_expiring", "Risk acceptance expiring"
    ACCEPTANCE_EXPIRED = "acceptance_expired", "Risk acceptance expired"
    POST_INCIDENT_REVIEW_OWED = "post_incident_review_owed", "Post-incident review owed"
    REGULATOR_DEADLINE = "regulator_deadline", "Regulator notification deadline"
    OBLIGATION_DUE_14 = "obligation_due_14", "Obligation due within 14 days"
    OBLIGATION_DUE_7 = "obligation_due_7", "Obligation due within 7 days"
    OBLIGATION_DUE_1 = "obligation_due_1", "Obligation due tomorrow or today"
    OBLIGATION_OVERDUE = "obligation_overdue", "Obligation overdue"
    CONCERN_UNTRIAGED = "concern_untriaged", "Concern waiting for triage"
    TRAINING_DUE = "training_due", "Required training missing or expiring"
    ESCALATION = "escalation", "Escalated to the committee"
    # Events, told when they happen (apps.reminders.events.notify); the due date is the day.
    REVIEW_SUBMITTED = "review_submitted", "Safety plan submitted for your review"
    REVIEW_DECIDED = "review_decided", "Decision on a safety plan"
    ACCEPTANCE_REQUESTED = "acceptance_requested", "Risk acceptance requested"
    ACCEPTANCE_DECIDED = "acceptance_decided", "Decision on a risk acceptance"
    INCIDENT_OPENED = "incident_opened", "Serious incident opened"
    MITIGATION_ASSIGNED = "mitigation_assigned", "Mitigation assigned to you"
    METRIC_WARNING = "metric_warning", "Monitored metric past its warning threshold"
    EVALUATION_FAILED = "evaluation_failed", "Evaluation run failed"
    CHANGE_REVIEW_OWED = "change_review_owed", "Change review owed for a new version"
    CONCERN_RAISED = "concern_raised", "Concern raised about a system"
    CONCERN_ANSWERED = "concern_answered", "Answer to your concern"
    CLASSIFICATION_TO_CONFIRM = (
        "classification_to_confirm",
        "Classification to confirm: the facts it rests on changed",
    )
    SOA_SUBMITTED = "soa_submitted", "Statement of Applicability submitted for your decision"
    SOA_DECIDED = "soa_decided", "Decision on the Statement of Applicability"


# Reasons that mean "late": after ReminderSettings.escalate_after_days they reach the committee.
OVERDUE_REASONS = frozenset(
    {
        ReminderReason.REVIEW_OVERDUE,
        ReminderReason.MITIGATION_OVERDUE,
        ReminderReason.OBLIGATION_OVERDUE,
        ReminderReason.POST_INCIDENT_REVIEW_OWED,
    }
)


# Reasons that are events, told when they happen rather than found by the sweep.
EVENT_REASONS = frozenset(
    {
        ReminderReason.REVIEW_SUBMITTED,
        ReminderReason.REVIEW_DECIDED,
        ReminderReason.ACCEPTANCE_REQUESTED,
        ReminderReason.ACCEPTANCE_DECIDED,
        ReminderReason.INCIDENT_OPENED,
        ReminderReason.MITIGATION_ASSIGNED,
        ReminderReason.METRIC_WARNING,
        ReminderReason.EVALUATION_FAILED,
        ReminderReason.CHANGE_REVIEW_OWED,
        ReminderReason.CONCERN_RAISED,
        ReminderReason.CONCERN_ANSWERED,
        ReminderReason.CLASSIFICATION_TO_CONFIRM,
        ReminderReason.SOA_SUBMITTED,
        ReminderReason.SOA_DECIDED,
    }
)


class Reminder(models.Model):
    """One thing one person is told once, for one due date of one record.

    Found by the daily sweep (a review coming due), or written when an event happens (a plan
    submitted for the person's review: :func:`apps.reminders.events.notify`, whose "due date" is
    the day of the event): either way the unique constraint tells nobody the same thing twice,
    and the digest e-mails what was not e-mailed yet.
    """

    # No index of their own: the unique constraint starts with the recipient, and nothing
    # looks reminders up by content type (each index slows the sweep's inserts and updates).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    object_id = models.PositiveBigIntegerField()
    reason = models.CharField(max_length=40, choices=ReminderReason.choices)
    due_date = models.DateField()
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500, help_text="The record's page, as a path.")
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When it appeared in the person's notifications."
    )
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it went out in an e-mail digest."
    )

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "content_type", "object_id", "reason", "due_date"],
                name="unique_reminder_per_due_date",
            ),
        ]
        # Partial: a row leaves each index once it is notified / e-mailed. On PostgreSQL the
        # sweep inserts reminders already notified, so they never enter the first; the
        # sweep's inserts rely on the unique constraint alone to skip what exists.
        indexes = [
            # Who has reminders not yet notified (deliver's catch-up, usually nobody).
            models.Index(
                fields=["recipient"],
                condition=Q(notified_at__isnull=True),
                name="reminder_undelivered_idx",
            ),
            # Who has something for a digest, and a person's digest.
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(emailed_at__isnull=True),
                name="reminder_unemailed_idx",
            ),
        ]

    def __str__(self):
        return self.title


class Escalation(models.Model):
    """An overdue item escalated to the committee: one row per item and due date, whoever sits
    on the committee.

    The daily sweep writes one for each item overdue for more than
    ``ReminderSettings.escalate_after_days`` (and for what a collector escalates at once, such
    as a system in service without an approved plan); its unique constraint keeps each to one
    row however often the sweep runs. Each committee member is then told *once a day*, in one
    reminder, how many items were escalated that day, with a link to this list
    (:func:`apps.reminders.services.tell_committee`), rather than once per item: a large
    organisation escalates thousands of items on its first day.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    object_id = models.PositiveBigIntegerField()
    due_date = models.DateField(help_text="When the item was due.")
    reason = models.CharField(
        max_length=40, choices=ReminderReason.choices, help_text="Why it is late."
    )
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500, help_text="The item's page, as a path.")
    responsible = models.CharField(max_length=200, blank=True, help_text="Who is to act.")
    escalated_on = models.DateField(help_text="The day of the sweep that escalated it.")

    class Meta:
        ordering = ["-escalated_on", "due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "due_date"],
                name="unique_escalation_per_due_date",
            ),
        ]
        indexes = [
            models.Index(fields=["-escalated_on", "due_date", "id"], name="escalation_list_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def days_late(self) -> int:
        """Days overdue when it was escalated."""
        return (self.escalated_on - self.due_date).days


class Notification(models.Model):
    """An entry of a person's in-app notification list (the bell)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # notification_recipient_idx starts with it
    )
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    reminder = models.OneToOneField(
        Reminder,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification",
        help_text="The reminder it announces; one notification per reminder at most.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class DigestFrequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    IMMEDIATE = "immediate", "Immediately (one e-mail per event, the sweep's reminders daily)"
    OFF = "off", "Off (in-app notifications only)"


class NotificationPreference(models.Model):
    """How a person wants their reminders and notifications by e-mail; in-app notifications are
    always on.

    A person without a row gets the default: a daily digest. "Immediately" e-mails each event
    (a plan to review, a decision) as it happens, through the outbox, and the sweep's reminders
    in the sweep's digest.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    digest = models.CharField(
        "e-mail digest",
        max_length=10,
        choices=DigestFrequency.choices,
        default=DigestFrequency.DAILY,
    )
    last_digest_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["last_digest_sent_at"])

    def __str__(self):
        return f"{self.user}: {self.get_digest_display()}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ReminderSettings(models.Model):
    """The sweep's numbers that administrators may change (a single row)."""

    escalate_after_days = models.PositiveSmallIntegerField(
        "escalate after (days overdue)",
        default=7,
        help_text="An item overdue for more than this many days is escalated to the committee; "
        "each member is told once a day of the day's escalations.",
    )
    weekly_digest_day = models.PositiveSmallIntegerField(
        "weekly digest day",
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text="The day people who chose a weekly digest receive it.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "reminder settings"
        verbose_name_plural = "reminder settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="reminder_settings_single_row"),
            models.CheckConstraint(
                condition=Q(escalate_after_days__gte=1), name="reminder_escalation_positive"
            ),
            models.CheckConstraint(
                condition=Q(weekly_digest_day__range=(0, 6)), name="reminder_weekday_valid"
            ),
        ]

    def __str__(self):
        return "Reminder settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> ReminderSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj
