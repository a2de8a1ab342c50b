"""What every CSV and XLSX export does to the text it writes, in one place.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and a tab or
a carriage return in front of one is skipped): a risk titled ``=HYPERLINK("http://…")`` would
become a live link, or worse, in the reader's spreadsheet ("CSV injection"). Text that starts
like that is written with a leading apostrophe, so it shows as the text it is. Only text is
touched: numbers (negative ones too), dates and booleans are written as they are.

Every exporter uses :func:`neutralise_formula` (or :func:`spreadsheet_row`): the pages' CSV exports
(risks, incidents, reviews), the API's CSV and XLSX exports and the register's XLSX export job.
JSON exports are left alone: no spreadsheet evaluates them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, made plain text; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def spreadsheet_row(values: Iterable[Any]) -> list[Any]:
    """A row of cells, each through :func:`neutralise_formula`."""
    return [neutralise_formula(value) for value in values]
