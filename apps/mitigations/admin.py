from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.mitigations import services
from apps.mitigations.coverage import refresh_risk_coverage
from apps.mitigations.models import Mitigation


@admin.register(Mitigation)
class MitigationAdmin(SimpleHistoryAdmin):
    """For administrators' rare fixes; teams use the register's own pages.

    A fix saves the record as it is typed (even on an archived system), so it goes around the
    services: it keeps the coverage of the risks it touches itself, and deletes through
    :func:`~apps.mitigations.services.delete_mitigation`.
    """

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

    def save_related(self, request, form, formsets, change):
        # Its risks before and after the fix: a link or the status may have moved.
        before = {risk.pk for risk in form.initial.get("risks", [])}
        super().save_related(request, form, formsets, change)
        refresh_risk_coverage(before | set(form.instance.risks.values_list("pk", flat=True)))

    def delete_model(self, request, obj):
        services.delete_mitigation(mitigation=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for mitigation in queryset:
            services.delete_mitigation(mitigation=mitigation, by=request.user)
