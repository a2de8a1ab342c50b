from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.exceptions import Conflict
from apps.core.api.viewsets import RecordViewSet, ServiceWriteMixin
from apps.systems import gate as deployment_gate
from apps.systems import permissions, selectors, versions
from apps.systems.api.filters import SystemAPIFilterSet, SystemVersionFilterSet
from apps.systems.api.serializers import (
    GateAnswerSerializer,
    SystemSerializer,
    SystemVersionInputSerializer,
    SystemVersionSerializer,
    WaiverSerializer,
)
from apps.systems.models import AISystem, SystemVersion

GATE_DESCRIPTION = """For a CI/CD pipeline, before it deploys: may this version of the system be
deployed now? The answer is **200** with `"allowed": true`, or **409** with `"allowed": false`
and every reason (`curl --fail-with-body` stops the pipeline and prints them). The reasons come
from the gate checks the apps register: no current approved safety plan covers this version (a
new version recorded as a material change waits for its change review or the committee's
waiver), open Critical residual risks, failing evaluation runs, and — when those apps are
installed — an open rollback breach or a blocking compliance obligation."""


class SystemViewSet(RecordViewSet):
    """The AI system inventory. Lists show active systems unless `archived=yes` or `all`."""

    model = AISystem
    serializer_class = SystemSerializer
    filterset_class = SystemAPIFilterSet

    def get_list_queryset(self):
        return selectors.system_list(self.request.user)

    def get_detail_queryset(self):
        return selectors.system_detail(self.request.user)

    @extend_schema(
        summary="The deployment gate: may this version be deployed?",
        description=GATE_DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "version",
                OpenApiTypes.STR,
                required=True,
                description="The model or code version the pipeline is about to deploy, as it "
                "was recorded (e.g. `llm-2026-11` or a commit).",
            )
        ],
        responses={
            200: OpenApiResponse(GateAnswerSerializer, description="Allowed."),
            409: OpenApiResponse(GateAnswerSerializer, description="Refused, with every reason."),
        },
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], url_path="gate")
    def gate(self, request, *args, **kwargs):
        system = self.get_object()
        version = request.query_params.get("version", "").strip()
        if not version or "\x00" in version:
            raise exceptions.ValidationError(
                {"version": ["Say which version you are about to deploy: ?version=<version>."]}
            )
        answer = deployment_gate.evaluate_gate(system, version)
        code = status.HTTP_200_OK if answer.allowed else status.HTTP_409_CONFLICT
        return Response(GateAnswerSerializer(answer).data, status=code)


class SystemVersionViewSet(ServiceWriteMixin, mixins.CreateModelMixin, RecordViewSet):
    """New model, training data, code or configuration versions of the systems: material
    changes. Recording one (`POST`, the system's contributors) makes its approved safety plan
    stale for that version until a change review is approved or the committee waives it
    (`POST /<id>/waive/`); until then the deployment gate refuses the version."""

    model = SystemVersion
    serializer_class = SystemVersionSerializer
    input_serializer_class = SystemVersionInputSerializer
    filterset_class = SystemVersionFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_list_queryset(self):
        return selectors.version_detail(self.request.user)

    def may_change(self, user, obj):
        return True  # waiving: the service's rule, with its reason

    def perform_service_create(self, data):
        return versions.record_version(
            system=data["system"],
            by=self.request.user,
            kind=data["kind"],
            value=data["value"],
            note=data.get("note", ""),
        )

    @extend_schema(
        summary="Waive the change review (committee members, not the system's owners)",
        request=WaiverSerializer,
        responses=SystemVersionSerializer,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def waive(self, request, *args, **kwargs):
        version = self.get_object()
        refusal = permissions.why_cannot_waive_version(request.user, version)
        if refusal:
            raise PermissionDenied(refusal)
        if not version.is_pending:
            raise Conflict(
                f"{version.reference} is already {version.get_status_display().lower()}."
            )
        serializer = WaiverSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = versions.waive_version(
            version=version, by=request.user, reason=serializer.validated_data["reason"]
        )
        return self._read_back(version)
