"""What the compliance app adds to other apps' pages (:mod:`apps.core.panels`):

* a system's page: its obligations by framework (the Compliance panel, with a link to the full
  page where they are worked on in bulk);
* a mitigation's page: the obligations it helps meet, in every framework (the cross-walk), and
  a form to link another obligation of its system;
* a risk's page: the obligations linked to it, and those its framework references suggest
  (:mod:`apps.compliance.crosswalk`), each linked in one click;
* a library template's page: the requirements its framework references name.

Each context sits under one key of its own, so that it never clobbers the page's."""

from __future__ import annotations

from django.urls import reverse

from apps.compliance import crosswalk, permissions, selectors
from apps.compliance.forms import LinkMitigationForm, LinkObligationForm, LinkRiskForm
from apps.compliance.models import Obligation
from apps.core import panels
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk, RiskTemplate
from apps.systems.models import AISystem

LINKED_ORDER = ("requirement__catalogue__name", "requirement__position", "pk")


def framework_rows(groups) -> list[dict]:
    """Each framework's obligations that apply and those that no longer do, with its counts."""
    rows = []
    for group in groups:
        applying = [o for o in group.obligations if o.applies]
        rows.append(
            {
                "catalogue": group.catalogue,
                "applying": applying,
                "retired": [o for o in group.obligations if not o.applies],
                "met": group.met,
                "overdue": sum(1 for o in applying if o.is_overdue),
                "counts": group.counts,
            }
        )
    return rows


def system_obligations(request, system: AISystem) -> dict:
    rows = framework_rows(selectors.obligations_by_framework(system))
    return {
        "compliance_panel": {
            "frameworks": rows,
            "applying": sum(len(row["applying"]) for row in rows),
            "retired": sum(len(row["retired"]) for row in rows),
            "overdue": sum(row["overdue"] for row in rows),
            "page_url": reverse("compliance:system", args=[system.pk]),
        }
    }


def links_context(request, obligation: Obligation, *, notice=None, forms=None) -> dict:
    """The mitigations and risks an obligation links, with the forms to link more (for those
    who may): what ``compliance/_links_panel.html`` needs, on the obligation's page and as the
    fragment its htmx forms swap in."""
    can_edit = permissions.can_change_obligation(request.user, obligation)
    forms = forms or {}
    panel = {
        "obligation": obligation,
        "mitigations": list(obligation.mitigations.select_related("owner").order_by("pk")),
        "risks": list(obligation.risks.order_by("pk")),
        "can_edit": can_edit,
        "notice": notice,
    }
    if can_edit:
        panel["mitigation_form"] = forms.get("mitigation") or LinkMitigationForm(
            obligation=obligation
        )
        panel["risk_form"] = forms.get("risk") or LinkRiskForm(obligation=obligation)
    return {"links_panel": panel}


def mitigation_obligations(request, mitigation: Mitigation) -> dict:
    """The cross-walk on a mitigation's page: the obligations, of every framework, it helps
    meet."""
    can_link = permissions.can_work_on_system_obligations(request.user, mitigation.system)
    obligations = list(
        mitigation.obligations.select_related(
            "requirement", "requirement__catalogue", "owner"
        ).order_by(*LINKED_ORDER)
    )
    return {
        "obligation_panel": {
            "mitigation": mitigation,
            "obligations": obligations,
            "frameworks": sorted({o.requirement.catalogue.name for o in obligations}),
            "can_link": can_link,
            "form": LinkObligationForm(mitigation=mitigation) if can_link else None,
        }
    }


def risk_obligations(request, risk: Risk) -> dict:
    """On a risk's page: the obligations linked to it, and those its framework references
    suggest (:func:`apps.compliance.crosswalk.suggestions_for_risk`)."""
    linked = list(
        risk.obligations.select_related("requirement", "requirement__catalogue").order_by(
            *LINKED_ORDER
        )
    )
    can_link = not risk.is_archived and permissions.can_work_on_system_obligations(
        request.user, risk.system
    )
    return {
        "risk_obligation_panel": {
            "risk": risk,
            "linked": linked,
            "suggestions": crosswalk.suggestions_for_risk(
                risk, exclude_linked=[o.pk for o in linked]
            ),
            "can_link": can_link,
        }
    }


def template_requirements(request, template: RiskTemplate) -> dict:
    """On a library template's page: the requirements its framework references name."""
    references = template.framework_references.all()
    return {"template_requirements": crosswalk.requirements_for(references)}


def register_panels() -> None:
    panels.register(
        AISystem, panels.Panel("compliance/_system_panel.html", system_obligations, order=45)
    )
    panels.register(
        Mitigation,
        panels.Panel("compliance/_mitigation_panel.html", mitigation_obligations, order=20),
    )
    panels.register(Risk, panels.Panel("compliance/_risk_panel.html", risk_obligations, order=30))
    panels.register(
        RiskTemplate,
        panels.Panel("compliance/_template_panel.html", template_requirements, order=20),
    )
