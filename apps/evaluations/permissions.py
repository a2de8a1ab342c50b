"""Who may do what with evaluations, built on the systems' and mitigations' rules: a system's
contributors keep its test cases and post its runs; everyone who reads the system reads them.

Registered with :mod:`apps.core.rules` (see :func:`register_rules`) for the generic views and
the API; pages, services and templates ask the functions directly.
"""

from __future__ import annotations

from apps.accounts.permissions import can_read_team
from apps.core import rules
from apps.evaluations.models import EvaluationRun, MitigationEvaluation, TestCase
from apps.mitigations.permissions import can_edit_mitigation
from apps.systems.models import AISystem
from apps.systems.permissions import can_edit_system, why_cannot_add_to_system


def can_view_test_case(user, test_case: TestCase) -> bool:
    return can_read_team(user, test_case.system.team_id)


def can_edit_test_case(user, test_case: TestCase) -> bool:
    return can_edit_system(user, test_case.system)


def why_cannot_archive_test_case(user, test_case: TestCase) -> str:
    """Archiving or restoring a test case: the system's contributors."""
    if can_edit_test_case(user, test_case):
        return ""
    if test_case.system.is_archived:
        return f"{test_case.system.reference} is archived: its test cases are read-only."
    return "Only contributors of the system's team keep its test cases."


def why_cannot_edit_test_case(user, test_case: TestCase) -> str:
    """Changing a test case: the system's contributors, while it is not archived."""
    refusal = why_cannot_archive_test_case(user, test_case)
    if refusal:
        return refusal
    if test_case.is_archived:
        return f"{test_case.reference} is archived: restore it before changing it."
    return ""


def can_add_test_cases(user, system: AISystem) -> bool:
    return can_edit_system(user, system)


def why_cannot_add_test_cases(user, system: AISystem) -> str:
    return why_cannot_add_to_system(user, system, what="test cases")


def can_upload_runs(user, system: AISystem) -> bool:
    return can_edit_system(user, system)


def why_cannot_upload_runs(user, system: AISystem) -> str:
    return why_cannot_add_to_system(user, system, what="evaluation runs")


def can_view_run(user, run: EvaluationRun) -> bool:
    return can_read_team(user, run.system.team_id)


def why_cannot_review_evaluation(user, evaluation: MitigationEvaluation) -> str:
    """Marking a flagged mitigation reviewed (its residual assessment still holds): those who
    may change the mitigation."""
    if can_edit_mitigation(user, evaluation.mitigation):
        return ""
    if evaluation.mitigation.system.is_archived:
        return f"{evaluation.mitigation.system.reference} is archived: it is read-only."
    return "Only contributors of the system's team review its mitigations' evaluations."


def can_view_evaluation(user, evaluation: MitigationEvaluation) -> bool:
    return can_read_team(user, evaluation.mitigation.system.team_id)


def register_rules() -> None:
    rules.register(
        TestCase, "view", rules.explained(can_view_test_case, "You cannot see this test case.")
    )
    rules.register(TestCase, "change", why_cannot_edit_test_case)
    rules.register(TestCase, "archive", why_cannot_archive_test_case)
    rules.register(AISystem, "add_test_case", why_cannot_add_test_cases)
    rules.register(AISystem, "upload_run", why_cannot_upload_runs)
    rules.register(EvaluationRun, "view", rules.explained(can_view_run, "You cannot see this run."))
    rules.register(
        MitigationEvaluation,
        "view",
        rules.explained(can_view_evaluation, "You cannot see this mitigation's evaluations."),
    )
    rules.register(MitigationEvaluation, "review", why_cannot_review_evaluation)
