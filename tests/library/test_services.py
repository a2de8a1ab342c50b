"""The library's one-click add: a template becomes a risk of the system and planned mitigations."""

import pytest

from apps.library import services
from apps.mitigations.models import Mitigation
from apps.risks.models import RiskTemplate

pytestmark = pytest.mark.django_db


def test_adding_from_the_library_creates_the_risk_and_planned_mitigations(system, contributor):
    template = RiskTemplate.objects.get(key="llm-hallucinated-policy-answers")
    risk = services.add_risk_from_template(system=system, template=template, by=contributor)
    assert risk.template == template
    assert risk.title == template.title
    assert risk.category == template.category
    assert set(risk.framework_references.all()) == set(template.framework_references.all())
    assert (risk.residual_likelihood, risk.residual_impact) == (
        template.inherent_likelihood,
        template.inherent_impact,
    )
    mitigations = Mitigation.objects.filter(risks=risk)
    assert mitigations.count() == template.suggested_mitigations.count()
    assert {m.status for m in mitigations} == {"planned"}
    assert {m.system_id for m in mitigations} == {system.pk}
