from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.reviews.models import PlanVersion, Review, ReviewSettings


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(SimpleHistoryAdmin):
    """Approvals needed by criticality, and the committee's time to decide: a single row."""

    fieldsets = (
        (
            "Approvals needed",
            {
                "fields": (
                    "approvals_low",
                    "approvals_medium",
                    "approvals_high",
                    "approvals_critical",
                ),
                "description": "How many committee members must approve a safety plan, by the "
                "system's criticality when it is submitted. Reviews in progress keep the number "
                "they were submitted with.",
            },
        ),
        ("Time to decide", {"fields": ("decision_days",)}),
    )

    def has_add_permission(self, request):
        return not ReviewSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyAdmin(SimpleHistoryAdmin):
    """Written only by the review workflow's services; administrators read them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(_ReadOnlyAdmin):
    list_display = ["__str__", "status", "kind", "due_date", "submitted_by", "submitted_at"]
    list_filter = ["status", "kind"]
    search_fields = ["system__name"]
    list_select_related = ["system", "submitted_by"]


@admin.register(PlanVersion)
class PlanVersionAdmin(_ReadOnlyAdmin):
    list_display = ["__str__", "review", "submitted_by", "submitted_at"]
    list_select_related = ["system", "review__system", "submitted_by"]
    exclude = ["content"]
