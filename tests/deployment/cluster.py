"""Two web nodes behind a load balancer, with a Celery worker and beat, as processes of this
machine: what tests/deployment/test_cluster.py proves things on, and what the load test
(bench/locustfile.py, through bench/cluster.py) runs against.

* **Nodes**: gunicorn with the production configuration (``config/gunicorn.py``: JSON logs, each
  node's metrics added up over its workers), each on a free loopback port, each a process group
  of its own so that :meth:`Cluster.kill_node` can ``kill -9`` a whole node.
* **The balancer**: HAProxy (Debian's ``haproxy``) in front, round robin, checking each node's
  ``/healthz`` every second; a request that cannot connect to a node is retried on the
  other (``retry-on conn-failure``, ``option redispatch``), so a dead node costs only the
  requests it was answering when it died. It gives each request an ``X-Request-ID``.
* **Celery**: one worker consuming every queue of the app, and beat.

The shared state is the environment's: ``DATABASE_URL`` (PostgreSQL, or PgBouncer in front of
it), ``REDIS_URL``, ``STORAGE_URL`` or a ``MEDIA_ROOT`` the nodes share, ``REPLICA_URL``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class ClusterError(Exception):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str, timeout: float = 2.0) -> bool:
    request = urllib.request.Request(url, headers={"Host": "localhost"})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status == 200
    except OSError:
        return False


def wait_for(condition, seconds: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tail = log.read_text()[-3000:] if log and log.exists() else ""
    raise ClusterError(f"{what} not ready within {seconds:.0f} s\n{tail}")


class Process:
    """A command in a process group of its own, its output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict, folder: Path):
        self.name = name
        self.command = command
        self.env = env
        self.log = folder / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Process:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and haproxy
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """``kill -9`` of the process and all its children (a node: its gunicorn workers)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self) -> None:
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self, timeout: float = 20) -> None:
        if not self.running:
            return
        self.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


HAPROXY = """\
global
    maxconn 2000
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout http-request 10s
    # Requests beyond what the nodes' workers can take wait here (see maxconn below).
    timeout queue 60s
    retries 2
    # A request that could not reach a node goes to the other (never one a node received:
    # a write must not be made twice).
    option redispatch 1
    retry-on conn-failure

frontend register
    bind 127.0.0.1:{port}
    unique-id-format %{{+X}}o%ci%cp%fp%Ts%rt%pid
    http-request set-header X-Request-ID %[unique-id] unless {{ req.hdr(X-Request-ID) -m found }}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz hdr Host localhost
    # A check may take a few seconds on a busy machine: only a node that fails three in a row
    # (refused at once when it is dead) is taken out; what it is answering may finish.
    timeout check 5s
    # No more requests at once to a node than it has gunicorn workers (each answers one at a
    # time): the others queue here, not in the node's socket, where the health checks would
    # wait behind them, time out and take every node out under load (all then answer 503).
    default-server inter 1s fall 3 rise 2 maxconn {maxconn}
    # A node whose port refuses a request (its process died) is taken out at once, not at the
    # next checks: the requests retried meanwhile would find the other node full (maxconn) and
    # fail instead of waiting for it.
    default-server observe layer4 error-limit 1 on-error mark-down
{servers}

listen stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /
"""


class Cluster:
    """See the module's documentation. ``env`` holds the deployment's settings."""

    def __init__(
        self,
        env: dict[str, str],
        folder: Path,
        *,
        nodes: int = 2,
        web_workers: int = 2,
        worker_concurrency: int = 2,
        queues: tuple[str, ...] = ("celery",),
        beat: bool = True,
    ):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "LOG_FORMAT": "json",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on the loopback: the cookies must travel without TLS.
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "NUM_PROXIES": "1",
            **env,
        }
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # each node makes its own
        self.web_workers = web_workers
        self.ports = [free_port() for _ in range(nodes)]
        self.port = free_port()
        self.stats_port = free_port()
        self.nodes = [self._node(index) for index in range(nodes)]
        self.balancer: Process | None = None
        self.worker = Process(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                f"--concurrency={worker_concurrency}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                ",".join(queues),
                "-n",
                f"cluster-{uuid.uuid4().hex[:8]}@%h",
            ],
            self.env,
            folder,
        )
        self.beat = (
            Process(
                "beat",
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "beat",
                    "--loglevel=INFO",
                    "--scheduler",
                    "django_celery_beat.schedulers:DatabaseScheduler",
                    "--pidfile=",
                ],
                self.env,
                folder,
            )
            if beat
            else None
        )

    def _node(self, index: int) -> Process:
        return Process(
            f"node-{'ab'[index] if index < 2 else index}",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "config/gunicorn.py",
                "--bind",
                f"127.0.0.1:{self.ports[index]}",
                "--workers",
                str(self.web_workers),
                "config.wsgi",
            ],
            self.env,
            self.folder,
        )

    # --- addresses --------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The balancer's address: what people use."""
        return f"http://127.0.0.1:{self.port}"

    def node_url(self, index: int) -> str:
        """One node's own address, past the balancer."""
        return f"http://127.0.0.1:{self.ports[index]}"

    # --- life -------------------------------------------------------------------------------------
    def start(self, timeout: float = 90) -> Cluster:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not Path(haproxy).exists():
            raise ClusterError("HAProxy is not installed (apt-get install -y haproxy)")
        try:
            for node in self.nodes:
                node.start()
            self.worker.start()
            if self.beat is not None:
                self.beat.start()
            config = self.folder / "haproxy.cfg"
            config.write_text(self.haproxy_config())
            self.balancer = Process(
                "haproxy", [haproxy, "-db", "-f", str(config)], self.env, self.folder
            )
            self.balancer.start()
            for index, node in enumerate(self.nodes):
                wait_for(
                    lambda i=index: answers(f"{self.node_url(i)}/healthz"),
                    timeout,
                    node.name,
                    node.log,
                )
            wait_for(lambda: self.servers_up() == len(self.nodes), 30, "HAProxy", self.balancer.log)
            wait_for(self.worker_ready, timeout, "the Celery worker", self.worker.log)
        except BaseException:
            self.stop()
            raise
        return self

    def haproxy_config(self) -> str:
        servers = "\n".join(
            f"    server {node.name} 127.0.0.1:{port} check"
            for node, port in zip(self.nodes, self.ports, strict=True)
        )
        return HAPROXY.format(
            port=self.port, stats_port=self.stats_port, servers=servers, maxconn=self.web_workers
        )

    def worker_ready(self) -> bool:
        return self.worker.log.exists() and " ready." in self.worker.log.read_text()

    def servers(self) -> dict[str, str]:
        """Each node's state as the balancer sees it (UP, DOWN…), from its statistics."""
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.stats_port}/;csv", timeout=2
            ) as response:
                text = response.read().decode()
        except OSError:
            return {}
        rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return {
            row["svname"]: row["status"]
            for row in rows
            if row["pxname"] == "nodes" and row["svname"] not in ("FRONTEND", "BACKEND")
        }

    def servers_up(self) -> int:
        return sum(1 for status in self.servers().values() if status.startswith("UP"))

    def kill_node(self, index: int) -> None:
        """``kill -9`` of a whole node (gunicorn's master and its workers)."""
        self.nodes[index].kill()

    def revive_node(self, index: int, timeout: float = 60) -> None:
        node = self.nodes[index] = self._node(index)
        node.start()
        wait_for(lambda: answers(f"{self.node_url(index)}/healthz"), timeout, node.name, node.log)
        wait_for(lambda: self.servers_up() == len(self.nodes), 30, "HAProxy sees the node")

    def stop(self) -> None:
        """Every process asked to stop at once, then waited for (killed after 20 s)."""
        processes = [p for p in [self.balancer, self.beat, self.worker, *self.nodes] if p]
        for process in processes:
            process.terminate()
        deadline = time.monotonic() + 20
        for process in processes:
            process.stop(timeout=max(deadline - time.monotonic(), 0.1))

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text()[-4000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )
