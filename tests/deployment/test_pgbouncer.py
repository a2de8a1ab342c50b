"""The app behind PgBouncer in transaction mode (``DATABASE_POOLER=pgbouncer``), a real
PgBouncer started by the tests (Debian's package): pages, the API and the streamed exports work;
nothing outlives a transaction on the server (no cursor WITH HOLD, no session-level lock, no
prepared statement). The last tests show what breaks without those settings."""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Membership
from apps.core import db
from apps.core.management.commands import start
from apps.reminders import services as reminders
from apps.reminders.models import Reminder
from apps.risks.models import Risk
from tests.deployment.conftest import committed_rows, through_pgbouncer
from tests.deployment.services import connect
from tests.factories import AISystemFactory, MembershipFactory, MitigationFactory, RiskFactory

ROOT = Path(__file__).resolve().parents[2]


def through(bouncer) -> int:
    """Transactions PgBouncer has passed on to PostgreSQL so far (all databases)."""
    return sum(row["total_xact_count"] for row in bouncer.show("STATS"))


def open_test_database(port: int):
    """A connection of its own to the test database (advisory locks are per database)."""
    return connect(port, dbname=connection.settings_dict["NAME"])


def settings_with(**env) -> dict:
    """The database settings a process started with ``env`` gets."""
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({k: v for k, v in settings.DATABASES['default'].items() "
        "if k in ('DISABLE_SERVER_SIDE_CURSORS', 'OPTIONS', 'CONN_MAX_AGE')}))"
    )
    result = subprocess.run(  # noqa: S603 - our interpreter
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:6432/register",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- Settings -------------------------------------------------------------------------------------
def test_database_pooler_pgbouncer_turns_off_server_side_cursors_and_prepared_statements():
    database = settings_with(DATABASE_POOLER="pgbouncer")
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert database["OPTIONS"]["prepare_threshold"] is None


def test_database_pooler_psycopg_gives_each_process_a_pool_instead_of_persistent_connections():
    database = settings_with(DATABASE_POOLER="psycopg", DATABASE_POOL_MAX="6")
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"]["max_size"] == 6


def test_without_database_pooler_connections_are_direct_and_persistent():
    database = settings_with()
    assert "DISABLE_SERVER_SIDE_CURSORS" not in database
    assert "prepare_threshold" not in database.get("OPTIONS", {})
    assert database["CONN_MAX_AGE"] == 60


@pytest.mark.postgres
@pytest.mark.django_db
def test_connected_directly_the_sweep_lock_is_the_session_lock_of_its_connection():
    assert type(reminders.SweepLock()) is reminders.AdvisorySweepLock


# --- The app behind PgBouncer ---------------------------------------------------------------------
# The module's rows are committed and every test runs in autocommit, as requests do: each query
# may go to another server connection of PgBouncer's pool.
@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, pgbouncer):
    """A team's system with seven risks (one mitigated) and another team's risk, committed;
    the app's connection goes through PgBouncer for the whole module."""
    with committed_rows(django_db_blocker), through_pgbouncer(pgbouncer):
        contributor = MembershipFactory(role=Membership.Role.CONTRIBUTOR).user
        system = AISystemFactory(
            team=contributor.teams.get(), business_owner=contributor, technical_owner=contributor
        )
        risks = [RiskFactory(system=system, title=f"Risk {n}") for n in range(7)]
        MitigationFactory(system=system, risks=[risks[0]])
        RiskFactory(title="Another team's risk")
        yield SimpleNamespace(
            bouncer=pgbouncer, contributor=contributor, system=system, risks=risks
        )


@pytest.fixture
def client(world, unblocked):
    client = Client()
    client.force_login(world.contributor)
    return client


@pytest.mark.postgres
def test_pages_and_the_api_work_through_pgbouncer(world, client):
    before = through(world.bouncer)
    for url in (
        reverse("dashboard:home"),
        reverse("risks:list"),
        world.risks[0].get_absolute_url(),
        reverse("api:risk-list"),
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("api:risk-list")).json()["count"] == 7
    assert through(world.bouncer) > before  # the queries went through PgBouncer


@pytest.mark.postgres
def test_the_csv_export_is_written_by_copy_through_pgbouncer(client):
    response = client.get(reverse("api:export-risks-csv"))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(list(csv.reader(io.StringIO("\n".join(lines[:-1]))))) == 1 + 7
    assert lines[-1].startswith("# end: 7 rows, sha256 ")


@pytest.mark.postgres
def test_the_json_export_streams_in_chunks_through_pgbouncer(world, client, monkeypatch):
    monkeypatch.setattr("apps.core.api.exports.CHUNK_SIZE", 2)  # four fetches of the cursor
    response = client.get(reverse("api:export-risks-json"))
    rows = json.loads(b"".join(response.streaming_content))
    assert sorted(row["title"] for row in rows) == sorted(risk.title for risk in world.risks)


@pytest.mark.postgres
def test_the_xlsx_export_works_through_pgbouncer(client):
    response = client.get(reverse("api:export-risks-xlsx"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK\x03\x04")


@pytest.mark.postgres
def test_streamed_rows_hold_no_transaction_of_the_request_and_leave_none_open(world, unblocked):
    rows = db.stream_rows(Risk.objects.order_by("pk").values_list("pk"), chunk_size=2)
    first = next(rows)
    assert connection.get_autocommit()  # the request's connection is not held
    assert [first, *rows] == list(Risk.objects.order_by("pk").values_list("pk"))
    with connect(world.bouncer.upstream_port) as direct:
        idle_in_transaction = direct.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND state LIKE 'idle in transaction%%'",
            [connection.settings_dict["NAME"]],
        ).fetchone()[0]
    assert idle_in_transaction == 0


@pytest.mark.postgres
def test_the_sweep_behind_pgbouncer_takes_a_lock_that_its_transaction_holds(world, unblocked):
    lock = reminders.SweepLock()
    assert isinstance(lock, reminders.PooledSweepLock)
    assert lock.acquire()
    try:
        with open_test_database(world.bouncer.port) as other, other.transaction():
            taken = other.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", [lock.namespace, lock.key]
            ).fetchone()[0]
        assert taken is False
        assert reminders.SweepLock().holder() == "this process already holds it"
    finally:
        lock.release()
    with open_test_database(world.bouncer.port) as other, other.transaction():
        assert other.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [lock.namespace, lock.key]
        ).fetchone()[0]


@pytest.mark.postgres
def test_the_sweep_lock_behind_pgbouncer_dies_with_its_holders_connection(world, unblocked):
    lock = reminders.SweepLock()
    assert lock.acquire()
    with connect(world.bouncer.upstream_port) as direct:
        direct.execute("SELECT pg_terminate_backend(%s)", [lock.lock.backend_pid()])
    reminders.PooledSweepLock._held_here.clear()  # as another process would find it
    other = reminders.PooledSweepLock()
    deadline = time.monotonic() + 10  # the terminated backend takes a moment to exit
    try:
        while not other.acquire() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert other.held  # no timeout to wait out
    finally:
        other.release()
        lock.release()  # logs that the connection was lost


@pytest.mark.postgres
def test_a_whole_reminder_sweep_runs_through_pgbouncer(world, unblocked):
    MitigationFactory(
        system=world.system, due_date=datetime.date.today() - datetime.timedelta(days=2)
    )
    result = reminders.run_locked_sweep()
    assert result is not None and result.candidates >= 1
    assert Reminder.objects.exists()


@pytest.mark.postgres
def test_processes_starting_behind_pgbouncer_take_turns(world, unblocked):
    with (
        start.start_lock(),
        open_test_database(world.bouncer.port) as other,
        other.transaction(),
    ):
        held = other.execute("SELECT pg_try_advisory_xact_lock(%s)", [start.START_LOCK_KEY])
        assert held.fetchone()[0] is False
    with open_test_database(world.bouncer.port) as other, other.transaction():
        held = other.execute("SELECT pg_try_advisory_xact_lock(%s)", [start.START_LOCK_KEY])
        assert held.fetchone()[0] is True


@pytest.mark.postgres
def test_repeated_queries_are_never_prepared_behind_pgbouncer(world, unblocked):
    for _ in range(10):  # psycopg would prepare from the fifth time with its default threshold
        assert Risk.objects.filter(system=world.system).count() == 7
    assert connection.connection.prepare_threshold is None


# --- What breaks behind PgBouncer without these settings ------------------------------------------
# PgBouncer hands an idle server connection to the next transaction, the most recently used
# first: while client A's transaction holds the server B used last, B gets another one.
def test_a_session_level_lock_outlives_its_unlock_behind_pgbouncer(pgbouncer):
    with (
        connect(pgbouncer.port) as holder,
        connect(pgbouncer.port) as busy,
        connect(pgbouncer.upstream_port) as direct,
    ):
        holder.execute("SELECT pg_advisory_lock(4242, 1)")  # on server connection S1
        with busy.transaction():
            busy.execute("SELECT 1")  # S1 is now this transaction's
            unlocked = holder.execute("SELECT pg_advisory_unlock(4242, 1)").fetchone()[0]
        assert unlocked is False  # S2 held no such lock…
        still_held = direct.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 4242 "
            "AND objid = 1 AND granted"
        ).fetchone()[0]
        assert still_held == 1  # …and S1 keeps it for whoever gets S1 next
        direct.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid = 4242 AND objid = 1"
        )


def test_prepared_statements_break_behind_pgbouncer_in_transaction_mode(pgbouncer):
    with (
        connect(pgbouncer.port, prepare_threshold=0) as preparing,
        connect(pgbouncer.port) as busy,
    ):
        preparing.execute("SELECT %s::int", [1])  # prepared on S1
        with busy.transaction():
            busy.execute("SELECT 1")  # S1 is now this transaction's
            with pytest.raises(psycopg.errors.InvalidSqlStatementName):
                preparing.execute("SELECT %s::int", [2])  # the statement is not on S2
