"""The load test: two web nodes behind HAProxy on a generated database, Locust in front.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load   # generate_load's data
    python3 -m venv /tmp/locust && /tmp/locust/bin/pip install locust==2.47.0
    .venv/bin/python bench/load.py --locust /tmp/locust/bin/locust --users 25,50,100

1. Picks people of the generated organisation (contributors with their team, systems and
   risks; committee members; auditors), gives them a password and an API token (the generated
   people have neither) and writes them to a file for ``bench/locustfile.py``.
2. Starts the cluster of ``tests/deployment/cluster.py``: two gunicorn nodes (``--web-workers``
   each), HAProxy, a Celery worker and beat; through PgBouncer in transaction mode with
   ``--pgbouncer``.
3. Runs Locust headless against the balancer for ``--run-time`` seconds at each number of
   users, and prints requests/s, p50/p95 per endpoint and the error rate (``--json`` keeps them).
   The figures are the steady state's: Locust starts a tenth of the users a second, each signs
   in (a scrypt hash, 0.2 s of CPU by design), and its counts start afresh once all are started
   (``--reset-stats``); ``--with-ramp`` counts the ramp too (a burst of sign-ins no working
   day has: fifty people signing in within ten seconds).

Loopback only; it stops by itself. Never on a database that matters: the people it picks get a
known password.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
PASSWORD = "load-test-password-2026"  # noqa: S105 - a benchmark database's throwaway


def prepare_people(path: Path, *, contributors: int, seed: int) -> dict:
    """Passwords and tokens for a sample of the generated people; their ids for the workload."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    from apps.accounts.models import APIToken, Membership, SignInSettings, User
    from apps.accounts.services import create_token
    from apps.risks.models import Risk
    from apps.systems.models import AISystem

    rng = random.Random(seed)  # noqa: S311 - which people, not a secret
    hashed = make_password(PASSWORD)
    SignInSettings.objects.filter(pk=1).update(
        mfa_administrators=False,
        mfa_committee_members=False,
        mfa_auditors=False,
        mfa_contributors=False,
        mfa_viewers=False,
    )
    memberships = list(
        Membership.objects.filter(role=Membership.Role.CONTRIBUTOR, user__is_active=True)
        .select_related("user", "team")
        .order_by("pk")
    )
    chosen = rng.sample(memberships, k=min(contributors, len(memberships)))
    people = {"password": PASSWORD, "contributors": [], "committee": [], "auditors": []}
    everyone = [m.user for m in chosen]
    for membership in chosen:
        systems = list(
            AISystem.objects.filter(team=membership.team, archived_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:20]
        )
        risks = list(
            Risk.objects.filter(system__team=membership.team, archived_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:50]
        )
        people["contributors"].append(
            {
                "email": membership.user.email,
                "team": membership.team_id,
                "systems": systems,
                "risks": risks,
            }
        )
    committee = list(
        User.objects.filter(is_committee_member=True, is_active=True).order_by("pk")[:5]
    )
    auditors = list(User.objects.filter(is_auditor=True, is_active=True).order_by("pk")[:3])
    people["committee"] = [{"email": u.email} for u in committee]
    people["auditors"] = [{"email": u.email} for u in auditors]
    everyone += committee + auditors
    User.objects.filter(pk__in=[u.pk for u in everyone]).update(password=hashed)
    APIToken.objects.filter(user__in=everyone, name="load test").delete()
    tokens = {u.pk: create_token(user=u, name="load test")[1] for u in everyone}
    by_email = {u.email: u.pk for u in everyone}
    for kind in ("contributors", "auditors"):
        for person in people[kind]:
            person["token"] = tokens[by_email[person["email"]]]
    people["systems"] = list(AISystem.objects.order_by("?").values_list("pk", flat=True)[:200])
    people["risks"] = list(Risk.objects.order_by("?").values_list("pk", flat=True)[:500])
    people["teams"] = sorted({p["team"] for p in people["contributors"]})
    path.write_text(json.dumps(people))
    from django.db import connections

    connections.close_all()
    return people


def cpu_seconds(group_leaders: list[int]) -> float:
    """CPU time (user + system) used so far by the processes of these process groups."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in group_leaders:  # the process group
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as file:
        return list(csv.DictReader(file))


def table(results: dict[int, list[dict]]) -> str:
    lines = [
        "| users | endpoint | requests | req/s | p50 ms | p95 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for users, rows in results.items():
        for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
            count, failures = int(row["Request Count"]), int(row["Failure Count"])
            name = "**all**" if row["Name"] == "Aggregated" else f"{row['Type']} `{row['Name']}`"
            lines.append(
                f"| {users} | {name} | {count:,} | {float(row['Requests/s']):.1f} "
                f"| {row['50%']} | {row['95%']} | {failures} ({failures / max(count, 1):.1%}) |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locust", default="locust", help="the locust command")
    parser.add_argument("--users", default="25,50,100")
    parser.add_argument("--run-time", type=int, default=60, help="seconds at each number of users")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per node")
    parser.add_argument("--contributors", type=int, default=40)
    parser.add_argument("--pgbouncer", action="store_true")
    parser.add_argument(
        "--with-ramp",
        action="store_true",
        help="count the ramp too (every user signing in within the first seconds); by default "
        "the figures are the steady state's, Locust's counts reset once every user is started",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database filled by manage.py generate_load.")

    from tests.deployment.cluster import Cluster

    folder = Path(tempfile.mkdtemp(prefix="load-"))
    users_file = folder / "load-users.json"
    started = time.monotonic()
    prepare_people(users_file, contributors=options.contributors, seed=options.seed)
    print(f"People ready in {time.monotonic() - started:.0f} s: {users_file}")
    env = {
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "SECRET_KEY": "load-test-" + os.urandom(16).hex(),
        "CACHE_KEY_PREFIX": "load-test",
        "MEDIA_ROOT": str(folder / "media"),
        "EMAIL_URL": f"filemail:///{folder / 'mail'}",
        "LOGIN_THROTTLING": "false",
        "MFA_REQUIRED_ROLES": "none",
        "API_THROTTLE_USER": "100000/minute",
        "LOG_LEVEL": "WARNING",
    }
    bouncer = None
    if options.pgbouncer:
        from urllib.parse import urlsplit

        from tests.deployment.services import PgBouncer

        url = urlsplit(env["DATABASE_URL"])
        bouncer = PgBouncer(url.port or 5432, pool_size=20).start()
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{bouncer.port}{url.path}"
        env["DATABASE_POOLER"] = "pgbouncer"
    from django.conf import settings

    cluster = Cluster(
        env, folder, web_workers=options.web_workers, queues=tuple(settings.WORKER_QUEUES)
    ).start()
    print(f"Cluster up at {cluster.url} ({folder})")
    results: dict[int, list[dict]] = {}
    cpu: dict[int, dict] = {}
    try:
        for users in [int(n) for n in options.users.split(",")]:
            prefix = folder / f"locust-{users}"
            command = [
                options.locust,
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--host",
                cluster.url,
                "--users",
                str(users),
                "--spawn-rate",
                str(max(users // 10, 1)),
                "--run-time",
                f"{options.run_time}s",
                "--csv",
                str(prefix),
                "--only-summary",
                "--stop-timeout",
                "10",
                *([] if options.with_ramp else ["--reset-stats"]),
            ]
            print(f"Locust: {users} users for {options.run_time} s …", flush=True)
            nodes = [node.process.pid for node in cluster.nodes]
            cpu_before, load_before = cpu_seconds(nodes), os.getloadavg()[0]
            subprocess.run(  # noqa: S603 - locust on the loopback
                command,
                env={**os.environ, "LOAD_USERS": str(users_file)},
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=(folder / f"locust-{users}.log").open("w"),
            )
            results[users] = read_stats(prefix)
            total = next(r for r in results[users] if r["Name"] == "Aggregated")
            used = cpu_seconds(nodes) - cpu_before
            cpu[users] = {
                "web_cpu_ms_per_request": round(1000 * used / max(int(total["Request Count"]), 1)),
                "load_average": round((load_before + os.getloadavg()[0]) / 2, 1),
            }
            print(table({users: results[users]}), cpu[users], flush=True)
    finally:
        cluster.stop()
        if bouncer is not None:
            bouncer.stop()
    print("\n" + table(results))
    for users, figures in cpu.items():
        print(
            f"{users} users: {figures['web_cpu_ms_per_request']} ms of web CPU per request "
            f"(gunicorn's processes; PostgreSQL's not counted), load average "
            f"{figures['load_average']} on {os.cpu_count()} cores"
        )
    if options.json:
        Path(options.json).write_text(json.dumps({"stats": results, "cpu": cpu}, indent=2))


if __name__ == "__main__":
    main()
