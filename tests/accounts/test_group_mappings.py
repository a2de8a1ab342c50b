"""Identity-provider groups to teams and roles (apps.accounts.services.apply_group_mappings):
what a mapping names is managed, the rest left alone, every change in the history."""

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.models import GroupMapping, Membership
from apps.accounts.services import apply_group_mappings, configure_sign_in
from tests.factories import GroupMappingFactory, UserFactory

pytestmark = pytest.mark.django_db


def apply(person, groups, mappings):
    return apply_group_mappings(
        user=person, claims={"groups": groups}, mappings=mappings, source="Company SSO"
    )


def test_without_mappings_everyone_comes_in_and_nothing_changes(team):
    person = UserFactory()
    assert apply(person, ["anything"], []) is True
    assert not person.memberships.exists()


def test_contributor_wins_over_viewer_in_the_same_team(team):
    mappings = [
        GroupMappingFactory(value="readers", team=team, team_role="viewer"),
        GroupMappingFactory(value="writers", team=team, team_role="contributor"),
    ]
    person = UserFactory()
    apply(person, ["readers", "writers"], mappings)
    assert person.memberships.get().role == Membership.Role.CONTRIBUTOR


def test_leaving_the_group_leaves_the_team_with_the_reason_in_the_history(team):
    mapping = GroupMappingFactory(value="writers", team=team)
    other = GroupMappingFactory(value="others")
    person = UserFactory()
    apply(person, ["writers"], [mapping, other])
    apply(person, ["others"], [mapping, other])
    assert not Membership.objects.filter(user=person, team=team).exists()
    deleted = Membership.history.filter(user_id=person.pk, team_id=team.pk).latest()
    assert deleted.history_type == "-"
    assert deleted.history_change_reason == ("Single sign-on through Company SSO: groups others")


def test_an_administrator_role_follows_its_group(team):
    admins = GroupMappingFactory(value="admins", team=None, team_role="", is_administrator=True)
    person = UserFactory()
    apply(person, ["admins"], [admins])
    person.refresh_from_db()
    assert person.is_superuser and person.is_staff
    assert apply(person, ["nothing"], [admins]) is False
    person.refresh_from_db()
    assert not person.is_superuser


def test_a_break_glass_administrator_keeps_the_administrator_role(administrator):
    configure_sign_in(by=administrator, reason="Break-glass", break_glass_users=[administrator])
    admins = GroupMappingFactory(value="admins", team=None, team_role="", is_administrator=True)
    apply(administrator, ["nothing"], [admins])
    administrator.refresh_from_db()
    assert administrator.is_superuser


def test_global_roles_no_mapping_names_are_left_alone(team, committee_member):
    mapping = GroupMappingFactory(value="writers", team=team)
    apply(committee_member, ["writers"], [mapping])
    committee_member.refresh_from_db()
    assert committee_member.is_committee_member


def test_a_mapping_gives_a_team_with_its_role_or_a_global_role():
    with pytest.raises(ValidationError) as error:
        GroupMapping(claim="groups", value="nothing").full_clean()
    assert "team" in error.value.message_dict
