from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.incidents.models import Incident


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    """For administrators' rare fixes; teams use the incident pages (derived fields are kept by
    :mod:`apps.incidents.services`, so they are read-only here)."""

    list_display = [
        "reference",
        "title",
        "system",
        "severity",
        "phase",
        "detected_at",
        "uncatalogued",
        "regulator_deadline",
    ]
    list_filter = ["severity", "phase", "uncatalogued", "system__team"]
    search_fields = ["title", "description", "system__name"]
    list_select_related = ["system"]
    date_hierarchy = "detected_at"
    autocomplete_fields = ["system"]
    raw_id_fields = ["materialised_risks", "follow_up_mitigations"]
    readonly_fields = [
        "phase",
        "uncatalogued",
        "post_incident_review_due",
        "reported_via",
        "created_by",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="Ref.", ordering="pk")
    def reference(self, obj):
        return obj.reference
