from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.mitigations.models import Mitigation


@admin.register(Mitigation)
class MitigationAdmin(SimpleHistoryAdmin):
    """For administrators' rare fixes; teams use the register's own pages."""

    list_display = ["reference", "title", "system", "kind", "layer", "owner", "due_date", "status"]
    list_filter = ["status", "kind", "layer", "system__team"]
    search_fields = ["title", "description", "system__name"]
    list_select_related = ["system", "owner"]
    date_hierarchy = "due_date"
    autocomplete_fields = ["system", "owner"]
    raw_id_fields = ["risks"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    @admin.display(description="Ref.", ordering="pk")
    def reference(self, obj):
        return obj.reference
