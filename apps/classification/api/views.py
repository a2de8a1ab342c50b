from __future__ import annotations

from apps.classification import selectors
from apps.classification.api.filters import ClassificationAPIFilterSet
from apps.classification.api.serializers import ClassificationSerializer
from apps.classification.models import ClassificationRecord
from apps.core.api.viewsets import RecordViewSet


class ClassificationViewSet(RecordViewSet):
    """EU AI Act classifications of the systems, read-only: each version's answers to the
    questionnaire, the result they lead to (proposed tier, Annex III area and point, the Art.
    6(3) exemption if claimed, the articles cited, the rationale) and what was done with it
    (applied to the system, sent to the committee, confirmed or not). Filter by `system`
    (`SYS-0042` or its id), `team`, `tier`, `status`, `latest=true` (each system's latest) and
    `to_confirm=true` (systems whose facts changed since). Classifying is done on the system's
    page; every version is kept, with its history (`/history/`)."""

    model = ClassificationRecord
    serializer_class = ClassificationSerializer
    filterset_class = ClassificationAPIFilterSet

    def get_list_queryset(self):
        return selectors.classification_detail(self.request.user)
