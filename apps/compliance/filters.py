"""Filters of obligations, shared by the pages, the API and the exports."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from apps.accounts import permissions
from apps.compliance.models import (
    OPEN_STATUSES,
    Applicability,
    Catalogue,
    Obligation,
    ObligationStatus,
)
from apps.core.fields import LabelModelChoiceFilter, person_label
from apps.core.filters import DatePickerFilter, SearchFilterMixin, UTCIsoDateTimeFilter
from apps.systems.models import AISystem


def _visible_systems(request):
    return AISystem.objects.visible_to(request.user if request else None).order_by("name")


def _visible_teams(request):
    return permissions.visible_teams(request.user if request else None).order_by("name")


def _owners(request):
    return get_user_model().objects.filter(is_active=True).order_by("full_name")


def _framework_choices():
    return list(Catalogue.objects.order_by("name").values_list("framework", "name").distinct())


class ObligationFilterSet(SearchFilterMixin, django_filters.FilterSet):
    """Obligations by system, team, framework, requirement, status, applicability, owner, due
    date and lateness; ``q`` searches the requirement's ID and title, the system and the notes
    (and finds ``OBL-0042``). Applying obligations only unless ``applicability`` says otherwise."""

    reference_model = Obligation
    search_fields = ["requirement__identifier", "requirement__title", "system__name", "notes"]

    system = LabelModelChoiceFilter(queryset=_visible_systems, empty_label="All systems")
    team = LabelModelChoiceFilter(
        field_name="system__team", queryset=_visible_teams, empty_label="All teams"
    )
    framework = django_filters.ChoiceFilter(
        field_name="requirement__catalogue__framework",
        choices=_framework_choices,
        empty_label="All frameworks",
    )
    requirement = django_filters.CharFilter(
        field_name="requirement__identifier", label="Requirement ID", lookup_expr="iexact"
    )
    status = django_filters.MultipleChoiceFilter(
        choices=ObligationStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        # A field of the obligation itself: no join, so no DISTINCT (which would also add the
        # ordering's columns to an export's SELECT on PostgreSQL).
        distinct=False,
    )
    applicability = django_filters.ChoiceFilter(
        choices=[*Applicability.choices, ("all", "Either")],
        empty_label=None,
        method="filter_applicability",
        label="Applies",
    )
    owner = LabelModelChoiceFilter(
        queryset=_owners, empty_label="Anyone", label_expression=person_label()
    )
    blocking = django_filters.BooleanFilter(
        field_name="requirement__is_blocking",
        label="Blocking",
        widget=forms.Select(choices=[("", "Either"), ("true", "Blocking"), ("false", "Not")]),
    )
    due_after = DatePickerFilter(field_name="due_date", lookup_expr="gte", label="Due from")
    due_before = DatePickerFilter(field_name="due_date", lookup_expr="lte", label="Due by")
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Overdue",
        widget=forms.Select(choices=[("", "Either"), ("true", "Overdue"), ("false", "On time")]),
    )
    updated_after = UTCIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", widget=forms.HiddenInput
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "reference"),
            ("requirement__identifier", "requirement"),
            ("requirement__catalogue__name", "framework"),
            ("system__name", "system"),
            ("status", "status"),
            ("owner__full_name", "owner"),
            ("due_date", "due_date"),
            ("updated_at", "updated_at"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Obligation
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("applicability"):
            data = data.copy()
            data["applicability"] = Applicability.APPLIES
        super().__init__(data, *args, **kwargs)

    def filter_applicability(self, queryset, name, value):
        if value == "all":
            return queryset
        return queryset.filter(applicability=value)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(
            applicability=Applicability.APPLIES,
            status__in=OPEN_STATUSES,
            due_date__lt=timezone.localdate(),
        )
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
