"""Filters of technical documentation, shared by the list page and the API."""

from __future__ import annotations

import django_filters
from django import forms

from apps.accounts import permissions
from apps.core.fields import LabelModelChoiceFilter
from apps.core.filters import SearchFilterMixin
from apps.documentation.models import TechnicalDocument
from apps.systems.models import AISystem, EUAIActTier


def visible_systems(request):
    user = request.user if request else None
    return AISystem.objects.visible_to(user).select_related("team").order_by("name")


def _visible_teams(request):
    return permissions.visible_teams(request.user if request else None).order_by("name")


class TechnicalDocumentFilterSet(SearchFilterMixin, django_filters.FilterSet):
    reference_model = TechnicalDocument
    search_fields = ["system__name", "provider", "harmonised_standards"]

    system = LabelModelChoiceFilter(queryset=visible_systems, empty_label="All systems")
    team = LabelModelChoiceFilter(
        field_name="system__team", queryset=_visible_teams, empty_label="All teams"
    )
    tier = django_filters.ChoiceFilter(
        field_name="system__eu_ai_act_tier",
        choices=EUAIActTier.choices,
        empty_label="Any EU AI Act tier",
        label="EU AI Act tier",
    )
    generated = django_filters.BooleanFilter(
        label="Versions",
        method="filter_generated",
        widget=forms.Select(
            choices=[("", "Any"), ("true", "At least one generated"), ("false", "None yet")]
        ),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "reference"),
            ("system__name", "system"),
            ("latest_version_number", "versions"),
            ("updated_at", "updated"),
        ),
        label="Sort by",
    )

    class Meta:
        model = TechnicalDocument
        fields = []

    def filter_generated(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(latest_version_number__gt=0)
        return queryset.filter(latest_version_number=0)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("system__name", "pk")
        return queryset
