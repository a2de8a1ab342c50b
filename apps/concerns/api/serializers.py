"""Concerns on the API. Who raised an anonymous concern is ``null`` for everyone but the raiser,
administrators and auditors (:func:`apps.concerns.permissions.can_see_raiser`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.concerns import permissions
from apps.concerns.models import Concern
from apps.core.api.serializers import (
    HistoryURLField,
    PersonSerializer,
    RecordLinkField,
    ReferenceField,
    ReferenceRelatedField,
    SelfURLField,
    WebURLField,
)
from apps.incidents.models import Incident
from apps.risks.models import Risk
from apps.systems.models import AISystem


class ConcernSerializer(serializers.ModelSerializer):
    reference = ReferenceField()
    url = SelfURLField("concern")
    web_url = WebURLField()
    system = RecordLinkField("system")
    team = RecordLinkField("team", source="system.team")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    raised_by = serializers.SerializerMethodField(
        help_text="Who raised it; null when it is anonymous and you are not its raiser, an "
        "administrator or an auditor."
    )
    risk = RecordLinkField("risk", allow_null=True)
    incident = RecordLinkField("incident", allow_null=True)
    has_attachment = serializers.SerializerMethodField()
    history = HistoryURLField("concern")

    class Meta:
        model = Concern
        fields = [
            "id",
            "reference",
            "url",
            "web_url",
            "system",
            "team",
            "summary",
            "description",
            "is_anonymous",
            "raised_by",
            "status",
            "status_label",
            "risk",
            "incident",
            "answer",
            "triaged_at",
            "has_attachment",
            "created_at",
            "updated_at",
            "version",
            "history",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_raised_by(self, concern):
        request = self.context.get("request")
        user = request.user if request else None
        if not permissions.can_see_raiser(user, concern):
            return None
        return PersonSerializer(concern.raised_by).data

    def get_has_attachment(self, concern) -> bool:
        return bool(concern.attachment)


class ConcernInputSerializer(serializers.Serializer):
    """What anyone who may see a system sends to raise a concern about it."""

    system = ReferenceRelatedField(AISystem, help_text="SYS-0042 or 42.")
    summary = serializers.CharField(max_length=255)
    description = serializers.CharField()
    is_anonymous = serializers.BooleanField(required=False, default=False)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(help_text="What the raiser reads.")
    version = serializers.IntegerField(required=False, help_text="Or send If-Match.")


class LinkSerializer(serializers.Serializer):
    risk = ReferenceRelatedField(Risk, required=False, allow_null=True)
    incident = ReferenceRelatedField(Incident, required=False, allow_null=True)
    answer = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, help_text="Or send If-Match.")

    def validate(self, attrs):
        if bool(attrs.get("risk")) == bool(attrs.get("incident")):
            raise serializers.ValidationError("Name one existing risk or one existing incident.")
        return attrs
