"""Crash recovery: the sweep's lock dies with its holder, and a worker killed mid-sweep leaves a
sweep that finishes by itself, exactly once, within a bounded time.

Real parts throughout: PostgreSQL sessions terminated with ``pg_terminate_backend``, Celery
workers started as processes of their own and killed with ``SIGKILL``, Redis as the broker.
Tests that need PostgreSQL or Redis are skipped, with the reason, without them.
"""

import contextlib
import datetime
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from apps.reminders import services
from apps.reminders.models import Notification, Reminder
from apps.reminders.services import AdvisorySweepLock, CacheSweepLock, SweepLock
from tests.factories import MitigationFactory
from tests.reminders.test_concurrency import make_work

ROOT = Path(__file__).resolve().parents[2]
needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL, reason="needs REDIS_URL: a real Celery worker consumes from Redis"
)
# The time limit and visibility timeout the test's workers run with (seconds): a killed
# worker's message is handed out again VISIBILITY seconds after it was delivered.
TIME_LIMIT, VISIBILITY = 8, 10
# Within this long after the kill, the sweep must have finished on the second worker.
RECOVERY_BOUND = 60


# --- The lock on PostgreSQL: it dies with the session that holds it ------------------------------
@contextlib.contextmanager
def sweep_lock_held_elsewhere():
    """The sweep's lock, held by another database session until the block ends; yields that
    session's backend pid."""
    held, release, pid = threading.Event(), threading.Event(), []

    def hold():
        lock = SweepLock()
        try:
            assert lock.acquire()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid.append(cursor.fetchone()[0])
            held.set()
            release.wait(timeout=60)
            lock.release()
        finally:
            with contextlib.suppress(Exception):  # the session may have been terminated
                connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(timeout=10)
        yield pid[0]
    finally:
        release.set()
        thread.join(timeout=30)


@pytest.mark.postgres
def test_on_postgresql_the_sweep_lock_is_an_advisory_lock_of_the_sweeps_session(db):
    assert isinstance(SweepLock(), AdvisorySweepLock)


@pytest.mark.postgres
def test_the_sweep_lock_is_free_the_moment_its_session_is_terminated(db):
    with sweep_lock_held_elsewhere() as pid:
        refused = SweepLock()
        assert not refused.acquire()
        assert f"PostgreSQL session {pid}" in refused.holder()

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        lock = SweepLock()
        while not lock.acquire() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lock.held  # no timeout to wait out
        lock.release()


@pytest.mark.postgres
def test_a_sweep_of_the_same_session_does_not_take_the_lock_twice(db):
    first = SweepLock()
    assert first.acquire()
    try:
        assert not SweepLock().acquire()
        assert SweepLock().holder() == "this process already holds it"
    finally:
        first.release()
    assert services.run_locked_sweep(datetime.date(2026, 3, 2)) is not None


@pytest.mark.postgres
def test_run_reminders_says_who_holds_the_lock_and_stops(db):
    with sweep_lock_held_elsewhere() as pid, pytest.raises(CommandError) as refused:
        call_command("run_reminders")
    message = str(refused.value)
    assert message.startswith("Another reminder sweep is running: PostgreSQL session")
    assert str(pid) in message and "--force" in message


@pytest.mark.postgres
def test_run_reminders_force_sweeps_beside_the_holder(db):
    MitigationFactory(due_date=timezone.localdate() - datetime.timedelta(days=2))
    out, err = io.StringIO(), io.StringIO()
    with sweep_lock_held_elsewhere() as pid:
        call_command("run_reminders", "--force", stdout=out, stderr=err)
    assert f"Another sweep holds the lock (PostgreSQL session {pid}" in err.getvalue()
    assert "1 reminders found" in out.getvalue()
    assert Notification.objects.count() == 1


# --- The lock elsewhere: a cache key with a heartbeat --------------------------------------------
@pytest.fixture
def short_lived_cache_lock(monkeypatch):
    monkeypatch.setattr(CacheSweepLock, "ttl", 1.5)


def test_without_postgresql_the_sweep_lock_lives_in_the_cache(db):
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the lock is an advisory lock")
    assert isinstance(SweepLock(), CacheSweepLock)


def test_the_heartbeat_keeps_a_live_holders_lock_beyond_its_time_to_live(
    db, short_lived_cache_lock
):
    lock = CacheSweepLock()
    assert lock.acquire()
    try:
        time.sleep(CacheSweepLock.ttl * 2)
        other = CacheSweepLock()
        assert not other.acquire()
        assert f"process {os.getpid()}" in other.holder()
        assert "last heartbeat 0 s ago" in other.holder() or "1 s ago" in other.holder()
    finally:
        lock.release()
    after = CacheSweepLock()
    assert after.acquire()
    after.release()


def test_a_holder_whose_heartbeat_stops_loses_its_lock_within_the_time_to_live(
    db, short_lived_cache_lock
):
    lock = CacheSweepLock()
    assert lock.acquire()
    lock._stop.set()  # what dying does to the heartbeat
    lock._heartbeat.join(timeout=5)

    started = time.monotonic()
    other = CacheSweepLock()
    while not other.acquire() and time.monotonic() - started < 10:
        time.sleep(0.1)

    assert other._heartbeat is not None  # taken
    assert time.monotonic() - started <= CacheSweepLock.ttl + 1
    other.release()


@needs_redis
def test_a_killed_holders_cache_lock_is_reported_as_gone_and_lapses(db, settings):
    """A process on this machine takes the lock in Redis and is killed with SIGKILL."""
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    script = (
        "import django, time; django.setup()\n"
        "from apps.reminders.services import CacheSweepLock\n"
        "CacheSweepLock.ttl = 3\n"
        "assert CacheSweepLock().acquire()\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_KEY_PREFIX": prefix,
        "DATABASE_URL": "sqlite:///:memory:",
    }
    holder = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = holder.stdout.readline().strip()
        assert started == "held", holder.stderr.read() if holder.poll() is not None else ""
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)

    lock = CacheSweepLock()
    assert not lock.acquire()
    report = lock.holder()
    assert f"process {holder.pid}" in report
    assert "That process is gone: its lock lapses within" in report

    deadline = time.monotonic() + 10
    while not lock.acquire() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert lock._heartbeat is not None, "the dead holder's lock never lapsed"
    lock.release()


# --- The broker: how long a killed worker's message waits ----------------------------------------
def test_the_visibility_timeout_outlasts_the_longest_task():
    from config import celery_app

    options = celery_app.conf.broker_transport_options
    assert options["visibility_timeout"] == settings.CELERY_VISIBILITY_TIMEOUT
    assert celery_app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_VISIBILITY_TIMEOUT > settings.CELERY_TASK_TIME_LIMIT
    assert options["visibility_timeout"] < 3600  # not kombu's default hour


def test_a_visibility_timeout_shorter_than_the_time_limit_is_refused_at_start():
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_TASK_TIME_LIMIT": "600",
        "CELERY_VISIBILITY_TIMEOUT": "300",
    }
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT (300 s) must be longer than" in started.stderr


# --- A worker killed mid-sweep --------------------------------------------------------------------
def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


class Worker:
    """``celery worker`` as a process (and process group) of its own, on one queue."""

    def __init__(self, name: str, queue: str, folder: Path, mail_folder: Path):
        self.log = folder / f"{name}.log"
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
            "CELERY_TASK_TIME_LIMIT": str(TIME_LIMIT),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
            "EMAIL_URL": f"filemail:///{mail_folder}",
            "LOG_FORMAT": "json",
            "DEBUG": "false",
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
            "-n",
            f"{name}-{uuid.uuid4().hex[:8]}@%h",
        ]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter)
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """``kill -9`` of the worker and its pool's processes."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def sweeps_finished(self) -> int:
        lines = self.log.read_text().splitlines()
        return sum(1 for line in lines if "reminders.daily_sweep" in line and "succeeded" in line)


@contextlib.contextmanager
def reminders_table_locked():
    """The reminders' table locked by another session until the block ends: a sweep that
    reaches its first insert waits there, mid-sweep, holding its own lock."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {Reminder._meta.db_table} IN ACCESS EXCLUSIVE MODE")
                locked.set()
                release.wait(timeout=120)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(timeout=10)
    try:
        yield release
    finally:
        release.set()
        thread.join(timeout=60)


def sweeping_session() -> tuple[int, str] | None:
    """The session holding the sweep's lock, and what it waits for, if any."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.pid, coalesce(a.wait_event_type, '') " + AdvisorySweepLock._HELD,
            [AdvisorySweepLock.namespace, AdvisorySweepLock.key],
        )
        return cursor.fetchone()


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def mails_to(folder: Path) -> list[str]:
    return sorted(
        line.removeprefix("To: ").strip()
        for path in folder.glob("*")
        for line in path.read_text().splitlines()
        if line.startswith("To: ")
    )


@pytest.mark.postgres
@needs_redis
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_sweep_leaves_a_sweep_that_finishes_once_by_itself(tmp_path):
    from apps.reminders.tasks import daily_sweep

    today = timezone.localdate()
    recipients = make_work(today)  # 8 owners and 2 committee members: 26 reminders
    expected = 8 * 3 + 2  # each owner three, each committee member the day's escalations
    queue = f"test-crash-{uuid.uuid4().hex}"
    mail_folder = tmp_path / "mail"
    mail_folder.mkdir()
    workers = []
    try:
        with reminders_table_locked() as release:
            first = Worker("first", queue, tmp_path, mail_folder)
            workers.append(first)
            daily_sweep.apply_async(args=[today.isoformat()], queue=queue)
            # Mid-sweep: the first worker's session holds the sweep's lock and waits at the
            # reminders' table.
            assert wait_for(lambda: (sweeping_session() or (0, ""))[1] == "Lock", 60), (
                first.log.read_text()
            )
            killed_at = time.monotonic()
            first.kill()
            release.set()
        # The lock went with the killed worker's session: nobody holds it.
        assert wait_for(lambda: sweeping_session() is None, 10)

        second = Worker("second", queue, tmp_path, mail_folder)
        workers.append(second)

        def done():
            return (
                Reminder.objects.count() == expected
                and not Reminder.objects.filter(emailed_at__isnull=True).exists()
                and second.sweeps_finished() == 1
            )

        assert wait_for(done, RECOVERY_BOUND), second.log.read_text()
        recovered_in = time.monotonic() - killed_at
        time.sleep(2)  # anything delivered twice would show now
    finally:
        for worker in workers:
            worker.stop()

    assert first.sweeps_finished() == 0
    assert second.sweeps_finished() == 1
    assert Notification.objects.count() == expected  # each reminder told once, in-app…
    assert mails_to(mail_folder) == sorted(p.email for p in recipients)  # …and e-mailed once
    counts = [int(n) for n in re.findall(r"has (\d+) reminders? for you", _mail_text(mail_folder))]
    assert sum(counts) == expected
    import redis as redis_client

    broker = redis_client.Redis.from_url(settings.REDIS_URL)
    assert broker.hlen("unacked") == 0  # acknowledged: nothing left to hand out again
    # The figure: kill → sweep finished on the new worker, within the visibility timeout plus
    # the broker's 10 s restore interval and the new worker's start.
    print(json.dumps({"recovered_in_seconds": round(recovered_in, 1)}))
    assert recovered_in < VISIBILITY + 10 + 30


def _mail_text(folder: Path) -> str:
    return "\n".join(path.read_text() for path in folder.glob("*"))
