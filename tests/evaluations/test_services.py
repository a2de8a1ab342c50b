"""The evaluation services: test cases and the ingestion of runs (all or nothing, mapping)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.evaluations import services
from apps.evaluations.models import EvaluationRun, TestCase, TestResult
from apps.library import services as library_services
from apps.risks.models import RiskTemplate
from tests.evaluations.reports import json_report, junit
from tests.factories import AISystemFactory, MitigationFactory, RiskFactory, TestCaseFactory

pytestmark = pytest.mark.django_db


def ingest(system, by, content, **kwargs):
    kwargs.setdefault("model_version", "support-llm-2026-11")
    return services.ingest_run(system=system, by=by, content=content, **kwargs)


# --- Ingesting runs -------------------------------------------------------------------------------
def test_a_run_maps_each_result_to_its_test_case_by_key(system, contributor, probe, second_probe):
    run = ingest(
        system,
        contributor,
        junit((probe.key, "passed"), (second_probe.key, "failed")),
        file_name="report.xml",
    )

    results = {r.key: r for r in run.results.all()}
    assert results[probe.key].test_case == probe
    assert results[second_probe.key].test_case == second_probe
    assert results[second_probe.key].outcome == "failed"


def test_results_whose_key_no_test_case_has_are_kept_and_counted(system, contributor, probe):
    run = ingest(system, contributor, json_report((probe.key, "passed"), ("new-probe", "failed")))

    unknown = TestResult.objects.get(run=run, test_case__isnull=True)
    assert (unknown.key, unknown.outcome) == ("new-probe", "failed")
    assert (run.total, run.unknown_count) == (2, 1)


def test_a_result_names_its_test_case_by_the_junit_classname_too(system, contributor, risk):
    case = TestCaseFactory(risk=risk, key="tests.red_team.test_canary")
    run = ingest(system, contributor, junit(("test_canary", "passed", "tests.red_team")))

    assert run.results.get().test_case == case


def test_the_run_counts_its_results_and_its_pass_rate(system, contributor):
    run = ingest(
        system,
        contributor,
        junit(("a", "passed"), ("b", "passed"), ("c", "passed"), ("d", "failed"), ("e", "skipped")),
    )

    assert (run.total, run.passed, run.failed, run.errors, run.skipped) == (5, 3, 1, 0, 1)
    assert run.pass_rate == 75.0
    assert run.outcome == "failed"


def test_a_run_without_failure_passes(system, contributor):
    run = ingest(system, contributor, junit(("a", "passed"), ("b", "skipped")))

    assert (run.outcome, run.pass_rate) == ("passed", 100.0)


def test_an_error_fails_the_run(system, contributor):
    assert ingest(system, contributor, junit(("a", "error"))).outcome == "failed"


def test_a_run_keeps_the_version_suite_start_and_duration(system, contributor):
    run = ingest(
        system, contributor, junit(("a", "passed"), suite="red-team"), model_version="llm-7"
    )

    assert (run.model_version, run.suite, run.duration_seconds) == ("llm-7", "red-team", 12.5)
    assert run.started_at == datetime.datetime(2026, 11, 30, 2, 0, tzinfo=datetime.UTC)


def test_the_json_report_names_the_version_it_evaluated(system, contributor):
    run = services.ingest_run(
        system=system, by=contributor, content=json_report(("a", "passed"), model_version="v9")
    )

    assert run.model_version == "v9"


def test_a_run_without_a_version_is_refused(system, contributor):
    with pytest.raises(ValidationError) as refused:
        services.ingest_run(system=system, by=contributor, content=junit(("a", "passed")))

    assert "model_version" in refused.value.message_dict
    assert not EvaluationRun.objects.exists()


def test_a_malformed_file_writes_nothing(system, contributor, probe):
    with pytest.raises(ValidationError):
        ingest(system, contributor, b"<testsuites><testsuite>", file_name="r.xml")

    assert not EvaluationRun.objects.exists()
    assert not TestResult.objects.exists()


def test_a_run_with_one_bad_result_writes_nothing(system, contributor, probe):
    with pytest.raises(ValidationError):
        ingest(system, contributor, json_report((probe.key, "passed"), ("b", "green")))

    assert not EvaluationRun.objects.exists()


def test_a_run_from_the_future_is_refused(system, contributor):
    later = (timezone.now() + datetime.timedelta(days=1)).isoformat()

    with pytest.raises(ValidationError) as refused:
        ingest(system, contributor, json_report(("a", "passed"), started_at=later))

    assert "in the future" in refused.value.message_dict["file"][0]


def test_a_run_with_too_many_results_is_refused(system, contributor, settings):
    settings.EVALUATION_MAX_RESULTS = 2

    with pytest.raises(ValidationError) as refused:
        ingest(system, contributor, junit(("a", "passed"), ("b", "passed"), ("c", "passed")))

    assert "takes 2 at most" in refused.value.message_dict["file"][0]


def test_a_file_over_the_size_limit_is_refused_unread(system, contributor, settings):
    settings.EVALUATION_UPLOAD_MAX_BYTES = 100

    with pytest.raises(ValidationError) as refused:
        ingest(system, contributor, junit(("a", "passed")))

    assert "larger than" in refused.value.message_dict["file"][0]


@pytest.mark.parametrize("role", ["viewer", "auditor", "committee_member", "outsider"])
def test_only_the_systems_contributors_post_runs(system, user_for, role):
    with pytest.raises(PermissionDenied):
        ingest(system, user_for(role), junit(("a", "passed")))


def test_a_run_of_an_archived_system_is_refused(contributor, team):
    system = AISystemFactory(team=team, archived_at=timezone.now())

    with pytest.raises(PermissionDenied):
        ingest(system, contributor, junit(("a", "passed")))


def test_a_run_leaves_its_history(system, contributor):
    run = ingest(system, contributor, junit(("a", "passed")))

    event = AuditEvent.objects.get(object_id=run.pk, content_type__model="evaluationrun")
    assert (event.user, event.change_reason) == (contributor, "Reported (JUnit XML, 1 results)")


# --- Test cases -----------------------------------------------------------------------------------
def data_for(risk, **changes):
    return {
        "risk": risk,
        "key": "fairness-approval-rate-by-age-band",
        "title": "Approval rates by age band",
        "kind": "fairness_slice",
        "input": "The hold-out set sliced by age band.",
        "pass_criterion": "Each band's approval rate is at least 0.8 times the highest.",
        "tags": "Fairness, age  fairness",
        **changes,
    }


def test_a_test_case_is_added_to_a_risk_with_its_mitigations(system, risk, contributor, guard):
    case = services.create_test_case(
        system=system, by=contributor, data=data_for(risk), mitigations=[guard]
    )

    assert (case.system, case.risk, case.created_by) == (system, risk, contributor)
    assert list(case.mitigations.all()) == [guard]
    assert case.tags == " age fairness "
    assert case.reference == f"TST-{case.pk:04d}"


def test_a_test_case_probes_a_risk_of_its_own_system(system, contributor, foreign_risk):
    with pytest.raises(ValidationError) as refused:
        services.create_test_case(system=system, by=contributor, data=data_for(foreign_risk))

    assert "belongs to another" in refused.value.message_dict["risk"][0]


def test_a_test_case_verifies_mitigations_of_its_own_system_only(
    system, risk, contributor, foreign_mitigation
):
    with pytest.raises(ValidationError) as refused:
        services.create_test_case(
            system=system, by=contributor, data=data_for(risk), mitigations=[foreign_mitigation]
        )

    assert foreign_mitigation.reference in refused.value.message_dict["mitigations"][0]


def test_every_problem_of_a_test_case_is_given_at_once(system, contributor, foreign_risk, risk):
    TestCaseFactory(risk=risk, key="taken")

    with pytest.raises(ValidationError) as refused:
        services.create_test_case(
            system=system,
            by=contributor,
            data=data_for(foreign_risk, key="has space", title=""),
        )

    assert set(refused.value.message_dict) == {"risk", "key", "title"}


def test_two_test_cases_of_a_system_never_share_a_key(system, risk, contributor):
    TestCaseFactory(risk=risk, key="fairness-approval-rate-by-age-band")

    with pytest.raises(ValidationError) as refused:
        services.create_test_case(system=system, by=contributor, data=data_for(risk))

    assert refused.value.message_dict["key"] == [
        "This system already has a test case with this key."
    ]


def test_another_system_may_use_the_same_key(risk, contributor, team):
    other = RiskFactory(system=AISystemFactory(team=team))
    TestCaseFactory(risk=risk, key="fairness-approval-rate-by-age-band")

    case = services.create_test_case(system=other.system, by=contributor, data=data_for(other))

    assert case.key == "fairness-approval-rate-by-age-band"


@pytest.mark.parametrize("role", ["viewer", "auditor", "outsider"])
def test_only_contributors_add_test_cases(system, risk, user_for, role):
    with pytest.raises(PermissionDenied):
        services.create_test_case(system=system, by=user_for(role), data=data_for(risk))


def test_an_edit_records_who_and_why(probe, contributor, guard):
    services.update_test_case(
        test_case=probe,
        by=contributor,
        data={"title": "Canary reply to an injected instruction"},
        reason="Clearer title",
    )

    event = AuditEvent.objects.filter(object_id=probe.pk, content_type__model="testcase").first()
    assert (event.user, event.change_reason) == (contributor, "Clearer title")
    assert event.changes[0]["new"] == "Canary reply to an injected instruction"


def test_an_archived_test_case_is_read_only_until_restored(probe, contributor):
    services.archive_test_case(test_case=probe, by=contributor, reason="Obsolete")

    with pytest.raises(PermissionDenied):
        services.update_test_case(test_case=probe, by=contributor, data={"title": "x"})
    services.restore_test_case(test_case=probe, by=contributor)
    probe.refresh_from_db()
    assert not probe.is_archived


def test_a_result_still_maps_to_an_archived_test_case(system, contributor, probe):
    services.archive_test_case(test_case=probe, by=contributor)

    run = ingest(system, contributor, junit((probe.key, "passed")))

    assert run.results.get().test_case == probe


# --- Starter test cases of the risk library -------------------------------------------------------
def test_adding_a_template_adds_its_starter_test_cases(system, contributor):
    template = RiskTemplate.objects.get(key="llm-prompt-injection-direct")

    risk = library_services.add_risk_from_template(system=system, template=template, by=contributor)

    cases = TestCase.objects.filter(risk=risk).order_by("key")
    assert [case.key for case in cases] == [
        "prompt-injection-encoded-instruction",
        "prompt-injection-ignore-instructions",
        "prompt-injection-role-override",
    ]
    assert all(case.template.risk_template == template for case in cases)


def test_a_starter_test_case_verifies_the_new_mitigations_of_its_kinds(system, contributor):
    template = RiskTemplate.objects.get(key="llm-prompt-injection-direct")

    risk = library_services.add_risk_from_template(system=system, template=template, by=contributor)

    case = TestCase.objects.get(risk=risk, key="prompt-injection-encoded-instruction")
    assert [m.kind for m in case.mitigations.all()] == ["input_validation"]


def test_adding_a_template_twice_gives_the_starters_new_keys(system, contributor):
    template = RiskTemplate.objects.get(key="system-prompt-leakage")
    library_services.add_risk_from_template(system=system, template=template, by=contributor)

    again = library_services.add_risk_from_template(
        system=system, template=template, by=contributor, title="Prompt leakage, second channel"
    )

    assert sorted(TestCase.objects.filter(risk=again).values_list("key", flat=True)) == [
        "system-prompt-translation-trick-2",
        "system-prompt-verbatim-request-2",
    ]


def test_a_template_without_starters_adds_no_test_case(system, contributor):
    template = RiskTemplate.objects.get(key="third-party-model-api-outage")

    library_services.add_risk_from_template(system=system, template=template, by=contributor)

    assert not TestCase.objects.exists()


def test_planned_mitigations_of_another_system_are_never_linked(system, contributor, team):
    MitigationFactory(system=AISystemFactory(team=team), kind="input_validation")
    template = RiskTemplate.objects.get(key="llm-prompt-injection-direct")

    risk = library_services.add_risk_from_template(system=system, template=template, by=contributor)

    for case in TestCase.objects.filter(risk=risk):
        assert {m.system_id for m in case.mitigations.all()} <= {system.pk}
