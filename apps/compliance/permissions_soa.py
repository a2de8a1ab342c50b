"""Who may read, edit, submit and decide the Statement of Applicability.

The Statement of Applicability is the organisation's, and names mitigations of every team: it
is read by those who read every team's records (committee members, auditors, administrators),
edited and submitted by committee members and administrators, and decided by a committee
member who did not submit it (four eyes). Auditors never write.
"""

from __future__ import annotations

from apps.accounts.permissions import has_global_read, may_write
from apps.compliance.models_soa import SoAVersion
from apps.core import rules

READERS_ONLY = (
    "The Statement of Applicability is the organisation's: committee members, auditors and "
    "administrators read it."
)
EDITORS_ONLY = "Committee members and administrators keep the Statement of Applicability."


def can_view_soa(user) -> bool:
    return has_global_read(user)


def can_edit_soa(user) -> bool:
    """Committee members and administrators edit the draft and submit it."""
    return may_write(user) and (user.is_committee_member or user.is_superuser)


def why_cannot_decide_soa(user, version: SoAVersion) -> str:
    if not (may_write(user) and user.is_committee_member):
        return "Only committee members decide on the Statement of Applicability."
    if not version.is_pending:
        return f"Version {version.number} is already {version.get_status_display().lower()}."
    if version.submitted_by_id == user.pk:
        return "You submitted this version: another committee member decides on it."
    return ""


def why_cannot_withdraw_soa(user, version: SoAVersion) -> str:
    if not can_edit_soa(user):
        return EDITORS_ONLY
    if not version.is_pending:
        return f"Version {version.number} is already {version.get_status_display().lower()}."
    if version.submitted_by_id != user.pk and not user.is_superuser:
        return "Only who submitted it (or an administrator) withdraws a version."
    return ""


def register_rules() -> None:
    rules.register(None, "view_soa", rules.explained(lambda u, _: can_view_soa(u), READERS_ONLY))
    rules.register(None, "edit_soa", rules.explained(lambda u, _: can_edit_soa(u), EDITORS_ONLY))
    rules.register(
        SoAVersion,
        "view",
        rules.explained(lambda user, _: can_view_soa(user), READERS_ONLY),
    )
    rules.register(SoAVersion, "decide", why_cannot_decide_soa)
    rules.register(SoAVersion, "withdraw", why_cannot_withdraw_soa)
