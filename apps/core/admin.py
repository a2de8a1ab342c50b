from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from apps.core.models import AuditEvent, GovernanceSettings


@admin.register(GovernanceSettings)
class GovernanceSettingsAdmin(SimpleHistoryAdmin):
    """The organisation's numbers: a single row that administrators edit."""

    fieldsets = (
        (
            "Review cadence",
            {
                "fields": (
                    "review_cadence_critical_days",
                    "review_cadence_high_days",
                    "review_cadence_medium_days",
                    "review_cadence_low_days",
                ),
                "description": "How often each system's safety plan is reviewed again, by "
                "criticality. Saving recomputes every system's next review date.",
            },
        ),
    )

    def has_add_permission(self, request):
        return not GovernanceSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from apps.systems.services import recompute_review_cadences

        super().save_model(request, obj, form, change)
        updated = recompute_review_cadences(obj)
        messages.info(request, f"Review cadence recomputed for {updated} systems.")


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
