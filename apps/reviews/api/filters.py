from apps.core.api.filters import APISearchFilterMixin
from apps.reviews.filters import ReviewFilterSet


class ReviewAPIFilterSet(APISearchFilterMixin, ReviewFilterSet):
    """The reviews page's filters, with ``search``."""
