from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action

from apps.concerns import permissions, selectors, services
from apps.concerns.api.filters import ConcernAPIFilterSet
from apps.concerns.api.serializers import (
    AnswerSerializer,
    ConcernInputSerializer,
    ConcernSerializer,
    LinkSerializer,
)
from apps.concerns.models import ANONYMOUS_RAISER, Concern
from apps.core.api.exceptions import Conflict
from apps.core.api.serializers import AuditEventSerializer
from apps.core.api.viewsets import RecordViewSet, ServiceWriteMixin, etag_for


class ConcernViewSet(ServiceWriteMixin, mixins.CreateModelMixin, RecordViewSet):
    """Concerns about AI systems. Anyone who may see a system raises one (`POST`, viewers
    included; never auditors); the system's contributors triage it: link it to an existing risk
    or incident (`/link/`) or close it with an answer (`/close/`), sending `If-Match` with the
    `ETag` read. Who raised an anonymous concern is `null` except for its raiser, administrators
    and auditors; its history names the raiser “Anonymous raiser”."""

    model = Concern
    serializer_class = ConcernSerializer
    input_serializer_class = ConcernInputSerializer
    filterset_class = ConcernAPIFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_list_queryset(self):
        return selectors.concern_list(self.request.user)

    def get_detail_queryset(self):
        return selectors.concern_detail(self.request.user)

    def perform_service_create(self, data):
        data = dict(data)
        system = data.pop("system")
        return services.raise_concern(system=system, by=self.request.user, data=data)

    @extend_schema(
        summary="History of the concern",
        description="Every change of the concern, newest first. The raiser of an anonymous "
        "concern is “Anonymous raiser”, without an id, except for administrators and auditors.",
        responses=AuditEventSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], url_path="history")
    def history(self, request, *args, **kwargs):
        concern = self.get_object()
        page = self.paginate_queryset(self.get_history(concern))
        if concern.is_anonymous and permissions.can_see_raiser_in_history(request.user):
            # The audit log names nobody for the anonymous raiser's entries (see
            # AnonymousRaiser); administrators and auditors are told who it was.
            for event in page:
                if event.user_id is None and event.user_repr == ANONYMOUS_RAISER:
                    event.user_id = concern.raised_by_id
        serializer = AuditEventSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)

    def _triage_target(self, request):
        concern = self.get_object()
        refusal = permissions.why_cannot_triage_concern(request.user, concern)
        if refusal:
            raise exceptions.PermissionDenied(refusal)
        expected = self.expected_version(request, concern)
        if expected is not None and expected != concern.version:
            raise Conflict(
                f"{concern.reference} was changed since you read it (its ETag is now "
                f"{etag_for(concern)}): read it again."
            )
        return concern

    @extend_schema(
        summary="Close the concern with an answer the raiser reads",
        request=AnswerSerializer,
        responses=ConcernSerializer,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def close(self, request, *args, **kwargs):
        concern = self._triage_target(request)
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        concern = services.close_concern(
            concern=concern, by=request.user, answer=serializer.validated_data["answer"]
        )
        return self._read_back(concern, status.HTTP_200_OK)

    @extend_schema(
        summary="Link the concern to an existing risk or incident of its system",
        request=LinkSerializer,
        responses=ConcernSerializer,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def link(self, request, *args, **kwargs):
        concern = self._triage_target(request)
        serializer = LinkSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        concern = services.link_concern(
            concern=concern,
            by=request.user,
            risk=data.get("risk"),
            incident=data.get("incident"),
            answer=data.get("answer", ""),
        )
        return self._read_back(concern, status.HTTP_200_OK)
