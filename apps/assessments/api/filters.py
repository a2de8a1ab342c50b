from apps.assessments.filters import AssessmentFilterSet
from apps.core.api.filters import APISearchFilterMixin


class AssessmentAPIFilterSet(APISearchFilterMixin, AssessmentFilterSet):
    """The assessments page's filters, with ``search``."""
