"""Time and query count of the daily reminder sweep on a large register.

Creates (once; rerun with the same database to reuse them) 10,000 AI systems and 100,000
mitigations with ``bulk_create`` — owners spread over 500 people, review dates from 60 days
overdue to a year ahead, mitigation due dates from 90 days overdue to 180 days ahead, statuses
mixed — plus risks with approved acceptances expiring around today and 5 committee members. Then
runs the sweep twice on the same day and reports, for each run, the wall time, the number of
queries and what it did:

* the **first run** finds every reminder, escalates, notifies and e-mails everybody;
* the **second run** is the steady state of every later sweep of that day: every candidate is
  already a reminder (``ON CONFLICT DO NOTHING``) and nobody is told anything again.

E-mails go to Django's in-memory backend (nothing leaves the machine).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_reminders .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_reminders \\
        .venv/bin/python bench/sweep.py --systems 10000 --mitigations 100000

``--reset`` deletes the reminders and notifications first (to measure a first run again).
Never run it against a database that matters: it adds rows and deletes reminders.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

BENCH_TEAM = "sweep-bench"
PEOPLE = 500
COMMITTEE = 5
ACCEPTANCES = 1000


def setup_django():
    import django

    django.setup()


def populate(systems: int, mitigations: int, today: datetime.date) -> None:
    from django.db import transaction

    from apps.accounts.models import Team, User
    from apps.mitigations.models import Mitigation
    from apps.risks.models import AcceptanceStatus, Risk, RiskAcceptance, RiskCategory
    from apps.risks.services import apply_assessment
    from apps.systems.models import AISystem

    team, _ = Team.objects.get_or_create(slug=BENCH_TEAM, defaults={"name": "Sweep benchmark"})
    if AISystem.objects.filter(team=team).count() >= systems:
        print(f"Reusing the {systems} systems of team {BENCH_TEAM}.")
        return
    rng = random.Random(42)  # noqa: S311 - repeatable test data, not secrets
    started = time.perf_counter()
    with transaction.atomic():
        people = User.objects.bulk_create(
            User(email=f"sweep-bench-{n}@example.org", full_name=f"Bench Person {n}")
            for n in range(PEOPLE)
        )
        User.objects.bulk_create(
            User(
                email=f"sweep-bench-committee-{n}@example.org",
                full_name=f"Bench Committee {n}",
                is_committee_member=True,
            )
            for n in range(COMMITTEE)
        )
        made = AISystem.objects.bulk_create(
            (
                AISystem(
                    name=f"Bench system {n}",
                    purpose="Benchmark",
                    business_process="Benchmark",
                    team=team,
                    business_owner=rng.choice(people),
                    technical_owner=rng.choice(people),
                    lifecycle_stage="production",
                    ai_kind="generative",
                    decision_role="advises",
                    oversight_mode="on_the_loop",
                    eu_ai_act_tier="minimal",
                    last_approved=today - datetime.timedelta(days=300),
                    next_review_due=today + datetime.timedelta(days=rng.randint(-60, 365)),
                )
                for n in range(systems)
            ),
            batch_size=2000,
        )
        statuses = ["planned", "in_progress", "implemented", "retired"]
        Mitigation.objects.bulk_create(
            (
                Mitigation(
                    system=made[n % len(made)],
                    title=f"Bench mitigation {n}",
                    kind="architecture",
                    layer="application",
                    owner=rng.choice(people),
                    status=rng.choice(statuses),
                    due_date=today + datetime.timedelta(days=rng.randint(-90, 180)),
                )
                for n in range(mitigations)
            ),
            batch_size=5000,
        )
        category = RiskCategory.objects.filter(parent__isnull=False).first()
        risks = []
        for n in range(ACCEPTANCES):
            risk = Risk(
                system=made[n],
                title=f"Bench risk {n}",
                scenario="Benchmark",
                category=category,
                owner=made[n].business_owner,
                inherent_likelihood=3,
                inherent_impact=3,
                residual_likelihood=2,
                residual_impact=2,
                treatment="accept",
                status="treated",
            )
            apply_assessment(risk)
            risks.append(risk)
        risks = Risk.objects.bulk_create(risks)
        RiskAcceptance.objects.bulk_create(
            RiskAcceptance(
                risk=risk,
                rationale="Benchmark",
                expires_on=today + datetime.timedelta(days=rng.randint(-5, 60)),
                status=AcceptanceStatus.APPROVED,
                requested_by=risk.owner,
                decided_by=people[0],
                decided_at=datetime.datetime.now(datetime.UTC),
            )
            for risk in risks
        )
    print(
        f"Created {systems} systems, {mitigations} mitigations, {ACCEPTANCES} acceptances and "
        f"{PEOPLE + COMMITTEE} people in {time.perf_counter() - started:.1f} s."
    )


def measure(today: datetime.date, label: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.reminders.services import run_sweep

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = run_sweep(today)
        elapsed = time.perf_counter() - started
    print(
        f"{label}: {elapsed:.1f} s, {len(queries)} queries — "
        f"{result.candidates} candidates, {result.escalations} escalations, "
        f"{result.notified} notified, {result.digests} digests, "
        f"{result.expired_acceptances} acceptances expired; steps (s): {result.seconds}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", type=int, default=10_000)
    parser.add_argument("--mitigations", type=int, default=100_000)
    parser.add_argument("--reset", action="store_true", help="delete reminders first")
    args = parser.parse_args()
    setup_django()

    from django.conf import settings
    from django.core import mail
    from django.db import connection
    from django.utils import timezone

    from apps.reminders.models import Notification, Reminder

    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: set DATABASE_URL=postgres://…")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    today = timezone.localdate()
    populate(args.systems, args.mitigations, today)
    if args.reset:
        Notification.objects.all().delete()
        Reminder.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics, no dead rows from --reset
    measure(today, "First sweep ")
    print(f"             {len(mail.outbox)} e-mails")
    mail.outbox = []
    measure(today, "Second sweep")
    print(f"             {len(mail.outbox)} e-mails")


if __name__ == "__main__":
    main()
