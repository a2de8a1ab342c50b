from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.reminders.models import (
    Notification,
    NotificationPreference,
    Reminder,
    ReminderSettings,
)


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(SimpleHistoryAdmin):
    """The sweep's numbers: a single row. The schedule itself is under Periodic tasks."""

    fields = ["escalate_after_days", "weekly_digest_day"]

    def has_add_permission(self, request):
        return not ReminderSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by a job (the sweep, an export), never by hand; administrators look (and may
    delete)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "reason", "due_date", "notified_at", "emailed_at"]
    list_filter = ["reason", ("notified_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__email", "recipient__full_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "created_at", "read_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__email", "recipient__full_name"]
    list_select_related = ["recipient"]
    raw_id_fields = ["reminder"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(SimpleHistoryAdmin):
    list_display = ["user", "digest", "last_digest_sent_at"]
    list_filter = ["digest"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
