from apps.classification.filters import ClassificationFilterSet
from apps.core.api.filters import APISearchFilterMixin


class ClassificationAPIFilterSet(APISearchFilterMixin, ClassificationFilterSet):
    """The classifications page's filters, with ``search``."""
