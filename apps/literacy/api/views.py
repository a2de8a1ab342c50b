from __future__ import annotations

from apps.core.api.viewsets import RecordViewSet
from apps.literacy import selectors
from apps.literacy.api.filters import TrainingCompletionAPIFilterSet
from apps.literacy.api.serializers import TrainingCompletionSerializer
from apps.literacy.models import TrainingCompletion


class TrainingCompletionViewSet(RecordViewSet):
    """Training completions (read-only): everyone's for administrators, committee members and
    auditors; one's own for anyone else. Recorded on the pages (or imported from a CSV)."""

    model = TrainingCompletion
    serializer_class = TrainingCompletionSerializer
    filterset_class = TrainingCompletionAPIFilterSet
    http_method_names = ["get", "head", "options"]

    def get_list_queryset(self):
        return selectors.completions_visible_to(self.request.user).order_by("-completed_on", "pk")
