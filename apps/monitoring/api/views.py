from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from apps.core.api.permissions import RecordPermission
from apps.core.api.viewsets import RecordViewSet, ServiceWriteMixin
from apps.monitoring import selectors, services
from apps.monitoring.api.filters import BreachAPIFilterSet, MetricAPIFilterSet
from apps.monitoring.api.serializers import (
    BreachSerializer,
    IntakeErrorSerializer,
    IntakeResultSerializer,
    MetricInputSerializer,
    MetricSerializer,
    ReadingBatchSerializer,
)
from apps.monitoring.models import Breach, Metric
from apps.risks.models import Risk


def _with_links(queryset):
    return queryset.prefetch_related(
        Prefetch("watched_risks", queryset=Risk.objects.only("pk", "title").order_by("pk"))
    )


class MetricViewSet(
    ServiceWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, RecordViewSet
):
    """Monitored metrics: what a running system is watched on, with a warning and a rollback
    threshold. Contributors declare and change their teams' metrics through the same service
    as the form; an update sends `If-Match` with the `ETag` read (428 without it)."""

    model = Metric
    serializer_class = MetricSerializer
    input_serializer_class = MetricInputSerializer
    filterset_class = MetricAPIFilterSet
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_list_queryset(self):
        return _with_links(selectors.metric_list(self.request.user))

    def get_detail_queryset(self):
        return _with_links(selectors.metric_detail(self.request.user))

    def perform_service_create(self, data):
        data = dict(data)
        system = data.pop("system")
        risks = data.pop("watched_risks", [])
        reason = data.pop("change_reason", "")
        return services.create_metric(
            system=system, by=self.request.user, data=data, risks=risks, reason=reason
        )

    def perform_service_update(self, obj, data):
        data = dict(data)
        data.pop("system", None)
        risks = data.pop("watched_risks", None)
        reason = data.pop("change_reason", "")
        return services.update_metric(
            metric=obj, by=self.request.user, data=data, risks=risks, reason=reason
        )


class BreachViewSet(RecordViewSet):
    """Breaches of monitored metrics (read-only): a warning tells the owners, a rollback
    opens an incident. Written by the evaluation of the readings, never by hand."""

    model = Breach
    serializer_class = BreachSerializer
    filterset_class = BreachAPIFilterSet
    http_method_names = ["get", "head", "options"]

    def get_list_queryset(self):
        return selectors.breach_list(self.request.user).order_by("-started_at", "-pk")


class ReadingIntakeViewSet(viewsets.GenericViewSet):
    """`POST /api/v1/readings/`: a batch of up to 10,000 readings, all or nothing.

    Idempotent: a reading whose metric, timestamp and source are already stored is skipped,
    so a monitoring job may send a batch again after a failure. A bad row refuses the whole
    batch (400) with every bad row listed by its position. Breaches are evaluated by a worker
    right after the batch is stored. Takes a full token (or a session) of someone who may edit
    the systems, or a **monitoring token**, which may do this and nothing else, for the systems
    it names."""

    permission_classes = [RecordPermission]
    accepts_monitoring_tokens = True  # apps.accounts.api.authentication
    serializer_class = ReadingBatchSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="Post a batch of readings",
        request=ReadingBatchSerializer,
        responses={201: IntakeResultSerializer, 400: IntakeErrorSerializer},
        examples=[
            OpenApiExample(
                "Two readings",
                value={
                    "readings": [
                        {
                            "metric": "MET-0001",
                            "timestamp": "2025-06-01T10:15:00Z",
                            "value": 0.93,
                            "source": "eval-job",
                        },
                        {"metric": "MET-0001", "timestamp": "2025-06-01T10:16:00Z", "value": 0.91},
                    ]
                },
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        data = request.data
        rows = data.get("readings") if isinstance(data, dict) else data
        try:
            result = services.ingest_readings(rows=rows, by=request.user, token=request.auth)
        except services.IntakeRejected as rejected:
            return Response(
                {"detail": rejected.message, "errors": [e.as_dict() for e in rejected.errors]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(result.as_dict(), status=status.HTTP_201_CREATED)
