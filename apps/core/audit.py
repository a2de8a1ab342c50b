"""The audit trail: every historical record becomes an entry of the global audit log.

django-simple-history keeps, per model, a full copy of each version of each record. Each time it
writes one, :func:`record_audit_event` adds an :class:`~apps.core.models.AuditEvent` in the same
transaction with who, when, why, and the field-by-field differences from the previous version,
resolved to readable values (choice labels, names of related records). The log and every
record's history page read those events: one indexed table, whatever the model.

Each event is also a link of a hash chain that covers the event and its historical row
(:mod:`apps.core.audit_chain`; ``manage.py verify_audit_trail`` checks it).

This is change logging, not a workflow, which is why it hangs off simple-history's signal.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from functools import partial

from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from simple_history.signals import post_create_historical_record

from apps.core import audit_chain
from apps.core.models import AuditEvent

# Bookkeeping fields that change on every save and say nothing to a reader.
IGNORED_FIELDS = {"updated_at", "created_at", "created_by", "version"}
MAX_VALUE_LENGTH = 5000


def connect_signals() -> None:
    post_create_historical_record.connect(
        record_audit_event, dispatch_uid="apps.core.audit.record_audit_event"
    )


def logged_user(user):
    """Whom the audit log's entry names: the user, unless the user stands for someone whose
    identity only the record's own history keeps (``hidden_in_audit_log``: the raiser of an
    anonymous concern, whom administrators and auditors find there, never the committee)."""
    return None if getattr(user, "hidden_in_audit_log", False) else user


def record_audit_event(sender, instance, history_instance, history_user, **kwargs) -> None:
    action = history_instance.history_type
    if action == AuditEvent.Action.CREATED:
        changes = describe_initial_values(history_instance)
    elif action == AuditEvent.Action.CHANGED:
        previous = history_instance.prev_record
        changes = describe_changes(history_instance, previous) if previous else []
        if previous is not None and not changes:
            return  # a save that changed nothing a reader would see
    else:
        changes = []
    event = AuditEvent(
        timestamp=history_instance.history_date,
        user=logged_user(history_user),
        user_repr=str(history_user) if history_user else "",
        action=action,
        content_type=ContentType.objects.get_for_model(instance.__class__),
        object_id=instance.pk,
        object_repr=str(instance)[:255],
        history_id=history_instance.pk,
        change_reason=(history_instance.history_change_reason or "")[:255],
        changes=changes,
    )
    audit_chain.append(event, history_instance)  # saves it as the next link of the chain


def save_with_history(record: models.Model, *, by, reason: str, **save_kwargs) -> None:
    """Save ``record``, its new version in the history (and so the audit log) saying who made
    the change (``by``, a user or ``None``) and why (``reason``)."""
    record._history_user = by
    record._change_reason = reason
    record.save(**save_kwargs)


def bulk_save_with_history(
    instances: Sequence[models.Model],
    values: dict[str, object],
    *,
    by=None,
    reason: str | dict[int, str] = "",
) -> None:
    """Set ``values`` (field name → new value) on ``instances`` (one model, as read) and save
    them with their history and audit entries as a per-record save writes them, in a fixed
    number of queries whatever their number: for the daily jobs, which change hundreds of
    records at once.

    ``reason`` is the change reason, one for all or one per primary key. ``version`` goes up (as
    ``VersionedModel.save`` does) and ``auto_now`` stamps move. Many-to-many history is copied
    as it stands (these saves change no link). The audit entries are chained once the
    transaction commits, as :func:`apps.core.audit_chain.append` does when the chain head is busy.

    Sends no ``post_save``: use it only for fields that nothing listens to.
    """
    if not instances:
        return
    model = type(instances[0])
    opts = model._meta
    fields = [opts.get_field(name) for name in values]
    before = {i.pk: [getattr(i, field.attname) for field in fields] for i in instances}
    now = timezone.now()
    saved = list(values)
    for instance in instances:
        for field in fields:
            setattr(instance, field.attname, values[field.name])
    for field in opts.concrete_fields:
        if getattr(field, "auto_now", False):
            saved.append(field.name)
            for instance in instances:
                setattr(instance, field.attname, now)
    if any(field.name == "version" for field in opts.concrete_fields):
        saved.append("version")
        for instance in instances:
            instance.version = (instance.version or 0) + 1
    model._base_manager.bulk_update(instances, saved)

    reasons = reason if isinstance(reason, dict) else {i.pk: reason for i in instances}
    for instance in instances:
        instance._history_user = by
        instance._change_reason = reasons.get(instance.pk, "")
    history_rows = model.history.bulk_history_create(instances, update=True, default_date=now)
    _copy_m2m_history(model, {i.pk: row for i, row in zip(instances, history_rows, strict=True)})

    content_type = ContentType.objects.get_for_model(model)
    events = AuditEvent.objects.bulk_create(
        AuditEvent(
            timestamp=now,
            user=logged_user(by),
            user_repr=str(by) if by else "",
            action=AuditEvent.Action.CHANGED,
            content_type=content_type,
            object_id=instance.pk,
            object_repr=str(instance)[:255],
            history_id=history_row.pk,
            change_reason=reasons.get(instance.pk, "")[:255],
            changes=[
                _change(field, old, new)
                for field, old_raw in zip(fields, before[instance.pk], strict=True)
                if (old := display_value(field, old_raw))
                != (new := display_value(field, getattr(instance, field.attname)))
            ],
        )
        for history_row, instance in zip(history_rows, instances, strict=True)
    )
    ids = [event.pk for event in events]
    transaction.on_commit(partial(audit_chain.seal_unchained, django_apps, ids=ids), robust=True)


def _copy_m2m_history(model: type[models.Model], history_of: dict[int, models.Model]) -> None:
    """The many-to-many rows of each new historical row (``history_of``: by the record's primary
    key): the links its record has now, as simple-history's ``create_historical_record_m2ms``
    writes them; two queries per field."""
    history_model = model.history.model
    for field in getattr(history_model, "_history_m2m_fields", []):
        m2m_history_model = getattr(history_model, field.name).model
        through = getattr(model, field.name).through
        source = field.m2m_field_name()
        names = [f.attname for f in through._meta.fields]
        links = through._base_manager.filter(**{f"{source}_id__in": list(history_of)})
        m2m_history_model._base_manager.bulk_create(
            m2m_history_model(history=history_of[link[f"{source}_id"]], **link)
            for link in links.values(*names)
        )


def _tracked_field_names(history_instance) -> list[str]:
    return [
        field.name
        for field in history_instance.tracked_fields
        if not field.primary_key and field.name not in IGNORED_FIELDS
    ]


def _original_field(history_instance, name: str):
    return history_instance.instance_type._meta.get_field(name)


def describe_changes(history_instance, previous) -> list[dict]:
    """``[{field, label, old, new}]`` between two versions, with readable values.

    Plain fields are compared directly (simple-history's own diff skips non-editable fields
    such as the derived criticality or the archive stamp, which auditors need to see);
    many-to-many fields use simple-history's diff of the m2m history rows.
    """
    described = []
    for name in _tracked_field_names(history_instance):
        field = _original_field(history_instance, name)
        old_raw = getattr(previous, field.attname)
        new_raw = getattr(history_instance, field.attname)
        if old_raw == new_raw:
            continue
        old, new = display_value(field, old_raw), display_value(field, new_raw)
        if old != new:
            described.append(_change(field, old, new))
    m2m_names = [field.name for field in history_instance._history_m2m_fields]
    if m2m_names:
        delta = history_instance.diff_against(previous, included_fields=m2m_names)
        for change in delta.changes:
            field = _original_field(history_instance, change.field)
            old, new = _m2m_display(field, change.old), _m2m_display(field, change.new)
            if old != new:
                described.append(_change(field, old, new))
    return described


def describe_initial_values(history_instance) -> list[dict]:
    """The values a record was created with, as changes from nothing."""
    described = []
    for name in _tracked_field_names(history_instance):
        field = _original_field(history_instance, name)
        value = display_value(field, getattr(history_instance, field.attname))
        if value not in ("", "No"):
            described.append(_change(field, "", value))
    for m2m_field in history_instance._history_m2m_fields:
        rows = list(getattr(history_instance, m2m_field.name).values())
        value = _m2m_display(m2m_field, rows)
        if value:
            described.append(_change(m2m_field, "", value))
    return described


def _change(field, old: str, new: str) -> dict:
    return {"field": field.name, "label": str(field.verbose_name), "old": old, "new": new}


def display_value(field, value) -> str:
    """A stored value as a person reads it: choice labels, related names, ISO dates."""
    if value is None or value == "":
        return ""
    if isinstance(field, models.ForeignKey):
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value} (deleted)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)[:MAX_VALUE_LENGTH]


def _m2m_display(field, rows: Iterable[dict]) -> str:
    """Names of the related records in simple-history's m2m rows, sorted, comma-separated."""
    target = field.m2m_reverse_field_name()
    ids = set()
    for row in rows or []:
        value = row.get(target, row.get(f"{target}_id"))
        ids.add(value.pk if isinstance(value, models.Model) else value)
    ids.discard(None)
    if not ids:
        return ""
    names = sorted(str(obj) for obj in field.related_model._default_manager.filter(pk__in=ids))
    return ", ".join(names)


# --- Links from the log to the records -----------------------------------------------------------
# Models whose detail page is ``<app_label>:detail``. Apps add theirs with register_detail_url.
_DETAIL_URL_NAMES: dict[str, str] = {}


def register_detail_url(model: type[models.Model], url_name: str) -> None:
    _DETAIL_URL_NAMES[model._meta.label_lower] = url_name


def record_url(content_type: ContentType, object_id: int) -> str:
    """The page of an audited record, or "" if it has none (no query is made)."""
    url_name = _DETAIL_URL_NAMES.get(f"{content_type.app_label}.{content_type.model}")
    if not url_name:
        return ""
    try:
        return reverse(url_name, args=[object_id])
    except NoReverseMatch:
        return ""


def audited_models() -> list[type[models.Model]]:
    """Every model that keeps history, for the audit log's model filter."""
    from django.apps import apps

    return sorted(
        (
            m
            for m in apps.get_models()
            if getattr(m._meta, "simple_history_manager_attribute", None)
        ),
        key=lambda m: str(m._meta.verbose_name),
    )
