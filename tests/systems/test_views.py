"""The inventory pages: access by role, forms, filters, sorting, pagination, query counts."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.core.models import AuditEvent
from apps.systems.models import AISystem
from tests.conftest import ROLES
from tests.factories import AISystemFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def valid_form(team, owner, **overrides):
    data = {
        "name": "Support chatbot v2",
        "purpose": "Answers customers' questions in the app.",
        "business_process": "Customer asks → bot answers → agent takes over.",
        "description": "",
        "team": team.pk,
        "business_owner": owner.pk,
        "technical_owner": owner.pk,
        "lifecycle_stage": "pilot",
        "ai_kind": "generative",
        "vendor": "Hosted LLM",
        "processes_personal_data": "on",
        "affects_customers": "on",
        "decision_role": "advises",
        "oversight_mode": "in_the_loop",
        "eu_ai_act_tier": "limited",
        "eu_ai_act_area": "",
        "eu_ai_act_role": "deployer",
        "model_version": "gpt-x",
        "training_data_version": "",
        "code_version": "",
        "configuration_version": "",
        "rollback_thresholds": "Groundedness below 95%",
        "customer_data_training": "never",
        "change_reason": "",
    }
    data.update(overrides)
    return data


# --- Access by role -----------------------------------------------------------------------------
# Expected status of each page for a system of ``team`` (the contributor's and viewer's team).
PAGE_ACCESS = {
    #                 list  detail create edit archive history
    "contributor": (200, 200, 200, 200, 200, 200),
    "viewer": (200, 200, 403, 403, 403, 200),
    "outsider": (200, 404, 200, 404, 404, 404),
    "committee_member": (200, 200, 403, 403, 403, 200),
    "auditor": (200, 200, 403, 403, 403, 200),
    "administrator": (200, 200, 200, 200, 200, 200),
    "nobody": (200, 404, 403, 404, 404, 404),
    "anonymous": (302, 302, 302, 302, 302, 302),
}


def page_urls(system):
    return [
        reverse("systems:list"),
        reverse("systems:detail", args=[system.pk]),
        reverse("systems:create"),
        reverse("systems:edit", args=[system.pk]),
        reverse("systems:archive", args=[system.pk]),
        reverse("systems:history", args=[system.pk]),
    ]


def test_access_table_covers_every_role():
    assert set(PAGE_ACCESS) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_status_on_every_page(role, client_for, system):
    client = client_for(role)
    statuses = tuple(client.get(url).status_code for url in page_urls(system))
    assert statuses == PAGE_ACCESS[role]


def test_anonymous_is_sent_to_the_login_page(client, system):
    response = client.get(reverse("systems:detail", args=[system.pk]))
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["viewer", "outsider", "auditor", "committee_member", "nobody"])
def test_refused_roles_cannot_archive_by_post(role, client_for, system):
    response = client_for(role).post(reverse("systems:archive", args=[system.pk]))
    assert response.status_code in (403, 404)
    system.refresh_from_db()
    assert not system.is_archived


@pytest.mark.parametrize("role", ["viewer", "outsider", "auditor", "committee_member"])
def test_refused_roles_cannot_edit_by_post(role, client_for, system, team, contributor):
    response = client_for(role).post(
        reverse("systems:edit", args=[system.pk]), valid_form(team, contributor, name="Hacked")
    )
    assert response.status_code in (403, 404)
    system.refresh_from_db()
    assert system.name == "Support chatbot"


def test_list_does_not_leak_other_teams_systems(client_for, system, foreign_system):
    response = client_for("contributor").get(reverse("systems:list"))
    assertContains(response, "Support chatbot")
    assertNotContains(response, "Credit scoring model")


def test_committee_member_lists_every_teams_systems(client_for, system, foreign_system):
    response = client_for("committee_member").get(reverse("systems:list"))
    assertContains(response, "Support chatbot")
    assertContains(response, "Credit scoring model")


def test_team_filter_offers_only_visible_teams(client_for, system, foreign_system):
    response = client_for("viewer").get(reverse("systems:list"))
    team_field = response.context["filter_form"].fields["team"]
    assert [t.name for t in team_field.queryset] == ["Customer Experience"]


def test_detail_shows_edit_buttons_only_to_those_who_may_edit(client_for, system):
    edit_url = reverse("systems:edit", args=[system.pk])
    assertContains(client_for("contributor").get(system.get_absolute_url()), edit_url)
    assertNotContains(client_for("viewer").get(system.get_absolute_url()), edit_url)
    assertNotContains(client_for("auditor").get(system.get_absolute_url()), edit_url)


# --- Create and edit ------------------------------------------------------------------------------
def test_contributor_registers_a_system_through_the_form(client_for, team, contributor):
    response = client_for(contributor).post(
        reverse("systems:create"), valid_form(team, contributor)
    )
    system = AISystem.objects.get(name="Support chatbot v2")
    assert response.status_code == 302
    assert response.url == system.get_absolute_url()
    assert system.processes_personal_data and system.affects_customers
    assert not system.processes_public_data
    assert system.created_by == contributor


def test_missing_required_fields_show_errors_and_keep_what_was_typed(client_for, team, contributor):
    data = valid_form(team, contributor, name="", purpose="", lifecycle_stage="")
    response = client_for(contributor).post(reverse("systems:create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"name", "purpose", "lifecycle_stage"}
    assertContains(response, "Customer asks → bot answers → agent takes over.")
    assertContains(response, "Groundedness below 95%")
    assertContains(response, "nothing you typed is lost")
    assert not AISystem.objects.exists()


def test_invalid_choice_is_refused(client_for, team, contributor):
    data = valid_form(team, contributor, ai_kind="telepathy")
    response = client_for(contributor).post(reverse("systems:create"), data)
    assert "ai_kind" in response.context["form"].errors


def test_high_risk_without_area_is_refused_on_the_area_field(client_for, team, contributor):
    data = valid_form(team, contributor, eu_ai_act_tier="high_risk")
    response = client_for(contributor).post(reverse("systems:create"), data)
    assert "eu_ai_act_area" in response.context["form"].errors


def test_duplicate_name_is_reported_on_the_name_field(client_for, team, contributor, system):
    data = valid_form(team, contributor, name="Support chatbot")
    response = client_for(contributor).post(reverse("systems:create"), data)
    assert response.status_code == 200
    assert "name" in response.context["form"].errors


def test_contributor_cannot_pick_another_team_in_the_form(client_for, other_team, contributor):
    data = valid_form(other_team, contributor)
    response = client_for(contributor).post(reverse("systems:create"), data)
    assert "team" in response.context["form"].errors
    assert not AISystem.objects.exists()


def test_editing_records_the_diff_with_the_reason_given(client_for, system, team, contributor):
    data = valid_form(team, contributor, name="Support chatbot", change_reason="Pilot ended")
    data["lifecycle_stage"] = "production"
    response = client_for(contributor).post(reverse("systems:edit", args=[system.pk]), data)
    assert response.status_code == 302
    event = AuditEvent.objects.filter(object_id=system.pk, action="~").get()
    assert event.change_reason == "Pilot ended"
    assert {
        "field": "lifecycle_stage",
        "label": "lifecycle stage",
        "old": "Production",
        "new": "Pilot",
    } not in event.changes  # sanity: factory stage is production
    fields = {c["field"] for c in event.changes}
    assert "oversight_mode" in fields


def test_detail_page_shows_the_history_with_differences(client_for, system, team, contributor):
    data = valid_form(team, contributor, name="Support chatbot", vendor="Another vendor")
    client_for(contributor).post(reverse("systems:edit", args=[system.pk]), data)
    response = client_for("viewer").get(system.get_absolute_url())
    assertContains(response, "Another vendor")
    assertContains(response, "Third-party model or vendor")
    assertContains(response, contributor.full_name)


def test_archive_page_asks_for_confirmation_before_archiving(client_for, system):
    client = client_for("contributor")
    response = client.get(reverse("systems:archive", args=[system.pk]))
    assertContains(response, "Archive the system")
    system.refresh_from_db()
    assert not system.is_archived
    response = client.post(reverse("systems:archive", args=[system.pk]), {"reason": "Retired"})
    assert response.status_code == 302
    system.refresh_from_db()
    assert system.is_archived


def test_archived_systems_leave_the_list_but_can_be_shown(client_for, system):
    client = client_for("contributor")
    client.post(reverse("systems:archive", args=[system.pk]))
    assertNotContains(client.get(reverse("systems:list")), "Support chatbot")
    assertContains(client.get(reverse("systems:list"), {"archived": "yes"}), "Support chatbot")


def test_archived_system_can_be_restored_through_the_same_page(client_for, system):
    client = client_for("contributor")
    client.post(reverse("systems:archive", args=[system.pk]))
    client.post(reverse("systems:archive", args=[system.pk]))
    system.refresh_from_db()
    assert not system.is_archived


# --- Filters, search, sort, pagination ------------------------------------------------------------
@pytest.fixture
def inventory(team, contributor):
    return [
        AISystemFactory(team=team, name="Alpha", ai_kind="vision", lifecycle_stage="pilot"),
        AISystemFactory(
            team=team,
            name="Bravo",
            ai_kind="generative",
            eu_ai_act_tier="high_risk",
            eu_ai_act_area="4",
            criticality=3,
        ),
        AISystemFactory(team=team, name="Charlie", ai_kind="forecasting", criticality=2),
    ]


def names(response):
    return [s.name for s in response.context["page_obj"].object_list]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"ai_kind": "vision"}, ["Alpha"]),
        ({"lifecycle_stage": "pilot"}, ["Alpha"]),
        ({"eu_ai_act_tier": "high_risk"}, ["Bravo"]),
        ({"criticality": "2"}, ["Charlie"]),
        ({"q": "rav"}, ["Bravo"]),
        ({"ordering": "-name"}, ["Charlie", "Bravo", "Alpha"]),
        ({"ordering": "criticality"}, ["Alpha", "Charlie", "Bravo"]),
    ],
)
def test_list_filters_searches_and_sorts(params, expected, client_for, inventory):
    response = client_for("contributor").get(reverse("systems:list"), params)
    assert names(response) == expected


def test_search_finds_a_system_by_its_reference(client_for, inventory):
    charlie = inventory[2]
    response = client_for("contributor").get(reverse("systems:list"), {"q": charlie.reference})
    assert names(response) == ["Charlie"]


def test_team_filter(client_for, inventory, other_team):
    AISystemFactory(team=other_team, name="Delta")
    response = client_for("auditor").get(reverse("systems:list"), {"team": other_team.pk})
    assert names(response) == ["Delta"]


def test_bad_filter_values_show_an_error_not_a_crash(client_for, inventory):
    response = client_for("contributor").get(
        reverse("systems:list"), {"criticality": "99", "team": "abc", "ordering": "password"}
    )
    assert response.status_code == 200
    assert response.context["filter_form"].errors


def test_list_paginates_and_keeps_filters_in_page_links(client_for, team):
    for i in range(30):
        AISystemFactory(team=team, name=f"Model {i:02d}", ai_kind="vision")
    client = client_for("contributor")
    response = client.get(reverse("systems:list"), {"ai_kind": "vision", "per_page": 10})
    assert len(names(response)) == 10
    assertContains(response, "ai_kind=vision&amp;per_page=10&amp;page=2")
    last = client.get(reverse("systems:list"), {"ai_kind": "vision", "per_page": 10, "page": 99})
    assert names(last) == [f"Model {i:02d}" for i in range(20, 30)]


def test_htmx_request_gets_only_the_results_fragment(client_for, inventory):
    response = client_for("contributor").get(
        reverse("systems:list"), {"ai_kind": "vision"}, headers={"HX-Request": "true"}
    )
    assert b"<html" not in response.content
    assertContains(response, "Alpha")


def test_empty_inventory_shows_a_helpful_empty_state(client_for, team, contributor):
    response = client_for(contributor).get(reverse("systems:list"))
    assertContains(response, "No AI systems are registered yet")
    assertContains(response, reverse("systems:create"))


@pytest.mark.parametrize("role", ["contributor", "auditor"])
def test_list_runs_a_constant_number_of_queries(
    role, client_for, team, other_team, django_assert_max_num_queries
):
    client = client_for(role)
    owners = [MembershipFactory(team=team).user for _ in range(3)]
    for i in range(3):
        AISystemFactory(team=team, business_owner=owners[i])
    client.get(reverse("systems:list"))  # warm caches (content types, sessions)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("systems:list"))
    for i in range(40):
        AISystemFactory(team=team if i % 2 else other_team, business_owner=owners[i % 3])
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("systems:list"), {"per_page": 50})
    assert response.status_code == 200
    assert len(few) <= 8
