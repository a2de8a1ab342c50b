"""What the evaluations app adds to other apps' pages (:mod:`apps.core.panels`): a system's
evaluations, a risk's test cases (and the flags on its residual assessment), a mitigation's
verification, and a library template's starter test cases."""

from __future__ import annotations

from apps.core import panels
from apps.evaluations import permissions, selectors
from apps.evaluations.forms import ReviewedForm
from apps.mitigations.models import Mitigation
from apps.risks.models import Risk, RiskTemplate
from apps.systems.models import AISystem


def system_evaluations(request, system: AISystem) -> dict:
    return {
        "evaluation_panel": {
            "runs": selectors.runs_of_system(system),
            "counts": selectors.test_case_counts(system),
            "evaluations": list(selectors.evaluations_of_system(system)),
            "can_upload": permissions.can_upload_runs(request.user, system),
            "can_add": permissions.can_add_test_cases(request.user, system),
        }
    }


def risk_test_cases(request, risk: Risk) -> dict:
    return {
        "test_case_panel": {
            "test_cases": list(selectors.test_cases_of_risk(risk)),
            "flags": list(selectors.flags_on_risk(risk)),
            "can_add": permissions.can_add_test_cases(request.user, risk.system)
            and not risk.is_archived,
        }
    }


def mitigation_evaluation(request, mitigation: Mitigation) -> dict:
    evaluation = selectors.evaluation_of(mitigation)
    can_review = bool(
        evaluation
        and evaluation.is_flagged
        and not permissions.why_cannot_review_evaluation(request.user, evaluation)
    )
    return {
        "evaluation_panel": {
            "evaluation": evaluation,
            "test_cases": list(mitigation.test_cases.filter(archived_at__isnull=True)),
            "can_review": can_review,
            "form": ReviewedForm() if can_review else None,
        }
    }


def template_test_cases(request, template: RiskTemplate) -> dict:
    return {"starter_test_cases": list(template.test_case_templates.all())}


def register_panels() -> None:
    panels.register(
        AISystem,
        panels.Panel("evaluations/_system_panel.html", system_evaluations, order=35),
    )
    panels.register(Risk, panels.Panel("evaluations/_risk_panel.html", risk_test_cases, order=20))
    panels.register(
        Mitigation,
        panels.Panel("evaluations/_mitigation_panel.html", mitigation_evaluation, order=10),
    )
    panels.register(
        RiskTemplate,
        panels.Panel("evaluations/_template_panel.html", template_test_cases, order=10),
    )
