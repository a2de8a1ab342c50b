"""The one shape of every API resource.

:class:`RecordViewSet` gives a resource its list (filtered by the same FilterSet as its page,
paginated) and its detail, looked up by primary key or human reference (``/risks/107/`` or
``/risks/RSK-0107/``), and ``/<id>/history/``. :class:`ServiceWriteMixin` adds create and update
through the app's service functions, with the same rules and history as the forms, and with
optimistic concurrency: a detail carries an ``ETag`` (``"<id>-v<version>"``), and an update
(``PUT`` or ``PATCH``) must say which version it read, with ``If-Match: <ETag>`` or ``version``
in the body, or it is refused with 428 (an update that names no version could silently undo
someone else's change). What it sends goes through the forms' three-way merge
(:func:`apps.core.concurrency.check_version`): fields it left as they were in the version read
keep whatever was saved since; a field changed both by the client and by someone else since is a
409 with both values; everything else is saved.

An app's resource is then a few declarations::

    class RiskViewSet(ServiceWriteMixin, RecordViewSet):
        model = Risk
        serializer_class = RiskSerializer
        input_serializer_class = RiskInputSerializer
        filterset_class = RiskAPIFilterSet

        def get_list_queryset(self): ...
        def perform_service_create(self, data): ...
        def perform_service_update(self, obj, data): ...
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core import replica, rules
from apps.core import selectors as core_selectors
from apps.core.api.exceptions import (
    Conflict,
    EditConflictError,
    PreconditionFailed,
    PreconditionRequired,
)
from apps.core.api.permissions import RecordPermission
from apps.core.api.serializers import AuditEventSerializer
from apps.core.concurrency import EditConflict, check_version
from apps.core.ids import parse_id


def etag_for(obj: Model) -> str | None:
    """A version tag that changes whenever the record is saved: its ``version`` where it has
    one (:class:`~apps.core.models.VersionedModel`), else its ``updated_at``."""
    version = getattr(obj, "version", None)
    if version is not None:
        return f'"{obj.pk}-v{version}"'
    updated_at = getattr(obj, "updated_at", None)
    if updated_at is None:
        return None
    return f'"{obj.pk}-{updated_at.timestamp():.6f}"'


def _if_match_tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


_VERSION_TAG = re.compile(r'^"(\d+)-v(\d+)"$')


class HistoryMixin:
    """``GET /<resource>/<id>/history/``: every change of the record, newest first."""

    def get_history(self, obj) -> QuerySet:
        return core_selectors.history_of(obj)

    @extend_schema(
        summary="History of the record",
        description="Every change of the record, newest first: who, when, why, and each "
        "changed field with its old and new value as shown on the pages.",
        responses=AuditEventSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], url_path="history")
    def history(self, request, *args, **kwargs):
        obj = self.get_object(queryset=self.get_detail_queryset().prefetch_related(None))
        page = self.paginate_queryset(self.get_history(obj))
        serializer = AuditEventSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)


class RecordViewSet(
    HistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model: type[Model] | None = None
    permission_classes = [RecordPermission]
    lookup_value_regex = r"[^/]+"
    alternate_lookup_field: str | None = None  # e.g. a template's ``key``

    # --- querysets ---
    def get_list_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_detail_queryset(self) -> QuerySet:
        return self.get_list_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator asks for the model
            return self.model.objects.none()
        if self.action == "list":
            return self.get_list_queryset()
        return self.get_detail_queryset()

    # --- lookup by primary key or reference ---
    def parse_lookup(self, value: str) -> dict | None:
        value = value.strip()
        if "\x00" in value:  # no record has it, and PostgreSQL cannot compare text with NUL
            return None
        if value.isascii() and value.isdecimal():
            pk = parse_id(value)
            return {"pk": pk} if pk is not None else None
        parse = getattr(self.model, "parse_reference", None)
        if parse is not None:
            pk = parse(value)
            if pk is not None:
                return {"pk": pk}
        if self.alternate_lookup_field:
            return {self.alternate_lookup_field: value}
        return None

    def get_object(self, queryset=None):
        # The list's filters (e.g. "active records only") never hide a record from its detail.
        lookup = self.parse_lookup(str(self.kwargs[self.lookup_url_kwarg or self.lookup_field]))
        if lookup is None:
            raise Http404
        if queryset is None:
            queryset = self.get_detail_queryset()
        obj = get_object_or_404(queryset, **lookup)
        self.check_object_permissions(self.request, obj)
        return obj

    # --- write access to one record (asked by RecordPermission) ---
    def may_change(self, user, obj) -> bool:
        return rules.allows(user, "change", obj)

    def list(self, request, *args, **kwargs):
        with replica.reading_for(request.user):  # auditors read from the replica, if any
            return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        response = Response(self.get_serializer(obj).data)
        tag = etag_for(obj)
        if tag:
            response["ETag"] = tag
        return response


class ServiceWriteMixin:
    """Create and update through the app's services; the response is the record as read."""

    input_serializer_class = None

    def perform_service_create(self, data: dict):
        raise NotImplementedError

    def perform_service_update(self, obj, data: dict):
        raise NotImplementedError

    def get_input_serializer(self, *args, **kwargs):
        kwargs.setdefault("context", self.get_serializer_context())
        return self.input_serializer_class(*args, **kwargs)

    def _read_back(self, obj, status_code=status.HTTP_200_OK):
        obj = self.get_detail_queryset().get(pk=obj.pk)
        response = Response(self.get_serializer(obj).data, status=status_code)
        tag = etag_for(obj)
        if tag:
            response["ETag"] = tag
        return response

    def create(self, request, *args, **kwargs):
        serializer = self.get_input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.perform_service_create(serializer.validated_data)
        response = self._read_back(obj, status.HTTP_201_CREATED)
        response["Location"] = response.data.get("url", "")
        return response

    def update(self, request, *args, partial=False, **kwargs):
        obj = self.get_object()  # 404 and 403 come first: they say nothing of versions
        expected = self.expected_version(request, obj)
        with transaction.atomic():
            locked = type(obj).objects.select_for_update().get(pk=obj.pk)
            serializer = self.get_input_serializer(obj, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            try:
                data = self.merge(locked, expected, serializer.validated_data)
            except EditConflict as conflict:
                raise EditConflictError(conflict, etag=etag_for(locked)) from conflict
            obj = self.perform_service_update(obj, data)
        return self._read_back(obj)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def merge(self, locked, expected, data: dict) -> dict:
        """What the update writes: ``data`` merged with the changes saved since ``expected``
        (the version the client read) by :func:`~apps.core.concurrency.check_version`, for a
        versioned record; a record without versions was already compared by its ETag."""
        if expected is None or not hasattr(locked, "version"):
            return dict(data)
        return check_version(locked, expected, data)

    def expected_version(self, request, obj) -> int | None:
        """The version the client read: from ``If-Match`` (the ETag of a detail) or from
        ``version`` in the body. Neither is a 428; a version the record never had is a 412; a
        record without versions must match its ETag exactly (409), and gives ``None``."""
        header = (request.headers.get("If-Match") or "").strip()
        tags = _if_match_tags(header)
        body = request.data.get("version") if hasattr(request.data, "get") else None
        name = getattr(obj, "reference", "") or "The record"
        current = etag_for(obj)
        if not tags and body in (None, ""):
            raise PreconditionRequired(
                f"Say which version of {name} you are changing: read it (GET gives its ETag, "
                f"now {current}) and send If-Match with that ETag, or the record's version in "
                "the body, so that you never overwrite a change you have not seen."
            )
        if tags == ["*"]:
            raise PreconditionRequired(
                "If-Match: * names no version: send the ETag you read, so that you never "
                "overwrite a change you have not seen."
            )
        if getattr(obj, "version", None) is None:
            if current is not None and current not in tags:
                raise Conflict(
                    f"{name} was changed since you read it (its ETag is now {current}): read "
                    "it again and re-apply your change."
                )
            return None
        versions = set()
        for tag in tags:
            match = _VERSION_TAG.match(tag)
            if match and int(match.group(1)) == obj.pk:
                versions.add(int(match.group(2)))
        if tags and not versions:
            raise PreconditionFailed(
                f"If-Match names no version of {name}: send the ETag a GET of it gives "
                f"(now {current})."
            )
        if body not in (None, ""):
            try:
                versions.add(int(str(body)))
            except ValueError:
                raise exceptions.ValidationError(
                    {"version": ["The version is a whole number, as a GET of the record gives."]}
                ) from None
        if len(versions) > 1:
            raise exceptions.ValidationError(
                {
                    "version": [
                        "If-Match and version name different versions of the record: name one."
                    ]
                }
            )
        expected = versions.pop()
        if not 1 <= expected <= obj.version:
            raise PreconditionFailed(
                f"{name} has no version {expected}: its current version is {obj.version} "
                f"(ETag {current})."
            )
        return expected
