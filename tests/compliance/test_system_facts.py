"""The facts the rules need, on the AI system: its form, page, API and export."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django.asserts import assertContains

from apps.systems import hooks
from apps.systems import services as system_services
from apps.systems.api.exports import SystemExporter
from tests.factories import AISystemFactory
from tests.systems.test_views import valid_form

pytestmark = pytest.mark.django_db


def test_the_form_records_the_facts_and_derives_the_obligations(team, contributor, client_for):
    data = valid_form(
        team,
        contributor,
        eu_ai_act_tier="high_risk",
        eu_ai_act_area="5",
        annex_iii_point="c",
        eu_ai_act_role="provider_and_deployer",
        serves_public="on",
        interacts_with_people="on",
    )
    response = client_for(contributor).post(reverse("systems:create"), data)
    assert response.status_code == 302, response.context["form"].errors
    system = team.systems.get(name=data["name"])
    assert (system.annex_iii_point, system.eu_ai_act_role) == ("c", "provider_and_deployer")
    assert system.serves_public and system.interacts_with_people
    assert "Art. 27" in set(system.obligations.values_list("requirement__identifier", flat=True))


def test_the_point_is_dropped_for_a_system_that_is_not_high_risk(team, contributor, client_for):
    data = valid_form(team, contributor, eu_ai_act_tier="limited", annex_iii_point="b")
    client_for(contributor).post(reverse("systems:create"), data)
    assert team.systems.get(name=data["name"]).annex_iii_point == ""


def test_systemic_risk_belongs_to_general_purpose_models(system, contributor):
    with pytest.raises(ValidationError) as error:
        system_services.update_system(
            system=system, by=contributor, data={"has_systemic_risk": True}
        )
    assert "has_systemic_risk" in error.value.message_dict


def test_the_page_shows_the_role_and_the_facts(system, client_for):
    system.eu_ai_act_role = "provider"
    system.is_general_purpose_model = system.has_systemic_risk = True
    system.save()
    response = client_for("viewer").get(reverse("systems:detail", args=[system.pk]))
    assertContains(response, '<dd class="col-sm-8" id="eu-ai-act-role">Provider</dd>', html=True)
    assertContains(response, "General-purpose AI model with systemic risk.")


def test_the_api_and_the_export_carry_the_facts(system, client_for):
    system.eu_ai_act_role = "importer_distributor"
    system.save()
    body = client_for("auditor").get(f"/api/v1/systems/{system.pk}/").json()
    assert body["eu_ai_act_role"] == "importer_distributor"
    assert body["serves_public"] is False
    names = [column.name for column in SystemExporter.columns]
    for fact in ("eu_ai_act_role", "annex_iii_point", "is_general_purpose_model",
                 "has_systemic_risk", "serves_public", "interacts_with_people"):  # fmt: skip
        assert fact in names


def test_the_hooks_are_told_of_a_new_system_and_of_changed_fields(team, contributor):
    calls = []

    def listener(*, systems, changed, by, reason):
        calls.append(([s.pk for s in systems], changed, by, reason))

    hooks.register_facts_changed(listener)
    try:
        system = AISystemFactory(team=team, business_owner=contributor, technical_owner=contributor)
        system_services.update_system(
            system=system, by=contributor, data={"serves_public": True, "name": system.name}
        )
        system_services.update_system(system=system, by=contributor, data={"name": system.name})
    finally:
        hooks._LISTENERS.remove(listener)
    assert calls == [([system.pk], {"serves_public"}, contributor, "Edited")]


def test_the_existing_systems_role_migration_guess_is_documented():
    from importlib import import_module

    migration = import_module("apps.systems.migrations.0004_compliance_facts")
    assert "vendor" in migration.role_from_vendor.__doc__
