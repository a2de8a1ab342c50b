"""Writes to the risk register: risks, the risk matrix, acceptances.

Every function checks its rules, writes in one transaction, leaves history with who and why, and
raises ``PermissionDenied`` / ``ValidationError`` with a message a person can act on. Pages, the
API and imports call these same functions.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    DateField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from apps.core import audit
from apps.core.concurrency import StateConflict, check_version
from apps.core.models import Level
from apps.reminders.events import committee_ids, notify
from apps.reminders.models import ReminderReason
from apps.risks import permissions
from apps.risks.models import (
    AcceptanceStatus,
    Risk,
    RiskAcceptance,
    RiskMatrix,
    RiskStatus,
    RiskTemplate,
    Treatment,
)
from apps.systems import permissions as system_permissions
from apps.systems import services as system_services
from apps.systems.models import AISystem, EUAIActTier

# Fields a person sets; scores, levels and dates are derived.
EDITABLE_FIELDS = [
    "title",
    "scenario",
    "category",
    "owner",
    "inherent_likelihood",
    "inherent_impact",
    "residual_likelihood",
    "residual_impact",
    "treatment",
    "status",
]
MAX_ACCEPTANCE_DAYS = 366


# --- Derived values -------------------------------------------------------------------------------
def apply_assessment(risk: Risk, matrix: RiskMatrix | None = None) -> None:
    """Scores, levels and the treatment deadline from the two assessments (not saved).

    The deadline runs from the day the inherent assessment last changed and its length comes
    from the inherent level: a Critical risk needs its plan within a week by default.
    """
    matrix = matrix or RiskMatrix.load()
    risk.inherent_score = risk.inherent_likelihood * risk.inherent_impact
    risk.residual_score = risk.residual_likelihood * risk.residual_impact
    risk.inherent_level = matrix.level_for(risk.inherent_score)
    risk.residual_level = matrix.level_for(risk.residual_score)
    risk.treatment_due = risk.assessed_on + datetime.timedelta(
        days=matrix.deadline_days(risk.inherent_level)
    )


def _level_case(score_field: str, matrix: RiskMatrix) -> Case:
    return Case(
        When(**{f"{score_field}__gte": matrix.critical_min_score}, then=Value(Level.CRITICAL)),
        When(**{f"{score_field}__gte": matrix.high_min_score}, then=Value(Level.HIGH)),
        When(**{f"{score_field}__gte": matrix.medium_min_score}, then=Value(Level.MEDIUM)),
        default=Value(Level.LOW),
        output_field=IntegerField(),
    )


@transaction.atomic
def apply_risk_matrix(matrix: RiskMatrix | None = None) -> int:
    """After the matrix changed: recompute every risk's levels and deadline, then every system's
    criticality and cadence, in a handful of set-based UPDATEs whatever the number of rows.

    Returns the number of risks updated. (Bulk updates bypass per-row history; the matrix
    change itself is in the matrix's history.)
    """
    matrix = matrix or RiskMatrix.load()
    updated = Risk.objects.update(
        inherent_level=_level_case("inherent_score", matrix),
        residual_level=_level_case("residual_score", matrix),
    )
    for level in Level:
        Risk.objects.filter(inherent_level=level).update(
            treatment_due=ExpressionWrapper(
                F("assessed_on") + datetime.timedelta(days=matrix.deadline_days(level)),
                output_field=DateField(),
            )
        )
    recompute_all_criticalities()
    return updated


@transaction.atomic
def change_risk_matrix(*, matrix: RiskMatrix, by, reason: str = "") -> int:
    """An administrator saves new bands or deadlines; every risk is re-levelled at once.

    Returns the number of risks re-levelled.
    """
    if not permissions.can_edit_risk_matrix(by):
        raise PermissionDenied("Only administrators change the risk matrix.")
    matrix.full_clean()
    audit.save_with_history(matrix, by=by, reason=reason or "Risk matrix changed")
    return apply_risk_matrix(matrix)


def recompute_all_criticalities() -> None:
    """Every system's criticality from its highest live residual level and its tier (set-based)."""
    highest = Coalesce(
        Subquery(
            Risk.objects.filter(system=OuterRef("pk"), archived_at__isnull=True)
            .exclude(status=RiskStatus.CLOSED)
            .values("system")
            .annotate(level=Max("residual_level"))
            .values("level")[:1],
            output_field=IntegerField(),
        ),
        Value(Level.LOW),
    )
    AISystem.objects.update(
        criticality=Case(
            When(eu_ai_act_tier=EUAIActTier.PROHIBITED, then=Value(Level.CRITICAL)),
            When(
                eu_ai_act_tier=EUAIActTier.HIGH_RISK,
                then=Greatest(highest, Value(Level.HIGH), output_field=IntegerField()),
            ),
            default=highest,
            output_field=IntegerField(),
        )
    )
    system_services.recompute_review_cadences()


# --- Risks ----------------------------------------------------------------------------------------
def _assign(risk: Risk, data: dict[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS) - {"framework_references"}
    if unknown:
        raise ValueError(f"Not editable fields of a risk: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        if name != "framework_references":
            setattr(risk, name, value)


def _validate(risk: Risk, *, check_owner: bool = False) -> None:
    """The model's rules and, with ``check_owner`` (a new owner), that the owner can read the
    risk (:func:`~apps.systems.permissions.why_cannot_own`): every problem at once."""
    refusal = ""
    if check_owner and risk.owner_id:
        refusal = system_permissions.why_cannot_own(risk.owner, risk.system.team)
    try:
        risk.full_clean(exclude=["created_by", "archived_by", "template"])
    except ValidationError as error:
        if refusal:
            raise ValidationError(error.update_error_dict({"owner": [refusal]})) from error
        raise
    if refusal:
        raise ValidationError({"owner": refusal})


def _save(risk: Risk, *, by, reason: str, references: Iterable | None = None) -> None:
    audit.save_with_history(risk, by=by, reason=reason)
    if references is not None:
        # simple-history records the m2m change as one more version, by the same person.
        wanted = {ref.pk for ref in references}
        current = set(risk.framework_references.values_list("pk", flat=True))
        if wanted != current:
            risk.framework_references.set(list(wanted))


@transaction.atomic
def create_risk(
    *,
    system: AISystem,
    by,
    data: dict[str, Any],
    reason: str = "",
    template: RiskTemplate | None = None,
) -> Risk:
    """Add a risk to a system; its scores, levels and deadline follow from the matrix."""
    if not permissions.can_create_risk(by, system):
        raise PermissionDenied("Only contributors of the system's team can add risks to it.")
    references = data.get("framework_references")
    risk = Risk(system=system, created_by=by, template=template)
    _assign(risk, data)
    risk.assessed_on = timezone.localdate()
    apply_assessment(risk)
    _validate(risk, check_owner=True)
    _save(risk, by=by, reason=reason or "Added", references=references)
    system_services.refresh_criticality(system, by=by)
    return risk


@transaction.atomic
def update_risk(
    *,
    risk: Risk,
    by,
    data: dict[str, Any],
    reason: str = "",
    expected_version: int | None = None,
) -> Risk:
    """Edit a risk; a new inherent assessment restarts its treatment deadline.
    ``expected_version``: the version the editor read (see :mod:`apps.core.concurrency`)."""
    risk = Risk.objects.select_for_update().select_related("system").get(pk=risk.pk)
    if not permissions.can_edit_risk(by, risk):
        raise PermissionDenied("You cannot edit this risk.")
    data = check_version(risk, expected_version, data)
    before = (risk.inherent_likelihood, risk.inherent_impact)
    owner_before = risk.owner_id
    references = data.get("framework_references")
    _assign(risk, data)
    if (risk.inherent_likelihood, risk.inherent_impact) != before:
        risk.assessed_on = timezone.localdate()
    apply_assessment(risk)
    # A new owner must read the risk; the current one stays until replaced.
    _validate(risk, check_owner=risk.owner_id != owner_before)
    _save(risk, by=by, reason=reason or "Edited", references=references)
    system_services.refresh_criticality(risk.system, by=by)
    return risk


@transaction.atomic
def archive_risk(*, risk: Risk, by, reason: str = "") -> Risk:
    risk = Risk.objects.select_for_update().select_related("system").get(pk=risk.pk)
    if not permissions.can_archive_risk(by, risk):
        raise PermissionDenied("You cannot archive this risk.")
    if risk.is_archived:
        raise ValidationError("This risk is already archived.")
    risk.archived_at = timezone.now()
    risk.archived_by = by
    _save(risk, by=by, reason=reason or "Archived")
    system_services.refresh_criticality(risk.system, by=by)
    return risk


@transaction.atomic
def restore_risk(*, risk: Risk, by, reason: str = "") -> Risk:
    risk = Risk.objects.select_for_update().select_related("system").get(pk=risk.pk)
    if not permissions.can_archive_risk(by, risk):
        raise PermissionDenied("You cannot restore this risk.")
    if not risk.is_archived:
        raise ValidationError("This risk is not archived.")
    risk.archived_at = None
    risk.archived_by = None
    _validate(risk)
    _save(risk, by=by, reason=reason or "Restored from the archive")
    system_services.refresh_criticality(risk.system, by=by)
    return risk


# --- Acceptances ----------------------------------------------------------------------------------
@transaction.atomic
def request_acceptance(
    *, risk: Risk, by, rationale: str, expires_on: datetime.date
) -> RiskAcceptance:
    """A contributor asks the committee to accept the risk as it is, until a date."""
    risk = Risk.objects.select_for_update().select_related("system").get(pk=risk.pk)
    if not permissions.can_edit_risk(by, risk):
        raise PermissionDenied("Only contributors of the system's team can request an acceptance.")
    errors = {}
    if not rationale.strip():
        errors["rationale"] = "Explain why this residual risk is acceptable."
    today = timezone.localdate()
    if expires_on <= today:
        errors["expires_on"] = "The expiry date must be in the future."
    elif expires_on > today + datetime.timedelta(days=MAX_ACCEPTANCE_DAYS):
        errors["expires_on"] = "An acceptance lasts at most a year; ask again when it expires."
    if errors:
        raise ValidationError(errors)
    live = [AcceptanceStatus.PENDING, AcceptanceStatus.APPROVED]
    if risk.acceptances.filter(status__in=live).exists():
        raise ValidationError("This risk already has an acceptance pending or in force.")
    acceptance = RiskAcceptance(
        risk=risk, rationale=rationale.strip(), expires_on=expires_on, requested_by=by
    )
    audit.save_with_history(acceptance, by=by, reason="Requested")
    system = risk.system
    notify(
        reason=ReminderReason.ACCEPTANCE_REQUESTED,
        record=acceptance,
        # The committee members who may decide on it (never the system's owners).
        recipients=committee_ids(excluding=[system.business_owner_id, system.technical_owner_id]),
        by=by,
        title=f"{acceptance.reference}: accepting {risk.reference} “{risk.title}” of {system} "
        f"until {expires_on:%d %b %Y} waits for the committee",
    )
    return acceptance


@transaction.atomic
def decide_acceptance(
    *, acceptance: RiskAcceptance, by, approve: bool, comment: str = ""
) -> RiskAcceptance:
    """A committee member approves or rejects; approval makes the risk accepted and treated."""
    acceptance = (
        RiskAcceptance.objects.select_for_update()
        .select_related("risk__system")
        .get(pk=acceptance.pk)
    )
    refusal = permissions.why_cannot_decide_acceptance(by, acceptance)
    if refusal:
        raise PermissionDenied(refusal)
    if acceptance.status != AcceptanceStatus.PENDING:
        raise StateConflict(
            f"This acceptance is already {acceptance.get_status_display().lower()}."
        )
    if not approve and not comment.strip():
        raise ValidationError({"comment": "Say why the acceptance is rejected."})
    acceptance.status = AcceptanceStatus.APPROVED if approve else AcceptanceStatus.REJECTED
    acceptance.decided_by = by
    acceptance.decided_at = timezone.now()
    acceptance.decision_comment = comment.strip()
    audit.save_with_history(acceptance, by=by, reason="Approved" if approve else "Rejected")
    notify(
        reason=ReminderReason.ACCEPTANCE_DECIDED,
        record=acceptance,
        recipients=[acceptance.requested_by_id],
        by=by,
        title=f"{acceptance.reference}: {by} {'approved' if approve else 'rejected'} accepting "
        f"{acceptance.risk.reference} “{acceptance.risk.title}”",
    )
    if approve:
        risk = acceptance.risk
        risk.treatment = Treatment.ACCEPT
        risk.status = RiskStatus.TREATED
        _save(
            risk,
            by=by,
            reason=f"Accepted until {acceptance.expires_on:%d %b %Y} ({acceptance.reference})",
        )
    return acceptance


@transaction.atomic
def withdraw_acceptance(*, acceptance: RiskAcceptance, by) -> RiskAcceptance:
    """The team takes back a request that the committee has not decided yet."""
    acceptance = (
        RiskAcceptance.objects.select_for_update()
        .select_related("risk__system")
        .get(pk=acceptance.pk)
    )
    if not permissions.can_edit_risk(by, acceptance.risk):
        raise PermissionDenied("You cannot withdraw this acceptance.")
    if acceptance.status != AcceptanceStatus.PENDING:
        raise ValidationError("Only a pending acceptance can be withdrawn.")
    acceptance.status = AcceptanceStatus.WITHDRAWN
    audit.save_with_history(acceptance, by=by, reason="Withdrawn")
    return acceptance


# Acceptances expired per batch: a few queries each, whatever the batch's size.
EXPIRY_BATCH_SIZE = 500


@transaction.atomic
def expire_acceptances(today: datetime.date | None = None) -> list[RiskAcceptance]:
    """Approved acceptances past their date expire and their risks are open again.

    Idempotent: an acceptance expires once. Run by the daily job; returns what expired. Each
    expiry and each risk re-opened gets its version in the history and its audit entry, as an
    edit does, written in bulk (:func:`apps.core.audit.bulk_save_with_history`): a fixed number
    of queries per batch of :data:`EXPIRY_BATCH_SIZE`, not per acceptance. Acceptances locked
    by another transaction (being decided right now) are left for the next run.
    """
    today = today or timezone.localdate()
    due = (
        RiskAcceptance.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=AcceptanceStatus.APPROVED, expires_on__lt=today)
        .select_related("risk")
        .order_by("pk")
    )
    expired: list[RiskAcceptance] = []
    last_pk = 0
    while batch := list(due.filter(pk__gt=last_pk)[:EXPIRY_BATCH_SIZE]):
        last_pk = batch[-1].pk
        _expire(batch)
        expired.extend(batch)
    return expired


def _expire(batch: list[RiskAcceptance]) -> None:
    audit.bulk_save_with_history(
        batch,
        {"status": AcceptanceStatus.EXPIRED},
        reason={a.pk: f"Expired on {a.expires_on:%d %b %Y}" for a in batch},
    )
    reopened = {
        a.risk_id: a
        for a in batch
        if a.risk.status == RiskStatus.TREATED and a.risk.treatment == Treatment.ACCEPT
    }
    # The risks as they are now, locked: not the copies read with the acceptances.
    risks = list(
        Risk.objects.select_for_update(of=("self",))
        .filter(pk__in=list(reopened), status=RiskStatus.TREATED, treatment=Treatment.ACCEPT)
        .order_by("pk")
    )
    audit.bulk_save_with_history(
        risks,
        {"status": RiskStatus.OPEN},
        reason={
            risk.pk: f"Acceptance {reopened[risk.pk].reference} expired: the risk is open again"
            for risk in risks
        },
    )
