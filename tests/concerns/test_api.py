"""The concerns resource: raising, reading with the anonymity rules, triage with If-Match, and
bad input."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.concerns.models import ANONYMOUS_RAISER, Concern, ConcernStatus
from tests.factories import ConcernFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(user_for):
    def make(role):
        client = APIClient()
        client.force_authenticate(user_for(role))
        return client

    return make


def detail(concern):
    return reverse("api:concern-detail", args=[concern.pk])


def body(system, **overrides):
    return {
        "system": system.reference,
        "summary": "Answers in the wrong language",
        "description": "Seen twice this week.",
        **overrides,
    }


# --- Raising --------------------------------------------------------------------------------------
def test_viewer_raises_a_concern_through_the_api(api, viewer, system):
    response = api("viewer").post(reverse("api:concern-list"), body(system), format="json")
    assert response.status_code == 201, response.content
    assert Concern.objects.get().raised_by == viewer
    assert response.data["raised_by"]["id"] == viewer.pk


def test_auditor_cannot_raise_a_concern_through_the_api(api, system):
    response = api("auditor").post(reverse("api:concern-list"), body(system), format="json")
    assert response.status_code == 403


def test_a_system_one_cannot_see_is_bad_input(api, foreign_system):
    response = api("viewer").post(reverse("api:concern-list"), body(foreign_system), format="json")
    assert response.status_code == 400
    assert "system" in response.data["errors"]


def test_a_concern_without_what_was_seen_is_bad_input(api, system):
    response = api("viewer").post(
        reverse("api:concern-list"), body(system, description=""), format="json"
    )
    assert response.status_code == 400
    assert "description" in response.data["errors"]


# --- Anonymity ------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["contributor", "committee_member"])
def test_the_api_hides_an_anonymous_raiser_from_the_team_and_the_committee(
    api, anonymous_concern, viewer, role
):
    client = api(role)
    assert client.get(detail(anonymous_concern)).data["raised_by"] is None
    listed = client.get(reverse("api:concern-list")).json()
    assert str(viewer.pk) not in str([row["raised_by"] for row in listed["results"]])
    assert viewer.email not in str(listed)


@pytest.mark.parametrize("role", ["administrator", "auditor", "viewer"])
def test_the_api_names_an_anonymous_raiser_to_administrators_auditors_and_the_raiser(
    api, anonymous_concern, viewer, role
):
    assert api(role).get(detail(anonymous_concern)).data["raised_by"]["id"] == viewer.pk


@pytest.mark.parametrize("role", ["contributor", "committee_member"])
def test_the_api_history_hides_an_anonymous_raiser(api, anonymous_concern, role):
    history = api(role).get(reverse("api:concern-history", args=[anonymous_concern.pk])).json()
    assert history["results"][0]["user"] == {"id": None, "name": ANONYMOUS_RAISER}


def test_the_api_history_keeps_the_raiser_for_auditors(api, anonymous_concern, viewer):
    history = api("auditor").get(reverse("api:concern-history", args=[anonymous_concern.pk]))
    assert history.json()["results"][0]["user"]["id"] == viewer.pk


def test_the_api_export_never_names_a_raiser(api, anonymous_concern, viewer):
    response = api("committee_member").get(reverse("api:export-concerns-json"))
    content = b"".join(response.streaming_content).decode()
    assert anonymous_concern.summary in content
    assert viewer.full_name not in content


# --- Triage ---------------------------------------------------------------------------------------
def test_contributor_closes_a_concern_with_if_match(api, concern):
    client = api("contributor")
    etag = client.get(detail(concern))["ETag"]
    response = client.post(
        reverse("api:concern-close", args=[concern.pk]),
        {"answer": "Known; fixed tomorrow."},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    assert response.data["status"] == ConcernStatus.CLOSED
    assert response.data["answer"] == "Known; fixed tomorrow."


def test_a_triage_without_a_version_is_refused(api, concern):
    response = api("contributor").post(
        reverse("api:concern-close", args=[concern.pk]), {"answer": "No."}, format="json"
    )
    assert response.status_code == 428


def test_a_triage_of_a_stale_version_is_a_conflict(api, concern, contributor):
    concern.save()  # someone else's change since: version 2
    response = api("contributor").post(
        reverse("api:concern-close", args=[concern.pk]),
        {"answer": "No.", "version": 1},
        format="json",
    )
    assert response.status_code == 409


def test_closing_without_an_answer_is_bad_input(api, concern):
    response = api("contributor").post(
        reverse("api:concern-close", args=[concern.pk]), {"version": 1}, format="json"
    )
    assert response.status_code == 400
    assert "answer" in response.data["errors"]


def test_contributor_links_a_concern_to_a_risk(api, concern, risk):
    response = api("contributor").post(
        reverse("api:concern-link", args=[concern.pk]),
        {"risk": risk.reference, "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.data["risk"]["id"] == risk.pk


def test_linking_to_nothing_is_bad_input(api, concern):
    response = api("contributor").post(
        reverse("api:concern-link", args=[concern.pk]), {"version": 1}, format="json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["committee_member", "auditor"])
def test_readers_cannot_triage_through_the_api(api, concern, role):
    response = api(role).post(
        reverse("api:concern-close", args=[concern.pk]),
        {"answer": "No.", "version": 1},
        format="json",
    )
    assert response.status_code == 403


def test_the_raiser_cannot_triage_their_own_concern(api, concern):
    response = api("viewer").post(
        reverse("api:concern-close", args=[concern.pk]),
        {"answer": "No.", "version": 1},
        format="json",
    )
    assert response.status_code == 403


def test_the_api_list_makes_a_constant_number_of_queries(
    api, system, risk, django_assert_max_num_queries
):
    client = api("administrator")
    ConcernFactory(system=system, is_anonymous=True)
    client.get(reverse("api:concern-list"))  # warm per-process caches
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("api:concern-list"))
    for _ in range(12):
        ConcernFactory(system=system, risk=risk, is_anonymous=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("api:concern-list")).status_code == 200
