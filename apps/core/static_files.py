"""Collecting the static files only when their sources changed.

With ``DEBUG`` off, pages name their static files through the manifest that ``collectstatic``
writes (hashed, compressed copies in ``STATIC_ROOT``); without it every page is a 500 ("Missing
staticfiles manifest entry"). Collecting compresses every file with Brotli and gzip, about a
minute of CPU, so it is done only when needed: the SHA-256 of every source file (their paths
and contents, as collectstatic's finders list them) and the storage is kept next to the
collected files, and a collection whose sources have that digest is skipped.

Used by ``manage.py start`` (production), ``manage.py collectstatic_if_changed`` (``dev.py
test``) and the test suite's session fixture.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

STAMP_NAME = ".sources-sha256"


def sources_digest() -> str:
    """The SHA-256 of every file collectstatic would collect (path and content) and of the
    storage that would write them."""
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    files = []
    for finder in get_finders():
        for path, storage in finder.list(ignore):
            prefix = getattr(storage, "prefix", None) or ""
            files.append((f"{prefix}/{path}" if prefix else path, storage.path(path)))
    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    for name, full_path in sorted(files):
        digest.update(name.encode() + b"\0")
        digest.update(Path(full_path).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def stamp_path() -> Path:
    return Path(settings.STATIC_ROOT) / STAMP_NAME


def is_up_to_date(digest: str | None = None) -> bool:
    stamp = stamp_path()
    if not stamp.exists() or stamp.read_text().strip() != (digest or sources_digest()):
        return False
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    return manifest.exists() or "Manifest" not in settings.STORAGES["staticfiles"]["BACKEND"]


@contextlib.contextmanager
def _collecting_alone() -> Iterator[None]:
    """One collection at a time in this checkout (test workers start together)."""
    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no lock; run one process at a time there
        yield
        return
    with open(root / ".collect.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def collect_if_changed(say: Callable[[str], None] = print) -> bool:
    """Collect the static files unless their sources are those of the last collection; True if
    it collected. ``say`` is told what is done."""
    with _collecting_alone():
        digest = sources_digest()
        if is_up_to_date(digest):
            say(f"Static files are up to date in {settings.STATIC_ROOT} (sources unchanged).")
            return False
        say(
            f"Collecting static files into {settings.STATIC_ROOT}: their sources changed since "
            "the last collection (compressing them takes about a minute)."
        )
        stamp_path().unlink(missing_ok=True)
        call_command("collectstatic", "--no-input", verbosity=0)
        stamp_path().write_text(digest + "\n")
        say("Static files collected.")
        return True
