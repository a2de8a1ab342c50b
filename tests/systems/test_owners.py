"""Owners must be able to read what they own: members of the system's team (contributors and
viewers), committee members and administrators; never auditors, never closed accounts. The rule
for one person (``why_cannot_own``), the choosers (``possible_owners``), the system's own owners
through its service, form and administration page."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.systems import permissions, selectors, services
from apps.systems.admin import AISystemAdminForm
from apps.systems.models import AISystem
from tests.factories import AISystemFactory, UserFactory
from tests.systems.test_services import system_data
from tests.systems.test_views import valid_form

pytestmark = pytest.mark.django_db

MAY_OWN = {
    "contributor": True,
    "viewer": True,
    "committee_member": True,
    "administrator": True,
    "outsider": False,
    "auditor": False,
    "nobody": False,
}


@pytest.mark.parametrize(("role", "allowed"), MAY_OWN.items())
def test_who_may_own_a_record_of_the_team(role, allowed, user_for, team):
    refusal = permissions.why_cannot_own(user_for(role), team)
    assert (refusal == "") is allowed


def test_the_choosers_offer_exactly_the_people_the_rule_allows(user_for, team):
    people = {role: user_for(role) for role in MAY_OWN}
    offered = set(selectors.possible_owners([team.pk]))
    assert offered == {person for role, person in people.items() if MAY_OWN[role]}


def test_a_closed_account_may_own_nothing(team, contributor):
    contributor.is_active = False
    contributor.save()
    assert "account is closed" in permissions.why_cannot_own(contributor, team)
    assert contributor not in selectors.possible_owners([team.pk])


def test_an_auditor_who_is_also_on_the_committee_still_owns_nothing(team):
    both = UserFactory(is_auditor=True, is_committee_member=True)
    assert "auditor" in permissions.why_cannot_own(both, team)
    assert both not in selectors.possible_owners([team.pk])


def test_the_refusal_says_who_may_own_it(team, outsider):
    assert permissions.why_cannot_own(outsider, team) == (
        f"{outsider} cannot read Customer Experience's records: choose a member of Customer "
        "Experience, a committee member or an administrator."
    )


# --- The system's business and technical owners ---------------------------------------------------
def test_registering_a_system_owned_by_an_outsider_is_refused_on_the_field(
    team, contributor, outsider
):
    data = system_data(team, contributor, technical_owner=outsider)
    with pytest.raises(ValidationError) as refused:
        services.create_system(by=contributor, data=data)
    assert set(refused.value.message_dict) == {"technical_owner"}
    assert not AISystem.objects.exists()


def test_every_problem_is_reported_at_once(team, contributor, outsider):
    data = system_data(team, outsider, name="")
    with pytest.raises(ValidationError) as refused:
        services.create_system(by=contributor, data=data)
    assert set(refused.value.message_dict) == {"name", "business_owner", "technical_owner"}


@pytest.mark.parametrize("owner", ["viewer", "committee_member", "administrator"])
def test_a_reader_of_the_team_may_own_the_system(owner, user_for, team, contributor):
    data = system_data(team, user_for(owner))
    system = services.create_system(by=contributor, data=data)
    assert system.business_owner == user_for(owner)


def test_changing_an_owner_to_someone_who_cannot_read_it_is_refused(system, contributor, auditor):
    with pytest.raises(ValidationError, match="auditors own no record"):
        services.update_system(system=system, by=contributor, data={"business_owner": auditor})
    system.refresh_from_db()
    assert system.business_owner == contributor
    assert system.history.count() == 1


def test_an_owner_who_since_left_the_team_stays_until_replaced(team, contributor, nobody):
    system = AISystemFactory(team=team, business_owner=nobody, technical_owner=nobody)
    updated = services.update_system(
        system=system, by=contributor, data={"purpose": "Answers questions, now in Dutch too."}
    )
    assert updated.business_owner == nobody


def test_moving_a_system_asks_its_owners_to_read_the_new_team(system, other_team, administrator):
    with pytest.raises(ValidationError) as refused:
        services.update_system(system=system, by=administrator, data={"team": other_team})
    assert set(refused.value.message_dict) == {"business_owner", "technical_owner"}
    moved = services.update_system(
        system=system,
        by=administrator,
        data={
            "team": other_team,
            "business_owner": administrator,
            "technical_owner": administrator,
        },
    )
    assert moved.team == other_team


def test_the_form_offers_only_people_who_may_own_the_system(
    client_for, team, contributor, viewer, outsider, auditor, committee_member, administrator
):
    response = client_for(contributor).get(reverse("systems:create"))
    offered = set(response.context["form"].fields["business_owner"].queryset)
    assert offered == {contributor, viewer, committee_member, administrator}
    assert outsider.email not in response.content.decode()


def test_the_form_refuses_an_owner_it_did_not_offer_and_keeps_what_was_typed(
    client_for, team, contributor, outsider
):
    data = valid_form(team, contributor, technical_owner=outsider.pk, name="Kept name")
    response = client_for(contributor).post(reverse("systems:create"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"technical_owner"}
    assert response.context["form"]["name"].value() == "Kept name"
    assert not AISystem.objects.exists()


def test_the_edit_form_keeps_a_current_owner_who_since_left(client_for, team, contributor, nobody):
    system = AISystemFactory(team=team, business_owner=nobody, technical_owner=contributor)
    response = client_for(contributor).get(reverse("systems:edit", args=[system.pk]))
    assert nobody in response.context["form"].fields["business_owner"].queryset


def test_the_administration_page_refuses_a_new_owner_who_cannot_read_it(system, outsider):
    data = {
        field.name: getattr(system, field.attname)
        for field in AISystem._meta.concrete_fields
        if field.editable and field.name != "id"
    }
    form = AISystemAdminForm(data={**data, "business_owner": outsider.pk}, instance=system)
    assert not form.is_valid()
    assert "cannot read" in form.errors["business_owner"][0]
