"""Benchmarks of the register on a large PostgreSQL database: time and queries per scenario.

Run it on a database filled by ``manage.py generate_load`` (never on one that matters: the
sweep's changes are rolled back, but the sessions it signs in with stay):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py generate_load --systems 5000 --risks 100000 \\
        --mitigations 150000 --incidents 5000 --history --seed 42
    .venv/bin/python bench/run.py                 # every scenario
    .venv/bin/python bench/run.py --only register,api-list --runs 50

Each page and endpoint goes through the whole Django stack in this process (URL, middleware,
authentication, view, template, serializer) with Django's test client, signed in as a committee
member (every team) or an auditor (the API); the time is the wall time until the last byte of the
response has been produced: the server's time, without a network. p50 and p95 are over
``--runs`` requests after one warm-up; the queries are counted on one more request.

The exports run in a fresh process each, so that their peak memory is theirs; PostgreSQL's own
``COPY (SELECT …) TO STDOUT WITH CSV`` of the very same SELECT runs in the same run, and the CSV
export's throughput is printed as a share of it. The reminder sweep runs first on the database as
it is, then on ``--sweep-systems`` systems (a batch of generated systems added for the purpose),
each inside a transaction that is rolled back, so every run measures a first sweep of the day.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


@dataclass
class Result:
    scenario: str
    target: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    runs: int = 0
    cpu_ms: float | None = None  # average CPU per request, this process + PostgreSQL
    notes: list[str] = field(default_factory=list)
    met: bool | None = None

    def row(self) -> list[str]:
        def ms(value):
            return "—" if value is None else f"{value:,.0f}"

        verdict = {True: "met", False: "NOT MET", None: ""}[self.met]
        return [
            self.scenario,
            self.target,
            ms(self.p50_ms),
            ms(self.p95_ms),
            ms(self.cpu_ms),
            "—" if self.queries is None else str(self.queries),
            verdict,
            "; ".join(self.notes),
        ]


# --- Measuring ------------------------------------------------------------------------------------
class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def count_queries(call: Callable[[], object]) -> int:
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        call()
    return counter.count


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def consume(response) -> int:
    """Read the whole response (a streamed one to its end); its size in bytes."""
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


class CPUClock:
    """CPU time spent on requests by this process and by its PostgreSQL backend (read from
    /proc: same machine). Wall time includes waiting for a CPU when the machine is busy; this
    is what the requests themselves cost. The backend's clock ticks are 10 ms, so only an
    average over many requests means anything."""

    def __init__(self):
        from django.db import connection

        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.backend = cursor.fetchone()[0]
        self.tick = os.sysconf("SC_CLK_TCK")

    def _backend_seconds(self) -> float:
        try:
            with open(f"/proc/{self.backend}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # PostgreSQL on another machine: not measurable here
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime

    def read(self) -> tuple[float, float]:
        return time.process_time(), self._backend_seconds()


def time_request(client, url: str, runs: int, *, expect: int = 200):
    """Wall times (ms) of ``runs`` GETs after one warm-up, the average CPU time per request
    (ms, this process + PostgreSQL), and the queries of one more GET."""

    def get():
        response = client.get(url, secure=True)
        consume(response)
        if response.status_code != expect:
            raise SystemExit(f"GET {url}: HTTP {response.status_code}, expected {expect}")
        return response

    get()
    clock = CPUClock()
    timings = []
    app_before, db_before = clock.read()
    for _ in range(runs):
        started = time.perf_counter()
        get()
        timings.append((time.perf_counter() - started) * 1000)
    app_after, db_after = clock.read()
    cpu_ms = ((app_after - app_before) + (db_after - db_before)) * 1000 / runs
    return timings, cpu_ms, count_queries(get)


def page_result(name, target, client, url, runs, *, max_ms=None, max_queries=None) -> Result:
    timings, cpu_ms, queries = time_request(client, url, runs)
    result = Result(
        name,
        target,
        p50_ms=statistics.median(timings),
        p95_ms=percentile(timings, 0.95),
        queries=queries,
        runs=runs,
        cpu_ms=cpu_ms,
    )
    if max_ms is not None:
        result.met = result.p95_ms < max_ms and (max_queries is None or queries <= max_queries)
    result.notes.append(url)
    return result


# --- The data the scenarios use -------------------------------------------------------------------
@dataclass
class Subjects:
    committee: object
    auditor: object
    system_id: int
    system_risks: int
    history_risk_id: int
    history_entries: int
    search: str


def find_subjects() -> Subjects:
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count, Q

    from apps.accounts.models import User
    from apps.core.models import AuditEvent
    from apps.risks.models import Risk
    from apps.systems.models import AISystem

    committee = User.objects.filter(is_committee_member=True, is_active=True).first()
    auditor = User.objects.filter(is_auditor=True, is_active=True).first()
    if committee is None or auditor is None:
        raise SystemExit("Needs a committee member and an auditor: run manage.py generate_load.")
    system = (
        AISystem.objects.active()
        .annotate(n=Count("risks", filter=Q(risks__archived_at__isnull=True)))
        .filter(n__gte=50)
        .order_by("n", "pk")
        .values("pk", "n")
        .first()
    )
    if system is None:
        raise SystemExit("No system has 50 risks: run manage.py generate_load.")
    most_history = (
        AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(Risk))
        .values("object_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "object_id")
        .first()
    )
    return Subjects(
        committee=committee,
        auditor=auditor,
        system_id=system["pk"],
        system_risks=system["n"],
        history_risk_id=most_history["object_id"] if most_history else Risk.objects.first().pk,
        history_entries=most_history["n"] if most_history else 0,
        search="prompt injection",
    )


def signed_in(user):
    from django.test import Client

    from apps.accounts.second_factor import IDP_KEY

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    # Committee members need a second factor (the sign-in settings' default): the session has
    # one, as after a sign-in through an identity provider that asserted it.
    session = client.session
    session[IDP_KEY] = True
    session.save()
    return client


# --- Scenarios ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    """A page or endpoint timed with ``--runs`` requests."""

    name: str  # may use the subjects' fields, e.g. {system_risks}
    url: str  # idem
    reader: str  # "committee" (every team) or "auditor"
    target: str = "(none)"
    max_ms: float | None = None
    max_queries: int | None = None
    runs_divisor: int = 1  # slow pages (a PDF) get fewer runs
    settings: tuple[tuple[str, object], ...] = ()  # e.g. (("DASHBOARD_CACHE_SECONDS", 0),)


LIST_TARGET = {"target": "p95 < 100 ms, ≤ 12 queries", "max_ms": 100, "max_queries": 12}


def _dashboard(how: str, *, cache_seconds: int) -> Page:
    """The home page of a committee member (every team), its figures kept ``cache_seconds``."""
    return Page(
        f"Dashboard (every team), {how}",
        "/",
        "committee",
        target="p95 < 200 ms",
        max_ms=200,
        settings=(("DASHBOARD_CACHE_SECONDS", cache_seconds),),
    )


PAGES = {
    "register": Page("Register list (default)", "/risks/", "committee", **LIST_TARGET),
    "register-filtered": Page(
        "Register list (3 filters + sort + search)",
        "/risks/?residual_level=3&status=open&treatment=mitigate&ordering=-updated_at&q={search}",
        "committee",
        **LIST_TARGET,
    ),
    "system": Page(
        "System page ({system_risks} risks)",
        "/systems/{system_id}/",
        "committee",
        target="p95 < 150 ms",
        max_ms=150,
    ),
    "dashboard": _dashboard("drawn at every visit", cache_seconds=0),
    "dashboard-drawn": _dashboard("figures of the last minute", cache_seconds=60),
    "api-list": Page("API list /api/v1/risks/", "/api/v1/risks/", "auditor", **LIST_TARGET),
    "api-history": Page(
        "API history of a risk ({history_entries} entries)",
        "/api/v1/risks/{history_risk_id}/history/",
        "auditor",
    ),
    "pdf": Page(
        "Plan PDF ({system_risks} risks)",
        "/reviews/plans/{system_id}/plan.pdf",
        "committee",
        runs_divisor=4,
    ),
    "compliance-dashboard": Page(
        "Compliance dashboard (every team)",
        "/compliance/org/dashboard/",
        "committee",
        target="p95 < 200 ms",
        max_ms=200,
    ),
    "obligations": Page("Obligations list (default)", "/compliance/", "committee", **LIST_TARGET),
}


def time_page(page: Page, subjects: Subjects, runs: int) -> Result:
    from urllib.parse import quote

    from django.test import override_settings

    fields = {**subjects.__dict__, "search": quote(subjects.search)}
    with override_settings(**dict(page.settings)):
        return page_result(
            page.name.format(**fields),
            page.target,
            signed_in(getattr(subjects, page.reader)),
            page.url.format(**fields),
            max(2, runs // page.runs_divisor),
            max_ms=page.max_ms,
            max_queries=page.max_queries,
        )


# --- Exports, each in a process of its own --------------------------------------------------------
EXPORT_URLS = {
    "csv": "/api/v1/exports/risks.csv",
    "xlsx": "/api/v1/exports/risks.xlsx",
    "register-csv": "/risks/export.csv",
}


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class PeakRSS:
    """The highest resident memory of this process while the block runs (sampled every 5 ms
    by a thread: the process's lifetime peak would include whatever came before)."""

    def __enter__(self):
        import threading

        self.peak = rss_mb()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._done.wait(0.005):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def export_worker(kind: str) -> dict:
    """One export through the stack, in this (fresh) process: time, rows, memory, queries."""
    from django.db import connection

    from apps.risks.models import Risk

    subjects = find_subjects()
    client = signed_in(subjects.auditor)
    client.get("/api/v1/", secure=True)  # warm up: URL resolvers, imports
    rows = Risk.objects.filter(archived_at__isnull=True).count()
    before = rss_mb()
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter), PeakRSS() as memory:
        response = client.get(EXPORT_URLS[kind], secure=True)
        size = consume(response)
    seconds = time.perf_counter() - started
    peak = memory.peak
    return {
        "status": response.status_code,
        "rows": rows,
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "megabytes": size / 1e6,
        "rss_before_mb": before,
        "peak_rss_mb": peak,
        "growth_mb": peak - before,
        "queries": counter.count,
    }


def copy_worker() -> dict:
    """PostgreSQL's COPY of exactly the SELECT the CSV export runs."""
    import psycopg
    from django.db import connection

    from apps.risks.api.exports import RiskExporter
    from apps.risks.api.filters import RiskAPIFilterSet

    subjects = find_subjects()
    filterset = RiskAPIFilterSet(
        {}, queryset=RiskExporter.get_queryset(subjects.auditor), request=None
    )
    queryset = filterset.qs.values_list(*[column.source for column in RiskExporter.columns])
    sql, params = queryset.query.sql_with_params()
    connection.ensure_connection()
    raw = connection.connection
    select = psycopg.ClientCursor(raw).mogrify(sql, params)
    timings = []
    for _ in range(3):
        rows = size = 0
        started = time.perf_counter()
        with raw.cursor() as cursor, cursor.copy(f"COPY ({select}) TO STDOUT WITH CSV") as copy:
            for block in copy:
                size += len(block)
                rows += bytes(block).count(b"\n")
        timings.append(time.perf_counter() - started)
    seconds = min(timings)
    return {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds, "mb": size / 1e6}


def run_worker(kind: str) -> dict:
    command = [sys.executable, __file__, "--worker", kind]
    output = subprocess.run(  # noqa: S603 — this same script, with fixed arguments
        command, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def exports(subjects) -> list[Result]:
    copy = run_worker("copy")
    results = []
    for kind, label in (
        ("csv", "CSV export /api/v1/exports/risks.csv"),
        ("register-csv", "CSV export of the register page"),
        ("xlsx", "XLSX export /api/v1/exports/risks.xlsx"),
    ):
        outcome = run_worker(kind)
        ratio = outcome["rows_per_second"] / copy["rows_per_second"]
        result = Result(
            label,
            "≥ 25% of COPY, growth < 100 MB" if kind != "xlsx" else "(none)",
            p50_ms=outcome["seconds"] * 1000,
            p95_ms=None,
            queries=outcome["queries"],
            runs=1,
            notes=[
                f"{outcome['rows']:,} rows, {outcome['rows_per_second']:,.0f} rows/s "
                f"= {ratio:.0%} of COPY",
                f"{outcome['megabytes']:.0f} MB",
                f"peak RSS {outcome['peak_rss_mb']:.0f} MB, growth {outcome['growth_mb']:.0f} MB",
            ],
        )
        if kind != "xlsx":
            result.met = ratio >= 0.25 and outcome["growth_mb"] < 100
        results.append(result)
    results.insert(
        0,
        Result(
            "PostgreSQL COPY (SELECT …) TO STDOUT CSV",
            "(reference)",
            p50_ms=copy["seconds"] * 1000,
            queries=1,
            runs=3,
            notes=[f"{copy['rows']:,} rows, {copy['rows_per_second']:,.0f} rows/s (best of 3)"],
        ),
    )
    return results


# --- The reminder sweep ---------------------------------------------------------------------------
def sweep(subjects, *, systems_wanted: int) -> list[Result]:
    """A first sweep of the day on the database as it is, then with generated systems added up to
    ``systems_wanted``, and a second sweep of that same day; everything rolled back."""
    from django.conf import settings
    from django.db import connection, transaction

    from apps.demo.loadgen import generate_load
    from apps.systems.models import AISystem

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    results = []
    have = AISystem.objects.count()
    _vacuum(REMINDER_TABLES)
    with transaction.atomic():
        results.append(_sweep_once(f"Reminder sweep, first run ({have:,} systems)"))
        transaction.set_rollback(True)
    _vacuum(REMINDER_TABLES)
    add = max(0, systems_wanted - have)
    with transaction.atomic():
        if add:
            started = time.perf_counter()
            counts = _proportional_counts(add / max(1, have))
            generate_load(teams=50, systems=add, history=False, seed=4242, **counts)
            print(
                f"  (added {add:,} systems, {counts} in {time.perf_counter() - started:.0f} s, "
                "rolled back afterwards)",
                file=sys.stderr,
            )
        total = AISystem.objects.count()
        first = _sweep_once(f"Reminder sweep, first run ({total:,} systems)", target=True)
        results.append(first)
        _analyze()  # what autovacuum does between two days' sweeps
        results.append(_sweep_once(f"Reminder sweep, second run same day ({total:,} systems)"))
        transaction.set_rollback(True)
    _vacuum()  # the added systems' rows are dead now: the pages measured next must not pay
    # Per-person transactions are savepoints inside the rolled-back transaction; a real sweep
    # commits each: what a commit costs here, to add in the mind.
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for _ in range(200):
            with transaction.atomic():
                cursor.execute("SELECT 1")
                cursor.execute("CREATE TEMP TABLE IF NOT EXISTS bench_commit (n int)")
                cursor.execute("INSERT INTO bench_commit VALUES (1)")
        commit_ms = (time.perf_counter() - started) / 200 * 1000
    results[-2].notes.append(f"a real commit costs ~{commit_ms:.1f} ms per person delivered")
    return results


REMINDER_TABLES = ["reminders_reminder", "reminders_notification"]


def _vacuum(tables: list[str] | None = None) -> None:
    """Fresh statistics and no dead rows (a rolled-back sweep leaves hundreds of thousands),
    as autovacuum would leave the tables in time; the whole database without ``tables``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables or [])}")


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(REMINDER_TABLES)}")


def _proportional_counts(ratio: float) -> dict:
    from apps.incidents.models import Incident
    from apps.mitigations.models import Mitigation
    from apps.risks.models import Risk

    return {
        "risks": round(Risk.objects.count() * ratio),
        "mitigations": round(Mitigation.objects.count() * ratio),
        "incidents": round(Incident.objects.count() * ratio),
    }


def _sweep_once(label: str, *, target: bool = False) -> Result:
    from django.core import mail

    from apps.reminders.services import run_sweep

    mail.outbox = []
    counter = QueryCounter()
    from django.db import connection

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        outcome = run_sweep()
        seconds = time.perf_counter() - started
    result = Result(
        label,
        "< 30 s, queries grow with batches" if target else "",
        p50_ms=seconds * 1000,
        queries=counter.count,
        runs=1,
        notes=[
            f"{outcome.candidates:,} candidates, {outcome.escalations:,} escalations, "
            f"{outcome.notified:,} notified, {len(mail.outbox):,} e-mails; steps (s): "
            f"{outcome.seconds}"
        ],
    )
    if target:
        result.met = seconds < 30
    return result


# --- Compliance: the obligations of one system recomputed after its tier changed ----------------
def recompute(runs: int) -> Result:
    """A minimal-risk system becomes high-risk (Annex III area 4) and its obligations are
    recomputed (the applicability service, as the systems service calls it on a change of
    facts), each run in a transaction rolled back: the time and queries of the recompute."""
    from django.db import connection, transaction

    from apps.compliance.applicability import recompute_obligations
    from apps.compliance.models import Obligation
    from apps.systems.models import AISystem

    system = (
        AISystem.objects.active()
        .filter(eu_ai_act_tier="minimal", eu_ai_act_role="provider_and_deployer")
        .order_by("pk")
        .first()
    )
    if system is None:
        raise SystemExit("No minimal-risk system we provide: run manage.py generate_load.")
    timings, queries, created = [], 0, 0
    for run in range(runs + 1):  # the first one warms up
        with transaction.atomic():
            AISystem.objects.filter(pk=system.pk).update(
                eu_ai_act_tier="high_risk", eu_ai_act_area="4"
            )
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                started = time.perf_counter()
                outcome = recompute_obligations(
                    systems=[system.pk], by=None, reason="EU AI Act tier changed"
                )
                elapsed = (time.perf_counter() - started) * 1000
            if run:
                timings.append(elapsed)
            queries, created = counter.count, outcome.created
            transaction.set_rollback(True)
    result = Result(
        "Obligations recomputed after a tier change (one system)",
        "p95 < 100 ms",
        p50_ms=statistics.median(timings),
        p95_ms=percentile(timings, 0.95),
        queries=queries,
        runs=runs,
        notes=[
            f"{system.reference}: minimal → high-risk, {created} obligations created "
            f"({Obligation.objects.count():,} obligations in the database)"
        ],
    )
    result.met = result.p95_ms < 100
    return result


# --- Main -----------------------------------------------------------------------------------------
SCENARIOS = [*PAGES, "exports", "sweep", "monitoring", "recompute"]


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def print_table(results: list[Result]) -> None:
    header = ["scenario", "target", "p50 ms", "p95 ms", "CPU ms", "queries", "", "notes"]
    rows = [header] + [r.row() for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print(" | ".join([*cells, row[-1]]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page")
    parser.add_argument("--only", help=f"comma-separated, among: {', '.join(SCENARIOS)}")
    parser.add_argument("--sweep-systems", type=int, default=10_000)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # internal: one export, this process
    args = parser.parse_args()

    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per sign-in otherwise
    from django.db import connection

    if args.worker:
        outcome = copy_worker() if args.worker == "copy" else export_worker(args.worker)
        print(json.dumps(outcome))
        return
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: set DATABASE_URL=postgres://…")
    from apps.mitigations.models import Mitigation
    from apps.risks.models import Risk
    from apps.systems.models import AISystem

    print(
        f"Database {connection.settings_dict['NAME']}: {AISystem.objects.count():,} systems, "
        f"{Risk.objects.count():,} risks, {Mitigation.objects.count():,} mitigations"
    )
    print(f"{os.cpu_count()} CPUs; load average at the start: {_load()}")
    _vacuum()  # every run starts from the same state: statistics fresh, no dead rows
    chosen = args.only.split(",") if args.only else list(SCENARIOS)
    if unknown := set(chosen) - set(SCENARIOS):
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    # Monitoring brings its own data (bench/monitoring.py): it runs on any migrated database.
    subjects = find_subjects() if set(chosen) - {"monitoring", "recompute"} else None
    results: list[Result] = []
    for name in chosen:
        print(f"… {name}", file=sys.stderr)
        if name == "sweep":
            outcome = sweep(subjects, systems_wanted=args.sweep_systems)
        elif name == "exports":
            outcome = exports(subjects)
        elif name == "monitoring":
            from bench import monitoring

            outcome = monitoring.results(args.runs)
        elif name == "recompute":
            outcome = recompute(args.runs)
        else:
            outcome = time_page(PAGES[name], subjects, args.runs)
        results.extend(outcome if isinstance(outcome, list) else [outcome])
    print_table(results)
    print(f"Load average at the end: {_load()} (other work on the machine inflates wall times)")
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], indent=2))


if __name__ == "__main__":
    main()
