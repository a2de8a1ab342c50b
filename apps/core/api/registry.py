"""Which API resource shows which model: for links from the audit log to the records.

Filled by :mod:`apps.core.api.urls` from the viewsets it mounts (each declares its ``model``).
"""

from __future__ import annotations

from django.urls import NoReverseMatch
from rest_framework.reverse import reverse

from apps.core.links import is_pk, split_at_pk

_BASENAMES: dict[str, str] = {}


def register(model, basename: str) -> None:
    _BASENAMES[model._meta.label_lower] = basename


def basename_for(model_label: str) -> str | None:
    return _BASENAMES.get(model_label)


def detail_url(request, basename: str, lookup) -> str:
    """A record's address in the API. A list of 50 records links each several times: the route
    is reversed once per request and kind (:func:`apps.core.links.split_at_pk`), and each
    integer primary key written into it (the same text as ``reverse`` with the request)."""
    if request is None or not is_pk(lookup):
        return reverse(f"api:{basename}-detail", kwargs={"pk": lookup}, request=request)
    around = request.__dict__.setdefault("_api_detail_urls", {})
    if basename not in around:
        around[basename] = split_at_pk(
            lambda pk: reverse(f"api:{basename}-detail", kwargs={"pk": pk}, request=request)
        )
    before, after = around[basename]
    return f"{before}{lookup}{after}"


def record_api_url(request, model_label: str, pk: int) -> str | None:
    """The API address of an audited record, or ``None`` if the API does not serve its kind."""
    basename = _BASENAMES.get(model_label)
    if basename is None:
        return None
    try:
        return detail_url(request, basename, pk)
    except NoReverseMatch:
        return None


def list_url(request, basename: str) -> str:
    return reverse(f"api:{basename}-list", request=request)


def reverse_api(request, name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs=kwargs, request=request)
