"""Reads of the reminders app: a person's notifications and their unread count, and the
committee's escalations."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.reminders.models import Escalation, Notification


def notifications_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """A person's own notifications, newest first (nobody sees anyone else's)."""
    queryset = Notification.objects.filter(recipient=user)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-pk")


def unread_count(user) -> int:
    """The bell's number: one COUNT on a partial index."""
    if not (user and user.is_authenticated):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def escalations() -> QuerySet[Escalation]:
    """Every escalated item, the newest day first, then the longest overdue (the list's index);
    with their kind of record."""
    return Escalation.objects.select_related("content_type").order_by(
        "-escalated_on", "due_date", "pk"
    )
