"""Links to records, written without resolving the route for every row.

A system page links each of its 50 risks and their mitigations several times: about 250 calls
of ``reverse`` a page, a fifth of its time. :func:`reverse_pk` reverses a route once per URL conf
and script prefix (the other inputs of ``reverse``) and writes each primary key into it:
the same text ``reverse`` gives.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# A primary key no record has, reversed once and then replaced by each record's.
_PLACEHOLDER = 987654321987654321
_AROUND: dict[tuple, tuple[str, str]] = {}


def split_at_pk(reverse_with_pk: Callable[[int], str]) -> tuple[str, str]:
    """The text before and after the pk in the URL ``reverse_with_pk`` writes for a record."""
    before, after = reverse_with_pk(_PLACEHOLDER).split(str(_PLACEHOLDER), 1)
    return before, after


def is_pk(value) -> bool:
    """An integer primary key (what :func:`split_at_pk`'s halves can be joined around)."""
    return isinstance(value, int) and not isinstance(value, bool)


def reverse_pk(viewname: str, pk) -> str:
    """``reverse(viewname, args=[pk])`` for a route whose only argument is an integer pk."""
    if not is_pk(pk):
        return reverse(viewname, args=[pk])
    key = (viewname, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    if key not in _AROUND:
        _AROUND[key] = split_at_pk(lambda value: reverse(viewname, args=[value]))
    before, after = _AROUND[key]
    return f"{before}{pk}{after}"
