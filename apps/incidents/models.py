"""Incidents: what actually went wrong with an AI system, and how the team responded.

An incident walks through the response phases (occurred → detected → assessed → contained →
recovered → post-incident review → closed), each with its timestamp. It names the risks of the
register that materialised (none: the incident is *uncatalogued*), the follow-up mitigations,
and, for a serious incident of a high-risk system, the EU AI Act Art. 73 notification deadline.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

from apps.accounts.permissions import TeamScopedQuerySet
from apps.core.links import reverse_pk
from apps.core.models import (
    ConstraintErrorFieldsMixin,
    ReferenceMixin,
    TimeStampedModel,
    VersionedModel,
)


class Severity(models.IntegerChoices):
    """SEV1 is the most severe; the number sorts and filters."""

    SEV1 = 1, "SEV1"
    SEV2 = 2, "SEV2"
    SEV3 = 3, "SEV3"
    SEV4 = 4, "SEV4"


SEVERITY_DEFINITIONS = {
    Severity.SEV1: "Critical failure of a core business function",
    Severity.SEV2: "Significant degradation of performance or safety",
    Severity.SEV3: "Minor issue with limited impact",
    Severity.SEV4: "Non-urgent improvement",
}

# SEV1 and SEV2 incidents owe a post-incident review.
REVIEW_OWED_SEVERITIES = (Severity.SEV1, Severity.SEV2)


class Phase(models.TextChoices):
    """The furthest response phase an incident has reached (derived from its timestamps)."""

    DETECTED = "detected", "Detected"
    ASSESSED = "assessed", "Assessed"
    CONTAINED = "contained", "Contained"
    RECOVERED = "recovered", "Recovered"
    REVIEWED = "reviewed", "Post-incident review done"
    CLOSED = "closed", "Closed"


@dataclass(frozen=True)
class PhaseStep:
    key: str
    field: str
    label: str
    question: str


# The response phases in order, with the timestamp field of each.
PHASE_STEPS = (
    PhaseStep("occurred", "occurred_at", "Occurred", "When did it start?"),
    PhaseStep("detected", "detected_at", "Detected", "When did the team become aware of it?"),
    PhaseStep("assessed", "assessed_at", "Assessed", "When were its scope and severity known?"),
    PhaseStep("contained", "contained_at", "Contained", "When did it stop getting worse?"),
    PhaseStep("recovered", "recovered_at", "Recovered", "When was normal service restored?"),
    PhaseStep("reviewed", "review_done_at", "Post-incident review done", "When was it reviewed?"),
    PhaseStep("closed", "closed_at", "Closed", "When was it closed?"),
)
PHASE_FIELDS = [step.field for step in PHASE_STEPS]
STEP_BY_FIELD = {step.field: step for step in PHASE_STEPS}
# A phase may only be recorded once the phase named here is: no gaps in the response. The time
# it started may be unknown, and SEV3/SEV4 incidents may skip the post-incident review.
REQUIRES = {
    "assessed_at": "detected_at",
    "contained_at": "assessed_at",
    "recovered_at": "contained_at",
    "review_done_at": "recovered_at",
    "closed_at": "recovered_at",
}
# Clock skew allowed between a browser or a monitoring system and the server.
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)


class SeriousIncident(models.TextChoices):
    """The cases of EU AI Act Art. 73 (serious incidents, Art. 3(49)) and their deadlines."""

    GENERAL = (
        "general",
        "Serious incident: serious harm to a person's health, to fundamental rights, "
        "to property or to the environment",
    )
    DEATH = "death", "Death of a person"
    WIDESPREAD = (
        "widespread",
        "Widespread infringement, or serious and irreversible disruption of critical "
        "infrastructure",
    )


# Days to report to the market surveillance authority after becoming aware (Art. 73(2)–(4)).
ART73_DAYS = {
    SeriousIncident.GENERAL: 15,
    SeriousIncident.DEATH: 10,
    SeriousIncident.WIDESPREAD: 2,
}


class ReportedVia(models.TextChoices):
    WEB = "web", "The register's pages"
    API = "api", "The API (e.g. a monitoring system)"


class RegulatorStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", "No notification required"
    PENDING = "pending", "Notification due"
    OVERDUE = "overdue", "Notification overdue"
    NOTIFIED = "notified", "Regulator notified"
    NOTIFIED_LATE = "notified_late", "Regulator notified after the deadline"


def _when(value: datetime.datetime) -> str:
    return date_format(timezone.localtime(value), "j M Y, H:i")


class IncidentQuerySet(TeamScopedQuerySet):
    team_path = "system__team"


class Incident(ConstraintErrorFieldsMixin, ReferenceMixin, VersionedModel, TimeStampedModel):
    """Something that went wrong with one AI system, from occurrence to closure."""

    REFERENCE_PREFIX = "INC"
    constraint_error_fields = {
        "incident_detected_after_occurred": "detected_at",
        "incident_assessed_after_detected": "assessed_at",
        "incident_contained_after_assessed": "contained_at",
        "incident_recovered_after_contained": "recovered_at",
        "incident_reviewed_after_recovered": "review_done_at",
        "incident_closed_after_recovered": "closed_at",
        "incident_severity_in_range": "severity",
    }

    system = models.ForeignKey(
        "systems.AISystem", on_delete=models.PROTECT, related_name="incidents"
    )
    title = models.CharField(max_length=255)
    description = models.TextField(
        help_text="What happened, to whom, and how it was noticed.",
    )
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)

    # The response phases
    occurred_at = models.DateTimeField(
        "occurred", null=True, blank=True, help_text="When it started, if known."
    )
    detected_at = models.DateTimeField(
        "detected",
        help_text="When the team became aware of it (the regulator's deadline runs from here).",
    )
    assessed_at = models.DateTimeField("assessed", null=True, blank=True)
    contained_at = models.DateTimeField("contained", null=True, blank=True)
    recovered_at = models.DateTimeField("recovered", null=True, blank=True)
    review_done_at = models.DateTimeField(
        "post-incident review done",
        null=True,
        blank=True,
        help_text="When the team's post-incident review (root cause, lessons) was done.",
    )
    closed_at = models.DateTimeField("closed", null=True, blank=True)
    phase = models.CharField(
        max_length=20, choices=Phase.choices, default=Phase.DETECTED, editable=False
    )

    # What it tells the register
    materialised_risks = models.ManyToManyField(
        "risks.Risk",
        blank=True,
        related_name="incidents",
        verbose_name="risks that materialised",
    )
    uncatalogued = models.BooleanField(
        default=True,
        editable=False,
        help_text="No risk of the register matches it: the catalogue missed something.",
    )
    root_cause = models.TextField(blank=True)
    lessons_learned = models.TextField(blank=True)
    people_affected = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many people were affected (an estimate is fine)."
    )
    follow_up_mitigations = models.ManyToManyField(
        "mitigations.Mitigation",
        blank=True,
        related_name="follow_up_of_incidents",
        verbose_name="follow-up mitigations",
    )

    # The regulator
    serious_incident = models.CharField(
        "serious incident (EU AI Act Art. 73)",
        max_length=20,
        choices=SeriousIncident.choices,
        blank=True,
        help_text="For a high-risk system, a serious incident must be reported to the market "
        "surveillance authority within 15 days of becoming aware of it, 10 days for a death, "
        "2 days for a widespread infringement or a critical-infrastructure disruption.",
    )
    regulator_notification_required = models.BooleanField(
        "a regulator must be notified",
        default=False,
        help_text="Set automatically for a serious incident of a high-risk system; tick it "
        "for another obligation (e.g. a personal-data breach).",
    )
    regulator_deadline = models.DateTimeField(
        "notification deadline",
        null=True,
        blank=True,
        help_text="Computed under Art. 73 for a high-risk system; otherwise the deadline of "
        "the obligation that applies.",
    )
    regulator_notified_at = models.DateTimeField("regulator notified", null=True, blank=True)
    regulator_reference = models.CharField("regulator's case reference", max_length=100, blank=True)

    # The committee's post-incident review of the safety plan (owed for SEV1 and SEV2).
    post_incident_review_due = models.BooleanField(
        "post-incident review owed",
        default=False,
        editable=False,
        help_text="Closed SEV1/SEV2 incident waiting for the committee's post-incident review.",
    )

    reported_via = models.CharField(
        max_length=10, choices=ReportedVia.choices, default=ReportedVia.WEB, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        editable=False,
        verbose_name="logged by",
    )

    history = HistoricalRecords(
        excluded_fields=["updated_at"], m2m_fields=[materialised_risks, follow_up_mitigations]
    )

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at", "-pk"]
        indexes = [
            models.Index(fields=["system", "-detected_at"], name="incident_system_idx"),
            models.Index(fields=["-detected_at"], name="incident_detected_idx"),
            models.Index(fields=["severity", "closed_at"], name="incident_open_severity_idx"),
            models.Index(fields=["phase"], name="incident_phase_idx"),
            models.Index(fields=["uncatalogued"], name="incident_uncatalogued_idx"),
            models.Index(
                fields=["regulator_deadline"],
                condition=Q(regulator_notified_at__isnull=True),
                name="incident_regulator_due_idx",
            ),
            models.Index(fields=["updated_at"], name="incident_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__range=(1, 4)),
                name="incident_severity_in_range",
                violation_error_message="Choose a severity from SEV1 to SEV4.",
            ),
            models.CheckConstraint(
                condition=Q(occurred_at__isnull=True) | Q(detected_at__gte=F("occurred_at")),
                name="incident_detected_after_occurred",
                violation_error_message="It cannot be detected before it occurred.",
            ),
            models.CheckConstraint(
                condition=Q(assessed_at__isnull=True) | Q(assessed_at__gte=F("detected_at")),
                name="incident_assessed_after_detected",
                violation_error_message="It cannot be assessed before it was detected.",
            ),
            models.CheckConstraint(
                condition=Q(contained_at__isnull=True)
                | Q(assessed_at__isnull=False, contained_at__gte=F("assessed_at")),
                name="incident_contained_after_assessed",
                violation_error_message="It is contained only after it was assessed.",
            ),
            models.CheckConstraint(
                condition=Q(recovered_at__isnull=True)
                | Q(contained_at__isnull=False, recovered_at__gte=F("contained_at")),
                name="incident_recovered_after_contained",
                violation_error_message="It is recovered only after it was contained.",
            ),
            models.CheckConstraint(
                condition=Q(review_done_at__isnull=True)
                | Q(recovered_at__isnull=False, review_done_at__gte=F("recovered_at")),
                name="incident_reviewed_after_recovered",
                violation_error_message="The post-incident review comes after recovery.",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True)
                | (
                    Q(recovered_at__isnull=False, closed_at__gte=F("recovered_at"))
                    & (Q(review_done_at__isnull=True) | Q(closed_at__gte=F("review_done_at")))
                ),
                name="incident_closed_after_recovered",
                violation_error_message="It is closed only after recovery (and its review).",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse_pk("incidents:detail", self.pk)

    # --- Validation -----------------------------------------------------------------------------
    def clean(self):
        """The phases in order, without gaps, none in the future; closing rules by severity.

        Each problem is reported on the field to correct, with the times involved.
        """
        super().clean()
        errors: dict[str, list[str]] = {}
        now = timezone.now()
        for step in PHASE_STEPS:
            value = getattr(self, step.field)
            if value is not None and value > now + FUTURE_TOLERANCE:
                errors.setdefault(step.field, []).append(
                    f"{step.label} cannot be in the future ({_when(value)})."
                )
        for field in REQUIRES:
            if getattr(self, field) is None:
                continue
            needed = REQUIRES[field]
            while needed is not None:
                # (detected is a required field: its own “required” error says it already)
                missing = getattr(self, needed) is None and needed != "detected_at"
                if missing and needed not in errors:
                    errors[needed] = [
                        f"Record when it was {STEP_BY_FIELD[needed].label.lower()}: the "
                        f"incident is already {STEP_BY_FIELD[field].label.lower()}, and phases "
                        "follow each other in order."
                    ]
                needed = REQUIRES.get(needed)
        previous: PhaseStep | None = None
        for step in PHASE_STEPS:
            value = getattr(self, step.field)
            if value is None:
                continue
            earlier = getattr(self, previous.field) if previous else None
            if earlier is not None and value < earlier and step.field not in errors:
                errors.setdefault(step.field, []).append(
                    f"{step.label} ({_when(value)}) cannot be before "
                    f"{previous.label.lower()} ({_when(earlier)})."
                )
            previous = step
        if self.closed_at is not None and self.severity in REVIEW_OWED_SEVERITIES:
            label = Severity(self.severity).label
            if self.review_done_at is None and "review_done_at" not in errors:
                errors.setdefault("review_done_at", []).append(
                    f"A {label} incident is closed only after its post-incident review: "
                    "record when it was done."
                )
            if not self.root_cause.strip():
                errors.setdefault("root_cause", []).append(
                    f"Write down the root cause before closing a {label} incident."
                )
            if not self.lessons_learned.strip():
                errors.setdefault("lessons_learned", []).append(
                    f"Write down the lessons learned before closing a {label} incident."
                )
        if (
            self.regulator_notified_at is not None
            and self.detected_at is not None
            and self.regulator_notified_at < self.detected_at
        ):
            errors.setdefault("regulator_notified_at", []).append(
                "The regulator cannot be notified before the incident was detected."
            )
        if self.regulator_notified_at is not None and self.regulator_notified_at > (
            now + FUTURE_TOLERANCE
        ):
            errors.setdefault("regulator_notified_at", []).append(
                "The notification cannot be in the future."
            )
        if errors:
            raise ValidationError(errors)

    # --- Derived, for display -------------------------------------------------------------------
    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def severity_definition(self) -> str:
        return SEVERITY_DEFINITIONS[Severity(self.severity)]

    @property
    def owes_post_incident_review(self) -> bool:
        return self.severity in REVIEW_OWED_SEVERITIES

    @property
    def review_outstanding(self) -> bool:
        """Owed and not submitted yet (needs the ``post_incident_review_id`` annotation of
        :func:`apps.incidents.selectors.with_review_state`)."""
        return self.post_incident_review_due and not getattr(self, "post_incident_review_id", None)

    @property
    def time_to_detect(self) -> datetime.timedelta | None:
        if self.occurred_at is None:
            return None
        return self.detected_at - self.occurred_at

    @property
    def time_to_resolve(self) -> datetime.timedelta | None:
        if self.recovered_at is None:
            return None
        return self.recovered_at - self.detected_at

    @property
    def next_step(self) -> PhaseStep | None:
        """The next phase to record, or None once closed.

        The post-incident review is offered only to SEV1/SEV2 incidents, which owe it.
        """
        for step in PHASE_STEPS[2:]:
            if getattr(self, step.field) is not None:
                continue
            if step.field == "review_done_at" and not self.owes_post_incident_review:
                continue
            return step
        return None

    @property
    def art73_applies(self) -> bool:
        """A serious incident of a high-risk system: Art. 73 sets the deadline."""
        from apps.systems.models import EUAIActTier

        return bool(self.serious_incident) and self.system.eu_ai_act_tier == EUAIActTier.HIGH_RISK

    @property
    def regulator_status(self) -> str:
        if not self.regulator_notification_required:
            return RegulatorStatus.NOT_REQUIRED
        deadline = self.regulator_deadline
        if self.regulator_notified_at is not None:
            if deadline is not None and self.regulator_notified_at > deadline:
                return RegulatorStatus.NOTIFIED_LATE
            return RegulatorStatus.NOTIFIED
        if deadline is not None and deadline < timezone.now():
            return RegulatorStatus.OVERDUE
        return RegulatorStatus.PENDING

    @property
    def regulator_time_left(self) -> datetime.timedelta | None:
        """Time until the deadline (negative once past); None without a pending deadline."""
        if self.regulator_deadline is None or self.regulator_notified_at is not None:
            return None
        return self.regulator_deadline - timezone.now()
