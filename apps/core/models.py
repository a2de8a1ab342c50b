"""Building blocks shared by every app: references, archiving, audit log, governance settings."""

from __future__ import annotations

import re
import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Level(models.IntegerChoices):
    """The four levels used for risks and for system criticality, ordered so that max() works."""

    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


class ReferenceMixin:
    """A stable human reference such as ``SYS-0042``, derived from the primary key.

    The reference is a property, never stored: the primary key is the single source of truth.
    """

    REFERENCE_PREFIX = ""

    @property
    def reference(self) -> str:
        return self.format_reference(self.pk) if self.pk else ""

    @classmethod
    def format_reference(cls, pk: int) -> str:
        return f"{cls.REFERENCE_PREFIX}-{pk:04d}"

    @classmethod
    def parse_reference(cls, text: str) -> int | None:
        """The primary key in ``SYS-0042``, ``sys-42`` or ``42`` form; ``None`` if not one."""
        pattern = rf"\s*(?:{cls.REFERENCE_PREFIX}-?)?0*(\d{{1,18}})\s*"
        match = re.fullmatch(pattern, text, re.IGNORECASE | re.ASCII)
        return int(match.group(1)) if match else None


class ConstraintErrorFieldsMixin:
    """Report a multi-field constraint's violation on the field a person should change.

    Django puts the error of a constraint over several fields (or expressions) among the
    form's general errors; ``constraint_error_fields = {"constraint_name": "field"}`` puts it
    next to the field instead, in forms and in the API alike.
    """

    constraint_error_fields: dict[str, str] = {}

    def validate_constraints(self, exclude=None):
        using = router.db_for_write(self.__class__, instance=self)
        errors: dict = {}
        for model_class, model_constraints in self.get_constraints():
            for constraint in model_constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as error:
                    field = self.constraint_error_fields.get(constraint.name)
                    if field is None and error.code == "unique" and len(constraint.fields) == 1:
                        field = constraint.fields[0]
                    if field:
                        errors.setdefault(field, []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """Optimistic concurrency: ``version`` goes up by one at every save.

    Forms and the API send back the version they read; the edit services compare it with the
    locked row (:mod:`apps.core.concurrency`), so nobody silently overwrites a change they never
    saw. The version is also in every historical row, which is how a conflict finds what the
    other person changed.
    """

    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Goes up by one each time the record is saved."
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version = (self.version or 0) + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version"}
        super().save(*args, **kwargs)


class ArchivableQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)


class ArchivableModel(models.Model):
    """Records that matter are archived, never deleted."""

    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class AuditEvent(models.Model):
    """One change of one record, as the global audit log lists it.

    Written in the same transaction as the historical record that django-simple-history keeps
    for the change (see :mod:`apps.core.audit`), with the field-by-field differences already
    resolved to readable values, so that the log is one indexed table whatever the model.
    """

    class Action(models.TextChoices):
        CREATED = "+", "Created"
        CHANGED = "~", "Changed"
        DELETED = "-", "Deleted"

    timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    # PROTECT: who made a change is part of the chained hash (apps.core.audit_chain); deleting
    # the person would rewrite the trail, so people who appear in it are deactivated instead.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    user_repr = models.CharField("user", max_length=255, blank=True)
    action = models.CharField(max_length=1, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField("record", max_length=255)
    history_id = models.PositiveBigIntegerField(help_text="Primary key of the historical row.")
    change_reason = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=list, blank=True)
    # The tamper-evident chain (apps.core.audit_chain): the entry's position, the historical
    # columns its hash covers, and sha256(previous entry's hash + this entry + its history row).
    sequence = models.PositiveBigIntegerField(
        null=True, blank=True, unique=True, editable=False, help_text="Position in the chain."
    )
    record_layout = models.ForeignKey(
        "core.AuditRecordLayout",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        editable=False,
        related_name="+",
    )
    entry_hash = models.CharField("hash", max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-timestamp", "-pk"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-timestamp"], name="audit_object_idx"
            ),
            models.Index(fields=["user", "-timestamp"], name="audit_user_idx"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr} by {self.user_repr or 'system'}"


class AuditRecordLayout(models.Model):
    """The columns of one historical table that an audit entry's hash covers.

    Historical tables gain columns over time (a migration adds a field with a default to every
    old row); an entry's hash covers the columns its table had when the entry was written, so
    that adding a column never breaks the chain. Written once per table and set of columns.
    """

    digest = models.CharField(max_length=64, unique=True)
    model = models.CharField(max_length=200, help_text="app_label.model of the historical table.")
    fields = models.JSONField(help_text='{"row": [columns], "m2m": {table: [columns]}}')

    def __str__(self):
        return f"{self.model} ({self.digest[:12]})"


class AuditChainHead(models.Model):
    """The last link of the audit chain (a single row).

    Appending locks this row (``SELECT … FOR UPDATE``; a transaction that finds it taken chains
    its entries right after it commits), so two transactions never chain to the same
    predecessor; verification compares the end of the chain with it, so removing the newest
    entries shows too.
    """

    sequence = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="audit_chain_head_single_row")
        ]

    def __str__(self):
        return f"Audit chain head: {self.sequence} {self.entry_hash[:12]}"


def evidence_upload_path(instance: Evidence, filename: str) -> str:
    """A random name under the record's folder: never guessable, never the user's own path."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{instance.content_type.model}/{instance.object_id}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """Proof attached to a record (a mitigation, a checklist item): a file, a link or a note.

    Files are served only through a view that checks the reader may see the record; removing
    evidence keeps the row (and its history) with ``removed_at`` set.
    """

    class Kind(models.TextChoices):
        FILE = "file", "File"
        LINK = "link", "Link"
        NOTE = "note", "Note"

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to=evidence_upload_path, blank=True, max_length=255)
    original_name = models.CharField("file name", max_length=255, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    media_type = models.CharField(max_length=100, blank=True)
    url = models.URLField("link", max_length=500, blank=True)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["added_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="evidence_object_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="file") & ~Q(file=""))
                | (Q(kind="link") & ~Q(url=""))
                | (Q(kind="note") & ~Q(note="")),
                name="evidence_has_its_content",
                violation_error_message="A file, a link or a note is needed.",
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.FILE:
            return self.original_name or "file"
        if self.kind == self.Kind.LINK:
            return self.url
        return self.note[:60]

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class GovernanceSettings(models.Model):
    """Organisation-wide numbers that administrators may change (a single row)."""

    review_cadence_critical_days = models.PositiveIntegerField(
        "review cadence for critical systems (days)", default=30
    )
    review_cadence_high_days = models.PositiveIntegerField(
        "review cadence for high-criticality systems (days)", default=90
    )
    review_cadence_medium_days = models.PositiveIntegerField(
        "review cadence for medium-criticality systems (days)", default=180
    )
    review_cadence_low_days = models.PositiveIntegerField(
        "review cadence for low-criticality systems (days)", default=365
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "governance settings"
        verbose_name_plural = "governance settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="governance_settings_single_row"),
            models.CheckConstraint(
                condition=models.Q(review_cadence_critical_days__gte=1)
                & models.Q(review_cadence_high_days__gte=1)
                & models.Q(review_cadence_medium_days__gte=1)
                & models.Q(review_cadence_low_days__gte=1),
                name="governance_settings_cadence_positive",
            ),
        ]

    def __str__(self):
        return "Governance settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    def clean(self):
        cadences = [
            self.review_cadence_critical_days,
            self.review_cadence_high_days,
            self.review_cadence_medium_days,
            self.review_cadence_low_days,
        ]
        if any(days is None or days < 1 for days in cadences):
            raise ValidationError("Every review cadence must be at least one day.")
        if cadences != sorted(cadences):
            raise ValidationError(
                "A more critical system must be reviewed at least as often as a less critical one."
            )

    @classmethod
    def load(cls) -> GovernanceSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    def review_cadence_days(self, criticality: int) -> int:
        return {
            Level.CRITICAL: self.review_cadence_critical_days,
            Level.HIGH: self.review_cadence_high_days,
            Level.MEDIUM: self.review_cadence_medium_days,
            Level.LOW: self.review_cadence_low_days,
        }[criticality]


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboxMessage(models.Model):
    """A side effect to carry out once, written in the same transaction as the change that
    causes it (the transactional outbox, :mod:`apps.core.outbox`).

    An e-mail to send, an export job to hand to a worker, later a webhook: the change and its
    side effect commit together or not at all, and the relay delivers pending rows afterwards,
    with retries and backoff, whether or not the broker was up when the change was made.
    """

    kind = models.CharField(
        max_length=100, help_text="Which registered handler delivers it, e.g. reminders.email."
    )
    payload = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(
        max_length=255,
        unique=True,
        help_text="One row per side effect: writing the same key again adds nothing.",
    )
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        default=timezone.now, help_text="Not delivered before this time (backoff after a failure)."
    )
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outbox message"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The relay's work list: pending rows due now, oldest first (a small partial index:
            # sent rows leave it).
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="outbox_pending_idx",
            ),
            models.Index(fields=["status", "kind"], name="outbox_status_kind_idx"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.get_status_display().lower()})"
