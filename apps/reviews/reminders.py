"""What the reviews app gives the reminders app: the e-mails of its events (discovered when
Django starts, see :mod:`apps.reminders.registry`)."""

from apps.reminders.models import ReminderReason
from apps.reminders.registry import register_event_email
from apps.reviews import notifications

register_event_email(ReminderReason.REVIEW_SUBMITTED, notifications.submission_message)
register_event_email(ReminderReason.REVIEW_DECIDED, notifications.decision_message)
