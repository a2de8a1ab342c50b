"""The fundamental rights impact assessment (FRIA) of EU AI Act Art. 27.

Before a high-risk system is first used, a deployer that is a public body or provides a public
service, or that uses it for creditworthiness (Annex III 5(b)) or life and health insurance
pricing (Annex III 5(c)), assesses its impact on people's fundamental rights and tells the
market surveillance authority. Whether that duty binds a system is not typed here: it is the
system's Art. 27 obligation, derived by the compliance rules (:mod:`apps.assessments.selectors`).

A system has at most one assessment: a **draft** that its team edits section by section
(Art. 27(1)(a)–(f), and the notification of Art. 27(3)), linked to the system's risks. Submitting
it freezes the draft as a numbered, immutable :class:`AssessmentVersion` (the sections, and the
linked risks' titles and levels as they were) that the committee reviews like a safety plan;
the approved version is the obligation's evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.accounts.permissions import TeamScopedQuerySet
from apps.core.links import reverse_pk
from apps.core.models import ReferenceMixin, TimeStampedModel, VersionedModel
from apps.reviews.models import ImmutableRecordError


@dataclass(frozen=True)
class Section:
    """One section of the assessment: the fields of the draft that fill it, under its letter
    of Art. 27(1) (or paragraph 3 for the notification)."""

    key: str
    article: str
    title: str
    fields: tuple[str, ...]
    links_risks: bool = False


# The sections in the Act's order, in the register's words. ``article`` is where the duty is.
SECTIONS: tuple[Section, ...] = (
    Section(
        "process",
        "Art. 27(1)(a)",
        "The deployer's process in which the system is used",
        ("deployer_process",),
    ),
    Section("period", "Art. 27(1)(b)", "Period and frequency of use", ("period_of_use",)),
    Section(
        "affected",
        "Art. 27(1)(c)",
        "People and groups likely to be affected",
        ("affected_groups",),
    ),
    Section(
        "harms",
        "Art. 27(1)(d)",
        "Specific risks of harm to them",
        ("risks_of_harm",),
        links_risks=True,
    ),
    Section("oversight", "Art. 27(1)(e)", "Human oversight measures", ("human_oversight",)),
    Section(
        "materialised",
        "Art. 27(1)(f)",
        "Measures if the risks materialise",
        ("measures_if_materialised", "internal_governance", "complaint_mechanisms"),
    ),
    Section(
        "notification",
        "Art. 27(3)",
        "Notification of the market surveillance authority",
        ("authority_name", "authority_notified_on"),
    ),
)
# The text fields a version cannot be submitted without (the notification comes after).
REQUIRED_TEXT_FIELDS = (
    "deployer_process",
    "period_of_use",
    "affected_groups",
    "human_oversight",
    "measures_if_materialised",
    "internal_governance",
    "complaint_mechanisms",
)
CONTENT_FIELDS = tuple(name for section in SECTIONS for name in section.fields)


class AssessmentQuerySet(TeamScopedQuerySet):
    team_path = "system__team"


class FundamentalRightsAssessment(ReferenceMixin, VersionedModel, TimeStampedModel):
    """A system's fundamental rights impact assessment: the draft its team edits, and (through
    :attr:`versions`) what was submitted to the committee."""

    REFERENCE_PREFIX = "FRIA"

    system = models.OneToOneField(
        "systems.AISystem", on_delete=models.PROTECT, related_name="rights_assessment"
    )
    # (a)–(c)
    deployer_process = models.TextField(
        "the deployer's process",
        blank=True,
        help_text="How and where the system is used in your organisation's work, in line with "
        "its intended purpose: who uses it, at which step, and what follows from its output.",
    )
    period_of_use = models.TextField(
        "period and frequency of use",
        blank=True,
        help_text="Over what period the system is meant to be used, and how often (each "
        "application, daily batches, seasonal campaigns…).",
    )
    affected_groups = models.TextField(
        "people and groups likely to be affected",
        blank=True,
        help_text="The categories of people and groups its use is likely to affect in this "
        "context, including people in vulnerable situations.",
    )
    # (d)
    risks_of_harm = models.TextField(
        "specific risks of harm",
        blank=True,
        help_text="The harms to those people's fundamental rights that you foresee "
        "(discrimination, privacy, access to services, freedom of expression…), taking the "
        "provider's instructions for use into account. Link the register's risks below.",
    )
    risks = models.ManyToManyField(
        "risks.Risk",
        blank=True,
        related_name="rights_assessments",
        verbose_name="linked risks",
        help_text="Risks of the system that this assessment covers.",
    )
    # (e)
    human_oversight = models.TextField(
        "human oversight measures",
        blank=True,
        help_text="How people oversee the system in use, following its instructions for use: "
        "who reviews, what they can override, when they stop it.",
    )
    # (f)
    measures_if_materialised = models.TextField(
        "measures if the risks materialise",
        blank=True,
        help_text="What you do when one of these harms happens: stop, correct, inform and "
        "remedy the people concerned.",
    )
    internal_governance = models.TextField(
        "internal governance",
        blank=True,
        help_text="Who decides and answers for it internally (owners, committee, escalation).",
    )
    complaint_mechanisms = models.TextField(
        "complaint mechanisms",
        blank=True,
        help_text="How affected people complain or contest an outcome, and who answers them.",
    )
    # Art. 27(3)
    authority_name = models.CharField(
        "market surveillance authority",
        max_length=255,
        blank=True,
        help_text="The authority you notify of the assessment's results.",
    )
    authority_notified_on = models.DateField(
        "authority notified on",
        null=True,
        blank=True,
        help_text="The day you sent the notification (Art. 27(3)); leave empty until then.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    objects = AssessmentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[risks])

    class Meta:
        verbose_name = "fundamental rights impact assessment"
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["updated_at"], name="fria_updated_idx")]

    def __str__(self):
        return f"Fundamental rights impact assessment of {self.system}"

    def get_absolute_url(self):
        return reverse_pk("assessments:detail", self.pk)


class VersionOutcome(models.TextChoices):
    """What became of a submitted version, once the committee is done with it."""

    OPEN = "", "With the committee"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SUPERSEDED = "superseded", "Superseded (changes requested)"


# What a version's page shows as its state while its review is open (the review's status).
OPEN_STATES = {
    "pending": "Waiting for the committee",
    "changes_requested": "Changes requested",
}
# The only fields written after submission: the review it is sent to (once, right after it is
# saved: the review names it as its subject), and what the committee's decision made of it.
AFTER_SUBMISSION_FIELDS = frozenset({"review", "outcome", "decided_at"})


class AssessmentVersionQuerySet(TeamScopedQuerySet):
    team_path = "assessment__system__team"

    def update(self, **kwargs):
        if set(kwargs) - AFTER_SUBMISSION_FIELDS:
            raise ImmutableRecordError("A submitted assessment version never changes.")
        return super().update(**kwargs)

    def delete(self):
        raise ImmutableRecordError("A submitted assessment version is never deleted.")


class AssessmentVersion(models.Model):
    """An assessment frozen when it was submitted: what the committee read, and nothing else.

    ``content`` is the draft as :func:`apps.assessments.services.frozen_content` built it: the
    sections, the linked risks with their titles and levels at that moment, the system's facts.
    Numbered per assessment (1, 2, 3…). Only ``review`` (once) and the decision's ``outcome`` and
    ``decided_at`` are written after it is saved; nothing is ever deleted."""

    assessment = models.ForeignKey(
        FundamentalRightsAssessment, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    content = models.JSONField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    review = models.ForeignKey(
        "reviews.Review",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The committee's review that decides on it.",
    )
    outcome = models.CharField(
        max_length=20, choices=VersionOutcome.choices, default=VersionOutcome.OPEN, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = AssessmentVersionQuerySet.as_manager()
    # The content is frozen in this table; the history records who submitted it and its outcome.
    history = HistoricalRecords(excluded_fields=["content"])

    class Meta:
        ordering = ["assessment", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "number"], name="unique_fria_version_number"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="fria_version_number_positive"),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(decided_at__isnull=False),
                name="fria_decided_version_has_date",
            ),
        ]
        indexes = [models.Index(fields=["outcome"], name="fria_version_outcome_idx")]

    def __str__(self):
        return f"{self.assessment.reference} version {self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or set(fields) - AFTER_SUBMISSION_FIELDS:
                raise ImmutableRecordError("A submitted assessment version never changes.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("assessments:version", args=[self.assessment_id, self.number])

    @property
    def version_date(self):
        """When the version was submitted (the "Compare with" list: core/_compare_with.html)."""
        return self.submitted_at

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("A submitted assessment version is never deleted.")

    @property
    def reference(self) -> str:
        return f"{self.assessment.reference} v{self.number}"

    @property
    def is_approved(self) -> bool:
        return self.outcome == VersionOutcome.APPROVED

    @property
    def state(self) -> str:
        """Its outcome, or while the committee has it, its review's status."""
        if self.outcome or self.review_id is None:
            return self.outcome
        return self.review.status

    @property
    def state_label(self) -> str:
        if self.outcome or self.review_id is None:
            return self.get_outcome_display()
        return OPEN_STATES.get(self.review.status, self.review.get_status_display())
