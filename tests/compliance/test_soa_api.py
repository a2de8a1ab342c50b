"""The Statement of Applicability on the API, read-only: its versions with their frozen controls,
the draft's entries, each with its history; read by those who read its pages, written by nobody,
in a fixed number of queries."""

import pytest
from django.urls import reverse

from apps.compliance import soa
from apps.compliance.models_soa import (
    ControlApplicability,
    SoAEntry,
    SoAVersion,
    SoAVersionStatus,
)
from apps.compliance.permissions_soa import READERS_ONLY
from tests.compliance.conftest import APPLICABLE, answer_all, submitted
from tests.factories import MitigationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(controls, committee_member, second_member):
    """Version 1, approved: the statement in force."""
    version = submitted(controls, committee_member)
    return soa.decide_soa(version=version, by=second_member, approve=True)


def versions_url():
    return reverse("api:soa-version-list")


def entries_url():
    return reverse("api:soa-entry-list")


# --- Versions -------------------------------------------------------------------------------------
def test_an_auditor_lists_the_versions_newest_first(
    api_for, approved, controls, committee_member, second_member
):
    second = soa.submit_soa(by=second_member, note="Second look")

    body = api_for("auditor").get(versions_url()).json()

    assert body["count"] == 2
    newest, first = body["results"]
    assert (newest["number"], newest["status"]) == (2, SoAVersionStatus.PENDING)
    assert newest["note"] == "Second look"
    assert newest["submitted_by"]["email"] == second_member.email
    assert newest["decided_by"] is None
    assert (first["number"], first["status"]) == (1, SoAVersionStatus.APPROVED)
    assert first["decided_by"]["email"] == second_member.email
    assert first["catalogue"]["framework"] == "iso-42001"
    assert newest["entries"].endswith(reverse("api:soa-version-entries", args=[second.pk]))
    assert newest["web_url"].endswith(second.get_absolute_url())


def test_an_auditor_reads_a_version(api_for, approved):
    response = api_for("auditor").get(reverse("api:soa-version-detail", args=[approved.pk]))

    assert response.status_code == 200
    assert response.json()["number"] == 1
    assert response.json()["history"].endswith(
        reverse("api:soa-version-history", args=[approved.pk])
    )


def test_versions_filter_by_status(api_for, approved, second_member):
    soa.submit_soa(by=second_member)

    body = api_for("auditor").get(versions_url(), {"status": "pending"}).json()

    assert [version["number"] for version in body["results"]] == [2]


def test_an_auditor_reads_each_control_of_a_version_as_it_was_frozen(
    api_for, controls, committee_member, mitigation
):
    answer_all(controls[1:], committee_member)
    soa.update_soa_entry(
        requirement=controls[0],
        by=committee_member,
        data={
            **APPLICABLE,
            "policies": "AI policy v2\n\nhttps://intranet/ai",
            "mitigations": [mitigation],
        },
    )
    version = soa.submit_soa(by=committee_member)
    soa.withdraw_soa(version=version, by=committee_member)
    soa.update_soa_entry(requirement=controls[0], by=committee_member, data={"policies": "Later"})

    response = api_for("auditor").get(reverse("api:soa-version-entries", args=[version.pk]))

    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == len(controls) == 38
    first = rows[0]
    assert (first["position"], first["identifier"]) == (1, "A.2.2")
    assert first["requirement"] == controls[0].pk
    assert first["objective"] == "A.2 Policies related to AI"
    assert first["applicability"] == ControlApplicability.APPLICABLE
    assert first["policies"] == ["AI policy v2", "https://intranet/ai"]  # as submitted
    assert [m["reference"] for m in first["mitigations"]] == [mitigation.reference]
    assert first["mitigations"][0]["system"] == mitigation.system.reference


def test_an_unknown_version_is_a_404(api_for):
    response = api_for("auditor").get(reverse("api:soa-version-entries", args=[987654]))

    assert response.status_code == 404


# --- The draft ------------------------------------------------------------------------------------
def test_an_auditor_reads_the_drafts_entries_in_the_catalogues_order(
    api_for, controls, committee_member, mitigation
):
    soa.update_soa_entry(
        requirement=controls[1],
        by=committee_member,
        data={
            "applicability": ControlApplicability.EXCLUDED,
            "justification": "No AI suppliers.",
        },
    )
    soa.update_soa_entry(
        requirement=controls[0],
        by=committee_member,
        data={**APPLICABLE, "mitigations": [mitigation]},
    )

    body = api_for("auditor").get(entries_url()).json()

    assert body["count"] == 2  # the other controls are not decided yet
    first, second = body["results"]
    assert first["requirement"]["identifier"] == "A.2.2"
    assert first["objective"] == "A.2 Policies related to AI"
    assert first["mitigations"] == [
        {
            "id": mitigation.pk,
            "reference": mitigation.reference,
            "name": mitigation.title,
            "url": f"http://testserver{reverse('api:mitigation-detail', args=[mitigation.pk])}",
        }
    ]
    assert first["updated_by"]["email"] == committee_member.email
    assert first["web_url"].endswith(f"{reverse('compliance_org:soa')}#control-{controls[0].pk}")
    assert (second["applicability"], second["justification"]) == (
        ControlApplicability.EXCLUDED,
        "No AI suppliers.",
    )


def test_the_drafts_entries_filter_by_applicability(api_for, controls, committee_member):
    answer_all(controls[:3], committee_member)
    soa.update_soa_entry(
        requirement=controls[3],
        by=committee_member,
        data={"applicability": ControlApplicability.EXCLUDED, "justification": "Not ours."},
    )

    body = api_for("auditor").get(entries_url(), {"applicability": "excluded"}).json()

    assert [entry["requirement"]["identifier"] for entry in body["results"]] == [
        controls[3].identifier
    ]


def test_an_entry_is_read_with_its_etag(api_for, controls, committee_member):
    entry = soa.update_soa_entry(requirement=controls[0], by=committee_member, data=APPLICABLE)

    response = api_for("auditor").get(reverse("api:soa-entry-detail", args=[entry.pk]))

    assert response.status_code == 200
    assert response["ETag"] == f'"{entry.pk}-v{entry.version}"'


# --- History --------------------------------------------------------------------------------------
def test_an_entrys_history_says_who_changed_what_and_why(api_for, controls, committee_member):
    entry = soa.update_soa_entry(
        requirement=controls[0], by=committee_member, data=APPLICABLE, reason="Policy adopted"
    )
    soa.update_soa_entry(
        requirement=controls[0],
        by=committee_member,
        data={"justification": "Required by the board."},
        reason="Board decision",
    )

    body = api_for("auditor").get(reverse("api:soa-entry-history", args=[entry.pk])).json()

    assert [event["change_reason"] for event in body["results"]] == [
        "Board decision",
        "Policy adopted",
    ]
    changed = {change["field"]: change for change in body["results"][0]["changes"]}
    assert changed["justification"]["new"] == "Required by the board."


def test_a_versions_history_has_its_submission_and_decision(api_for, approved):
    body = api_for("auditor").get(reverse("api:soa-version-history", args=[approved.pk])).json()

    assert [event["change_reason"] for event in body["results"]] == [
        "Version 1 approved",
        "Version 1 submitted to the committee",
    ]


# --- Who reads it, and nobody writes --------------------------------------------------------------
@pytest.mark.parametrize("role", ["committee_member", "auditor", "administrator"])
def test_those_who_read_every_team_read_the_statement(api_for, approved, role):
    client = api_for(role)

    assert client.get(versions_url()).status_code == 200
    assert client.get(entries_url()).status_code == 200


@pytest.mark.parametrize("role", ["viewer", "contributor"])
def test_a_teams_members_are_refused_the_statement_saying_why(api_for, approved, role):
    client = api_for(role)

    for url in (
        versions_url(),
        entries_url(),
        reverse("api:soa-version-entries", args=[approved.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json()["detail"] == READERS_ONLY


def test_an_anonymous_request_is_asked_for_credentials(api_for):
    assert api_for("anonymous").get(versions_url()).status_code == 401


@pytest.mark.parametrize(("role", "status"), [("committee_member", 405), ("auditor", 403)])
def test_nobody_writes_the_statement_through_the_api(api_for, approved, role, status):
    client = api_for(role)
    entry = SoAEntry.objects.first()
    version_url = reverse("api:soa-version-detail", args=[approved.pk])
    entry_url = reverse("api:soa-entry-detail", args=[entry.pk])

    assert client.post(versions_url(), {"note": "Mine"}).status_code == status
    assert client.patch(version_url, {"status": "rejected"}).status_code == status
    assert client.delete(version_url).status_code == status
    assert client.post(entries_url(), {"requirement": entry.requirement_id}).status_code == status
    assert client.patch(entry_url, {"justification": "Changed"}).status_code == status
    assert client.delete(entry_url).status_code == status

    approved.refresh_from_db()
    entry.refresh_from_db()
    assert approved.status == SoAVersionStatus.APPROVED
    assert entry.justification == APPLICABLE["justification"]
    assert SoAVersion.objects.count() == 1


# --- Queries --------------------------------------------------------------------------------------
def test_the_versions_take_the_same_queries_however_many(
    api_for, approved, second_member, committee_member, django_assert_max_num_queries
):
    client = api_for("auditor")
    client.get(versions_url())  # caches of the process (content types…) warmed
    with django_assert_max_num_queries(5) as few:
        client.get(versions_url())
    for _ in range(3):
        version = soa.submit_soa(by=second_member)
        soa.decide_soa(version=version, by=committee_member, approve=True)

    with django_assert_max_num_queries(len(few)):
        response = client.get(versions_url())

    assert response.json()["count"] == 4


def test_a_versions_controls_take_the_same_queries_however_many(
    api_for, approved, controls, django_assert_max_num_queries
):
    client = api_for("auditor")
    url = reverse("api:soa-version-entries", args=[approved.pk])
    client.get(url)
    with django_assert_max_num_queries(4):
        response = client.get(url)

    assert len(response.json()) == len(controls)


def test_the_drafts_entries_take_the_same_queries_however_many(
    api_for, controls, committee_member, system, django_assert_max_num_queries
):
    client = api_for("auditor")
    answer_all(controls[:2], committee_member)
    for entry in SoAEntry.objects.all():
        entry.mitigations.add(MitigationFactory(system=system))
    client.get(entries_url(), {"page_size": 100})
    with django_assert_max_num_queries(6) as few:
        client.get(entries_url(), {"page_size": 100})
    answer_all(controls[2:], committee_member)
    for entry in SoAEntry.objects.all():
        entry.mitigations.add(MitigationFactory(system=system), MitigationFactory(system=system))

    with django_assert_max_num_queries(len(few)):
        response = client.get(entries_url(), {"page_size": 100})

    assert response.json()["count"] == len(controls)
    assert all(len(entry["mitigations"]) >= 2 for entry in response.json()["results"])
