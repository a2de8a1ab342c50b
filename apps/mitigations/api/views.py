from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import mixins

from apps.core.api.viewsets import RecordViewSet, ServiceWriteMixin
from apps.mitigations import selectors, services
from apps.mitigations.api.filters import MitigationAPIFilterSet
from apps.mitigations.api.serializers import MitigationInputSerializer, MitigationSerializer
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk


def _with_links(queryset):
    return queryset.prefetch_related(
        Prefetch("risks", queryset=Risk.objects.only("pk", "title").order_by("pk"))
    )


class MitigationViewSet(
    ServiceWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, RecordViewSet
):
    """Mitigations and the risks they treat. Contributors plan and change their teams'
    mitigations (the same rules and history as the form); a change sends `If-Match` with the
    `ETag` you read (428 without it), so that it never overwrites someone else's change. Its
    history includes its evidence's."""

    model = Mitigation
    serializer_class = MitigationSerializer
    input_serializer_class = MitigationInputSerializer
    filterset_class = MitigationAPIFilterSet
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_list_queryset(self):
        return _with_links(selectors.mitigation_list(self.request.user))

    def get_detail_queryset(self):
        return self.get_list_queryset()

    def get_history(self, obj):
        return selectors.history_of_mitigation(obj)

    def perform_service_create(self, data):
        data = dict(data)
        system = data.pop("system")
        risks = data.pop("risks", [])
        reason = data.pop("change_reason", "")
        return services.create_mitigation(
            system=system, by=self.request.user, data=data, risks=risks, reason=reason
        )

    def perform_service_update(self, obj, data):
        data = dict(data)
        data.pop("system", None)
        risks = data.pop("risks", None)
        reason = data.pop("change_reason", "")
        return services.update_mitigation(
            mitigation=obj, by=self.request.user, data=data, risks=risks, reason=reason
        )
