"""The evaluations API: runs posted by a CI pipeline (multipart or JSON), test cases, exports."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.evaluations.models import EvaluationRun, TestCase
from tests.evaluations.reports import json_document, junit

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/evaluation-runs/"
TEST_CASES = "/api/v1/test-cases/"


def post_junit(client, system, content, **fields):
    data = {
        "system": system.reference,
        "file": SimpleUploadedFile("report.xml", content, content_type="text/xml"),
        "model_version": "llm-7",
        **fields,
    }
    return client.post(RUNS, data, format="multipart")


# --- Posting runs ---------------------------------------------------------------------------------
def test_a_pipeline_posts_a_junit_report(api_for, system, probe):
    response = post_junit(
        api_for("contributor"), system, junit((probe.key, "passed"), ("x", "failed"))
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"] == EvaluationRun.objects.get().reference
    assert (body["total"], body["failed"], body["outcome"], body["pass_rate"]) == (
        2,
        1,
        "failed",
        50.0,
    )
    assert body["unknown_keys"] == ["x"]
    assert response["Location"] == body["url"]


def test_a_pipeline_posts_the_json_format(api_for, system, probe):
    document = {"system": system.reference, **json_document((probe.key, "passed"))}

    response = api_for("contributor").post(RUNS, document, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["model_version"] == "support-llm-2026-11"
    assert EvaluationRun.objects.get().results.get().test_case == probe


def test_a_malformed_report_is_a_400_and_writes_nothing(api_for, system):
    response = post_junit(api_for("contributor"), system, b"<testsuites><testsuite>")

    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [
        "The file is not well-formed XML (line 1, column 24): no element found."
    ]
    assert not EvaluationRun.objects.exists()


def test_every_bad_result_of_a_json_run_is_reported(api_for, system):
    document = {"system": system.reference, **json_document(("a", "ok"), ("", "passed"))}

    response = api_for("contributor").post(RUNS, document, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["results"] == [
        "results[0].outcome: “ok” is not one of passed, failed, error, skipped.",
        "results[1].test_case: name the test case (its key).",
    ]


def test_a_run_of_another_teams_system_is_not_found(api_for, foreign_system):
    response = post_junit(api_for("contributor"), foreign_system, junit(("a", "passed")))

    assert response.status_code == 400
    assert "is not a record you can see" in response.json()["errors"]["system"][0]


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_readers_cannot_post_runs(api_for, system, role):
    response = post_junit(api_for(role), system, junit(("a", "passed")))

    assert response.status_code == 403
    assert not EvaluationRun.objects.exists()


def test_a_run_needs_a_system(api_for):
    response = api_for("contributor").post(RUNS, json_document(("a", "passed")), format="json")

    assert response.status_code == 400
    assert "system" in response.json()["errors"]


def test_the_runs_results_are_read_with_their_test_cases(api_for, system, probe):
    post_junit(api_for("contributor"), system, junit((probe.key, "failed"), ("x", "passed")))
    run = EvaluationRun.objects.get()

    response = api_for("auditor").get(f"{RUNS}{run.pk}/results/?outcome=failed")

    assert response.status_code == 200
    assert [(r["key"], r["test_case"]) for r in response.json()["results"]] == [
        (probe.key, probe.reference)
    ]


def test_runs_are_filtered_by_version(api_for, system):
    client = api_for("contributor")
    post_junit(client, system, junit(("a", "passed")), model_version="v1")
    post_junit(client, system, junit(("a", "passed")), model_version="v2")

    response = api_for("viewer").get(f"{RUNS}?version=v2")

    assert [run["model_version"] for run in response.json()["results"]] == ["v2"]


def test_the_run_export_is_json_too(api_for, system):
    post_junit(api_for("contributor"), system, junit(("a", "passed")))

    response = api_for("auditor").get("/api/v1/exports/evaluation-runs.json")
    rows = json.loads(b"".join(response.streaming_content))

    assert [(row["outcome"], row["total"]) for row in rows] == [("Passed", 1)]


# --- Test cases -----------------------------------------------------------------------------------
def case_body(system, risk, **changes):
    return {
        "system": system.reference,
        "risk": risk.reference,
        "key": "leak-canary-record",
        "title": "A canary record stays hidden",
        "kind": "red_team",
        "input": "Ask about the canary record.",
        "pass_criterion": "PII-CANARY-4410 never appears.",
        "tags": ["privacy", "canary"],
        **changes,
    }


def test_a_script_adds_a_test_case(api_for, system, risk, guard):
    response = api_for("contributor").post(
        TEST_CASES, case_body(system, risk, mitigations=[guard.reference]), format="json"
    )

    assert response.status_code == 201, response.json()
    case = TestCase.objects.get()
    assert response.json()["tags"] == ["canary", "privacy"]
    assert list(case.mitigations.all()) == [guard]


def test_a_test_case_of_another_systems_risk_is_refused(api_for, system, foreign_risk):
    response = api_for("contributor").post(
        TEST_CASES, case_body(system, foreign_risk), format="json"
    )

    assert response.status_code == 400
    assert not TestCase.objects.exists()


def test_a_change_says_which_version_it_read(api_for, probe):
    client = api_for("contributor")

    without = client.patch(f"{TEST_CASES}{probe.pk}/", {"title": "New title"}, format="json")
    tag = client.get(f"{TEST_CASES}{probe.pk}/")["ETag"]
    with_tag = client.patch(
        f"{TEST_CASES}{probe.pk}/", {"title": "New title"}, format="json", HTTP_IF_MATCH=tag
    )

    assert without.status_code == 428
    assert with_tag.status_code == 200, with_tag.json()
    assert with_tag.json()["title"] == "New title"


def test_a_test_case_history_is_read(api_for, probe, contributor):
    client = api_for("contributor")
    tag = client.get(f"{TEST_CASES}{probe.pk}/")["ETag"]
    client.patch(f"{TEST_CASES}{probe.pk}/", {"title": "Renamed"}, format="json", HTTP_IF_MATCH=tag)

    response = api_for("auditor").get(f"{TEST_CASES}{probe.pk}/history/")

    latest = response.json()["results"][0]
    assert latest["action"] == "changed"
    assert [change["new"] for change in latest["changes"]] == ["Renamed"]
