"""What the assessments app adds to other apps' pages (:mod:`apps.core.panels`): on a system's
page and on the page of its EU AI Act Art. 27 obligation, the fundamental rights impact
assessment — the current one, or “Start the assessment” where the compliance rules say Art. 27
applies. Elsewhere (no Art. 27 obligation, no assessment) nothing is shown."""

from __future__ import annotations

from apps.assessments import permissions, selectors
from apps.compliance.models import Obligation
from apps.core import panels
from apps.systems.models import AISystem


def assessment_panel(request, system: AISystem) -> dict:
    obligation = selectors.art27_obligation(system)
    assessment = selectors.assessment_of(system)
    if obligation is None and assessment is None:
        return {}
    versions = selectors.versions_of(assessment) if assessment else []
    return {
        "fria_panel": {
            "system": system,
            "obligation": obligation,
            "assessment": assessment,
            "latest": versions[0] if versions else None,
            "approved": next((v for v in versions if v.is_approved), None),
            "not_required": "" if obligation else selectors.why_not_required(system),
            "can_start": assessment is None
            and permissions.can_start_assessment(request.user, system),
        }
    }


def system_assessment(request, system: AISystem) -> dict:
    return assessment_panel(request, system)


def obligation_assessment(request, obligation: Obligation) -> dict:
    if not selectors.is_art27(obligation):
        return {}
    return assessment_panel(request, obligation.system)


def register_panels() -> None:
    panels.register(AISystem, panels.Panel("assessments/_panel.html", system_assessment, order=47))
    panels.register(
        Obligation, panels.Panel("assessments/_panel.html", obligation_assessment, order=35)
    )
