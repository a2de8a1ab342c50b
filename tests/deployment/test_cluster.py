"""Two web nodes behind HAProxy, a Celery worker and beat, on this machine's PostgreSQL (through
PgBouncer in transaction mode when it is installed), Redis and object storage (moto's S3 server
when installed, else a folder both nodes share): the app keeps no state of its own.

Each test signs in, uploads, exports or writes through one node or the balancer, and reads the
result through the other; one kills a node mid-traffic. The cluster (tests/deployment/cluster.py)
runs on a database of its own, a copy of the test database made for the module (``CREATE
DATABASE … TEMPLATE``, dropped at the end): what the nodes write never reaches other tests, and
no test pays for emptying and refilling the test database. The test reads that database with
SQL of its own.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid

import psycopg
import psycopg.sql
import pytest
import requests
from django.conf import settings
from django.db import connection

from apps.core.models import Evidence
from apps.exports.models import ExportJob, ExportStatus
from apps.risks.models import Risk
from tests.db import create_copy, drop_copy
from tests.deployment.cluster import ROOT, Cluster, ClusterError

# django_db: the test database is set up for this module too (its copy is the cluster's); the
# tests themselves read the cluster's database with SQL of their own.
pytestmark = [pytest.mark.cluster, pytest.mark.postgres, pytest.mark.django_db]

PASSWORD = "cluster-smoke-password-2026"

# Run in the cluster's database by a process of its own: a contributor with a system, a
# mitigation and an API token.
MAKE_PERSON = f"""
import json, django
django.setup()
from apps.accounts.models import Membership
from apps.accounts.services import create_token
from tests.factories import AISystemFactory, MembershipFactory, MitigationFactory, TeamFactory
membership = MembershipFactory(team=TeamFactory(), role=Membership.Role.CONTRIBUTOR)
user = membership.user
user.set_password({PASSWORD!r})
user.save()
system = AISystemFactory(team=membership.team, business_owner=user, technical_owner=user)
mitigation = MitigationFactory(system=system, owner=user)
print(json.dumps({{
    "id": user.pk, "email": user.email, "system": system.pk, "system_name": system.name,
    "system_reference": system.reference, "mitigation": mitigation.pk,
    "token": create_token(user=user, name="cluster")[1],
}}))
"""


def _optional(request, name):
    """A server of the deployment tests (tests/deployment/conftest.py) when it runs here."""
    if os.environ.get(f"CLUSTER_WITHOUT_{name.upper()}"):
        return None
    try:
        return request.getfixturevalue(name)
    except pytest.skip.Exception:
        return None


class Database:
    """The cluster's own database: a copy of the test database, read here with plain SQL."""

    def __init__(self, source: dict):
        self.source = source
        self.name = f"{source['NAME']}_cluster_{uuid.uuid4().hex[:8]}"
        self.port = int(source.get("PORT") or 5432)

    def create(self) -> Database:
        create_copy(self.source, self.name)
        return self

    def drop(self) -> None:
        drop_copy(self.source, self.name)

    def values(self, model, column: str, **where) -> list:
        """``column`` of ``model``'s rows where each field of ``where`` has its value."""
        [(field, value)] = where.items()
        query = psycopg.sql.SQL("SELECT {} FROM {} WHERE {} = %s").format(
            psycopg.sql.Identifier(column),
            psycopg.sql.Identifier(model._meta.db_table),
            psycopg.sql.Identifier(field),
        )
        return [row[0] for row in self.rows(query, [value])]

    def rows(self, sql, params=()) -> list[tuple]:
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.source["USER"],
            dbname=self.name,
            autocommit=True,
        ) as database:
            return database.execute(sql, params).fetchall()

    def url(self, port: int | None = None) -> str:
        return f"postgres://{self.source['USER']}@127.0.0.1:{port or self.port}/{self.name}"


@pytest.fixture(scope="module")
def cluster(request, django_db_setup, django_db_blocker, tmp_path_factory):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")
    started = time.monotonic()
    folder = tmp_path_factory.mktemp("cluster")
    with django_db_blocker.unblock():
        database = Database(connection.settings_dict).create()
    bouncer = _optional(request, "pgbouncer")
    s3 = _optional(request, "s3_server")
    # A Redis database of its own: the worker must not take other tests' tasks, nor they its.
    redis_url = re.sub(r"/\d*$", "", settings.REDIS_URL.rstrip("/")) + f"/{9 + os.getpid() % 6}"
    env = {
        "SECRET_KEY": "cluster-smoke-" + uuid.uuid4().hex,
        "DATABASE_URL": database.url(bouncer.port if bouncer else None),
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"cluster-{uuid.uuid4().hex[:8]}",
        "MEDIA_ROOT": str(folder / "media"),
        "EMAIL_URL": f"filemail:///{folder / 'mail'}",
        "LOGIN_THROTTLING": "false",
        "API_THROTTLE_USER": "100000/minute",
        "MFA_REQUIRED_ROLES": "none",
        "METRICS_TOKEN": "cluster-metrics-" + uuid.uuid4().hex,
    }
    if bouncer:
        env["DATABASE_POOLER"] = "pgbouncer"
    if s3:
        env["STORAGE_URL"] = s3.url
    running = Cluster(env, folder, queues=tuple(settings.WORKER_QUEUES))
    try:
        made = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", MAKE_PERSON],
            cwd=ROOT,
            env={**running.env, "DATABASE_URL": database.url(), "DATABASE_POOLER": ""},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        running.person = json.loads(made.stdout.strip().splitlines()[-1])
        running.database = database
        running.start()
    except (ClusterError, subprocess.CalledProcessError) as error:
        database.drop()
        pytest.fail(f"{error}\n{getattr(error, 'stderr', '')}")
    running.through = {"pgbouncer": bool(bouncer), "s3": bool(s3)}
    print(
        json.dumps(
            {"cluster_ready_in_seconds": round(time.monotonic() - started, 1), **running.through}
        )
    )
    yield running
    running.stop()
    with contextlib.suppress(psycopg.Error):
        database.drop()


def sign_in(base: str, person: dict) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    answer = browser.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": person["email"], "password": PASSWORD},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:2000]
    return browser


def csrf(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=30)
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]


def moved(browser: requests.Session) -> requests.Session:
    """The same browser's cookies, in a new session (no connection kept to the first node)."""
    other = requests.Session()
    other.cookies.update({cookie.name: cookie.value for cookie in browser.cookies})
    return other


# --- Shared state ---------------------------------------------------------------------------------
def test_a_session_started_on_one_node_is_served_by_the_other(cluster):
    person = cluster.person
    on_a = sign_in(cluster.node_url(0), person)

    on_b = moved(on_a)
    page = on_b.get(f"{cluster.node_url(1)}/systems/{person['system']}/", timeout=30)

    assert page.status_code == 200, cluster.logs()
    assert person["system_name"] in page.text


def test_evidence_uploaded_through_one_node_downloads_through_the_other(cluster):
    person = cluster.person
    on_a = sign_in(cluster.node_url(0), person)
    page = f"{cluster.node_url(0)}/mitigations/{person['mitigation']}/"
    name = f"red-team-report-{uuid.uuid4().hex[:8]}.txt"
    content = f"Red-team report {uuid.uuid4().hex}\n".encode()

    uploaded = on_a.post(
        f"{page}evidence/",
        data={"csrfmiddlewaretoken": csrf(on_a, page), "kind": "file"},
        files={"file": (name, content, "text/plain")},
        headers={"Referer": page},
        timeout=30,
        allow_redirects=False,
    )
    assert uploaded.status_code == 302, uploaded.text[:2000]
    [evidence] = cluster.database.values(Evidence, "id", original_name=name)

    on_b = moved(on_a)
    download = on_b.get(
        f"{cluster.node_url(1)}/mitigations/{person['mitigation']}/evidence/{evidence}/download/",
        timeout=30,
    )

    assert download.status_code == 200, cluster.logs()
    assert download.content == content


def start_export(cluster, request_id: str) -> tuple[requests.Session, int]:
    """The register as XLSX, asked for through node A; waits for the worker to finish it."""
    on_a = sign_in(cluster.node_url(0), cluster.person)
    register = f"{cluster.node_url(0)}/risks/"
    started = on_a.post(
        f"{cluster.node_url(0)}/exports/register.xlsx/",
        data={"csrfmiddlewaretoken": csrf(on_a, register), "params": ""},
        headers={"Referer": register, "X-Request-ID": request_id},
        timeout=30,
        allow_redirects=False,
    )
    assert started.status_code == 302, started.text[:2000]
    job = int(re.search(r"/exports/(\d+)/", started.headers["Location"])[1])

    def status() -> str:
        return cluster.database.values(ExportJob, "status", id=job)[0]

    deadline = time.monotonic() + 60  # the outbox relay, then the export, on the worker
    while time.monotonic() < deadline and status() not in (ExportStatus.DONE, ExportStatus.FAILED):
        time.sleep(0.5)
    assert status() == ExportStatus.DONE, cluster.logs()
    return on_a, job


def test_an_export_started_through_one_node_is_fetched_through_the_other(cluster):
    """…and the worker ran it under the id of the request that asked for it."""
    request_id = f"export-{uuid.uuid4().hex}"
    on_a, job = start_export(cluster, request_id=request_id)

    on_b = moved(on_a)
    download = on_b.get(f"{cluster.node_url(1)}/exports/{job}/download/", timeout=30)

    assert download.status_code == 200, cluster.logs()
    assert download.content[:2] == b"PK"  # an XLSX file is a ZIP archive
    worker_lines = [
        json.loads(line)
        for line in cluster.worker.log.read_text().splitlines()
        if line.startswith("{")
    ]
    tagged = [line["message"] for line in worker_lines if line.get("request_id") == request_id]
    assert any("exports." in message and "succeeded" in message for message in tagged), tagged


def test_a_nodes_metrics_add_up_all_its_worker_processes(cluster):
    made = 40
    url = f"{cluster.node_url(0)}/healthz"
    log = cluster.nodes[0].log
    already = log.stat().st_size
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda _: requests.get(url, timeout=10).status_code, range(made)))
    assert codes == [200] * made

    scrape = requests.get(
        f"{cluster.node_url(0)}/metrics",
        headers={"Authorization": f"Bearer {cluster.env['METRICS_TOKEN']}"},
        timeout=10,
    )

    assert scrape.status_code == 200
    counted = sum(
        float(line.rsplit(" ", 1)[1])
        for line in scrape.text.splitlines()
        if line.startswith("http_requests_total{") and 'view="core:healthz"' in line
    )
    # Both worker processes answered (their access lines say so), and whichever answered the
    # scrape counted every request (the balancer's health checks add theirs).
    with log.open() as lines:
        lines.seek(already)
        served_by = {
            json.loads(line)["process"]
            for line in lines
            if line.startswith("{") and '"path": "/healthz"' in line
        }
    assert len(served_by) == cluster.web_workers
    assert counted >= made


# --- A node dies ----------------------------------------------------------------------------------
def test_killing_a_node_mid_traffic_loses_no_committed_write(cluster):
    person = cluster.person
    acknowledged, failed, after_kill = [], [], []
    stop, killed = threading.Event(), threading.Event()
    lock = threading.Lock()

    def write(n: int) -> None:
        title = f"Failover write {n} {uuid.uuid4().hex[:6]}"
        try:
            answer = requests.post(
                f"{cluster.url}/api/v1/risks/",
                json={
                    "system": person["system_reference"],
                    "title": title,
                    "scenario": "Written while a node dies.",
                    "category": "privacy/data-leakage",
                    "owner": person["email"],
                    "inherent_likelihood": 3,
                    "inherent_impact": 4,
                    "residual_likelihood": 2,
                    "residual_impact": 3,
                    "framework_references": [],
                },
                headers={"Authorization": f"Bearer {person['token']}"},
                timeout=30,
            )
            ok, outcome = answer.status_code == 201, answer.status_code
        except requests.RequestException as error:
            ok, outcome = False, type(error).__name__
        with lock:
            if ok:
                acknowledged.append(title)
                if killed.is_set():
                    after_kill.append(title)
            else:
                failed.append((title, outcome))

    def writer(first: int) -> None:
        n = first
        while not stop.is_set():
            write(n)
            n += 4

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        writers = [pool.submit(writer, first) for first in range(4)]
        wait = time.monotonic() + 30
        while len(acknowledged) < 8 and time.monotonic() < wait:
            time.sleep(0.1)
        cluster.kill_node(0)  # kill -9 of node A and its workers, mid-request
        killed.set()
        wait = time.monotonic() + 30  # writes go on, through node B
        while len(after_kill) < 12 and time.monotonic() < wait:
            time.sleep(0.1)
        stop.set()
        for future in writers:
            future.result()

    stored = set(cluster.database.values(Risk, "title", system_id=person["system"]))
    try:
        assert set(acknowledged) <= stored  # every write answered 201 is there
        assert len(after_kill) >= 12, (failed, cluster.logs())  # the traffic went to node B
        # Only requests node A was answering when it died may fail (one per writer at most).
        assert len(failed) <= 4, (failed, cluster.logs())
        assert cluster.servers()["node-a"].startswith("DOWN")
    finally:
        cluster.revive_node(0)
    print(
        json.dumps(
            {
                "writes_acknowledged": len(acknowledged),
                "writes_failed": len(failed),
                "acknowledged_after_kill": len(after_kill),
                "stored": len(stored),
            }
        )
    )
