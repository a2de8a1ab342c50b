"""Optimistic concurrency: no edit silently overwrites a change its author never saw.

A form (or an API client, with ``If-Match`` or ``version``) sends back the ``version`` of the
record it read. The edit service locks the row and passes what it is about to write through
:func:`check_version`, a three-way merge whose common ancestor is the historical row of the
version that was read:

* same version: nobody saved in between, go ahead with everything;
* newer version: compare, field by field, what was read (the base), what is saved now (theirs)
  and what is being saved (yours):

  - a field you left as you read it is not yours to write: it is dropped from the values to
    save, so that their change to it (or a derived field such as a system's criticality moving)
    is kept. A form posts every field, so this is what lets two people edit *different* fields
    of one record at once;
  - a field you changed that they did not touch is saved;
  - a field you both changed, to different values, is a conflict: :class:`EditConflict` is
    raised with, for each contested field, their value and yours; nothing is written, and the
    form (or the API's 409) shows both.

Many-to-many links that the record's history keeps (a risk's framework references, a
mitigation's risks) merge the same way, as sets.

A request that lost a race on a record's *state* rather than on its fields (a review decided by
someone else a moment earlier) raises :class:`StateConflict`: a ``ValidationError`` for the
pages, a 409 for the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone

_UNKNOWN = object()  # a value the base version does not record


class StateConflict(ValidationError):
    """The record's state changed since it was read, so the request no longer applies (it was
    decided, withdrawn or resubmitted by someone else in between). The pages show it like any
    ``ValidationError``; the API answers 409."""


@dataclass(frozen=True)
class FieldConflict:
    name: str
    label: str
    theirs: str
    yours: str


class EditConflict(Exception):
    """Someone saved the record after it was read, changing fields this edit also changes.

    ``kept`` holds, by field name, their saved values of the fields this edit had left alone
    (as stored: a related record by its key, links as a set of keys), so that a form shown again
    carries them and saving it again keeps their changes."""

    def __init__(self, record, *, conflicts: list[FieldConflict], kept=None, by=None, at=None):
        self.record = record
        self.conflicts = conflicts
        self.kept: dict[str, Any] = dict(kept or {})
        self.by = by
        self.at = at
        self.version = record.version
        super().__init__(self.message)

    @property
    def kept_labels(self) -> list[str]:
        return [_label(type(self.record), name) for name in self.kept]

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


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except FieldDoesNotExist:
        return name


def _display(field: models.Field, value: Any) -> str:
    if value in (None, "") or value == set():
        return "—"
    if field.many_to_many:
        related = field.related_model._default_manager.filter(pk__in=value).order_by("pk")
        return ", ".join(str(obj) for obj in related)
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
    """A value as it compares with a historical row's (a related object by its key, links as
    the set of their keys)."""
    if field.many_to_many:
        return {item.pk if isinstance(item, models.Model) else item for item in value or ()}
    if isinstance(field, models.ForeignKey) and isinstance(value, models.Model):
        return value.pk
    return value


def _tracked_links(model) -> set[str]:
    """The many-to-many fields whose links the model's history keeps."""
    history = getattr(model, "history", None)
    history_model = getattr(history, "model", None)
    return {field.name for field in getattr(history_model, "_history_m2m_fields", [])}


def _current(record, field: models.Field) -> Any:
    if field.many_to_many:
        return set(getattr(record, field.name).values_list("pk", flat=True))
    return getattr(record, field.attname)


def _read(base, field: models.Field) -> Any:
    """The field's value in the version that was read, or ``_UNKNOWN``."""
    if base is None:
        return _UNKNOWN
    if field.many_to_many:
        target = f"{field.m2m_reverse_field_name()}_id"
        return set(getattr(base, field.name).values_list(target, flat=True))
    try:
        return getattr(base, field.attname)
    except AttributeError:  # a field the history leaves out
        return _UNKNOWN


def check_version(record, expected_version: int | None, data: dict[str, Any]) -> dict[str, Any]:
    """Merge ``data``, about to be written to the locked ``record``, with what others saved
    since ``expected_version`` was read; return the values to write (see the module's notes).

    ``None`` means the caller asked for no check: ``data`` is written as it is. Raises
    :class:`EditConflict`, writing nothing, when a field changed by this edit was also changed,
    differently, by someone else."""
    if expected_version is None or expected_version == record.version:
        return dict(data)
    model = type(record)
    base = (
        record.history.filter(version=expected_version).order_by("-history_id").first()
        if expected_version < record.version
        else None
    )
    links = _tracked_links(model)
    merged, kept, conflicts = {}, {}, []
    for name, value in data.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            merged[name] = value  # not a field of the record (a reason, a link set elsewhere)
            continue
        if not field.concrete or (field.many_to_many and name not in links):
            merged[name] = value
            continue
        current, wanted, read = _current(record, field), _stored(field, value), _read(base, field)
        if wanted == current or (read is not _UNKNOWN and read == current):
            merged[name] = value  # the same as theirs, or a field they did not touch
        elif read is not _UNKNOWN and wanted == read:
            kept[name] = current  # a field this edit left alone: their change stays
        else:
            conflicts.append(
                FieldConflict(
                    name=name,
                    label=str(field.verbose_name).capitalize(),
                    theirs=_display(field, current),
                    yours=_display(field, wanted if field.many_to_many else value),
                )
            )
    if conflicts:
        last = record.history.order_by("-history_id").first()
        raise EditConflict(
            record,
            conflicts=conflicts,
            kept=kept,
            by=getattr(last, "history_user", None),
            at=getattr(last, "history_date", None),
        )
    return merged
