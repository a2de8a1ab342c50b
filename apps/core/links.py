"""Links to records, written without resolving the route for every row.

A system page links each of its 50 risks and their mitigations several times: about 250 calls
of ``reverse`` a page, a fifth of its time. :func:`reverse_pk` reverses a route once per URL conf
and script prefix (the other inputs of ``reverse``) and writes each primary key into it:
the same text ``reverse`` gives.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# A primary key no record has, reversed once and then replaced by each record's.
_PLACEHOLDER = 987654321987654321
_AROUND: dict[tuple, tuple[str, str]] = {}


def reverse_pk(viewname: str, pk) -> str:
    """``reverse(viewname, args=[pk])`` for a route whose only argument is an integer pk."""
    if not isinstance(pk, int) or isinstance(pk, bool):
        return reverse(viewname, args=[pk])
    key = (viewname, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    around = _AROUND.get(key)
    if around is None:
        before, after = reverse(viewname, args=[_PLACEHOLDER]).split(str(_PLACEHOLDER), 1)
        around = _AROUND[key] = (before, after)
    return f"{around[0]}{pk}{around[1]}"
