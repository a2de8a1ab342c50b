"""Many obligations written at once, each with its history row and audit entry, in a fixed
number of queries whatever their number.

The applicability service creates, retires and revives the obligations of thousands of systems
in one pass (after a catalogue is loaded); each obligation gets its own values (its ``why``,
its due date), which :func:`apps.core.audit.bulk_save_with_history` (one set of values for all)
does not do, and the audit entries name related records without a query per row.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from apps.core import audit_chain
from apps.core.audit import MAX_VALUE_LENGTH
from apps.core.models import AuditEvent

# django-simple-history keeps a change reason in 100 characters.
HISTORY_REASON_LENGTH = 100


def short_reason(reason: str) -> str:
    """A change reason that fits the history (an ellipsis where it is cut)."""
    reason = reason or ""
    if len(reason) <= HISTORY_REASON_LENGTH:
        return reason
    return reason[: HISTORY_REASON_LENGTH - 1].rstrip() + "…"


def _display(field: models.Field, value: Any, names: dict) -> str:
    if value is None or value == "":
        return ""
    if isinstance(field, models.ForeignKey):
        return names.get((field.name, value), f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return ""  # machine-readable copies of what a text field says (e.g. triggered_by)
    return str(value)[:MAX_VALUE_LENGTH]


def _related_names(model, fields: Sequence[models.Field], values: list) -> dict:
    """``{(field name, pk): str(record)}`` for every foreign key among ``values``: one query per
    foreign key field."""
    names = {}
    for index, field in enumerate(fields):
        if not isinstance(field, models.ForeignKey):
            continue
        pks = {row[index] for row in values if row[index] is not None}
        pks |= {row[len(fields) + index] for row in values if row[len(fields) + index] is not None}
        if pks:
            related = field.related_model._default_manager.filter(pk__in=pks)
            names.update(((field.name, obj.pk), str(obj)) for obj in related)
    return names


def _audit(model, instances, rows, before, fields, *, by, reasons, action, now, reprs=None) -> None:
    values = [
        [before[i.pk][f.name] if before else None for f in fields]
        + [getattr(i, f.attname) for f in fields]
        for i in instances
    ]
    names = _related_names(model, fields, values)
    content_type = ContentType.objects.get_for_model(model)
    events = []
    for instance, row, pair in zip(instances, rows, values, strict=True):
        changes = []
        for index, field in enumerate(fields):
            old = _display(field, pair[index], names) if before else ""
            new = _display(field, pair[len(fields) + index], names)
            if old != new:
                changes.append(
                    {"field": field.name, "label": str(field.verbose_name), "old": old, "new": new}
                )
        events.append(
            AuditEvent(
                timestamp=now,
                user=by,
                user_repr=str(by) if by else "",
                action=action,
                content_type=content_type,
                object_id=instance.pk,
                object_repr=reprs[instance.pk] if reprs else str(instance)[:255],
                history_id=row.pk,
                change_reason=reasons.get(instance.pk, "")[:255],
                changes=changes,
            )
        )
    ids = [event.pk for event in AuditEvent.objects.bulk_create(events)]
    transaction.on_commit(partial(audit_chain.seal_unchained, django_apps, ids=ids), robust=True)


def _copy_m2m_history(model, history_rows: dict[int, models.Model]) -> None:
    """The links each record has now, in its new historical row (two queries per field)."""
    history_model = model.history.model
    for field in getattr(history_model, "_history_m2m_fields", []):
        m2m_history_model = getattr(history_model, field.name).model
        through = getattr(model, field.name).through
        source = field.m2m_field_name()
        names = [f.attname for f in through._meta.fields]
        links = through._base_manager.filter(**{f"{source}_id__in": list(history_rows)})
        m2m_history_model._base_manager.bulk_create(
            m2m_history_model(history=history_rows[link[f"{source}_id"]], **link)
            for link in links.values(*names)
        )


def _update_grouped(model, instances, changes: dict[int, dict[str, Any]], now) -> None:
    """One ``UPDATE … WHERE id IN (…)`` per distinct set of new values (obligations retired
    together share theirs): cheaper than one ``CASE`` per row and column. ``version`` goes up
    and ``auto_now`` stamps move, in the rows and in the instances (for their history)."""
    opts = model._meta
    stamps = [f.attname for f in opts.concrete_fields if getattr(f, "auto_now", False)]
    versioned = any(field.name == "version" for field in opts.concrete_fields)
    groups: dict[str, tuple[dict, list]] = {}
    for instance in instances:
        values = changes[instance.pk]
        key = repr(sorted((name, repr(value)) for name, value in values.items()))
        groups.setdefault(key, (values, []))[1].append(instance)
        for name in stamps:
            setattr(instance, name, now)
        if versioned:
            instance.version = (instance.version or 0) + 1
    for values, members in groups.values():
        update = {opts.get_field(name).attname: value for name, value in values.items()}
        update |= dict.fromkeys(stamps, now)
        if versioned:
            update["version"] = F("version") + 1
        pks = [member.pk for member in members]
        for start in range(0, len(pks), 1000):
            model._base_manager.filter(pk__in=pks[start : start + 1000]).update(**update)


def create_with_history(
    instances: Sequence[models.Model], *, by, reason: str, described: Sequence[str]
) -> None:
    """Insert ``instances`` (new, of one model) with their first historical rows and audit
    entries; the entries list the ``described`` fields' initial values. ``str(instance)`` must
    need no query (select or attach what it names)."""
    if not instances:
        return
    model = type(instances[0])
    now = timezone.now()
    for instance in instances:
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                setattr(instance, field.attname, now)
    model._default_manager.bulk_create(instances)
    for instance in instances:
        instance._history_user = by
        instance._change_reason = short_reason(reason)
    rows = model.history.bulk_history_create(instances, default_date=now)
    fields = [model._meta.get_field(name) for name in described]
    _audit(
        model,
        instances,
        rows,
        None,
        fields,
        by=by,
        reasons={i.pk: reason for i in instances},
        action=AuditEvent.Action.CREATED,
        now=now,
    )


def save_with_history(
    instances: Sequence[models.Model],
    changes: dict[int, dict[str, Any]],
    *,
    by,
    reasons: dict[int, str],
) -> None:
    """Write each instance's ``changes`` (by primary key: field name → new value), with a new
    historical row and an audit entry each, saying ``reasons[pk]``. ``version`` goes up and
    ``auto_now`` stamps move as a save would. The instances must be read (and locked) as they
    are now, with what ``str()`` names."""
    instances = [i for i in instances if changes.get(i.pk)]
    if not instances:
        return
    model = type(instances[0])
    opts = model._meta
    names = sorted({name for i in instances for name in changes[i.pk]})
    fields = [opts.get_field(name) for name in names]
    before = {i.pk: {f.name: getattr(i, f.attname) for f in fields} for i in instances}
    reprs = {i.pk: str(i)[:255] for i in instances}  # as read: their related records cached
    now = timezone.now()
    for instance in instances:
        for name, value in changes[instance.pk].items():
            setattr(instance, opts.get_field(name).attname, value)
    _update_grouped(model, instances, changes, now)
    for instance in instances:
        instance._history_user = by
        instance._change_reason = short_reason(reasons.get(instance.pk, ""))
    rows = model.history.bulk_history_create(instances, update=True, default_date=now)
    _copy_m2m_history(model, {i.pk: row for i, row in zip(instances, rows, strict=True)})
    _audit(
        model,
        instances,
        rows,
        before,
        fields,
        by=by,
        reasons=reasons,
        action=AuditEvent.Action.CHANGED,
        now=now,
        reprs=reprs,
    )


def write_without_history(
    model, new: Sequence, changed: Sequence, changes: dict[int, dict]
) -> None:
    """What a data migration writes (its historical models keep no history): ``new`` rows
    inserted, ``changed`` rows updated with their ``changes`` and version."""
    model._default_manager.bulk_create(new)
    if not changed:
        return
    names = sorted({name for i in changed for name in changes[i.pk]})
    now = timezone.now()
    for instance in changed:
        for name, value in changes[instance.pk].items():
            setattr(instance, model._meta.get_field(name).attname, value)
        instance.version = (instance.version or 0) + 1
        instance.updated_at = now
    model._base_manager.bulk_update(changed, [*names, "version", "updated_at"], batch_size=1000)
