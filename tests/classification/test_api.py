"""The classifications resource: read-only, scoped like the pages (auditors read all), filtered
by system, with each version's history."""

import json

import pytest
from django.urls import reverse

from apps.classification import services
from tests.api.conftest import token_client
from tests.classification.factories import CV_SCREENING, classify

pytestmark = pytest.mark.django_db

LIST = reverse("api:classification-list")


def ids(response) -> set[int]:
    return {row["id"] for row in response.data["results"]}


@pytest.fixture
def both(system, foreign_system, contributor, outsider):
    return classify(system, contributor, CV_SCREENING), classify(foreign_system, outsider)


@pytest.mark.parametrize(
    ("role", "sees_foreign"),
    [("auditor", True), ("committee_member", True), ("viewer", False), ("contributor", False)],
)
def test_each_reader_lists_the_classifications_they_may_read(role, sees_foreign, user_for, both):
    own, foreign = both
    response = token_client(user_for(role)).get(LIST)
    assert response.status_code == 200
    assert ids(response) == ({own.pk, foreign.pk} if sees_foreign else {own.pk})


def test_anonymous_is_refused(both):
    assert token_client(None).get(LIST).status_code == 401


def test_the_list_filters_by_system_reference(auditor, system, both):
    own, _ = both
    response = token_client(auditor).get(LIST, {"system": system.reference})
    assert ids(response) == {own.pk}


def test_a_record_reads_with_its_answers_in_words_and_its_result(auditor, both):
    own, _ = both
    response = token_client(auditor).get(reverse("api:classification-detail", args=[own.reference]))
    assert response.status_code == 200
    data = response.data
    assert (data["tier"], data["annex_iii_area"], data["annex_iii_point"]) == (
        "high_risk",
        "4",
        "a",
    )
    assert data["articles"] == ["Art. 3(1)", "Art. 6(2)", "Annex III(4)(a)", "Art. 6(3)"]
    assert data["answers"]["profiling"] == "yes"
    profiling = next(row for row in data["answered"] if row["question_key"] == "profiling")
    assert profiling["answer"] == "Yes" and profiling["step"] == "The Art. 6(3) exemption"
    assert data["system"]["reference"] == own.system.reference
    assert response["ETag"] == f'"{own.pk}-v1"'


def test_another_teams_record_is_not_found(viewer, both):
    _, foreign = both
    url = reverse("api:classification-detail", args=[foreign.pk])
    assert token_client(viewer).get(url).status_code == 404


def test_the_history_shows_each_step_of_the_record(auditor, contributor, both):
    own, _ = both
    services.apply_classification(record=own, by=contributor)
    response = token_client(auditor).get(reverse("api:classification-history", args=[own.pk]))
    assert response.status_code == 200
    reasons = [event["change_reason"] for event in response.data["results"]]
    assert reasons == [f"Applied to {own.system.reference}", "Classified"]


@pytest.mark.parametrize(("role", "status"), [("contributor", 405), ("auditor", 403)])
def test_the_resource_is_read_only(role, status, user_for, both):
    own, _ = both
    client = token_client(user_for(role))
    assert client.post(LIST, {}, format="json").status_code == status
    detail = reverse("api:classification-detail", args=[own.pk])
    assert client.patch(detail, {"rationale": "x"}, format="json").status_code == status


def test_the_export_lists_the_rows_as_json(auditor, both):
    response = token_client(auditor).get(reverse("api:export-classifications-json"))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = json.loads(body)
    assert {row["tier"] for row in rows} == {"High-risk (Art. 6, Annex I or III)", "Minimal risk"}
