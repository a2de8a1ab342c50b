"""What the literacy app adds to other pages (:mod:`apps.core.panels`): on the page of a
system's EU AI Act Art. 4 obligation (AI literacy), the state of the required trainings of the
people of the system's team."""

from __future__ import annotations

from apps.compliance.models import Obligation
from apps.core import panels
from apps.literacy import selectors

ART_4 = ("eu-ai-act", "Art. 4")


def is_ai_literacy(obligation: Obligation) -> bool:
    requirement = obligation.requirement
    return (requirement.catalogue.framework, requirement.identifier) == ART_4


def obligation_literacy(request, obligation: Obligation) -> dict:
    if not is_ai_literacy(obligation):
        return {}
    members = selectors.team_training(obligation.system.team_id)
    rows = [
        {"person": person, "states": states, "gaps": sum(s.is_gap for s in states)}
        for person, states in members
    ]
    return {
        "literacy_panel": {
            "team": obligation.system.team,
            "rows": rows,
            "with_gaps": sum(1 for row in rows if row["gaps"]),
            "required_any": any(row["states"] for row in rows),
        }
    }


def register_panels() -> None:
    panels.register(
        Obligation, panels.Panel("literacy/_obligation_panel.html", obligation_literacy, order=40)
    )
