"""Administrators keep the catalogues (taxonomy, framework items, risk library) and the risk
matrix here, and make rare fixes to risks and acceptances; teams use the register's pages."""

from django import forms
from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from apps.risks import services
from apps.risks.models import (
    FrameworkReference,
    Risk,
    RiskAcceptance,
    RiskCategory,
    RiskMatrix,
    RiskTemplate,
    RiskTemplateMitigation,
)
from apps.systems import services as system_services
from apps.systems.models import AIKind


# --- Catalogues -----------------------------------------------------------------------------------
class SubcategoryInline(admin.TabularInline):
    model = RiskCategory
    fk_name = "parent"
    fields = ["name", "slug", "position", "description"]
    extra = 0
    verbose_name = "subcategory"
    verbose_name_plural = "subcategories"

    def has_delete_permission(self, request, obj=None):
        return False  # categories are PROTECTed by the risks and templates filed under them


@admin.register(RiskCategory)
class RiskCategoryAdmin(SimpleHistoryAdmin):
    """The two-level taxonomy: administrators add categories and subcategories.

    Slugs are stable identifiers (imports and the library name categories by them).
    """

    list_display = ["__str__", "slug", "parent", "position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    list_editable = ["position"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug", "description"]
    ordering = ["parent__position", "parent__name", "position", "name"]
    fields = ["name", "slug", "parent", "position", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SubcategoryInline]

    def get_inlines(self, request, obj):
        # Only top-level categories have subcategories (the taxonomy has two levels).
        return self.inlines if obj is None or obj.parent_id is None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = RiskCategory.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(FrameworkReference)
class FrameworkReferenceAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "framework"]
    list_filter = ["framework"]
    search_fields = ["code", "title"]


class RiskTemplateMitigationInline(admin.StackedInline):
    model = RiskTemplateMitigation
    fields = [("title", "position"), ("kind", "layer"), "description"]
    extra = 0


class RiskTemplateForm(forms.ModelForm):
    class Meta:
        model = RiskTemplate
        fields = [
            "title",
            "key",
            "category",
            "ai_kinds",
            "is_active",
            "scenario",
            "inherent_likelihood",
            "inherent_impact",
            "framework_references",
        ]

    def clean_ai_kinds(self):
        kinds = self.cleaned_data["ai_kinds"].split()
        unknown = sorted(set(kinds) - set(AIKind.values))
        if unknown:
            raise forms.ValidationError(
                f"Unknown kind(s) of AI: {', '.join(unknown)}. "
                f"Use: {', '.join(AIKind.values)}; or leave empty for every kind."
            )
        return " ".join(kinds)


@admin.register(RiskTemplate)
class RiskTemplateAdmin(SimpleHistoryAdmin):
    """The risk library. Retire a template (untick “active”) rather than deleting it."""

    form = RiskTemplateForm

    list_display = [
        "title",
        "key",
        "category",
        "ai_kinds",
        "inherent_likelihood",
        "inherent_impact",
        "is_active",
    ]
    list_filter = [
        "is_active",
        ("category__parent", admin.RelatedOnlyFieldListFilter),
        "framework_references__framework",
    ]
    list_select_related = ["category__parent"]
    search_fields = ["title", "key", "scenario", "framework_references__code"]
    prepopulated_fields = {"key": ["title"]}
    filter_horizontal = ["framework_references"]
    inlines = [RiskTemplateMitigationInline]
    fieldsets = (
        (None, {"fields": ("title", "key", "category", "ai_kinds", "is_active")}),
        ("Suggested risk", {"fields": ("scenario", "inherent_likelihood", "inherent_impact")}),
        ("Framework references", {"fields": ("framework_references",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        # Risks created from a template keep its key: it never changes once saved.
        return ["key"] if obj else []

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else self.prepopulated_fields


# --- The risk matrix ------------------------------------------------------------------------------
@admin.register(RiskMatrix)
class RiskMatrixAdmin(SimpleHistoryAdmin):
    """The single matrix row. The register's own page (risks:matrix) edits it too."""

    fieldsets = (
        (
            "Score bands",
            {
                "fields": ("medium_min_score", "high_min_score", "critical_min_score"),
                "description": "The lowest score (likelihood × impact, 1–25) of each level; "
                "below Medium is Low.",
            },
        ),
        (
            "Treatment deadlines",
            {"fields": ("critical_days", "high_days", "medium_days", "low_days")},
        ),
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not RiskMatrix.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        count = services.change_risk_matrix(
            matrix=obj, by=request.user, reason="Changed in the administration"
        )
        messages.info(request, f"{count} risk{'s' if count != 1 else ''} re-levelled.")


# --- Risks and acceptances (read-mostly) ----------------------------------------------------------
@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    """For administrators' rare fixes (an owner who left, say). Risks are added and archived
    on the register's pages, never deleted; scores and levels are recomputed on save."""

    list_display = [
        "reference",
        "title",
        "system",
        "category",
        "inherent_level",
        "residual_level",
        "treatment",
        "status",
        "treatment_due",
        "archived_at",
    ]
    list_filter = [
        "status",
        "treatment",
        "inherent_level",
        "residual_level",
        ("category__parent", admin.RelatedOnlyFieldListFilter),
        ("system__team", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["system", "category__parent"]
    search_fields = ["title", "scenario", "system__name"]
    raw_id_fields = ["system", "owner", "category"]
    filter_horizontal = ["framework_references"]
    readonly_fields = [
        "reference",
        "template",
        "inherent_score",
        "inherent_level",
        "residual_score",
        "residual_level",
        "assessed_on",
        "treatment_due",
        "created_by",
        "created_at",
        "updated_at",
        "archived_at",
        "archived_by",
    ]
    date_hierarchy = "updated_at"

    @admin.display(description="reference", ordering="pk")
    def reference(self, obj):
        return obj.reference

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.apply_assessment(obj)
        obj._change_reason = "Changed in the administration"
        super().save_model(request, obj, form, change)
        system_services.refresh_criticality(obj.system, by=request.user)


@admin.register(RiskAcceptance)
class RiskAcceptanceAdmin(SimpleHistoryAdmin):
    """Read-only, with its history: requests and decisions go through the register's pages,
    where the four-eyes rule and the one-year limit are enforced."""

    list_display = ["reference", "risk", "status", "expires_on", "requested_by", "decided_by"]
    list_filter = ["status", "expires_on"]
    list_select_related = ["risk", "requested_by", "decided_by"]
    search_fields = ["risk__title", "rationale", "decision_comment"]
    fields = readonly_fields = [
        "reference",
        "risk",
        "status",
        "rationale",
        "expires_on",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_comment",
    ]

    @admin.display(description="reference", ordering="pk")
    def reference(self, obj):
        return obj.reference

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
