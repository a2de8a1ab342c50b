"""What the classification app adds to other apps' pages (:mod:`apps.core.panels`): on a
system's page, its EU AI Act classification — the latest record, the flag "classification to
confirm", its versions, and the button that starts (or continues) the questionnaire."""

from __future__ import annotations

from apps.classification import permissions, selectors
from apps.classification.models import ClassificationDraft
from apps.classification.services import fact_labels
from apps.core import panels
from apps.systems.models import AISystem


def system_classification(request, system: AISystem) -> dict:
    records = selectors.records_of_system(system)
    state = selectors.state_of(system)
    can_classify = permissions.can_classify(request.user, system)
    has_draft = (
        can_classify
        and ClassificationDraft.objects.filter(system=system, author=request.user).exists()
    )
    return {
        "classification_panel": {
            "records": records,
            "latest": records[0] if records else None,
            "to_confirm": bool(state and state.to_confirm),
            "changed_facts": fact_labels(state.changed_facts) if state else [],
            "flagged_at": state.flagged_at if state else None,
            "can_classify": can_classify,
            "has_draft": has_draft,
        }
    }


def register_panels() -> None:
    # Just before the compliance panel (45): the tier decides the obligations listed there.
    panels.register(
        AISystem,
        panels.Panel("classification/_system_panel.html", system_classification, order=44),
    )
