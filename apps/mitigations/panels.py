"""What the mitigations app adds to other apps' pages (:mod:`apps.core.panels`): a system's
mitigations, and a risk's, with the risk panel's inline forms and status buttons."""

from __future__ import annotations

from django.urls import reverse

from apps.core import panels
from apps.mitigations import permissions, selectors
from apps.mitigations.forms import RiskPanelAddForm, RiskPanelLinkForm
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk
from apps.risks.treatment import MitigationStatus
from apps.systems.models import AISystem

# The next steps a mitigation's page and a risk's panel offer, from each status.
STATUS_ACTIONS: dict[str, list[tuple[str, str]]] = {
    MitigationStatus.PLANNED: [
        (MitigationStatus.IN_PROGRESS, "Mark in progress"),
        (MitigationStatus.IMPLEMENTED, "Mark implemented"),
    ],
    MitigationStatus.IN_PROGRESS: [(MitigationStatus.IMPLEMENTED, "Mark implemented")],
    MitigationStatus.IMPLEMENTED: [(MitigationStatus.VERIFIED, "Mark verified")],
    MitigationStatus.VERIFIED: [(MitigationStatus.VERIFIED, "Verified again today")],
    MitigationStatus.RETIRED: [],
}


def status_actions(mitigation: Mitigation) -> list[dict]:
    return [
        {"status": status, "label": label} for status, label in STATUS_ACTIONS[mitigation.status]
    ]


def system_mitigations(request, system: AISystem) -> dict:
    return {"mitigations": selectors.mitigations_of_system(system)}


def risk_panel_context(request, risk: Risk, *, add_form=None, link_form=None, notice=None) -> dict:
    """What ``mitigations/_risk_panel.html`` needs, under one key so it never clobbers the page.

    The risk's page merges this into its context and includes the template; the panel's own
    endpoints (:mod:`apps.mitigations.views.risk_panel`) render the same template as an htmx
    fragment.
    """
    user = request.user
    can_edit = permissions.can_change_mitigations_of_risk(user, risk)
    mitigations = list(selectors.mitigations_of_risk(risk))
    panel = {
        "risk": risk,
        "rows": [
            {"mitigation": m, "actions": status_actions(m) if can_edit else []} for m in mitigations
        ],
        "can_edit": can_edit,
        "notice": notice,
        "create_url": f"{reverse('mitigations:create')}?system={risk.system_id}&risk={risk.pk}",
    }
    if can_edit:
        panel["add_form"] = add_form or RiskPanelAddForm(system=risk.system, user=user)
        panel["link_form"] = link_form or RiskPanelLinkForm(risk=risk, user=user)
        panel["add_open"] = bool(add_form is not None and add_form.errors)
    return {"mitigation_panel": panel}


def register_panels() -> None:
    panels.register(
        Risk, panels.Panel("mitigations/_risk_panel.html", risk_panel_context, order=10)
    )
    panels.register(
        AISystem, panels.Panel("mitigations/_system_panel.html", system_mitigations, order=30)
    )
