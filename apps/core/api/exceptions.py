"""One JSON shape for every error of the API, and the translation of the services' errors.

Every 4xx body has ``detail`` (a sentence a person can act on) and ``code``; a 400 adds
``errors``, the messages per field (``non_field_errors`` for the request as a whole)::

    {"detail": "The request is not valid: see errors.", "code": "invalid",
     "errors": {"residual_impact": ["The residual risk … cannot score higher …"]}}

The services raise Django's ``ValidationError`` and ``PermissionDenied`` (the pages show them on
forms); here they become a 400 with field errors and a 403. A database integrity error (two
people saving the same unique title at once) is a 409, never a 500.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

INVALID_DETAIL = "The request is not valid: see errors."


class Conflict(exceptions.APIException):
    """The record changed since the client read it, or its state forbids the request."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record was changed by someone else since you read it."
    default_code = "conflict"


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
    if isinstance(exc, DjangoValidationError):
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
