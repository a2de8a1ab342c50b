from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import mixins

from apps.compliance import permissions, selectors, services
from apps.compliance.api.filters import ObligationAPIFilterSet, RequirementFilterSet
from apps.compliance.api.serializers import (
    ObligationInputSerializer,
    ObligationSerializer,
    RequirementSerializer,
)
from apps.compliance.models import Obligation, Requirement
from apps.compliance.pagination import IdsFirstAPIPagination
from apps.core.api.viewsets import RecordViewSet, ServiceWriteMixin
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk


class RequirementViewSet(RecordViewSet):
    """The requirement catalogues, read-only: the requirements of the catalogues in force
    (EU AI Act articles, ISO/IEC 42001 Annex A controls, NIST AI RMF functions, categories and
    subcategories, and imported ones), filtered by `framework`, `kind`, `identifier`,
    `blocking`; `catalogue=<id>` reads a version, retired ones too."""

    model = Requirement
    serializer_class = RequirementSerializer
    filterset_class = RequirementFilterSet

    def get_list_queryset(self):
        return Requirement.objects.select_related("catalogue", "parent").order_by(
            "catalogue__name", "position", "pk"
        )


def _with_links(queryset):
    return queryset.prefetch_related(
        Prefetch("mitigations", queryset=Mitigation.objects.only("pk", "title").order_by("pk")),
        Prefetch("risks", queryset=Risk.objects.only("pk", "title").order_by("pk")),
    )


class ObligationViewSet(ServiceWriteMixin, mixins.UpdateModelMixin, RecordViewSet):
    """Each system's obligations, derived from its facts (never created or deleted here): why
    each applies, its status, owner, due date, evidence count and the mitigations and risks
    that address it. Those who may work on the system's obligations (its contributors,
    committee members, administrators) change `status`, `justification`, `owner`,
    `custom_due_date`, `notes`, `mitigations` and `risks` — the same rules and history as the
    form; a change sends `If-Match` with the `ETag` you read (428 without it). Lists show the
    obligations that apply unless `applicability=all` or `no_longer_applies`. Its history
    includes its evidence's and its exceptions'."""

    model = Obligation
    serializer_class = ObligationSerializer
    input_serializer_class = ObligationInputSerializer
    filterset_class = ObligationAPIFilterSet
    http_method_names = ["get", "put", "patch", "head", "options"]
    pagination_class = IdsFirstAPIPagination

    def get_list_queryset(self):
        return _with_links(selectors.obligation_list(self.request.user))

    def get_history(self, obj):
        return selectors.history_of_obligation(obj)

    def may_change(self, user, obj):
        return permissions.can_change_obligation(user, obj)

    def perform_service_update(self, obj, data):
        data = dict(data)
        mitigations = data.pop("mitigations", None)
        risks = data.pop("risks", None)
        reason = data.pop("change_reason", "")
        return services.update_obligation(
            obligation=obj,
            by=self.request.user,
            data=data,
            mitigations=mitigations,
            risks=risks,
            reason=reason,
        )
