"""Reads that tolerate lag from a read replica (``REPLICA_URL``), against a real streaming
replica of the PostgreSQL cluster made by the tests (``pg_basebackup -R``, a second server on
another port): auditors' API lists and exports and the dashboard's figures come from it; writes,
reads after a write and reads in a transaction stay on the primary; a replica that is down
leaves every read on the primary, with a warning.

The replica is told apart from the primary by pausing its replay: a risk written meanwhile is
on the primary only, so what a page shows says where it read."""

from __future__ import annotations

import contextlib
import logging
import time
from types import SimpleNamespace

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Membership
from apps.core import replica
from apps.risks.models import Risk
from tests.deployment.conftest import committed_rows
from tests.deployment.services import connect
from tests.factories import AISystemFactory, MembershipFactory, RiskFactory, UserFactory


# --- Without REPLICA_URL --------------------------------------------------------------------------
def test_without_replica_url_every_read_is_the_primarys():
    assert not replica.replica_configured()
    assert replica.read_alias() == DEFAULT_DB_ALIAS
    with replica.reading_from_replica():
        assert replica.read_alias() == DEFAULT_DB_ALIAS


def test_the_router_never_migrates_or_writes_the_replica():
    router = replica.ReplicaRouter()
    assert router.allow_migrate(replica.REPLICA, "risks") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "risks") is True
    with replica.reading_from_replica():
        assert router.db_for_write(Risk) == DEFAULT_DB_ALIAS


@pytest.mark.django_db
def test_an_auditor_tolerates_lag_and_a_contributor_does_not(auditor, contributor):
    assert replica.tolerates_lag(auditor) is True
    assert replica.tolerates_lag(contributor) is False


# --- With a streaming replica ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, streaming_replica):
    """A team's system with three risks, its contributor and an auditor, committed (the
    replica sees only committed rows)."""
    with committed_rows(django_db_blocker):
        contributor = MembershipFactory(role=Membership.Role.CONTRIBUTOR).user
        system = AISystemFactory(
            team=contributor.teams.get(), business_owner=contributor, technical_owner=contributor
        )
        for n in range(3):
            RiskFactory(system=system, title=f"Risk {n}")
        auditor = UserFactory(is_auditor=True)
        yield SimpleNamespace(contributor=contributor, auditor=auditor, system=system)


@pytest.fixture
def standby(world, replica_database, django_db_blocker):
    """The streaming replica as the app's ``replica`` database, caught up with the primary."""
    with django_db_blocker.unblock():
        caught_up(replica_database)
        yield replica_database


def replica_sql(standby, sql: str, params=()):
    with connect(standby.port, dbname=connection.settings_dict["NAME"]) as replica_connection:
        return replica_connection.execute(sql, params).fetchone()


def caught_up(standby, seconds: float = 10) -> float:
    """Wait until the replica has replayed everything the primary has written; the seconds
    it took."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        behind = replica_sql(
            standby, "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn())", [target]
        )
        if behind[0] <= 0:
            return time.monotonic() - started
        time.sleep(0.01)
    raise AssertionError(f"the replica did not catch up within {seconds} s")


@contextlib.contextmanager
def replay_paused(standby):
    """The replica stops replaying the primary's writes until the block ends."""
    replica_sql(standby, "SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        replica_sql(standby, "SELECT pg_wal_replay_resume()")
        caught_up(standby)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_count(client) -> int:
    response = client.get(reverse("api:risk-list"))
    assert response.status_code == 200
    return response.json()["count"]


def test_a_committed_write_reaches_the_replica_in_well_under_a_second(world, standby):
    risk = RiskFactory(system=world.system, title="Fresh")
    lag = caught_up(standby)
    assert replica_sql(standby, "SELECT title FROM risks_risk WHERE id = %s", [risk.pk]) == (
        "Fresh",
    )
    assert lag < 1.0
    risk.delete()


def test_an_auditors_api_list_is_read_from_the_replica(world, standby):
    auditor = signed_in(world.auditor)
    before = api_count(auditor)
    with replay_paused(standby):
        RiskFactory(system=world.system, title="Written while the replica lags")
        assert api_count(auditor) == before  # the replica's view
        assert Risk.objects.count() == before + 1  # the primary's
    assert api_count(auditor) == before + 1


def test_a_contributors_api_list_is_read_from_the_primary(world, standby):
    contributor = signed_in(world.contributor)
    before = api_count(contributor)
    with replay_paused(standby):
        RiskFactory(system=world.system)
        assert api_count(contributor) == before + 1


def test_an_auditors_csv_and_json_exports_are_read_from_the_replica(world, standby):
    auditor = signed_in(world.auditor)
    with replay_paused(standby):
        RiskFactory(system=world.system, title="Not yet on the replica")
        csv_export = b"".join(auditor.get(reverse("api:export-risks-csv")).streaming_content)
        json_export = b"".join(auditor.get(reverse("api:export-risks-json")).streaming_content)
    assert b"Not yet on the replica" not in csv_export
    assert b"Not yet on the replica" not in json_export
    assert b"Risk 0" in csv_export and b"Risk 0" in json_export


def test_the_dashboard_reads_its_figures_from_the_replica(world, standby):
    contributor = signed_in(world.contributor)
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        assert contributor.get(reverse("dashboard:home")).status_code == 200
    assert len(on_replica) > 0


def test_the_dashboard_just_after_the_browsers_own_write_reads_from_the_primary(world, standby):
    contributor = signed_in(world.contributor)
    response = contributor.post(reverse("reminders:notifications_read_all"))
    assert response.status_code < 400
    assert replica.ReplicaPinMiddleware.cookie in response.cookies
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        assert contributor.get(reverse("dashboard:home")).status_code == 200
    assert len(on_replica) == 0


def test_reads_after_a_write_in_a_replica_block_are_the_primarys(world, standby):
    before = Risk.objects.count()
    with replay_paused(standby), replica.reading_from_replica():
        RiskFactory(system=world.system)  # committed on the primary, not yet on the replica
        assert Risk.objects.count() == before + 1


def test_reads_in_a_replica_block_see_the_replica_until_they_write(world, standby):
    before = Risk.objects.count()
    with replay_paused(standby):
        RiskFactory(system=world.system)
        with replica.reading_from_replica():
            assert Risk.objects.count() == before  # the replica's view


def test_reads_in_a_transaction_of_the_primary_stay_on_the_primary(world, standby):
    before = Risk.objects.count()
    with replay_paused(standby), transaction.atomic(), replica.reading_from_replica():
        assert replica.read_alias() == DEFAULT_DB_ALIAS
        assert Risk.objects.count() == before
        transaction.set_rollback(True)


def test_a_replica_that_is_down_leaves_reads_on_the_primary_with_one_warning(
    world, standby, caplog
):
    auditor = signed_in(world.auditor)
    before = api_count(auditor)  # connected to the replica
    standby.pg_ctl("stop", "-m", "fast", "-w")
    try:
        caplog.set_level(logging.WARNING, logger="apps.core.replica")
        RiskFactory(system=world.system)
        for _ in range(2):
            connections[replica.REPLICA].close_if_unusable_or_obsolete()  # a request's start
            assert api_count(auditor) == before + 1  # the primary's
        warnings = [r for r in caplog.records if r.name == "apps.core.replica"]
        assert len(warnings) == 1
        assert "reading from the primary" in warnings[0].getMessage()
    finally:
        standby.pg_ctl("start", "-w", "-l", str(standby.folder / "replica.log"))
        replica.health.reset()
