"""Filters of concerns, shared by the list page, its export and the API."""

from __future__ import annotations

import django_filters
from django import forms

from apps.accounts import permissions
from apps.concerns.models import Concern, ConcernStatus
from apps.core.fields import LabelModelChoiceFilter
from apps.core.filters import SearchFilterMixin
from apps.systems.models import AISystem


def _visible_systems(request):
    user = request.user if request else None
    return AISystem.objects.visible_to(user).select_related("team").order_by("name")


def _visible_teams(request):
    return permissions.visible_teams(request.user if request else None).order_by("name")


class ConcernFilterSet(SearchFilterMixin, django_filters.FilterSet):
    reference_model = Concern
    search_fields = ["summary", "description", "answer"]

    system = LabelModelChoiceFilter(queryset=_visible_systems, empty_label="All systems")
    team = LabelModelChoiceFilter(
        field_name="system__team", queryset=_visible_teams, empty_label="All teams"
    )
    status = django_filters.ChoiceFilter(choices=ConcernStatus.choices, empty_label="Any status")
    mine = django_filters.BooleanFilter(
        label="Raised by",
        method="filter_mine",
        widget=forms.Select(choices=[("", "Anyone"), ("true", "Me")]),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "reference"),
            ("summary", "summary"),
            ("system__name", "system"),
            ("status", "status"),
            ("created_at", "raised"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Concern
        fields = []

    def filter_mine(self, queryset, name, value):
        user = self.request.user if self.request else None
        if not value or not (user and user.is_authenticated):
            return queryset
        return queryset.filter(raised_by=user)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("-created_at", "-pk")
        return queryset
