"""Backup and restore (README, "Backup and restore"): ``scripts/backup.sh`` dumps the database
and copies the stored files; ``scripts/restore.sh`` restores them into a fresh database and
proves the restored audit trail reaches the head recorded at the backup
(``verify_audit_trail --pin``). Run for real, on PostgreSQL, into a scratch database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from apps.accounts.models import Membership
from apps.core import services as core_services
from tests.deployment.conftest import committed_rows
from tests.deployment.services import connect
from tests.factories import AISystemFactory, MembershipFactory, MitigationFactory, RiskFactory

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def run(script: str, *args: str, database: str, media: Path) -> subprocess.CompletedProcess:
    settings = connection.settings_dict
    url = f"postgres://postgres@{settings['HOST']}:{settings['PORT'] or 5432}/{database}"
    command = [sys.executable, script] if script.endswith(".py") else [str(ROOT / script)]
    return subprocess.run(  # noqa: S603 - the project's own scripts
        [*command, *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(media)},
        capture_output=True,
        text=True,
        timeout=600,
    )


# --- The file copies (any database) ------------------------------------------------------------
@pytest.fixture
def stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "evidence" / "mitigation" / "3").mkdir(parents=True)
    (settings.MEDIA_ROOT / "evidence" / "mitigation" / "3" / "a1b2.pdf").write_bytes(PDF)
    return settings.MEDIA_ROOT


def test_backup_files_copies_every_stored_file_with_its_checksum(stored, tmp_path):
    call_command("backup_files", str(tmp_path / "files"))
    assert (tmp_path / "files" / "evidence/mitigation/3/a1b2.pdf").read_bytes() == PDF
    assert "evidence/mitigation/3/a1b2.pdf" in (tmp_path / "files" / "SHA256SUMS").read_text()


def test_restore_files_puts_the_files_back_under_their_names(stored, settings, tmp_path):
    call_command("backup_files", str(tmp_path / "files"))
    settings.MEDIA_ROOT = tmp_path / "fresh"
    call_command("restore_files", str(tmp_path / "files"))
    assert (tmp_path / "fresh" / "evidence/mitigation/3/a1b2.pdf").read_bytes() == PDF


# django_db: so that the test database exists for the restore's tests below (pytest-django
# creates it when a collected test asks for it).
@pytest.mark.django_db
def test_a_damaged_file_backup_restores_nothing(stored, settings, tmp_path):
    call_command("backup_files", str(tmp_path / "files"))
    (tmp_path / "files" / "evidence/mitigation/3/a1b2.pdf").write_bytes(b"%PDF-changed")
    settings.MEDIA_ROOT = tmp_path / "fresh"
    with pytest.raises(CommandError, match="damaged; nothing was restored"):
        call_command("restore_files", str(tmp_path / "files"))
    assert not (tmp_path / "fresh").exists()


# --- The whole backup and restore, on PostgreSQL --------------------------------------------------
@pytest.fixture(scope="module")
def restored(django_db_setup, django_db_blocker, tmp_path_factory):
    """A register with evidence, backed up by backup.sh and restored by restore.sh into a
    scratch database and an empty file folder."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… to run it")
    folder = tmp_path_factory.mktemp("backup")
    media, fresh_media = folder / "media", folder / "restored-media"
    scratch = f"restore_{uuid.uuid4().hex[:12]}"
    port = int(connection.settings_dict["PORT"] or 5432)
    # A transactional test before this one in the same process may have flushed the content
    # types this process has cached; the audit entries below must point at rows that exist.
    ContentType.objects.clear_cache()
    with committed_rows(django_db_blocker), override_settings(MEDIA_ROOT=media):
        contributor = MembershipFactory(role=Membership.Role.CONTRIBUTOR).user
        system = AISystemFactory(
            team=contributor.teams.get(), business_owner=contributor, technical_owner=contributor
        )
        risk = RiskFactory(system=system, title="Invented refund policy")
        mitigation = MitigationFactory(system=system, risks=[risk])
        evidence = core_services.add_evidence(
            record=mitigation,
            by=contributor,
            kind="file",
            file=SimpleUploadedFile("red-team-report.pdf", PDF),
        )
        backup = run(
            "scripts/backup.sh",
            str(folder / "backup"),
            database=connection.settings_dict["NAME"],
            media=media,
        )
        assert backup.returncode == 0, backup.stdout + backup.stderr
        with connect(port) as server:
            server.execute(f'CREATE DATABASE "{scratch}"')
        try:
            restore = run(
                "scripts/restore.sh", str(folder / "backup"), database=scratch, media=fresh_media
            )
            yield SimpleNamespace(
                folder=folder / "backup",
                backup=backup,
                restore=restore,
                scratch=scratch,
                port=port,
                media=fresh_media,
                evidence_name=evidence.file.name,
                risk_title=risk.title,
            )
        finally:
            with connect(port) as server:
                server.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def test_the_backup_holds_the_dump_the_files_and_the_audit_head(restored):
    assert (restored.folder / "database.dump").stat().st_size > 0
    assert (restored.folder / "files" / restored.evidence_name).read_bytes() == PDF
    head = (restored.folder / "audit-head.txt").read_text().strip()
    assert re.fullmatch(r"[1-9]\d*:[0-9a-f]{64}", head)


def test_the_restore_proves_the_audit_trail_reaches_the_head_of_the_backup(restored):
    assert restored.restore.returncode == 0, restored.restore.stdout + restored.restore.stderr
    assert "Audit trail OK" in restored.restore.stdout
    assert "Pinned hashes reached: 1." in restored.restore.stdout


def test_the_restored_database_has_the_records(restored):
    with connect(restored.port, dbname=restored.scratch) as database:
        titles = database.execute("SELECT title FROM risks_risk").fetchall()
    assert (restored.risk_title,) in titles


def test_the_restored_files_are_the_originals(restored):
    assert (restored.media / restored.evidence_name).read_bytes() == PDF


def test_a_head_the_restored_trail_does_not_reach_fails_the_proof(restored):
    sequence = (restored.folder / "audit-head.txt").read_text().split(":")[0]
    wrong = run(
        "manage.py",
        "verify_audit_trail",
        "--pin",
        f"{sequence}:{'0' * 64}",
        database=restored.scratch,
        media=restored.media,
    )
    assert wrong.returncode == 1
    assert "pinned" in wrong.stderr.lower()


def test_a_restore_refuses_a_database_that_has_tables(restored):
    refused = run(
        "scripts/restore.sh", str(restored.folder), database=restored.scratch, media=restored.media
    )
    assert refused.returncode == 1
    assert "restore into a fresh one" in refused.stderr
