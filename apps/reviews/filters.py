"""Filters of the review list, shared by the page, its CSV export and (later) the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from apps.accounts import permissions
from apps.accounts.models import Team
from apps.core.filters import SearchFilterMixin
from apps.reviews.models import Decision, Review, ReviewKind, ReviewStatus


def _visible_teams(request):
    if request is None:
        return Team.objects.none()
    return permissions.visible_teams(request.user)


class ReviewFilterSet(SearchFilterMixin, django_filters.FilterSet):
    search_fields = ["system__name"]
    reference_model = Review

    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices, empty_label="Any status")
    kind = django_filters.ChoiceFilter(
        choices=ReviewKind.choices, empty_label="Any kind", label="Kind of review"
    )
    team = django_filters.ModelChoiceFilter(
        field_name="system__team", queryset=_visible_teams, empty_label="All teams"
    )
    waiting_for_me = django_filters.BooleanFilter(
        method="filter_waiting_for_me", label="Waiting for me", widget=forms.CheckboxInput
    )
    submitted_by_me = django_filters.BooleanFilter(
        method="filter_submitted_by_me", label="Submitted by me", widget=forms.CheckboxInput
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Overdue", widget=forms.CheckboxInput
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "reference"),
            ("system__name", "system"),
            ("kind", "kind"),
            ("status", "status"),
            ("submitted_at", "submitted_at"),
            ("due_date", "due_date"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Review
        fields = ["status", "kind", "team"]

    def filter_waiting_for_me(self, queryset, name, value):
        if not value:
            return queryset
        user = self.request.user
        decided = Decision.objects.filter(version_id=OuterRef("current_version_id"), reviewer=user)
        return queryset.filter(status=ReviewStatus.PENDING, assignments__reviewer=user).exclude(
            Exists(decided)
        )

    def filter_submitted_by_me(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(submitted_by=self.request.user)

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(status=ReviewStatus.PENDING, due_date__lt=timezone.localdate())

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            # Open reviews first (overdue ones on top), then the most recently closed.
            queryset = queryset.order_by(
                "-overdue",
                F("closed_at").desc(nulls_first=True),
                "due_date",
                "-submitted_at",
                "-pk",
            )
        return queryset
