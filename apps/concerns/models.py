"""Concerns: what anyone who may see an AI system saw go wrong, or feared might, told to the
team that owns it.

Any signed-in person who may see a system raises a concern about it (viewers included), with an
optional attachment, optionally **anonymous to the team**: the team, the committee and the API
never learn who raised it, while the audit trail still records the raiser (its historical row
and its audit event name them; the event's readable name is masked, see
:class:`AnonymousRaiser`) and administrators and auditors see them on the page.

The owning team triages it: it becomes a risk or an incident of the register, is linked to an
existing one, or is closed with an answer the raiser reads.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from apps.accounts.models import User
from apps.accounts.permissions import TeamScopedQuerySet, contributor_teams, has_global_read
from apps.core.links import reverse_pk
from apps.core.models import ReferenceMixin, TimeStampedModel, VersionedModel

ANONYMOUS_RAISER = "Anonymous raiser"


class ConcernStatus(models.TextChoices):
    OPEN = "open", "Waiting for triage"
    RISK = "risk", "Became a risk"
    INCIDENT = "incident", "Became an incident"
    LINKED = "linked", "Linked to an existing record"
    CLOSED = "closed", "Closed with an answer"


TRIAGED_STATUSES = [s for s in ConcernStatus.values if s != ConcernStatus.OPEN]


def attachment_upload_path(instance: Concern, filename: str) -> str:
    """A random name: never guessable, never the raiser's own file name."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"concerns/{instance.system_id}/{uuid.uuid4().hex}{suffix}"


class AnonymousRaiser(User):
    """The raiser of an anonymous concern, as the audit trail names them: the concern's history
    keeps the person (administrators and auditors see them there); the audit log's entry names
    no user (``hidden_in_audit_log``) and reads “Anonymous raiser”, so that neither the team
    nor the committee can find who it was, by name, id or the log's user filter."""

    hidden_in_audit_log = True

    class Meta:
        proxy = True
        verbose_name = "anonymous raiser"

    def __str__(self):
        return ANONYMOUS_RAISER


class ConcernQuerySet(TeamScopedQuerySet):
    team_path = "system__team"

    def visible_to(self, user):
        """Global readers see every concern; contributors of the system's team see its
        concerns (they triage them); everybody sees the concerns they raised."""
        if has_global_read(user):
            return self.all()
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        team_ids = list(contributor_teams(user).values_list("pk", flat=True))
        return self.filter(Q(system__team_id__in=team_ids) | Q(raised_by=user))

    def open(self):
        return self.filter(status=ConcernStatus.OPEN)


class Concern(ReferenceMixin, VersionedModel, TimeStampedModel):
    """One concern about one AI system, from being raised to its triage."""

    REFERENCE_PREFIX = "CON"

    system = models.ForeignKey(
        "systems.AISystem", on_delete=models.PROTECT, related_name="concerns"
    )
    summary = models.CharField(max_length=255, help_text="What the concern is about, in a line.")
    description = models.TextField(
        "what you saw",
        help_text="What you saw or fear, when, and who it may affect.",
    )
    is_anonymous = models.BooleanField(
        "anonymous to the team",
        default=False,
        help_text="The team and the committee will not see who raised it; administrators and "
        "auditors still can, and you still see its answer.",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="raised_concerns"
    )
    status = models.CharField(
        max_length=20, choices=ConcernStatus.choices, default=ConcernStatus.OPEN
    )
    risk = models.ForeignKey(
        "risks.Risk",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns",
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns",
    )
    answer = models.TextField(blank=True, help_text="What the team tells the raiser.")
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    attachment = models.FileField(upload_to=attachment_upload_path, blank=True, max_length=255)
    attachment_name = models.CharField("attachment", max_length=255, blank=True)
    attachment_size = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    attachment_type = models.CharField(max_length=100, blank=True, editable=False)

    objects = ConcernQuerySet.as_manager()
    # Who raised it is the audit event's person, not a field of its readable history: the
    # readable changes are shown to everyone who may read the concern.
    history = HistoricalRecords(excluded_fields=["raised_by", "attachment"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["system", "-created_at"], name="concern_system_idx"),
            models.Index(fields=["status", "created_at"], name="concern_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(triaged_at__isnull=False),
                name="concern_triaged_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="risk") | Q(risk__isnull=False),
                name="concern_risk_has_risk",
            ),
            models.CheckConstraint(
                condition=~Q(status="incident") | Q(incident__isnull=False),
                name="concern_incident_has_incident",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(answer=""),
                name="concern_closed_has_answer",
            ),
        ]

    def __str__(self):
        return self.summary

    def get_absolute_url(self):
        return reverse_pk("concerns:detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status == ConcernStatus.OPEN
