from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.compliance import permissions, selectors, services, soa
from apps.compliance.api.filters import (
    ObligationAPIFilterSet,
    RequirementFilterSet,
    SoAEntryFilterSet,
    SoAVersionFilterSet,
)
from apps.compliance.api.serializers import (
    ObligationInputSerializer,
    ObligationSerializer,
    RequirementSerializer,
    SoAEntrySerializer,
    SoAVersionEntrySerializer,
    SoAVersionSerializer,
)
from apps.compliance.models import Obligation, Requirement
from apps.compliance.models_soa import SoAEntry, SoAVersion
from apps.compliance.pagination import IdsFirstAPIPagination
from apps.core import rules
from apps.core.api.permissions import RecordPermission
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


# --- The Statement of Applicability ---------------------------------------------------------------
class SoAReadPermission(RecordPermission):
    """The Statement of Applicability is the organisation's: read by those who may read its
    pages (committee members, auditors, administrators), refused to the others (403, saying
    why) whatever the method; nobody writes it through the API."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        refusal = rules.refusal(user, "view_soa")
        if refusal:
            self.message = refusal
            return False
        return super().has_permission(request, view)


class SoAVersionViewSet(RecordViewSet):
    """The versions of the organisation's ISO/IEC 42001 Statement of Applicability, newest
    first, read-only: who submitted each and when, the committee's decision (`pending`,
    `approved`, `rejected`, `withdrawn`), and each control as it was frozen (`entries/`). The
    latest approved version is the statement in force. Filter by `status` or `number`. Read by
    committee members, auditors and administrators; submitted and decided on the pages."""

    model = SoAVersion
    serializer_class = SoAVersionSerializer
    filterset_class = SoAVersionFilterSet
    permission_classes = [SoAReadPermission]

    def get_list_queryset(self):
        return soa.soa_versions()

    @extend_schema(
        summary="The version's controls, as they were frozen when it was submitted",
        responses=SoAVersionEntrySerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def entries(self, request, *args, **kwargs):
        version = self.get_object(queryset=SoAVersion.objects.all())
        entries = soa.version_entries(version)
        context = self.get_serializer_context()
        return Response(SoAVersionEntrySerializer(entries, many=True, context=context).data)


class SoAEntryViewSet(RecordViewSet):
    """The draft of the Statement of Applicability, read-only: the answer written for each
    ISO/IEC 42001 Annex A control of the catalogue in force (applicability, justification,
    implementation, the mitigations and policies that implement it), in the catalogue's order;
    a control without an entry is not decided yet. Filter by `applicability`, `implementation`
    or `identifier`. Each entry has its history (`/history/`). Read by committee members,
    auditors and administrators; edited on the pages."""

    model = SoAEntry
    serializer_class = SoAEntrySerializer
    filterset_class = SoAEntryFilterSet
    permission_classes = [SoAReadPermission]

    def get_list_queryset(self):
        return soa.current_soa_entries()

    def get_detail_queryset(self):
        return soa.soa_entries()
