from apps.core.api.filters import APISearchFilterMixin, LevelFilter
from apps.systems.filters import SystemFilterSet


class SystemAPIFilterSet(APISearchFilterMixin, SystemFilterSet):
    """The inventory page's filters, with ``search`` and ``level`` (criticality, in words)."""

    level = LevelFilter(field_name="criticality", label="Criticality: critical, high…")
