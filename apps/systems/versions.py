"""Material changes: the writes of a system's new model, training data, code or configuration
versions (:class:`~apps.systems.models.SystemVersion`).

Recording a new version sets the system's version field, records the change as pending — the
approved safety plan is stale for it — and tells the system's owners that a change review is
owed. The version then waits for one of two things:

* a review of the safety plan frozen after it was recorded is approved: the review service
  calls :func:`approve_pending_versions` in its transaction;
* the committee waives the review, saying why (:func:`waive_version`).

Until then the deployment gate (:mod:`apps.systems.gate`, the reviews app's check) refuses the
version. The services of this module check their rules, write in one transaction and leave
history with who and why, like every service.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.audit import save_with_history
from apps.core.validation import ErrorCollector
from apps.reminders.events import notify
from apps.reminders.models import ReminderReason
from apps.systems import hooks, permissions
from apps.systems.models import (
    VERSION_FIELDS,
    AISystem,
    SystemVersion,
    VersionKind,
    VersionStatus,
)

CHANGE_REVIEW_OWED = ReminderReason.CHANGE_REVIEW_OWED

MAX_VALUE_LENGTH = SystemVersion._meta.get_field("value").max_length


def check_new_version(*, system: AISystem, kind: str, value: str) -> None:
    """The checks of a new version that need no write, raised together: a known kind, a value,
    and one that is not already the system's current version of that kind."""
    errors = ErrorCollector()
    value = (value or "").strip()
    if kind not in VersionKind.values:
        errors.add(
            "Choose what the new version is of: model, training data, code or configuration.",
            field="kind",
        )
    if not value:
        errors.add("Give the new version as the deployment pipeline names it.", field="value")
    elif len(value) > MAX_VALUE_LENGTH:
        errors.add(f"Keep the version to {MAX_VALUE_LENGTH} characters.", field="value")
    elif kind in VersionKind.values and getattr(system, VERSION_FIELDS[kind]) == value:
        label = VersionKind(kind).label.lower()
        errors.add(
            f"“{value}” is already the {label} version of {system.reference}.", field="value"
        )
    errors.raise_if_any()


def _tell_owners(record: SystemVersion, *, by) -> int:
    system = record.system
    return notify(
        reason=CHANGE_REVIEW_OWED,
        record=record,
        recipients=[system.business_owner_id, system.technical_owner_id],
        by=by,
        title=f"{system.reference}: new {record.get_kind_display().lower()} version "
        f"“{record.value}” ({record.reference}) — the approved safety plan is stale for it: "
        "submit a change review",
    )


def _record(system: AISystem, *, kind: str, value: str, previous: str, note: str, by):
    record = SystemVersion(
        system=system,
        kind=kind,
        value=value,
        previous_value=previous,
        note=note.strip(),
        recorded_by=by,
    )
    save_with_history(record, by=by, reason="Recorded: a change review is owed")
    _tell_owners(record, by=by)
    return record


@transaction.atomic
def record_version(*, system: AISystem, by, kind: str, value: str, note: str = "") -> SystemVersion:
    """Record a new ``kind`` version of ``system`` (a material change): the system's version
    field takes it, and the change waits for a change review (or the committee's waiver)."""
    system = AISystem.objects.select_for_update().select_related("team").get(pk=system.pk)
    refusal = permissions.why_cannot_record_version(by, system)
    if refusal:
        raise PermissionDenied(refusal)
    value = (value or "").strip()
    check_new_version(system=system, kind=kind, value=value)
    field = VERSION_FIELDS[kind]
    previous = getattr(system, field)
    record = _record(system, kind=kind, value=value, previous=previous, note=note, by=by)
    setattr(system, field, value)
    reason = f"New {VersionKind(kind).label.lower()} version recorded ({record.reference})"
    save_with_history(system, by=by, reason=reason)
    # The apps that derive things from a system's facts hear of it as of an edit of the field.
    hooks.facts_changed(systems=[system], changed={field}, by=by, reason=reason)
    return record


def record_edited_versions(system: AISystem, *, before: dict[str, Any], by, reason: str) -> list:
    """Called by :func:`apps.systems.services.update_system` after saving: each version field
    the form changed, on a system whose plan was approved, is recorded as a material change
    (before a first approval there is no approved plan to become stale)."""
    if system.last_approved is None:
        return []
    records = []
    for kind, field in VERSION_FIELDS.items():
        value, previous = getattr(system, field), before.get(field, "")
        if value and value != previous:
            records.append(
                _record(
                    system,
                    kind=kind,
                    value=value,
                    previous=previous or "",
                    note=reason or "Changed on the system's form.",
                    by=by,
                )
            )
    return records


@transaction.atomic
def waive_version(*, version: SystemVersion, by, reason: str) -> SystemVersion:
    """The committee decides that a recorded change needs no change review (saying why): the
    gate lets the version through."""
    version = (
        SystemVersion.objects.select_for_update(of=("self",))
        .select_related("system")
        .get(pk=version.pk)
    )
    refusal = permissions.why_cannot_waive_version(by, version)
    if refusal:
        raise PermissionDenied(refusal)
    if not version.is_pending:
        raise ValidationError(
            f"{version.reference} is already {version.get_status_display().lower()}."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this change needs no change review."})
    version.status = VersionStatus.WAIVED
    version.decided_by, version.decided_at, version.decision_note = by, timezone.now(), reason
    version.full_clean(exclude=["system", "recorded_by", "decided_by"])
    save_with_history(version, by=by, reason=f"Change review waived: {reason}"[:255])
    return version


def approve_pending_versions(
    system: AISystem, *, recorded_before: datetime.datetime, by, note: str
) -> list[SystemVersion]:
    """A review of the safety plan frozen at ``recorded_before`` is approved: every change of
    ``system`` still pending that was recorded by then is approved with it. Called by the
    review service inside its transaction; returns the versions approved."""
    pending = list(
        SystemVersion.objects.select_for_update()
        .filter(system=system, status=VersionStatus.PENDING, recorded_at__lte=recorded_before)
        .order_by("recorded_at", "pk")
    )
    now = timezone.now()
    for version in pending:
        version.status = VersionStatus.APPROVED
        version.decided_by, version.decided_at, version.decision_note = by, now, note
        save_with_history(version, by=by, reason=note[:255])
    return pending
