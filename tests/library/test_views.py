"""The risk library's pages: browsing, one template's page, adding it to a system, and the
templates suggested for a system."""

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.library import selectors, services
from apps.risks import services as risk_services
from apps.risks.models import (
    FrameworkReference,
    Risk,
    RiskCategory,
    RiskTemplate,
    RiskTemplateMitigation,
)
from apps.risks.treatment import MitigationStatus
from apps.systems.models import AIKind
from tests.factories import AISystemFactory, RiskFactory

pytestmark = pytest.mark.django_db

LIBRARY_URL = reverse("library:list")


# --- Helpers --------------------------------------------------------------------------------------
def category(path: str) -> RiskCategory:
    parent, _, child = path.partition("/")
    if child:
        return RiskCategory.objects.get(parent__slug=parent, slug=child)
    return RiskCategory.objects.get(parent__isnull=True, slug=parent)


def make_template(
    title,
    *,
    category_path="model-error/hallucination",
    scenario="The system does something wrong; people are harmed; a complaint reveals it.",
    kinds=(),
    codes=(),
    likelihood=3,
    impact=3,
    mitigations=2,
    key=None,
    is_active=True,
):
    template = RiskTemplate.objects.create(
        key=key or re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
        title=title,
        category=category(category_path),
        scenario=scenario,
        ai_kinds=RiskTemplate.normalise_ai_kinds(kinds),
        inherent_likelihood=likelihood,
        inherent_impact=impact,
        is_active=is_active,
    )
    template.framework_references.set(FrameworkReference.objects.filter(code__in=codes))
    for position in range(mitigations):
        RiskTemplateMitigation.objects.create(
            template=template,
            title=f"{title}: measure {position + 1}",
            description=f"What measure {position + 1} does and how it is verified.",
            kind="output_validation" if position else "architecture",
            layer="application",
            position=position,
        )
    return template


def result_titles(response) -> list[str]:
    return [template.title for template in response.context["page_obj"].object_list]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def own_library(db):
    """Retire the shipped catalogue so that a test sees only the templates it creates."""
    RiskTemplate.objects.update(is_active=False)


@pytest.fixture
def generative_system(team, contributor):
    """A generative AI system of ``team``: the library suggests the most templates for it."""
    return AISystemFactory(
        team=team,
        business_owner=contributor,
        technical_owner=contributor,
        ai_kind=AIKind.GENERATIVE,
    )


@pytest.fixture
def template(db):
    return make_template(
        "Chatbot invents a refund policy",
        codes=["LLM09:2025", "MEASURE 2.5"],
        kinds=["generative"],
        likelihood=4,
        impact=4,
        mitigations=3,
    )


def add_url(template):
    return reverse("library:add", args=[template.key])


# --- The library list -----------------------------------------------------------------------------
def test_library_lists_active_templates_with_frameworks_and_suggested_kinds(
    own_library, client_for
):
    make_template("Prompt injection", codes=["LLM01:2025", "AML.T0051"], kinds=["generative"])
    make_template("Retired risk", is_active=False)
    response = client_for("viewer").get(LIBRARY_URL)
    assert response.status_code == 200
    assert result_titles(response) == ["Prompt injection"]
    content = response.content.decode()
    assert "OWASP LLM" in content
    assert "MITRE ATLAS" in content
    assert "Generative / LLM" in content
    assert reverse("risks:matrix") in content


@pytest.mark.parametrize(
    "role", ["contributor", "viewer", "outsider", "committee_member", "auditor", "nobody"]
)
def test_every_signed_in_role_browses_the_library(role, client_for):
    assert client_for(role).get(LIBRARY_URL).status_code == 200


def test_anonymous_visitor_is_sent_to_sign_in(client_for):
    response = client_for("anonymous").get(LIBRARY_URL)
    assert response.status_code == 302
    assert "/login/" in response.url


def test_category_filter_includes_its_subcategories(own_library, client_for):
    make_template("Invented facts", category_path="model-error/hallucination")
    make_template("Drifting inputs", category_path="model-error/drift")
    make_template("Prompt injection", category_path="security/prompt-injection")
    response = client_for("viewer").get(LIBRARY_URL, {"category": category("model-error").pk})
    assert sorted(result_titles(response)) == ["Drifting inputs", "Invented facts"]


def test_subcategory_filter_keeps_only_that_subcategory(own_library, client_for):
    make_template("Invented facts", category_path="model-error/hallucination")
    make_template("Drifting inputs", category_path="model-error/drift")
    response = client_for("viewer").get(LIBRARY_URL, {"category": category("model-error/drift").pk})
    assert result_titles(response) == ["Drifting inputs"]


def test_framework_filter_keeps_templates_citing_that_framework_once_each(own_library, client_for):
    make_template("Prompt injection", codes=["LLM01:2025", "LLM02:2025"])
    make_template("Model drift", codes=["MEASURE 2.4"])
    response = client_for("viewer").get(LIBRARY_URL, {"framework": "owasp_llm"})
    assert result_titles(response) == ["Prompt injection"]


def test_reference_filter_finds_templates_citing_one_framework_item(own_library, client_for):
    make_template("Prompt injection", codes=["LLM01:2025"])
    make_template("Sensitive data disclosure", codes=["LLM02:2025"])
    response = client_for("viewer").get(LIBRARY_URL, {"reference": "llm01:2025"})
    assert result_titles(response) == ["Prompt injection"]


def test_search_matches_title_and_scenario(own_library, client_for):
    make_template("Prompt injection", scenario="A web page tells the agent to leak secrets.")
    make_template("Leaky summaries", scenario="Summaries repeat personal data.")
    make_template("Model drift", scenario="Inputs change over time.")
    response = client_for("viewer").get(LIBRARY_URL, {"q": "leak"})
    assert sorted(result_titles(response)) == ["Leaky summaries", "Prompt injection"]


def test_ai_kind_filter_includes_templates_suggested_for_every_kind(own_library, client_for):
    make_template("Hallucinated answers", kinds=["generative"])
    make_template("Unowned model", kinds=[])
    make_template("Biased scores", kinds=["classification"])
    response = client_for("viewer").get(LIBRARY_URL, {"ai_kind": "generative"})
    assert sorted(result_titles(response)) == ["Hallucinated answers", "Unowned model"]


def test_filters_that_match_nothing_show_an_empty_state(own_library, client_for):
    make_template("Prompt injection")
    response = client_for("viewer").get(LIBRARY_URL, {"q": "no such risk"})
    assert result_titles(response) == []
    assert "No template matches these filters." in response.content.decode()


def test_htmx_request_gets_only_the_results(client_for):
    response = client_for("viewer").get(LIBRARY_URL, HTTP_HX_REQUEST="true")
    assert response.templates[0].name == "library/_list_results.html"
    assert "<html" not in response.content.decode()


def test_library_paginates(client_for):
    response = client_for("viewer").get(LIBRARY_URL, {"per_page": 10, "page": 2})
    assert len(result_titles(response)) == 10
    assert response.context["page_obj"].number == 2


def test_library_runs_a_constant_number_of_queries(own_library, client_for):
    client = client_for("contributor")
    for i in range(5):
        make_template(f"Risk {i:02d}", codes=["LLM01:2025", "MAP 2.2", "AML.T0051"])
    client.get(LIBRARY_URL)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as five:
        assert client.get(LIBRARY_URL, {"per_page": 50}).status_code == 200
    for i in range(5, 40):
        make_template(f"Risk {i:02d}", codes=["LLM02:2025", "MEASURE 2.5"])
    with CaptureQueriesContext(connection) as forty:
        response = client.get(LIBRARY_URL, {"per_page": 50})
    assert len(result_titles(response)) == 40
    assert len(forty) == len(five)
    assert len(five) <= 10


# --- One template ---------------------------------------------------------------------------------
def test_template_page_shows_scenario_references_and_suggested_mitigations(template, client_for):
    response = client_for("viewer").get(template.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert template.scenario in content
    assert "LLM09:2025" in content
    assert FrameworkReference.objects.get(code="LLM09:2025").title in content
    for mitigation in template.suggested_mitigations.all():
        assert mitigation.title in content
        assert mitigation.description in content
    assert "Output validation" in content
    assert "Application" in content


def test_template_page_offers_only_the_systems_the_user_may_add_risks_to(
    template, generative_system, contributor, team, other_team, client_for
):
    archived = AISystemFactory(team=team, name="Old chatbot")
    archived.archived_at = archived.created_at
    archived.save()
    AISystemFactory(team=other_team, name="Credit scorer")
    response = client_for(contributor).get(template.get_absolute_url())
    offered = list(response.context["form"].fields["system"].queryset)
    assert offered == [generative_system]


def test_viewer_gets_no_add_form(template, generative_system, client_for):
    response = client_for("viewer").get(template.get_absolute_url())
    assert response.context["can_add"] is False
    assert add_url(template) not in response.content.decode()


def test_unknown_template_is_404(client_for):
    response = client_for("viewer").get(reverse("library:template_detail", args=["no-such-key"]))
    assert response.status_code == 404


# --- Adding a template to a system ----------------------------------------------------------------
def test_contributor_adds_template_as_risk_with_planned_mitigations(
    template, generative_system, contributor, client_for
):
    response = client_for(contributor).post(add_url(template), {"system": generative_system.pk})
    risk = Risk.objects.get(system=generative_system)
    assert response.status_code == 302
    assert response.url == reverse("risks:edit", args=[risk.pk])
    assert (risk.title, risk.template, risk.owner) == (template.title, template, contributor)
    assert (risk.inherent_score, risk.residual_score) == (16, 16)
    assert set(risk.framework_references.values_list("code", flat=True)) == {
        "LLM09:2025",
        "MEASURE 2.5",
    }
    mitigations = list(risk.mitigations.order_by("title"))
    assert [m.title for m in mitigations] == [
        m.title for m in template.suggested_mitigations.order_by("title")
    ]
    assert {m.status for m in mitigations} == {MitigationStatus.PLANNED}
    assert "adapt it to your system" in " ".join(messages_of(response))


def test_adding_from_template_leaves_history_by_the_contributor(
    template, generative_system, contributor, client_for
):
    client_for(contributor).post(add_url(template), {"system": generative_system.pk})
    risk = Risk.objects.get(system=generative_system)
    created = risk.history.earliest()
    assert created.history_user == contributor
    assert template.key in created.history_change_reason
    for mitigation in risk.mitigations.all():
        assert mitigation.history.earliest().history_user == contributor


def test_contributor_may_give_the_risk_another_title(
    template, generative_system, contributor, client_for
):
    client_for(contributor).post(
        add_url(template), {"system": generative_system.pk, "title": "Bot invents refund terms"}
    )
    assert Risk.objects.get(system=generative_system).title == "Bot invents refund terms"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("viewer", 403),
        ("auditor", 403),
        ("committee_member", 403),
        ("outsider", 404),
        ("nobody", 404),
    ],
)
def test_only_contributors_of_the_team_add_from_the_library(
    role, status, template, generative_system, client_for
):
    response = client_for(role).post(add_url(template), {"system": generative_system.pk})
    assert response.status_code == status
    assert not Risk.objects.filter(system=generative_system).exists()


def test_anonymous_post_is_sent_to_sign_in(template, generative_system, client_for):
    response = client_for("anonymous").post(add_url(template), {"system": generative_system.pk})
    assert response.status_code == 302
    assert "/login/" in response.url
    assert not Risk.objects.exists()


def test_administrator_adds_from_the_library_to_any_team(template, generative_system, client_for):
    response = client_for("administrator").post(add_url(template), {"system": generative_system.pk})
    assert response.status_code == 302
    assert Risk.objects.filter(system=generative_system, template=template).exists()


def test_adding_to_an_archived_system_is_forbidden(template, team, contributor, client_for):
    archived = AISystemFactory(team=team)
    archived.archived_at = archived.created_at
    archived.save()
    response = client_for(contributor).post(add_url(template), {"system": archived.pk})
    assert response.status_code == 403


def test_duplicate_title_is_refused_with_a_clear_message(
    template, generative_system, contributor, client_for
):
    client = client_for(contributor)
    client.post(add_url(template), {"system": generative_system.pk})
    response = client.post(add_url(template), {"system": generative_system.pk})
    assert response.status_code == 200
    errors = response.context["form"].errors["title"]
    assert "already has a risk with this title" in errors[0]
    assert "already has a risk with this title" in response.content.decode()
    assert Risk.objects.filter(system=generative_system).count() == 1


def test_missing_system_is_a_form_error(template, contributor, generative_system, client_for):
    response = client_for(contributor).post(add_url(template), {"system": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["system"] == ["Choose the system to add this risk to."]
    assert not Risk.objects.exists()


def test_retired_template_cannot_be_added(template, generative_system, contributor, client_for):
    template.is_active = False
    template.save()
    response = client_for(contributor).post(add_url(template), {"system": generative_system.pk})
    assert response.status_code == 200
    assert "This template is retired from the library." in response.content.decode()
    assert not Risk.objects.exists()


def test_get_on_the_add_address_is_not_allowed(template, contributor, client_for):
    assert client_for(contributor).get(add_url(template)).status_code == 405


# --- Suggestions for a system ---------------------------------------------------------------------
RISKS_SUGGESTIONS_MITIGATIONS = ("risks", "risk-suggestions", "mitigations")


def test_system_page_shows_the_suggestions_panel_to_those_who_may_add_risks(
    generative_system, client_for
):
    suggestions_url = reverse("library:suggestions", args=[generative_system.pk])
    page = client_for("contributor").get(generative_system.get_absolute_url()).content.decode()
    assert suggestions_url in page
    # Between the system's risks and its mitigations, as when it was part of the risks' panel.
    positions = [page.index(f'id="{section}"') for section in RISKS_SUGGESTIONS_MITIGATIONS]
    assert positions == sorted(positions)
    viewer_page = client_for("viewer").get(generative_system.get_absolute_url())
    assert suggestions_url not in viewer_page.content.decode()


def test_generative_system_is_suggested_prompt_injection_and_hallucination(generative_system):
    keys = set(selectors.suggested_templates(generative_system).values_list("key", flat=True))
    assert {
        "llm-prompt-injection-direct",
        "llm-prompt-injection-indirect",
        "llm-hallucinated-policy-answers",
        "llm-fabricated-citations",
    } <= keys


def test_suggestions_include_templates_for_every_kind_but_not_other_kinds(generative_system):
    keys = set(selectors.suggested_templates(generative_system).values_list("key", flat=True))
    assert "orphaned-model-without-owner" in keys  # suggested for every kind
    assert "fraud-model-false-positives-block-customers" not in keys  # classification only


def test_suggestions_leave_out_templates_already_added(generative_system, contributor):
    template = RiskTemplate.objects.get(key="llm-prompt-injection-direct")
    services.add_risk_from_template(system=generative_system, template=template, by=contributor)
    keys = set(selectors.suggested_templates(generative_system).values_list("key", flat=True))
    assert "llm-prompt-injection-direct" not in keys
    assert "llm-prompt-injection-indirect" in keys


def test_suggestions_leave_out_templates_whose_title_the_system_already_has(generative_system):
    template = RiskTemplate.objects.get(key="llm-fabricated-citations")
    RiskFactory(system=generative_system, title=template.title.upper())
    keys = set(selectors.suggested_templates(generative_system).values_list("key", flat=True))
    assert "llm-fabricated-citations" not in keys


def test_archived_risk_makes_its_template_suggested_again(generative_system, contributor):
    template = RiskTemplate.objects.get(key="llm-prompt-injection-direct")
    risk = services.add_risk_from_template(
        system=generative_system, template=template, by=contributor
    )
    risk_services.archive_risk(risk=risk, by=contributor)
    keys = set(selectors.suggested_templates(generative_system).values_list("key", flat=True))
    assert "llm-prompt-injection-direct" in keys


def test_suggestions_come_most_severe_first_and_respect_the_limit(generative_system):
    suggestions = list(selectors.suggested_templates(generative_system, limit=8))
    scores = [t.inherent_likelihood * t.inherent_impact for t in suggestions]
    assert len(suggestions) == 8
    assert scores == sorted(scores, reverse=True)


def test_suggestions_fragment_offers_one_click_add_to_contributors(
    generative_system, contributor, client_for
):
    response = client_for(contributor).get(
        reverse("library:suggestions", args=[generative_system.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.templates[0].name == "library/_suggestions.html"
    content = response.content.decode()
    first = response.context["suggestions"][0]
    assert add_url(first) in content
    assert f'name="system" value="{generative_system.pk}"' in content
    assert len(response.context["suggestions"]) == 5


def test_suggestions_page_lists_every_suggestion(generative_system, client_for):
    response = client_for("contributor").get(
        reverse("library:suggestions", args=[generative_system.pk])
    )
    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert len(response.context["suggestions"]) == response.context["suggestion_count"] > 5


def test_viewer_sees_suggestions_without_add_buttons(generative_system, template, client_for):
    response = client_for("viewer").get(reverse("library:suggestions", args=[generative_system.pk]))
    assert response.status_code == 200
    assert response.context["suggestions"]
    assert "/add/" not in response.content.decode()


def test_suggestions_of_another_teams_system_are_404(generative_system, client_for):
    response = client_for("outsider").get(
        reverse("library:suggestions", args=[generative_system.pk])
    )
    assert response.status_code == 404


def test_one_click_add_from_suggestions_removes_it_from_the_suggestions(
    generative_system, contributor, client_for
):
    client = client_for(contributor)
    first = selectors.suggested_templates(generative_system, limit=1)[0]
    client.post(add_url(first), {"system": generative_system.pk})
    assert first not in selectors.suggested_templates(generative_system)
