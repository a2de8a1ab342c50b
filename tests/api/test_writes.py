"""Writes through the API: the services' rules, clear 400/409 errors, and the history they leave."""

import pytest
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.risks import services
from tests.api.test_access import risk_payload

pytestmark = pytest.mark.django_db


def test_a_risk_created_through_the_api_has_the_forms_derived_values(api_for, system):
    response = api_for("contributor").post(
        reverse("api:risk-list"),
        risk_payload(system, framework_references=["LLM02:2025"], change_reason="Red-team finding"),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["inherent_score"] == 15
    assert body["residual_level"] == "Medium"
    assert body["category"] == {
        "path": "privacy/data-leakage",
        "category": "Privacy",
        "subcategory": "Leakage of confidential data",
    }
    assert [ref["code"] for ref in body["framework_references"]] == ["LLM02:2025"]
    assert body["system"]["reference"] == system.reference
    assert body["system"]["url"].endswith(f"/api/v1/systems/{system.pk}/")
    assert body["team"]["name"] == system.team.name
    event = AuditEvent.objects.filter(
        content_type__model="risk", object_id=body["id"], action="+"
    ).get()
    assert event.change_reason == "Red-team finding"


def test_field_errors_come_back_on_their_fields(api_for, system):
    client = api_for("contributor")
    response = client.post(
        reverse("api:risk-list"),
        risk_payload(
            system,
            category="nonsense/thing",
            owner="nobody@nowhere.example",
            inherent_likelihood=9,
            framework_references=["NOPE-1"],
        ),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {
        "category",
        "owner",
        "inherent_likelihood",
        "framework_references",
    }


def test_the_services_rules_are_reported_as_field_errors(api_for, system):
    response = api_for("contributor").post(
        reverse("api:risk-list"),
        risk_payload(system, inherent_likelihood=1, inherent_impact=1),  # residual 2×4 > 1×1
        format="json",
    )
    assert response.status_code == 400
    assert "cannot score higher" in response.json()["errors"]["residual_impact"][0]


def test_a_duplicate_title_is_a_field_error(api_for, system, risk):
    response = api_for("contributor").post(
        reverse("api:risk-list"), risk_payload(system, title=risk.title.upper()), format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["title"] == ["This system already has a risk with this title."]


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2, 3]",
        '{"title": null}',
        '{"system": {"id": 1}}',
        '{"framework_references": "LLM01:2025"}',
        '{"inherent_likelihood": "🙂"}',
        '{"system": "SYS-99999999999999999999"}',
        '{"owner": 42}',
    ],
)
def test_bad_input_is_a_400_never_a_500(api_for, system, body):
    response = api_for("contributor").generic(
        "POST", reverse("api:risk-list"), body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        {"level": "huge"},
        {"updated_after": "yesterday"},
        {"system": "abc"},
        {"team": "99999999999999999999999"},
        {"ordering": "password"},
        {"page_size": "-1", "page": "0"},
        # PostgreSQL refuses offsets beyond ±15:59: converted to UTC before the query.
        {"updated_after": "0404-06-13T15:02:59+17:12"},
        {"updated_after": "0001-01-01T00:00:00+17:12"},
        {"updated_after": "9999-12-31T23:59:59-17:12"},
        {"search": "a\x00b"},
        {"owner": "99999999999999999999"},
    ],
)
def test_bad_filters_are_clear_errors(api_for, records, query):
    from django.db import connection

    response = api_for("auditor").get(reverse("api:risk-list"), query)
    assert response.status_code in (200, 400, 404), response.content
    assert "detail" in response.json() or "results" in response.json()
    with connection.cursor() as cursor:  # and the database connection is still usable
        cursor.execute("SELECT 1")


def test_an_update_with_a_stale_etag_of_a_field_changed_since_is_a_conflict(api_for, risk):
    client = api_for("contributor")
    url = reverse("api:risk-detail", args=[risk.pk])
    etag = client.get(url)["ETag"]
    first = client.patch(url, {"title": "Saved first"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    second = client.patch(url, {"title": "Lost update"}, format="json", HTTP_IF_MATCH=etag)
    assert second.status_code == 409
    assert second.json()["code"] == "conflict"
    assert second["ETag"] == first["ETag"]
    risk.refresh_from_db()
    assert risk.title == "Saved first"
    fresh = client.patch(url, {"title": "Fresh update"}, format="json", HTTP_IF_MATCH=first["ETag"])
    assert fresh.status_code == 200


def test_an_update_with_a_stale_etag_of_other_fields_keeps_both_changes(api_for, risk):
    # Changed on purpose (issue 25 §1): a stale If-Match was a 409 whatever it changed; it now
    # goes through the forms' three-way merge, which loses nothing and refuses only a field
    # changed on both sides.
    client = api_for("contributor")
    url = reverse("api:risk-detail", args=[risk.pk])
    etag = client.get(url)["ETag"]
    first = client.patch(url, {"status": "treated"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    second = client.patch(url, {"title": "Second change"}, format="json", HTTP_IF_MATCH=etag)
    assert second.status_code == 200
    risk.refresh_from_db()
    assert (risk.status, risk.title, risk.version) == ("treated", "Second change", 3)


def test_put_needs_every_field_and_a_risk_never_moves(api_for, risk, foreign_system):
    client = api_for("contributor")
    url = reverse("api:risk-detail", args=[risk.pk])
    etag = client.get(url)["ETag"]
    only_title = client.put(url, {"title": "Only a title"}, format="json", HTTP_IF_MATCH=etag)
    assert only_title.status_code == 400
    payload = risk_payload(
        risk.system, title="Full replacement", treatment="mitigate", status="open"
    )
    replaced = client.put(url, payload, format="json", HTTP_IF_MATCH=etag)
    assert replaced.status_code == 200
    moved = client.patch(
        url, {"system": risk.system.pk + 1000}, format="json", HTTP_IF_MATCH=replaced["ETag"]
    )
    assert moved.status_code == 400


def test_archive_and_restore_through_the_api(api_for, risk):
    client = api_for("contributor")
    archive = reverse("api:risk-archive", args=[risk.pk])
    response = client.post(archive, {"reason": "Duplicate of another risk"}, format="json")
    assert response.status_code == 200
    assert response.json()["archived"] is True
    assert client.post(archive, {}, format="json").status_code == 409
    assert (
        client.patch(
            reverse("api:risk-detail", args=[risk.pk]), {"title": "x"}, format="json"
        ).status_code
        == 403
    )  # archived risks are read-only
    restore = client.post(reverse("api:risk-restore", args=[risk.pk]), {}, format="json")
    assert restore.status_code == 200
    assert restore.json()["archived"] is False


def test_history_after_edits_through_the_form_and_the_api(
    api_for, client_for, risk, contributor, administrator
):
    # 1. A change through the page's form.
    page = client_for("contributor").post(
        reverse("risks:edit", args=[risk.pk]),
        {
            "title": risk.title,
            "scenario": risk.scenario,
            "category": risk.category_id,
            "owner": contributor.pk,
            "inherent_likelihood": 4,
            "inherent_impact": 4,
            "residual_likelihood": 1,
            "residual_impact": 4,
            "treatment": "mitigate",
            "status": "open",
            "change_reason": "Output filter deployed",
        },
    )
    assert page.status_code == 302, page.content
    # 2. A change through the API, by someone else.
    administrator_api = api_for("administrator")
    url = reverse("api:risk-detail", args=[risk.pk])
    api = administrator_api.patch(
        url,
        {"status": "treated", "change_reason": "Quarterly review"},
        format="json",
        HTTP_IF_MATCH=administrator_api.get(url)["ETag"],
    )
    assert api.status_code == 200

    history = api_for("auditor").get(reverse("api:risk-history", args=[risk.reference])).json()
    events = history["results"]
    latest, form_change = events[0], events[1]
    assert latest["user"] == {"id": administrator.pk, "name": str(administrator)}
    assert latest["action"] == "changed"
    assert latest["change_reason"] == "Quarterly review"
    assert {"field": "status", "label": "status", "old": "Open", "new": "Treated"} in latest[
        "changes"
    ]
    assert form_change["user"]["id"] == contributor.pk
    assert form_change["change_reason"] == "Output filter deployed"
    assert {c["field"]: (c["old"], c["new"]) for c in form_change["changes"]}[
        "residual_likelihood"
    ] == ("2 · Unlikely", "1 · Rare")
    assert events[-1]["action"] == "created"
    assert latest["record"]["reference"] == risk.reference
    assert latest["record"]["url"].endswith(f"/api/v1/risks/{risk.pk}/")

    # The global audit log has the same two changes, filterable by person, model and date.
    log = (
        api_for("auditor")
        .get(
            reverse("api:audit-event-list"),
            {"model": "risks.risk", "object_id": risk.pk, "action": "~"},
        )
        .json()
    )
    assert [e["change_reason"] for e in log["results"]] == [
        "Quarterly review",
        "Output filter deployed",
    ]
    mine = (
        api_for("auditor")
        .get(reverse("api:audit-event-list"), {"user": administrator.pk, "model": "risks.risk"})
        .json()
    )
    assert [e["change_reason"] for e in mine["results"]] == ["Quarterly review"]
    today = latest["timestamp"][:10]
    dated = (
        api_for("auditor")
        .get(
            reverse("api:audit-event-list"),
            {"date_after": today, "date_before": today, "search": risk.title},
        )
        .json()
    )
    assert dated["count"] >= 3
    assert (
        api_for("auditor")
        .get(reverse("api:audit-event-list"), {"model": "nope.nothing"})
        .status_code
        == 400
    )


def test_a_mitigation_updated_through_the_api_links_risks_of_its_system_only(
    api_for, mitigation, risk, foreign_risk, system
):
    client = api_for("administrator")
    url = reverse("api:mitigation-detail", args=[mitigation.pk])
    etag = client.get(url)["ETag"]
    response = client.patch(
        url, {"risks": [risk.reference, foreign_risk.reference]}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 400
    assert "another system" in response.json()["errors"]["risks"][0]
    response = client.patch(url, {"status": "verified"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["last_verified_on"]
    history = client.get(reverse("api:mitigation-history", args=[mitigation.pk])).json()
    assert history["results"][0]["changes"][0]["new"] in (
        "Verified",
        str(response.json()["last_verified_on"]),
    )


def test_a_mitigation_owner_must_belong_to_the_systems_team(api_for, system, outsider):
    response = api_for("contributor").post(
        reverse("api:mitigation-list"),
        {
            "system": system.pk,
            "title": "Rate limiting",
            "kind": "access_control",
            "layer": "application",
            "owner": outsider.email,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "owner" in response.json()["errors"]


# --- Acceptances: the committee's decision with the four-eyes rule --------------------------------
@pytest.fixture
def acceptance(risk, contributor):
    import datetime

    from django.utils import timezone

    return services.request_acceptance(
        risk=risk,
        by=contributor,
        rationale="Residual risk is low and monitored weekly.",
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )


def test_a_contributor_requests_an_acceptance_through_the_api(api_for, risk):
    import datetime

    response = api_for("contributor").post(
        reverse("api:acceptance-list"),
        {
            "risk": risk.reference,
            "rationale": "Monitored weekly.",
            "expires_on": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("committee_member", 200),
        ("contributor", 403),  # requested it, and is no committee member
        ("auditor", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_deciding_an_acceptance(role, expected, api_for, acceptance):
    response = api_for(role).post(
        reverse("api:acceptance-decide", args=[acceptance.pk]),
        {"decision": "approve", "comment": "Fine for a quarter."},
        format="json",
    )
    assert response.status_code == expected, response.content
    if expected == 200:
        assert response.json()["status"] == "approved"
        again = api_for(role).post(
            reverse("api:acceptance-decide", args=[acceptance.pk]),
            {"decision": "reject", "comment": "Changed my mind."},
            format="json",
        )
        assert again.status_code == 409


def test_a_committee_member_never_decides_on_a_system_they_own(api_for, acceptance, system):
    from tests.factories import UserFactory

    owner = UserFactory(is_committee_member=True)
    system.business_owner = owner
    system.save()
    response = api_for(owner).post(
        reverse("api:acceptance-decide", args=[acceptance.pk]),
        {"decision": "approve"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "You cannot decide on an acceptance for a system you own."


def test_a_rejection_needs_a_comment(api_for, acceptance):
    response = api_for("committee_member").post(
        reverse("api:acceptance-decide", args=[acceptance.pk]),
        {"decision": "reject"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"comment": ["Say why the acceptance is rejected."]}
