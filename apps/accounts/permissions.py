"""Roles, turned into the helpers every app's access rules are built on.

Read access to a team's records comes from a membership of that team (contributor or viewer) or
from a global role that reads everything (committee member, auditor, administrator). Write
access comes only from a contributor membership or from being an administrator, and never to an
auditor: auditors write nothing, whatever other role they hold.

Each domain app decides who may do what to its own records in its ``permissions.py``, built on
these helpers, and registers those rules with :mod:`apps.core.rules` for the generic views and
the API. Row scoping is a queryset method, ``Model.objects.visible_to(user)``
(:class:`TeamScopedQuerySet`), so that no list can show a row that a record's page would refuse.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import QuerySet

from apps.accounts.models import Membership, Team
from apps.core import rules


def _is_active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def team_roles(user) -> dict[int, str]:
    """``{team_id: role}`` for the user's memberships, cached on the user object.

    One query per request, however many checks a page makes.
    """
    if not _is_active(user):
        return {}
    cached = getattr(user, "_team_roles_cache", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("team_id", "role"))
        user._team_roles_cache = cached
    return cached


def has_global_read(user) -> bool:
    """Committee members, auditors and administrators read every team's records."""
    return _is_active(user) and (user.is_superuser or user.is_committee_member or user.is_auditor)


def may_write(user) -> bool:
    """Whether the user may write anything at all (auditors never do)."""
    return _is_active(user) and not user.is_auditor


def is_contributor_somewhere(user) -> bool:
    """A contributor of some team, or an administrator: may create records somewhere."""
    if not may_write(user):
        return False
    return user.is_superuser or Membership.Role.CONTRIBUTOR in team_roles(user).values()


# --- Teams ---------------------------------------------------------------------------------------
def can_read_team(user, team_id: int) -> bool:
    return has_global_read(user) or team_id in team_roles(user)


def can_write_team(user, team_id: int) -> bool:
    """Contributors of the team and administrators write a team's records."""
    if not may_write(user):
        return False
    if user.is_superuser:
        return True
    return team_roles(user).get(team_id) == Membership.Role.CONTRIBUTOR


def visible_teams(user) -> QuerySet[Team]:
    if has_global_read(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=list(team_roles(user)))


def contributor_teams(user) -> QuerySet[Team]:
    """The teams in which the user may create records."""
    if not may_write(user):
        return Team.objects.none()
    if user.is_superuser:
        return Team.objects.all()
    team_ids = [
        team_id for team_id, role in team_roles(user).items() if role == Membership.Role.CONTRIBUTOR
    ]
    return Team.objects.filter(pk__in=team_ids)


class TeamScopedQuerySet(models.QuerySet):
    """Rows that belong to a team, directly (``team_path = "team"``) or through the record they
    belong to (``"system__team"``): ``Model.objects.visible_to(user)`` is what the person may read.

    Every list, export, API viewset and record lookup starts from it (the generic views and
    viewsets do so by default), so scoping is written once per model, here.
    """

    team_path: ClassVar[str] = "team"

    def visible_to(self, user):
        """What the person may read: everything for global readers, their teams' rows otherwise."""
        if has_global_read(user):
            return self.all()
        return self.filter(**{f"{self.team_path}_id__in": list(team_roles(user))})

    def writable_by(self, user):
        """The rows of the teams in which the person may write (not checking archiving)."""
        return self.filter(**{f"{self.team_path}__in": contributor_teams(user)})


# --- The audit log, tokens -----------------------------------------------------------------------
def can_view_audit_log(user) -> bool:
    """The global audit log spans every team, so only global readers open it."""
    return has_global_read(user)


def can_manage_token(user, token) -> bool:
    """People list and revoke their own API tokens; administrators may revoke anyone's."""
    if not _is_active(user):
        return False
    return token.user_id == user.pk or user.is_superuser


def register_rules() -> None:
    """The rules about no record in particular, for the ground's generic code."""
    rules.register(
        None,
        "write",
        rules.explained(
            lambda user, _: may_write(user), "Auditors read every record and never change any."
        ),
    )
    rules.register(
        None,
        "view_audit_log",
        rules.explained(
            lambda user, _: can_view_audit_log(user),
            "The audit log is open to auditors, committee members and administrators.",
        ),
    )
