from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.assessments import pdf, selectors
from apps.assessments.api.filters import AssessmentAPIFilterSet
from apps.assessments.api.serializers import AssessmentSerializer, VersionContentSerializer
from apps.assessments.models import AssessmentVersion, FundamentalRightsAssessment
from apps.core.api.viewsets import RecordViewSet
from apps.risks.models import Risk


class AssessmentViewSet(RecordViewSet):
    """Fundamental rights impact assessments (EU AI Act Art. 27), read-only: the draft as it
    stands and every submitted version, each with its state and its PDF (`versions/<n>/pdf/`).
    They are written and submitted on the pages; the committee decides through the review."""

    model = FundamentalRightsAssessment
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentAPIFilterSet
    http_method_names = ["get", "head", "options"]

    def get_list_queryset(self):
        return selectors.assessment_list(self.request.user).prefetch_related(
            Prefetch("risks", queryset=Risk.objects.only("pk").order_by("pk")),
            Prefetch(
                "versions",
                queryset=AssessmentVersion.objects.defer("content")
                .select_related("submitted_by", "review")
                .order_by("number"),
            ),
        )

    def get_history(self, obj):
        return selectors.history_of_assessment(obj)

    @extend_schema(
        summary="Every version of the assessment, with its frozen content",
        responses=VersionContentSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def versions(self, request, *args, **kwargs):
        assessment = self.get_object(queryset=self.get_detail_queryset().prefetch_related(None))
        versions = assessment.versions.select_related("submitted_by", "review").order_by("number")
        context = self.get_serializer_context()
        return Response(VersionContentSerializer(versions, many=True, context=context).data)

    @extend_schema(
        summary="A version as a PDF",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        url_path=r"versions/(?P<number>[0-9]{1,9})/pdf",
        url_name="version-pdf",
    )
    def version_pdf(self, request, *args, number=None, **kwargs):
        assessment = self.get_object(queryset=self.get_detail_queryset().prefetch_related(None))
        try:
            version = selectors.version_of(assessment, int(number))
        except AssessmentVersion.DoesNotExist as error:
            raise Http404("No such version of this assessment.") from error
        return pdf.pdf_response(version)
