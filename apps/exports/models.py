"""Long exports run by a worker: the job a person watches, with its progress and its file.

The model moved here from the reminders app; its table keeps the name it was created with
(``reminders_exportjob``), so that the move rebuilt nothing.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


def export_upload_path(instance: ExportJob, filename: str) -> str:
    """A random folder per file: never guessable (files are served only through a view)."""
    return f"exports/{uuid.uuid4().hex}/{PurePath(filename).name}"


class ExportKind(models.TextChoices):
    REGISTER_XLSX = "register_xlsx", "Risk register (XLSX)"
    TEAM_PLAN_PDFS = "team_plan_pdfs", "Safety plans of a team (PDFs in a ZIP)"


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Running"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    """A long export run by a worker, with its progress and, when done, its file."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(max_length=30, choices=ExportKind.choices)
    params = models.TextField(
        blank=True,
        help_text="What to export, as a query string: the register's filters, or ``team=<id>``.",
    )
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    row_count = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to=export_upload_path, blank=True, max_length=255)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(help_text="The file is deleted after this time.")

    class Meta:
        db_table = "reminders_exportjob"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="export_user_idx"),
            models.Index(fields=["expires_at"], name="export_expires_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__range=(0, 100)), name="export_progress_percent"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.user} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("exports:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)

    @property
    def is_downloadable(self) -> bool:
        return self.status == ExportStatus.DONE and bool(self.file) and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
