"""Filters of incidents, shared by the list page, its export, the dashboard's links and the API."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from apps.accounts import permissions
from apps.core.fields import LabelModelChoiceFilter
from apps.core.filters import DatePickerFilter, SearchFilterMixin, UTCIsoDateTimeFilter
from apps.incidents import selectors
from apps.incidents.models import Incident, Phase, Severity
from apps.systems.models import AISystem


def _visible_systems(request):
    user = request.user if request else None
    return AISystem.objects.visible_to(user).select_related("team").order_by("name")


def _visible_teams(request):
    return permissions.visible_teams(request.user if request else None).order_by("name")


PERIODS = {"30d": 30, "90d": 90, "365d": 365}


class IncidentFilterSet(SearchFilterMixin, django_filters.FilterSet):
    reference_model = Incident
    search_fields = ["title", "description", "root_cause"]

    system = LabelModelChoiceFilter(queryset=_visible_systems, empty_label="All systems")
    team = LabelModelChoiceFilter(
        field_name="system__team", queryset=_visible_teams, empty_label="All teams"
    )
    severity = django_filters.ChoiceFilter(choices=Severity.choices, empty_label="Any severity")
    status = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("closed", "Closed")],
        method="filter_status",
        empty_label="Open or closed",
    )
    phase = django_filters.ChoiceFilter(choices=Phase.choices, empty_label="Any phase")
    period = django_filters.ChoiceFilter(
        choices=[("30d", "Last 30 days"), ("90d", "Last 90 days"), ("365d", "Last 12 months")],
        method="filter_period",
        label="Detected",
        empty_label="Any time",
    )
    detected_after = DatePickerFilter(
        field_name="detected_at", lookup_expr="date__gte", label="Detected from"
    )
    detected_before = DatePickerFilter(
        field_name="detected_at", lookup_expr="date__lte", label="Detected until"
    )
    uncatalogued = django_filters.BooleanFilter(
        label="Catalogued",
        widget=forms.Select(
            choices=[("", "Either"), ("true", "Uncatalogued"), ("false", "Linked to a risk")]
        ),
    )
    regulator = django_filters.ChoiceFilter(
        choices=[
            ("required", "Notification required"),
            ("pending", "Notification still due"),
            ("overdue", "Notification overdue"),
        ],
        method="filter_regulator",
        label="Regulator",
        empty_label="Any",
    )
    review_owed = django_filters.BooleanFilter(
        method="filter_review_owed", widget=forms.HiddenInput
    )
    # "Incidents of the systems I own" (the home page's "Waiting for you" links here).
    owned = django_filters.BooleanFilter(method="filter_owned", widget=forms.HiddenInput)
    updated_after = UTCIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", widget=forms.HiddenInput
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "reference"),
            ("title", "title"),
            ("system__name", "system"),
            ("severity", "severity"),
            ("phase", "phase"),
            ("detected_at", "detected"),
            ("closed_at", "closed"),
            ("regulator_deadline", "regulator_deadline"),
            ("updated_at", "updated_at"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Incident
        fields = []

    def filter_status(self, queryset, name, value):
        return queryset.filter(closed_at__isnull=(value == "open"))

    def filter_period(self, queryset, name, value):
        since = timezone.now() - datetime.timedelta(days=PERIODS[value])
        return queryset.filter(detected_at__gte=since)

    def filter_regulator(self, queryset, name, value):
        required = Q(regulator_notification_required=True)
        if value == "required":
            return queryset.filter(required)
        due = required & Q(regulator_notified_at__isnull=True)
        if value == "overdue":
            return queryset.filter(due, regulator_deadline__lt=timezone.now())
        return queryset.filter(due)

    def filter_review_owed(self, queryset, name, value):
        outstanding = selectors.review_outstanding()
        return queryset.filter(outstanding) if value else queryset.exclude(outstanding)

    def filter_owned(self, queryset, name, value):
        user = self.request.user if self.request else None
        if not value or not (user and user.is_authenticated):
            return queryset
        return queryset.filter(Q(system__business_owner=user) | Q(system__technical_owner=user))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("-detected_at", "-pk")
        return queryset
