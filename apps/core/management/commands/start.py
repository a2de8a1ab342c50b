"""Start the app for production: migrate, collect the static files if needed, serve with gunicorn.

    manage.py start                               # 0.0.0.0:8000, 3 workers (config/gunicorn.py)
    manage.py start --bind 127.0.0.1:8080 --workers 5
    manage.py start --no-migrate                  # another process runs the migrations
    manage.py start -- --max-requests 1000        # anything after -- goes to gunicorn

With ``DEBUG`` off, pages name their static files through the manifest ``collectstatic`` writes;
without it every page is a 500. This command runs the migrations, then collects the static
files if their sources changed since the last collection (the Docker image collects them at
build, so a container's start only checks), then replaces itself with gunicorn, which thus
receives the container's signals. On PostgreSQL, web processes starting together take turns
for the first two steps (an advisory lock, held by a transaction of its own connection: right
behind a pooler in transaction mode too, see :class:`apps.core.db.TransactionLock`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from apps.core import static_files
from apps.core.db import TransactionLock

# pg_advisory_lock key: "ARR start" — any constant shared by every process of the app.
START_LOCK_KEY = 0x41525253


@contextlib.contextmanager
def start_lock() -> Iterator[None]:
    """One starting process at a time migrates and collects (PostgreSQL; elsewhere no lock)."""
    if connection.vendor != "postgresql":
        yield
        return
    lock = TransactionLock(START_LOCK_KEY)
    lock.acquire(wait=True)
    try:
        yield
    finally:
        lock.release()


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Migrate, collect the static files if they changed, and serve the app with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            help="address and port to listen on, e.g. 0.0.0.0:8000 (default: config/gunicorn.py,"
            " which reads GUNICORN_BIND)",
        )
        parser.add_argument(
            "--workers",
            type=positive,
            help="worker processes (default: config/gunicorn.py, which reads WEB_CONCURRENCY)",
        )
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="do not run the migrations (another process of the deployment runs them)",
        )
        parser.add_argument(
            "gunicorn_args", nargs="*", help="after --: more options for gunicorn", default=[]
        )

    def handle(self, *args, **options):
        if settings.DEBUG:
            self.stderr.write(
                "DEBUG is on: this command serves the app as in production. For development, "
                "use `python3 dev.py serve`."
            )
        with start_lock():
            if options["no_migrate"]:
                self.stdout.write("Not migrating (--no-migrate).")
            else:
                self.stdout.write("Migrating the database.")
                call_command("migrate", "--no-input", verbosity=1, stdout=self.stdout)
            try:
                static_files.collect_if_changed(say=self.stdout.write)
            except PermissionError as error:
                raise CommandError(
                    f"The static files must be collected again but {settings.STATIC_ROOT} is not "
                    f"writable ({error}). Run `manage.py collectstatic_if_changed` as its owner "
                    "(the Docker image does it when it is built)."
                ) from error
        argv = gunicorn_argv(options)
        self.stdout.write(f"Starting gunicorn: {' '.join(argv[1:])}")
        self.stdout.flush()
        connections.close_all()
        os.execv(sys.executable, argv)  # noqa: S606 - our interpreter, running gunicorn


def gunicorn_argv(options: dict) -> list[str]:
    """The command line that replaces this process: gunicorn with config/gunicorn.py."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(settings.BASE_DIR / "config" / "gunicorn.py"),
        "--chdir",
        str(settings.BASE_DIR),
    ]
    if options.get("bind"):
        argv += ["--bind", options["bind"]]
    if options.get("workers"):
        argv += ["--workers", str(options["workers"])]
    return [*argv, *options.get("gunicorn_args", []), "config.wsgi:application"]
