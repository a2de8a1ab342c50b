from __future__ import annotations

import json

from django.conf import settings
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.core.api.viewsets import RecordViewSet, ServiceWriteMixin
from apps.evaluations import selectors, services
from apps.evaluations.api.filters import EvaluationRunAPIFilterSet, TestCaseAPIFilterSet
from apps.evaluations.api.serializers import (
    EvaluationRunSerializer,
    RunDocumentSerializer,
    RunUploadSerializer,
    SystemNamedSerializer,
    TestCaseInputSerializer,
    TestCaseSerializer,
    TestResultSerializer,
)
from apps.evaluations.models import EvaluationRun, ResultOutcome, RunFormat, TestCase
from apps.mitigations.models import Mitigation


class TestCaseViewSet(
    ServiceWriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, RecordViewSet
):
    """The test cases of the systems' risks: red-team prompts, fairness slices, edge cases and
    regression cases, each with the key runs report its result under. Contributors add and
    change their teams' (the same rules and history as the form); a change sends `If-Match`
    with the `ETag` you read (428 without it). Archived ones are listed with `archived=yes`."""

    model = TestCase
    serializer_class = TestCaseSerializer
    input_serializer_class = TestCaseInputSerializer
    filterset_class = TestCaseAPIFilterSet
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_list_queryset(self):
        return (
            TestCase.objects.visible_to(self.request.user)
            .select_related("system", "risk")
            .prefetch_related(
                Prefetch("mitigations", queryset=Mitigation.objects.only("pk", "title"))
            )
        )

    def get_detail_queryset(self):
        return self.get_list_queryset()

    def get_history(self, obj):
        return selectors.history_of_test_case(obj)

    def perform_service_create(self, data):
        data = dict(data)
        system = data.pop("system")
        mitigations = data.pop("mitigations", [])
        reason = data.pop("change_reason", "")
        return services.create_test_case(
            system=system, by=self.request.user, data=data, mitigations=mitigations, reason=reason
        )

    def perform_service_update(self, obj, data):
        data = dict(data)
        data.pop("system", None)
        mitigations = data.pop("mitigations", None)
        reason = data.pop("change_reason", "")
        return services.update_test_case(
            test_case=obj, by=self.request.user, data=data, mitigations=mitigations, reason=reason
        )


RUN_DESCRIPTION = """Record an evaluation run of a system, as a CI pipeline reports it: all or
nothing (a report that cannot be read writes nothing and says why). Two ways:

* `multipart/form-data` with `system`, `file` (JUnit XML or the JSON format), and
  `model_version` (unless the JSON report names it), optionally `suite` and `format`;
* `application/json` with the JSON format itself, plus `system`.

Each result is mapped to a test case of the system by key; results whose key no test case has
are kept and listed (`unknown_keys`). The mitigations the test cases verify are verified by a
passing run, or flagged for review by a failing one. The deployment gate reads the latest run
of each suite."""


class EvaluationRunViewSet(mixins.CreateModelMixin, RecordViewSet):
    """Evaluation runs reported by the pipelines, with their results (`/<id>/results/`)."""

    model = EvaluationRun
    serializer_class = EvaluationRunSerializer
    filterset_class = EvaluationRunAPIFilterSet
    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_list_queryset(self):
        return selectors.run_list(self.request.user)

    @extend_schema(
        summary="Report an evaluation run",
        description=RUN_DESCRIPTION,
        request={
            "multipart/form-data": RunUploadSerializer,
            "application/json": RunDocumentSerializer,
        },
        responses={201: EvaluationRunSerializer, 400: OpenApiResponse(description="Not read.")},
    )
    def create(self, request, *args, **kwargs):
        if "file" in request.FILES or request.content_type.startswith("multipart/"):
            serializer = RunUploadSerializer(data=request.data, context={"request": request})
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            upload = data["file"]
            run = services.ingest_run(
                system=data["system"],
                by=request.user,
                content=upload.read(settings.EVALUATION_UPLOAD_MAX_BYTES + 1),
                file_name=upload.name,
                source_format=data.get("format"),
                model_version=data.get("model_version"),
                suite=data.get("suite"),
            )
        else:
            document = request.data
            if not isinstance(document, dict):
                raise APIValidationError(
                    {"non_field_errors": ["Send the run as a JSON object (see the format)."]}
                )
            named = SystemNamedSerializer(
                data={"system": document.get("system")}, context={"request": request}
            )
            named.is_valid(raise_exception=True)
            system = named.validated_data["system"]
            body = {key: value for key, value in document.items() if key != "system"}
            run = services.ingest_run(
                system=system,
                by=request.user,
                content=json.dumps(body).encode(),
                source_format=RunFormat.JSON,
            )
        run = self.get_list_queryset().get(pk=run.pk)
        response_serializer = self.get_serializer(run)
        headers = {"Location": response_serializer.data.get("url", "")}
        return Response(response_serializer.data, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(
        summary="The run's results",
        description="Every result of the run, in the report's order (`?outcome=failed`: those "
        "only); `test_case` is the test case it maps to, or null when its key names none.",
        responses=TestResultSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def results(self, request, *args, **kwargs):
        run = self.get_object()
        outcome = request.query_params.get("outcome") or None
        if outcome is not None and outcome not in ResultOutcome.values:
            raise APIValidationError({"outcome": [f"One of {', '.join(ResultOutcome.values)}."]})
        queryset = selectors.results_of_run(run, outcome).order_by("position")
        page = self.paginate_queryset(queryset)
        serializer = TestResultSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)
