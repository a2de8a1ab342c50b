"""Put the files of a backup (``backup_files``) back into the file storage.

    manage.py restore_files /backups/2026-12-05/files

Each file is checked against the backup's ``SHA256SUMS`` first (a damaged backup restores
nothing), then stored under its very name, replacing a file of that name; the local disk and
object storage alike. Part of ``scripts/restore.sh`` (README, "Backup and restore").
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from apps.core.management.commands.backup_files import CHUNK, SUMS


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Put the files of a backup folder (backup_files) back into the file storage."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="the folder backup_files wrote")

    def handle(self, *args, folder, **options):
        source = Path(folder)
        sums_file = source / SUMS
        if not sums_file.exists():
            raise CommandError(f"{sums_file} is missing: not a folder of backup_files.")
        entries = []
        for line in sums_file.read_text().splitlines():
            expected, name = line.split("  ", 1)
            path = source / name
            if not path.is_file() or sha256_of(path) != expected:
                raise CommandError(
                    f"{name} is missing from the backup or damaged; nothing was restored."
                )
            entries.append((name, path))
        for name, path in entries:
            if default_storage.exists(name):
                default_storage.delete(name)
            with path.open("rb") as handle:
                saved = default_storage.save(name, File(handle, name=name))
            if saved != name:
                raise CommandError(f"{name} was stored as {saved}.")
        self.stdout.write(f"Restored {len(entries)} files.")
