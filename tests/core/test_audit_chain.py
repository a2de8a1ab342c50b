"""The tamper-evident audit chain and ``manage.py verify_audit_trail``.

Every audit entry is chained to the one before it by a hash that also covers the historical row
it records; tampering with either in SQL, removing or reordering entries shows up.
"""

import io
import threading
import time
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core import audit_chain
from apps.core.models import AuditChainHead, AuditEvent
from apps.mitigations import services as mitigation_services
from apps.mitigations.models import Mitigation
from apps.risks import services as risk_services
from apps.risks.models import Risk, RiskCategory
from apps.systems import services as system_services
from apps.systems.models import AISystem
from tests.factories import AISystemFactory, MembershipFactory, RiskFactory, UserFactory

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has no row locks between connections to test",
)


def verify(*args) -> str:
    out = io.StringIO()
    call_command("verify_audit_trail", *args, stdout=out)
    return out.getvalue()


def verification_error(*args) -> str:
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit_trail", *args, stdout=io.StringIO())
    return str(raised.value)


def names(event: AuditEvent) -> str:
    """How the report names an entry."""
    return f"entry {event.pk} (sequence {event.sequence})"


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def chain() -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("sequence"))


def entry_for(model, history_id) -> AuditEvent:
    return AuditEvent.objects.get(
        content_type__app_label=model._meta.app_label,
        content_type__model=model._meta.model_name,
        history_id=history_id,
    )


@pytest.fixture
def trail(team, contributor):
    """Some work through the services: a system edited, a risk added and edited, a mitigation
    planned for it (a many-to-many history) and a membership removed."""
    system = AISystemFactory(team=team, name="Support chatbot 🤖\nsecond line")
    system_services.update_system(
        system=system, by=contributor, data={"vendor": "Acme"}, reason="New vendor"
    )
    risk = risk_services.create_risk(
        system=system,
        by=contributor,
        data={
            "title": "Invented refund policy",
            "scenario": "The assistant states refund terms that do not exist.",
            "category": RiskCategory.objects.get(slug="hallucination"),
            "owner": contributor,
            "inherent_likelihood": 4,
            "inherent_impact": 4,
            "residual_likelihood": 2,
            "residual_impact": 3,
            "treatment": "mitigate",
            "status": "open",
        },
    )
    risk_services.update_risk(risk=risk, by=contributor, data={"residual_likelihood": 1})
    mitigation_services.create_mitigation(
        system=system,
        by=contributor,
        data={
            "title": "Ground answers in the policy corpus",
            "description": "Retrieval from the published policies only.",
            "kind": "architecture",
            "layer": "application",
            "owner": contributor,
        },
        risks=[risk],
    )
    MembershipFactory(team=team).delete()
    return system, risk


# --- Appending -----------------------------------------------------------------------------------
def test_creating_through_a_service_appends_a_link_to_the_chain(team, contributor):
    system = AISystemFactory(team=team)
    before = AuditChainHead.objects.get().sequence
    mitigation = mitigation_services.create_mitigation(
        system=system,
        by=contributor,
        data={
            "title": "Filter",
            "kind": "architecture",
            "layer": "application",
            "owner": contributor,
        },
    )
    event = AuditEvent.objects.get(sequence=before + 1)
    assert (event.action, event.object_id, event.user) == ("+", mitigation.pk, contributor)
    assert len(event.entry_hash) == 64
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.entry_hash) == (event.sequence, event.entry_hash)


def test_updating_through_a_service_appends_the_next_link(team, contributor):
    system = AISystemFactory(team=team)
    head = AuditChainHead.objects.get()
    system_services.update_system(system=system, by=contributor, data={"vendor": "Acme"})
    event = AuditEvent.objects.get(sequence__gt=head.sequence, content_type__model="aisystem")
    assert (event.action, event.object_id, event.user) == ("~", system.pk, contributor)
    assert AuditChainHead.objects.get().entry_hash == event.entry_hash  # the newest link


def test_deleting_a_record_appends_a_link(team):
    """Records are archived through the services; memberships are deleted (by the admin)."""
    membership = MembershipFactory(team=team)
    membership_pk = membership.pk
    membership.delete()
    event = AuditEvent.objects.latest("sequence")
    assert (event.action, event.object_id) == ("-", membership_pk)
    assert AuditChainHead.objects.get().sequence == event.sequence


def test_links_are_numbered_without_gaps_in_the_order_they_were_written(trail):
    entries = chain()
    assert [e.sequence for e in entries] == list(range(1, len(entries) + 1))
    assert [e.pk for e in entries] == sorted(e.pk for e in entries)
    assert len({e.entry_hash for e in entries}) == len(entries)


def test_the_same_content_after_another_entry_gets_another_hash():
    """The previous hash is part of each link: identical content elsewhere in the chain
    hashes differently."""
    entry = {"sequence": 1, "changes": []}
    first = audit_chain.link_hash(audit_chain.GENESIS_HASH, entry, None)
    assert audit_chain.link_hash(first, entry, None) != first


# --- Verification of a clean trail ---------------------------------------------------------------
def test_a_clean_trail_verifies_with_its_count_and_head_hash(trail):
    head = AuditChainHead.objects.get()
    output = verify()
    assert f"Audit trail OK: {AuditEvent.objects.count():,} entries verified" in output
    assert f"Head: sequence {head.sequence} hash {head.entry_hash}" in output
    assert head.entry_hash == AuditEvent.objects.get(sequence=head.sequence).entry_hash


def test_an_empty_trail_verifies():
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.update(sequence=0, entry_hash=audit_chain.GENESIS_HASH)
    assert "Audit trail OK: 0 entries verified." in verify()


def test_verification_queries_per_chunk_not_per_entry(trail, contributor):
    system, _risk = trail
    with CaptureQueriesContext(connection) as before:
        verify()
    for n in range(20):
        system_services.update_system(system=system, by=contributor, data={"vendor": f"V{n}"})
    with CaptureQueriesContext(connection) as after:
        assert "OK" in verify()
    assert len(after) == len(before)


def test_verification_in_small_chunks_gives_the_same_answer(trail):
    head = AuditChainHead.objects.get()
    output = verify("--chunk-size", "3")
    assert f"{AuditEvent.objects.count():,} entries verified" in output
    assert head.entry_hash in output


def test_verification_can_start_at_a_given_entry(trail):
    entries = chain()
    start = entries[3]
    output = verify("--from-entry", str(start.pk))
    assert f"{len(entries) - 3} entries verified (sequence 4 to {len(entries)})" in output


def test_verification_from_an_entry_still_finds_a_later_break(trail):
    entries = chain()
    sql("UPDATE core_auditevent SET object_repr = 'Forged' WHERE id = %s", [entries[-2].pk])
    assert names(entries[-2]) in verification_error("--from-entry", str(entries[2].pk))


def test_verification_from_an_unknown_entry_is_refused(trail):
    assert "No audit entry 999999" in verification_error("--from-entry", "999999")


# --- Tampering in SQL ----------------------------------------------------------------------------
def test_editing_a_historical_row_in_sql_breaks_the_chain_at_its_entry(trail):
    _system, risk = trail
    version = risk.history.order_by("history_id").first()
    sql(
        "UPDATE risks_historicalrisk SET title = %s WHERE history_id = %s",
        ["Nothing to see", version.history_id],
    )
    message = verification_error()
    assert names(entry_for(Risk, version.history_id)) in message
    assert "risks.risk" in message
    assert f"{risk.reference} 'Invented refund policy' (id {risk.pk})" in message
    assert "was changed" in message


def test_editing_a_many_to_many_history_row_breaks_the_chain(trail):
    row = sql_one(
        "SELECT m2m_history_id, history_id FROM mitigations_historicalmitigation_risks "
        "ORDER BY m2m_history_id"
    )
    sql(
        "UPDATE mitigations_historicalmitigation_risks SET risk_id = risk_id + 1000 "
        "WHERE m2m_history_id = %s",
        [row[0]],
    )
    assert names(entry_for(Mitigation, row[1])) in verification_error()


def sql_one(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()


def test_deleting_a_historical_row_breaks_the_chain(trail):
    system, _risk = trail
    version = system.history.order_by("history_id").first()
    sql("DELETE FROM systems_historicalaisystem WHERE history_id = %s", [version.history_id])
    message = verification_error()
    assert names(entry_for(AISystem, version.history_id)) in message
    assert "is missing" in message


def test_editing_an_audit_entry_in_sql_breaks_the_chain_at_that_entry(trail):
    entry = chain()[4]
    sql("UPDATE core_auditevent SET user_repr = 'Somebody else' WHERE id = %s", [entry.pk])
    message = verification_error()
    assert names(entry) in message
    assert str(entry.timestamp.year) in message


def test_editing_the_changes_of_an_entry_breaks_the_chain(trail):
    entry = AuditEvent.objects.filter(action="~").order_by("sequence").first()
    AuditEvent.objects.filter(pk=entry.pk).update(changes=[])
    assert names(entry) in verification_error()


def test_deleting_an_entry_breaks_the_chain_at_the_next_one(trail):
    entries = chain()
    sql("DELETE FROM core_auditevent WHERE id = %s", [entries[2].pk])
    message = verification_error()
    assert names(entries[3]) in message
    assert "entries 3 before it are missing" in message


def test_deleting_the_newest_entries_shows_against_the_chain_head(trail):
    entries = chain()
    sql("DELETE FROM core_auditevent WHERE sequence >= %s", [entries[-2].sequence])
    message = verification_error()
    assert f"the chain ends at sequence {len(entries) - 2}" in message
    assert f"head records sequence {len(entries)}" in message


def test_moving_the_head_back_shows_the_entries_left_past_it(trail):
    entries = chain()
    sql(
        "UPDATE core_auditchainhead SET sequence = %s, entry_hash = %s",
        [entries[-3].sequence, entries[-3].entry_hash],
    )
    message = verification_error()
    assert names(entries[-2]) in message
    assert "past the chain head" in message


def test_changing_the_head_hash_shows(trail):
    sql("UPDATE core_auditchainhead SET entry_hash = %s", ["f" * 64])
    assert "the chain head's hash (ffffffffffff…) is not the last entry's" in verification_error()


def test_reordering_entries_breaks_the_chain_at_the_first_moved_one(trail):
    entries = chain()
    second, third = entries[1], entries[2]
    sql("UPDATE core_auditevent SET sequence = 999999 WHERE id = %s", [second.pk])
    sql("UPDATE core_auditevent SET sequence = %s WHERE id = %s", [second.sequence, third.pk])
    sql("UPDATE core_auditevent SET sequence = %s WHERE id = %s", [third.sequence, second.pk])
    message = verification_error()
    assert f"entry {third.pk} (sequence {second.sequence})" in message


def test_an_entry_written_around_the_application_is_reported(trail, team):
    forged = AuditEvent.objects.bulk_create([AuditEvent(**_copy_of(chain()[0]))])[0]
    message = verification_error("--wait", "0")
    assert f"entry {forged.pk} (sequence None)" in message
    assert "no place in the chain" in message


def _copy_of(event: AuditEvent) -> dict:
    fields = ("timestamp", "user_id", "user_repr", "action", "content_type_id", "object_id")
    return {
        **{name: getattr(event, name) for name in fields},
        "object_repr": "Forged",
        "history_id": event.history_id,
        "changes": [],
    }


# --- Pinning the head outside the database -------------------------------------------------------
def test_a_pinned_head_hash_is_reached_by_an_intact_chain(trail):
    head = AuditChainHead.objects.get()
    AISystemFactory(name="Added after the pin")
    output = verify("--pin", f"{head.sequence}:{head.entry_hash}")
    assert "Pinned hashes reached: 1." in output


def test_a_pinned_head_hash_exposes_a_rewritten_chain(trail):
    """Someone with write access edits a historical row and recomputes every hash: the chain
    verifies again on its own, but no longer reaches the hash recorded elsewhere."""
    system, _risk = trail
    pinned = AuditChainHead.objects.get()
    version = system.history.order_by("history_id").first()
    sql(
        "UPDATE systems_historicalaisystem SET vendor = 'Forged' WHERE history_id = %s",
        [version.history_id],
    )
    AuditEvent.objects.update(sequence=None, entry_hash="", record_layout=None)
    AuditChainHead.objects.update(sequence=0, entry_hash=audit_chain.GENESIS_HASH)
    audit_chain.seal_unchained(django_apps)
    assert "Audit trail OK" in verify()
    message = verification_error("--pin", f"{pinned.sequence}:{pinned.entry_hash}")
    assert "pinned hash" in message
    assert f"sequence {pinned.sequence})" in message


def test_a_malformed_pin_is_refused():
    with pytest.raises(CommandError, match="invalid pin value"):
        call_command("verify_audit_trail", "--pin", "12:not-a-hash", stdout=io.StringIO())


# --- Who made a change stays in the trail --------------------------------------------------------
def test_a_person_who_appears_in_the_trail_cannot_be_deleted(team):
    person = UserFactory()
    system = AISystemFactory(team=team)
    system._history_user = person
    system.vendor = "Changed by the person"
    system.save()
    with pytest.raises(ProtectedError):
        person.delete()


# --- Shown to auditors ---------------------------------------------------------------------------
def test_the_audit_log_shows_each_entrys_hash(client_for, trail):
    client = client_for("auditor")
    latest = AuditEvent.objects.latest("sequence")
    response = client.get(reverse("core:audit_log"))
    assert latest.entry_hash[:12] in response.content.decode()


def test_the_api_gives_each_entrys_sequence_and_hash(client_for, trail):
    client = client_for("auditor")
    latest = AuditEvent.objects.latest("sequence")
    response = client.get(reverse("api:audit-event-list"))
    first = response.json()["results"][0]
    assert (first["sequence"], first["hash"]) == (latest.sequence, latest.entry_hash)


# --- Concurrency (PostgreSQL) --------------------------------------------------------------------
def lock_waiters() -> int:
    """Connections to the test database waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def wait_until(condition, seconds=20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


class HeldOpen:
    """A thread that saves a system and keeps its transaction (and the chain head) open until
    released."""

    def __init__(self, system):
        self.system = system
        self.saved, self.release = threading.Event(), threading.Event()
        self.errors = []
        self.thread = threading.Thread(target=self.run)

    def run(self):
        try:
            with transaction.atomic():
                self.system.vendor = "Held open"
                self.system.save()
                self.saved.set()
                self.release.wait(timeout=30)
        except Exception as error:  # reported to the test thread
            self.errors.append(error)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.saved.wait(timeout=30)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=30)


def in_thread(target, errors, name=None):
    def run():
        try:
            target()
        except Exception as error:  # reported to the test thread
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def system_entries(system) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(content_type__model="aisystem", object_id=system.pk).order_by(
            "pk"
        )
    )


@pytest.mark.postgres
@needs_postgres
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_writer_that_finds_the_chain_busy_commits_and_is_chained_after_the_holder():
    first, second = AISystemFactory(), AISystemFactory()
    errors = []
    with HeldOpen(first) as holder:

        def edit_second():
            with transaction.atomic():
                second.vendor = "Saved meanwhile"
                second.save()

        writer = in_thread(edit_second, errors)
        # The second save commits at once, unchained; its chaining waits for the holder.
        assert wait_until(lambda: system_entries(second)[-1].changes[0]["new"] == "Saved meanwhile")
        assert system_entries(second)[-1].sequence is None
        assert wait_until(lambda: lock_waiters() == 1)
    writer.join(timeout=30)

    assert errors == holder.errors == []
    assert system_entries(first)[-1].sequence + 1 == system_entries(second)[-1].sequence
    assert "Audit trail OK" in verify()


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_adding_a_risk_while_its_system_is_edited_does_not_deadlock(team, contributor):
    """The risk's save takes the chain head, then its system's row (criticality); the system's
    edit holds that row, then saves. Waiting for the head there would be a deadlock."""
    system = AISystemFactory(team=team)
    category = RiskCategory.objects.get(slug="hallucination")
    system_locked, risk_saved = threading.Event(), threading.Event()
    apply_derived_fields = system_services.apply_derived_fields
    refresh_criticality = system_services.refresh_criticality

    def pause_after_locking_the_system(*args, **kwargs):
        if threading.current_thread().name == "system edit":
            system_locked.set()
            assert risk_saved.wait(timeout=30)
        return apply_derived_fields(*args, **kwargs)

    def risk_saved_then_refresh(*args, **kwargs):
        risk_saved.set()  # the risk's version is chained: this transaction holds the head
        return refresh_criticality(*args, **kwargs)

    def edit_system():
        system_services.update_system(system=system, by=contributor, data={"vendor": "Acme"})

    def add_risk():
        assert system_locked.wait(timeout=30)
        risk_services.create_risk(
            system=system,
            by=contributor,
            data={
                "title": "Leaks the system prompt",
                "scenario": "A user asks for the instructions and gets them.",
                "category": category,
                "owner": contributor,
                "inherent_likelihood": 3,
                "inherent_impact": 3,
                "residual_likelihood": 2,
                "residual_impact": 2,
                "treatment": "mitigate",
                "status": "open",
            },
        )

    errors = []
    with (
        mock.patch.object(system_services, "apply_derived_fields", pause_after_locking_the_system),
        mock.patch.object(system_services, "refresh_criticality", risk_saved_then_refresh),
    ):
        threads = [in_thread(add_risk, errors), in_thread(edit_system, errors, "system edit")]
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    assert Risk.objects.filter(system=system).count() == 1
    assert "Audit trail OK" in verify()


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_verification_waits_for_entries_being_chained_instead_of_reporting_them():
    first, second = AISystemFactory(), AISystemFactory()
    errors, outputs = [], []
    second.vendor = "Saved meanwhile"
    with HeldOpen(first):
        writer = in_thread(second.save, errors)
        assert wait_until(lambda: lock_waiters() == 1)  # the second entry waits to be chained
        verifier = in_thread(lambda: outputs.append(verify()), errors)
        assert wait_until(lambda: lock_waiters() == 2)  # so does the verification
    writer.join(timeout=30)
    verifier.join(timeout=30)

    assert errors == []
    assert "Audit trail OK" in outputs[0]


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_writers_at_once_keep_one_verifiable_chain():
    systems = [AISystemFactory() for _ in range(4)]
    start = threading.Barrier(len(systems))
    errors = []

    def edit(system):
        start.wait(timeout=10)
        for n in range(5):
            with transaction.atomic():
                system.vendor = f"Vendor {n}"
                system.save()

    threads = [in_thread(lambda s=s: edit(s), errors) for s in systems]
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    count = AuditEvent.objects.count()
    assert not AuditEvent.objects.filter(sequence__isnull=True).exists()
    assert AuditChainHead.objects.get().sequence == count
    assert f"Audit trail OK: {count:,} entries verified" in verify()


# --- The data migration --------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_chains_the_entries_written_before_the_chain(team, contributor):
    system = AISystemFactory(team=team)
    system_services.update_system(system=system, by=contributor, data={"vendor": "Acme"})
    risk = RiskFactory(system=system)
    mitigation_services.create_mitigation(
        system=system,
        by=contributor,
        data={
            "title": "Filter",
            "description": "",
            "kind": "architecture",
            "layer": "application",
            "owner": contributor,
        },
        risks=[risk],
    )
    written = list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True))

    executor = MigrationExecutor(connection)
    executor.migrate([("core", "0002_historicalevidence_evidence")])  # before the chain
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("core"))

    assert list(AuditEvent.objects.order_by("sequence").values_list("pk", flat=True)) == written
    assert AuditChainHead.objects.get().sequence == len(written)
    assert f"Audit trail OK: {len(written):,} entries verified" in verify()
    system_services.update_system(system=system, by=contributor, data={"vendor": "Globex"})
    assert f"Audit trail OK: {len(written) + 1:,} entries verified" in verify()
