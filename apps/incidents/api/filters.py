from apps.core.api.filters import APISearchFilterMixin
from apps.incidents.filters import IncidentFilterSet


class IncidentAPIFilterSet(APISearchFilterMixin, IncidentFilterSet):
    """The incidents page's filters, with ``search``."""
