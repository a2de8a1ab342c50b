"""The permissions module: who may read and write which team's systems."""

import pytest

from apps.accounts import permissions
from apps.systems import permissions as system_permissions
from apps.systems.models import AISystem
from tests.factories import AISystemFactory, MembershipFactory

pytestmark = pytest.mark.django_db

READ_OWN = {
    "contributor": True,
    "viewer": True,
    "outsider": False,
    "committee_member": True,
    "auditor": True,
    "administrator": True,
    "nobody": False,
}
WRITE_OWN = {
    "contributor": True,
    "viewer": False,
    "outsider": False,
    "committee_member": False,
    "auditor": False,
    "administrator": True,
    "nobody": False,
}


@pytest.mark.parametrize(("role", "expected"), READ_OWN.items())
def test_who_can_view_a_teams_system(role, expected, user_for, system):
    assert system_permissions.can_view_system(user_for(role), system) is expected


@pytest.mark.parametrize(("role", "expected"), WRITE_OWN.items())
def test_who_can_edit_a_teams_system(role, expected, user_for, system):
    assert system_permissions.can_edit_system(user_for(role), system) is expected


@pytest.mark.parametrize(("role", "expected"), READ_OWN.items())
def test_visible_systems_matches_can_view(role, expected, user_for, system, other_team):
    AISystemFactory(team=other_team)
    visible = AISystem.objects.visible_to(user_for(role))
    assert (system in visible) is expected


def test_anonymous_sees_and_edits_nothing(system):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not system_permissions.can_view_system(anonymous, system)
    assert not system_permissions.can_edit_system(anonymous, system)
    assert not AISystem.objects.visible_to(anonymous).exists()


def test_auditor_who_is_also_a_contributor_still_writes_nothing(team, auditor, system):
    MembershipFactory(user=auditor, team=team)
    assert system_permissions.can_view_system(auditor, system)
    assert not system_permissions.can_edit_system(auditor, system)
    assert not system_permissions.can_create_system(auditor)
    assert not permissions.contributor_teams(auditor).exists()


def test_inactive_user_has_no_access(contributor, system):
    contributor.is_active = False
    assert not system_permissions.can_view_system(contributor, system)
    assert not system_permissions.can_edit_system(contributor, system)


def test_archived_system_cannot_be_edited_but_can_be_restored(contributor, system):
    from django.utils import timezone

    system.archived_at = timezone.now()
    assert not system_permissions.can_edit_system(contributor, system)
    assert system_permissions.can_archive_system(contributor, system)


def test_contributor_teams_are_only_those_with_the_contributor_role(contributor, team, other_team):
    MembershipFactory(user=contributor, team=other_team, role="viewer")
    assert list(permissions.contributor_teams(contributor)) == [team]


def test_team_roles_are_looked_up_once_per_user_object(
    contributor, system, django_assert_num_queries
):
    with django_assert_num_queries(1):
        for _ in range(5):
            system_permissions.can_view_system(contributor, system)
            system_permissions.can_edit_system(contributor, system)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("contributor", False),
        ("viewer", False),
        ("committee_member", True),
        ("auditor", True),
        ("administrator", True),
        ("nobody", False),
    ],
)
def test_who_can_open_the_global_audit_log(role, expected, user_for):
    assert permissions.can_view_audit_log(user_for(role)) is expected
