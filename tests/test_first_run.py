"""The first run is quiet: no warning about SQLite's missing covering indexes, none from kombu
about a broker without a host name; and the covering index is still there on PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import connection, models

from apps.core.indexes import CoveringIndex
from apps.risks.models import Risk

ROOT = Path(__file__).resolve().parent.parent


def matrix_index():
    return next(index for index in Risk._meta.indexes if index.name == "risk_live_matrix_idx")


@pytest.mark.django_db
def test_the_checks_migrate_runs_give_no_warning():
    assert checks.run_checks(databases=["default"], include_deployment_checks=False) == []


def test_the_covering_index_is_a_plain_index_with_its_columns_for_the_migrations():
    index = matrix_index()
    assert isinstance(index, CoveringIndex)
    path, _, kwargs = index.deconstruct()
    assert path == "django.db.models.Index"
    covered = ("status", "treatment_due", "has_mitigation_in_place", "system", "id")
    assert kwargs["include"] == covered
    assert index == models.Index(**kwargs)


@pytest.mark.django_db
def test_the_migrations_match_the_models_on_this_database():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_the_dashboard_index_covers_its_columns():
    assert matrix_index().include
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", ["risk_live_matrix_idx"]
        )
        definition = cursor.fetchone()[0]
    assert "INCLUDE (status, treatment_due, has_mitigation_in_place, system_id, id)" in definition


def test_without_redis_tasks_run_in_the_process_without_a_broker_warning(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from config.celery import app\n"
        "@app.task\n"
        "def ping():\n"
        "    return 'pong'\n"
        "print(ping.apply_async(retry=False).get())\n"
    )
    result = subprocess.run(  # noqa: S603 - our interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "a-secret-key-for-the-first-run-test-0123456789",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "REDIS_URL": "",
            "LOG_FORMAT": "plain",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("pong")
    assert "No hostname" not in result.stderr + result.stdout
    assert "WARNING" not in result.stderr
