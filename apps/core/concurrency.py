"""Optimistic concurrency: no edit silently overwrites a change its author never saw.

A form (or an API client, with ``If-Match``) sends back the ``version`` of the record it read.
The edit service locks the row and calls :func:`check_version`:

* same version: nobody saved in between, go ahead;
* newer version: find what the others changed since the version that was read (the historical
  row of that version is the common ancestor). If none of the fields being saved was changed by
  them, or they were changed to what is being saved anyway, the edit goes ahead and keeps their
  other changes (a derived field such as a system's criticality moving does not block anyone).
  Otherwise :class:`EditConflict` is raised with, for each contested field, their value and
  the value being saved; nothing is written, and the form shows both versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone


@dataclass(frozen=True)
class FieldConflict:
    name: str
    label: str
    theirs: str
    yours: str


class EditConflict(Exception):
    """Someone saved the record after it was read, changing fields this edit also sets."""

    def __init__(self, record, *, conflicts: list[FieldConflict], by=None, at=None):
        self.record = record
        self.conflicts = conflicts
        self.by = by
        self.at = at
        self.version = record.version
        super().__init__(self.message)

    @property
    def message(self) -> str:
        who = getattr(self.by, "full_name", "") or str(self.by or "") or "Someone"
        when = timezone.localtime(self.at).strftime("%d %b %Y %H:%M") if self.at else ""
        fields = ", ".join(conflict.label for conflict in self.conflicts)
        return (
            f"{who} saved this record{f' at {when}' if when else ''} after you opened it, "
            f"changing {fields}. Compare both versions below: save again to keep yours, "
            "or reload the page to start from theirs."
        )


def _display(field: models.Field, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        if isinstance(value, models.Model):
            return str(value)
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else str(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _stored(field: models.Field, value: Any) -> Any:
    """A value as it compares with a historical row's (a related object by its key)."""
    if isinstance(field, models.ForeignKey) and isinstance(value, models.Model):
        return value.pk
    return value


def check_version(record, expected_version: int | None, data: dict[str, Any]) -> None:
    """Refuse ``data`` on the locked ``record`` if someone else changed the same fields since
    ``expected_version`` was read. ``None`` means the caller asked for no check."""
    if expected_version is None or expected_version == record.version:
        return
    model = type(record)
    base = (
        record.history.filter(version=expected_version).order_by("-history_id").first()
        if expected_version < record.version
        else None
    )
    conflicts = []
    for name, value in data.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.concrete or field.many_to_many:
            continue
        current = getattr(record, field.attname)
        wanted = _stored(field, value)
        if wanted == current:
            continue
        if base is not None and getattr(base, field.attname) == current:
            continue  # they did not touch this field: saving it loses nothing of theirs
        conflicts.append(
            FieldConflict(
                name=name,
                label=str(field.verbose_name).capitalize(),
                theirs=_display(field, current),
                yours=_display(field, value),
            )
        )
    if conflicts:
        last = record.history.order_by("-history_id").first()
        raise EditConflict(
            record,
            conflicts=conflicts,
            by=getattr(last, "history_user", None),
            at=getattr(last, "history_date", None),
        )
