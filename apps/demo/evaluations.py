"""Demo evaluation runs for the demo organisation (``manage.py seed_demo``).

The demo systems' risks come from the library, so they already have its starter test cases
(:mod:`apps.evaluations.services`). Here their pipelines report runs, as a CI job would post
them: Aria's nightly red-team suite passed on the model it was approved with and failed on the
model upgrade waiting for its change review (one injected instruction got through, and one
result names no test case yet); the credit scoring model's fairness slices passed. The failing
run flags the mitigation it verifies. Idempotent: a system that already has runs is left alone.
"""

from __future__ import annotations

import datetime
import json

from django.utils import timezone

from apps.accounts.models import Membership
from apps.evaluations import services
from apps.evaluations.models import EvaluationRun, TestCase
from apps.systems.models import AISystem

ARIA = "Aria customer-support assistant"
CREDIT = "Consumer credit scoring model"

# system → [(days ago, suite, version, {key: outcome} overrides, extra unknown results)]
RUNS = {
    ARIA: [
        (20, "nightly red-team", "llm-2026-06 + prompt v14", {}, []),
        (
            1,
            "nightly red-team",
            "llm-2026-10 + prompt v15",
            {"prompt-injection-in-retrieved-document": "failed"},
            [("tone-of-voice-check", "passed")],
        ),
    ],
    CREDIT: [(3, "fairness slices", "scorecard PL-2026.2", {}, [])],
}
MESSAGES = {
    "failed": "The summary repeated the planted link and CANARY-21C8.",
}


def _report(keys: list[str], overrides: dict, extra: list, started_at) -> bytes:
    results = [
        {
            "test_case": key,
            "outcome": overrides.get(key, "passed"),
            "duration_seconds": 2.5,
            "message": MESSAGES.get(overrides.get(key, ""), ""),
        }
        for key in keys
    ]
    results += [{"test_case": key, "outcome": outcome} for key, outcome in extra]
    return json.dumps({"started_at": started_at.isoformat(), "results": results}).encode()


def _pipeline_account(system, people: dict):
    """Whose token the team's pipeline uses: a contributor of the team (else an administrator)."""
    membership = (
        Membership.objects.filter(
            team=system.team, role=Membership.Role.CONTRIBUTOR, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        return membership.user
    return next(person for person in people.values() if person.is_superuser)


def seed_demo_evaluations(people: dict) -> int:
    """Report the demo runs; returns how many were recorded."""
    recorded = 0
    for name, runs in RUNS.items():
        system = AISystem.objects.filter(name=name).first()
        if system is None or EvaluationRun.objects.filter(system=system).exists():
            continue
        keys = list(
            TestCase.objects.filter(system=system, archived_at__isnull=True)
            .order_by("key")
            .values_list("key", flat=True)
        )
        if not keys:
            continue
        uploader = _pipeline_account(system, people)
        for days_ago, suite, version, overrides, extra in runs:
            started_at = timezone.now() - datetime.timedelta(days=days_ago, hours=2)
            services.ingest_run(
                system=system,
                by=uploader,
                content=_report(keys, overrides, extra, started_at),
                file_name=f"{suite.replace(' ', '-')}.json",
                model_version=version,
                suite=suite,
            )
            recorded += 1
    return recorded
