"""Writes to compliance: working on obligations, exceptions for blocking ones, key dates and
catalogues.

Every function checks its rules, writes in one transaction, leaves history with who and why,
and raises ``PermissionDenied`` / ``ValidationError`` with a message a person can act on (all
of a request's problems at once, :class:`~apps.core.validation.ErrorCollector`). Pages, the API
and the administration call these same functions. Which obligations exist is not written here
but derived (:func:`apps.compliance.applicability.recompute_obligations`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.compliance import bulk, loader, permissions
from apps.compliance.applicability import APP_MODELS, Outcome, recompute_obligations
from apps.compliance.bulk import short_reason
from apps.compliance.models import (
    AcceptanceStatus,
    Catalogue,
    KeyDate,
    Obligation,
    ObligationException,
    ObligationStatus,
)
from apps.core.audit import save_with_history
from apps.core.concurrency import StateConflict, check_version
from apps.core.validation import ErrorCollector
from apps.systems import permissions as system_permissions

# What people write on an obligation; the rest is derived.
EDITABLE_FIELDS = ["status", "justification", "owner", "custom_due_date", "notes"]
# An exception lasts at most this long; the committee looks again when it expires.
MAX_EXCEPTION_DAYS = 365


# --- Obligations --------------------------------------------------------------------------------
def _locked(obligation: Obligation) -> Obligation:
    return (
        Obligation.objects.select_for_update(of=("self",))
        .select_related("system", "system__team", "requirement")
        .get(pk=obligation.pk)
    )


def _check_data(obligation: Obligation, data: dict[str, Any]) -> None:
    """The rules of an obligation's values, every problem at once."""
    errors = ErrorCollector()
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable fields of an obligation: {', '.join(sorted(unknown))}")
    if "status" in data and data["status"] not in ObligationStatus.values:
        errors.add(f"Unknown status “{data['status']}”.", "status")
    owner = data.get("owner")
    if owner is not None and owner.pk != obligation.owner_id:
        refusal = system_permissions.why_cannot_own(owner, obligation.system.team)
        if refusal:
            errors.add(refusal, "owner")
    status = data.get("status", obligation.status)
    justification = data.get("justification", obligation.justification) or ""
    if status == ObligationStatus.NOT_APPLICABLE and not justification.strip():
        errors.add(
            "Say why this obligation does not apply to the system (the justification is kept "
            "with its history).",
            "justification",
        )
    errors.raise_if_any()


def check_obligation(*, obligation: Obligation, data: dict[str, Any]) -> None:
    """The checks of ``data`` for ``obligation`` that need no write, raised together; the pages
    ask it while their form has other errors, to show every problem at once."""
    _check_data(obligation, data)


def _links_of_system(obligation: Obligation, records: Iterable, what: str) -> list:
    records = list(records)
    foreign = [r for r in records if r.system_id != obligation.system_id]
    if foreign:
        raise ValidationError(
            {
                what: f"An obligation links {what} of its own system only; "
                f"{', '.join(r.reference for r in foreign)} belong to another system."
            }
        )
    return records


@transaction.atomic
def update_obligation(
    *,
    obligation: Obligation,
    by,
    data: dict[str, Any],
    mitigations: Iterable | None = None,
    risks: Iterable | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Obligation:
    """Work on an obligation: its status (“not applicable” needs a justification), owner
    (someone who can read the system), due date (empty: the key date's), notes; ``mitigations``
    and ``risks`` (of its system) replace the linked ones when given. ``expected_version``: the
    version the editor read (:mod:`apps.core.concurrency`)."""
    obligation = _locked(obligation)
    refusal = permissions.why_cannot_change_obligation(by, obligation)
    if refusal:
        raise PermissionDenied(refusal)
    data = check_version(obligation, expected_version, data)
    errors = ErrorCollector()
    with errors.check():
        _check_data(obligation, data)
    if mitigations is not None:
        with errors.check():
            mitigations = _links_of_system(obligation, mitigations, "mitigations")
    if risks is not None:
        with errors.check():
            risks = _links_of_system(obligation, risks, "risks")
    errors.raise_if_any()
    for name, value in data.items():
        setattr(obligation, name, value)
    obligation.justification = (obligation.justification or "").strip()
    obligation.due_date = obligation.custom_due_date or (
        obligation.key_date.date if obligation.key_date_id else None
    )
    obligation.full_clean(exclude=["system", "requirement", "why", "triggered_by"])
    save_with_history(obligation, by=by, reason=short_reason(reason or "Edited"))
    if mitigations is not None:
        obligation.mitigations.set(mitigations)
    if risks is not None:
        obligation.risks.set(risks)
    return obligation


def set_status(
    *,
    obligation: Obligation,
    by,
    status: str,
    justification: str = "",
    reason: str = "",
    expected_version: int | None = None,
) -> Obligation:
    """Move one obligation to ``status``; “not applicable” needs ``justification``."""
    data: dict[str, Any] = {"status": status}
    if justification or status == ObligationStatus.NOT_APPLICABLE:
        data["justification"] = justification
    label = ObligationStatus(status).label.lower() if status in ObligationStatus.values else status
    return update_obligation(
        obligation=obligation,
        by=by,
        data=data,
        reason=reason or f"Marked {label}",
        expected_version=expected_version,
    )


@transaction.atomic
def bulk_set_status(
    *, obligations: Iterable, by, status: str, reason: str, justification: str = ""
) -> int:
    """Move several obligations to ``status`` at once, with a ``reason`` (required) that each
    one's history keeps; “not applicable” needs ``justification``. All or nothing: one the
    person may not change refuses the whole change. A fixed number of queries whatever their
    number. Returns how many changed."""
    errors = ErrorCollector()
    if status not in ObligationStatus.values:
        errors.add(f"Unknown status “{status}”.", "status")
    if not reason.strip():
        errors.add("Say why these obligations change status.", "reason")
    if status == ObligationStatus.NOT_APPLICABLE and not justification.strip():
        errors.add("Say why these obligations do not apply.", "justification")
    errors.raise_if_any()
    pks = sorted({getattr(o, "pk", o) for o in obligations})
    locked = list(
        Obligation.objects.select_for_update(of=("self",))
        .filter(pk__in=pks)
        .select_related("system", "requirement")
        .order_by("pk")
    )
    if len(locked) != len(pks):
        raise ValidationError("Some of these obligations no longer exist.")
    refused = [o for o in locked if not permissions.can_change_obligation(by, o)]
    if refused:
        raise PermissionDenied(
            f"You cannot change {', '.join(o.reference for o in refused[:10])}"
            f"{' and more' if len(refused) > 10 else ''}: nothing was changed."
        )
    new = {"status": status}
    if status == ObligationStatus.NOT_APPLICABLE:
        new["justification"] = justification.strip()
    changes = {
        o.pk: new for o in locked if any(getattr(o, name) != value for name, value in new.items())
    }
    bulk.save_with_history(locked, changes, by=by, reasons={pk: reason.strip() for pk in changes})
    return len(changes)


def _check_can_change(obligation: Obligation, by) -> None:
    refusal = permissions.why_cannot_change_obligation(by, obligation)
    if refusal:
        raise PermissionDenied(refusal)


def _relink(obligation: Obligation, *, by, field: str, record, add: bool) -> Obligation:
    obligation = _locked(obligation)
    _check_can_change(obligation, by)
    _links_of_system(obligation, [record], field)
    links = getattr(obligation, field)
    linked = links.filter(pk=record.pk).exists()
    if add and linked:
        raise ValidationError(f"{obligation.reference} already links {record.reference}.")
    if not add and not linked:
        raise ValidationError(f"{obligation.reference} does not link {record.reference}.")
    obligation._history_user = by
    obligation._change_reason = f"{'Linked to' if add else 'Unlinked from'} {record.reference}"
    if add:
        links.add(record)
    else:
        links.remove(record)
    return obligation


@transaction.atomic
def link_mitigation(*, obligation: Obligation, mitigation, by) -> Obligation:
    """A mitigation of the same system addresses the obligation (one control may serve the
    obligations of several frameworks)."""
    return _relink(obligation, by=by, field="mitigations", record=mitigation, add=True)


@transaction.atomic
def unlink_mitigation(*, obligation: Obligation, mitigation, by) -> Obligation:
    return _relink(obligation, by=by, field="mitigations", record=mitigation, add=False)


@transaction.atomic
def link_risk(*, obligation: Obligation, risk, by) -> Obligation:
    """A risk of the same system is what the obligation is about (or what breaking it risks)."""
    return _relink(obligation, by=by, field="risks", record=risk, add=True)


@transaction.atomic
def unlink_risk(*, obligation: Obligation, risk, by) -> Obligation:
    return _relink(obligation, by=by, field="risks", record=risk, add=False)


# --- Exceptions for blocking obligations ----------------------------------------------------------
@transaction.atomic
def request_exception(
    *, obligation: Obligation, by, reason: str, expires_on: datetime.date
) -> ObligationException:
    """The team asks the committee to let the system go ahead before a blocking obligation is
    met, until ``expires_on`` (at most a year)."""
    obligation = _locked(obligation)
    _check_can_change(obligation, by)
    errors = ErrorCollector()
    if not obligation.requirement.is_blocking:
        errors.add(
            f"{obligation.requirement.identifier} does not block a deployment: no exception is "
            "needed."
        )
    elif not obligation.applies:
        errors.add("This obligation no longer applies: no exception is needed.")
    elif obligation.is_met or obligation.status == ObligationStatus.NOT_APPLICABLE:
        errors.add("This obligation is met: no exception is needed.")
    if not reason.strip():
        errors.add("Explain why the system may go ahead before it is met.", "reason")
    today = timezone.localdate()
    if expires_on is None or expires_on <= today:
        errors.add("The expiry date must be in the future.", "expires_on")
    elif expires_on > today + datetime.timedelta(days=MAX_EXCEPTION_DAYS):
        errors.add("An exception lasts at most a year; ask again when it expires.", "expires_on")
    errors.raise_if_any()
    if obligation.exceptions.filter(
        status__in=[AcceptanceStatus.PENDING, AcceptanceStatus.APPROVED]
    ).exists():
        raise ValidationError("This obligation already has an exception pending or in force.")
    exception = ObligationException(
        obligation=obligation, reason=reason.strip(), expires_on=expires_on, requested_by=by
    )
    save_with_history(exception, by=by, reason="Requested")
    return exception


def _locked_exception(exception: ObligationException) -> ObligationException:
    return (
        ObligationException.objects.select_for_update(of=("self",))
        .select_related("obligation", "obligation__system", "obligation__requirement")
        .get(pk=exception.pk)
    )


@transaction.atomic
def decide_exception(
    *, exception: ObligationException, by, approve: bool, comment: str = ""
) -> ObligationException:
    """A committee member approves or rejects (four eyes: not the requester, not an owner)."""
    exception = _locked_exception(exception)
    refusal = permissions.why_cannot_decide_exception(by, exception)
    if refusal:
        raise PermissionDenied(refusal)
    if exception.status != AcceptanceStatus.PENDING:
        raise StateConflict(f"This exception is already {exception.get_status_display().lower()}.")
    if not approve and not comment.strip():
        raise ValidationError({"comment": "Say why the exception is rejected."})
    exception.status = AcceptanceStatus.APPROVED if approve else AcceptanceStatus.REJECTED
    exception.decided_by = by
    exception.decided_at = timezone.now()
    exception.decision_comment = comment.strip()
    save_with_history(exception, by=by, reason="Approved" if approve else "Rejected")
    return exception


@transaction.atomic
def withdraw_exception(*, exception: ObligationException, by) -> ObligationException:
    """The team takes back a request the committee has not decided yet."""
    exception = _locked_exception(exception)
    if not permissions.can_withdraw_exception(by, exception):
        raise PermissionDenied("You cannot withdraw this exception.")
    if exception.status != AcceptanceStatus.PENDING:
        raise StateConflict("Only a pending exception can be withdrawn.")
    exception.status = AcceptanceStatus.WITHDRAWN
    save_with_history(exception, by=by, reason="Withdrawn")
    return exception


@transaction.atomic
def expire_exceptions(today: datetime.date | None = None) -> int:
    """Approved exceptions past their date expire (idempotent; the daily sweep's housekeeping).
    A fixed number of queries whatever their number. Returns how many expired."""
    today = today or timezone.localdate()
    due = list(
        ObligationException.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=AcceptanceStatus.APPROVED, expires_on__lt=today)
        .select_related("obligation__requirement", "obligation__system")
        .order_by("pk")
    )
    bulk.save_with_history(
        due,
        {e.pk: {"status": AcceptanceStatus.EXPIRED} for e in due},
        by=None,
        reasons={e.pk: f"Expired on {e.expires_on:%d %b %Y}" for e in due},
    )
    return len(due)


# --- Key dates ---------------------------------------------------------------------------------
KEY_DATE_FIELDS = ["label", "date", "source_note", "conditions", "supersedes"]


@transaction.atomic
def update_key_date(
    *,
    key_date: KeyDate,
    by,
    data: dict[str, Any],
    requirements: Iterable | None = None,
    reason: str = "",
) -> KeyDate:
    """An administrator changes a key date (its date, label, source, the systems it concerns,
    the date it supersedes, or — ``requirements`` — what it sets the due date of); the due
    dates of the obligations it concerned or now concerns follow, with history."""
    from apps.compliance.facts import condition_errors

    if not permissions.can_manage_catalogues(by):
        raise PermissionDenied("Only administrators change key dates.")
    key_date = KeyDate.objects.select_for_update().get(pk=key_date.pk)
    unknown = set(data) - set(KEY_DATE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable fields of a key date: {', '.join(sorted(unknown))}")
    errors = ErrorCollector()
    if "conditions" in data:
        for message in condition_errors(data["conditions"]):
            errors.add(message, "conditions")
    supersedes = data.get("supersedes")
    if supersedes is not None and supersedes.pk == key_date.pk:
        errors.add("A key date cannot supersede itself.", "supersedes")
    if "source_note" in data and not (data["source_note"] or "").strip():
        errors.add("Say where the date comes from.", "source_note")
    errors.raise_if_any()
    before = set(key_date.requirements.values_list("pk", flat=True))
    for name, value in data.items():
        setattr(key_date, name, value)
    key_date.full_clean(exclude=["requirements"])
    save_with_history(key_date, by=by, reason=short_reason(reason or "Edited"))
    after = before
    if requirements is not None:
        after = {r.pk for r in requirements}
        key_date.requirements.set(after)
    refresh_due_dates(
        requirement_ids=before | after, by=by, reason=f"Key date “{key_date.label}” changed"
    )
    return key_date


def refresh_due_dates(*, requirement_ids: Iterable[int] | None = None, by, reason: str) -> Outcome:
    """Recompute the systems that have obligations for ``requirement_ids`` (``None``: all)."""
    obligations = Obligation.objects.all()
    if requirement_ids is not None:
        obligations = obligations.filter(requirement_id__in=list(requirement_ids))
    systems = obligations.values("system_id").distinct()
    return recompute_obligations(
        systems=[row["system_id"] for row in systems], by=by, reason=reason
    )


# --- Catalogues --------------------------------------------------------------------------------
@transaction.atomic
def retire_catalogue(*, catalogue: Catalogue, by, reason: str = "") -> Catalogue:
    """Take a catalogue version out of force, keeping it, its requirements and history: its
    obligations are marked no longer applicable (with the reason)."""
    if not permissions.can_manage_catalogues(by):
        raise PermissionDenied("Only administrators retire catalogues.")
    catalogue = Catalogue.objects.select_for_update().get(pk=catalogue.pk)
    if catalogue.is_retired:
        raise StateConflict("This catalogue version is already retired.")
    catalogue.retired_at = timezone.now()
    catalogue.retired_by = by
    why = reason.strip() or "Retired"
    save_with_history(catalogue, by=by, reason=short_reason(why))
    systems = (
        Obligation.objects.filter(requirement__catalogue=catalogue)
        .values_list("system_id", flat=True)
        .distinct()
    )
    recompute_obligations(
        systems=list(systems), by=by, reason=f"Catalogue {catalogue} retired: {why}"
    )
    return catalogue


@transaction.atomic
def load_shipped_catalogues(*, by=None) -> list[loader.LoadResult]:
    """Load the catalogues shipped with the register (``apps/compliance/catalogues/``):
    idempotent; a version already loaded is updated in place, a new one retires the one in
    force. Then every system's obligations are recomputed. Refuses to load anything if a file
    has a problem (``manage.py check_catalogues`` lists them)."""
    problems = loader.check_shipped()
    found = [f"{name}: {problem}" for name, listed in problems.items() for problem in listed]
    if found:
        raise ValidationError(found)
    results = [
        loader.load(loader.read_file(path), models=APP_MODELS, by=by, builtin=True)
        for path in loader.shipped_files()
    ]
    if any(result.changed or result.retired for result in results):
        recompute_obligations(by=by, reason="Catalogues loaded")
    return results


@transaction.atomic
def import_catalogue(*, document: dict, by) -> loader.LoadResult:
    """An administrator's own catalogue (read from YAML or CSV by :mod:`apps.compliance.imports`),
    checked and loaded all or nothing; the systems' obligations follow its rules."""
    if not permissions.can_manage_catalogues(by):
        raise PermissionDenied("Only administrators import catalogues.")
    existing_keys = set(KeyDate.objects.values_list("key", flat=True))
    own = {item.get("key") for item in document.get("key_dates") or [] if isinstance(item, dict)}
    mine = set(
        KeyDate.objects.filter(key__in=own, framework=document.get("framework")).values_list(
            "key", flat=True
        )
    )
    problems = loader.check(document, key_dates_elsewhere=existing_keys - mine)
    if problems:
        raise ValidationError(problems)
    result = loader.load(document, models=APP_MODELS, by=by, builtin=False)
    if result.skipped_reason:
        raise ValidationError(
            f"Version “{document['version']}” of {document['framework']} was retired: give the "
            "file a new version."
        )
    if result.changed or result.retired:
        recompute_obligations(by=by, reason=f"Catalogue {result.catalogue} imported")
    return result
