"""The demo organisation's evaluations and its one material change."""

import pytest
from django.core.management import call_command

from apps.evaluations.models import EvaluationRun, MitigationEvaluation, TestCase
from apps.systems import gate
from apps.systems.models import AISystem, SystemVersion, VersionStatus

pytestmark = pytest.mark.django_db

ARIA = "Aria customer-support assistant"


def test_the_demo_systems_have_the_librarys_starter_test_cases(demo_organisation):
    aria = AISystem.objects.get(name=ARIA)

    keys = set(TestCase.objects.filter(system=aria).values_list("key", flat=True))

    assert {"prompt-injection-in-retrieved-document", "leak-canary-record"} <= keys


def test_the_demo_has_runs_one_of_them_failing(demo_organisation):
    aria = AISystem.objects.get(name=ARIA)

    passed, failed = EvaluationRun.objects.filter(system=aria).order_by("started_at")

    assert (passed.outcome, passed.model_version) == ("passed", "llm-2026-06 + prompt v14")
    assert (failed.outcome, failed.model_version) == ("failed", "llm-2026-10 + prompt v15")
    assert failed.unknown_count == 1
    assert MitigationEvaluation.objects.flagged().filter(latest_run=failed).exists()
    assert EvaluationRun.objects.exclude(system=aria).filter(outcome="passed").exists()


def test_the_demo_has_one_material_change_waiting_for_its_review(demo_organisation):
    aria = AISystem.objects.get(name=ARIA)

    change = SystemVersion.objects.get()
    assert (change.system, change.value, change.status) == (
        aria,
        "llm-2026-10 + prompt v15",
        VersionStatus.PENDING,
    )
    assert list(change.reviews.values_list("kind", flat=True)) == ["change"]
    new = {r["check"] for r in gate.evaluate_gate(aria, "llm-2026-10 + prompt v15").reasons}
    approved = {r["check"] for r in gate.evaluate_gate(aria, "llm-2026-06 + prompt v14").reasons}
    assert {"approved_plan", "evaluations"} <= new
    assert not {"approved_plan", "evaluations"} & approved


def test_seeding_the_evaluations_twice_adds_nothing(demo_organisation):
    count = EvaluationRun.objects.count()

    call_command("seed_demo", "--force", verbosity=0)

    assert EvaluationRun.objects.count() == count == 3
