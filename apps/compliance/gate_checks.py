"""What compliance holds against a system's deployment: its blocking obligations not met.

A blocking obligation (``Requirement.is_blocking``: with the shipped catalogue, the EU AI Act
articles a high-risk system must meet before it is placed on the market or first used, and
Art. 5 for a prohibited practice) stands in the way until it is implemented or verified, justified
as not applicable, or covered by an exception the committee approved and that has not expired
(:func:`apps.compliance.selectors.unmet_blocking_obligations`).

Two checks, registered in ``ComplianceConfig.ready()``:

* the safety plan's submission (:mod:`apps.reviews.submission_checks`) for an initial deployment
  or a change review — the reviews that decide on a deployment (a periodic or post-incident
  review of a system in service is still submitted, so that the committee looks at it);
* the deployment gate a CI/CD pipeline asks (:mod:`apps.systems.gate`).
"""

from __future__ import annotations

from apps.compliance import selectors
from apps.reviews.models import ReviewKind

DEPLOYMENT_REVIEWS = (ReviewKind.INITIAL, ReviewKind.CHANGE)
NAMED = 8


def _listed(obligations: list) -> str:
    names = [
        f"{o.requirement.identifier} ({o.reference}, {o.get_status_display().lower()})"
        for o in obligations[:NAMED]
    ]
    more = len(obligations) - NAMED
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def unmet_blocking_sentence(system) -> str:
    """The reason to refuse, or "" when every blocking obligation is met or excepted."""
    unmet = list(selectors.unmet_blocking_obligations(system))
    if not unmet:
        return ""
    count = len(unmet)
    return (
        f"{system.reference} has {count} blocking compliance obligation"
        f"{'s' if count != 1 else ''} neither implemented nor covered by an exception the "
        f"committee approved: {_listed(unmet)}. Implement or verify "
        f"{'them' if count != 1 else 'it'} (with evidence), or request an exception."
    )


def blocking_obligations_at_submission(system, kind: str, plan: dict) -> list[str]:
    """The submission check: deployment reviews only."""
    if kind not in DEPLOYMENT_REVIEWS:
        return []
    sentence = unmet_blocking_sentence(system)
    return [sentence] if sentence else []


def blocking_obligations_at_deployment(system, version: str) -> list[str]:
    """The deployment gate's check."""
    sentence = unmet_blocking_sentence(system)
    return [sentence] if sentence else []
