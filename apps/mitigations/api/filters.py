from apps.core.api.filters import APISearchFilterMixin, LevelFilter
from apps.mitigations.filters import MitigationFilterSet


class MitigationAPIFilterSet(APISearchFilterMixin, MitigationFilterSet):
    """The mitigations page's filters, with ``search`` and ``level`` (mitigations treating a
    risk of that residual level)."""

    level = LevelFilter(
        field_name="risks__residual_level",
        label="Residual level of a risk it treats: critical, high…",
        distinct=True,
    )
