"""Filters of mitigations, shared by pages and the API."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from apps.accounts import permissions
from apps.core.fields import LabelModelChoiceFilter, person_label
from apps.core.filters import SearchFilterMixin, UTCIsoDateTimeFilter
from apps.core.ids import MAX_ID
from apps.mitigations.models import Mitigation
from apps.risks.treatment import OPEN_STATUSES, DefenceLayer, MitigationKind, MitigationStatus
from apps.systems.models import AISystem


def _visible_systems(request):
    return AISystem.objects.visible_to(request.user if request else None).order_by("name")


def _visible_teams(request):
    return permissions.visible_teams(request.user if request else None).order_by("name")


def _owners(request):
    return get_user_model().objects.filter(is_active=True).order_by("full_name")


class MitigationFilterSet(SearchFilterMixin, django_filters.FilterSet):
    reference_model = Mitigation
    search_fields = ["title", "description"]

    system = LabelModelChoiceFilter(queryset=_visible_systems, empty_label="All systems")
    team = LabelModelChoiceFilter(
        field_name="system__team", queryset=_visible_teams, empty_label="All teams"
    )
    status = django_filters.ChoiceFilter(choices=MitigationStatus.choices, empty_label="Any")
    kind = django_filters.ChoiceFilter(choices=MitigationKind.choices, empty_label="Any")
    layer = django_filters.ChoiceFilter(
        choices=DefenceLayer.choices, empty_label="Any", label="Defence layer"
    )
    owner = LabelModelChoiceFilter(
        queryset=_owners, empty_label="Anyone", label_expression=person_label()
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Overdue",
        widget=forms.Select(choices=[("", "Either"), ("true", "Overdue"), ("false", "On time")]),
    )
    # Bounded like a key (a larger number would overflow SQLite's integers): ignored if not one.
    risk = django_filters.NumberFilter(
        field_name="risks", widget=forms.HiddenInput, min_value=1, max_value=MAX_ID
    )
    updated_after = UTCIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", widget=forms.HiddenInput
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "reference"),
            ("title", "title"),
            ("system__name", "system"),
            ("kind", "kind"),
            ("layer", "layer"),
            ("owner__full_name", "owner"),
            ("due_date", "due_date"),
            ("status", "status"),
            ("updated_at", "updated_at"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Mitigation
        fields = []

    def filter_overdue(self, queryset, name, value):
        overdue = Q(
            status__in=OPEN_STATUSES,
            due_date__lt=timezone.localdate(),
        )
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("due_date", "title", "pk")
        return queryset
