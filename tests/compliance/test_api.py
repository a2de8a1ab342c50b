"""The compliance API: the requirement catalogues (read-only) and the obligations (read, filtered,
and worked on through the service with If-Match), each with its history."""

import pytest
from django.urls import reverse

from apps.compliance.models import ObligationStatus
from apps.core import services as core_services
from apps.core.audit import save_with_history
from tests.factories import (
    AISystemFactory,
    MitigationFactory,
    ObligationFactory,
    current_requirement,
)

pytestmark = pytest.mark.django_db


def detail(obligation):
    return reverse("api:obligation-detail", args=[obligation.pk])


def etag(client, obligation):
    return client.get(detail(obligation))["ETag"]


# --- Requirements ---------------------------------------------------------------------------------
def test_requirements_are_read_by_framework_and_kind(api_for):
    client = api_for("viewer")
    response = client.get(
        reverse("api:requirement-list"), {"framework": "iso-42001", "kind": "control"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 38
    first = body["results"][0]
    assert first["catalogue"]["framework"] == "iso-42001"
    assert first["identifier"] == "A.2.2"
    assert first["parent"] == "A.2"


def test_a_requirement_says_whom_it_binds_and_whether_it_blocks(api_for):
    requirement = current_requirement("Art. 9")
    body = api_for("auditor").get(reverse("api:requirement-detail", args=[requirement.pk])).json()
    assert body["identifier"] == "Art. 9"
    assert body["binds"] == ["providers"]
    assert body["is_blocking"] is True
    assert body["history"].endswith(f"/api/v1/requirements/{requirement.pk}/history/")


def test_a_requirements_history_is_served(api_for, administrator):
    requirement = current_requirement("Art. 9")
    requirement.summary = "A risk process over the whole lifecycle."
    save_with_history(requirement, by=administrator, reason="Summary reworded")
    response = api_for("viewer").get(reverse("api:requirement-history", args=[requirement.pk]))
    assert response.status_code == 200
    assert response.json()["results"][0]["change_reason"] == "Summary reworded"


def test_requirements_cannot_be_written(api_for):
    response = api_for("administrator").post(reverse("api:requirement-list"), {}, format="json")
    assert response.status_code == 405


# --- Obligations: reading -------------------------------------------------------------------------
def test_the_obligations_listed_are_those_one_may_see(api_for, obligation, foreign_obligation):
    body = api_for("contributor").get(reverse("api:obligation-list")).json()
    assert [row["reference"] for row in body["results"]] == [obligation.reference]


def test_an_obligation_says_what_it_is_why_and_where_it_stands(api_for, obligation):
    body = api_for("auditor").get(detail(obligation)).json()
    assert body["requirement"]["identifier"] == "Art. 9"
    assert body["requirement"]["framework"] == "eu-ai-act"
    assert body["why"] == "A high-risk system that the organisation provides"
    assert body["status"] == "not_started"
    assert body["system"]["reference"] == obligation.system.reference
    assert body["version"] == 1


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"status": "in_progress"}, {"started"}),
        ({"framework": "eu-ai-act"}, {"started", "later"}),
        ({"requirement": "art. 10"}, {"later"}),
        ({"due_before": "2026-12-31"}, {"started"}),
        ({"search": "Data and data governance"}, {"later"}),
    ],
)
def test_obligations_are_filtered(api_for, system, query, expected):
    records = {
        "started": ObligationFactory(
            system=system, status=ObligationStatus.IN_PROGRESS, due_date="2026-08-02"
        ),
        "later": ObligationFactory(
            system=system, requirement=current_requirement("Art. 10"), due_date="2027-12-02"
        ),
    }
    body = api_for("viewer").get(reverse("api:obligation-list"), query).json()
    names = {
        name
        for name, o in records.items()
        if o.reference in {r["reference"] for r in body["results"]}
    }
    assert names == expected


def test_obligations_are_filtered_by_system_and_owner(api_for, team, contributor):
    mine = ObligationFactory(system=AISystemFactory(team=team), owner=contributor)
    ObligationFactory(system=AISystemFactory(team=team))
    client = api_for("viewer")
    by_system = client.get(reverse("api:obligation-list"), {"system": mine.system_id}).json()
    by_owner = client.get(reverse("api:obligation-list"), {"owner": contributor.pk}).json()
    assert [r["reference"] for r in by_system["results"]] == [mine.reference]
    assert [r["reference"] for r in by_owner["results"]] == [mine.reference]


def test_obligations_cannot_be_created_they_are_derived(api_for, system):
    response = api_for("contributor").post(reverse("api:obligation-list"), {}, format="json")
    assert response.status_code == 405


# --- Obligations: writing -------------------------------------------------------------------------
def test_a_change_without_if_match_is_refused_with_428(api_for, obligation):
    response = api_for("contributor").patch(
        detail(obligation), {"status": "in_progress"}, format="json"
    )
    assert response.status_code == 428
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.NOT_STARTED


def test_a_change_with_if_match_goes_through_the_service(api_for, obligation, contributor):
    client = api_for("contributor")
    response = client.patch(
        detail(obligation),
        {"status": "in_progress", "owner": contributor.email, "change_reason": "Started"},
        format="json",
        headers={"If-Match": etag(client, obligation)},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    assert response["ETag"] == f'"{obligation.pk}-v2"'
    history = client.get(reverse("api:obligation-history", args=[obligation.pk])).json()
    assert history["results"][0]["change_reason"] == "Started"


def test_not_applicable_without_justification_is_a_400_on_the_field(api_for, obligation):
    client = api_for("contributor")
    response = client.patch(
        detail(obligation),
        {"status": "not_applicable"},
        format="json",
        headers={"If-Match": etag(client, obligation)},
    )
    assert response.status_code == 400
    assert "justification" in response.json()["errors"]


def test_a_change_over_someone_elses_is_a_409(api_for, obligation):
    client = api_for("contributor")
    read = etag(client, obligation)
    client.patch(detail(obligation), {"notes": "Theirs"}, format="json", headers={"If-Match": read})
    response = client.patch(
        detail(obligation), {"notes": "Mine"}, format="json", headers={"If-Match": read}
    )
    assert response.status_code == 409


def test_mitigations_of_the_system_are_linked_through_the_api(api_for, obligation, mitigation):
    client = api_for("contributor")
    response = client.patch(
        detail(obligation),
        {"mitigations": [mitigation.reference]},
        format="json",
        headers={"If-Match": etag(client, obligation)},
    )
    assert response.status_code == 200, response.content
    assert [m["reference"] for m in response.json()["mitigations"]] == [mitigation.reference]


def test_a_mitigation_of_another_system_is_refused(api_for, obligation, team):
    other = MitigationFactory(system=AISystemFactory(team=team))
    client = api_for("contributor")
    response = client.patch(
        detail(obligation),
        {"mitigations": [other.reference]},
        format="json",
        headers={"If-Match": etag(client, obligation)},
    )
    assert response.status_code == 400
    assert not obligation.mitigations.exists()


@pytest.mark.parametrize("role", ["viewer", "auditor"])
def test_readers_cannot_change_an_obligation(api_for, obligation, role):
    client = api_for(role)
    response = client.patch(
        detail(obligation),
        {"status": "verified"},
        format="json",
        headers={"If-Match": etag(client, obligation)},
    )
    assert response.status_code == 403


def test_a_committee_member_may_work_on_an_obligation(api_for, obligation):
    client = api_for("committee_member")
    response = client.patch(
        detail(obligation),
        {"status": "implemented"},
        format="json",
        headers={"If-Match": etag(client, obligation)},
    )
    assert response.status_code == 200


def test_an_obligations_history_includes_its_evidence(api_for, obligation, contributor):
    core_services.add_evidence(record=obligation, by=contributor, kind="note", note="Approved")
    body = api_for("auditor").get(reverse("api:obligation-history", args=[obligation.pk])).json()
    assert "core.evidence" in {row["record"]["model"] for row in body["results"]}


def test_the_obligations_list_reads_in_a_fixed_number_of_queries(
    api_for, system, mitigation, risk, django_assert_max_num_queries
):
    client = api_for("auditor")
    first = ObligationFactory(system=system)
    first.mitigations.add(mitigation)
    client.get(reverse("api:obligation-list"))
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("api:obligation-list"))
    for identifier in ["Art. 10", "Art. 11", "Art. 12", "Art. 13"]:
        obligation = ObligationFactory(system=system, requirement=current_requirement(identifier))
        obligation.mitigations.add(mitigation)
        obligation.risks.add(risk)
    with django_assert_max_num_queries(10) as many:
        response = client.get(reverse("api:obligation-list"))
    assert response.json()["count"] == 5
    assert len(many.captured_queries) == len(few.captured_queries)
