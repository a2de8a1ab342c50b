"""Every endpoint × every role: who reads what, who may write, and no leak across teams."""

import pytest
from django.urls import reverse

from tests.conftest import ROLES

pytestmark = pytest.mark.django_db

GLOBAL_READERS = {"committee_member", "auditor", "administrator"}
TEAM_READERS = {"contributor", "viewer"}
WRITERS = {"contributor", "administrator"}


def list_refs(response):
    assert response.status_code == 200, response.content
    return {item["reference"] for item in response.json()["results"]}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("basename", "own", "foreign"),
    [
        ("system", "system", "foreign_system"),
        ("risk", "risk", "foreign_risk"),
        ("mitigation", "mitigation", "foreign_mitigation"),
    ],
)
def test_lists_and_details_show_each_role_exactly_its_records(
    role, basename, own, foreign, api_for, records, request
):
    own_record = request.getfixturevalue(own)
    foreign_record = request.getfixturevalue(foreign)
    client = api_for(role)
    response = client.get(reverse(f"api:{basename}-list"))
    if role == "anonymous":
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Token")
        return
    refs = list_refs(response)
    sees_own = role in GLOBAL_READERS | TEAM_READERS
    sees_foreign = role in GLOBAL_READERS or role == "outsider"
    assert (own_record.reference in refs) == sees_own
    assert (foreign_record.reference in refs) == sees_foreign
    for record, visible in ((own_record, sees_own), (foreign_record, sees_foreign)):
        detail = client.get(reverse(f"api:{basename}-detail", args=[record.pk]))
        assert detail.status_code == (200 if visible else 404)
        history = client.get(reverse(f"api:{basename}-history", args=[record.pk]))
        assert history.status_code == (200 if visible else 404)


@pytest.mark.parametrize("role", ROLES)
def test_teams_are_those_the_role_may_read(role, api_for, team, other_team, records):
    response = api_for(role).get(reverse("api:team-list"))
    if role == "anonymous":
        assert response.status_code == 401
        return
    refs = list_refs(response)
    expected = {
        "contributor": {team.slug},
        "viewer": {team.slug},
        "outsider": {other_team.slug},
        "nobody": set(),
    }.get(role, {team.slug, other_team.slug})
    assert refs == expected


@pytest.mark.parametrize("role", ROLES)
def test_the_risk_library_is_read_by_everyone_signed_in(role, api_for):
    response = api_for(role).get(reverse("api:risk-template-list"), {"search": "prompt injection"})
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert response.json()["count"] >= 1
    key = response.json()["results"][0]["key"]
    detail = api_for(role).get(reverse("api:risk-template-detail", args=[key]))
    assert detail.status_code == 200
    assert detail.json()["key"] == key


@pytest.mark.parametrize("role", ROLES)
def test_the_audit_log_is_for_global_readers(role, api_for, records):
    response = api_for(role).get(reverse("api:audit-event-list"))
    expected = {"anonymous": 401}.get(role, 200 if role in GLOBAL_READERS else 403)
    assert response.status_code == expected
    if expected == 403:
        assert response.json() == {
            "detail": "The audit log is open to auditors, committee members and administrators.",
            "code": "permission_denied",
        }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("export", ["risks", "systems", "mitigations"])
def test_exports_contain_only_what_the_role_may_read(role, export, api_for, records):
    response = api_for(role).get(reverse(f"api:export-{export}-csv"), {"archived": "all"})
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    own = {"risks": "RSK", "systems": "SYS", "mitigations": "MTG"}[export]
    own_record = {"risks": "risk", "systems": "system", "mitigations": "mitigation"}[export]
    own_ref = (records.get(own_record) or records["risk"].system).reference
    foreign_ref = {
        "risks": records["foreign_risk"].reference,
        "systems": records["foreign_risk"].system.reference,
        "mitigations": records["foreign_mitigation"].reference,
    }[export]
    assert own_ref.startswith(own)
    sees_own = role in GLOBAL_READERS | TEAM_READERS
    sees_foreign = role in GLOBAL_READERS or role == "outsider"
    assert (f"\n{own_ref}," in text) == sees_own
    assert (f"\n{foreign_ref}," in text) == sees_foreign


# --- Writes ---------------------------------------------------------------------------------------
def risk_payload(system, **overrides):
    return {
        "system": system.reference,
        "title": "Leaks account numbers in answers",
        "scenario": "A customer asks about another account and gets its number.",
        "category": "privacy/data-leakage",
        "owner": system.business_owner.email,
        "inherent_likelihood": 3,
        "inherent_impact": 5,
        "residual_likelihood": 2,
        "residual_impact": 4,
        "framework_references": [],
    } | overrides


@pytest.mark.parametrize("role", ROLES)
def test_creating_a_risk_by_role(role, api_for, system, records):
    response = api_for(role).post(reverse("api:risk-list"), risk_payload(system), format="json")
    expected = {
        "contributor": 201,
        "administrator": 201,
        "anonymous": 401,
        # Readers who do not write in this team: the service refuses (403); those who cannot
        # see the system at all are told it is not one they can see (400 on the field).
        "viewer": 403,
        "committee_member": 403,
        "auditor": 403,
        "outsider": 400,
        "nobody": 400,
    }[role]
    assert response.status_code == expected, response.content
    if expected == 201:
        body = response.json()
        assert body["reference"].startswith("RSK-")
        assert body["inherent_level"] == "High"  # 3 × 5 = 15
        assert response["Location"] == body["url"]
    if role == "auditor":
        assert response.json()["detail"] == "Auditors read every record and never change any."
    if role in ("outsider", "nobody"):
        assert "system" in response.json()["errors"]


@pytest.mark.parametrize("role", ROLES)
def test_changing_a_risk_by_role(role, api_for, risk, records):
    url = reverse("api:risk-detail", args=[risk.pk])
    body = {"title": "Invents refund rules", "version": risk.version}
    response = api_for(role).patch(url, body, format="json")
    expected = {
        "contributor": 200,
        "administrator": 200,
        "anonymous": 401,
        "viewer": 403,
        "committee_member": 403,
        "auditor": 403,
        "outsider": 404,
        "nobody": 404,
    }[role]
    assert response.status_code == expected, response.content
    risk.refresh_from_db()
    assert (risk.title == "Invents refund rules") == (expected == 200)


@pytest.mark.parametrize("role", ROLES)
def test_planning_a_mitigation_by_role(role, api_for, system, risk, contributor, records):
    payload = {
        "system": system.reference,
        "title": "Mask account numbers in outputs",
        "kind": "output_validation",
        "layer": "application",
        "owner": contributor.email,
        "risks": [risk.reference],
    }
    response = api_for(role).post(reverse("api:mitigation-list"), payload, format="json")
    expected = {
        "contributor": 201,
        "administrator": 201,
        "anonymous": 401,
        "viewer": 403,
        "committee_member": 403,
        "auditor": 403,
        "outsider": 400,
        "nobody": 400,
    }[role]
    assert response.status_code == expected, response.content
    if expected == 201:
        assert [r["reference"] for r in response.json()["risks"]] == [risk.reference]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_read_only_resources_refuse_writes(role, method, api_for, system, team):
    client = api_for(role)
    for url in (
        reverse("api:system-detail", args=[system.pk]),
        reverse("api:team-detail", args=[team.pk]),
        reverse("api:audit-event-list"),
        reverse("api:risk-template-list"),
    ):
        response = getattr(client, method)(url, {}, format="json")
        if role == "anonymous":
            assert response.status_code == 401
        elif role == "auditor":  # refused before the method is even looked at, or not allowed
            assert response.status_code in (403, 405), (url, response.status_code)
        else:
            assert response.status_code in (403, 404, 405), (url, response.status_code)


@pytest.mark.parametrize("role", ["contributor", "administrator", "auditor"])
def test_records_are_never_deleted_through_the_api(role, api_for, risk, mitigation):
    client = api_for(role)
    for url in (
        reverse("api:risk-detail", args=[risk.pk]),
        reverse("api:mitigation-detail", args=[mitigation.pk]),
    ):
        response = client.delete(url)
        assert response.status_code == (403 if role == "auditor" else 405)
    risk.refresh_from_db()
    assert not risk.is_archived


def test_a_record_is_found_by_its_reference(api_for, risk):
    client = api_for("auditor")
    for lookup in (risk.reference, risk.reference.lower(), str(risk.pk)):
        response = client.get(reverse("api:risk-detail", args=[lookup]))
        assert response.status_code == 200
        assert response.json()["id"] == risk.pk
    for bad in ("SYS-0001", "RSK-", "9" * 40, "%00"):
        assert client.get(f"/api/v1/risks/{bad}/").status_code == 404


def test_an_archived_risk_is_listed_on_request_and_always_readable(api_for, risk, contributor):
    from apps.risks import services

    services.archive_risk(risk=risk, by=contributor)
    client = api_for("auditor")
    assert risk.reference not in list_refs(client.get(reverse("api:risk-list")))
    assert risk.reference in list_refs(client.get(reverse("api:risk-list"), {"archived": "all"}))
    body = client.get(reverse("api:risk-detail", args=[risk.reference])).json()
    assert body["archived"] is True


def test_session_clients_need_the_csrf_token_to_write(client, contributor, system):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(contributor)
    response = browser.post(
        reverse("api:risk-list"), risk_payload(system), content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert browser.get(reverse("api:risk-list")).status_code == 200


def test_unknown_api_paths_answer_in_json(api_for):
    response = api_for("auditor").get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_root_lists_every_resource_and_export(api_for):
    body = api_for("viewer").get(reverse("api:root")).json()
    assert set(body["resources"]) >= {
        "teams",
        "systems",
        "risks",
        "mitigations",
        "risk-templates",
        "acceptances",
        "audit-log",
        "tokens",
        "incidents",
    }
    assert set(body["exports"]) >= {
        f"{name}.{fmt}"
        for name in ("risks", "systems", "mitigations", "incidents")
        for fmt in ("csv", "json", "xlsx")
    }
    assert body["schema"].endswith("/api/v1/schema/")


def test_a_known_path_without_its_slash_is_redirected(api_for):
    response = api_for("auditor").get("/api/v1/risks", {"level": "high"})
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/risks/?level=high"
