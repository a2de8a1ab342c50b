"""Every write of the literacy app: recording a completion, importing completions from a CSV."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from apps.core.validation import ErrorCollector
from apps.literacy import permissions
from apps.literacy.models import CompletionSource, Training, TrainingCompletion


def _save(completion: TrainingCompletion, *, by, reason: str) -> TrainingCompletion:
    completion._history_user = by
    completion._change_reason = reason
    completion.save()
    return completion


def record_completion(
    *,
    person,
    training: Training,
    completed_on: datetime.date,
    by,
    evidence: str = "",
    reason: str = "",
) -> TrainingCompletion:
    """Record that ``person`` completed ``training`` on ``completed_on``: by an administrator,
    for anyone; by the person themselves, as a *declared* completion."""
    if not permissions.can_record_completion(by, person):
        raise PermissionDenied("Only administrators record another person's training.")
    errors = ErrorCollector()
    if not training.is_active:
        errors.add("This training is no longer offered: choose an active one.", "training")
    if completed_on > timezone.localdate():
        errors.add("A completion cannot be in the future.", "completed_on")
    if TrainingCompletion.objects.filter(
        person=person, training=training, completed_on=completed_on
    ).exists():
        errors.add(f"{person} already has {training} recorded on {completed_on:%d %b %Y}.")
    errors.raise_if_any()
    source = (
        CompletionSource.DECLARED
        if person.pk == by.pk and not by.is_superuser
        else CompletionSource.RECORDED
    )
    with transaction.atomic():
        return _save(
            TrainingCompletion(
                person=person,
                training=training,
                completed_on=completed_on,
                expires_on=training.expiry_for(completed_on),
                source=source,
                evidence=evidence,
                recorded_by=by,
            ),
            by=by,
            reason=reason or "Completion recorded",
        )


@dataclass(frozen=True)
class ImportResult:
    created: int
    already_recorded: int


def import_completions(*, rows: list, by, file_name: str = "") -> ImportResult:
    """Store the completions of a checked file (:func:`apps.literacy.imports.read_completions`):
    all of them, in one transaction; those already recorded (same person, training and day) are
    counted and left alone, so importing a file twice adds nothing."""
    if not permissions.can_import_completions(by):
        raise PermissionDenied("Only administrators import training completions.")
    reason = f"Imported from {file_name}" if file_name else "Imported from a CSV file"
    with transaction.atomic():
        keys = {(row.person.pk, row.training.pk, row.completed_on) for row in rows}
        existing = set(
            TrainingCompletion.objects.filter(
                person_id__in={k[0] for k in keys}, training_id__in={k[1] for k in keys}
            ).values_list("person_id", "training_id", "completed_on")
        )
        created = 0
        for row in rows:
            key = (row.person.pk, row.training.pk, row.completed_on)
            if key in existing:
                continue
            existing.add(key)
            _save(
                TrainingCompletion(
                    person=row.person,
                    training=row.training,
                    completed_on=row.completed_on,
                    expires_on=row.training.expiry_for(row.completed_on),
                    source=CompletionSource.IMPORTED,
                    evidence=row.evidence,
                    recorded_by=by,
                ),
                by=by,
                reason=reason,
            )
            created += 1
    return ImportResult(created=created, already_recorded=len(rows) - created)
