"""Connection pooling, measured: milliseconds per request with and without a pooler.

Starts gunicorn (sync workers, as ``manage.py start``) on a database of its own, once per way
of connecting, and times the same requests through each:

* ``direct, new connection`` — ``CONN_MAX_AGE=0``: a PostgreSQL connection per request;
* ``direct, persistent`` — ``CONN_MAX_AGE=60`` (the default): one connection per worker;
* ``pgbouncer`` — ``DATABASE_POOLER=pgbouncer``, with ``CONN_MAX_AGE=0`` (a connection to
  PgBouncer per request) and ``60`` (one per worker, which holds no server connection between
  transactions): PgBouncer's server connections are shared by every worker;
* ``psycopg pool`` — ``DATABASE_POOLER=psycopg``: a pool in each worker.

    .venv/bin/python bench/pooler.py [--requests 400] [--concurrency 4] [--workers 2]

PgBouncer comes from Debian (``apt-get install pgbouncer``) and is started on a free port by
the script (tests/deployment/services.py). The database (``pooler_bench``) is migrated and
seeded with the demo organisation the first time. Loopback only; bounded in requests and time.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.deployment.services import PgBouncer, connect, free_port  # noqa: E402

DATABASE = "pooler_bench"
UPSTREAM = 5432


def prepare(env: dict) -> str:
    """Migrate and seed the database (first time only); an API token of the demo's auditor."""
    with connect(UPSTREAM) as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        new = not exists.fetchone()
        if new:
            server.execute(f"CREATE DATABASE {DATABASE}")
    python = str(ROOT / ".venv" / "bin" / "python")
    commands = [["migrate", "--no-input", "-v", "0"]]
    if new:
        commands.append(["seed_demo", "--force", "-v", "0"])  # a scratch database of its own
    for command in commands:
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)  # noqa: S603
    script = (
        "from apps.accounts.models import User; from apps.accounts.services import create_token; "
        "user = User.objects.filter(is_auditor=True, is_active=True).first(); "
        "print(create_token(user=user, name='pooler bench', expires_in_days=1)[1])"
    )
    result = subprocess.run(  # noqa: S603
        [python, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1]


def serve(env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2).read()  # noqa: S310 - loopback
            return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("gunicorn did not start")


def timed(url: str, token: str) -> float:
    request = urllib.request.Request(  # noqa: S310 - loopback
        url, headers={"Authorization": f"Bearer {token}"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        response.read()
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")
    return (time.perf_counter() - started) * 1000


def measure(url: str, token: str, requests: int, concurrency: int) -> dict:
    for _ in range(20):  # warm-up: imports, caches, connections
        timed(url, token)
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        times = list(pool.map(lambda _: timed(url, token), range(requests)))
    elapsed = time.perf_counter() - started
    times.sort()
    return {
        "per_second": requests / elapsed,
        "p50": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="comma-separated ways of connecting, e.g. 'pgbouncer'")
    options = parser.parse_args()
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{UPSTREAM}/{DATABASE}",
        "REDIS_URL": "",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_USER": "1000000/minute",
    }
    token = prepare(base)
    bouncer = PgBouncer(UPSTREAM, pool_size=options.workers * 2).start()
    through_bouncer = f"postgres://postgres@127.0.0.1:{bouncer.port}/{DATABASE}"
    ways = {
        "direct, new connection": {"CONN_MAX_AGE": "0"},
        "direct, persistent": {"CONN_MAX_AGE": "60"},
        "pgbouncer, new connection": {
            "DATABASE_URL": through_bouncer,
            "DATABASE_POOLER": "pgbouncer",
            "CONN_MAX_AGE": "0",
        },
        "pgbouncer, persistent": {
            "DATABASE_URL": through_bouncer,
            "DATABASE_POOLER": "pgbouncer",
            "CONN_MAX_AGE": "60",
        },
        "psycopg pool": {"DATABASE_POOLER": "psycopg", "DATABASE_POOL_MAX": "2"},
    }
    paths = {"healthz/ready": "/healthz/ready", "API list": "/api/v1/risks/?page_size=25"}
    print("| connection | endpoint | requests/s | p50 ms | p95 ms |")
    print("|---|---|---:|---:|---:|")
    if options.only:
        wanted = options.only.split(",")
        ways = {n: e for n, e in ways.items() if any(n.startswith(w) for w in wanted)}
    try:
        for name, extra in ways.items():
            process, url = serve({**base, **extra}, options.workers)
            try:
                for label, path in paths.items():
                    figures = measure(url + path, token, options.requests, options.concurrency)
                    print(
                        f"| {name} | {label} | {figures['per_second']:.0f} | "
                        f"{figures['p50']:.1f} | {figures['p95']:.1f} |",
                        flush=True,
                    )
            finally:
                process.terminate()
                process.wait(timeout=30)
    finally:
        bouncer.stop()


if __name__ == "__main__":
    main()
