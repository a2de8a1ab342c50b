"""AI literacy (EU AI Act Art. 4): the trainings people must take, and who took which, when.

* A **training** is an AI-literacy course or a role training (e.g. "Human oversight of high-risk
  AI"), valid for ``validity_months`` after its completion, or for good when empty.
* A **requirement** says who must hold a training: everyone, a global role (committee members,
  administrators, auditors), a team role (contributors, viewers of any team) or the owners of a
  live high-risk system — the business and technical owners, who answer for its human oversight
  (Art. 14, 26(2)); the register names no other overseer.
* A **completion** records that a person completed a training on a day, until when it counts,
  where the record comes from (recorded by an administrator, declared by the person, imported
  from an LMS's CSV) and a reference to the evidence. One per (person, training, day): importing
  the same file twice adds nothing.

Who is missing what is computed, never stored (:mod:`apps.literacy.selectors`).
"""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class TrainingKind(models.TextChoices):
    AI_LITERACY = "ai_literacy", "AI literacy"
    ROLE = "role", "Role training"


class Training(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=TrainingKind.choices)
    description = models.TextField(blank=True, help_text="What it covers, and where to take it.")
    validity_months = models.PositiveSmallIntegerField(
        "valid for (months)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="How long a completion counts. Empty: it never expires.",
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="An inactive training is required of nobody."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def expiry_for(self, completed_on: datetime.date) -> datetime.date | None:
        """The last day a completion on ``completed_on`` counts (None: for good)."""
        if not self.validity_months:
            return None
        return add_months(completed_on, self.validity_months) - datetime.timedelta(days=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day when it has fewer: 31 Jan → 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    COMMITTEE_MEMBERS = "committee_members", "Committee members"
    ADMINISTRATORS = "administrators", "Administrators"
    AUDITORS = "auditors", "Auditors"
    CONTRIBUTORS = "contributors", "Contributors of a team"
    VIEWERS = "viewers", "Viewers of a team"
    HIGH_RISK_OWNERS = (
        "high_risk_owners",
        "Owners of a high-risk system (its human oversight)",
    )


class TrainingRequirement(models.Model):
    """Who must hold a training."""

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="requirements")
    audience = models.CharField("required of", max_length=30, choices=Audience.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["training__name", "audience"]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "audience"],
                name="one_requirement_per_training_and_audience",
                violation_error_message="This training is already required of them.",
            ),
        ]

    def __str__(self):
        return f"{self.training} — {self.get_audience_display()}"


class CompletionSource(models.TextChoices):
    RECORDED = "recorded", "Recorded by an administrator"
    DECLARED = "declared", "Declared by the person"
    IMPORTED = "imported", "Imported from a CSV file"


class TrainingCompletion(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_completions"
    )
    training = models.ForeignKey(Training, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField()
    expires_on = models.DateField(
        null=True, blank=True, editable=False, help_text="Derived from the training's validity."
    )
    source = models.CharField(max_length=20, choices=CompletionSource.choices)
    evidence = models.CharField(
        max_length=255,
        blank=True,
        help_text="A certificate number, the LMS's record, or where the evidence is kept.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-completed_on", "pk"]
        indexes = [
            models.Index(fields=["person", "training", "expires_on"], name="completion_person_idx"),
            models.Index(fields=["training", "completed_on"], name="completion_training_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "training", "completed_on"],
                name="one_completion_per_person_training_day",
                violation_error_message="This completion is already recorded.",
            ),
        ]

    def __str__(self):
        return f"{self.training} completed by {self.person} on {self.completed_on:%d %b %Y}"

    def get_absolute_url(self):
        return reverse("literacy:completion", args=[self.pk])
