from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from apps.core.api.exceptions import Conflict
from apps.core.api.viewsets import RecordViewSet
from apps.reviews import permissions, selectors, services
from apps.reviews.api.filters import ReviewAPIFilterSet
from apps.reviews.api.serializers import (
    DecisionSerializer,
    PlanVersionContentSerializer,
    ReviewDecisionSerializer,
    ReviewSerializer,
)
from apps.reviews.models import Decision, PlanVersion, Review, ReviewerAssignment, ReviewStatus


def _with_parts(queryset):
    return queryset.prefetch_related(
        Prefetch(
            "versions",
            queryset=PlanVersion.objects.defer("content")
            .select_related("submitted_by")
            .order_by("number"),
        ),
        Prefetch(
            "assignments",
            queryset=ReviewerAssignment.objects.select_related("reviewer").order_by(
                "assigned_at", "pk"
            ),
        ),
        Prefetch(
            "decisions",
            queryset=Decision.objects.select_related("reviewer", "version", "on_behalf_of")
            .defer("version__content")
            .prefetch_related("seats")
            .order_by("decided_at", "pk"),
        ),
        "required_seats",
        "subject",
    )


class ReviewViewSet(RecordViewSet):
    """The committee's reviews of safety plans — and of a system's documents (kinds
    `classification`, `fria`: `subject` names the document) — with their versions, reviewers
    and decisions.
    Assigned committee members decide through `decide/` with the same four-eyes rule as the
    page."""

    model = Review
    serializer_class = ReviewSerializer
    filterset_class = ReviewAPIFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_list_queryset(self):
        return _with_parts(selectors.review_list(self.request.user))

    def get_detail_queryset(self):
        return _with_parts(selectors.review_detail(self.request.user))

    def may_change(self, user, obj):
        return True  # deciding is the only write; its rules are the service's

    @extend_schema(
        summary="Every version of the plan, with its frozen content",
        responses=PlanVersionContentSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def versions(self, request, *args, **kwargs):
        review = self.get_object(queryset=self.get_detail_queryset().prefetch_related(None))
        versions = review.versions.select_related("submitted_by").order_by("number")
        context = self.get_serializer_context()
        return Response(PlanVersionContentSerializer(versions, many=True, context=context).data)

    @extend_schema(
        summary="Decide on the current version (assigned committee members, four-eyes rule)",
        request=ReviewDecisionSerializer,
        responses={201: DecisionSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def decide(self, request, *args, **kwargs):
        review = self.get_object()
        serializer = ReviewDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refusal = permissions.why_cannot_decide_review(request.user, review)
        if refusal:
            raise PermissionDenied(refusal)
        if review.status != ReviewStatus.PENDING:
            raise Conflict(f"{review.reference} is {review.get_status_display().lower()}.")
        data = serializer.validated_data
        decision = services.decide_review(
            review=review,
            reviewer=request.user,
            decision=data["decision"],
            comment=data["comment"],
            conditions=data["conditions"],
            version=data["version"],
            on_behalf_of=data.get("on_behalf_of"),
        )
        return Response(DecisionSerializer(decision).data, status=201)
