from __future__ import annotations

from rest_framework import serializers

from apps.core.api.serializers import (
    HistoryURLField,
    PersonSerializer,
    RecordLinkField,
    ReferenceField,
    ReferenceRelatedField,
    SelfURLField,
    WebURLField,
)
from apps.evaluations.models import (
    EvaluationRun,
    ResultOutcome,
    RunFormat,
    TestCase,
    TestCaseKind,
    TestResult,
)
from apps.mitigations.models import Mitigation
from apps.risks.api.serializers import RiskLinkSerializer
from apps.risks.models import Risk
from apps.systems.models import AISystem


class VerifiedMitigationSerializer(serializers.ModelSerializer):
    """A mitigation a test case verifies."""

    reference = ReferenceField()
    url = SelfURLField("mitigation")
    name = serializers.CharField(source="title", read_only=True)

    class Meta:
        model = Mitigation
        fields = ["id", "reference", "name", "url"]


class TestCaseSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("test-case")
    web_url = WebURLField()
    system = RecordLinkField("system")
    risk = RiskLinkSerializer(read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), source="tag_list", read_only=True)
    mitigations = VerifiedMitigationSerializer(many=True, read_only=True)
    archived = serializers.BooleanField(source="is_archived", read_only=True)
    history = HistoryURLField("test-case")

    class Meta:
        model = TestCase
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "key",
            "title",
            "kind",
            "input",
            "pass_criterion",
            "tags",
            "system",
            "risk",
            "mitigations",
            "archived",
            "created_at",
            "updated_at",
            "version",
            "history",
        ]
        read_only_fields = fields


class TestCaseInputSerializer(serializers.Serializer):
    """What a script sends to add or change a test case (the fields of its form)."""

    system = ReferenceRelatedField(
        AISystem, required=False, help_text="SYS-0042 or 42; required to add, fixed afterwards."
    )
    risk = ReferenceRelatedField(Risk, help_text="The risk it probes (RSK-0107), of its system.")
    key = serializers.CharField(
        max_length=255, help_text="The name the pipeline reports its result under."
    )
    title = serializers.CharField(max_length=255)
    kind = serializers.ChoiceField(choices=TestCaseKind.choices)
    input = serializers.CharField(help_text="The prompt, slice or situation.")
    pass_criterion = serializers.CharField()
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, help_text="Tags."
    )
    mitigations = serializers.ListField(
        child=ReferenceRelatedField(Mitigation),
        required=False,
        help_text="The mitigations it verifies (MTG-0311), of its system.",
    )
    change_reason = serializers.CharField(
        max_length=255, required=False, allow_blank=True, write_only=True
    )

    def validate_tags(self, value):
        return " ".join(value)

    def validate(self, attrs):
        system = self.instance.system if self.instance is not None else attrs.get("system")
        if self.instance is None and system is None:
            raise serializers.ValidationError({"system": "Name the system the test case is for."})
        if self.instance is not None and attrs.get("system", system).pk != system.pk:
            raise serializers.ValidationError(
                {"system": "A test case cannot move to another system."}
            )
        return attrs


class TestResultSerializer(serializers.ModelSerializer):
    test_case = serializers.SerializerMethodField()

    class Meta:
        model = TestResult
        fields = ["key", "name", "outcome", "duration_seconds", "message", "test_case"]
        read_only_fields = fields

    def get_test_case(self, result) -> str | None:
        return TestCase.format_reference(result.test_case_id) if result.test_case_id else None


class EvaluationRunSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("evaluation-run")
    web_url = WebURLField()
    system = RecordLinkField("system")
    uploaded_by = PersonSerializer(read_only=True)
    unknown_keys = serializers.SerializerMethodField()
    history = HistoryURLField("evaluation-run")

    class Meta:
        model = EvaluationRun
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "system",
            "suite",
            "model_version",
            "source_format",
            "file_name",
            "started_at",
            "duration_seconds",
            "outcome",
            "pass_rate",
            "total",
            "passed",
            "failed",
            "errors",
            "skipped",
            "unknown_count",
            "unknown_keys",
            "uploaded_by",
            "created_at",
            "history",
        ]
        read_only_fields = fields

    def get_unknown_keys(self, run) -> list[str]:
        """The keys of the results that name no test case (on a run's detail; the first 200)."""
        if self.context.get("view") is not None and self.context["view"].action == "list":
            return []
        return list(
            run.results.filter(test_case__isnull=True)
            .order_by("position")
            .values_list("key", flat=True)[:200]
        )


class RunUploadSerializer(serializers.Serializer):
    """A run posted as a form (``multipart/form-data``): its report file and what it evaluated."""

    system = ReferenceRelatedField(AISystem, help_text="SYS-0042 or 42.")
    file = serializers.FileField(help_text="The JUnit XML or JSON report.")
    model_version = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="The version evaluated (needed unless the JSON report names it).",
    )
    suite = serializers.CharField(max_length=200, required=False, allow_blank=True)
    format = serializers.ChoiceField(
        choices=RunFormat.choices,
        required=False,
        help_text="junit or json; recognised if left out.",
    )


class ResultInputSerializer(serializers.Serializer):
    test_case = serializers.CharField(help_text="The test case's key.")
    outcome = serializers.ChoiceField(choices=ResultOutcome.choices)
    name = serializers.CharField(required=False)
    duration_seconds = serializers.FloatField(required=False)
    message = serializers.CharField(required=False)


class RunDocumentSerializer(serializers.Serializer):
    """A run posted as JSON (``application/json``): the JSON format of the README, with the
    system it evaluated."""

    system = serializers.CharField(help_text="SYS-0042 or 42.")
    model_version = serializers.CharField(help_text="The version evaluated.")
    suite = serializers.CharField(required=False)
    started_at = serializers.DateTimeField(required=False)
    duration_seconds = serializers.FloatField(required=False)
    results = ResultInputSerializer(many=True)


class SystemNamedSerializer(serializers.Serializer):
    system = ReferenceRelatedField(AISystem, help_text="SYS-0042 or 42.")
