"""OpenAPI schema generation: request and response bodies of writes, and the error responses.

:class:`APIAutoSchema` documents a write's request body with the resource's input serializer
and its response with the resource's (read) serializer, and adds to every operation the error
responses it can give, all with the one error shape of :mod:`apps.core.api.exceptions`.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

UNSAFE = ("POST", "PUT", "PATCH")


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The ETag of the record as you read it (e.g. `"107-v3"`). An update needs it '
    "(or the record's `version` in the body): without either it is refused with 428. Fields "
    "you send unchanged from that version keep what others saved since; a field both you and "
    "someone else changed is a 409.",
)


class FieldConflictSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    theirs = serializers.CharField(help_text="The value saved since you read the record.")
    yours = serializers.CharField(help_text="The value you sent.")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    code = serializers.CharField(
        help_text="invalid, not_authenticated, authentication_failed, permission_denied, "
        "not_found, method_not_allowed, conflict, precondition_failed, precondition_required, "
        "throttled…"
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="400 only: the messages for each field (non_field_errors for the whole).",
    )
    version = serializers.IntegerField(
        required=False, help_text="409 of an edit only: the record's current version."
    )
    conflicts = FieldConflictSerializer(
        many=True,
        required=False,
        help_text="409 of an edit only: each field changed both by you and by someone else.",
    )


ERROR_DESCRIPTIONS = {
    "400": "Invalid input: field errors in `errors`.",
    "401": "No valid credentials (missing, unknown, revoked or expired token).",
    "403": "Signed in, but your roles do not allow this.",
    "404": "No such record among those you may see (or no such page of a list).",
    "409": "Conflict: a field you change was changed by someone else since the version you "
    "read (`conflicts` lists both values; the response's ETag is the current version), or the "
    "record's state forbids the request.",
    "412": "If-Match (or `version`) names a version this record never had.",
    "428": "Precondition required: send If-Match with the ETag you read (or the record's "
    "`version` in the body).",
    "429": "Too many requests: wait for the number of seconds in Retry-After.",
}


class APIAutoSchema(AutoSchema):
    def _input_serializer(self):
        view = self.view
        writes = getattr(view, "action", None) in ("create", "update", "partial_update")
        if self.method in UNSAFE and writes and getattr(view, "input_serializer_class", None):
            return view.input_serializer_class
        return None

    def get_request_serializer(self):
        return self._input_serializer() or super().get_request_serializer()

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method in ("PUT", "PATCH"):
            parameters.append(IF_MATCH)
        return parameters

    def error_codes(self) -> list[str]:
        codes = ["401", "403", "404"]  # 404: no such record, or a page past the end
        is_list = self.method == "GET" and self._is_list_view()
        if self.method in UNSAFE or is_list or getattr(self.view, "filterset_class", None):
            codes.append("400")
        if self.method in ("PUT", "PATCH") or (self.method == "POST" and "{" in self.path):
            codes.append("409")
        if self.method in ("PUT", "PATCH"):
            codes += ["412", "428"]
        codes.append("429")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response" or getattr(self.view, "schema_without_errors", False):
            return responses
        for code in self.error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return dict(sorted(responses.items()))
