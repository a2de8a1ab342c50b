"""The evaluations app's check of the deployment gate (:mod:`apps.systems.gate`): the latest
evaluation runs pass.

For each suite of evaluations, the latest run of the version asked about decides; when no run
evaluated that version, the latest run of each suite (whatever its version) does. A failing one
refuses the deployment, named with its suite, run, version and pass rate.
"""

from __future__ import annotations

from django.utils import timezone

from apps.evaluations import selectors


def _rate(run) -> str:
    return f"pass rate {run.pass_rate:g} %" if run.pass_rate is not None else "no result ran"


def failing_evaluations(system, version: str) -> list[str]:
    failing, evaluated = selectors.failing_latest_runs(system, version)
    reasons = []
    for run in failing:
        day = timezone.localdate(run.started_at)
        which = "" if evaluated else f" (version {run.model_version}; no run evaluated “{version}”)"
        reasons.append(
            f"The latest run of the “{run.suite}” evaluations{which}, {run.reference} of "
            f"{day:%d %b %Y}, failed: {run.failed + run.errors} of {run.executed} results did "
            f"not pass ({_rate(run)}). Fix them and post a passing run."
        )
    return reasons
