from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import mixins

from apps.core.api.viewsets import RecordViewSet, ServiceWriteMixin
from apps.incidents import selectors, services
from apps.incidents.api.filters import IncidentAPIFilterSet
from apps.incidents.api.serializers import IncidentInputSerializer, IncidentSerializer
from apps.incidents.models import Incident, ReportedVia
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk


def _with_links(queryset):
    return queryset.select_related("created_by").prefetch_related(
        Prefetch("materialised_risks", queryset=Risk.objects.only("pk", "title").order_by("pk")),
        Prefetch(
            "follow_up_mitigations", queryset=Mitigation.objects.only("pk", "title").order_by("pk")
        ),
    )


class IncidentViewSet(
    ServiceWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, RecordViewSet
):
    """What went wrong. Contributors (and monitoring systems with their token) log and update
    their teams' incidents through the same service as the form; an update sends `If-Match` with
    the `ETag` read (428 without it), so that it never overwrites someone else's change."""

    model = Incident
    serializer_class = IncidentSerializer
    input_serializer_class = IncidentInputSerializer
    filterset_class = IncidentAPIFilterSet
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_list_queryset(self):
        return _with_links(selectors.incident_list(self.request.user))

    def get_detail_queryset(self):
        return _with_links(selectors.incident_detail(self.request.user))

    def perform_service_create(self, data):
        data = dict(data)
        system = data.pop("system")
        risks = data.pop("materialised_risks", [])
        mitigations = data.pop("follow_up_mitigations", [])
        reason = data.pop("change_reason", "")
        return services.open_incident(
            system=system,
            by=self.request.user,
            data=data,
            risks=risks,
            mitigations=mitigations,
            via=ReportedVia.API,
            reason=reason,
        )

    def perform_service_update(self, obj, data):
        data = dict(data)
        data.pop("system", None)
        risks = data.pop("materialised_risks", None)
        mitigations = data.pop("follow_up_mitigations", None)
        reason = data.pop("change_reason", "")
        return services.update_incident(
            incident=obj,
            by=self.request.user,
            data=data,
            risks=risks,
            mitigations=mitigations,
            reason=reason,
        )
