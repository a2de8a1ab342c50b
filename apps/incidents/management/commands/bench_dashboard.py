"""Time the governance dashboard on a large organisation, and count its queries.

    manage.py bench_dashboard --generate --risks 100000 --systems 5000 --incidents 5000
    manage.py bench_dashboard --runs 20

``--generate`` first adds a believable load (teams, systems, risks, mitigations linked to
them, acceptances, incidents) with bulk inserts, reproducible from ``--seed``; bulk inserts write
no history. Then it times the dashboard's selectors for a committee member (every team) and for
a contributor of one team, and the whole home page, and prints p50/p95 and the query counts.
Meant for PostgreSQL (``DATABASE_URL``); never run it against a database that matters: the
generated rows are real rows. (The performance issue's generator may replace the generation.)
"""

from __future__ import annotations

import datetime
import random
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Membership, Team, User
from apps.core import dashboard
from apps.core.models import Level
from apps.incidents.models import ART73_DAYS, Incident
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk, RiskAcceptance, RiskCategory, RiskMatrix
from apps.systems.models import (
    AIKind,
    AISystem,
    DecisionRole,
    EUAIActTier,
    LifecycleStage,
    OversightMode,
)

BATCH = 5000
PREFIX = "Load"


class Command(BaseCommand):
    help = "Time the dashboard (optionally on generated data) and count its queries."

    def add_arguments(self, parser):
        parser.add_argument("--generate", action="store_true", help="Add the load first.")
        parser.add_argument("--teams", type=int, default=50)
        parser.add_argument("--systems", type=int, default=5000)
        parser.add_argument("--risks", type=int, default=100_000)
        parser.add_argument("--incidents", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--runs", type=int, default=20)

    def handle(self, *args, generate, teams, systems, risks, incidents, seed, runs, **options):
        if generate:
            if Team.objects.filter(slug__startswith=f"{PREFIX.lower()}-team-").exists():
                raise CommandError("The load is already generated in this database.")
            started = time.perf_counter()
            self._generate(random.Random(seed), teams, systems, risks, incidents)  # noqa: S311
            self.stdout.write(f"Generated in {time.perf_counter() - started:.1f} s.")
        self.stdout.write(
            f"Database: {connection.vendor}; {Risk.objects.count()} risks, "
            f"{AISystem.objects.count()} systems, {Mitigation.objects.count()} mitigations, "
            f"{Incident.objects.count()} incidents."
        )
        committee = User.objects.filter(is_committee_member=True, is_active=True).first()
        member = (
            Membership.objects.filter(role=Membership.Role.CONTRIBUTOR)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if committee is None or member is None:
            raise CommandError("Needs a committee member and a contributor (run seed_demo).")
        for label, user in (("committee (every team)", committee), ("contributor", member.user)):
            self._time(
                f"dashboard selectors, {label}",
                lambda u=user: dashboard.dashboard(User.objects.get(pk=u.pk)),
                runs,
                extra_queries=1,  # the fresh User: its memberships are not cached yet
            )
        client = Client(SERVER_NAME="localhost")
        client.force_login(committee)
        self._time("home page (dashboard + my teams), committee", lambda: client.get("/"), runs)

    def _time(self, label, call, runs, extra_queries=0):
        call()  # warm up (connection, caches of the first request)
        executed = []

        def count(execute, sql, params, many, context):
            executed.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            call()
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        queries = len(executed) - extra_queries
        self.stdout.write(
            f"{label}: {queries} queries; p50 {statistics.median(timings):.0f} ms, "
            f"p95 {p95:.0f} ms ({runs} runs)"
        )

    @transaction.atomic
    def _generate(self, rng, n_teams, n_systems, n_risks, n_incidents):
        now = timezone.now()
        today = timezone.localdate()
        matrix = RiskMatrix.load()
        teams = Team.objects.bulk_create(
            Team(name=f"{PREFIX} team {i}", slug=f"{PREFIX.lower()}-team-{i}")
            for i in range(n_teams)
        )
        owners = User.objects.bulk_create(
            User(email=f"{PREFIX.lower()}-owner-{i}@example.org", full_name=f"Owner {i}")
            for i in range(n_teams)
        )
        Membership.objects.bulk_create(
            Membership(user=owner, team=team, role=Membership.Role.CONTRIBUTOR)
            for owner, team in zip(owners, teams, strict=True)
        )
        tiers = [t.value for t in EUAIActTier if t != EUAIActTier.PROHIBITED]
        systems = []
        for i in range(n_systems):
            t = i % n_teams
            tier = rng.choice(tiers)
            approved = today - datetime.timedelta(days=rng.randint(0, 400))
            cadence = rng.choice([30, 90, 180, 365])
            systems.append(
                AISystem(
                    name=f"{PREFIX} system {i}",
                    purpose="Generated",
                    business_process="Generated",
                    team=teams[t],
                    business_owner=owners[t],
                    technical_owner=owners[t],
                    lifecycle_stage=LifecycleStage.PRODUCTION,
                    ai_kind=rng.choice(AIKind.values),
                    decision_role=DecisionRole.ADVISES,
                    oversight_mode=OversightMode.ON_THE_LOOP,
                    eu_ai_act_tier=tier,
                    eu_ai_act_area="4" if tier == EUAIActTier.HIGH_RISK else "",
                    criticality=rng.choice(Level.values),
                    review_cadence_days=cadence,
                    last_approved=approved if rng.random() < 0.7 else None,
                    next_review_due=approved + datetime.timedelta(days=cadence),
                )
            )
        systems = AISystem.objects.bulk_create(systems, batch_size=BATCH)
        categories = list(RiskCategory.objects.filter(parent__isnull=False))
        risks = []
        for i in range(n_risks):
            system = systems[i % n_systems]
            il, ii = rng.randint(1, 5), rng.randint(1, 5)
            rl, ri = rng.randint(1, il), rng.randint(1, ii)
            inherent_level = matrix.level_for(il * ii)
            assessed = today - datetime.timedelta(days=rng.randint(0, 365))
            risks.append(
                Risk(
                    system=system,
                    title=f"{PREFIX} risk {i}",
                    scenario="Generated",
                    category=rng.choice(categories),
                    owner_id=system.business_owner_id,
                    inherent_likelihood=il,
                    inherent_impact=ii,
                    residual_likelihood=rl,
                    residual_impact=ri,
                    inherent_score=il * ii,
                    residual_score=rl * ri,
                    inherent_level=inherent_level,
                    residual_level=matrix.level_for(rl * ri),
                    assessed_on=assessed,
                    treatment_due=assessed
                    + datetime.timedelta(days=matrix.deadline_days(inherent_level)),
                    status=rng.choice(["open", "open", "treated", "closed"]),
                )
            )
        risks = Risk.objects.bulk_create(risks, batch_size=BATCH)
        statuses = ["planned", "in_progress", "implemented", "verified", "retired"]
        mitigations = []
        for i in range(n_risks // 2):
            risk = risks[(i * 2) % n_risks]
            status = rng.choice(statuses)
            mitigations.append(
                Mitigation(
                    system_id=risk.system_id,
                    title=f"{PREFIX} mitigation {i}",
                    kind="architecture",
                    layer="application",
                    owner_id=risk.owner_id,
                    status=status,
                    due_date=today + datetime.timedelta(days=rng.randint(-120, 120)),
                    last_verified_on=today if status == "verified" else None,
                )
            )
        mitigations = Mitigation.objects.bulk_create(mitigations, batch_size=BATCH)
        Link = Mitigation.risks.through
        Link.objects.bulk_create(
            (
                Link(mitigation_id=m.pk, risk_id=risks[(i * 2) % n_risks].pk)
                for i, m in enumerate(mitigations)
            ),
            batch_size=BATCH,
        )
        RiskAcceptance.objects.bulk_create(
            (
                RiskAcceptance(
                    risk=risks[i],
                    rationale="Generated",
                    expires_on=today + datetime.timedelta(days=rng.randint(1, 200)),
                    status="approved",
                    requested_by_id=risks[i].owner_id,
                    decided_at=now,
                )
                for i in range(0, n_risks, 20)
            ),
            batch_size=BATCH,
        )
        incidents = []
        for i in range(n_incidents):
            system = systems[rng.randrange(n_systems)]
            detected = now - datetime.timedelta(minutes=rng.randint(60, 400 * 24 * 60))
            occurred = detected - datetime.timedelta(minutes=rng.randint(1, 3000))
            steps = {}
            if rng.random() < 0.8:
                recovered = detected + datetime.timedelta(minutes=rng.randint(10, 5000))
                if recovered < now:
                    steps = {
                        "assessed_at": detected,
                        "contained_at": detected,
                        "recovered_at": recovered,
                        "closed_at": recovered if rng.random() < 0.7 else None,
                        "phase": "closed" if rng.random() < 0.7 else "recovered",
                    }
            serious = rng.random() < 0.05 and system.eu_ai_act_tier == EUAIActTier.HIGH_RISK
            incidents.append(
                Incident(
                    system=system,
                    title=f"{PREFIX} incident {i}",
                    description="Generated",
                    severity=rng.randint(1, 4),
                    occurred_at=occurred if rng.random() < 0.9 else None,
                    detected_at=detected,
                    uncatalogued=rng.random() < 0.2,
                    serious_incident="general" if serious else "",
                    regulator_notification_required=serious,
                    regulator_deadline=detected + datetime.timedelta(days=ART73_DAYS["general"])
                    if serious
                    else None,
                    **steps,
                )
            )
        Incident.objects.bulk_create(incidents, batch_size=BATCH)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
