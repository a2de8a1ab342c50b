from apps.core.api.viewsets import RecordViewSet
from apps.systems import selectors
from apps.systems.api.filters import SystemAPIFilterSet
from apps.systems.api.serializers import SystemSerializer
from apps.systems.models import AISystem


class SystemViewSet(RecordViewSet):
    """The AI system inventory. Lists show active systems unless `archived=yes` or `all`."""

    model = AISystem
    serializer_class = SystemSerializer
    filterset_class = SystemAPIFilterSet

    def get_list_queryset(self):
        return selectors.system_list(self.request.user)

    def get_detail_queryset(self):
        return selectors.system_detail(self.request.user)
