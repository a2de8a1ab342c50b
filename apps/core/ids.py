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
