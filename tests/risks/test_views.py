"""The register and each risk's pages: access by role, forms, filters, export, query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.core.models import AuditEvent, Level
from apps.risks.models import Risk
from apps.risks.services import apply_assessment
from tests.conftest import ROLES
from tests.export_files import csv_dicts
from tests.factories import MitigationFactory, RiskFactory

pytestmark = pytest.mark.django_db


def valid_form(category, owner, **overrides):
    data = {
        "title": "Leaks another customer's order",
        "scenario": "Retrieval returns another customer's order; the bot quotes it.",
        "category": category.pk,
        "owner": owner.pk,
        "inherent_likelihood": 3,
        "inherent_impact": 5,
        "residual_likelihood": 2,
        "residual_impact": 4,
        "treatment": "mitigate",
        "status": "open",
        "framework_references": [],
        "change_reason": "",
    }
    data.update(overrides)
    return data


# --- Access by role -----------------------------------------------------------------------------
# Expected status of each page for a risk of ``team`` (the contributor's and viewer's team).
PAGE_ACCESS = {
    #                list detail create edit archive history export
    "contributor": (200, 200, 200, 200, 200, 200, 200),
    "viewer": (200, 200, 403, 403, 403, 200, 200),
    "outsider": (200, 404, 404, 404, 404, 404, 200),
    "committee_member": (200, 200, 403, 403, 403, 200, 200),
    "auditor": (200, 200, 403, 403, 403, 200, 200),
    "administrator": (200, 200, 200, 200, 200, 200, 200),
    "nobody": (200, 404, 404, 404, 404, 404, 200),
    "anonymous": (302, 302, 302, 302, 302, 302, 302),
}


def page_urls(risk):
    return [
        reverse("risks:list"),
        reverse("risks:detail", args=[risk.pk]),
        reverse("risks:create") + f"?system={risk.system_id}",
        reverse("risks:edit", args=[risk.pk]),
        reverse("risks:archive", args=[risk.pk]),
        reverse("risks:history", args=[risk.pk]),
        reverse("risks:export"),
    ]


def test_access_table_covers_every_role():
    assert set(PAGE_ACCESS) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_status_on_every_risk_page(role, client_for, risk):
    client = client_for(role)
    statuses = tuple(client.get(url).status_code for url in page_urls(risk))
    assert statuses == PAGE_ACCESS[role]


@pytest.mark.parametrize("role", ["viewer", "outsider", "auditor", "committee_member"])
def test_refused_roles_cannot_edit_a_risk_by_post(role, client_for, risk, hallucination, viewer):
    response = client_for(role).post(
        reverse("risks:edit", args=[risk.pk]), valid_form(hallucination, viewer, title="Hacked")
    )
    assert response.status_code in (403, 404)
    risk.refresh_from_db()
    assert risk.title == "Invented refund policy"


@pytest.mark.parametrize("role", ["viewer", "outsider", "auditor", "committee_member"])
def test_refused_roles_cannot_add_a_risk_by_post(role, client_for, system, hallucination, viewer):
    url = reverse("risks:create") + f"?system={system.pk}"
    response = client_for(role).post(url, valid_form(hallucination, viewer))
    assert response.status_code in (403, 404)
    assert not Risk.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "outsider", "auditor", "committee_member"])
def test_refused_roles_cannot_archive_a_risk(role, client_for, risk):
    response = client_for(role).post(reverse("risks:archive", args=[risk.pk]))
    assert response.status_code in (403, 404)
    risk.refresh_from_db()
    assert not risk.is_archived


def test_register_does_not_leak_other_teams_risks(client_for, risk, foreign_risk):
    response = client_for("contributor").get(reverse("risks:list"))
    assertContains(response, "Invented refund policy")
    assertNotContains(response, foreign_risk.title)


def test_auditor_sees_every_teams_risks_in_the_register(client_for, risk, foreign_risk):
    response = client_for("auditor").get(reverse("risks:list"))
    assertContains(response, "Invented refund policy")
    assertContains(response, foreign_risk.title)


def test_risk_page_shows_edit_buttons_only_to_those_who_may_edit(client_for, risk):
    edit_url = reverse("risks:edit", args=[risk.pk])
    assertContains(client_for("contributor").get(risk.get_absolute_url()), edit_url)
    assertNotContains(client_for("viewer").get(risk.get_absolute_url()), edit_url)
    assertNotContains(client_for("auditor").get(risk.get_absolute_url()), edit_url)


def test_add_risk_without_a_system_asks_which_system(client_for, system):
    response = client_for("contributor").get(reverse("risks:create"))
    assert response.status_code == 200
    assertContains(response, "Which AI system is the risk about?")
    assertContains(response, f'<option value="{system.pk}">{system.reference} · {system.name}')


# --- Create, edit, archive ------------------------------------------------------------------------
def test_contributor_adds_a_risk_and_its_levels_are_derived(
    client_for, contributor, system, hallucination
):
    url = reverse("risks:create") + f"?system={system.pk}"
    response = client_for("contributor").post(url, valid_form(hallucination, contributor))
    risk = Risk.objects.get()
    assert response.status_code == 302
    assert response.url == risk.get_absolute_url()
    assert (risk.inherent_score, risk.inherent_level) == (15, Level.HIGH)
    assert (risk.residual_score, risk.residual_level) == (8, Level.MEDIUM)
    assert risk.created_by == contributor


def test_adding_a_risk_is_in_its_history_with_who_did_it(
    client_for, contributor, system, hallucination
):
    url = reverse("risks:create") + f"?system={system.pk}"
    client_for("contributor").post(url, valid_form(hallucination, contributor))
    event = AuditEvent.objects.filter(content_type__model="risk").get()
    assert event.user == contributor
    assert event.action == "+"


def test_residual_above_inherent_shows_why_and_keeps_the_input(
    client_for, contributor, system, hallucination
):
    url = reverse("risks:create") + f"?system={system.pk}"
    data = valid_form(hallucination, contributor, residual_likelihood=5, residual_impact=5)
    response = client_for("contributor").post(url, data)
    assert response.status_code == 200
    assert "residual_impact" in response.context["form"].errors
    assertContains(response, "cannot score higher")
    assertContains(response, "Retrieval returns another customer")
    assert not Risk.objects.exists()


def test_a_duplicate_title_on_the_same_system_is_a_field_error(
    client_for, contributor, risk, hallucination
):
    url = reverse("risks:create") + f"?system={risk.system_id}"
    data = valid_form(hallucination, contributor, title="INVENTED REFUND POLICY")
    response = client_for("contributor").post(url, data)
    assert response.status_code == 200
    assert "title" in response.context["form"].errors
    assert Risk.objects.count() == 1


def test_missing_fields_are_reported_on_each_field(client_for, contributor, system, hallucination):
    url = reverse("risks:create") + f"?system={system.pk}"
    data = valid_form(hallucination, contributor, title="", inherent_impact="9")
    response = client_for("contributor").post(url, data)
    assert {"title", "inherent_impact"} <= set(response.context["form"].errors)


def test_editing_the_assessment_recomputes_levels_and_records_the_difference(
    client_for, contributor, risk, hallucination
):
    data = valid_form(
        hallucination,
        contributor,
        title=risk.title,
        inherent_likelihood=5,
        inherent_impact=5,
        change_reason="New evidence from the pilot",
    )
    response = client_for("contributor").post(reverse("risks:edit", args=[risk.pk]), data)
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.inherent_level == Level.CRITICAL
    event = AuditEvent.objects.filter(content_type__model="risk", action="~").latest("pk")
    assert event.change_reason == "New evidence from the pilot"
    assert any(change["field"] == "inherent_likelihood" for change in event.changes)


def test_raising_a_risk_raises_the_system_criticality(client_for, contributor, risk, hallucination):
    data = valid_form(
        hallucination,
        contributor,
        title=risk.title,
        inherent_likelihood=5,
        inherent_impact=5,
        residual_likelihood=5,
        residual_impact=4,
    )
    client_for("contributor").post(reverse("risks:edit", args=[risk.pk]), data)
    risk.system.refresh_from_db()
    assert risk.system.criticality == Level.CRITICAL


def test_archiving_a_risk_keeps_it_and_its_history(client_for, risk):
    response = client_for("contributor").post(
        reverse("risks:archive", args=[risk.pk]), {"reason": "Feature removed"}
    )
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.is_archived
    assert AuditEvent.objects.filter(change_reason="Feature removed").exists()


def test_an_archived_risk_is_read_only(client_for, risk, contributor):
    risk.archived_at = timezone.now()
    risk.save()
    response = client_for("contributor").get(reverse("risks:edit", args=[risk.pk]))
    assert response.status_code == 403


def test_restoring_an_archived_risk_brings_it_back(client_for, risk):
    risk.archived_at = timezone.now()
    risk.save()
    client_for("contributor").post(reverse("risks:archive", args=[risk.pk]))
    risk.refresh_from_db()
    assert not risk.is_archived


def test_archive_page_asks_for_confirmation(client_for, risk):
    response = client_for("contributor").get(reverse("risks:archive", args=[risk.pk]))
    assertContains(response, "Nothing is deleted")
    risk.refresh_from_db()
    assert not risk.is_archived


# --- The register: filters, search, sort ----------------------------------------------------------
def listed(response):
    return [r.title for r in response.context["page_obj"].object_list]


def test_register_filters_by_residual_level(client_for, system):
    RiskFactory(system=system, title="Severe", residual_likelihood=3, residual_impact=4)
    RiskFactory(system=system, title="Mild", residual_likelihood=1, residual_impact=2)
    response = client_for("contributor").get(reverse("risks:list"), {"residual_level": Level.HIGH})
    assert listed(response) == ["Severe"]


def test_register_filters_overdue_treatments(client_for, system):
    late = RiskFactory(system=system, title="Late")
    Risk.objects.filter(pk=late.pk).update(treatment_due=datetime.date(2020, 1, 1))
    RiskFactory(system=system, title="On time")
    response = client_for("contributor").get(reverse("risks:list"), {"overdue": "true"})
    assert listed(response) == ["Late"]


def test_register_searches_title_and_scenario(client_for, system):
    RiskFactory(system=system, title="Prompt injection", scenario="A web page hides orders.")
    RiskFactory(system=system, title="Drift", scenario="Seasonal shift in queries.")
    response = client_for("contributor").get(reverse("risks:list"), {"q": "hides"})
    assert listed(response) == ["Prompt injection"]


def test_register_finds_a_risk_by_its_reference(client_for, risk, system):
    RiskFactory(system=system, title="Another")
    response = client_for("contributor").get(reverse("risks:list"), {"q": risk.reference})
    assert listed(response) == ["Invented refund policy"]


def test_register_sorts_by_title(client_for, system):
    for title in ["Bravo", "Alpha", "Charlie"]:
        RiskFactory(system=system, title=title)
    response = client_for("contributor").get(reverse("risks:list"), {"ordering": "-title"})
    assert listed(response) == ["Charlie", "Bravo", "Alpha"]


def test_register_filters_by_heat_map_cell(client_for, system):
    RiskFactory(system=system, title="Cell", inherent_likelihood=3, inherent_impact=5)
    RiskFactory(system=system, title="Other", inherent_likelihood=4, inherent_impact=4)
    response = client_for("contributor").get(
        reverse("risks:list"), {"inherent_likelihood": 3, "inherent_impact": 5}
    )
    assert listed(response) == ["Cell"]


def test_register_htmx_request_gets_only_the_results(client_for, risk):
    response = client_for("contributor").get(reverse("risks:list"), HTTP_HX_REQUEST="true")
    assert response.templates[0].name == "risks/_list_results.html"
    assertNotContains(response, "<html")


def test_register_shows_an_empty_state(client_for, system):
    response = client_for("contributor").get(reverse("risks:list"))
    assertContains(response, "No risk is registered yet")


@pytest.mark.parametrize("count", [10, 500])
def test_register_runs_a_constant_number_of_queries(
    count, client_for, system, django_assert_max_num_queries
):
    template = RiskFactory.build(system=system)
    apply_assessment(template)
    Risk.objects.bulk_create(
        [
            Risk(
                **{
                    f.attname: getattr(template, f.attname)
                    for f in Risk._meta.concrete_fields
                    if f.attname not in ("id", "title")
                },
                title=f"Risk {n}",
            )
            for n in range(count)
        ]
    )
    client = client_for("contributor")
    url = reverse("risks:list")
    with django_assert_max_num_queries(REGISTER_QUERY_BUDGET):
        response = client.get(url, {"residual_level": Level.MEDIUM, "ordering": "-title"})
    assert response.context["paginator"].count == count


# Session, user, memberships, count, page, filter choices (systems, teams, owners, categories):
# the same whatever the number of risks.
REGISTER_QUERY_BUDGET = 12


# --- Export ---------------------------------------------------------------------------------------
def read_export(response):
    return csv_dicts(b"".join(response.streaming_content))


def test_export_has_exactly_the_filtered_rows(client_for, system):
    RiskFactory(system=system, title="Severe", residual_likelihood=3, residual_impact=4)
    RiskFactory(system=system, title="Mild", residual_likelihood=1, residual_impact=2)
    response = client_for("contributor").get(
        reverse("risks:export"), {"residual_level": Level.HIGH}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = read_export(response)
    assert [row["title"] for row in rows] == ["Severe"]
    assert rows[0]["residual_level"] == "High"
    assert rows[0]["reference"].startswith("RSK-")


def test_export_never_includes_other_teams_risks(client_for, risk, foreign_risk):
    rows = read_export(client_for("contributor").get(reverse("risks:export")))
    assert [row["title"] for row in rows] == ["Invented refund policy"]


def test_export_neutralises_spreadsheet_formulas(client_for, system):
    RiskFactory(system=system, title='=HYPERLINK("http://evil")')
    rows = read_export(client_for("contributor").get(reverse("risks:export")))
    assert rows[0]["title"].startswith("'=")


def test_export_dates_are_iso_8601(client_for, risk):
    rows = read_export(client_for("contributor").get(reverse("risks:export")))
    assert rows[0]["treatment_due"] == risk.treatment_due.isoformat()


# --- The system page ------------------------------------------------------------------------------
def test_system_page_lists_its_risks_inherent_to_residual(client_for, risk):
    response = client_for("viewer").get(risk.system.get_absolute_url())
    assertContains(response, "Invented refund policy")
    assertContains(response, "Inherent → residual")


def test_system_page_lists_its_mitigations(client_for, risk):
    mitigation = MitigationFactory(system=risk.system, title="Ground answers in policy")
    mitigation.risks.add(risk)
    response = client_for("viewer").get(risk.system.get_absolute_url())
    assertContains(response, "Ground answers in policy")


def test_system_page_offers_to_add_risks_only_to_contributors(client_for, system):
    add_url = reverse("risks:create") + f"?system={system.pk}"
    assertContains(client_for("contributor").get(system.get_absolute_url()), add_url)
    assertNotContains(client_for("viewer").get(system.get_absolute_url()), add_url)


@pytest.mark.parametrize(
    "page", ["risks:list", "risks:export", "systems:list", "mitigations:list", "incidents:list"]
)
@pytest.mark.parametrize("moment", ["0404-06-13T15:02:59+17:12", "9999-12-31T23:59:59-17:12"])
def test_an_updated_after_with_an_offset_postgres_refuses_is_not_a_server_error(
    client_for, risk, page, moment
):
    response = client_for("auditor").get(reverse(page), {"updated_after": moment})
    assert response.status_code == 200
