"""Who may do what to risks, acceptances and the risk matrix, built on the role helpers of
:mod:`apps.accounts.permissions` and on the systems' rules (a risk belongs to a system).

Registered with :mod:`apps.core.rules` (see :func:`register_rules`) for the generic views and the
API; pages, services and templates ask the functions directly.
"""

from __future__ import annotations

from apps.accounts.permissions import can_read_team, can_write_team, may_write
from apps.core import rules
from apps.risks.models import Risk, RiskAcceptance, RiskMatrix
from apps.systems.models import AISystem
from apps.systems.permissions import can_edit_system, is_owner_of_system, why_cannot_add_to_system


def can_view_risk(user, risk: Risk) -> bool:
    return can_read_team(user, risk.system.team_id)


def can_create_risk(user, system: AISystem) -> bool:
    """Risks are added to an active system by its team's contributors."""
    return can_edit_system(user, system)


def can_edit_risk(user, risk: Risk) -> bool:
    return not risk.is_archived and can_edit_system(user, risk.system)


def can_archive_risk(user, risk: Risk) -> bool:
    return not risk.system.is_archived and can_write_team(user, risk.system.team_id)


def why_cannot_edit_risk(user, risk: Risk) -> str:
    if can_edit_risk(user, risk):
        return ""
    return (
        "This risk is archived and read-only." if risk.is_archived else "You cannot edit this risk."
    )


def why_cannot_import_risks(user, system: AISystem) -> str:
    if can_create_risk(user, system):
        return ""
    if system.is_archived:
        return "This system is archived: restore it before importing risks."
    return "Only contributors of the system's team can import risks."


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


def can_withdraw_acceptance(user, acceptance: RiskAcceptance) -> bool:
    """The team that asked may take its request back."""
    return can_edit_risk(user, acceptance.risk)


def can_run_expiry(user) -> bool:
    """Committee members and administrators may expire past-date acceptances now (the daily
    job does it anyway)."""
    return may_write(user) and (user.is_committee_member or user.is_superuser)


def can_edit_risk_matrix(user) -> bool:
    """Administrators change the risk matrix (auditors never write, whatever else they are)."""
    return may_write(user) and user.is_superuser


def register_rules() -> None:
    rules.register(Risk, "view", rules.explained(can_view_risk, "You cannot see this risk."))
    rules.register(Risk, "change", why_cannot_edit_risk)
    rules.register(
        Risk,
        "archive",
        rules.explained(can_archive_risk, "You cannot archive or restore this risk."),
    )
    rules.register(
        Risk,
        "request_acceptance",
        rules.explained(can_edit_risk, "Only contributors of the system's team can request this."),
    )
    rules.register(
        AISystem,
        "add_risk",
        lambda user, system: why_cannot_add_to_system(user, system, what="risks"),
    )
    rules.register(AISystem, "import_risks", why_cannot_import_risks)
    rules.register(RiskAcceptance, "decide", why_cannot_decide_acceptance)
    rules.register(
        RiskAcceptance,
        "withdraw",
        rules.explained(can_withdraw_acceptance, "You cannot withdraw this acceptance."),
    )
    rules.register(
        None,
        "expire_acceptances",
        rules.explained(
            lambda user, _: can_run_expiry(user),
            "Committee members and administrators run the expiry.",
        ),
    )
    rules.register(
        RiskMatrix,
        "change",
        rules.explained(
            lambda user, _: can_edit_risk_matrix(user),
            "Only administrators change the risk matrix.",
        ),
    )
