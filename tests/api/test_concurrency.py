"""Optimistic concurrency in the API: the ETag is the version; a write must name the version it
read (428 otherwise) and goes through the forms' three-way merge (409 on a field changed on both
sides); concurrent clients lose nothing."""

import threading

import pytest
from django.db import connections
from django.urls import reverse

from apps.accounts.models import Membership
from apps.mitigations import services as mitigation_services
from apps.risks import services as risk_services
from apps.risks.models import Risk
from tests.api.conftest import token_client
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(team):
    return MembershipFactory(team=team, role=Membership.Role.CONTRIBUTOR).user


def test_the_api_etag_follows_the_version(api_for, risk, contributor):
    url = reverse("api:risk-detail", args=[risk.pk])
    assert api_for("auditor").get(url)["ETag"] == f'"{risk.pk}-v1"'
    risk_services.update_risk(risk=risk, by=contributor, data={"title": "Renamed"})
    assert api_for("auditor").get(url)["ETag"] == f'"{risk.pk}-v2"'


def test_an_api_update_with_the_etag_of_an_older_version_is_a_409(api_for, risk, colleague):
    url = reverse("api:risk-detail", args=[risk.pk])
    client = api_for("contributor")
    etag = client.get(url)["ETag"]
    risk_services.update_risk(risk=risk, by=colleague, data={"title": "Theirs"})
    response = client.patch(url, {"title": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 409
    assert Risk.objects.get(pk=risk.pk).title == "Theirs"


# --- Preconditions: no write without the version it read ----------------------------------------
def test_a_patch_without_if_match_is_a_428_that_writes_nothing(api_for, risk):
    url = reverse("api:risk-detail", args=[risk.pk])
    response = api_for("contributor").patch(url, {"title": "Blind write"}, format="json")
    assert response.status_code == 428
    body = response.json()
    assert body["code"] == "precondition_required"
    assert "If-Match" in body["detail"] and f'"{risk.pk}-v1"' in body["detail"]
    assert Risk.objects.get(pk=risk.pk).title == risk.title
    assert risk.history.count() == 1


def test_a_put_without_if_match_is_a_428(api_for, risk):
    url = reverse("api:risk-detail", args=[risk.pk])
    response = api_for("contributor").put(url, {"title": "Blind write"}, format="json")
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"


def test_if_match_star_names_no_version_and_is_a_428(api_for, risk):
    url = reverse("api:risk-detail", args=[risk.pk])
    response = api_for("contributor").patch(
        url, {"title": "Blind write"}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 428
    assert Risk.objects.get(pk=risk.pk).title == risk.title


def test_the_version_in_the_body_stands_for_if_match(api_for, risk):
    url = reverse("api:risk-detail", args=[risk.pk])
    client = api_for("contributor")
    assert client.get(url).json()["version"] == 1
    response = client.patch(url, {"title": "Renamed", "version": 1}, format="json")
    assert response.status_code == 200
    assert (response.json()["version"], response["ETag"]) == (2, f'"{risk.pk}-v2"')


@pytest.mark.parametrize(
    ("header", "body", "status"),
    [
        ('"999999-v1"', None, 412),  # another record's ETag
        ('"nonsense"', None, 412),
        (None, 7, 412),  # a version the record never had
        (None, "seven", 400),
        ("1-v1", 2, 400),  # If-Match and version disagree (the tag is rewritten per record)
    ],
)
def test_a_precondition_that_names_no_version_of_the_record_is_refused(
    api_for, risk, header, body, status
):
    url = reverse("api:risk-detail", args=[risk.pk])
    data = {"title": "Renamed"} | ({"version": body} if body is not None else {})
    headers = {}
    if header is not None:
        headers["HTTP_IF_MATCH"] = header.replace("1-v1", f'"{risk.pk}-v1"')
    risk_services.update_risk(risk=risk, by=risk.owner, data={"scenario": "Moved on"})
    response = api_for("contributor").patch(url, data, format="json", **headers)
    assert response.status_code == status, response.content
    assert response.json()["code"] in ("precondition_failed", "invalid")
    assert Risk.objects.get(pk=risk.pk).title == risk.title


@pytest.mark.parametrize("role", ["auditor", "viewer", "committee_member"])
def test_a_role_that_may_not_write_is_refused_before_any_precondition(api_for, risk, role):
    url = reverse("api:risk-detail", args=[risk.pk])
    assert api_for(role).patch(url, {"title": "x"}, format="json").status_code == 403


def test_another_teams_record_is_not_found_before_any_precondition(api_for, foreign_risk):
    url = reverse("api:risk-detail", args=[foreign_risk.pk])
    assert api_for("contributor").patch(url, {"title": "x"}, format="json").status_code == 404


# --- The three-way merge ------------------------------------------------------------------------
def test_a_409_lists_each_contested_field_with_both_values_and_the_current_etag(
    api_for, risk, colleague
):
    url = reverse("api:risk-detail", args=[risk.pk])
    client = api_for("contributor")
    etag = client.get(url)["ETag"]
    risk_services.update_risk(risk=risk, by=colleague, data={"title": "Theirs"})
    response = client.patch(url, {"title": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 409
    body = response.json()
    assert body["version"] == 2 and response["ETag"] == f'"{risk.pk}-v2"'
    assert body["conflicts"] == [
        {"field": "title", "label": "Title", "theirs": "Theirs", "yours": "Mine"}
    ]
    again = client.patch(url, {"title": "Mine"}, format="json", HTTP_IF_MATCH=response["ETag"])
    assert again.status_code == 200  # sent with the current ETag: a deliberate overwrite


def _as_put(read: dict) -> dict:
    """A risk as read (GET), as a PUT sends it back."""
    return {
        "title": read["title"],
        "scenario": read["scenario"],
        "category": read["category"]["path"],
        "owner": read["owner"]["email"],
        "framework_references": [ref["code"] for ref in read["framework_references"]],
        **{
            name: read[name]
            for name in (
                "inherent_likelihood",
                "inherent_impact",
                "residual_likelihood",
                "residual_impact",
                "treatment",
                "status",
            )
        },
    }


def test_a_put_from_a_stale_read_keeps_what_others_saved_in_the_fields_it_did_not_change(
    api_for, risk, colleague
):
    url = reverse("api:risk-detail", args=[risk.pk])
    client = api_for("contributor")
    read = client.get(url)
    risk_services.update_risk(risk=risk, by=colleague, data={"scenario": "Their scenario"})
    body = _as_put(read.json()) | {"title": "My title"}
    response = client.put(url, body, format="json", HTTP_IF_MATCH=read["ETag"])
    assert response.status_code == 200, response.content
    saved = Risk.objects.get(pk=risk.pk)
    assert (saved.title, saved.scenario) == ("My title", "Their scenario")


def test_a_put_from_a_stale_read_changing_a_field_changed_since_is_a_409(api_for, risk, colleague):
    url = reverse("api:risk-detail", args=[risk.pk])
    client = api_for("contributor")
    read = client.get(url)
    risk_services.update_risk(risk=risk, by=colleague, data={"inherent_impact": 2})
    body = _as_put(read.json()) | {"inherent_impact": 3}
    response = client.put(url, body, format="json", HTTP_IF_MATCH=read["ETag"])
    assert response.status_code == 409
    assert [c["field"] for c in response.json()["conflicts"]] == ["inherent_impact"]
    assert Risk.objects.get(pk=risk.pk).inherent_impact == 2


def test_links_merge_as_sets(api_for, mitigation, system, colleague):
    """A mitigation's risks: a stale PUT-like PATCH that sends the links as read keeps the
    link someone added since."""
    from tests.factories import RiskFactory

    first, second = RiskFactory(system=system), RiskFactory(system=system)
    mitigation_services.update_mitigation(
        mitigation=mitigation, by=colleague, data={}, risks=[first]
    )
    url = reverse("api:mitigation-detail", args=[mitigation.pk])
    client = api_for("contributor")
    read = client.get(url)
    mitigation_services.update_mitigation(
        mitigation=mitigation, by=colleague, data={}, risks=[first, second]
    )
    response = client.patch(
        url,
        {"title": "Renamed", "risks": [first.reference]},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert response.status_code == 200, response.content
    mitigation.refresh_from_db()
    assert mitigation.title == "Renamed"
    assert set(mitigation.risks.values_list("pk", flat=True)) == {first.pk, second.pk}


def test_an_api_update_leaves_its_history_with_its_reason(api_for, risk, contributor):
    url = reverse("api:risk-detail", args=[risk.pk])
    client = api_for("contributor")
    body = {"status": "treated", "change_reason": "Filter deployed"}
    response = client.patch(url, body, format="json", HTTP_IF_MATCH=client.get(url)["ETag"])
    assert response.status_code == 200
    latest = risk.history.order_by("-history_id").first()
    assert (latest.history_user, latest.history_change_reason, latest.version) == (
        contributor,
        "Filter deployed",
        2,
    )


# --- Concurrent clients (PostgreSQL: row locks between connections) ------------------------------
def _at_once(count: int, request) -> list:
    """``request(i)`` in ``count`` threads released together; their results, in order."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        try:
            start.wait(timeout=30)
            results[index] = request(index)
        except Exception as error:  # reported to the test below
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


CLIENTS = 10


@pytest.mark.postgres
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_clients_patching_one_field_with_if_match_one_wins_and_nothing_is_lost(
    risk, contributor
):
    url = reverse("api:risk-detail", args=[risk.pk])
    clients = [token_client(contributor) for _ in range(CLIENTS)]
    etag = clients[0].get(url)["ETag"]

    def patch(index):
        response = clients[index].patch(
            url, {"title": f"Title from client {index}"}, format="json", HTTP_IF_MATCH=etag
        )
        return response.status_code, response.json()

    results = _at_once(CLIENTS, patch)

    statuses = sorted(status for status, _ in results)
    assert statuses.count(200) == 1, results
    assert set(statuses) <= {200, 409, 428}
    winner = next(body for status, body in results if status == 200)
    saved = Risk.objects.get(pk=risk.pk)
    assert saved.title == winner["title"]  # the one acknowledged write is the one kept
    assert saved.version == 2
    assert risk.history.count() == 2


@pytest.mark.postgres
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_clients_patching_without_if_match_are_all_refused_and_nothing_changes(
    risk, contributor
):
    url = reverse("api:risk-detail", args=[risk.pk])
    clients = [token_client(contributor) for _ in range(CLIENTS)]

    def patch(index):
        return clients[index].patch(url, {"title": f"Blind {index}"}, format="json").status_code

    assert _at_once(CLIENTS, patch) == [428] * CLIENTS
    assert Risk.objects.get(pk=risk.pk).version == 1


@pytest.mark.postgres
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_clients_putting_different_fields_from_one_read_all_keep_their_change(risk, contributor):
    url = reverse("api:risk-detail", args=[risk.pk])
    clients = [token_client(contributor) for _ in range(4)]
    read = clients[0].get(url)
    changes = [
        {"title": "Title of client 0"},
        {"scenario": "Scenario of client 1"},
        {"status": "treated"},
        {"residual_impact": 3},
    ]

    def put(index):
        body = _as_put(read.json()) | changes[index]
        return clients[index].put(url, body, format="json", HTTP_IF_MATCH=read["ETag"])

    assert [response.status_code for response in _at_once(len(changes), put)] == [200] * 4
    saved = Risk.objects.get(pk=risk.pk)
    assert (saved.title, saved.scenario, saved.status, saved.residual_impact) == (
        "Title of client 0",
        "Scenario of client 1",
        "treated",
        3,
    )
    assert saved.version == 5
