"""OpenAPI schema generation: request and response bodies of writes, and the error responses.

:class:`APIAutoSchema` documents a write's request body with the resource's input serializer
and its response with the resource's (read) serializer, and adds to every operation the error
responses it can give, all with the one error shape of :mod:`apps.core.api.exceptions`.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

UNSAFE = ("POST", "PUT", "PATCH")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")
    code = serializers.CharField(
        help_text="invalid, not_authenticated, authentication_failed, permission_denied, "
        "not_found, method_not_allowed, conflict, throttled…"
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="400 only: the messages for each field (non_field_errors for the whole).",
    )


ERROR_DESCRIPTIONS = {
    "400": "Invalid input: field errors in `errors`.",
    "401": "No valid credentials (missing, unknown, revoked or expired token).",
    "403": "Signed in, but your roles do not allow this.",
    "404": "No such record among those you may see (or no such page of a list).",
    "409": "Conflict: the record changed since you read it (If-Match), or its state forbids it.",
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

    def error_codes(self) -> list[str]:
        codes = ["401", "403", "404"]  # 404: no such record, or a page past the end
        is_list = self.method == "GET" and self._is_list_view()
        if self.method in UNSAFE or is_list or getattr(self.view, "filterset_class", None):
            codes.append("400")
        if self.method in ("PUT", "PATCH") or (self.method == "POST" and "{" in self.path):
            codes.append("409")
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
