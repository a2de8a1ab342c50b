from apps.core.api.filters import APISearchFilterMixin
from apps.evaluations.filters import EvaluationRunFilterSet, TestCaseFilterSet


class TestCaseAPIFilterSet(APISearchFilterMixin, TestCaseFilterSet):
    """The test case list's filters, with ``search``."""


class EvaluationRunAPIFilterSet(APISearchFilterMixin, EvaluationRunFilterSet):
    """The run list's filters, with ``search``."""
