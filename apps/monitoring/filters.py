"""Filters of metrics and breaches, shared by the list page, its export and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import OuterRef, Subquery

from apps.accounts import permissions
from apps.core.fields import LabelModelChoiceFilter
from apps.core.filters import ArchivedFilterMixin, SearchFilterMixin
from apps.monitoring.models import Breach, BreachLevel, HourlyRollup, Measure, Metric
from apps.systems.models import AISystem


def _visible_systems(request):
    user = request.user if request else None
    return AISystem.objects.visible_to(user).select_related("team").order_by("name")


def _visible_teams(request):
    return permissions.visible_teams(request.user if request else None).order_by("name")


class MetricFilterSet(ArchivedFilterMixin, SearchFilterMixin, django_filters.FilterSet):
    reference_model = Metric
    search_fields = ["name", "description", "unit"]

    system = LabelModelChoiceFilter(queryset=_visible_systems, empty_label="All systems")
    team = LabelModelChoiceFilter(
        field_name="system__team", queryset=_visible_teams, empty_label="All teams"
    )
    measures = django_filters.ChoiceFilter(choices=Measure.choices, empty_label="Anything")
    state = django_filters.ChoiceFilter(
        choices=[
            ("breach", "In breach"),
            ("rollback", "Rollback breach"),
            ("warning", "Warning breach"),
            ("ok", "Within thresholds"),
        ],
        method="filter_state",
        label="State",
        empty_label="Any state",
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "reference"),
            ("name", "name"),
            ("system__name", "system"),
            ("measures", "measures"),
            ("latest_hour", "latest"),
            ("updated_at", "updated_at"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Metric
        fields = []

    def filter_state(self, queryset, name, value):
        open_breaches = Breach.objects.filter(ended_at__isnull=True)
        if value == "ok":
            return queryset.exclude(pk__in=open_breaches.values("metric_id"))
        if value in BreachLevel.values:
            open_breaches = open_breaches.filter(level=value)
        return queryset.filter(pk__in=open_breaches.values("metric_id"))

    def filter_queryset(self, queryset):
        if "latest_hour" not in queryset.query.annotations:
            # The export and the API start from the bare rows: sorting by the latest reading
            # needs its hour (the list page's selector annotates it already).
            latest = HourlyRollup.objects.filter(metric_id=OuterRef("pk")).order_by("-hour")
            queryset = queryset.annotate(latest_hour=Subquery(latest.values("hour")[:1]))
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("system__name", "name", "pk")
        return queryset


class BreachFilterSet(django_filters.FilterSet):
    system = LabelModelChoiceFilter(
        field_name="metric__system", queryset=_visible_systems, empty_label="All systems"
    )
    metric = django_filters.NumberFilter(field_name="metric_id", widget=forms.HiddenInput)
    level = django_filters.ChoiceFilter(choices=BreachLevel.choices, empty_label="Any level")
    status = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("ended", "Ended")],
        method="filter_status",
        empty_label="Open or ended",
    )
    ordering = django_filters.OrderingFilter(
        fields=(("started_at", "started"), ("id", "reference")), label="Sort by"
    )

    class Meta:
        model = Breach
        fields = []

    def filter_status(self, queryset, name, value):
        return queryset.filter(ended_at__isnull=(value == "open"))
