"""Writes to the AI system inventory: every create, edit, archive and derived-value refresh.

Each function checks its rules, writes inside one transaction, records who did it and why in
the system's history, and raises ``PermissionDenied`` or ``ValidationError`` with a clear message.
Pages and the API call these same functions.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DateField, ExpressionWrapper, F
from django.utils import timezone

from apps.accounts import permissions as roles
from apps.core.audit import save_with_history
from apps.core.concurrency import check_version
from apps.core.models import GovernanceSettings, Level
from apps.systems import hooks, permissions, selectors, versions
from apps.systems.models import AREAS_WITH_POINTS, AISystem, EUAIActTier

# Fields a person fills in; everything else on AISystem is derived or bookkeeping.
EDITABLE_FIELDS = [
    field.name
    for field in AISystem._meta.get_fields()
    if getattr(field, "editable", False)
    and not field.auto_created
    and field.concrete
    and field.name not in {"id"}
]


def derive_criticality(*, tier: str, highest_residual_level: int | None) -> Level:
    """Criticality follows the highest residual risk level and the EU AI Act tier.

    A prohibited system is always Critical; a high-risk one is at least High; otherwise the
    highest residual level of its risks decides (Low when it has none).
    """
    if tier == EUAIActTier.PROHIBITED:
        return Level.CRITICAL
    level = Level(highest_residual_level or Level.LOW)
    if tier == EUAIActTier.HIGH_RISK:
        level = max(level, Level.HIGH)
    return Level(level)


def next_review_due(last_approved: datetime.date | None, cadence_days: int) -> datetime.date | None:
    """The next review is due one cadence after the last approval (none before a first one)."""
    if last_approved is None:
        return None
    return last_approved + datetime.timedelta(days=cadence_days)


def apply_derived_fields(
    system: AISystem,
    *,
    highest_residual_level: int | None = None,
    governance: GovernanceSettings | None = None,
) -> None:
    """Set criticality, review cadence and next review date on ``system`` (not saved)."""
    governance = governance or GovernanceSettings.load()
    system.criticality = derive_criticality(
        tier=system.eu_ai_act_tier, highest_residual_level=highest_residual_level
    )
    system.review_cadence_days = governance.review_cadence_days(system.criticality)
    system.next_review_due = next_review_due(system.last_approved, system.review_cadence_days)
    system.in_service_since = in_service_since(system)


def in_service_since(system: AISystem) -> datetime.date | None:
    """The day the system's current spell in pilot or production began: kept while it stays
    in service (pilot → production included), today when it enters, none when it leaves."""
    if not system.is_in_service:
        return None
    return system.in_service_since or timezone.localdate()


OWNER_FIELDS = ("business_owner", "technical_owner")


def _validate(system: AISystem, *, check_owners=OWNER_FIELDS) -> None:
    """Every problem at once: the model's rules, and each owner in ``check_owners`` (those newly
    chosen) able to read the system (:func:`~apps.systems.permissions.why_cannot_own`)."""
    if system.eu_ai_act_tier != EUAIActTier.HIGH_RISK:
        system.eu_ai_act_area = ""
    if system.eu_ai_act_area not in AREAS_WITH_POINTS:
        system.annex_iii_point = ""
    owner_errors: dict[str, list] = {}
    for field in check_owners:
        owner = getattr(system, field) if getattr(system, f"{field}_id") else None
        refusal = permissions.why_cannot_own(owner, system.team) if system.team_id else ""
        if refusal:
            owner_errors[field] = [ValidationError(refusal, code="owner_cannot_read")]
    try:
        system.full_clean(exclude=["created_by", "archived_by"])
    except ValidationError as error:
        if owner_errors:
            raise ValidationError(error.update_error_dict(owner_errors)) from error
        raise
    if owner_errors:
        raise ValidationError(owner_errors)


def _attname(name: str) -> str:
    return AISystem._meta.get_field(name).attname


def _assign(system: AISystem, data: dict[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable fields of an AI system: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(system, name, value)


@transaction.atomic
def create_system(*, by, data: dict[str, Any], reason: str = "") -> AISystem:
    """Register a new AI system in one of the creator's teams."""
    system = AISystem(created_by=by)
    _assign(system, data)
    if system.team_id is None or not roles.can_write_team(by, system.team_id):
        raise PermissionDenied("You can only register systems for a team you contribute to.")
    apply_derived_fields(system)
    _validate(system)
    save_with_history(system, by=by, reason=reason or "Registered")
    hooks.facts_changed(systems=[system], changed=None, by=by, reason=reason or "Registered")
    return system


@transaction.atomic
def update_system(
    *,
    system: AISystem,
    by,
    data: dict[str, Any],
    reason: str = "",
    expected_version: int | None = None,
) -> AISystem:
    """Edit a system's inventory fields; moving it to another team needs rights on both.
    ``expected_version``: the version the editor read (see :mod:`apps.core.concurrency`)."""
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    if not permissions.can_edit_system(by, system):
        raise PermissionDenied("You cannot edit this system.")
    data = check_version(system, expected_version, data)
    before = {name: getattr(system, f"{name}_id") for name in ("team", *OWNER_FIELDS)}
    facts_before = {name: getattr(system, _attname(name)) for name in EDITABLE_FIELDS}
    _assign(system, data)
    moved = system.team_id != before["team"]
    if moved and not roles.can_write_team(by, system.team_id):
        raise PermissionDenied("You can only move a system to a team you contribute to.")
    apply_derived_fields(system, highest_residual_level=selectors.highest_residual_level(system))
    # An owner kept as they were is not asked again (someone who since left the team stays
    # until replaced); a new owner, or any owner of a system moving team, must read it.
    _validate(
        system,
        check_owners=[
            name for name in OWNER_FIELDS if moved or getattr(system, f"{name}_id") != before[name]
        ],
    )
    save_with_history(system, by=by, reason=reason or "Edited")
    changed = {
        name for name, value in facts_before.items() if getattr(system, _attname(name)) != value
    }
    hooks.facts_changed(systems=[system], changed=changed, by=by, reason=reason or "Edited")
    # A new version typed on the form of a system with an approved plan is a material change,
    # as if recorded with record_version (apps.systems.versions).
    versions.record_edited_versions(system, before=facts_before, by=by, reason=reason)
    return system


@transaction.atomic
def archive_system(*, system: AISystem, by, reason: str = "") -> AISystem:
    """Take a system out of the inventory without deleting anything."""
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    if not permissions.can_archive_system(by, system):
        raise PermissionDenied("You cannot archive this system.")
    if system.is_archived:
        raise ValidationError("This system is already archived.")
    system.archived_at = timezone.now()
    system.archived_by = by
    save_with_history(system, by=by, reason=reason or "Archived")
    return system


@transaction.atomic
def restore_system(*, system: AISystem, by, reason: str = "") -> AISystem:
    """Bring an archived system back into the inventory."""
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    if not permissions.can_archive_system(by, system):
        raise PermissionDenied("You cannot restore this system.")
    if not system.is_archived:
        raise ValidationError("This system is not archived.")
    system.archived_at = None
    system.archived_by = None
    _validate(system, check_owners=())
    save_with_history(system, by=by, reason=reason or "Restored from the archive")
    return system


def refresh_criticality(system: AISystem, *, by=None) -> AISystem:
    """Recompute criticality and cadence after its risks changed; saves only on a change.

    Called by the risk services inside their transaction, so the history records the change
    with the person whose risk edit caused it.
    """
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    before = (system.criticality, system.review_cadence_days, system.next_review_due)
    apply_derived_fields(system, highest_residual_level=selectors.highest_residual_level(system))
    if (system.criticality, system.review_cadence_days, system.next_review_due) != before:
        save_with_history(system, by=by, reason="Criticality recomputed after a risk changed")
    return system


@transaction.atomic
def recompute_review_cadences(governance: GovernanceSettings | None = None) -> int:
    """After an administrator changes the cadences: one UPDATE per criticality level.

    Set-based, so it takes the same few queries for ten systems or ten thousand. Returns the
    number of systems updated. (Bulk updates bypass per-row history; the change of the settings
    themselves is in the settings' history.)
    """
    governance = governance or GovernanceSettings.load()
    updated = 0
    for level in Level:
        days = governance.review_cadence_days(level)
        updated += AISystem.objects.filter(criticality=level).update(
            review_cadence_days=days,
            next_review_due=ExpressionWrapper(
                F("last_approved") + datetime.timedelta(days=days), output_field=DateField()
            ),
        )
    return updated


def record_plan_approval(
    system: AISystem, *, approved_on: datetime.date, by, reason: str
) -> AISystem:
    """The committee approved the system's safety plan: ``last_approved`` moves to that day and
    ``next_review_due`` one review cadence later. Called by the review service, in its
    transaction."""
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    system.last_approved = approved_on
    apply_derived_fields(system, highest_residual_level=selectors.highest_residual_level(system))
    save_with_history(system, by=by, reason=reason)
    return system
