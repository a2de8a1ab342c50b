from django.contrib import admin

from apps.exports.models import ExportJob
from apps.reminders.admin import ReadOnlyAdmin


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ["kind", "user", "status", "progress", "created_at", "expires_at"]
    list_filter = ["kind", "status"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user"]
