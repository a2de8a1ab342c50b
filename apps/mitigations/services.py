"""Writes to mitigations: create, edit, link to risks, move through their statuses."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.concurrency import check_version
from apps.mitigations import permissions
from apps.mitigations.models import Mitigation
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


def _assign(mitigation: Mitigation, data: dict[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable fields of a mitigation: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(mitigation, name, value)
    if mitigation.status == MitigationStatus.VERIFIED and mitigation.last_verified_on is None:
        mitigation.last_verified_on = timezone.localdate()


def _save(mitigation: Mitigation, *, by, reason: str) -> None:
    mitigation.full_clean(exclude=["created_by", "system"])
    mitigation._history_user = by
    mitigation._change_reason = reason
    mitigation.save()


@transaction.atomic
def create_mitigation(
    *, system: AISystem, by, data: dict[str, Any], risks: Iterable = (), reason: str = ""
) -> Mitigation:
    """Plan a mitigation for a system, treating some of its risks."""
    if not system_permissions.can_edit_system(by, system):
        raise PermissionDenied("Only contributors of the system's team can plan its mitigations.")
    risks = _check_same_system(system, risks)
    mitigation = Mitigation(system=system, created_by=by)
    _assign(mitigation, data)
    _save(mitigation, by=by, reason=reason or "Planned")
    if risks:
        mitigation.risks.add(*risks)
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
    ``expected_version``: the version the editor read (see :mod:`apps.core.concurrency`)."""
    mitigation = (
        Mitigation.objects.select_for_update().select_related("system").get(pk=mitigation.pk)
    )
    if not permissions.can_edit_mitigation(by, mitigation):
        raise PermissionDenied("You cannot edit this mitigation.")
    check_version(mitigation, expected_version, data)
    _assign(mitigation, data)
    _save(mitigation, by=by, reason=reason or "Edited")
    if risks is not None:
        risks = _check_same_system(mitigation.system, risks)
        if {r.pk for r in risks} != set(mitigation.risks.values_list("pk", flat=True)):
            mitigation.risks.set(risks)
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
    return mitigation


@transaction.atomic
def unlink_risk(*, mitigation: Mitigation, risk, by) -> Mitigation:
    if not permissions.can_edit_mitigation(by, mitigation):
        raise PermissionDenied("You cannot change this mitigation.")
    mitigation._history_user = by
    mitigation._change_reason = f"Unlinked from {risk.reference}"
    mitigation.risks.remove(risk)
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
