"""The risk matrix page (everyone reads, administrators change) and the risks administration."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.core.models import Level
from apps.risks.models import (
    FrameworkReference,
    Risk,
    RiskCategory,
    RiskMatrix,
    RiskTemplate,
)
from tests.factories import AISystemFactory, RiskAcceptanceFactory, RiskFactory

pytestmark = pytest.mark.django_db

MATRIX_URL = reverse("risks:matrix")
DEFAULT_BANDS = {
    "medium_min_score": 5,
    "high_min_score": 10,
    "critical_min_score": 16,
    "critical_days": 7,
    "high_days": 30,
    "medium_days": 90,
    "low_days": 180,
}
NOT_ADMINISTRATORS = ["contributor", "viewer", "outsider", "committee_member", "auditor", "nobody"]


def matrix_data(**overrides):
    return DEFAULT_BANDS | {"change_reason": ""} | overrides


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def risk_scoring_12(team):
    """Likelihood 3 × impact 4: High under the default matrix (High from 10)."""
    return RiskFactory(
        system=AISystemFactory(team=team),
        inherent_likelihood=3,
        inherent_impact=4,
        residual_likelihood=3,
        residual_impact=4,
    )


# --- Reading --------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [*NOT_ADMINISTRATORS, "administrator"])
def test_every_signed_in_role_sees_the_matrix_with_bands_and_deadlines(role, client_for):
    response = client_for(role).get(MATRIX_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Levels by likelihood and impact" in content
    assert "16–25" in content  # Critical band
    assert "7 days" in content  # Critical deadline
    assert len(response.context["grid"]) == 5
    assert all(len(row["cells"]) == 5 for row in response.context["grid"])


def test_grid_cells_carry_score_and_level(client_for):
    grid = client_for("viewer").get(MATRIX_URL).context["grid"]
    top_right = grid[0]["cells"][4]  # impact 5 × likelihood 5
    bottom_left = grid[4]["cells"][0]  # impact 1 × likelihood 1
    assert (top_right["score"], top_right["level_label"]) == (25, "Critical")
    assert (bottom_left["score"], bottom_left["level_label"]) == (1, "Low")


def test_anonymous_visitor_is_sent_to_sign_in(client_for):
    response = client_for("anonymous").get(MATRIX_URL)
    assert response.status_code == 302
    assert "/login/" in response.url


@pytest.mark.parametrize("role", NOT_ADMINISTRATORS)
def test_only_administrators_get_the_edit_form(role, client_for):
    response = client_for(role).get(MATRIX_URL)
    assert "form" not in response.context
    assert "Change the matrix" not in response.content.decode()


def test_administrator_gets_the_edit_form(client_for):
    response = client_for("administrator").get(MATRIX_URL)
    assert response.context["form"].initial["critical_min_score"] == 16


# --- Changing -------------------------------------------------------------------------------------
def test_administrator_change_relevels_every_risk(risk_scoring_12, client_for):
    response = client_for("administrator").post(MATRIX_URL, matrix_data(high_min_score=13))
    assert response.status_code == 302
    risk = Risk.objects.get(pk=risk_scoring_12.pk)
    assert risk.inherent_level == Level.MEDIUM
    assert risk.residual_level == Level.MEDIUM
    assert risk.treatment_due == risk.assessed_on + datetime.timedelta(days=90)
    assert "1 risk re-levelled" in " ".join(messages_of(response))


def test_matrix_change_is_in_its_history_with_the_administrator(administrator, client_for):
    client_for(administrator).post(
        MATRIX_URL, matrix_data(critical_days=5, change_reason="Tighter deadlines")
    )
    latest = RiskMatrix.load().history.latest()
    assert latest.critical_days == 5
    assert latest.history_user == administrator
    assert latest.history_change_reason == "Tighter deadlines"


@pytest.mark.parametrize("role", NOT_ADMINISTRATORS)
def test_other_roles_cannot_change_the_matrix(role, risk_scoring_12, client_for):
    response = client_for(role).post(MATRIX_URL, matrix_data(high_min_score=13))
    assert response.status_code == 403
    assert RiskMatrix.load().high_min_score == 10
    assert Risk.objects.get(pk=risk_scoring_12.pk).inherent_level == Level.HIGH


def test_anonymous_cannot_change_the_matrix(client_for):
    response = client_for("anonymous").post(MATRIX_URL, matrix_data(high_min_score=13))
    assert response.status_code == 302
    assert RiskMatrix.load().high_min_score == 10


def test_administrator_who_is_also_an_auditor_cannot_change_the_matrix(client_for):
    from tests.factories import UserFactory

    auditing_admin = UserFactory(is_superuser=True, is_staff=True, is_auditor=True)
    response = client_for(auditing_admin).post(MATRIX_URL, matrix_data(high_min_score=13))
    assert response.status_code == 403


def test_bands_that_do_not_rise_are_refused_and_nothing_is_saved(risk_scoring_12, client_for):
    versions = RiskMatrix.load().history.count()
    response = client_for("administrator").post(
        MATRIX_URL, matrix_data(high_min_score=18, critical_min_score=16)
    )
    assert response.status_code == 200
    assert "Bands must rise" in response.content.decode()
    assert RiskMatrix.load().high_min_score == 10
    assert RiskMatrix.load().history.count() == versions
    assert Risk.objects.get(pk=risk_scoring_12.pk).inherent_level == Level.HIGH


def test_refused_change_shows_the_saved_matrix_beside_the_form(client_for):
    response = client_for("administrator").post(
        MATRIX_URL, matrix_data(high_min_score=18, critical_min_score=16)
    )
    high = next(band for band in response.context["bands"] if band["level"] == Level.HIGH)
    assert (high["low"], high["high"]) == (10, 15)


def test_deadlines_that_do_not_rise_are_refused(client_for):
    response = client_for("administrator").post(MATRIX_URL, matrix_data(high_days=3))
    assert "A more severe level cannot have a later deadline." in response.content.decode()
    assert RiskMatrix.load().high_days == 30


# --- The administration ---------------------------------------------------------------------------
def _admin_objects():
    risk = RiskFactory()
    acceptance = RiskAcceptanceFactory(risk=risk)
    return {
        "riskcategory": RiskCategory.objects.get(slug="model-error", parent=None),
        "frameworkreference": FrameworkReference.objects.get(code="LLM01:2025"),
        "risktemplate": RiskTemplate.objects.get(key="llm-prompt-injection-direct"),
        "riskmatrix": RiskMatrix.load(),
        "risk": risk,
        "riskacceptance": acceptance,
    }


ADMIN_MODELS = [
    "riskcategory",
    "frameworkreference",
    "risktemplate",
    "riskmatrix",
    "risk",
    "riskacceptance",
]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_administrator_opens_the_changelist(model, client_for):
    _admin_objects()
    response = client_for("administrator").get(reverse(f"admin:risks_{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_administrator_opens_the_change_page(model, client_for):
    obj = _admin_objects()[model]
    response = client_for("administrator").get(
        reverse(f"admin:risks_{model}_change", args=[obj.pk])
    )
    assert response.status_code == 200


@pytest.mark.parametrize("model", ["riskcategory", "risktemplate", "risk", "riskacceptance"])
def test_administrator_opens_the_history_page(model, client_for):
    obj = _admin_objects()[model]
    response = client_for("administrator").get(
        reverse(f"admin:risks_{model}_history", args=[obj.pk])
    )
    assert response.status_code == 200


@pytest.mark.parametrize("model", ["riskcategory", "frameworkreference", "risktemplate"])
def test_administrator_opens_the_add_page_of_each_catalogue(model, client_for):
    response = client_for("administrator").get(reverse(f"admin:risks_{model}_add"))
    assert response.status_code == 200


def test_matrix_admin_offers_no_second_matrix_and_no_delete(client_for):
    RiskMatrix.load()
    client = client_for("administrator")
    assert client.get(reverse("admin:risks_riskmatrix_add")).status_code == 403
    assert client.get(reverse("admin:risks_riskmatrix_delete", args=[1])).status_code == 403


def test_matrix_saved_in_the_admin_relevels_every_risk(risk_scoring_12, client_for):
    RiskMatrix.load()
    response = client_for("administrator").post(
        reverse("admin:risks_riskmatrix_change", args=[1]), DEFAULT_BANDS | {"high_min_score": 13}
    )
    assert response.status_code == 302
    assert Risk.objects.get(pk=risk_scoring_12.pk).inherent_level == Level.MEDIUM


def test_administrator_adds_a_subcategory(client_for):
    parent = RiskCategory.objects.get(slug="security", parent=None)
    response = client_for("administrator").post(
        reverse("admin:risks_riskcategory_add"),
        {
            "name": "Denial of wallet",
            "slug": "denial-of-wallet",
            "parent": parent.pk,
            "position": 9,
            "description": "",
            "children-TOTAL_FORMS": 0,
            "children-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    assert RiskCategory.objects.get(slug="denial-of-wallet").parent == parent


def test_template_admin_refuses_an_unknown_kind_of_ai(client_for):
    template = RiskTemplate.objects.get(key="llm-prompt-injection-direct")
    url = reverse("admin:risks_risktemplate_change", args=[template.pk])
    data = {
        "title": template.title,
        "category": template.category_id,
        "ai_kinds": "generative chatbot",
        "is_active": "on",
        "scenario": template.scenario,
        "inherent_likelihood": template.inherent_likelihood,
        "inherent_impact": template.inherent_impact,
        "framework_references": list(template.framework_references.values_list("pk", flat=True)),
        "suggested_mitigations-TOTAL_FORMS": 0,
        "suggested_mitigations-INITIAL_FORMS": 0,
    }
    response = client_for("administrator").post(url, data)
    assert response.status_code == 200
    assert "Unknown kind(s) of AI: chatbot" in response.content.decode()


def test_risks_and_acceptances_cannot_be_added_or_deleted_in_the_admin(client_for):
    risk = RiskFactory()
    client = client_for("administrator")
    assert client.get(reverse("admin:risks_risk_add")).status_code == 403
    assert client.get(reverse("admin:risks_risk_delete", args=[risk.pk])).status_code == 403
    assert client.get(reverse("admin:risks_riskacceptance_add")).status_code == 403
