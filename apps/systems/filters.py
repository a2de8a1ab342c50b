"""Filters of the inventory, shared by the list page and the API."""

import django_filters
from django import forms

from apps.accounts import permissions
from apps.accounts.models import Team
from apps.core.filters import ArchivedFilterMixin, SearchFilterMixin, UTCIsoDateTimeFilter
from apps.core.models import Level
from apps.systems.models import (
    AIKind,
    AISystem,
    EUAIActTier,
    LifecycleStage,
    ungoverned_condition,
)


def _visible_teams(request):
    if request is None:
        return Team.objects.none()
    return permissions.visible_teams(request.user)


class SystemFilterSet(ArchivedFilterMixin, SearchFilterMixin, django_filters.FilterSet):
    search_fields = ["name", "vendor"]
    reference_model = AISystem

    team = django_filters.ModelChoiceFilter(queryset=_visible_teams, empty_label="All teams")
    lifecycle_stage = django_filters.ChoiceFilter(
        choices=LifecycleStage.choices, empty_label="All stages", label="Lifecycle stage"
    )
    ai_kind = django_filters.ChoiceFilter(
        choices=AIKind.choices, empty_label="All kinds", label="Kind of AI"
    )
    eu_ai_act_tier = django_filters.ChoiceFilter(
        choices=EUAIActTier.choices, empty_label="All tiers", label="EU AI Act tier"
    )
    criticality = django_filters.ChoiceFilter(choices=Level.choices, empty_label="Any criticality")
    ungoverned = django_filters.BooleanFilter(
        method="filter_ungoverned",
        label="Governance",
        widget=forms.Select(
            choices=[
                ("", "Any"),
                ("true", "Ungoverned"),
                ("false", "Governed, or not in service"),
            ]
        ),
    )
    # The flag the classification app keeps (apps.classification: the facts a system's latest
    # classification rests on changed since), read through the relation it declares.
    classification_to_confirm = django_filters.BooleanFilter(
        field_name="classification_state__to_confirm",
        label="Classification",
        widget=forms.Select(choices=[("", "Any"), ("true", "To confirm")]),
    )
    updated_after = UTCIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", widget=forms.HiddenInput
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "reference"),
            ("name", "name"),
            ("team__name", "team"),
            ("lifecycle_stage", "lifecycle_stage"),
            ("ai_kind", "ai_kind"),
            ("eu_ai_act_tier", "eu_ai_act_tier"),
            ("criticality", "criticality"),
            ("business_owner__full_name", "business_owner"),
            ("next_review_due", "next_review_due"),
            ("updated_at", "updated_at"),
        ),
        field_labels={"id": "Reference"},
        label="Sort by",
    )

    class Meta:
        model = AISystem
        fields = ["team", "lifecycle_stage", "ai_kind", "eu_ai_act_tier", "criticality"]

    def filter_ungoverned(self, queryset, name, value):
        ungoverned = ungoverned_condition()
        return queryset.filter(ungoverned) if value else queryset.exclude(ungoverned)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("name", "pk")
        return queryset
