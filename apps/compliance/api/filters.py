"""The API's filters of obligations (the list page's, with ``search``), of requirements, and of
the Statement of Applicability's versions and draft entries."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from apps.compliance.filters import ObligationFilterSet
from apps.compliance.models import Requirement, RequirementKind
from apps.compliance.models_soa import (
    ControlApplicability,
    ControlImplementation,
    SoAEntry,
    SoAVersion,
    SoAVersionStatus,
)
from apps.core.api.filters import APISearchFilterMixin


class ObligationAPIFilterSet(APISearchFilterMixin, ObligationFilterSet):
    """The obligations page's filters (system, team, framework, requirement, status,
    applicability — ``applies`` unless ``all`` or ``no_longer_applies`` —, owner, blocking,
    ``due_after``/``due_before``, overdue, ``updated_after``), with ``search``."""


class RequirementFilterSet(django_filters.FilterSet):
    """Requirements of the catalogues in force, unless ``catalogue`` names a version (retired
    ones too)."""

    framework = django_filters.CharFilter(
        field_name="catalogue__framework",
        label="Framework key: eu-ai-act, iso-42001, nist-ai-rmf, or an imported one",
    )
    catalogue = django_filters.NumberFilter(
        field_name="catalogue_id", label="A catalogue version's id (retired versions too)"
    )
    kind = django_filters.ChoiceFilter(choices=RequirementKind.choices)
    identifier = django_filters.CharFilter(
        lookup_expr="iexact", label="The framework's identifier (Art. 9, A.6.2.4, GOVERN 1.1)"
    )
    blocking = django_filters.BooleanFilter(field_name="is_blocking")
    search = django_filters.CharFilter(
        method="filter_search", label="Search the identifier, title and summary"
    )

    class Meta:
        model = Requirement
        fields = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(identifier__icontains=value) | Q(title__icontains=value) | Q(summary__icontains=value)
        )

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("catalogue"):
            queryset = queryset.filter(catalogue__retired_at__isnull=True)
        return super().filter_queryset(queryset)


class SoAVersionFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SoAVersionStatus.choices)
    number = django_filters.NumberFilter(label="The version's number (1, 2, 3…)")

    class Meta:
        model = SoAVersion
        fields = []


class SoAEntryFilterSet(django_filters.FilterSet):
    applicability = django_filters.ChoiceFilter(choices=ControlApplicability.choices)
    implementation = django_filters.ChoiceFilter(choices=ControlImplementation.choices)
    identifier = django_filters.CharFilter(
        field_name="requirement__identifier",
        lookup_expr="iexact",
        label="The control's identifier (A.6.2.4)",
    )

    class Meta:
        model = SoAEntry
        fields = []
