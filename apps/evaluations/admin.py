from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.evaluations.models import EvaluationRun, MitigationEvaluation, TestCase, TestCaseTemplate


@admin.register(TestCaseTemplate)
class TestCaseTemplateAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "kind", "risk_template"]
    list_filter = ["kind"]
    search_fields = ["key", "title"]
    raw_id_fields = ["risk_template"]


@admin.register(TestCase)
class TestCaseAdmin(SimpleHistoryAdmin):
    list_display = ["key", "title", "kind", "system", "risk"]
    list_filter = ["kind"]
    search_fields = ["key", "title"]
    raw_id_fields = ["system", "risk", "mitigations"]
    readonly_fields = ["template", "created_by", "archived_at", "archived_by"]


@admin.register(EvaluationRun)
class EvaluationRunAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "system", "outcome", "pass_rate", "started_at"]
    list_filter = ["outcome", "source_format"]
    search_fields = ["suite", "model_version"]
    raw_id_fields = ["system", "uploaded_by"]

    def has_change_permission(self, request, obj=None):
        return False  # a run is what the pipeline reported: never edited


@admin.register(MitigationEvaluation)
class MitigationEvaluationAdmin(SimpleHistoryAdmin):
    list_display = ["mitigation", "state", "flagged_at", "latest_run"]
    list_filter = ["state"]
    raw_id_fields = ["mitigation", "latest_run", "verified_by", "reviewed_by"]
