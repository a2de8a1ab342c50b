"""Export jobs, moved here from the reminders app (its ``0004_move_export_jobs_to_exports``).

Only Django's idea of the models changes: the model keeps its table, ``reminders_exportjob``,
created by the reminders app's ``0001_initial``, with its rows, indexes and constraint. The
model's content type moves with it, so that its permissions and admin log entries follow.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import apps.exports.models


def move_content_type(apps, schema_editor, old="reminders", new="exports"):
    """Relabel the model's content type (none yet in a new database: Django makes it later)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="exportjob").exists():
        ContentType.objects.filter(app_label=old, model="exportjob").update(app_label=new)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="exports", new="reminders")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reminders", "0004_move_export_jobs_to_exports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ExportJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("register_xlsx", "Risk register (XLSX)"),
                                    ("team_plan_pdfs", "Safety plans of a team (PDFs in a ZIP)"),
                                ],
                                max_length=30,
                            ),
                        ),
                        (
                            "params",
                            models.TextField(
                                blank=True,
                                help_text="What to export, as a query string: the register's "
                                "filters, or ``team=<id>``.",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting for a worker"),
                                    ("running", "Running"),
                                    ("done", "Ready to download"),
                                    ("failed", "Failed"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        (
                            "progress",
                            models.PositiveSmallIntegerField(default=0, help_text="Per cent done."),
                        ),
                        ("row_count", models.PositiveIntegerField(blank=True, null=True)),
                        (
                            "file",
                            models.FileField(
                                blank=True,
                                max_length=255,
                                upload_to=apps.exports.models.export_upload_path,
                            ),
                        ),
                        ("error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "expires_at",
                            models.DateTimeField(help_text="The file is deleted after this time."),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="export_jobs",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "reminders_exportjob",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [
                            models.Index(fields=["user", "-created_at"], name="export_user_idx"),
                            models.Index(fields=["expires_at"], name="export_expires_idx"),
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("progress__range", (0, 100))),
                                name="export_progress_percent",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
