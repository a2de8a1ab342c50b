"""Every URL of the URL conf, as every role, for its own team's record and another team's.

The cases are generated from the URL conf (``get_resolver()``, walked recursively, the API's
routers included); the expected outcomes are the hand-written rows of
:mod:`tests.permission_matrix`. A URL without a row fails :func:`test_every_url_has_a_row`, and
its cases fail too, so that nobody adds a URL without saying who may use it. Besides the own and
the other team's record (MATRIX), URLs that take two records are tried with one of each team
(MIXED), and every write with the own team's archived system (ARCHIVED).

A page, list or export that the own team's viewer or contributor may open must not show a
record of the other team: every such record is named with :data:`OTHER_TEAM_MARK`.

Left out, on purpose: the administration site's own pages under ``/admin/`` (Django's
permission system, staff only, tested in ``tests/core/test_admin.py``; its index is in the
matrix). Static files are served by WhiteNoise and uploaded files only through the views in the
matrix, so neither has a URL pattern; one appearing would be a URL without a row.

The world (:mod:`tests.matrix_world`: two teams, each with a system and every kind of record
hanging off it, and each person's own tokens, notifications and exports) is built once for the
module. One test per URL and method tries every role with every record in turn, each visit in a
savepoint rolled back after it; a failure lists every wrong answer, each with its role and
record (``systems:edit POST as viewer (other team): expected 404, got 200``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from apps.core import pdf as core_pdf
from tests.matrix_world import OTHER_TEAM_MARK, Case, is_sided, world  # noqa: F401 (fixture)
from tests.permission_matrix import (
    ARCHIVED,
    MATRIX,
    MIXED,
    ROLES,
    Entry,
    cells,
    expected_outcome,
)

# Django's administration site (see the module's docstring), but for its index.
EXCLUDED_PREFIXES = ("admin:", "admin/")
INCLUDED_EXCEPTIONS = {"admin:index"}
TEAM_MEMBERS = {"viewer", "contributor"}  # they read their own team's records only


# --- The URL conf ---------------------------------------------------------------------------------
def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                yield route  # unnamed: its row is keyed by the route


def url_keys() -> list[str]:
    """Every URL name of the URL conf (an unnamed pattern by its route), once, in order."""
    keys = []
    for key in _walk(get_resolver().url_patterns):
        excluded = key.startswith(EXCLUDED_PREFIXES) and key not in INCLUDED_EXCEPTIONS
        if not excluded and key not in keys:
            keys.append(key)
    return keys


def cases() -> list[Case]:
    """Every URL × method × role × (own, other) team's record, then its MIXED and ARCHIVED
    cases; one failing case per URL without a row."""
    result = []
    for key in url_keys():
        entry = MATRIX.get(key)
        if entry is None:
            result.append(Case(key, "-", "-", "-"))  # fails: the URL has no row
            continue
        sides = ("own", "other") if is_sided(entry) else ("-",)
        for method in entry.expected:
            for role in ROLES:
                for side in sides:
                    result.append(Case(key, method, role, side))
        for side, rows in (("mixed", MIXED.get(key)), ("archived", ARCHIVED.get(key))):
            methods = getattr(rows, "expected", rows) or {}
            for method in methods:
                for role in ROLES:
                    result.append(Case(key, method, role, side))
    return result


# --- Outcomes -------------------------------------------------------------------------------------
def _login_paths() -> set[str]:
    return {reverse("login"), reverse("admin:login")}


def read(response) -> bytes:
    """The body; a streamed one is read to its end, so that an error while streaming shows."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def outcome(response) -> str:
    """The response as the matrix writes it: a status, ``login``, or ``302>app:name``."""
    code = response.status_code
    if code in (301, 302, 303):
        location = urlsplit(response["Location"]).path
        if location in _login_paths():
            return "login"
        return f"302>{resolve(location).view_name}"
    return str(code)


def text(response, content: bytes) -> str:
    """The body as text when it is text (pages, CSV, JSON), else ``""`` (PDF, XLSX)."""
    media_type = response.get("Content-Type", "")
    if media_type.startswith(("text/", "application/json")):
        return content.decode("utf-8", errors="replace")
    return ""


def matches(actual: str, expected: str) -> bool:
    if expected == "302":
        return actual.startswith("302>")
    return actual == expected


# --- The tests ------------------------------------------------------------------------------------
def test_every_url_has_a_row():
    missing = [key for key in url_keys() if key not in MATRIX]
    assert not missing, f"URLs without a row in tests/permission_matrix.py: {missing}"


def test_every_row_is_a_url():
    stale = sorted((set(MATRIX) | set(MIXED) | set(ARCHIVED)) - set(url_keys()))
    assert not stale, f"Rows of tests/permission_matrix.py for no URL: {stale}"


def test_every_row_has_a_cell_per_role():
    rows = [*MATRIX.items(), *MIXED.items(), *((k, Entry(v)) for k, v in ARCHIVED.items())]
    for key, entry in rows:
        for method, row in entry.expected.items():
            assert set(cells(row)) == set(ROLES), (key, method)


@pytest.fixture
def quick_pdf(monkeypatch):
    """Every PDF as its HTML: WeasyPrint's layout takes seconds per document, and the matrix asks
    who gets the document, not how it looks (tests/reviews/test_pdf.py and the other apps' PDF
    tests lay real ones out). The documents' templates are still rendered, so a template error
    still shows here."""
    monkeypatch.setattr(core_pdf, "html_to_pdf", lambda html: html.encode())


def visits() -> list[list[Case]]:
    """The cases by URL and method: one test each, which tries every role and record in turn."""
    groups: dict[tuple, list[Case]] = {}
    for case in cases():
        groups.setdefault((case.key, case.method), []).append(case)
    return list(groups.values())


def _visit_id(group: list[Case]) -> str:
    return f"{group[0].key} {group[0].method}"


def problems_with(case: Case, world) -> list[str]:  # noqa: F811 (the fixture)
    """What is wrong with one case's answer (nothing when it matches its row)."""
    entry = (MIXED if case.side == "mixed" else MATRIX).get(case.key)
    if entry is None:
        return [f"{case.key} has no row in tests/permission_matrix.py"]
    row = (ARCHIVED[case.key] if case.side == "archived" else entry.expected)[case.method]
    expected = expected_outcome(cells(row)[case.role], case.side)
    response = world.request(entry, case)
    content = read(response)
    actual = outcome(response)
    if not matches(actual, expected):
        return [f"{case}: expected {expected}, got {actual}"]
    # No page, list or export shows the own team's people another team's records.
    shown_to_team = case.role in TEAM_MEMBERS and case.side != "other" and actual == "200"
    if shown_to_team and OTHER_TEAM_MARK in text(response, content):
        return [f"{case}: shows the other team's records"]
    return []


@pytest.mark.django_db
@pytest.mark.parametrize("group", visits(), ids=_visit_id)
def test_permission_matrix(group, world, quick_pdf):  # noqa: F811 (the fixture)
    problems = []
    for case in group:  # each role with each record, each visit in a savepoint
        with transaction.atomic():
            problems += problems_with(case, world)
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)
