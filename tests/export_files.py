"""Reading CSV exports as a careful client does: check the trailer line first, then the rows.

Every CSV export ends with ``# end: N rows, sha256 <hex>`` (apps.core.api.exports.sealed_csv);
these helpers fail the test when it is missing, when its checksum is not that of the bytes before
it, or when the file has another number of rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re

TRAILER = re.compile(rb"# end: (\d+) rows, sha256 ([0-9a-f]{64})\n")


def split_trailer(body: bytes) -> tuple[bytes, int]:
    """The CSV before its trailer line, and the number of rows the trailer announces."""
    cut = body.rfind(b"\n# end: ")
    assert cut != -1, f"no trailer line: the export is incomplete ({body[-200:]!r})"
    content, trailer = body[: cut + 1], body[cut + 1 :]
    match = TRAILER.fullmatch(trailer)
    assert match is not None, f"not a trailer line: {trailer!r}"
    assert hashlib.sha256(content).hexdigest() == match[2].decode(), "checksum differs"
    return content, int(match[1])


def csv_text(body: bytes) -> str:
    """The CSV's text without its BOM and trailer (the trailer checked)."""
    content, _ = split_trailer(body)
    return content.decode("utf-8-sig")


def csv_rows(body: bytes) -> list[list[str]]:
    """The header and the rows, as many rows as the trailer announces."""
    content, count = split_trailer(body)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert len(rows) - 1 == count, (len(rows) - 1, count)
    return rows


def csv_dicts(body: bytes) -> list[dict[str, str]]:
    """The rows keyed by the header's names."""
    header, *rows = csv_rows(body)
    return [dict(zip(header, row, strict=True)) for row in rows]
