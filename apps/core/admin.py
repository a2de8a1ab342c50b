from django.contrib import admin, messages

from apps.core import outbox
from apps.core.models import AuditEvent, OutboxMessage, OutboxStatus


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is written by the application, never by hand."""

    list_display = ["timestamp", "user_repr", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "user_repr", "change_reason"]
    date_hierarchy = "timestamp"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """The outbox's backlog and failures (apps.core.outbox): written by the app, never by hand;
    administrators look, filter by status and kind, and retry what failed."""

    list_display = [
        "pk",
        "kind",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["dedupe_key", "last_error"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    actions = ["retry_messages"]
    readonly_fields = [
        "kind",
        "payload",
        "dedupe_key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="last error")
    def short_error(self, obj):
        line = obj.last_error.strip().splitlines()[-1] if obj.last_error.strip() else ""
        return line[:120]

    @admin.action(description="Retry the selected messages now", permissions=["retry"])
    def retry_messages(self, request, queryset):
        selected = list(queryset.exclude(status=OutboxStatus.SENT))
        count = outbox.retry(OutboxMessage.objects.filter(pk__in=[m.pk for m in selected]))
        for message in selected:
            self.log_change(request, message, "Retried from the administration")
        skipped = queryset.filter(status=OutboxStatus.SENT).count()
        text = f"{count} message{'s' if count != 1 else ''} put back in line for the relay."
        if skipped:
            text += f" {skipped} already sent, left alone."
        self.message_user(request, text, messages.SUCCESS)

    def has_retry_permission(self, request):
        return request.user.is_active and request.user.is_superuser
