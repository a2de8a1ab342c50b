"""What technical documentation adds to other apps' pages (:mod:`apps.core.panels`): on a
system's page, its Annex IV document (with the gaps of its latest version) or, for a high-risk
system without one, the button that starts it; the same on the page of the system's EU AI Act
obligations that the document answers (Art. 11, Art. 49 and Art. 72), as their evidence."""

from __future__ import annotations

from apps.compliance.models import Obligation
from apps.core import panels
from apps.documentation import permissions
from apps.documentation.models import TechnicalDocument
from apps.systems.models import AISystem, EUAIActTier


def system_documentation(request, system: AISystem) -> dict:
    document = (
        TechnicalDocument.objects.filter(system=system)
        .only("pk", "system_id", "latest_version_number", "latest_sha256", "updated_at")
        .first()
    )
    latest = None
    if document is not None and document.latest_version_number:
        latest = (
            document.versions.filter(number=document.latest_version_number)
            .only("number", "gap_count", "generated_at", "sha256", "document_id")
            .first()
        )
    return {
        "technical_document": document,
        "technical_document_latest": latest,
        "is_high_risk": system.eu_ai_act_tier == EUAIActTier.HIGH_RISK,
        "can_start_technical_document": document is None
        and not permissions.why_cannot_start_document(request.user, system),
    }


# The EU AI Act obligations the document (or its Annex VIII sheet) answers, and what of it.
ANSWERED = {
    "Art. 11": "Its Annex IV technical documentation",
    "Art. 49": "The registration data Annex VIII asks (in the document's Annex VIII sheet)",
    "Art. 72": "Its post-market monitoring plan (section 9 of the Annex IV documentation)",
}


def obligation_documentation(request, obligation: Obligation) -> dict:
    requirement = obligation.requirement
    if requirement.catalogue.framework != "eu-ai-act" or requirement.identifier not in ANSWERED:
        return {}
    return {
        "documentation_panel": {
            "answers": ANSWERED[requirement.identifier],
            **system_documentation(request, obligation.system),
        }
    }


def register_panels() -> None:
    panels.register(
        AISystem,
        panels.Panel("documentation/_system_panel.html", system_documentation, order=48),
    )
    panels.register(
        Obligation,
        panels.Panel("documentation/_obligation_panel.html", obligation_documentation, order=45),
    )
