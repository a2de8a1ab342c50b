from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.systems.models import AISystem
from apps.systems.services import apply_derived_fields


@admin.register(AISystem)
class AISystemAdmin(SimpleHistoryAdmin):
    """For administrators' rare fixes; teams use the register's own pages."""

    list_display = [
        "name",
        "team",
        "lifecycle_stage",
        "ai_kind",
        "eu_ai_act_tier",
        "criticality",
        "archived_at",
    ]
    list_filter = ["team", "lifecycle_stage", "ai_kind", "eu_ai_act_tier", "criticality"]
    search_fields = ["name", "vendor"]
    list_select_related = ["team"]
    readonly_fields = [
        "criticality",
        "review_cadence_days",
        "last_approved",
        "next_review_due",
        "archived_at",
        "archived_by",
        "created_by",
    ]
    autocomplete_fields = ["business_owner", "technical_owner", "team"]

    def save_model(self, request, obj, form, change):
        apply_derived_fields(obj)
        super().save_model(request, obj, form, change)
