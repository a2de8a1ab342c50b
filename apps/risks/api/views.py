from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action

from apps.core.api.exceptions import Conflict
from apps.core.api.viewsets import RecordViewSet, ServiceWriteMixin
from apps.risks import permissions, selectors, services
from apps.risks.api.filters import RiskAPIFilterSet, RiskTemplateAPIFilterSet
from apps.risks.api.serializers import (
    AcceptanceDecisionSerializer,
    AcceptanceRequestSerializer,
    AcceptanceSerializer,
    RiskInputSerializer,
    RiskSerializer,
    RiskTemplateSerializer,
)
from apps.risks.filters import AcceptanceFilterSet
from apps.risks.models import (
    AcceptanceStatus,
    FrameworkReference,
    Risk,
    RiskAcceptance,
    RiskTemplate,
)

REASON_BODY = inline_serializer(
    "ChangeReason", {"reason": serializers.CharField(required=False, allow_blank=True)}
)


def _with_mitigations(queryset):
    """Each risk's mitigations (id and title, in id order), in one more query. The mitigations
    app sits above risks: its model is reached through the relation, not imported."""
    mitigation = Risk._meta.get_field("mitigations").related_model
    return queryset.prefetch_related(
        Prefetch("mitigations", queryset=mitigation.objects.only("pk", "title").order_by("pk"))
    )


class RiskViewSet(
    ServiceWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, RecordViewSet
):
    """The risk register. Lists show live risks unless `archived=yes` or `all`.

    Contributors add and change their teams' risks (the same rules and history as the form);
    a change sends `If-Match` with the `ETag` you read (428 without it) and is merged with what
    others saved since, like the form (409 on a field you both changed).
    """

    model = Risk
    serializer_class = RiskSerializer
    input_serializer_class = RiskInputSerializer
    filterset_class = RiskAPIFilterSet
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_list_queryset(self):
        references = FrameworkReference.objects.order_by("framework", "code")
        return _with_mitigations(
            selectors.risk_list(self.request.user)
            .select_related("template")
            .prefetch_related(Prefetch("framework_references", queryset=references))
        )

    def get_detail_queryset(self):
        return _with_mitigations(selectors.risk_detail(self.request.user))

    def may_change(self, user, obj):
        if self.action in ("archive", "restore"):
            return permissions.can_archive_risk(user, obj)
        return permissions.can_edit_risk(user, obj)

    def perform_service_create(self, data):
        data = dict(data)
        system = data.pop("system")
        reason = data.pop("change_reason", "")
        return services.create_risk(system=system, by=self.request.user, data=data, reason=reason)

    def perform_service_update(self, obj, data):
        data = dict(data)
        data.pop("system", None)
        reason = data.pop("change_reason", "")
        return services.update_risk(risk=obj, by=self.request.user, data=data, reason=reason)

    @extend_schema(summary="Archive the risk", request=REASON_BODY, responses=RiskSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def archive(self, request, *args, **kwargs):
        risk = self.get_object()
        if risk.is_archived:
            raise Conflict(f"{risk.reference} is already archived.")
        risk = services.archive_risk(risk=risk, by=request.user, reason=_reason(request))
        return self._read_back(risk)

    @extend_schema(
        summary="Restore the archived risk", request=REASON_BODY, responses=RiskSerializer
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def restore(self, request, *args, **kwargs):
        risk = self.get_object()
        if not risk.is_archived:
            raise Conflict(f"{risk.reference} is not archived.")
        risk = services.restore_risk(risk=risk, by=request.user, reason=_reason(request))
        return self._read_back(risk)


def _reason(request) -> str:
    reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
    return str(reason).strip()[:255]


class RiskTemplateViewSet(RecordViewSet):
    """The risk library: reusable risks with suggested mitigations (retired ones only by
    address). Look one up by id or key."""

    model = RiskTemplate
    serializer_class = RiskTemplateSerializer
    filterset_class = RiskTemplateAPIFilterSet
    alternate_lookup_field = "key"

    def get_list_queryset(self):
        return selectors.library_templates().prefetch_related("suggested_mitigations")

    def get_detail_queryset(self):
        return selectors.template_detail()


class AcceptanceViewSet(ServiceWriteMixin, mixins.CreateModelMixin, RecordViewSet):
    """Requests to accept a risk as it is, and the committee's decisions on them."""

    model = RiskAcceptance
    serializer_class = AcceptanceSerializer
    input_serializer_class = AcceptanceRequestSerializer
    filterset_class = AcceptanceFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_list_queryset(self):
        return selectors.acceptance_list(self.request.user).order_by("-requested_at", "-pk")

    def may_change(self, user, obj):
        if self.action == "decide":
            return True  # the four-eyes rule is the service's, with its reason
        return permissions.can_edit_risk(user, obj.risk)

    def perform_service_create(self, data):
        return services.request_acceptance(by=self.request.user, **data)

    @extend_schema(
        summary="Decide on the acceptance (committee members, four-eyes rule)",
        request=AcceptanceDecisionSerializer,
        responses=AcceptanceSerializer,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def decide(self, request, *args, **kwargs):
        acceptance = self.get_object()
        serializer = AcceptanceDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refusal = permissions.why_cannot_decide_acceptance(request.user, acceptance)
        if refusal:
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied(refusal)
        if acceptance.status != AcceptanceStatus.PENDING:
            raise Conflict(
                f"{acceptance.reference} is already {acceptance.get_status_display().lower()}."
            )
        acceptance = services.decide_acceptance(
            acceptance=acceptance,
            by=request.user,
            approve=serializer.validated_data["decision"] == "approve",
            comment=serializer.validated_data["comment"],
        )
        return self._read_back(acceptance)

    @extend_schema(
        summary="Withdraw a pending request", request=None, responses=AcceptanceSerializer
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def withdraw(self, request, *args, **kwargs):
        acceptance = self.get_object()
        if acceptance.status != AcceptanceStatus.PENDING:
            raise Conflict("Only a pending acceptance can be withdrawn.")
        acceptance = services.withdraw_acceptance(acceptance=acceptance, by=request.user)
        return self._read_back(acceptance)
