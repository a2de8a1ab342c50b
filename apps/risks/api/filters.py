from apps.core.api.filters import APISearchFilterMixin, LevelFilter
from apps.risks.filters import RiskFilterSet, RiskTemplateFilterSet


class RiskAPIFilterSet(APISearchFilterMixin, RiskFilterSet):
    """The register page's filters, with ``search`` and ``level`` (the residual level)."""

    level = LevelFilter(field_name="residual_level", label="Residual level: critical, high…")


class RiskTemplateAPIFilterSet(APISearchFilterMixin, RiskTemplateFilterSet):
    """The risk library's filters, with ``search``."""
