"""Filters of impact assessments, shared by the list page, its export and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from apps.accounts import permissions
from apps.assessments.models import FundamentalRightsAssessment, VersionOutcome
from apps.core.fields import LabelModelChoiceFilter
from apps.core.filters import SearchFilterMixin
from apps.reviews.models import ReviewStatus

STATES = [
    ("draft", "Draft only: never submitted"),
    ("in_review", "A version with the committee"),
    ("approved", "An approved version"),
    ("not_approved", "No approved version"),
]


def _visible_teams(request):
    return permissions.visible_teams(request.user if request else None).order_by("name")


class AssessmentFilterSet(SearchFilterMixin, django_filters.FilterSet):
    """For querysets of :func:`apps.assessments.selectors.assessment_list` (its annotations)."""

    reference_model = FundamentalRightsAssessment
    search_fields = ["system__name", "deployer_process", "affected_groups", "risks_of_harm"]

    team = LabelModelChoiceFilter(
        field_name="system__team", queryset=_visible_teams, empty_label="All teams"
    )
    state = django_filters.ChoiceFilter(
        choices=STATES, method="filter_state", empty_label="Any state", label="State"
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "reference"),
            ("system__name", "system"),
            ("last_version", "version"),
            ("updated_at", "updated"),
        ),
        label="Sort by",
    )

    class Meta:
        model = FundamentalRightsAssessment
        fields = []

    def filter_state(self, queryset, name, value):
        if value == "draft":
            return queryset.filter(last_version__isnull=True)
        if value == "in_review":
            return queryset.filter(
                Q(last_outcome=VersionOutcome.OPEN)
                & Q(last_review_status__in=[ReviewStatus.PENDING, ReviewStatus.CHANGES_REQUESTED])
            )
        if value == "approved":
            return queryset.filter(approved_version__isnull=False)
        if value == "not_approved":
            return queryset.filter(approved_version__isnull=True)
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by("-updated_at", "-pk")
        return queryset
