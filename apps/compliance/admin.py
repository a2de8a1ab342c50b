"""Administrators keep the compliance catalogues and key dates here: import their own catalogue
(YAML or CSV, all or nothing), retire a catalogue version (after a confirmation, keeping its
history), and change the key dates (with a source note; the obligations' due dates follow).
Requirements and rules are read here and changed only by loading a catalogue."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin

from apps.compliance import imports, permissions, services
from apps.compliance.facts import condition_errors
from apps.compliance.models import (
    Applicability,
    ApplicabilityRule,
    Catalogue,
    KeyDate,
    Requirement,
)


class ReadOnlyAdminMixin:
    """Written by loading catalogues, never by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RequirementInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Requirement
    fields = ["identifier", "title", "kind", "parent", "is_blocking"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A YAML catalogue (as the shipped ones) or a CSV file, UTF-8, at most 2 MB."
    )
    framework = forms.SlugField(
        label="Framework key",
        required=False,
        max_length=60,
        help_text="For a CSV file: a stable key, the same for every version (e.g. "
        "internal-ai-policy). A YAML file says it itself.",
    )
    name = forms.CharField(required=False, max_length=200, help_text="For a CSV file.")
    version = forms.CharField(required=False, max_length=100, help_text="For a CSV file.")
    source = forms.CharField(
        label="Source note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Where the requirements come from (for a CSV file).",
    )


class RetireForm(forms.Form):
    reason = forms.CharField(
        max_length=255,
        help_text="Kept in the history of the catalogue and of each obligation it retires.",
    )


@admin.register(Catalogue)
class CatalogueAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "framework",
        "version",
        "scope",
        "requirement_count",
        "is_builtin",
        "retired_at",
    ]
    list_filter = ["framework", "scope", "is_builtin", ("retired_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "framework", "version"]
    readonly_fields = [
        "framework",
        "name",
        "version",
        "source_note",
        "scope",
        "is_builtin",
        "loaded_by",
        "created_at",
        "retired_at",
        "retired_by",
    ]
    fields = readonly_fields
    inlines = [RequirementInline]
    actions = ["retire_catalogues"]
    change_list_template = "admin/compliance/catalogue/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(requirement_total=Count("requirements"))

    @admin.display(description="requirements", ordering="requirement_total")
    def requirement_count(self, obj):
        return obj.requirement_total

    def has_add_permission(self, request):
        return False  # imported (see the import page) or shipped, never typed

    def has_delete_permission(self, request, obj=None):
        return False  # retired, never deleted

    def has_change_permission(self, request, obj=None):
        return permissions.can_manage_catalogues(request.user)

    def get_urls(self):
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="compliance_catalogue_import",
            ),
            path(
                "import/template.csv",
                self.admin_site.admin_view(self.template_view),
                name="compliance_catalogue_template",
            ),
        ]
        return own + super().get_urls()

    def _check(self, request) -> None:
        if not permissions.can_manage_catalogues(request.user):
            raise PermissionDenied("Only administrators manage the compliance catalogues.")

    def template_view(self, request):
        self._check(request)
        response = HttpResponse(imports.csv_template(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="catalogue-template.csv"'
        return response

    def import_view(self, request):
        self._check(request)
        form = ImportForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                document = imports.read_upload(
                    data["file"],
                    framework=data["framework"],
                    name=data["name"],
                    version=data["version"],
                    source=data["source"],
                )
                result = services.import_catalogue(document=document, by=request.user)
            except ValidationError as error:
                problems = error.messages
            else:
                self.message_user(request, f"Imported: {result.describe()}", messages.SUCCESS)
                return redirect(reverse("admin:compliance_catalogue_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a catalogue",
            "form": form,
            "problems": problems,
            "columns": imports.CSV_COLUMNS,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/compliance/catalogue/import.html", context)

    @admin.action(description="Retire the selected catalogue versions…")
    def retire_catalogues(self, request, queryset):
        self._check(request)
        queryset = queryset.filter(retired_at__isnull=True)
        form = RetireForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            for catalogue in queryset:
                services.retire_catalogue(
                    catalogue=catalogue, by=request.user, reason=form.cleaned_data["reason"]
                )
            self.message_user(
                request,
                f"Retired {queryset.count() or 'no'} catalogue version(s); their obligations are "
                "marked no longer applicable, with their history.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Retire catalogue versions",
            "catalogues": list(
                queryset.annotate(
                    applying=Count(
                        "requirements__obligations",
                        filter=Q(requirements__obligations__applicability=Applicability.APPLIES),
                    )
                )
            ),
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/compliance/catalogue/retire_confirm.html", context)


@admin.register(Requirement)
class RequirementAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["identifier", "title", "catalogue", "kind", "is_blocking"]
    list_filter = ["catalogue", "kind", "is_blocking"]
    list_select_related = ["catalogue"]
    search_fields = ["identifier", "title", "summary"]
    readonly_fields = [
        "catalogue",
        "identifier",
        "title",
        "summary",
        "kind",
        "parent",
        "binds_provider",
        "binds_deployer",
        "binds_gpai_provider",
        "is_blocking",
        "position",
    ]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


@admin.register(ApplicabilityRule)
class ApplicabilityRuleAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["key", "description", "catalogue"]
    list_filter = ["catalogue"]
    list_select_related = ["catalogue"]
    readonly_fields = ["catalogue", "key", "description", "conditions", "position"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


class KeyDateForm(forms.ModelForm):
    class Meta:
        model = KeyDate
        fields = ["label", "date", "source_note", "requirements", "conditions", "supersedes"]

    change_reason = forms.CharField(
        label="Reason for this change",
        required=False,
        max_length=255,
        help_text="Kept in the key date's history and in that of each obligation it moves.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirements"].queryset = Requirement.objects.filter(
            catalogue__retired_at__isnull=True
        ).select_related("catalogue")
        if self.instance.pk:
            self.fields["supersedes"].queryset = KeyDate.objects.exclude(pk=self.instance.pk)

    def clean_conditions(self):
        conditions = self.cleaned_data["conditions"] or {}
        problems = condition_errors(conditions)
        if problems:
            raise ValidationError(problems)
        return conditions

    def clean_source_note(self):
        note = (self.cleaned_data["source_note"] or "").strip()
        if not note:
            raise ValidationError("Say where the date comes from.")
        return note


@admin.register(KeyDate)
class KeyDateAdmin(SimpleHistoryAdmin):
    """Key dates: administrators change them (the amended ones too) with a source note; each
    change moves the due dates of the obligations they set, with history."""

    form = KeyDateForm
    list_display = ["date", "label", "framework", "supersedes"]
    list_filter = ["framework"]
    search_fields = ["label", "source_note", "key"]
    filter_horizontal = ["requirements"]
    readonly_fields = ["key", "framework"]
    fields = [
        "key",
        "framework",
        "label",
        "date",
        "source_note",
        "requirements",
        "conditions",
        "supersedes",
        "change_reason",
    ]

    def has_add_permission(self, request):
        return False  # they come with their catalogue; supersede one to change it for good

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return permissions.can_manage_catalogues(request.user)

    def save_model(self, request, obj, form, change):
        """Written by :func:`services.update_key_date` in :meth:`save_related`, with its
        requirements, so that the due dates follow in the same transaction."""

    def save_related(self, request, form, formsets, change):
        data = {name: form.cleaned_data[name] for name in services.KEY_DATE_FIELDS}
        services.update_key_date(
            key_date=form.instance,
            by=request.user,
            data=data,
            requirements=form.cleaned_data["requirements"],
            reason=form.cleaned_data.get("change_reason") or "Edited in the administration",
        )
