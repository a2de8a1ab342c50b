"""The audit log as an export: the filtered log with each entry's place in the hash chain, so that
an auditor keeps the trail and re-verifies it offline (README, *Re-verifying an export of the
audit log*).

Each entry carries the eleven fields its hash covers (:data:`apps.core.audit_chain.ENTRY_FIELDS`,
under the same names and in the form the hash reads them), the historical row it records
(``record``, as hashed), its ``entry_hash``, and ``previous_hash``: the hash of the entry before
it in the chain, which a filtered export may not contain. From the file alone,

    entry_hash = sha256(previous_hash + canonical JSON of {"format": 1, "entry": …, "record": …})

can be recomputed for every entry, and consecutive entries checked to link up. The JSON export
keeps every value's type, as hashed; the CSV's cells are text (made safe for spreadsheets).

Entries come in chain order, oldest first; the few not chained yet (a moment after their
commit, see :func:`apps.core.audit_chain.append`) come last, without a sequence or a hash.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Concat

from apps.core import audit_chain, rules, selectors
from apps.core.api.exports import CHUNK_SIZE, Column, Exporter
from apps.core.api.views import AuditEventAPIFilterSet
from apps.core.models import AuditEvent

VIEW_AUDIT_LOG = "view_audit_log"


def canonical_timestamp(value: datetime.datetime | None) -> str | None:
    """The time as the hash reads it: UTC, ISO 8601, always with microseconds."""
    return None if value is None else audit_chain.canonical_value(value)


canonical_timestamp.formula_safe = True


def action_symbol(value: str) -> str:
    """``+`` created, ``~`` changed, ``-`` deleted: as stored and hashed. One character can be
    no spreadsheet formula, so it is written as it is (not ``'+``)."""
    return value


action_symbol.formula_safe = True


def hex_digest(value: str | None) -> str | None:
    return value or None


hex_digest.formula_safe = True


class AuditLogExporter(Exporter):
    name = "audit-log"
    title = "Audit log"
    filterset_class = AuditEventAPIFilterSet
    formats = ("csv", "json")
    permission_action = VIEW_AUDIT_LOG
    columns = [
        Column(
            "sequence",
            "sequence",
            "Position in the hash chain (empty for an entry not chained yet)",
            type="integer",
        ),
        Column(
            "timestamp",
            "timestamp",
            "When the change was made (UTC, with microseconds, as hashed)",
            canonical_timestamp,
            "date-time",
        ),
        Column("user_repr", "user_repr", "Who made it (empty: the system, e.g. a job)"),
        Column("user_id", "user_id", "Their id", type="integer"),
        Column("action", "action", "+ created, ~ changed, - deleted", action_symbol),
        Column("model", "export_model", "Kind of record (risks.risk)"),
        Column("reference", "object_id", "The record's reference (RSK-0107), if it has one"),
        Column("object_repr", "object_repr", "The record's name when it was changed"),
        Column("content_type_id", "content_type_id", "Id of the kind of record", type="integer"),
        Column("object_id", "object_id", "The record's id", type="integer"),
        Column("history_id", "history_id", "Id of the historical row it records", type="integer"),
        Column("change_reason", "change_reason", "Why, as given"),
        Column(
            "changes",
            "changes",
            "Each changed field: label, old and new value (JSON)",
            type="json",
        ),
        Column(
            "entry_hash",
            "entry_hash",
            "sha256 of previous_hash and this entry with its record",
            hex_digest,
        ),
        Column(
            "previous_hash",
            "export_previous_hash",
            "Hash of the entry before it in the chain (64 zeros before the first)",
            hex_digest,
        ),
        Column(
            "record",
            "record_layout_id",
            "The historical row the hash covers: model, row and many-to-many rows (JSON)",
            type="json",
        ),
    ]

    @classmethod
    def get_queryset(cls, user) -> QuerySet[AuditEvent]:
        if rules.refusal(user, VIEW_AUDIT_LOG):
            return AuditEvent.objects.none()
        previous = AuditEvent.objects.filter(sequence=OuterRef("sequence") - 1).values(
            "entry_hash"
        )[:1]
        return (
            selectors.audit_events()
            .annotate(
                export_model=Concat(
                    "content_type__app_label",
                    Value("."),
                    "content_type__model",
                    output_field=CharField(),
                ),
                export_previous_hash=Case(
                    When(sequence=1, then=Value(audit_chain.GENESIS_HASH)),
                    default=Subquery(previous),
                    output_field=CharField(),
                ),
            )
            .order_by(F("sequence").asc(nulls_last=True), "pk")
        )

    @classmethod
    def raw_rows(cls, queryset, chunk_size=None, *, local_dates=False):
        """The database's rows, each completed a chunk at a time with its record (one query per
        kind of record and chunk) and its reference."""
        rows, converters = super().raw_rows(queryset, chunk_size, local_dates=local_dates)
        return _completed(rows, chunk_size or CHUNK_SIZE), converters


_AT = {name: index for index, name in enumerate(AuditLogExporter.header())}
# Until completed, the record's cell holds the id of the entry's layout (the column's source).
_RECORD, _HISTORY = _AT["record"], _AT["history_id"]


def _completed(rows: Iterator[tuple], size: int) -> Iterator[list]:
    reader = audit_chain.RecordReader()
    models: dict[int, type | None] = {}
    batch: list[list] = []
    for row in rows:
        batch.append(list(row))
        if len(batch) >= size:
            yield from _complete(batch, reader, models)
            batch = []
    if batch:
        yield from _complete(batch, reader, models)


def _complete(batch: list[list], reader: audit_chain.RecordReader, models: dict) -> list[list]:
    entries = [
        {"record_layout_id": row[_RECORD], "history_id": row[_HISTORY]}
        for row in batch
        if row[_RECORD] is not None
    ]
    records = reader.records(entries) if entries else {}
    for row in batch:
        layout = row[_RECORD]
        record = records.get((layout, row[_HISTORY])) if layout is not None else None
        row[_RECORD] = audit_chain.canonical_value(record) if record is not None else None
        row[_AT["reference"]] = _reference(
            models, row[_AT["content_type_id"]], row[_AT["object_id"]]
        )
    return batch


def _reference(models: dict, content_type_id: int, object_id: int) -> str:
    """``RSK-0107`` for a record whose model has references, ``""`` otherwise."""
    if content_type_id not in models:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        models[content_type_id] = model if hasattr(model, "format_reference") else None
    model = models[content_type_id]
    return model.format_reference(object_id) if model is not None else ""
