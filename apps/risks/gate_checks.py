"""The risks app's check of the deployment gate (:mod:`apps.systems.gate`): no open Critical
residual risk.

A live risk (not archived, not closed) whose residual level is Critical and that nobody has
treated yet (status *open*) blocks a deployment, as it blocks an initial deployment review.
"""

from __future__ import annotations

from apps.core.models import Level
from apps.risks.models import Risk, RiskStatus

SHOWN = 10  # the reasons name this many risks, then count the rest


def open_critical_risks(system, version: str) -> list[str]:
    risks = list(
        Risk.objects.live()
        .filter(system=system, residual_level=Level.CRITICAL, status=RiskStatus.OPEN)
        .order_by("-residual_score", "title", "pk")
        .values_list("pk", "title")[: SHOWN + 1]
    )
    reasons = [
        f"{Risk.format_reference(pk)} “{title}” is a Critical residual risk and still open: "
        "put its mitigations in place and mark it treated, or have its acceptance approved."
        for pk, title in risks[:SHOWN]
    ]
    if len(risks) > SHOWN:
        more = (
            Risk.objects.live()
            .filter(system=system, residual_level=Level.CRITICAL, status=RiskStatus.OPEN)
            .count()
            - SHOWN
        )
        reasons.append(f"… and {more} more open Critical residual risks of {system.reference}.")
    return reasons
