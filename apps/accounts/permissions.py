"""Who may see and do what: the one place where roles turn into decisions.

Every view, API endpoint and template asks these functions; none decides on its own. Read access
to a team's records comes from a membership of that team (contributor or viewer) or from a
global role that reads everything (committee member, auditor, administrator). Write access comes
only from a contributor membership or from being an administrator, and never to an auditor:
auditors write nothing, whatever other role they hold.

Queryset scoping (``visible_systems``) lives here too, so that no list can show a row that
``can_view_*`` would refuse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from apps.accounts.models import Membership, Team

if TYPE_CHECKING:
    from apps.mitigations.models import Mitigation
    from apps.risks.models import Risk, RiskAcceptance
    from apps.systems.models import AISystem


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


# --- AI systems ----------------------------------------------------------------------------------
def visible_systems(user) -> QuerySet[AISystem]:
    """Every system the user may read, archived ones included (lists filter those out)."""
    from apps.systems.models import AISystem

    if has_global_read(user):
        return AISystem.objects.all()
    return AISystem.objects.filter(team_id__in=list(team_roles(user)))


def can_view_system(user, system: AISystem) -> bool:
    return can_read_team(user, system.team_id)


def can_create_system(user) -> bool:
    if not may_write(user):
        return False
    return user.is_superuser or Membership.Role.CONTRIBUTOR in team_roles(user).values()


def can_edit_system(user, system: AISystem) -> bool:
    """Archived systems are read-only until restored."""
    return not system.is_archived and can_write_team(user, system.team_id)


def can_archive_system(user, system: AISystem) -> bool:
    return can_write_team(user, system.team_id)


# --- Risks, mitigations, acceptances ------------------------------------------------------------
def visible_risks(user):
    """Every risk of a system the user may read (archived ones included)."""
    from apps.risks.models import Risk

    if has_global_read(user):
        return Risk.objects.all()
    return Risk.objects.filter(system__team_id__in=list(team_roles(user)))


def visible_mitigations(user):
    from apps.mitigations.models import Mitigation

    if has_global_read(user):
        return Mitigation.objects.all()
    return Mitigation.objects.filter(system__team_id__in=list(team_roles(user)))


def can_view_risk(user, risk: Risk) -> bool:
    return can_read_team(user, risk.system.team_id)


def can_create_risk(user, system: AISystem) -> bool:
    """Risks are added to an active system by its team's contributors."""
    return can_edit_system(user, system)


def can_edit_risk(user, risk: Risk) -> bool:
    return not risk.is_archived and can_edit_system(user, risk.system)


def can_archive_risk(user, risk: Risk) -> bool:
    return not risk.system.is_archived and can_write_team(user, risk.system.team_id)


def can_view_mitigation(user, mitigation: Mitigation) -> bool:
    return can_read_team(user, mitigation.system.team_id)


def can_edit_mitigation(user, mitigation: Mitigation) -> bool:
    return can_edit_system(user, mitigation.system)


def is_owner_of_system(user, system: AISystem) -> bool:
    return user.pk in (system.business_owner_id, system.technical_owner_id)


def why_cannot_decide_acceptance(user, acceptance: RiskAcceptance) -> str:
    """The reason a person may not decide on an acceptance, or "" if they may."""
    if not (may_write(user) and user.is_committee_member):
        return "Only committee members decide on risk acceptances."
    if acceptance.risk.system.is_archived or acceptance.risk.is_archived:
        # Approving writes the risk's treatment: archived records are read-only.
        return "This risk or its system is archived: restore it before deciding."
    if acceptance.requested_by_id == user.pk:
        return "You cannot decide on an acceptance you requested."
    if is_owner_of_system(user, acceptance.risk.system):
        return "You cannot decide on an acceptance for a system you own."
    return ""


def can_decide_acceptance(user, acceptance: RiskAcceptance) -> bool:
    """A committee member decides, never on their own request nor on a system they own."""
    return not why_cannot_decide_acceptance(user, acceptance)


def can_edit_risk_matrix(user) -> bool:
    """Administrators change the risk matrix (auditors never write, whatever else they are)."""
    return may_write(user) and user.is_superuser


# --- Records in general ------------------------------------------------------------------------
def can_view_record(user, record) -> bool:
    """Read access to any team-owned record: a system, or anything that belongs to one."""
    from apps.systems.models import AISystem

    system = record if isinstance(record, AISystem) else record.system
    return can_read_team(user, system.team_id)


def can_edit_record(user, record) -> bool:
    """Write access to any team-owned record (archived ones are read-only)."""
    from apps.systems.models import AISystem

    if isinstance(record, AISystem):
        return can_edit_system(user, record)
    if getattr(record, "is_archived", False):
        return False
    return can_edit_system(user, record.system)


# --- Audit --------------------------------------------------------------------------------------
def can_view_audit_log(user) -> bool:
    """The global audit log spans every team, so only global readers open it."""
    return has_global_read(user)


# --- Reviews ------------------------------------------------------------------------------------
def visible_reviews(user):
    """Reviews of the systems the user may read."""
    from apps.reviews.models import Review

    if has_global_read(user):
        return Review.objects.all()
    return Review.objects.filter(system__team_id__in=list(team_roles(user)))


def can_submit_safety_plan(user, system: AISystem) -> bool:
    """The system's team submits its plan (and keeps its checklist); archived ones are read-only."""
    return can_edit_system(user, system)


def why_not_reviewer(candidate, system: AISystem, submitter_ids) -> str:
    """Why a person may not review this system's plan (four eyes), or "" if they may."""
    if not (candidate.is_active and candidate.is_committee_member and not candidate.is_auditor):
        return f"{candidate} is not a committee member."
    if candidate.pk in submitter_ids:
        return f"{candidate} submitted this plan and cannot review it."
    if is_owner_of_system(candidate, system):
        return f"{candidate} owns {system.reference} and cannot review its plan."
    return ""


def why_cannot_decide_review(user, review) -> str:
    """The reason a person may not decide on a review, or "" if they may."""
    if not (may_write(user) and user.is_committee_member):
        return "Only committee members decide on safety plans."
    if review.system.is_archived:
        # A decision moves the system's next review date: archived systems are read-only.
        return f"{review.system.reference} is archived: restore it before deciding on its plan."
    if not review.assignments.filter(reviewer=user).exists():
        return "Only the reviewers assigned to this plan decide on it."
    if review.submitted_by_id == user.pk or review.versions.filter(submitted_by=user).exists():
        return "You cannot decide on a plan you submitted."
    if is_owner_of_system(user, review.system):
        return "You cannot decide on the plan of a system you own."
    return ""


def can_decide_review(user, review) -> bool:
    """An assigned committee member decides, never on their own submission or system."""
    return not why_cannot_decide_review(user, review)


def can_assign_reviewers(user, review) -> bool:
    """The committee, administrators and the system's team ask more reviewers (not while the
    system is archived: it is read-only until restored)."""
    if not may_write(user) or review.system.is_archived:
        return False
    return (
        user.is_committee_member or user.is_superuser or can_write_team(user, review.system.team_id)
    )


# --- Incidents ----------------------------------------------------------------------------------
def visible_incidents(user):
    """Every incident of a system the user may read."""
    from apps.incidents.models import Incident

    if has_global_read(user):
        return Incident.objects.all()
    return Incident.objects.filter(system__team_id__in=list(team_roles(user)))


def can_view_incident(user, incident) -> bool:
    return can_read_team(user, incident.system.team_id)


def can_create_incident(user, system: AISystem) -> bool:
    """Incidents are logged on an active system by its team's contributors."""
    return can_edit_system(user, system)


def can_edit_incident(user, incident) -> bool:
    """The system's contributors (and administrators) edit its incidents; never auditors."""
    return can_edit_system(user, incident.system)


def can_log_incidents(user) -> bool:
    """Whether to offer “Log an incident” at all: a contributor of some team, or an admin."""
    return can_create_system(user)


# --- API ----------------------------------------------------------------------------------------
def can_manage_token(user, token) -> bool:
    """People list and revoke their own API tokens; administrators may revoke anyone's."""
    if not _is_active(user):
        return False
    return token.user_id == user.pk or user.is_superuser
