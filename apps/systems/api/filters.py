import django_filters

from apps.core.api.filters import APISearchFilterMixin, LevelFilter
from apps.systems.filters import SystemFilterSet
from apps.systems.models import AISystem, SystemVersion, VersionKind, VersionStatus


class SystemAPIFilterSet(APISearchFilterMixin, SystemFilterSet):
    """The inventory page's filters, with ``search`` and ``level`` (criticality, in words)."""

    level = LevelFilter(field_name="criticality", label="Criticality: critical, high…")


def _visible_systems(request):
    return AISystem.objects.visible_to(request.user if request else None)


class SystemVersionFilterSet(django_filters.FilterSet):
    """A system's recorded versions: by system, kind, status or the version itself."""

    system = django_filters.ModelChoiceFilter(queryset=_visible_systems, label="System (its id)")
    kind = django_filters.ChoiceFilter(choices=VersionKind.choices)
    status = django_filters.ChoiceFilter(choices=VersionStatus.choices)
    version = django_filters.CharFilter(field_name="value", label="The version, exactly")

    class Meta:
        model = SystemVersion
        fields = []
