"""The benchmark's data generator: the counts asked for, valid records, believable history."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import transaction

from apps.accounts.models import Membership, Team, User
from apps.core import audit, audit_chain
from apps.core.models import AuditEvent
from apps.demo.loadgen import LONG_HISTORY_VERSIONS, generate_load, spread, team_name
from apps.incidents.models import Incident
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk, RiskAcceptance
from apps.systems.models import AISystem

SMALL = {
    "teams": 3,
    "systems": 12,
    "risks": 150,
    "mitigations": 200,
    "incidents": 15,
    "seed": 7,
}
VERSIONED = [AISystem, Risk, Mitigation, Incident]


@pytest.fixture
def load(db):
    return generate_load(history=True, **SMALL)


def test_spread_splits_a_total_exactly_in_proportion():
    assert spread(10, [1, 1, 2]) == [3, 2, 5]
    assert sum(spread(100_000, [0.3, 1.7, 2.2, 0.01])) == 100_000


def test_generator_creates_the_requested_counts(load):
    assert Team.objects.count() == SMALL["teams"]
    assert AISystem.objects.count() == SMALL["systems"]
    assert Risk.objects.count() == SMALL["risks"]
    assert Mitigation.objects.count() == SMALL["mitigations"]
    assert Incident.objects.count() == SMALL["incidents"]
    assert RiskAcceptance.objects.exists()
    assert load.counts["risks.Risk"] == SMALL["risks"]


def test_command_reports_the_counts_and_time(db, capsys):
    call_command("generate_load", *[f"--{k}={v}" for k, v in SMALL.items()], verbosity=0)
    output = capsys.readouterr().out
    assert "risks.Risk: 150" in output
    assert "Generated in" in output


def test_a_second_run_adds_a_second_batch_of_teams_to_the_same_committee(load):
    committee = set(User.objects.filter(is_committee_member=True))
    generate_load(history=False, **SMALL | {"seed": 8})
    assert set(User.objects.filter(is_committee_member=True)) == committee
    assert Team.objects.count() == 2 * SMALL["teams"]
    assert Risk.objects.count() == 2 * SMALL["risks"]
    assert set(Team.objects.values_list("name", flat=True)) == {team_name(i) for i in range(6)}


def test_command_refuses_negative_counts(db):
    with pytest.raises(CommandError, match="cannot be negative"):
        call_command("generate_load", "--risks=-1", verbosity=0)


def test_generated_records_pass_every_validation(load):
    """Field validators, model ``clean`` (incident phases, closing rules) and constraints."""
    for model in [*VERSIONED, RiskAcceptance]:
        for obj in model.objects.all():
            obj.full_clean()


def test_related_records_belong_to_the_same_system_and_team(load):
    for mitigation in Mitigation.objects.prefetch_related("risks"):
        assert {risk.system_id for risk in mitigation.risks.all()} <= {mitigation.system_id}
    for incident in Incident.objects.prefetch_related("materialised_risks"):
        assert {r.system_id for r in incident.materialised_risks.all()} <= {incident.system_id}
        assert incident.uncatalogued == (not incident.materialised_risks.all())
    members = set(Membership.objects.values_list("user_id", "team_id"))
    for risk in Risk.objects.select_related("system"):
        assert (risk.owner_id, risk.system.team_id) in members
        assert risk.created_at <= risk.updated_at


def test_risks_come_from_the_library_with_its_framework_references(load):
    risk = Risk.objects.select_related("template").first()
    assert risk.template is not None
    assert risk.title.startswith(risk.template.title)
    assert set(risk.framework_references.all()) == set(risk.template.framework_references.all())


def test_every_record_has_history_ending_in_its_current_state(load):
    for model in VERSIONED:
        for obj in model.objects.all():
            versions = list(obj.history.order_by("history_date", "history_id"))
            assert versions[0].history_type == "+"
            assert len(versions) == obj.version
            latest = versions[-1]
            for field in model.history.model.tracked_fields:
                assert getattr(latest, field.attname) == getattr(obj, field.attname), field.name


def test_each_team_has_a_risk_with_a_long_history(load):
    long_ones = Risk.objects.filter(version=LONG_HISTORY_VERSIONS)
    assert long_ones.count() == SMALL["teams"]
    assert long_ones.first().history.count() == LONG_HISTORY_VERSIONS


def test_audit_events_describe_each_version_as_the_audit_log_would(load):
    events = AuditEvent.objects.select_related("content_type")
    assert events.count() >= sum(model.objects.count() for model in VERSIONED)
    for event in events:
        model = event.content_type.model_class()
        row = model.history.model.objects.get(history_id=event.history_id)
        if event.action == "+":
            expected = audit.describe_initial_values(row)
        else:
            expected = audit.describe_changes(row, row.prev_record)
        assert event.changes == expected, (model, event.object_id)


def test_generated_audit_events_extend_the_tamper_evident_chain(load):
    verification = audit_chain.verify()
    assert verification.broken is None
    assert verification.head_sequence == AuditEvent.objects.count()


def test_the_same_seed_gives_the_same_register(db):
    def register():
        with transaction.atomic():
            generate_load(history=False, **SMALL)
            rows = list(
                Risk.objects.order_by("system__name", "title").values_list(
                    "system__name", "title", "inherent_score", "residual_score", "status"
                )
            )
            transaction.set_rollback(True)
        return rows

    assert register() == register()


def test_without_history_no_history_is_written(db):
    generate_load(history=False, **SMALL)
    assert not Risk.history.exists()
    generated = ContentType.objects.get_for_models(*VERSIONED, Team, RiskAcceptance).values()
    assert not AuditEvent.objects.filter(content_type__in=generated).exists()


@pytest.mark.postgres
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_generated_data_leaves_the_risk_tally_rewritten_one_row_per_group():
    from django.db import connection

    from apps.risks.models import CELL_FIELDS, RiskTally

    def file_of_the_tally():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relfilenode FROM pg_class WHERE relname = %s",
                [RiskTally._meta.db_table],
            )
            return cursor.fetchone()[0]

    before = file_of_the_tally()
    generate_load(history=False, **SMALL)

    assert file_of_the_tally() != before  # VACUUM FULL: the table written afresh
    groups = RiskTally.objects.values("team", *CELL_FIELDS, "covered")
    assert RiskTally.objects.count() == groups.distinct().count()
