"""Real servers for the deployment tests, started on this machine from Debian's and PyPI's
packages: PgBouncer in transaction mode, a streaming replica of the PostgreSQL cluster, an
S3-compatible server (moto's server mode). Each starts on a free loopback port, in a folder of
its own, and is stopped (and its folder removed) at the end; what cannot start here raises
:class:`Unavailable` with the reason, which the fixtures turn into a skip.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

POSTGRES_USER = "postgres"


class Unavailable(Exception):
    """The service cannot run on this machine; the message says why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres() -> list[str]:
    """Run a PostgreSQL tool as the postgres user when we are root (the servers refuse root)."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise Unavailable("running as root without runuser to start PostgreSQL's tools")
    return [runuser, "-u", POSTGRES_USER, "--"]


def _own_folder(prefix: str) -> Path:
    """A temporary folder the postgres user owns (mode 700, as the servers ask)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(folder, POSTGRES_USER, POSTGRES_USER)
    folder.chmod(0o700)
    return folder


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if condition():
                return
        time.sleep(0.1)
    raise Unavailable(f"{what} did not come up within {seconds:.0f} s")


def connect(port: int, dbname: str = "postgres", **kwargs) -> psycopg.Connection:
    return psycopg.connect(
        host="127.0.0.1",
        port=port,
        user=POSTGRES_USER,
        dbname=dbname,
        connect_timeout=3,
        autocommit=True,
        **kwargs,
    )


# --- PgBouncer ------------------------------------------------------------------------------------
class PgBouncer:
    """PgBouncer in transaction mode in front of the PostgreSQL server at ``upstream_port``:
    every database name is forwarded, logged in as ``postgres`` (auth_type any)."""

    def __init__(self, upstream_port: int, *, pool_size: int = 10):
        self.binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not Path(self.binary).exists():
            raise Unavailable("PgBouncer is not installed (apt-get install -y pgbouncer)")
        self.upstream_port, self.pool_size = upstream_port, pool_size
        self.port = free_port()
        self.folder = _own_folder("pgbouncer-")
        self.process: subprocess.Popen | None = None

    def config(self) -> str:
        return "\n".join(
            [
                "[databases]",
                f"* = host=127.0.0.1 port={self.upstream_port} user={POSTGRES_USER}",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {self.port}",
                "unix_socket_dir =",
                "auth_type = any",
                "pool_mode = transaction",
                "max_client_conn = 200",
                f"default_pool_size = {self.pool_size}",
                "ignore_startup_parameters = extra_float_digits",
                f"logfile = {self.folder / 'pgbouncer.log'}",
                f"pidfile = {self.folder / 'pgbouncer.pid'}",
                f"admin_users = {POSTGRES_USER}",
                "",
            ]
        )

    def start(self) -> PgBouncer:
        ini = self.folder / "pgbouncer.ini"
        ini.write_text(self.config())
        user = ["-u", POSTGRES_USER] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(ini, POSTGRES_USER, POSTGRES_USER)
        self.process = subprocess.Popen(  # noqa: S603 - Debian's pgbouncer, our config
            [self.binary, *user, str(ini)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_until(self._answers, 15, "PgBouncer")
        except Unavailable as error:
            self.stop()
            raise Unavailable(f"{error}: {self.log()[-500:]}") from error
        return self

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise Unavailable("PgBouncer exited")
        with connect(self.port) as connection:
            return connection.execute("SELECT 1").fetchone() == (1,)

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return (self.folder / "pgbouncer.log").read_text()
        return ""

    def show(self, what: str) -> list[dict]:
        """``SHOW <what>`` on PgBouncer's admin console (POOLS, SERVERS, CLIENTS…)."""
        with connect(self.port, dbname="pgbouncer", cursor_factory=psycopg.ClientCursor) as console:
            cursor = console.cursor()
            cursor.execute(f"SHOW {what}")  # the console takes simple queries only
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor]

    def disconnect(self, dbname: str, seconds: float = 10) -> None:
        """Close PgBouncer's server connections to ``dbname`` and wait until PostgreSQL has
        ended their sessions (a test database is dropped at the end: nobody may be on it)."""
        with connect(self.port, dbname="pgbouncer", cursor_factory=psycopg.ClientCursor) as console:
            console.execute(f'KILL "{dbname}"')
            console.execute(f'RESUME "{dbname}"')
        with connect(self.upstream_port) as direct:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                others = direct.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                    "AND pid <> pg_backend_pid()",
                    [dbname],
                ).fetchone()[0]
                if not others:
                    return
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


# --- A streaming replica -------------------------------------------------------------------------
# Settings a hot standby must have at least as high as its primary's.
STANDBY_AT_LEAST = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
REPLICATION_RULE = "host replication all 127.0.0.1/32 trust"


class StreamingReplica:
    """A hot standby of the whole PostgreSQL cluster at ``primary_port`` (so of every database
    on it, test databases included): ``pg_basebackup -R`` into a folder of its own, then the
    cluster's own ``postgres`` binaries on another port, streaming from the primary."""

    def __init__(self, primary_port: int):
        self.primary_port = primary_port
        self.port = free_port()
        self.folder: Path | None = None
        with connect(primary_port) as primary:
            settings = dict(
                primary.execute(
                    "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                    [["server_version_num", "wal_level", "hba_file", *STANDBY_AT_LEAST]],
                ).fetchall()
            )
        self.primary_settings = settings
        if settings["wal_level"] not in ("replica", "logical"):
            raise Unavailable(f"the primary's wal_level is {settings['wal_level']}")
        major = int(settings["server_version_num"]) // 10000
        self.bin = Path(f"/usr/lib/postgresql/{major}/bin")
        if not (self.bin / "pg_ctl").exists():
            raise Unavailable(f"no PostgreSQL {major} binaries in {self.bin}")

    def allow_replication(self) -> None:
        """Let the postgres user replicate over 127.0.0.1 (the cluster already trusts every
        local connection of every user: one more line for replication gives nothing new),
        once; the configuration is reloaded, not restarted."""
        with connect(self.primary_port) as primary:
            allowed = primary.execute(
                "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) "
                "AND type = 'host' AND address = '127.0.0.1' AND error IS NULL"
            ).fetchone()[0]
            if allowed:
                return
            hba = Path(self.primary_settings["hba_file"])
            try:
                with hba.open("a") as rules:
                    rules.write(f"\n# Replicas of the deployment tests\n{REPLICATION_RULE}\n")
            except OSError as error:
                raise Unavailable(f"cannot allow replication in {hba}: {error}") from error
            primary.execute("SELECT pg_reload_conf()")
            time.sleep(0.2)

    def start(self) -> StreamingReplica:
        self.allow_replication()
        self.folder = _own_folder("replica-")
        data = self.folder / "data"
        run = _as_postgres()
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - the cluster's own pg_basebackup
            [
                *run,
                str(self.bin / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.primary_port),
                "-U",
                POSTGRES_USER,
                "-D",
                str(data),
                "-R",  # standby.signal and primary_conninfo
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            self.stop()
            raise Unavailable(f"pg_basebackup failed: {result.stderr.strip()[-500:]}")
        self.backup_seconds = time.monotonic() - started
        settings = "\n".join(
            [
                f"port = {self.port}",
                "listen_addresses = '127.0.0.1'",
                f"unix_socket_directories = '{self.folder}'",
                "hot_standby = on",
                "fsync = off",
                "shared_buffers = 32MB",
                "logging_collector = off",
                *(f"{name} = {self.primary_settings[name]}" for name in STANDBY_AT_LEAST),
                "",
            ]
        )
        (data / "postgresql.conf").write_text(settings)
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        if os.geteuid() == 0:
            for name in ("postgresql.conf", "pg_hba.conf"):
                shutil.chown(data / name, POSTGRES_USER, POSTGRES_USER)
        result = subprocess.run(  # noqa: S603 - the cluster's own pg_ctl
            [
                *run,
                str(self.bin / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(self.folder / "replica.log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )
        if result.returncode != 0:
            log = self.log()
            self.stop()
            raise Unavailable(f"the replica did not start: {result.stderr.strip()} {log[-500:]}")
        wait_until(self._streaming, 30, "Streaming from the primary")
        return self

    def _streaming(self) -> bool:
        with connect(self.port) as replica:
            in_recovery = replica.execute("SELECT pg_is_in_recovery()").fetchone()[0]
            receiving = replica.execute(
                "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'"
            ).fetchone()[0]
        return in_recovery and receiving == 1

    def log(self) -> str:
        with contextlib.suppress(OSError, TypeError):
            return (self.folder / "replica.log").read_text()
        return ""

    def pg_ctl(self, action: str, *options: str) -> None:
        data = str(self.folder / "data")
        subprocess.run(  # noqa: S603 - the cluster's own pg_ctl
            [*_as_postgres(), str(self.bin / "pg_ctl"), "-D", data, *options, action],
            capture_output=True,
            timeout=90,
            check=False,
        )

    def stop(self) -> None:
        if self.folder is None:
            return
        if (self.folder / "data" / "postmaster.pid").exists():
            self.pg_ctl("stop", "-m", "immediate", "-w")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None


# --- An S3-compatible server ---------------------------------------------------------------------
class S3Server:
    """moto's server mode (a real HTTP server speaking the S3 API) on a free loopback port,
    with one private bucket."""

    access_key, secret_key, region = "test-access-key", "test-secret-key", "us-east-1"

    def __init__(self, bucket: str = "register-files"):
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as error:  # pragma: no cover - a dev dependency
            raise Unavailable(f"moto's server is not installed: {error}") from error
        self.bucket = bucket
        self.port = free_port()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The ``STORAGE_URL`` of the bucket (config/object_storage.py)."""
        return (
            f"s3://{self.access_key}:{self.secret_key}@{self.bucket}"
            f"?endpoint_url={self.endpoint}&region={self.region}"
        )

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
        )

    def start(self) -> S3Server:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        self.server.start()
        wait_until(lambda: self.client().list_buckets() is not None, 15, "moto's S3 server")
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def keys(self) -> list[str]:
        answer = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in answer.get("Contents", []))

    def empty(self) -> None:
        client = self.client()
        for key in self.keys():
            client.delete_object(Bucket=self.bucket, Key=key)

    def stop(self) -> None:
        self.server.stop()
