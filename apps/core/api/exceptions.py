"""One JSON shape for every error of the API, and the translation of the services' errors.

Every 4xx body has ``detail`` (a sentence a person can act on) and ``code``; a 400 adds
``errors``, the messages per field (``non_field_errors`` for the request as a whole)::

    {"detail": "The request is not valid: see errors.", "code": "invalid",
     "errors": {"residual_impact": ["The residual risk … cannot score higher …"]}}

The services raise Django's ``ValidationError`` and ``PermissionDenied`` (the pages show them on
forms); here they become a 400 with field errors and a 403. A database integrity error (two
people saving the same unique title at once) is a 409, never a 500; so is a request that lost a
race (:class:`~apps.core.concurrency.StateConflict`: a review decided a moment earlier) and an
edit whose fields someone else changed since the client read them
(:class:`~apps.core.concurrency.EditConflict`: the 409 adds ``conflicts``, each field's saved
value and the client's, and the record's current ``ETag``)::

    {"detail": "…", "code": "conflict", "version": 3,
     "conflicts": [{"field": "title", "label": "Title", "theirs": "…", "yours": "…"}]}

A write sent without saying which version it read is a 428 (``precondition_required``); one
naming a version the record never had is a 412 (``precondition_failed``).

Errors that are not the client's (a 500) are JSON too under ``/api/`` (see
:func:`apps.core.views.pages.server_error`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.concurrency import EditConflict, StateConflict

INVALID_DETAIL = "The request is not valid: see errors."


class Conflict(exceptions.APIException):
    """The record changed since the client read it, or its state forbids the request."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record was changed by someone else since you read it."
    default_code = "conflict"


class PreconditionRequired(exceptions.APIException):
    """A write that does not say which version of the record it read (428)."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "Say which version of the record you are changing: send If-Match with the ETag you "
        "read (or the record's version in the body), so that nobody's change is overwritten."
    )
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    """``If-Match`` or ``version`` names no version the record has had (412)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The version you sent is not one this record has had."
    default_code = "precondition_failed"


class EditConflictError(Conflict):
    """:class:`~apps.core.concurrency.EditConflict` in the API: the contested fields, the
    record's current version and its ETag (to read it again, or to send it to keep yours)."""

    def __init__(self, conflict: EditConflict, etag: str | None = None):
        super().__init__(conflict.message)
        self.conflict = conflict
        self.etag = etag

    def extra(self) -> dict:
        return {
            "version": self.conflict.version,
            "conflicts": [
                {"field": c.name, "label": c.label, "theirs": c.theirs, "yours": c.yours}
                for c in self.conflict.conflicts
            ],
        }


def validation_error_from_django(error: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ``ValidationError`` as DRF's, keeping the messages on their fields."""
    if hasattr(error, "error_dict"):
        detail = {
            (field if field != "__all__" else "non_field_errors"): messages
            for field, messages in error.message_dict.items()
        }
    else:
        detail = {"non_field_errors": error.messages}
    return exceptions.ValidationError(detail)


def api_exception_handler(exc, context):
    if isinstance(exc, StateConflict):
        exc = Conflict(" ".join(exc.messages))
    elif isinstance(exc, EditConflict):
        exc = EditConflictError(exc)
    elif isinstance(exc, DjangoValidationError):
        exc = validation_error_from_django(exc)
    elif isinstance(exc, IntegrityError):
        exc = Conflict("The change conflicts with another record saved at the same time.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: a 500, reported as such
    response.data = error_body(exc, response.data)
    if isinstance(exc, EditConflictError):
        response.data.update(exc.extra())
        if exc.etag:
            response["ETag"] = exc.etag
    return response


def error_body(exc, data) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        return {"detail": INVALID_DETAIL, "code": "invalid", "errors": errors}
    detail = getattr(exc, "detail", None)
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    if isinstance(detail, dict):
        detail = " ".join(str(message) for message in detail.values())
    elif isinstance(detail, list):
        detail = " ".join(str(message) for message in detail)
    return {"detail": str(detail), "code": str(code)}


def json_not_found(request, *args, **kwargs):
    """An unknown path under ``/api/v1/``: a JSON 404 rather than the site's HTML page.

    A known path without its trailing slash is redirected (308 keeps the method and body), as
    Django's ``APPEND_SLASH`` would do if this catch-all did not match first.
    """
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not json_not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(
                request.path + "/" + (f"?{query}" if query else ""), status=308
            )
    return JsonResponse(
        {"detail": "There is no such path in the API.", "code": "not_found"}, status=404
    )
