"""Serializer pieces every resource shares: links to related records, people, audit events."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import registry
from apps.core.audit import record_url
from apps.core.models import AuditEvent, Level


def human_reference(obj) -> str:
    """``RSK-0107`` for records with a reference; a team's slug, a template's key otherwise."""
    for attr in ("reference", "key", "slug"):
        value = getattr(obj, attr, None)
        if value:
            return str(value)
    return ""


class RecordLinkSerializer(serializers.Serializer):
    """How a record points at another: enough to read it and a link to follow."""

    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="The human reference (RSK-0107), key or slug.")
    name = serializers.CharField()
    url = serializers.URLField(help_text="The record in the API.")


@extend_schema_field(RecordLinkSerializer)
class RecordLinkField(serializers.Field):
    """A related record as ``{id, reference, name, url}`` (read-only)."""

    def __init__(self, basename: str, **kwargs):
        self.basename = basename
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return {
            "id": obj.pk,
            "reference": human_reference(obj),
            "name": str(obj),
            "url": registry.detail_url(self.context.get("request"), self.basename, obj.pk),
        }


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="full_name", read_only=True)
    email = serializers.EmailField(read_only=True)


@extend_schema_field(
    {"type": "string", "enum": [label for _, label in Level.choices], "example": "High"}
)
class LevelField(serializers.Field):
    """A level as a word (``Critical``, ``High``, ``Medium``, ``Low``)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return Level(value).label


@extend_schema_field(OpenApiTypes.URI)
class WebURLField(serializers.Field):
    """The record's page in the browser (absolute when the request is known)."""

    def __init__(self, **kwargs):
        kwargs.update(read_only=True, source="*")
        super().__init__(**kwargs)

    def to_representation(self, obj):
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request is not None else path


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's name in the API and the database.")
    label = serializers.CharField(help_text="The field's name as a person reads it.")
    old = serializers.CharField(help_text="The value before, as shown on the pages.")
    new = serializers.CharField(help_text="The value after.")


class AuditedRecordSerializer(serializers.Serializer):
    model = serializers.CharField(help_text="app_label.model, e.g. risks.risk")
    id = serializers.IntegerField()
    reference = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField(allow_null=True, help_text="The record in the API, if served.")
    web_url = serializers.CharField(allow_null=True, help_text="The record's page, if it has one.")


class AuditPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


ACTION_WORDS = {
    AuditEvent.Action.CREATED: "created",
    AuditEvent.Action.CHANGED: "changed",
    AuditEvent.Action.DELETED: "deleted",
}


class AuditEventSerializer(serializers.ModelSerializer):
    """One version of one record: who, when, why, and each changed field's old and new value."""

    action = serializers.SerializerMethodField()
    user = serializers.SerializerMethodField()
    record = serializers.SerializerMethodField()
    changes = ChangeSerializer(many=True, read_only=True)
    sequence = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The entry's position in the hash chain."
    )
    hash = serializers.CharField(
        source="entry_hash",
        read_only=True,
        help_text="sha256 of the previous entry's hash, this entry and the historical row it "
        "records (see manage.py verify_audit_trail).",
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "timestamp",
            "action",
            "user",
            "record",
            "change_reason",
            "changes",
            "sequence",
            "hash",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "enum": list(ACTION_WORDS.values())})
    def get_action(self, event) -> str:
        return ACTION_WORDS.get(event.action, event.action)

    @extend_schema_field(AuditPersonSerializer(allow_null=True))
    def get_user(self, event):
        if event.user_id is None and not event.user_repr:
            return None  # a change made by the system (a job), not by a person
        return {"id": event.user_id, "name": event.user_repr}

    @extend_schema_field(AuditedRecordSerializer)
    def get_record(self, event):
        content_type = event.content_type
        label = f"{content_type.app_label}.{content_type.model}"
        model = content_type.model_class()
        reference = ""
        if model is not None and hasattr(model, "format_reference"):
            reference = model.format_reference(event.object_id)
        web_path = record_url(content_type, event.object_id)
        request = self.context.get("request")
        return {
            "model": label,
            "id": event.object_id,
            "reference": reference,
            "name": event.object_repr,
            "url": registry.record_api_url(request, label, event.object_id),
            "web_url": (
                request.build_absolute_uri(web_path) if web_path and request else web_path or None
            ),
        }


@extend_schema_field(OpenApiTypes.URI)
class RelatedListField(serializers.Field):
    """The address of a filtered list of related records, e.g. a system's risks."""

    def __init__(self, basename: str, param: str, **kwargs):
        self.basename = basename
        self.param = param
        kwargs.update(read_only=True, source="*")
        super().__init__(**kwargs)

    def to_representation(self, obj):
        url = registry.list_url(self.context.get("request"), self.basename)
        return f"{url}?{self.param}={obj.pk}"


@extend_schema_field(OpenApiTypes.URI)
class HistoryURLField(serializers.Field):
    """The address of the record's history."""

    def __init__(self, basename: str, **kwargs):
        self.basename = basename
        kwargs.update(read_only=True, source="*")
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return registry.reverse_api(
            self.context.get("request"), f"{self.basename}-history", pk=obj.pk
        )


@extend_schema_field(OpenApiTypes.URI)
class SelfURLField(serializers.Field):
    def __init__(self, basename: str, **kwargs):
        self.basename = basename
        kwargs.update(read_only=True, source="*")
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return registry.detail_url(self.context.get("request"), self.basename, obj.pk)


class ReferenceField(serializers.CharField):
    """The record's human reference (``RSK-0107``)."""

    def __init__(self, **kwargs):
        kwargs.update(read_only=True)
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.STR)
class ReferenceRelatedField(serializers.RelatedField):
    """A record named by its reference (``SYS-0042``) or primary key (``42``), among those the
    person may see (``Model.objects.visible_to(user)``): another team's record is "not found",
    as on the pages."""

    default_error_messages = {
        "does_not_exist": "{value} is not a record you can see.",
        "invalid": "Give a reference such as {example} or a number.",
    }

    def __init__(self, model, **kwargs):
        self.model = model
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.model._default_manager.visible_to(request.user if request else None)

    def to_internal_value(self, data):
        pk = self.model.parse_reference(str(data))
        if pk is None:
            self.fail("invalid", example=self.model.format_reference(42))
        obj = self.get_queryset().filter(pk=pk).first()
        if obj is None:
            self.fail("does_not_exist", value=data)
        return obj

    def to_representation(self, value):
        return value.reference
