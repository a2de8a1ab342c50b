"""Incident pages: access by role, forms, actions of the incident's page, list, export."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.incidents import services
from apps.incidents.models import Incident, SeriousIncident
from apps.risks.models import Risk
from tests.conftest import ROLES
from tests.export_files import csv_rows
from tests.factories import IncidentFactory, MitigationFactory, RiskFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
OLD = datetime.datetime(2026, 8, 3, 9, 0, tzinfo=datetime.UTC)  # outside the last 30 days


def form_data(**overrides):
    values = {
        "title": "Refund policy invented in chat",
        "description": "Customers were told they have 90 days to return opened items.",
        "severity": 2,
        "occurred_at": "2026-11-02T09:00",
        "detected_at": "2026-11-02T09:45",
        "assessed_at": "",
        "contained_at": "",
        "recovered_at": "",
        "review_done_at": "",
        "closed_at": "",
        "root_cause": "",
        "lessons_learned": "",
        "people_affected": "",
        "serious_incident": "",
        "regulator_deadline": "",
        "regulator_notified_at": "",
        "regulator_reference": "",
        "change_reason": "",
    }
    values.update(overrides)
    return values


# --- Access by role -------------------------------------------------------------------------------
# Expected status of each page for an incident of ``team`` (the contributor's and viewer's team).
PAGE_ACCESS = {
    #                list export metrics create detail edit history
    "contributor": (200, 200, 200, 200, 200, 200, 200),
    "viewer": (200, 200, 200, 403, 200, 403, 200),
    "outsider": (200, 200, 200, 404, 404, 404, 404),
    "committee_member": (200, 200, 200, 403, 200, 403, 200),
    "auditor": (200, 200, 200, 403, 200, 403, 200),
    "administrator": (200, 200, 200, 200, 200, 200, 200),
    "nobody": (200, 200, 200, 404, 404, 404, 404),
    "anonymous": (302, 302, 302, 302, 302, 302, 302),
}


def page_urls(incident):
    return [
        reverse("incidents:list"),
        reverse("incidents:export"),
        reverse("incidents:metrics"),
        reverse("incidents:create") + f"?system={incident.system_id}",
        reverse("incidents:detail", args=[incident.pk]),
        reverse("incidents:edit", args=[incident.pk]),
        reverse("incidents:history", args=[incident.pk]),
    ]


def test_access_table_covers_every_role():
    assert set(PAGE_ACCESS) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_status_on_every_incident_page(role, client_for, incident):
    client = client_for(role)
    statuses = tuple(client.get(url).status_code for url in page_urls(incident))
    assert statuses == PAGE_ACCESS[role]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("contributor", 200),
        ("administrator", 200),
        ("viewer", 403),
        ("committee_member", 403),
        ("auditor", 403),
        ("nobody", 403),
        ("anonymous", 302),
    ],
)
def test_only_contributors_are_offered_to_log_an_incident(role, status, client_for, system):
    assert client_for(role).get(reverse("incidents:create")).status_code == status


def action_posts(incident, risk):
    return [
        (reverse("incidents:edit", args=[incident.pk]), form_data(title="Hacked")),
        (reverse("incidents:record_phase", args=[incident.pk]), {"phase": "assessed_at"}),
        (reverse("incidents:link_risk", args=[incident.pk]), {"risk": risk.pk}),
        (
            reverse("incidents:add_follow_up", args=[incident.pk]),
            {"title": "Hacked", "kind": "training", "layer": "organisation"},
        ),
    ]


@pytest.mark.parametrize("role", ["viewer", "outsider", "committee_member", "auditor", "nobody"])
def test_readers_and_outsiders_change_nothing_by_post(role, client_for, incident, risk):
    client = client_for(role)
    for url, data in action_posts(incident, risk):
        assert client.post(url, data).status_code in (403, 404), url
    incident.refresh_from_db()
    assert incident.title == "Refund policy invented in chat"
    assert incident.assessed_at is None
    assert incident.uncatalogued is True
    assert not incident.follow_up_mitigations.exists()


@pytest.mark.parametrize("role", ["viewer", "outsider", "committee_member", "auditor"])
def test_readers_cannot_raise_a_likelihood_by_post(role, client_for, system, risk):
    incident = IncidentFactory(system=system, materialised_risks=[risk])
    url = reverse("incidents:raise_likelihood", args=[incident.pk, risk.pk])
    assert client_for(role).post(url, {"likelihood": 5}).status_code in (403, 404)
    risk.refresh_from_db()
    assert risk.residual_likelihood == 2


@pytest.mark.parametrize("role", ["viewer", "outsider", "committee_member", "auditor", "nobody"])
def test_refused_roles_cannot_log_an_incident_by_post(role, client_for, system):
    url = reverse("incidents:create") + f"?system={system.pk}"
    assert client_for(role).post(url, form_data()).status_code in (403, 404)
    assert not Incident.objects.exists()


def test_list_does_not_leak_other_teams_incidents(client_for, incident, foreign_incident):
    response = client_for("contributor").get(reverse("incidents:list"))
    assertContains(response, "Refund policy invented in chat")
    assertNotContains(response, "Credit limits halved overnight")


def test_auditor_sees_every_teams_incidents(client_for, incident, foreign_incident):
    response = client_for("auditor").get(reverse("incidents:list"))
    assertContains(response, "Refund policy invented in chat")
    assertContains(response, "Credit limits halved overnight")


def test_export_does_not_leak_other_teams_incidents(client_for, incident, foreign_incident):
    response = client_for("viewer").get(reverse("incidents:export"))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Refund policy invented in chat" in content
    assert "Credit limits halved overnight" not in content


def test_detail_offers_edit_and_actions_only_to_those_who_may_edit(client_for, incident):
    edit_url = reverse("incidents:edit", args=[incident.pk])
    phase_url = reverse("incidents:record_phase", args=[incident.pk])
    for role, shown in (("contributor", True), ("viewer", False), ("auditor", False)):
        response = client_for(role).get(incident.get_absolute_url())
        assert (edit_url in response.content.decode()) is shown
        assert (phase_url in response.content.decode()) is shown


# --- Create and edit ------------------------------------------------------------------------------
def test_log_without_a_system_asks_which_system(client_for, system):
    response = client_for("contributor").get(reverse("incidents:create"))
    assertContains(response, f'value="{system.pk}"')


def test_the_form_shows_the_severity_definitions(client_for, system):
    response = client_for("contributor").get(reverse("incidents:create") + f"?system={system.pk}")
    assertContains(response, "SEV1 — Critical failure of a core business function")
    assertContains(response, "SEV4 — Non-urgent improvement")


def test_contributor_logs_an_uncatalogued_incident(client_for, contributor, system):
    url = reverse("incidents:create") + f"?system={system.pk}"
    response = client_for("contributor").post(url, form_data())
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response.url == incident.get_absolute_url()
    assert incident.uncatalogued
    assert incident.created_by == contributor
    assert incident.detected_at == datetime.datetime(2026, 11, 2, 9, 45, tzinfo=datetime.UTC)


def test_contributor_logs_an_incident_with_the_risk_that_materialised(client_for, system, risk):
    url = reverse("incidents:create") + f"?system={system.pk}"
    client_for("contributor").post(url, form_data(materialised_risks=[risk.pk]))
    incident = Incident.objects.get()
    assert not incident.uncatalogued
    assert list(incident.materialised_risks.all()) == [risk]


def test_a_risk_of_another_system_is_not_a_choice(client_for, system, foreign_system):
    foreign_risk = RiskFactory(system=foreign_system)
    url = reverse("incidents:create") + f"?system={system.pk}"
    response = client_for("contributor").post(url, form_data(materialised_risks=[foreign_risk.pk]))
    assert response.status_code == 200
    assert "materialised_risks" in response.context["form"].errors
    assert not Incident.objects.exists()


def test_phases_out_of_order_show_a_field_error_and_keep_the_input(client_for, system):
    url = reverse("incidents:create") + f"?system={system.pk}"
    response = client_for("contributor").post(
        url, form_data(assessed_at="2026-11-02T09:30", contained_at="2026-11-02T10:00")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["assessed_at"]
    assertContains(response, "cannot be before detected")
    assertContains(response, "Customers were told they have 90 days")
    assert not Incident.objects.exists()


def test_contributor_edits_an_incident_and_its_history_shows_it(client_for, contributor, incident):
    url = reverse("incidents:edit", args=[incident.pk])
    response = client_for("contributor").post(
        url,
        form_data(
            title="Refund policy invented in chat",
            occurred_at="",
            detected_at=incident.detected_at.strftime("%Y-%m-%dT%H:%M"),
            root_cause="The retrieval index missed the policy page.",
            change_reason="Root cause found",
        ),
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.root_cause == "The retrieval index missed the policy page."
    history = client_for("auditor").get(reverse("incidents:history", args=[incident.pk]))
    assertContains(history, "Root cause found")
    assertContains(history, "The retrieval index missed the policy page.")


# --- The incident's page --------------------------------------------------------------------------
def test_an_uncatalogued_incident_asks_for_the_missing_risk(client_for, incident, system):
    response = client_for("contributor").get(incident.get_absolute_url())
    assertContains(response, "No risk of the register matches this incident")
    assertContains(response, reverse("library:suggestions", args=[system.pk]))
    assertContains(response, f"{reverse('library:list')}?ai_kind={system.ai_kind}")
    assertContains(response, f"{reverse('risks:create')}?system={system.pk}")


def test_readers_see_the_uncatalogued_flag_without_the_buttons(client_for, incident, system):
    response = client_for("viewer").get(incident.get_absolute_url())
    assertContains(response, "No risk of the register matches this incident")
    assertNotContains(response, f"{reverse('risks:create')}?system={system.pk}")


def test_the_risk_added_for_an_incident_is_linked_back_from_its_page(client_for, incident, system):
    new_risk = RiskFactory(system=system, title="Refund policy missing from the index")
    page = client_for("contributor").get(incident.get_absolute_url())
    assertContains(page, "Refund policy missing from the index")
    response = client_for("contributor").post(
        reverse("incidents:link_risk", args=[incident.pk]), {"risk": new_risk.pk}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert not incident.uncatalogued
    page = client_for("contributor").get(incident.get_absolute_url())
    assertNotContains(page, "No risk of the register matches this incident")
    assertContains(page, "Added after this incident")


def test_linking_a_risk_of_another_system_is_refused(client_for, incident, foreign_system):
    foreign_risk = RiskFactory(system=foreign_system)
    response = client_for("contributor").post(
        reverse("incidents:link_risk", args=[incident.pk]), {"risk": foreign_risk.pk}
    )
    assert response.status_code == 400
    incident.refresh_from_db()
    assert incident.uncatalogued


def test_contributor_raises_the_likelihood_of_a_materialised_risk(client_for, system, risk):
    incident = IncidentFactory(system=system, materialised_risks=[risk])
    page = client_for("contributor").get(incident.get_absolute_url())
    raise_url = reverse("incidents:raise_likelihood", args=[incident.pk, risk.pk])
    assertContains(page, raise_url)
    response = client_for("contributor").post(raise_url, {"likelihood": 4})
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.residual_likelihood == 4


def test_a_likelihood_below_the_current_one_is_refused_with_a_message(client_for, system, risk):
    incident = IncidentFactory(system=system, materialised_risks=[risk])
    url = reverse("incidents:raise_likelihood", args=[incident.pk, risk.pk])
    response = client_for("contributor").post(url, {"likelihood": 1}, follow=True)
    assertContains(response, "Choose a likelihood above 2")
    risk.refresh_from_db()
    assert risk.residual_likelihood == 2


def test_contributor_records_the_next_phase_from_the_page(client_for, incident):
    url = reverse("incidents:record_phase", args=[incident.pk])
    response = client_for("contributor").post(url, {"phase": "assessed_at"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.assessed_at is not None
    assert incident.phase == "assessed"


def test_a_phase_time_before_the_previous_one_is_shown_on_the_page(client_for, incident):
    url = reverse("incidents:record_phase", args=[incident.pk])
    before = (incident.detected_at - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_for("contributor").post(url, {"phase": "assessed_at", "at": before})
    assert response.status_code == 400
    assertContains(response, "cannot be before detected", status_code=400)


def test_an_unknown_phase_is_a_bad_request(client_for, incident):
    url = reverse("incidents:record_phase", args=[incident.pk])
    assert client_for("contributor").post(url, {"phase": "title"}).status_code == 400


def test_closing_a_sev1_from_the_page_asks_for_its_review(client_for, system):
    incident = IncidentFactory(
        system=system,
        severity=1,
        assessed_at=T0,
        contained_at=T0,
        recovered_at=T0,
        occurred_at=T0 - datetime.timedelta(hours=1),
        detected_at=T0,
    )
    url = reverse("incidents:record_phase", args=[incident.pk])
    response = client_for("contributor").post(url, {"phase": "closed_at"})
    assert response.status_code == 400
    assertContains(response, "closed only after its post-incident review", status_code=400)


def test_a_closed_sev2_shows_the_review_it_owes(client_for, system, contributor):
    incident = IncidentFactory(
        system=system,
        severity=2,
        occurred_at=T0 - datetime.timedelta(hours=1),
        detected_at=T0,
        assessed_at=T0,
        contained_at=T0,
        recovered_at=T0,
        review_done_at=T0,
        root_cause="Stale index.",
        lessons_learned="Monitor index freshness.",
    )
    services.close_incident(incident=incident, by=contributor)
    response = client_for("committee_member").get(incident.get_absolute_url())
    assertContains(response, "owes a post-incident review")
    listing = client_for("committee_member").get(reverse("incidents:list"), {"review_owed": "true"})
    assertContains(listing, incident.title)


def test_contributor_plans_a_follow_up_mitigation_from_the_page(
    client_for, contributor, system, risk
):
    incident = IncidentFactory(system=system, materialised_risks=[risk])
    response = client_for("contributor").post(
        reverse("incidents:add_follow_up", args=[incident.pk]),
        {
            "title": "Alert on a stale retrieval index",
            "kind": "detection_response",
            "layer": "application",
            "owner": contributor.pk,
            "due_date": "2026-12-15",
        },
    )
    assert response.status_code == 302
    mitigation = incident.follow_up_mitigations.get()
    assert list(mitigation.risks.all()) == [risk]


def test_a_follow_up_without_a_title_shows_the_error(client_for, contributor, incident):
    response = client_for("contributor").post(
        reverse("incidents:add_follow_up", args=[incident.pk]),
        {"title": "", "kind": "training", "layer": "organisation", "owner": contributor.pk},
    )
    assert response.status_code == 400
    assert not incident.follow_up_mitigations.exists()


@time_machine.travel(datetime.datetime(2026, 11, 5, 10, 45, tzinfo=datetime.UTC), tick=False)
def test_the_regulator_deadline_and_its_countdown_are_prominent(
    client_for, contributor, high_risk_system
):
    incident = services.open_incident(
        system=high_risk_system,
        by=contributor,
        data={
            "title": "Candidates rejected for a gap in employment",
            "description": "Ranking penalised career breaks.",
            "severity": 1,
            "detected_at": T0,
            "serious_incident": SeriousIncident.GENERAL,
        },
    )
    response = client_for("auditor").get(incident.get_absolute_url())
    assertContains(response, "Notify the regulator by 17 Nov 2026, 09:00")
    assertContains(response, "11 days 22 hours left")
    assertContains(response, "within 15 days")


@time_machine.travel(datetime.datetime(2026, 11, 5, 10, 45, tzinfo=datetime.UTC), tick=False)
def test_a_missed_regulator_deadline_shows_as_overdue(client_for, contributor, high_risk_system):
    incident = services.open_incident(
        system=high_risk_system,
        by=contributor,
        data={
            "title": "Critical-infrastructure outage",
            "description": "Wide disruption.",
            "severity": 1,
            "detected_at": T0,
            "serious_incident": SeriousIncident.WIDESPREAD,
        },
    )
    response = client_for("contributor").get(incident.get_absolute_url())
    assertContains(response, "overdue by 1 day 1 hour")


def test_detail_page_shows_the_phase_timeline_and_history(client_for, contributor, incident):
    services.record_phase(incident=incident, by=contributor, phase_field="assessed_at")
    response = client_for("viewer").get(incident.get_absolute_url())
    assertContains(response, "Occurred")
    assertContains(response, "Assessed")
    assertContains(response, "Contained")
    assertContains(response, "History")
    assertContains(response, reverse("incidents:history", args=[incident.pk]))


def test_the_detail_page_makes_a_bounded_number_of_queries(
    client_for, system, contributor, django_assert_max_num_queries
):
    risks = [RiskFactory(system=system) for _ in range(6)]
    mitigations = [MitigationFactory(system=system) for _ in range(4)]
    incident = IncidentFactory(system=system, materialised_risks=risks)
    incident.follow_up_mitigations.set(mitigations)
    client = client_for("contributor")
    with django_assert_max_num_queries(30):
        assert client.get(incident.get_absolute_url()).status_code == 200


# --- The list -------------------------------------------------------------------------------------
def test_list_filters_by_severity_status_and_uncatalogued(client_for, system, risk):
    IncidentFactory(system=system, title="Open uncatalogued SEV1", severity=1)
    IncidentFactory(system=system, title="Open catalogued SEV3", materialised_risks=[risk])
    IncidentFactory(
        system=system,
        title="Closed SEV3",
        occurred_at=OLD - datetime.timedelta(hours=1),
        detected_at=OLD,
        assessed_at=OLD + datetime.timedelta(hours=1),
        contained_at=OLD + datetime.timedelta(hours=1),
        recovered_at=OLD + datetime.timedelta(hours=2),
        closed_at=OLD + datetime.timedelta(hours=3),
    )
    client = client_for("contributor")

    def titles(**params):
        response = client.get(reverse("incidents:list"), params)
        return {i.title for i in response.context["page_obj"].object_list}

    assert titles(severity=1) == {"Open uncatalogued SEV1"}
    assert titles(status="open") == {"Open uncatalogued SEV1", "Open catalogued SEV3"}
    assert titles(status="closed") == {"Closed SEV3"}
    assert titles(uncatalogued="true") == {"Open uncatalogued SEV1", "Closed SEV3"}
    assert titles(uncatalogued="false") == {"Open catalogued SEV3"}
    assert titles(period="30d", severity=3) == {"Open catalogued SEV3"}


def test_list_filters_by_team_and_system(client_for, incident, foreign_incident, team, system):
    client = client_for("auditor")
    response = client.get(reverse("incidents:list"), {"team": team.pk})
    assert [i.pk for i in response.context["page_obj"].object_list] == [incident.pk]
    response = client.get(reverse("incidents:list"), {"system": system.pk})
    assert [i.pk for i in response.context["page_obj"].object_list] == [incident.pk]


def test_list_finds_an_incident_by_its_reference(client_for, incident, system):
    IncidentFactory(system=system, title="Another one")
    response = client_for("contributor").get(reverse("incidents:list"), {"q": incident.reference})
    assert [i.pk for i in response.context["page_obj"].object_list] == [incident.pk]


def test_htmx_filtering_returns_only_the_results(client_for, incident):
    response = client_for("contributor").get(reverse("incidents:list"), HTTP_HX_REQUEST="true")
    assert response.templates[0].name == "incidents/_list_results.html"


def test_list_query_count_does_not_grow_with_the_rows(client_for, system, risk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("contributor")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("incidents:list")).status_code == 200
        return len(queries)

    IncidentFactory.create_batch(2, system=system)
    few = count()
    IncidentFactory.create_batch(20, system=system, materialised_risks=[risk])
    assert count() == few


def test_export_streams_the_filtered_incidents_as_csv(client_for, system):
    IncidentFactory(
        system=system,
        title="=HYPERLINK(1)",
        severity=1,
        occurred_at=T0 - datetime.timedelta(minutes=90),
        detected_at=T0,
    )
    IncidentFactory(system=system, title="Minor", severity=4)
    response = client_for("contributor").get(reverse("incidents:export"), {"severity": 1})
    rows = csv_rows(b"".join(response.streaming_content))
    assert rows[0][:6] == ["reference", "system_reference", "system", "team", "title", "severity"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["title"] == "'=HYPERLINK(1)"
    assert row["severity"] == "SEV1"
    assert row["hours_to_detect"] == "1.5"
    assert row["uncatalogued"] == "yes"


def test_metrics_page_shows_means_by_severity(client_for, system):
    IncidentFactory(
        system=system,
        severity=1,
        occurred_at=T0 - datetime.timedelta(minutes=30),
        detected_at=T0,
    )
    response = client_for("viewer").get(reverse("incidents:metrics"))
    assert response.context["overall"]["mttd"] == datetime.timedelta(minutes=30)
    assertContains(response, "30 min")
    assertContains(response, "<svg", html=False)


# --- Elsewhere ------------------------------------------------------------------------------------
def test_the_system_page_lists_its_incidents(client_for, incident, system):
    response = client_for("viewer").get(system.get_absolute_url())
    assertContains(response, incident.title)
    assertNotContains(response, f"{reverse('incidents:create')}?system={system.pk}")
    response = client_for("contributor").get(system.get_absolute_url())
    assertContains(response, f"{reverse('incidents:create')}?system={system.pk}")


def test_the_navigation_offers_incidents(client_for, team):
    response = client_for("viewer").get(reverse("dashboard:home"))
    assertContains(response, reverse("incidents:list"))


def test_the_audit_log_links_to_the_incident(client_for, contributor, system):
    incident = services.open_incident(
        system=system,
        by=contributor,
        data={"title": "Logged", "description": "x", "severity": 4, "detected_at": T0},
    )
    response = client_for("auditor").get(reverse("core:audit_log"))
    assertContains(response, incident.get_absolute_url())


def test_risks_stay_untouched_by_reading_pages(client_for, incident):
    before = Risk.objects.count()
    client_for("auditor").get(incident.get_absolute_url())
    assert Risk.objects.count() == before
