"""The deployment gate: allowed, or refused with every reason (no approved plan for this
version, open critical risks, failing evaluations, checks other apps register), and its API."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.services import create_token
from apps.evaluations import services as evaluation_services
from apps.systems import gate, versions
from apps.systems.models import AISystem, LifecycleStage
from tests.evaluations.reports import json_report
from tests.factories import MembershipFactory, RiskFactory
from tests.systems.approvals import approve, approved, only_gate_checks_below, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _checks_below(monkeypatch):
    """The checks of this issue's apps; an open rollback breach or a blocking compliance
    obligation are the monitoring and compliance apps' checks, tested with them."""
    only_gate_checks_below(monkeypatch)


@pytest.fixture
def submitter(team):
    return MembershipFactory(team=team, user__full_name="Sam Submitter").user


@pytest.fixture
def deployed(system, risk, contributor, submitter, committee_member):
    """``system`` running model ``llm-2026-10``, its plan approved for it."""
    AISystem.objects.filter(pk=system.pk).update(model_version="llm-2026-10")
    system.refresh_from_db()
    approved(system, submitter=submitter, reviewer=committee_member)
    return system


def reasons(system, version):
    return [item["reason"] for item in gate.evaluate_gate(system, version).reasons]


def checks_refusing(system, version):
    return [item["check"] for item in gate.evaluate_gate(system, version).reasons]


def ingest(system, by, outcome, *, version="llm-2026-10", suite="red-team"):
    return evaluation_services.ingest_run(
        system=system,
        by=by,
        content=json_report(("probe", outcome), suite=suite, model_version=version),
    )


# --- The checks -----------------------------------------------------------------------------------
def test_the_approved_version_is_allowed(deployed):
    answer = gate.evaluate_gate(deployed, "llm-2026-10")

    assert answer.allowed
    assert answer.checks[:4] == [
        "system_in_service",
        "approved_plan",
        "critical_risks",
        "evaluations",
    ]


def test_a_system_never_approved_is_refused(system, risk):
    assert reasons(system, "anything") == [
        f"{system.reference} has no approved safety plan: submit it for an initial deployment "
        "review and have the committee approve it."
    ]


def test_a_plan_whose_review_fell_due_is_refused(deployed):
    AISystem.objects.filter(pk=deployed.pk).update(
        next_review_due=timezone.localdate() - datetime.timedelta(days=1)
    )
    deployed.refresh_from_db()

    assert checks_refusing(deployed, "llm-2026-10") == ["approved_plan"]
    assert "lapsed when its review fell due" in reasons(deployed, "llm-2026-10")[0]


def test_a_version_no_plan_covers_is_refused(deployed):
    assert reasons(deployed, "llm-2027-01") == [
        f"No approved safety plan of {deployed.reference} covers version “llm-2027-01”: the "
        f"approved plan ({deployed.reviews.get().reference}, version 1) is for model "
        f"“llm-2026-10”. Record “llm-2027-01” as a new version of {deployed.reference} and have "
        "its change review approved."
    ]


def test_a_recorded_version_waits_for_its_change_review(deployed, contributor):
    version = versions.record_version(
        system=deployed, by=contributor, kind="model", value="llm-2026-11"
    )

    [reason] = reasons(deployed, "llm-2026-11")
    assert reason.startswith(
        f"The approved safety plan of {deployed.reference} is stale for model version "
        "“llm-2026-11”, recorded on "
    )
    assert f"({version.reference}): submit a change review" in reason


def test_the_previous_version_stays_allowed_while_a_new_one_waits(deployed, contributor):
    versions.record_version(system=deployed, by=contributor, kind="model", value="llm-2026-11")

    assert gate.evaluate_gate(deployed, "llm-2026-10").allowed  # a rollback is never blocked


def test_a_change_review_in_progress_is_named(deployed, contributor, submitter, committee_member):
    versions.record_version(system=deployed, by=contributor, kind="model", value="llm-2026-11")
    review = submit(deployed, submitter, committee_member, kind="change")

    assert f"{review.reference} is in progress" in reasons(deployed, "llm-2026-11")[0]


def test_the_version_is_allowed_once_its_change_review_is_approved(
    deployed, contributor, submitter, committee_member
):
    versions.record_version(system=deployed, by=contributor, kind="model", value="llm-2026-11")
    review = submit(deployed, submitter, committee_member, kind="change")

    approve(review, committee_member)

    deployed.refresh_from_db()
    assert gate.evaluate_gate(deployed, "llm-2026-11").allowed


def test_the_version_is_allowed_once_the_committee_waives_its_review(
    deployed, contributor, committee_member
):
    version = versions.record_version(system=deployed, by=contributor, kind="code", value="a1b2c3d")

    versions.waive_version(version=version, by=committee_member, reason="Logging change only.")

    assert gate.evaluate_gate(deployed, "a1b2c3d").allowed


def test_an_open_critical_risk_is_refused(deployed):
    critical = RiskFactory(
        system=deployed,
        title="Leaks another customer's data",
        inherent_likelihood=5,
        inherent_impact=5,
        residual_likelihood=5,
        residual_impact=5,
    )

    assert checks_refusing(deployed, "llm-2026-10") == ["critical_risks"]
    assert reasons(deployed, "llm-2026-10") == [
        f"{critical.reference} “Leaks another customer's data” is a Critical residual risk and "
        "still open: put its mitigations in place and mark it treated, or have its acceptance "
        "approved."
    ]


def test_a_treated_critical_risk_does_not_block(deployed):
    RiskFactory(
        system=deployed,
        residual_likelihood=5,
        residual_impact=4,
        inherent_impact=5,
        inherent_likelihood=5,
        status="treated",
    )

    assert gate.evaluate_gate(deployed, "llm-2026-10").allowed


def test_a_failing_run_of_the_version_is_refused(deployed, contributor):
    run = ingest(deployed, contributor, "failed")

    assert checks_refusing(deployed, "llm-2026-10") == ["evaluations"]
    assert reasons(deployed, "llm-2026-10")[0].startswith(
        f"The latest run of the “red-team” evaluations, {run.reference} of "
    )
    assert (
        "failed: 1 of 1 results did not pass (pass rate 0 %)" in reasons(deployed, "llm-2026-10")[0]
    )


def test_a_later_passing_run_of_the_suite_allows_it(deployed, contributor):
    ingest(deployed, contributor, "failed")
    ingest(deployed, contributor, "passed")

    assert gate.evaluate_gate(deployed, "llm-2026-10").allowed


def test_each_suite_is_judged_by_its_latest_run(deployed, contributor):
    ingest(deployed, contributor, "passed", suite="red-team")
    ingest(deployed, contributor, "failed", suite="fairness")

    assert len(reasons(deployed, "llm-2026-10")) == 1
    assert "“fairness”" in reasons(deployed, "llm-2026-10")[0]


def test_without_a_run_of_the_version_the_latest_runs_decide(
    deployed, contributor, committee_member
):
    ingest(deployed, contributor, "failed", version="llm-2026-09")
    version = versions.record_version(
        system=deployed, by=contributor, kind="model", value="llm-2026-11"
    )
    versions.waive_version(version=version, by=committee_member, reason="Minor.")

    [reason] = reasons(deployed, "llm-2026-11")
    assert "(version llm-2026-09; no run evaluated “llm-2026-11”)" in reason


def test_every_reason_is_given_at_once(system, contributor):
    RiskFactory(
        system=system,
        residual_likelihood=5,
        residual_impact=5,
        inherent_impact=5,
        inherent_likelihood=5,
    )
    ingest(system, contributor, "failed")

    assert checks_refusing(system, "llm-2026-10") == [
        "approved_plan",
        "critical_risks",
        "evaluations",
    ]


def test_an_archived_or_retired_system_is_refused(deployed):
    AISystem.objects.filter(pk=deployed.pk).update(lifecycle_stage=LifecycleStage.RETIRED)
    deployed.refresh_from_db()

    assert checks_refusing(deployed, "llm-2026-10") == ["system_in_service"]


def test_a_check_another_app_registers_is_asked(deployed):
    gate.register_gate_check(
        "rollback_breaches",
        lambda system, version: [f"{system.reference}: error rate above its rollback threshold."],
        order=40,
    )

    answer = gate.evaluate_gate(deployed, "llm-2026-10")

    assert answer.checks[-1] == "rollback_breaches"
    assert answer.reasons == [
        {
            "check": "rollback_breaches",
            "reason": f"{deployed.reference}: error rate above its rollback threshold.",
        }
    ]


# --- The endpoint ---------------------------------------------------------------------------------
def gate_url(system, version="llm-2026-10"):
    return f"/api/v1/systems/{system.reference}/gate/?version={version}"


def client_with_token(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_token(user=user, name='ci')[1]}")
    return client


def test_the_gate_answers_200_when_allowed(deployed, contributor):
    response = client_with_token(contributor).get(gate_url(deployed))

    assert response.status_code == 200
    body = response.json()
    assert (body["allowed"], body["system"], body["version"], body["reasons"]) == (
        True,
        deployed.reference,
        "llm-2026-10",
        [],
    )


def test_the_gate_answers_409_with_every_reason_when_refused(deployed, contributor):
    response = client_with_token(contributor).get(gate_url(deployed, "llm-2027-01"))

    assert response.status_code == 409
    assert response.json()["allowed"] is False
    assert [r["check"] for r in response.json()["reasons"]] == ["approved_plan"]


def test_the_gate_needs_a_version(deployed, contributor):
    response = client_with_token(contributor).get(f"/api/v1/systems/{deployed.pk}/gate/")

    assert response.status_code == 400
    assert "version" in response.json()["errors"]


@pytest.mark.parametrize("role", ["viewer", "auditor", "committee_member", "administrator"])
def test_everyone_who_reads_the_system_may_ask_the_gate(deployed, user_for, role):
    assert client_with_token(user_for(role)).get(gate_url(deployed)).status_code == 200


def test_another_teams_system_is_not_found(foreign_system, contributor):
    assert client_with_token(contributor).get(gate_url(foreign_system)).status_code == 404


def test_the_gate_needs_credentials(deployed):
    assert APIClient().get(gate_url(deployed)).status_code == 401


def test_the_gate_takes_a_few_queries(deployed, contributor, django_assert_max_num_queries):
    client = client_with_token(contributor)
    client.get(gate_url(deployed))

    with django_assert_max_num_queries(14):
        client.get(gate_url(deployed))
