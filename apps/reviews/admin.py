from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.reviews.models import (
    Delegation,
    PlanVersion,
    RequiredSeat,
    Review,
    ReviewSettings,
    Seat,
    SeatHolding,
)


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
                "they were submitted with. Seats whose approval a criticality needs on top of "
                "the count are set under Review settings → Required seats.",
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


# --- Committee seats ------------------------------------------------------------------------------
class SeatHoldingInline(admin.TabularInline):
    model = SeatHolding
    extra = 1
    autocomplete_fields = ["holder"]
    verbose_name = "holder"


@admin.register(Seat)
class SeatAdmin(SimpleHistoryAdmin):
    """The committee's seats and who holds them; a seat is deactivated, never deleted."""

    list_display = ["name", "slug", "active"]
    list_filter = ["active"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [SeatHoldingInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RequiredSeat)
class RequiredSeatAdmin(SimpleHistoryAdmin):
    """The seats whose approval a plan needs by its criticality, on top of the count. Reviews
    in progress keep the seats they were submitted with."""

    list_display = ["__str__", "criticality", "seat"]
    list_filter = ["criticality"]


@admin.register(Delegation)
class DelegationAdmin(SimpleHistoryAdmin):
    """Seat holders name their delegates from their profile; administrators read them here."""

    list_display = ["holder", "delegate", "seat", "starts_on", "ends_on", "ended_at"]
    list_select_related = ["holder", "delegate", "seat"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
