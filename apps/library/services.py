"""The library's one write: a template added to a system, as a risk and planned mitigations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.library import hooks
from apps.mitigations import services as mitigation_services
from apps.risks import services as risk_services
from apps.risks.models import Risk, RiskStatus, RiskTemplate, Treatment
from apps.risks.treatment import MitigationStatus
from apps.systems.models import AISystem


@transaction.atomic
def add_risk_from_template(
    *, system: AISystem, template: RiskTemplate, by, owner=None, title: str | None = None
) -> Risk:
    """One click from the library: the risk with the template's text, scores and references,
    and each suggested mitigation as a planned mitigation, for the team to adapt.

    The residual assessment starts equal to the inherent one: nothing is in place yet. Each
    mitigation is due when the risk's treatment is. A title the system already has is refused
    with a message saying what to do instead.
    """
    if not template.is_active:
        raise ValidationError("This template is retired from the library.")
    owner = owner or by
    try:
        risk = risk_services.create_risk(
            system=system,
            by=by,
            template=template,
            reason=f"Added from the risk library ({template.key})",
            data={
                "title": title or template.title,
                "scenario": template.scenario,
                "category": template.category,
                "owner": owner,
                "inherent_likelihood": template.inherent_likelihood,
                "inherent_impact": template.inherent_impact,
                "residual_likelihood": template.inherent_likelihood,
                "residual_impact": template.inherent_impact,
                "treatment": Treatment.MITIGATE,
                "status": RiskStatus.OPEN,
                "framework_references": list(template.framework_references.all()),
            },
        )
    except ValidationError as error:
        if hasattr(error, "error_dict") and "title" in error.error_dict:
            raise ValidationError(
                {
                    "title": f"{system.reference} {system.name} already has a risk with this "
                    "title: choose another title for this one, or open the existing risk from "
                    "the system's page."
                }
            ) from error
        raise
    for suggestion in template.suggested_mitigations.all():
        mitigation_services.create_mitigation(
            system=system,
            by=by,
            risks=[risk],
            reason=f"Suggested by the risk library ({template.key})",
            data={
                "title": suggestion.title,
                "description": suggestion.description,
                "kind": suggestion.kind,
                "layer": suggestion.layer,
                "owner": owner,
                "status": MitigationStatus.PLANNED,
                "due_date": risk.treatment_due,
            },
        )
    hooks.template_added(risk=risk, template=template, by=by)
    return risk
