"""Writes to mitigations: create, edit, link to risks, move through their statuses, delete.

Every rule of a mitigation's data is here, whichever way it comes in (the pages, the API, the
other apps' services): its owner can read the system's records, a verification is not in the
future, and the risks it treats are those of its own system. Each write also keeps the stored
coverage flag of the risks it touches (:mod:`apps.mitigations.coverage`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.audit import save_with_history
from apps.core.concurrency import check_version
from apps.core.validation import ErrorCollector
from apps.mitigations import permissions
from apps.mitigations.coverage import linked_risk_ids, refresh_risk_coverage
from apps.mitigations.models import Mitigation
from apps.reminders.events import notify
from apps.reminders.models import ReminderReason
from apps.risks.treatment import MitigationStatus
from apps.systems import permissions as system_permissions
from apps.systems.models import AISystem

EDITABLE_FIELDS = [
    "title",
    "description",
    "kind",
    "layer",
    "owner",
    "due_date",
    "status",
    "last_verified_on",
]


def verification_date(status: str, last_verified_on: datetime.date | None):
    """Marking it verified without a date means verified today (as the status buttons do)."""
    if status == MitigationStatus.VERIFIED and last_verified_on is None:
        return timezone.localdate()
    return last_verified_on


def _check_same_system(system: AISystem, risks: Iterable) -> list:
    risks = list(risks)
    foreign = [risk for risk in risks if risk.system_id != system.pk]
    if foreign:
        raise ValidationError(
            {
                "risks": "A mitigation treats risks of its own system only; "
                f"{', '.join(r.reference for r in foreign)} belong to another system."
            }
        )
    return risks


def _check_owner_and_dates(
    system: AISystem, data: dict[str, Any], *, current_owner_id: int | None = None
) -> None:
    """A new owner can read the system's records
    (:func:`~apps.systems.permissions.why_cannot_own`; the current one is kept as it is); a
    verification is not in the future."""
    errors = {}
    owner = data.get("owner")
    if owner is not None and owner.pk != current_owner_id:
        refusal = system_permissions.why_cannot_own(owner, system.team)
        if refusal:
            errors["owner"] = refusal
    verified = data.get("last_verified_on")
    if verified and verified > timezone.localdate():
        errors["last_verified_on"] = "A verification cannot be in the future."
    if errors:
        raise ValidationError(errors)


def _assign(mitigation: Mitigation, data: dict[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable fields of a mitigation: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(mitigation, name, value)
    mitigation.last_verified_on = verification_date(mitigation.status, mitigation.last_verified_on)


def tell_owner(mitigation: Mitigation, *, by) -> int:
    """The mitigation's owner is told it is theirs (unless they assigned it to themselves)."""
    due = f", due {mitigation.due_date:%d %b %Y}" if mitigation.due_date else ""
    return notify(
        reason=ReminderReason.MITIGATION_ASSIGNED,
        record=mitigation,
        recipients=[mitigation.owner_id],
        by=by,
        title=f"{mitigation.reference}: you own the mitigation “{mitigation.title}” of "
        f"{mitigation.system}{due}",
    )


def check_mitigation(
    *, system: AISystem, data: dict[str, Any], current_owner_id: int | None = None
) -> None:
    """The checks of a mitigation's ``data`` that need no write (its owner, its dates), raised
    together; the pages ask it while their form has other errors, to show every problem at
    once."""
    _check_owner_and_dates(system, data, current_owner_id=current_owner_id)


def _validate(mitigation: Mitigation) -> None:
    mitigation.full_clean(exclude=["created_by", "system"])


def _save(mitigation: Mitigation, *, by, reason: str, validated: bool = False) -> None:
    if not validated:
        _validate(mitigation)
    save_with_history(mitigation, by=by, reason=reason)


def _checked(
    mitigation: Mitigation, data: dict[str, Any], risks: Iterable | None, **owner_check
) -> list | None:
    """The mitigation with ``data`` assigned, validated with its owner, dates and risks: every
    problem at once, in one ValidationError. Returns the risks (checked) when given."""
    errors = ErrorCollector()
    with errors.check():
        _check_owner_and_dates(mitigation.system, data, **owner_check)
    if risks is not None:
        with errors.check():
            risks = _check_same_system(mitigation.system, risks)
    _assign(mitigation, data)
    with errors.check():
        _validate(mitigation)
    errors.raise_if_any()
    return risks


@transaction.atomic
def create_mitigation(
    *, system: AISystem, by, data: dict[str, Any], risks: Iterable = (), reason: str = ""
) -> Mitigation:
    """Plan a mitigation for a system, treating some of its risks."""
    if not permissions.can_plan_mitigations(by, system):
        raise PermissionDenied("Only contributors of the system's team can plan its mitigations.")
    mitigation = Mitigation(system=system, created_by=by)
    risks = _checked(mitigation, data, risks)
    _save(mitigation, by=by, reason=reason or "Planned", validated=True)
    tell_owner(mitigation, by=by)
    if risks:
        mitigation.risks.add(*risks)
        if mitigation.is_in_place:
            refresh_risk_coverage(risk.pk for risk in risks)
    return mitigation


@transaction.atomic
def update_mitigation(
    *,
    mitigation: Mitigation,
    by,
    data: dict[str, Any],
    risks: Iterable | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Mitigation:
    """Edit a mitigation; ``risks`` replace the linked ones when given.
    ``expected_version``: the version the editor read (see :mod:`apps.core.concurrency`).

    The coverage of a risk changes when its link does, and, for all the mitigation's risks, when
    the mitigation goes in or out of place: only those risks are refreshed.
    """
    mitigation = (
        Mitigation.objects.select_for_update()
        .select_related("system", "system__team")
        .get(pk=mitigation.pk)
    )
    if not permissions.can_edit_mitigation(by, mitigation):
        raise PermissionDenied("You cannot edit this mitigation.")
    data = check_version(mitigation, expected_version, data)
    was_in_place, owner_before = mitigation.is_in_place, mitigation.owner_id
    risks = _checked(mitigation, data, risks, current_owner_id=mitigation.owner_id)
    _save(mitigation, by=by, reason=reason or "Edited", validated=True)
    if mitigation.owner_id != owner_before:
        tell_owner(mitigation, by=by)
    touched: set[int] = set()
    if risks is not None:
        before, after = linked_risk_ids(mitigation), {r.pk for r in risks}
        if after != before:
            mitigation.risks.set(risks)
            touched |= before ^ after
    if mitigation.is_in_place != was_in_place:
        touched |= linked_risk_ids(mitigation)
    refresh_risk_coverage(touched)
    return mitigation


@transaction.atomic
def link_risk(*, mitigation: Mitigation, risk, by) -> Mitigation:
    """Let an existing mitigation treat one more risk of the same system."""
    if not permissions.can_edit_mitigation(by, mitigation):
        raise PermissionDenied("You cannot change this mitigation.")
    _check_same_system(mitigation.system, [risk])
    if mitigation.risks.filter(pk=risk.pk).exists():
        raise ValidationError(f"{mitigation.reference} already treats {risk.reference}.")
    mitigation._history_user = by
    mitigation._change_reason = f"Linked to {risk.reference}"
    mitigation.risks.add(risk)
    refresh_risk_coverage([risk.pk])
    return mitigation


@transaction.atomic
def unlink_risk(*, mitigation: Mitigation, risk, by) -> Mitigation:
    if not permissions.can_edit_mitigation(by, mitigation):
        raise PermissionDenied("You cannot change this mitigation.")
    mitigation._history_user = by
    mitigation._change_reason = f"Unlinked from {risk.reference}"
    mitigation.risks.remove(risk)
    refresh_risk_coverage([risk.pk])
    return mitigation


@transaction.atomic
def set_status(
    *, mitigation: Mitigation, by, status: str, verified_on: datetime.date | None = None
) -> Mitigation:
    """Move a mitigation along (planned → in progress → implemented → verified → retired)."""
    if status not in MitigationStatus.values:
        raise ValidationError({"status": f"Unknown status “{status}”."})
    data: dict[str, Any] = {"status": status}
    if status == MitigationStatus.VERIFIED:
        data["last_verified_on"] = verified_on or timezone.localdate()
    label = MitigationStatus(status).label.lower()
    return update_mitigation(mitigation=mitigation, by=by, data=data, reason=f"Marked {label}")


@transaction.atomic
def delete_mitigation(*, mitigation: Mitigation, by) -> None:
    """Delete a mitigation: an administrator's fix in the administration (teams retire theirs,
    which keeps the record). The risks it treated lose its coverage."""
    if not by.has_perm("mitigations.delete_mitigation"):
        raise PermissionDenied("You cannot delete mitigations.")
    risk_ids = linked_risk_ids(mitigation)
    mitigation._history_user = by
    mitigation.delete()
    refresh_risk_coverage(risk_ids)
