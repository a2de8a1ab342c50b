"""Who may do what to obligations, exceptions and catalogues, built on the role helpers of
:mod:`apps.accounts.permissions` and on the systems' rules (an obligation belongs to a system).

* An obligation is read by whoever reads its system, and worked on (status, owner, due date,
  notes, links, evidence) by the system's contributors, the committee and administrators;
  viewers and auditors read only. An archived system's obligations are read-only.
* An exception for a blocking obligation is requested by those who may work on it and decided
  by a committee member who neither requested it nor owns the system (four eyes).
* Catalogues and key dates are the administrators'.

Registered with :mod:`apps.core.rules` (see :func:`register_rules`) for the generic views, the
evidence service and the API; pages, services and templates ask the functions directly.
"""

from __future__ import annotations

from apps.accounts.permissions import can_read_team, can_write_team, may_write
from apps.compliance.models import Obligation, ObligationException
from apps.core import rules
from apps.systems.models import AISystem
from apps.systems.permissions import is_owner_of_system


def can_view_obligation(user, obligation: Obligation) -> bool:
    return can_read_team(user, obligation.system.team_id)


def can_work_on_system_obligations(user, system: AISystem) -> bool:
    """The system's contributors, committee members and administrators; never an auditor."""
    if system.is_archived or not may_write(user):
        return False
    return user.is_committee_member or can_write_team(user, system.team_id)


def can_change_obligation(user, obligation: Obligation) -> bool:
    return can_work_on_system_obligations(user, obligation.system)


def why_cannot_change_obligation(user, obligation: Obligation) -> str:
    return why_cannot_work_on_obligations(user, obligation.system)


def why_cannot_work_on_obligations(user, system: AISystem) -> str:
    if can_work_on_system_obligations(user, system):
        return ""
    if system.is_archived:
        return f"{system.reference} is archived: its obligations are read-only."
    return (
        "Only the system's contributors, committee members and administrators work on its "
        "obligations."
    )


def why_cannot_decide_exception(user, exception: ObligationException) -> str:
    """The reason a person may not decide on an exception, or "" if they may."""
    system = exception.obligation.system
    if not (may_write(user) and user.is_committee_member):
        return "Only committee members decide on exceptions."
    if system.is_archived:
        return f"{system.reference} is archived: restore it before deciding."
    if exception.requested_by_id == user.pk:
        return "You cannot decide on an exception you requested."
    if is_owner_of_system(user, system):
        return "You cannot decide on an exception for a system you own."
    return ""


def can_decide_exception(user, exception: ObligationException) -> bool:
    return not why_cannot_decide_exception(user, exception)


def can_withdraw_exception(user, exception: ObligationException) -> bool:
    """Those who may work on the obligation may take back a request not yet decided."""
    return can_change_obligation(user, exception.obligation)


def can_manage_catalogues(user) -> bool:
    """Administrators import and retire catalogues and change key dates."""
    return may_write(user) and user.is_superuser


def register_rules() -> None:
    rules.register(
        Obligation,
        "view",
        rules.explained(can_view_obligation, "You cannot see this obligation."),
    )
    rules.register(Obligation, "change", why_cannot_change_obligation)
    rules.register(Obligation, "request_exception", why_cannot_change_obligation)
    rules.register(
        ObligationException,
        "view",
        rules.explained(
            lambda user, exception: can_view_obligation(user, exception.obligation),
            "You cannot see this exception.",
        ),
    )
    rules.register(ObligationException, "decide", why_cannot_decide_exception)
    rules.register(
        ObligationException,
        "withdraw",
        rules.explained(can_withdraw_exception, "You cannot withdraw this exception."),
    )
    rules.register(AISystem, "work_on_obligations", why_cannot_work_on_obligations)
    rules.register(
        None,
        "manage_catalogues",
        rules.explained(
            lambda user, _: can_manage_catalogues(user),
            "Only administrators manage the compliance catalogues and key dates.",
        ),
    )
