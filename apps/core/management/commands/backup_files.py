"""Copy every stored file (evidence, export files) out of the file storage into a folder.

    manage.py backup_files /backups/2026-12-05/files

Works the same on the local disk (``MEDIA_ROOT``) and on object storage (``STORAGE_URL``): the
folder mirrors the storage's names (``evidence/mitigation/12/<random>.pdf``), and a
``SHA256SUMS`` file lists each file's checksum, for ``restore_files`` to check. Part of
``scripts/backup.sh`` (README, "Backup and restore").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

CHUNK = 1024 * 1024
SUMS = "SHA256SUMS"


def stored_names(storage, folder: str = "") -> Iterator[str]:
    """Every file of ``storage`` under ``folder``, by its storage name."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # an empty local storage has no folder yet
        return
    for name in sorted(files):
        yield str(PurePosixPath(folder, name)) if folder else name
    for sub in sorted(folders):
        yield from stored_names(storage, str(PurePosixPath(folder, sub)) if folder else sub)


class Command(BaseCommand):
    help = "Copy every stored file into a folder (with SHA256SUMS), for a backup."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="where to write the files (created; must be empty)")

    def handle(self, *args, folder, **options):
        target = Path(folder)
        if target.exists() and any(target.iterdir()):
            raise CommandError(f"{target} is not empty.")
        target.mkdir(parents=True, exist_ok=True)
        sums, total = [], 0
        for name in stored_names(default_storage):
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with default_storage.open(name, "rb") as source, path.open("wb") as copy:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    copy.write(chunk)
                    total += len(chunk)
            sums.append(f"{digest.hexdigest()}  {name}\n")
        (target / SUMS).write_text("".join(sums))
        self.stdout.write(f"Copied {len(sums)} files ({total:,} bytes) into {target}.")
