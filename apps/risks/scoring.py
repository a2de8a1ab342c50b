"""Scores and levels: the one rule that turns a likelihood × impact score into a level.

The bands come from the organisation's risk matrix (:class:`apps.risks.models.RiskMatrix`), or
from the copy of it frozen with a safety plan version; everything that shows a level for a score
(the register, the library, the dashboard's heat map, a plan's heat map, incidents raising a
likelihood) asks :func:`level_for`.
"""

from __future__ import annotations

from apps.core.models import Level


def level_for(
    score: int, *, critical_min_score: int, high_min_score: int, medium_min_score: int
) -> Level:
    if score >= critical_min_score:
        return Level.CRITICAL
    if score >= high_min_score:
        return Level.HIGH
    if score >= medium_min_score:
        return Level.MEDIUM
    return Level.LOW


def bands(matrix) -> dict[str, int]:
    """The three lower bounds of a matrix (a :class:`RiskMatrix` or a frozen plan's dict)."""
    get = matrix.get if isinstance(matrix, dict) else lambda name: getattr(matrix, name)
    return {
        name: get(name) for name in ("critical_min_score", "high_min_score", "medium_min_score")
    }
