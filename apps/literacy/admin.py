"""Administrators set up the trainings and who must take them here; completions are recorded
and imported on the literacy pages (the administration only shows them, with their history)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.literacy.models import Training, TrainingCompletion, TrainingRequirement


class RequirementInline(admin.TabularInline):
    model = TrainingRequirement
    extra = 1


@admin.register(Training)
class TrainingAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "validity_months", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    inlines = [RequirementInline]


@admin.register(TrainingCompletion)
class TrainingCompletionAdmin(SimpleHistoryAdmin):
    list_display = ["person", "training", "completed_on", "expires_on", "source"]
    list_filter = ["training", "source"]
    search_fields = ["person__email", "person__full_name", "training__name", "evidence"]
    list_select_related = ["person", "training"]
    readonly_fields = ["expires_on", "recorded_by", "created_at"]

    def has_add_permission(self, request):
        return False  # recorded or imported on the literacy pages, which derive the expiry

    def has_change_permission(self, request, obj=None):
        return False
