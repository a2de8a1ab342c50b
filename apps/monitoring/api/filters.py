from apps.core.api.filters import APISearchFilterMixin
from apps.monitoring.filters import BreachFilterSet, MetricFilterSet


class MetricAPIFilterSet(APISearchFilterMixin, MetricFilterSet):
    """The metrics page's filters, with ``search``."""


class BreachAPIFilterSet(BreachFilterSet):
    """Breaches by system, metric, level and whether they are open."""
