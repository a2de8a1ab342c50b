from apps.concerns.filters import ConcernFilterSet
from apps.core.api.filters import APISearchFilterMixin


class ConcernAPIFilterSet(APISearchFilterMixin, ConcernFilterSet):
    """The concerns page's filters, with ``search``."""
