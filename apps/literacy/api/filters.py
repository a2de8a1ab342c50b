from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Team
from apps.literacy.models import CompletionSource, Training, TrainingCompletion, TrainingKind


class TrainingCompletionAPIFilterSet(django_filters.FilterSet):
    """Completions by person (e-mail), training, kind, source, team, completion dates and
    whether they count today."""

    person = django_filters.CharFilter(
        field_name="person__email", lookup_expr="iexact", label="The person's e-mail address"
    )
    training = django_filters.ModelChoiceFilter(queryset=Training.objects.all())
    kind = django_filters.ChoiceFilter(field_name="training__kind", choices=TrainingKind.choices)
    source = django_filters.ChoiceFilter(choices=CompletionSource.choices)
    team = django_filters.ModelChoiceFilter(
        field_name="person__memberships__team",
        queryset=Team.objects.all(),
        label="A team of the person",
    )
    completed_after = django_filters.DateFilter(field_name="completed_on", lookup_expr="gte")
    completed_before = django_filters.DateFilter(field_name="completed_on", lookup_expr="lte")
    valid = django_filters.BooleanFilter(method="filter_valid", label="Counts today")

    class Meta:
        model = TrainingCompletion
        fields = []

    def filter_valid(self, queryset, name: str, value: bool | None):
        if value is None:
            return queryset
        counts = Q(expires_on__isnull=True) | Q(expires_on__gte=timezone.localdate())
        return queryset.filter(counts) if value else queryset.exclude(counts)
