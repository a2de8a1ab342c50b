"""The production start (``manage.py start``): migrate, collect the static files when their
sources changed, serve with gunicorn. With DEBUG off, pages need the collected manifest: this is
the path that keeps them from answering 500."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections

from apps.core import static_files
from apps.core.management.commands import start
from tests.db import create_copy, drop_copy

ROOT = Path(__file__).resolve().parent.parent


# --- Collecting only when the sources changed ---------------------------------------------------
@pytest.fixture
def small_static(settings, tmp_path):
    """A static folder of two files, collected into a folder of its own by the production
    storage (hashed, compressed names)."""
    source = tmp_path / "src"
    (source / "css").mkdir(parents=True)
    (source / "css" / "site.css").write_text("body { color: #111; }\n")
    (source / "notes.txt").write_text("hello\n")
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    return source


def test_static_files_are_collected_with_a_manifest_the_first_time(small_static, settings):
    said = []
    assert static_files.collect_if_changed(say=said.append) is True
    assert (settings.STATIC_ROOT / "staticfiles.json").exists()
    assert list((settings.STATIC_ROOT / "css").glob("site.*.css"))
    assert said[0].startswith("Collecting static files into")
    assert said[-1] == "Static files collected."


def test_unchanged_sources_are_not_collected_again(small_static, settings):
    static_files.collect_if_changed(say=lambda message: None)
    said = []
    assert static_files.collect_if_changed(say=said.append) is False
    assert said == [
        f"Static files are up to date in {static_files.stamp_path().parent} (sources unchanged)."
    ]


def test_a_changed_source_file_is_collected_again(small_static, settings):
    static_files.collect_if_changed(say=lambda message: None)
    (small_static / "css" / "site.css").write_text("body { color: #222; }\n")
    assert static_files.collect_if_changed(say=lambda message: None) is True
    newest = max((settings.STATIC_ROOT / "css").glob("site.*.css"), key=os.path.getmtime)
    assert "#222" in newest.read_text()


def test_a_lost_manifest_is_collected_again(small_static, settings):
    static_files.collect_if_changed(say=lambda message: None)
    (settings.STATIC_ROOT / "staticfiles.json").unlink()
    assert static_files.collect_if_changed(say=lambda message: None) is True


def test_the_command_says_what_it_did(small_static, capsys):
    call_command("collectstatic_if_changed")
    call_command("collectstatic_if_changed")
    out = capsys.readouterr().out
    assert "Collecting static files into" in out
    assert "Static files are up to date" in out


# --- The start command, up to the hand-over to gunicorn -----------------------------------------
@pytest.fixture
def handed_over(monkeypatch):
    """What ``start`` runs instead of replacing the test process with gunicorn."""
    calls = {"migrate": 0, "collect": 0}
    real_call_command = start.call_command

    def fake_call_command(name, *args, **kwargs):
        if name == "migrate":
            calls["migrate"] += 1
            return None
        return real_call_command(name, *args, **kwargs)

    monkeypatch.setattr(start, "call_command", fake_call_command)
    monkeypatch.setattr(
        start.static_files,
        "collect_if_changed",
        lambda say: calls.__setitem__("collect", calls["collect"] + 1),
    )
    monkeypatch.setattr(start.os, "execv", lambda path, argv: calls.__setitem__("argv", argv))
    return calls


@pytest.mark.django_db
def test_start_migrates_collects_then_becomes_gunicorn(handed_over):
    call_command("start", "--bind", "127.0.0.1:9000", "--workers", "2")
    assert handed_over["migrate"] == 1 and handed_over["collect"] == 1
    argv = handed_over["argv"]
    assert argv[:3] == [sys.executable, "-m", "gunicorn"]
    assert argv[argv.index("--config") + 1] == str(ROOT / "config" / "gunicorn.py")
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:9000"
    assert argv[argv.index("--workers") + 1] == "2"
    assert argv[-1] == "config.wsgi:application"


@pytest.mark.django_db
def test_start_can_leave_the_migrations_to_another_process(handed_over):
    call_command("start", "--no-migrate")
    assert handed_over["migrate"] == 0 and handed_over["collect"] == 1


@pytest.mark.django_db
def test_start_passes_what_follows_the_double_dash_to_gunicorn(handed_over):
    call_command("start", "--", "--max-requests", "1000")
    assert handed_over["argv"][-3:] == ["--max-requests", "1000", "config.wsgi:application"]


@pytest.mark.parametrize("workers", ["0", "-1", "many"])
def test_start_refuses_a_worker_count_that_is_not_a_positive_number(workers, capsys):
    with pytest.raises(CommandError, match="--workers"):
        call_command("start", "--workers", workers)


@pytest.mark.django_db
def test_start_says_how_to_collect_when_the_static_folder_is_read_only(handed_over, monkeypatch):
    def read_only(say):
        raise PermissionError(13, "Permission denied", "/app/staticfiles/.sources-sha256")

    monkeypatch.setattr(start.static_files, "collect_if_changed", read_only)
    with pytest.raises(CommandError, match="collectstatic_if_changed"):
        call_command("start")
    assert "argv" not in handed_over


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_processes_starting_together_take_turns():
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with start.start_lock(), other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [start.START_LOCK_KEY])
            assert cursor.fetchone()[0] is False
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [start.START_LOCK_KEY])
            assert cursor.fetchone()[0] is True
            cursor.execute("SELECT pg_advisory_unlock(%s)", [start.START_LOCK_KEY])
    finally:
        other.close()


# --- The real thing: gunicorn with DEBUG off on a database of its own ----------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 5):
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our server
        return response.status, response.headers, response.read()


def wait_until_serving(process, url: str, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"manage.py start exited with {process.returncode}:\n{log.read_text()}")
        try:
            if get(url, timeout=2)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"nothing answered {url} within {seconds} s:\n{log.read_text()}")


@pytest.fixture
def database_url(tmp_path, django_db_setup, django_db_blocker):
    """A database of the server's own with the migrations applied, so that ``start`` finds
    nothing to migrate (migrating afresh takes most of a minute, and every test run does it
    already when it creates its test database): on SQLite a file copied from this session's
    test database, on PostgreSQL a copy of it (``CREATE DATABASE … TEMPLATE``), dropped after."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            path = tmp_path / "db.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(path)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
            yield f"sqlite:///{path}"
            return
        source = connection.settings_dict
        name = f"{source['NAME']}_start_{uuid.uuid4().hex[:8]}"
        create_copy(source, name)
        try:
            port = source.get("PORT") or 5432
            yield f"postgres://{source['USER']}@{source.get('HOST') or '127.0.0.1'}:{port}/{name}"
        finally:
            drop_copy(source, name)


def test_the_production_start_serves_pages_and_static_files_with_debug_off(tmp_path, database_url):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "a-production-like-secret-key-for-the-start-test-0123456789",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "start.log"
    with open(log, "w") as output:
        process = subprocess.Popen(  # noqa: S603 - our interpreter and command
            [sys.executable, "manage.py", "start", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        # The database is migrated already; collecting the static files, if
        # their sources changed since the test session collected them, about a minute.
        wait_until_serving(process, f"{base}/healthz", log, seconds=240)
        status, _, page = get(f"{base}/accounts/login/")
        assert status == 200
        stylesheet = re.search(rb'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, page[:500]
        status, headers, css = get(base + stylesheet.group(1).decode())
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert b".htmx-indicator" in css  # static/css/app.css, as collected
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, log.read_text()
    said = log.read_text()
    assert "Migrating the database." in said
    assert "Static files" in said
    assert "Starting gunicorn:" in said
