from django import forms
from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from apps.core.models import GovernanceSettings
from apps.systems import permissions, selectors
from apps.systems.models import AISystem
from apps.systems.services import OWNER_FIELDS, apply_derived_fields, recompute_review_cadences


class AISystemAdminForm(forms.ModelForm):
    """The owners follow the register's rule here too: a new owner can read the system."""

    class Meta:
        model = AISystem
        fields = "__all__"  # noqa: DJ007 — the admin's fieldsets decide what is shown

    def clean(self):
        cleaned = super().clean()
        team = cleaned.get("team")
        moved = team is not None and team.pk != self.instance.team_id
        for field in OWNER_FIELDS:
            owner = cleaned.get(field)
            if owner is None or team is None:
                continue
            if moved or owner.pk != getattr(self.instance, f"{field}_id"):
                refusal = permissions.why_cannot_own(owner, team)
                if refusal:
                    self.add_error(field, refusal)
        return cleaned


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
    form = AISystemAdminForm

    def save_model(self, request, obj, form, change):
        level = selectors.highest_residual_level(obj) if obj.pk else None
        apply_derived_fields(obj, highest_residual_level=level)
        super().save_model(request, obj, form, change)


@admin.register(GovernanceSettings)
class GovernanceSettingsAdmin(SimpleHistoryAdmin):
    """The organisation's review cadences: a single row that administrators edit (the model is
    the ground's; its admin is here, because saving it recomputes every system's next review)."""

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
        super().save_model(request, obj, form, change)
        updated = recompute_review_cadences(obj)
        messages.info(request, f"Review cadence recomputed for {updated} systems.")
