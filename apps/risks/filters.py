"""Filters of the risk register, the acceptances and the risk library, shared by the pages,
the exports and the API."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Case, CharField, Expression, F, Q, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from apps.accounts import permissions
from apps.core.fields import LabelModelChoiceFilter, person_label
from apps.core.filters import ArchivedFilterMixin, SearchFilterMixin, UTCIsoDateTimeFilter
from apps.core.models import Level
from apps.risks.models import (
    AcceptanceStatus,
    Framework,
    Impact,
    Likelihood,
    Risk,
    RiskAcceptance,
    RiskCategory,
    RiskStatus,
    RiskTemplate,
    Treatment,
)
from apps.systems.models import AIKind, AISystem


def _visible_systems(request):
    if request is None:
        return AISystem.objects.visible_to(None)
    return (
        AISystem.objects.visible_to(request.user).active().select_related("team").order_by("name")
    )


def _visible_teams(request):
    return permissions.visible_teams(request.user if request else None).order_by("name")


def _owners(request):
    return get_user_model().objects.filter(is_active=True).order_by("full_name")


def category_label():
    """A category as ``RiskCategory.__str__`` reads (``Parent › Name``), computed by the database:
    the options come as (pk, label) pairs, without a model instance each."""
    return Case(
        When(parent__isnull=True, then=F("name")),
        default=Concat(F("parent__name"), Value(" › "), F("name")),
        output_field=CharField(),
    )


class StoredSearchDocument(Expression):
    """A risk's ``search_document`` column: its title and scenario as a text vector, computed
    and indexed by PostgreSQL (migration ``risks.0004``; the column is not a model field)."""

    def __init__(self):
        from django.contrib.postgres.search import SearchVectorField

        super().__init__(output_field=SearchVectorField())

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f'{table}."search_document"', []


class CategoryField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"— {obj.name}" if obj.parent_id else obj.name


class RiskFilterSet(ArchivedFilterMixin, SearchFilterMixin, django_filters.FilterSet):
    reference_model = Risk
    search_fields = ["title", "scenario"]

    system = LabelModelChoiceFilter(queryset=_visible_systems, empty_label="All systems")
    team = LabelModelChoiceFilter(
        field_name="system__team", queryset=_visible_teams, empty_label="All teams"
    )
    category = LabelModelChoiceFilter(
        queryset=RiskCategory.objects.order_by("parent__position", "position"),
        label_expression=category_label(),
        method="filter_category",
        empty_label="All categories",
    )
    inherent_level = django_filters.ChoiceFilter(choices=Level.choices, empty_label="Any")
    residual_level = django_filters.ChoiceFilter(choices=Level.choices, empty_label="Any")
    inherent_likelihood = django_filters.ChoiceFilter(
        choices=Likelihood.choices, widget=forms.HiddenInput
    )
    inherent_impact = django_filters.ChoiceFilter(choices=Impact.choices, widget=forms.HiddenInput)
    residual_likelihood = django_filters.ChoiceFilter(
        choices=Likelihood.choices, widget=forms.HiddenInput
    )
    residual_impact = django_filters.ChoiceFilter(choices=Impact.choices, widget=forms.HiddenInput)
    treatment = django_filters.ChoiceFilter(choices=Treatment.choices, empty_label="Any")
    status = django_filters.ChoiceFilter(choices=RiskStatus.choices, empty_label="Any")
    owner = LabelModelChoiceFilter(
        queryset=_owners, empty_label="Anyone", label_expression=person_label()
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Treatment overdue",
        widget=forms.Select(choices=[("", "Either"), ("true", "Overdue"), ("false", "On time")]),
    )
    framework = django_filters.ChoiceFilter(
        field_name="framework_references__framework",
        label="Framework",
        choices=Framework.choices,
        empty_label="Any framework",
        distinct=True,
    )
    reference = django_filters.CharFilter(
        field_name="framework_references__code",
        label="Framework item",
        help_text="e.g. LLM01:2025, MAP 2.2, AML.T0051",
        distinct=True,
    )
    updated_after = UTCIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", widget=forms.HiddenInput
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "reference"),
            ("title", "title"),
            ("system__name", "system"),
            ("category__name", "category"),
            ("owner__full_name", "owner"),
            ("inherent_score", "inherent"),
            ("residual_score", "residual"),
            ("treatment", "treatment"),
            ("status", "status"),
            ("treatment_due", "treatment_due"),
            ("updated_at", "updated_at"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Risk
        fields = []

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status=RiskStatus.OPEN, treatment_due__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_search(self, queryset, name, value):
        """Full-text search on PostgreSQL (stemmed, ranked words); substring search elsewhere.

        On PostgreSQL the words are matched against ``search_document``, the title and
        scenario as a text vector that the database stores and indexes (migration
        ``risks.0004``), and the title by substring through a trigram index.
        """
        value = value.strip()
        if not value or connection.vendor != "postgresql":
            return super().filter_search(queryset, name, value)
        from django.contrib.postgres.search import SearchQuery

        condition = Q(
            search_document=SearchQuery(value, search_type="websearch", config="english")
        ) | Q(title__icontains=value)
        pk = Risk.parse_reference(value)
        if pk is not None:
            condition |= Q(pk=pk)
        return queryset.alias(search_document=StoredSearchDocument()).filter(condition)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("-residual_score", "title", "pk")
        return queryset


# --- Acceptances ----------------------------------------------------------------------------------
class AcceptanceFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AcceptanceStatus.choices, empty_label="Any status")
    mine_to_decide = django_filters.BooleanFilter(
        method="filter_mine_to_decide",
        label="Waiting for me",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = RiskAcceptance
        fields = []

    def filter_mine_to_decide(self, queryset, name, value):
        if not value:
            return queryset
        user = self.request.user
        return (
            queryset.filter(status=AcceptanceStatus.PENDING)
            .exclude(requested_by=user)
            .exclude(risk__system__business_owner=user)
            .exclude(risk__system__technical_owner=user)
        )


# --- The risk library -----------------------------------------------------------------------------
def _template_categories(request):
    """Each category followed by its subcategories, in taxonomy order."""
    from django.db.models import Case, IntegerField, Value, When
    from django.db.models.functions import Coalesce

    return (
        RiskCategory.objects.select_related("parent")
        .annotate(
            group_position=Coalesce("parent__position", "position"),
            group_name=Coalesce("parent__name", "name"),
            is_child=Case(
                When(parent__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("group_position", "group_name", "is_child", "position", "name")
    )


class CategoryChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = CategoryField


class RiskTemplateFilterSet(SearchFilterMixin, django_filters.FilterSet):
    """Filters of the risk library: search, category (with its subcategories), framework
    or one framework item, and the kind of AI a template is suggested for."""

    search_fields = ["title", "scenario"]

    category = CategoryChoiceFilter(
        queryset=_template_categories, method="filter_category", empty_label="All categories"
    )
    framework = django_filters.ChoiceFilter(
        field_name="framework_references__framework",
        label="Framework",
        choices=Framework.choices,
        empty_label="Any framework",
        distinct=True,
    )
    reference = django_filters.CharFilter(
        field_name="framework_references__code",
        lookup_expr="iexact",
        label="Framework item",
        help_text="e.g. LLM01:2025, MAP 2.2, AML.T0051",
        distinct=True,
    )
    ai_kind = django_filters.ChoiceFilter(
        choices=AIKind.choices,
        method="filter_ai_kind",
        label="Suggested for",
        empty_label="Any kind of AI",
    )
    ordering = django_filters.OrderingFilter(
        fields=(("title", "title"), ("score", "score")),
        label="Sort by",
    )

    class Meta:
        model = RiskTemplate
        fields = []

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_ai_kind(self, queryset, name, value):
        """Templates written for that kind of AI, and those suggested for every kind."""
        return queryset.filter(RiskTemplate.for_ai_kind_q(value))
