"""The tamper-evident audit chain.

Every :class:`~apps.core.models.AuditEvent` carries its position in the chain (``sequence``) and

    entry_hash = sha256(hash of the entry before it + canonical JSON of {entry, record})

where *entry* is the event itself (who, when, which record, why, the field changes) and *record*
is the historical row it records, read back from the database exactly as the verifier will read
it, with the row's many-to-many history. Editing an event or a historical row in SQL, removing
or reordering events, or removing the newest ones (:class:`~apps.core.models.AuditChainHead`
keeps the last link) shows up when :func:`verify` recomputes the chain
(``manage.py verify_audit_trail``).

Appends are serialised by a lock on the chain head row, so two transactions never chain to the
same entry (``sequence`` is unique as well, should the lock ever be bypassed). A transaction
that finds the head free keeps it until it commits and chains its entries at once; one that
finds it taken does not wait (that could deadlock with the row locks both hold, see
:func:`append`): its entries are chained right after it commits.

The canonical form is stable across Python and database round trips: JSON with sorted keys and
no whitespace, datetimes in UTC ISO 8601 with microseconds, decimals as strings. An entry's hash
covers the columns its historical table had when it was written (:class:`RecordLayout`), so a
migration that adds a column to a historical table does not break the chain.

Tamper-evident, not tamper-proof: whoever can write to the database can recompute every hash.
An operator who records the head hash elsewhere (the command prints it) and later passes it to
``--pin`` detects that too, for everything up to the pinned entry.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property, partial
from itertools import islice
from typing import Any

from django.apps import apps as django_apps
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import IntegrityError, models, transaction
from django.db.models import Max, Subquery
from django.utils import timezone
from django.utils.functional import Promise

from apps.core import db

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
FORMAT = 1  # bump (and keep the old one verifiable) if the canonical document ever changes
HEAD_PK = 1
CHUNK_SIZE = 1000
PENDING_GRACE = 5.0  # seconds

# The event's own content that its hash covers (attribute names). Its id is not covered: the
# sequence is its position, and the id is only known after the insert.
ENTRY_FIELDS = (
    "sequence",
    "timestamp",
    "user_id",
    "user_repr",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "history_id",
    "change_reason",
    "changes",
)


# --- Canonical serialisation ---------------------------------------------------------------------
_PLAIN = frozenset({str, int, float, bool, type(None)})


def canonical_value(value: Any) -> Any:
    """A value as plain JSON that reads the same however it reached Python."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {str(key): canonical_value(item) for key, item in value.items()}
    if kind is list:
        return [canonical_value(item) for item in value]
    # Subclasses of the plain types (IntegerChoices members, SafeString …) as the plain type.
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str | Promise):
        return str(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            raise ValueError(f"naive datetime {value!r} in the audit trail")
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, datetime.timedelta):
        return value // datetime.timedelta(microseconds=1)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(key): canonical_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_value(item) for item in value]
    raise TypeError(f"no canonical form for {type(value).__name__} in the audit trail")


def canonical_json(document: Any) -> bytes:
    return json.dumps(
        canonical_value(document), sort_keys=True, separators=(",", ":"), ensure_ascii=True
    ).encode("ascii")


def link_hash(previous: str, entry: dict, record: dict | None) -> str:
    """The hash of one link: the previous hash, then the entry and the row it records."""
    payload = canonical_json({"format": FORMAT, "entry": entry, "record": record})
    return hashlib.sha256(previous.encode("ascii") + payload).hexdigest()


def entry_values(event: models.Model) -> dict:
    """The covered content of an event not yet saved, normalised as the database returns it."""
    return {
        name: model_field.to_python(getattr(event, name))
        for name, model_field in _entry_fields(type(event)).items()
    }


@cache
def _entry_fields(model: type[models.Model]) -> dict[str, models.Field]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return {name: by_attname[name] for name in ENTRY_FIELDS}


# --- Which columns of a historical table an entry covers -----------------------------------------
@dataclass(frozen=True)
class RecordLayout:
    """The columns of a historical table, and of its many-to-many history tables."""

    model: str  # label of the historical model, e.g. "risks.historicalrisk"
    row: tuple[str, ...]
    m2m: tuple[tuple[str, tuple[str, ...]], ...] = ()  # ((label, columns), …), sorted

    def as_json(self) -> dict:
        return {"row": list(self.row), "m2m": {label: list(cols) for label, cols in self.m2m}}

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(canonical_json({"model": self.model, **self.as_json()})).hexdigest()

    @classmethod
    def from_json(cls, model: str, fields: dict) -> RecordLayout:
        m2m = tuple(sorted((label, tuple(cols)) for label, cols in fields.get("m2m", {}).items()))
        return cls(model=model, row=tuple(fields["row"]), m2m=m2m)


def layout_of(historical_model: type[models.Model]) -> RecordLayout:
    """The layout of a historical model, real or from a migration's state."""
    m2m = []
    for relation in historical_model._meta.related_objects:
        # simple-history's many-to-many history rows point at the version by a "history" FK.
        if isinstance(relation.field, models.ForeignKey) and relation.field.name == "history":
            related = relation.related_model
            columns = tuple(
                f.attname for f in related._meta.concrete_fields if f is not relation.field
            )
            m2m.append((related._meta.label_lower, columns))
    return RecordLayout(
        model=historical_model._meta.label_lower,
        row=tuple(f.attname for f in historical_model._meta.concrete_fields),
        m2m=tuple(sorted(m2m)),
    )


runtime_layout_of = cache(layout_of)  # the app's models do not change while it runs


def fetch_records(apps, layout: RecordLayout, history_ids: Iterable[int]) -> dict[int, dict]:
    """``{history_id: record}`` for the covered columns of these historical rows.

    Raises ``LookupError``/``FieldError`` if the table or one of the columns no longer exists.
    """
    model = apps.get_model(layout.model)
    pk_name = model._meta.pk.attname
    rows = {
        row[pk_name]: row
        for row in model._base_manager.filter(pk__in=list(history_ids)).values(*layout.row)
    }
    m2m_rows: dict[int, dict[str, list]] = {
        pk: {label: [] for label, _ in layout.m2m} for pk in rows
    }
    for label, columns in layout.m2m:
        m2m_model = apps.get_model(label)
        queryset = m2m_model._base_manager.filter(history_id__in=list(rows)).order_by("pk")
        for m2m_row in queryset.values("history_id", *columns):
            m2m_rows[m2m_row.pop("history_id")][label].append(m2m_row)
    return {
        pk: {"model": layout.model, "row": row, "m2m": m2m_rows[pk]} for pk, row in rows.items()
    }


# --- Appending -----------------------------------------------------------------------------------
def append(event, history_instance):
    """Save ``event`` (an unsaved AuditEvent) as the next link, covering ``history_instance``.

    Called in the transaction that wrote the historical row. If the chain head is free, it is
    locked until that transaction ends and the entry is chained at once. If another transaction
    holds it, the entry is saved unchained and chained as soon as this transaction has
    committed (:func:`seal_unchained`, in a transaction of its own). A business transaction
    never *waits* for the head: it may hold row locks that the head's holder needs next (a risk
    saved, then its system locked, against a system locked, then saved), and waiting would
    deadlock; only the chaining after commit, which holds nothing else, waits.
    """
    from apps.core.models import AuditChainHead, AuditRecordLayout

    layout = runtime_layout_of(type(history_instance))
    with transaction.atomic(savepoint=False):
        head = _try_lock_head(layout.digest)
        if head is None:  # busy: chain it once this transaction has committed
            event.save(force_insert=True)
            transaction.on_commit(partial(_seal_committed, event.pk), robust=True)
            return event
        layout_pk = head.layout_pk
        if layout_pk is None:
            layout_pk = AuditRecordLayout.objects.get_or_create(
                digest=layout.digest, defaults={"model": layout.model, "fields": layout.as_json()}
            )[0].pk
        record = fetch_records(django_apps, layout, [history_instance.pk])[history_instance.pk]
        event.sequence = head.sequence + 1
        event.record_layout_id = layout_pk
        event.entry_hash = link_hash(head.entry_hash, entry_values(event), record)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=HEAD_PK).update(
            sequence=event.sequence, entry_hash=event.entry_hash, updated_at=timezone.now()
        )
    return event


def _try_lock_head(layout_digest: str):
    """The chain head locked by this transaction, annotated with the primary key of the layout
    (one query); ``None`` if another transaction holds it (``SKIP LOCKED``: no waiting)."""
    from apps.core.models import AuditChainHead, AuditRecordLayout

    layout_pk = AuditRecordLayout.objects.filter(digest=layout_digest).values("pk")[:1]
    locked = AuditChainHead.objects.select_for_update(skip_locked=True).annotate(
        layout_pk=Subquery(layout_pk)
    )
    head = locked.filter(pk=HEAD_PK).first()
    if head is None and not AuditChainHead.objects.filter(pk=HEAD_PK).exists():
        _start_head()
        head = locked.filter(pk=HEAD_PK).first()
    return head


def _seal_committed(event_pk: int) -> None:
    seal_unchained(django_apps, ids=[event_pk])


def _start_head() -> None:
    """Create the head row (a new database; the migration creates it otherwise)."""
    from apps.core.models import AuditChainHead, AuditEvent

    last = (
        AuditEvent.objects.filter(sequence__isnull=False)
        .order_by("-sequence")
        .values_list("sequence", "entry_hash")
        .first()
    )
    if last is not None:
        logger.error(
            "The audit chain head was missing; continuing from entry %s. "
            "Run manage.py verify_audit_trail and compare with a recorded head hash.",
            last[0],
        )
    sequence, entry_hash = last or (0, GENESIS_HASH)
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(pk=HEAD_PK, sequence=sequence, entry_hash=entry_hash)
    except IntegrityError:
        pass  # another transaction created it first


# --- Chaining entries saved unchained (after commit, and the data migration) ---------------------
def seal_unchained(apps, *, ids: Iterable[int] | None = None, chunk_size: int = CHUNK_SIZE) -> int:
    """Chain, in the order they were written (by id), the entries that have no place in it yet:
    those given by ``ids``, or all of them (the data migration: entries written before the chain
    existed). Waits for the chain head; run it in no other transaction that holds locks.

    ``apps`` is a migration's state or the app registry. Returns how many were chained.
    """
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    AuditRecordLayout = apps.get_model("core", "AuditRecordLayout")
    ContentType = apps.get_model("contenttypes", "ContentType")
    unchained = AuditEvent.objects.filter(sequence__isnull=True)
    if ids is not None:
        unchained = unchained.filter(pk__in=list(ids))

    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
        if head is None:
            AuditChainHead.objects.create(pk=HEAD_PK, sequence=0, entry_hash=GENESIS_HASH)
            head = AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)
        sequence, previous = head.sequence, head.entry_hash
        content_types: dict[int, tuple[str, str]] = {}
        layouts: dict[int, tuple[RecordLayout, int] | None] = {}  # by content type

        def layout_for(content_type_id: int) -> tuple[RecordLayout, int] | None:
            if content_type_id not in layouts:
                if not content_types:
                    content_types.update(
                        (ct.pk, (ct.app_label, ct.model)) for ct in ContentType.objects.all()
                    )
                app_label, model_name = content_types.get(content_type_id, ("", ""))
                try:
                    historical_model = apps.get_model(app_label, f"historical{model_name}")
                except LookupError:
                    layouts[content_type_id] = None  # a model that no longer keeps history
                else:
                    layout = layout_of(historical_model)
                    stored, _ = AuditRecordLayout.objects.get_or_create(
                        digest=layout.digest,
                        defaults={"model": layout.model, "fields": layout.as_json()},
                    )
                    layouts[content_type_id] = (layout, stored.pk)
            return layouts[content_type_id]

        chained = 0
        values = ("id", *ENTRY_FIELDS)
        while batch := list(unchained.order_by("pk").values(*values)[:chunk_size]):
            records: dict[int, dict[int, dict]] = {}
            for content_type_id in {entry["content_type_id"] for entry in batch}:
                if found := layout_for(content_type_id):
                    history_ids = [
                        e["history_id"] for e in batch if e["content_type_id"] == content_type_id
                    ]
                    records[content_type_id] = fetch_records(apps, found[0], history_ids)
            updates = []
            for entry in batch:
                sequence += 1
                entry_id = entry.pop("id")
                entry["sequence"] = sequence
                record = records.get(entry["content_type_id"], {}).get(entry["history_id"])
                found = layout_for(entry["content_type_id"])
                previous = link_hash(previous, entry, record)
                updates.append(
                    AuditEvent(
                        pk=entry_id,
                        sequence=sequence,
                        entry_hash=previous,
                        record_layout_id=found[1] if found and record is not None else None,
                    )
                )
            AuditEvent.objects.bulk_update(updates, ["sequence", "entry_hash", "record_layout"])
            chained += len(updates)
        if chained:
            AuditChainHead.objects.filter(pk=HEAD_PK).update(
                sequence=sequence, entry_hash=previous, updated_at=timezone.now()
            )
    return chained


# --- Verification --------------------------------------------------------------------------------
@dataclass(frozen=True)
class BrokenLink:
    """The first place where the recomputed chain and the stored one part."""

    reason: str
    sequence: int | None = None
    entry_id: int | None = None
    model: str = ""
    record: str = ""
    timestamp: datetime.datetime | None = None

    def describe(self) -> str:
        if self.entry_id is not None:
            where = f"entry {self.entry_id} (sequence {self.sequence})"
        elif self.sequence is not None:
            where = f"sequence {self.sequence}"
        else:
            where = "the chain head"
        lines = [f"Audit trail broken at {where}: {self.reason}"]
        if self.model:
            lines.append(f"  model:  {self.model}")
        if self.record:
            lines.append(f"  record: {self.record}")
        if self.timestamp is not None:
            lines.append(f"  time:   {self.timestamp.astimezone(datetime.UTC).isoformat()}")
        return "\n".join(lines)


@dataclass
class Verification:
    checked: int = 0
    first_sequence: int | None = None
    head_sequence: int = 0
    head_hash: str = GENESIS_HASH
    pins_matched: int = 0
    broken: BrokenLink | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


@dataclass
class _Layouts:
    """Stored layouts by primary key, loaded as the entries ask for them (there are few)."""

    loaded: dict[int, RecordLayout] = field(default_factory=dict)

    def __getitem__(self, pk: int) -> RecordLayout:
        if pk not in self.loaded:
            from apps.core.models import AuditRecordLayout

            stored = AuditRecordLayout.objects.get(pk=pk)
            layout = RecordLayout.from_json(stored.model, stored.fields)
            if layout.digest != stored.digest:
                raise _LayoutChanged(pk)
            self.loaded[pk] = layout
        return self.loaded[pk]


class _LayoutChanged(Exception):
    pass


def verify(
    *,
    from_entry: int | None = None,
    pins: dict[int, str] | None = None,
    chunk_size: int = CHUNK_SIZE,
    pending_grace: float = PENDING_GRACE,
) -> Verification:
    """Recompute the chain, streaming (``chunk_size`` entries in memory at a time).

    ``from_entry``: start at this entry (its id), trusting the stored hash of the one before.
    ``pins``: ``{sequence: hash}`` recorded earlier; each must still be reached.
    ``pending_grace``: seconds an unchained entry may take to be chained after its commit.
    Raises ``ValueError`` if ``from_entry`` is not an entry of the chain.
    """
    from apps.core.models import AuditChainHead, AuditEvent

    pins = dict(pins or {})
    result = Verification()
    head = AuditChainHead.objects.filter(pk=HEAD_PK).values("sequence", "entry_hash").first()
    if head is None:
        if AuditEvent.objects.exists():
            result.broken = BrokenLink("the chain head (core_auditchainhead) is missing.")
        return result
    result.head_sequence, result.head_hash = head["sequence"], head["entry_hash"]

    start, previous = 1, GENESIS_HASH
    if from_entry is not None:
        start = AuditEvent.objects.filter(pk=from_entry).values_list("sequence", flat=True).first()
        if start is None:
            raise ValueError(f"No audit entry {from_entry} in the chain.")
        if start > 1:
            previous = (
                AuditEvent.objects.filter(sequence=start - 1)
                .values_list("entry_hash", flat=True)
                .first()
            )
            if previous is None:
                result.broken = _broken_at(
                    AuditEvent.objects.values(*_ENTRY_COLUMNS).get(pk=from_entry),
                    f"entry {start - 1}, the one before it, is missing (deleted).",
                )
                return result
    result.first_sequence = start
    unreachable = [seq for seq in pins if seq < start or seq > result.head_sequence]
    if unreachable:
        result.broken = BrokenLink(
            f"pinned sequence {min(unreachable)} is outside the verified range "
            f"{start}–{result.head_sequence} (entries removed from the end?).",
            sequence=min(unreachable),
        )
        return result

    expected = start
    # In chunks on a server-side cursor (behind a pooler in transaction mode too: apps.core.db).
    entries = (
        dict(zip(_ENTRY_COLUMNS, row, strict=True))
        for row in db.stream_rows(
            AuditEvent.objects.filter(sequence__gte=start, sequence__lte=result.head_sequence)
            .order_by("sequence")
            .values_list(*_ENTRY_COLUMNS),
            chunk_size,
        )
    )
    layouts = _Layouts()
    for batch in _batched(entries, chunk_size):
        records, unreadable = _records_of(batch, layouts)
        for entry in batch:
            if entry["sequence"] != expected:
                last = entry["sequence"] - 1
                missing = f"{expected}" if expected == last else f"{expected}–{last}"
                result.broken = _broken_at(
                    entry, f"entries {missing} before it are missing (deleted)."
                )
                return result
            layout_pk = entry["record_layout_id"]
            record = None
            if layout_pk is not None:
                if layout_pk in unreadable:
                    result.broken = _broken_at(entry, unreadable[layout_pk])
                    return result
                record = records.get((layout_pk, entry["history_id"]))
                if record is None:
                    result.broken = _broken_at(
                        entry,
                        f"the historical row it records ({layouts[layout_pk].model} "
                        f"#{entry['history_id']}) is missing (deleted).",
                    )
                    return result
            content = {name: entry[name] for name in ENTRY_FIELDS}
            computed = link_hash(previous, content, record)
            if computed != entry["entry_hash"]:
                result.broken = _broken_at(
                    entry,
                    "the recomputed hash differs from the stored one: this entry or the "
                    "historical row it records was changed, or entries were reordered.",
                )
                return result
            if entry["sequence"] in pins:
                if pins[entry["sequence"]] != computed:
                    result.broken = _broken_at(
                        entry,
                        "the chain no longer reaches the pinned hash recorded for this entry: "
                        "it was rewritten up to here.",
                    )
                    return result
                result.pins_matched += 1
            previous = computed
            expected += 1
            result.checked += 1

    if expected - 1 != result.head_sequence:
        result.broken = BrokenLink(
            f"the chain ends at sequence {expected - 1} but its head records sequence "
            f"{result.head_sequence}: the newest entries were removed.",
            sequence=expected,
        )
        return result
    if expected > start and previous != result.head_hash:
        result.broken = BrokenLink(
            f"the chain head's hash ({result.head_hash[:12]}…) is not the last entry's "
            f"({previous[:12]}…): the head was changed.",
            sequence=result.head_sequence,
        )
        return result

    # Entries past the head: the head is moved in the transaction that adds an entry, so an
    # entry committed before the head is read again cannot be past it (appends meanwhile are).
    highest = AuditEvent.objects.aggregate(highest=Max("sequence"))["highest"]
    head_now = AuditChainHead.objects.filter(pk=HEAD_PK).values_list("sequence", flat=True)
    head_now = head_now.first() or 0
    if highest is not None and highest > head_now:
        past = AuditEvent.objects.filter(sequence__gt=head_now).order_by("sequence")
        result.broken = _broken_at(
            past.values(*_ENTRY_COLUMNS).first(),
            f"the entry lies past the chain head (sequence {head_now}): the head was moved "
            "back, or the entry added around the application.",
        )
        return result

    outside = _unchained_after_waiting(pending_grace)
    if outside is not None:
        result.broken = _broken_at(
            outside,
            "the entry has no place in the chain: written around the application, or its "
            "chaining after commit failed (see the logs).",
        )
    return result


def _unchained_after_waiting(grace: float) -> dict | None:
    """The first entry still unchained once the chaining in flight has had time to finish.

    An entry saved while another transaction held the chain head is chained right after its
    own transaction commits, which waits for that holder: take the head (waiting for the
    holder too) and look again, for up to ``grace`` seconds.
    """
    from apps.core.models import AuditChainHead, AuditEvent

    waiting = list(
        AuditEvent.objects.filter(sequence__isnull=True).order_by("pk").values_list("pk")[:100]
    )
    deadline = time.monotonic() + grace
    while waiting:
        with transaction.atomic():
            AuditChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
        still = AuditEvent.objects.filter(pk__in=[pk for (pk,) in waiting], sequence__isnull=True)
        if not still.exists():
            return None
        if time.monotonic() >= deadline:
            return still.order_by("pk").values(*_ENTRY_COLUMNS).first()
        time.sleep(0.1)
    return None


_ENTRY_COLUMNS = ("id", *ENTRY_FIELDS, "entry_hash", "record_layout_id")


def _batched(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _records_of(batch: list[dict], layouts: _Layouts):
    """The records of a batch of entries by (layout, history id), and the layouts that cannot
    be read any more with the reason."""
    records: dict[tuple[int, int], dict] = {}
    unreadable: dict[int, str] = {}
    by_layout: dict[int, list[int]] = {}
    for entry in batch:
        if entry["record_layout_id"] is not None:
            by_layout.setdefault(entry["record_layout_id"], []).append(entry["history_id"])
    for layout_pk, history_ids in by_layout.items():
        try:
            layout = layouts[layout_pk]
            found = fetch_records(django_apps, layout, history_ids)
        except _LayoutChanged:
            unreadable[layout_pk] = f"the column list it covers (layout {layout_pk}) was changed."
        except (LookupError, FieldError, FieldDoesNotExist) as error:
            unreadable[layout_pk] = (
                f"its historical table no longer has the columns its hash covers ({error}); "
                "a migration removed or renamed them."
            )
        else:
            records.update({(layout_pk, pk): record for pk, record in found.items()})
    return records, unreadable


def _broken_at(entry: dict, reason: str) -> BrokenLink:
    from django.contrib.contenttypes.models import ContentType

    try:
        content_type = ContentType.objects.get_for_id(entry["content_type_id"])
    except ContentType.DoesNotExist:
        model, model_class = f"content type {entry['content_type_id']}", None
    else:
        model = f"{content_type.app_label}.{content_type.model}"
        model_class = content_type.model_class()
    reference = ""
    if model_class is not None and hasattr(model_class, "format_reference"):
        reference = model_class.format_reference(entry["object_id"]) + " "
    return BrokenLink(
        reason,
        sequence=entry["sequence"],
        entry_id=entry["id"],
        model=model,
        record=f"{reference}{entry['object_repr']!r} (id {entry['object_id']})",
        timestamp=entry["timestamp"],
    )


class RecordReader:
    """The historical rows that entries' hashes cover, read for a batch of entries at a time
    (an export of the audit log): ``{(layout id, history id): record}``, each record as
    :func:`link_hash` covers it. A layout that can no longer be read gives no record (the
    verification of those entries fails, here as in :func:`verify`)."""

    def __init__(self):
        self._layouts = _Layouts()

    def records(self, entries: list[dict]) -> dict[tuple[int, int], dict]:
        """``entries``: dicts with ``record_layout_id`` and ``history_id``."""
        records, _unreadable = _records_of(entries, self._layouts)
        return records
