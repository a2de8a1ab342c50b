"""Checks that other apps add to the submission of a safety plan.

:func:`apps.reviews.services.check_submission` (and the resubmission after changes were asked)
refuses a plan for reasons of its own — no risk catalogued, an open deployment checklist item,
an untreated Critical risk — and for the reasons of the apps above reviews, which it cannot
import: they register a check in their ``AppConfig.ready()``::

    from apps.reviews.submission_checks import register_submission_check

    def unmet_blocking_obligations(system, kind: str, plan: dict) -> list[str]:
        return [f"{system.reference} has blocking obligations not met: …"]

    register_submission_check("compliance", unmet_blocking_obligations, order=10)

A check is ``fn(system, kind, plan) -> list[str]``: ``kind`` the review asked for
(:class:`~apps.reviews.models.ReviewKind`), ``plan`` the live plan about to be frozen; one
sentence per problem (the person fixes it before submitting again), an empty list when it has
nothing against the submission. A check reads; it never writes. Every problem of every check is
shown at once, with the plan's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SubmissionCheck = Callable[[Any, str, dict], list[str]]


@dataclass(frozen=True)
class RegisteredCheck:
    name: str
    function: SubmissionCheck
    order: int


_CHECKS: dict[str, RegisteredCheck] = {}


def register_submission_check(name: str, function: SubmissionCheck, *, order: int = 50) -> None:
    """Register (or replace) the check called ``name``; checks run in ``order``, then by name."""
    _CHECKS[name] = RegisteredCheck(name, function, order)


def registered_checks() -> list[RegisteredCheck]:
    return sorted(_CHECKS.values(), key=lambda check: (check.order, check.name))


def submission_problems(system, kind: str, plan: dict) -> list[str]:
    """Every registered check's problems with submitting ``plan`` for a ``kind`` review."""
    problems = []
    for check in registered_checks():
        problems.extend(check.function(system, kind, plan))
    return problems
