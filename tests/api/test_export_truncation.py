"""A CSV export says when it is whole: its last line is ``# end: N rows, sha256 <hex>``. A file
cut short — here by the database connection terminated mid-export, for real — has no trailer,
and a cut JSON export does not parse. The README's checks find both."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.db import DatabaseError, connection
from django.urls import reverse

from apps.core.api.exports import INTERRUPTED
from apps.core.models import AuditEvent
from apps.risks.models import Risk, RiskCategory, RiskMatrix
from apps.risks.services import apply_assessment
from tests.export_files import csv_rows, split_trailer
from tests.factories import AISystemFactory, IncidentFactory, ReviewFactory, RiskFactory

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
TRAILER = re.compile(rb"# end: (\d+) rows, sha256 ([0-9a-f]{64})\n\Z")


def body_of(response) -> bytes:
    assert response.status_code == 200, getattr(response, "content", b"")
    return b"".join(response.streaming_content)


def readme_block(language: str, marker: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", README.read_text(), re.S)
    return next(block for block in blocks if marker in block)


def check_with_readme(tmp_path, content: bytes) -> subprocess.CompletedProcess:
    """The README's Python check of a saved CSV export, run on ``content``."""
    script = tmp_path / "check_csv_export.py"
    script.write_text(readme_block("python", "check_csv_export.py"))
    saved = tmp_path / "register.csv"
    saved.write_bytes(content)
    return subprocess.run(  # noqa: S603 — the README's own snippet, run by this Python
        [sys.executable, str(script), str(saved)], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def three_risks(system):
    return [RiskFactory(system=system, title=f"Risk {n}\nwith a second line") for n in range(3)]


@pytest.fixture
def one_of_each(system, three_risks, mitigation):
    """A record of every register that exports, so that no export is only its header."""
    IncidentFactory(system=system)
    ReviewFactory(system=system)


# --- The trailer ----------------------------------------------------------------------------------
def test_a_csv_export_ends_with_its_row_count_and_checksum(client_for, three_risks):
    body = body_of(client_for("auditor").get(reverse("api:export-risks-csv")))
    match = TRAILER.search(body)
    assert match is not None
    before = body[: match.start()]
    assert int(match[1]) == 3
    assert hashlib.sha256(before).hexdigest() == match[2].decode()
    assert before.startswith("\ufeff".encode())  # the BOM and the header are covered too


def test_an_export_with_no_rows_says_so(client_for, db):
    body = body_of(client_for("auditor").get(reverse("api:export-risks-csv")))
    _, count = split_trailer(body)
    assert count == 0


EVERY_CSV_EXPORT = [
    "risks:export",
    "systems:export",
    "mitigations:export",
    "incidents:export",
    "reviews:export",
    "core:audit_log_export",
    "api:export-risks-csv",
    "api:export-systems-csv",
    "api:export-mitigations-csv",
    "api:export-incidents-csv",
    "api:export-audit-log-csv",
]


@pytest.mark.parametrize("url_name", EVERY_CSV_EXPORT)
def test_every_csv_export_ends_with_a_trailer(url_name, client_for, one_of_each):
    rows = csv_rows(body_of(client_for("auditor").get(reverse(url_name))))
    assert len(rows) >= 2  # checked against the trailer's count by csv_rows


def test_a_json_export_has_no_trailer_and_parses(client_for, three_risks):
    body = body_of(client_for("auditor").get(reverse("api:export-risks-json")))
    assert len(json.loads(body)) == 3
    assert b"# end" not in body


# --- The README's checks --------------------------------------------------------------------------
def test_the_readmes_python_check_passes_a_whole_export(client_for, three_risks, tmp_path):
    body = body_of(client_for("auditor").get(reverse("risks:export")))
    ran = check_with_readme(tmp_path, body)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "complete: 3 rows"


def test_the_readmes_python_check_finds_a_file_cut_after_a_whole_row(
    client_for, three_risks, tmp_path
):
    body = body_of(client_for("auditor").get(reverse("risks:export")))
    content, _ = split_trailer(body)
    ran = check_with_readme(tmp_path, content)  # every row whole, the trailer missing
    assert ran.returncode == 1
    assert "INCOMPLETE" in ran.stderr


def test_the_readmes_python_check_finds_a_row_removed(client_for, three_risks, tmp_path):
    body = body_of(client_for("auditor").get(reverse("risks:export")))
    removed = body.replace(three_risks[1].reference.encode(), b"RSK-9999")
    ran = check_with_readme(tmp_path, removed)
    assert ran.returncode == 1
    assert "CHANGED" in ran.stderr


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs GNU coreutils")
def test_the_readmes_shell_check_gives_the_trailers_checksum(client_for, three_risks, tmp_path):
    saved = tmp_path / "register.csv"
    saved.write_bytes(body_of(client_for("auditor").get(reverse("risks:export"))))
    script = readme_block("sh", "sha256sum").replace("register.csv", str(saved))
    ran = subprocess.run(  # noqa: S603 — the README's own lines
        [shutil.which("bash"), "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    trailer, digest = ran.stdout.splitlines()
    assert trailer.startswith("# end: 3 rows, sha256 ")
    assert digest.split()[0] == trailer.rsplit(" ", 1)[1]


# --- Cut for real: the export's database connection terminated mid-stream (PostgreSQL) ------------
def bulk_risks(count: int) -> None:
    system = AISystemFactory()
    category = RiskCategory.objects.get(slug="hallucination", parent__slug="model-error")
    matrix = RiskMatrix.load()
    batch = []
    for n in range(count):
        risk = Risk(
            system=system,
            title=f"Bulk risk {n}",
            scenario="A long enough scenario to look like real text. " * 6,
            category=category,
            owner=system.business_owner,
            inherent_likelihood=1 + n % 5,
            inherent_impact=5,
            residual_likelihood=1,
            residual_impact=5,
        )
        apply_assessment(risk, matrix)
        batch.append(risk)
    Risk.objects.bulk_create(batch, batch_size=2000)


def another_connection() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    )


def backend_state(other: psycopg.Connection, pid: int) -> tuple[str, str | None]:
    return other.execute(
        "SELECT state, wait_event FROM pg_stat_activity WHERE pid = %s", [pid]
    ).fetchone()


def wait_for_state(other: psycopg.Connection, pid: int, wanted: tuple, seconds: float = 10):
    """The backend's state once it is ``wanted`` (or the last one seen after ``seconds``)."""
    deadline = time.monotonic() + seconds
    state = backend_state(other, pid)
    while state != wanted and time.monotonic() < deadline:
        time.sleep(0.05)
        state = backend_state(other, pid)
    return state


def cut_export(client, url: str, *, read: int, while_sending: bool) -> tuple[bytes, Exception]:
    """Start the export, read ``read`` chunks, terminate its database connection from another
    one (``pg_terminate_backend``), then read on until the stream fails. ``while_sending``: the
    export's backend must be caught in the middle of sending (blocked writing to us).

    The backend is terminated whatever happens, so that a failed check never leaves a COPY
    blocked on its client (which would hang the test database's teardown)."""
    response = client.get(url)
    assert response.status_code == 200
    chunks = iter(response.streaming_content)
    received = [next(chunks) for _ in range(read)]
    pid = connection.connection.info.backend_pid
    failure = state = None
    with another_connection() as other:
        try:
            if while_sending:
                state = wait_for_state(other, pid, ("active", "ClientWrite"))
        finally:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
    try:
        received.extend(chunks)
    except DatabaseError as error:
        failure = error
    finally:
        response.close()
        connection.close()  # the next query opens a new one
    if while_sending:
        assert state == ("active", "ClientWrite"), state
    return b"".join(received), failure


@pytest.mark.postgres
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_csv_export_cut_by_a_terminated_connection_is_seen_to_be_incomplete(client_for, tmp_path):
    bulk_risks(20_000)
    body, failure = cut_export(
        client_for("auditor"), reverse("api:export-risks-csv"), read=2, while_sending=True
    )
    assert failure is not None  # the server sees the error (and aborts the download)
    assert body.endswith(INTERRUPTED.encode())
    complete_rows = body[: -len(INTERRUPTED)]
    assert complete_rows.count(b"Bulk risk") < 20_000
    assert b"# end:" not in body
    with pytest.raises(AssertionError, match="no trailer"):
        split_trailer(body)
    for content in (body, complete_rows[: complete_rows.rindex(b"\n") + 1]):
        ran = check_with_readme(tmp_path, content)
        assert ran.returncode == 1
        assert "INCOMPLETE" in ran.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_python_written_csv_cut_by_a_terminated_connection_has_no_trailer(client_for):
    """The audit log's CSV is written by Python from a server-side cursor, 2,000 rows a fetch."""
    template = AuditEvent.objects.order_by("pk").first() or _an_audit_event()
    AuditEvent.objects.bulk_create(
        AuditEvent(
            user_repr="Bulk",
            action="~",
            content_type_id=template.content_type_id,
            object_id=n + 1,
            object_repr=f"Bulk record {n}",
            history_id=n + 1,
        )
        for n in range(5_000)
    )
    body, failure = cut_export(
        client_for("auditor"), reverse("core:audit_log_export"), read=2, while_sending=False
    )
    assert failure is not None
    assert body.endswith(INTERRUPTED.encode())
    assert body.count(b"Bulk record") < 5_000
    assert b"# end:" not in body


def _an_audit_event() -> AuditEvent:
    RiskFactory()
    return AuditEvent.objects.order_by("pk").first()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_json_export_cut_by_a_terminated_connection_does_not_parse(client_for):
    bulk_risks(5_000)
    body, failure = cut_export(
        client_for("auditor"), reverse("api:export-risks-json"), read=2, while_sending=False
    )
    assert failure is not None
    assert body.startswith(b"[")
    assert body.rstrip().endswith(b"}")  # cut after a whole object: it still does not parse
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_next_export_after_a_cut_one_is_whole(client_for):
    bulk_risks(5_000)
    client = client_for("auditor")
    cut_export(client, reverse("api:export-risks-json"), read=2, while_sending=False)
    rows = csv_rows(body_of(client.get(reverse("api:export-risks-csv"))))
    assert len(rows) == 5_001
