"""“From the library” on a system's page: the library list and the template pages remember the
system (``?system=<pk>``), each row has an Add button for people who may add risks, and a
template the system already has says so."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.risks.models import Risk, RiskTemplate
from apps.systems.models import AIKind
from tests.factories import AISystemFactory, MembershipFactory, RiskFactory
from tests.library.test_views import add_url, make_template

pytestmark = pytest.mark.django_db

LIBRARY_URL = reverse("library:list")


@pytest.fixture
def own_library(db):
    """Retire the shipped catalogue so that a test sees only the templates it creates."""
    RiskTemplate.objects.update(is_active=False)


@pytest.fixture
def chatbot(team, contributor):
    return AISystemFactory(
        team=team,
        name="Support chatbot",
        ai_kind=AIKind.GENERATIVE,
        business_owner=contributor,
        technical_owner=contributor,
    )


@pytest.fixture
def injection(own_library):
    return make_template("Prompt injection", kinds=["generative"], codes=["LLM01:2025"])


def add_forms(content: str) -> int:
    return content.count('class="btn btn-sm btn-outline-primary library-add"')


# --- The system page's link -----------------------------------------------------------------------
def test_from_the_library_on_a_systems_page_names_the_system(chatbot, client_for):
    response = client_for("contributor").get(chatbot.get_absolute_url())
    assert f'href="{LIBRARY_URL}?system={chatbot.pk}"' in response.content.decode()


def test_the_risk_forms_library_tip_names_the_system(chatbot, client_for):
    response = client_for("contributor").get(reverse("risks:create"), {"system": chatbot.pk})
    assert f'href="{LIBRARY_URL}?system={chatbot.pk}"' in response.content.decode()


# --- The list with a system -----------------------------------------------------------------------
def test_list_with_a_system_says_where_add_puts_the_risk(chatbot, injection, client_for):
    response = client_for("contributor").get(LIBRARY_URL, {"system": chatbot.pk})
    assert response.context["target_system"] == chatbot
    content = response.content.decode()
    assert 'id="library-target"' in content
    assert f"{chatbot.reference} {chatbot.name}" in content


def test_each_row_adds_its_template_to_the_system_in_one_click(chatbot, injection, client_for):
    response = client_for("contributor").get(LIBRARY_URL, {"system": chatbot.pk})
    content = response.content.decode()
    assert f'action="{add_url(injection)}"' in content
    assert f'name="system" value="{chatbot.pk}"' in content
    assert f'aria-label="Add “Prompt injection” to {chatbot.name}"' in content


def test_the_rows_add_button_adds_the_risk_and_its_mitigations_to_that_system(
    chatbot, injection, contributor, client_for
):
    response = client_for(contributor).post(add_url(injection), {"system": chatbot.pk})
    risk = Risk.objects.get(system=chatbot, template=injection)
    assert response.status_code == 302
    assert response.url == reverse("risks:edit", args=[risk.pk])
    assert chatbot.mitigations.count() == injection.suggested_mitigations.count()


def test_rows_link_to_template_pages_that_keep_the_system(chatbot, injection, client_for):
    response = client_for("contributor").get(LIBRARY_URL, {"system": chatbot.pk})
    assert f'href="{injection.get_absolute_url()}?system={chatbot.pk}"' in (
        response.content.decode()
    )


def test_a_template_the_system_already_has_says_so_instead_of_add(
    chatbot, injection, contributor, client_for
):
    other = make_template("Hallucinated refund policy", kinds=["generative"])
    RiskFactory(system=chatbot, title="Prompt injection")  # added by hand, same title
    response = client_for(contributor).get(LIBRARY_URL, {"system": chatbot.pk})
    content = response.content.decode()
    assert f"Already on {chatbot.reference}" in content
    assert f'action="{add_url(injection)}"' not in content
    assert f'action="{add_url(other)}"' in content


def test_an_archived_risk_does_not_count_as_already_there(chatbot, injection, client_for):
    RiskFactory(system=chatbot, title="Prompt injection", archived_at="2026-01-01T00:00Z")
    response = client_for("contributor").get(LIBRARY_URL, {"system": chatbot.pk})
    assert f'action="{add_url(injection)}"' in response.content.decode()


def test_filtering_keeps_the_system(chatbot, injection, client_for):
    response = client_for("contributor").get(
        LIBRARY_URL, {"system": chatbot.pk, "q": "injection"}, HTTP_HX_REQUEST="true"
    )
    assert response.templates[0].name == "library/_list_results.html"
    assert f'name="system" value="{chatbot.pk}"' in response.content.decode()
    page = client_for("contributor").get(LIBRARY_URL, {"system": chatbot.pk})
    content = page.content.decode()
    assert f'<input type="hidden" name="system" value="{chatbot.pk}" data-carried>' in content
    assert f'href="{LIBRARY_URL}?system={chatbot.pk}" class="btn btn-link mb-3">Clear' in content


def test_the_system_alone_is_not_a_filter(chatbot, own_library, client_for):
    response = client_for("contributor").get(LIBRARY_URL, {"system": chatbot.pk})
    assert response.context["is_filtered"] is False
    assert "The library has no template yet." in response.content.decode()


def test_a_system_the_person_cannot_add_to_offers_no_one_click_add(
    chatbot, foreign_system, injection, client_for
):
    for role, system in (("viewer", chatbot), ("contributor", foreign_system)):
        response = client_for(role).get(LIBRARY_URL, {"system": system.pk})
        content = response.content.decode()
        assert response.status_code == 200
        assert response.context["target_system"] is None
        assert "not one you can add risks to" in content
        assert 'name="system"' not in content
        assert foreign_system.name not in content


def test_an_archived_system_is_not_a_target(chatbot, injection, contributor, client_for):
    chatbot.archived_at = chatbot.created_at
    chatbot.save()
    response = client_for(contributor).get(LIBRARY_URL, {"system": chatbot.pk})
    assert response.context["target_system"] is None


def test_a_malformed_system_is_ignored_with_a_word(injection, client_for):
    response = client_for("contributor").get(LIBRARY_URL, {"system": "SYS-abc"})
    assert response.status_code == 200
    assert response.context["target_refused"] is True


# --- The list without a system --------------------------------------------------------------------
def test_without_a_system_add_leads_to_the_templates_page(chatbot, injection, client_for):
    response = client_for("contributor").get(LIBRARY_URL)
    content = response.content.decode()
    assert f'href="{injection.get_absolute_url()}#add-heading"' in content
    assert 'aria-label="Add “Prompt injection” to a system"' in content
    assert add_forms(content) == 1


@pytest.mark.parametrize("role", ["viewer", "auditor", "committee_member", "nobody"])
def test_people_who_may_add_no_risk_see_no_add_buttons(role, chatbot, injection, client_for):
    response = client_for(role).get(LIBRARY_URL)
    assert response.status_code == 200
    assert response.context["can_add_risk"] is False
    assert add_forms(response.content.decode()) == 0


def test_administrator_sees_add_buttons(chatbot, injection, client_for):
    response = client_for("administrator").get(LIBRARY_URL)
    assert add_forms(response.content.decode()) == 1


def test_list_with_a_system_runs_a_constant_number_of_queries(chatbot, own_library, client_for):
    client = client_for("contributor")
    for i in range(5):
        make_template(f"Risk {i:02d}", codes=["LLM01:2025"])
    RiskFactory(system=chatbot, title="Risk 01")
    client.get(LIBRARY_URL, {"system": chatbot.pk})  # warm caches
    with CaptureQueriesContext(connection) as five:
        client.get(LIBRARY_URL, {"system": chatbot.pk, "per_page": 50})
    for i in range(5, 30):
        make_template(f"Risk {i:02d}", codes=["LLM02:2025", "MEASURE 2.5"])
    with CaptureQueriesContext(connection) as thirty:
        response = client.get(LIBRARY_URL, {"system": chatbot.pk, "per_page": 50})
    assert len(response.context["page_obj"].object_list) == 30
    assert len(thirty) == len(five)


# --- A template's page ----------------------------------------------------------------------------
def test_template_page_preselects_the_system_of_the_address(
    chatbot, injection, team, contributor, client_for
):
    AISystemFactory(team=team, name="Second system")
    response = client_for(contributor).get(injection.get_absolute_url(), {"system": chatbot.pk})
    assert response.context["form"].initial["system"] == chatbot.pk
    assert f'href="{LIBRARY_URL}?system={chatbot.pk}">Risk library' in response.content.decode()


def test_template_page_preselects_the_persons_only_system(chatbot, injection, client_for):
    response = client_for("contributor").get(injection.get_absolute_url())
    assert response.context["form"].initial["system"] == chatbot.pk


def test_template_page_leaves_the_choice_to_someone_with_several_systems(
    chatbot, injection, team, contributor, client_for
):
    AISystemFactory(team=team, name="Second system")
    response = client_for(contributor).get(injection.get_absolute_url())
    assert "system" not in response.context["form"].initial


def test_a_second_teams_contributor_chooses_between_both_teams_systems(
    chatbot, injection, other_team, contributor, client_for
):
    MembershipFactory(team=other_team, user=contributor, role="contributor")
    AISystemFactory(team=other_team, name="Credit scorer")
    response = client_for(contributor).get(injection.get_absolute_url())
    assert response.context["form"].fields["system"].queryset.count() == 2
    assert "system" not in response.context["form"].initial
