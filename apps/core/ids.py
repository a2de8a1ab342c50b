"""Primary keys read from query strings and forms, safely.

``str.isdigit`` is true for ``"³"`` and ``"٣"``, which ``int()`` refuses or reads as a number
PostgreSQL never stores; a key longer than a ``bigint`` makes PostgreSQL raise. Both would be a
500 on a hand-edited URL, so every view reads such keys through :func:`parse_id`.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """``"42"`` → ``42``; anything that is not a plain ASCII positive integer a database can
    hold → ``None``."""
    text = str(value).strip() if value is not None else ""
    if not text or not text.isascii() or not text.isdecimal() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


NO_VERSION_TO_COMPARE = "No such version to compare with."


def version_to_compare(request, *, previous, numbered):
    """The older side of a comparison of versions (plans, classifications, impact assessments,
    technical documents): the version ``?against=<number>`` names, found by ``numbered(number)``
    (which raises ``Http404`` when there is none), or else ``previous()``, the one before."""
    from django.http import Http404

    against = request.GET.get("against", "")
    if not against:
        return previous()
    number = parse_id(against)
    if number is None:
        raise Http404(NO_VERSION_TO_COMPARE)
    return numbered(number)
