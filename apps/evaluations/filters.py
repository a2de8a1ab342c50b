"""Filters of test cases and evaluation runs, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django import forms

from apps.accounts import permissions
from apps.core.fields import LabelModelChoiceFilter
from apps.core.filters import ArchivedFilterMixin, SearchFilterMixin
from apps.core.ids import MAX_ID
from apps.evaluations.models import (
    EvaluationRun,
    RunOutcome,
    TestCase,
    TestCaseKind,
    normalise_tags,
)
from apps.systems.models import AISystem


def _visible_systems(request):
    return AISystem.objects.visible_to(request.user if request else None).order_by("name")


def _visible_teams(request):
    return permissions.visible_teams(request.user if request else None).order_by("name")


class TestCaseFilterSet(ArchivedFilterMixin, SearchFilterMixin, django_filters.FilterSet):
    reference_model = TestCase
    search_fields = ["title", "key", "input"]

    system = LabelModelChoiceFilter(queryset=_visible_systems, empty_label="All systems")
    team = LabelModelChoiceFilter(
        field_name="system__team", queryset=_visible_teams, empty_label="All teams"
    )
    kind = django_filters.ChoiceFilter(choices=TestCaseKind.choices, empty_label="Any kind")
    tag = django_filters.CharFilter(method="filter_tag", label="Tag")
    # The test cases of one risk (its page links here): bounded like a key, ignored if not one.
    risk = django_filters.NumberFilter(
        field_name="risk", widget=forms.HiddenInput, min_value=1, max_value=MAX_ID
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "reference"),
            ("key", "key"),
            ("title", "title"),
            ("system__name", "system"),
            ("kind", "kind"),
            ("updated_at", "updated_at"),
        ),
        label="Sort by",
    )

    class Meta:
        model = TestCase
        fields = []

    def filter_tag(self, queryset, name, value):
        tag = normalise_tags(value).strip()
        return queryset.filter(tags__contains=f" {tag} ") if tag else queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("system__name", "key", "pk")
        return queryset


class EvaluationRunFilterSet(SearchFilterMixin, django_filters.FilterSet):
    reference_model = EvaluationRun
    search_fields = ["suite", "model_version", "file_name"]

    system = LabelModelChoiceFilter(queryset=_visible_systems, empty_label="All systems")
    team = LabelModelChoiceFilter(
        field_name="system__team", queryset=_visible_teams, empty_label="All teams"
    )
    outcome = django_filters.ChoiceFilter(choices=RunOutcome.choices, empty_label="Any outcome")
    suite = django_filters.CharFilter(label="Suite")
    version = django_filters.CharFilter(field_name="model_version", label="Version evaluated")
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "reference"),
            ("started_at", "started_at"),
            ("system__name", "system"),
            ("suite", "suite"),
            ("model_version", "version"),
            ("pass_rate", "pass_rate"),
            ("outcome", "outcome"),
        ),
        label="Sort by",
    )

    class Meta:
        model = EvaluationRun
        fields = []

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("-started_at", "-pk")
        return queryset
