"""Filters of classifications, shared by the list page, its export and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F

from apps.accounts import permissions
from apps.classification.models import ClassificationRecord, RecordStatus
from apps.core.fields import LabelModelChoiceFilter
from apps.core.filters import SearchFilterMixin
from apps.systems.models import AISystem, EUAIActTier


def _visible_systems(request):
    user = request.user if request else None
    return AISystem.objects.visible_to(user).order_by("name")


def _visible_teams(request):
    return permissions.visible_teams(request.user if request else None).order_by("name")


class ClassificationFilterSet(SearchFilterMixin, django_filters.FilterSet):
    reference_model = ClassificationRecord
    search_fields = ["system__name", "rationale"]

    system = LabelModelChoiceFilter(queryset=_visible_systems, empty_label="All systems")
    team = LabelModelChoiceFilter(
        field_name="system__team", queryset=_visible_teams, empty_label="All teams"
    )
    tier = django_filters.ChoiceFilter(
        choices=EUAIActTier.choices, empty_label="Any tier", label="Proposed tier"
    )
    status = django_filters.ChoiceFilter(choices=RecordStatus.choices, empty_label="Any status")
    latest = django_filters.BooleanFilter(
        label="Versions",
        method="filter_latest",
        widget=forms.Select(choices=[("", "Every version"), ("true", "Latest of each system")]),
    )
    to_confirm = django_filters.BooleanFilter(
        label="Facts changed",
        method="filter_to_confirm",
        widget=forms.Select(choices=[("", "Any system"), ("true", "Classification to confirm")]),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "reference"),
            ("system__name", "system"),
            ("tier", "tier"),
            ("status", "status"),
            ("created_at", "classified"),
        ),
        label="Sort by",
    )

    class Meta:
        model = ClassificationRecord
        fields = []

    def filter_latest(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(system__classification_state__latest=F("pk"))

    def filter_to_confirm(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            system__classification_state__to_confirm=True,
            system__classification_state__latest=F("pk"),
        )

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("-created_at", "-pk")
        return queryset
