"""A risk form shows every problem at once: the rule between the two assessments (the residual
score cannot exceed the inherent one) is reported with the fields' own errors, not after them."""

import pytest
from django.urls import reverse

from apps.risks.forms import RiskForm
from apps.risks.models import Risk
from tests.risks.test_views import valid_form

pytestmark = pytest.mark.django_db

RESIDUAL_RULE = (
    "The residual risk (after mitigation) cannot score higher than the inherent risk (before "
    "mitigation)"
)


def above(**overrides):
    return {"residual_likelihood": 5, "residual_impact": 5, **overrides}


def test_residual_above_inherent_is_reported_with_a_missing_title(
    client_for, contributor, system, hallucination
):
    url = reverse("risks:create") + f"?system={system.pk}"
    data = valid_form(hallucination, contributor, **above(title="", scenario=""))
    response = client_for("contributor").post(url, data)
    errors = response.context["form"].errors
    assert response.status_code == 200
    assert set(errors) == {"title", "scenario", "residual_impact"}
    assert errors["residual_impact"][0].startswith(RESIDUAL_RULE)
    assert "Please correct the 3 problems below" in response.content.decode()
    assert not Risk.objects.exists()


def test_the_edit_form_reports_them_together_too(client_for, contributor, risk, hallucination):
    url = reverse("risks:edit", args=[risk.pk])
    data = valid_form(
        hallucination, contributor, **above(title="", version=risk.version, inherent_impact=1)
    )
    response = client_for("contributor").post(url, data)
    assert set(response.context["form"].errors) == {"title", "residual_impact"}
    risk.refresh_from_db()
    assert risk.title == "Invented refund policy"


def test_the_rule_keeps_the_models_message_word_for_word(system, contributor, hallucination):
    form = RiskForm(data=valid_form(hallucination, contributor, **above()), system=system)
    assert not form.is_valid()
    message = str(Risk._meta.constraints[2].violation_error_message)
    assert form.errors["residual_impact"] == [message]


def test_an_unrated_assessment_is_only_its_own_error(system, contributor, hallucination):
    form = RiskForm(
        data=valid_form(hallucination, contributor, **above(inherent_impact="")), system=system
    )
    assert set(form.errors) == {"inherent_impact"}


def test_residual_equal_to_inherent_is_fine(system, contributor, hallucination):
    data = valid_form(
        hallucination,
        contributor,
        inherent_likelihood=4,
        inherent_impact=3,
        residual_likelihood=3,
        residual_impact=4,
    )
    assert RiskForm(data=data, system=system).is_valid()
