"""The mitigation services report every problem at once (the pages and the API alike): the
owner, the dates, the risks it treats and the record's own fields, together, each message
unchanged."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.mitigations import services
from apps.mitigations.models import Mitigation
from tests.api.conftest import token_client
from tests.mitigations.test_views import valid_form

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def test_creating_reports_the_owner_the_date_the_risks_and_the_fields_together(
    system, contributor, auditor, foreign_risk
):
    with pytest.raises(ValidationError) as refused:
        services.create_mitigation(
            system=system,
            by=contributor,
            data={
                "title": "",
                "kind": "detection_response",
                "layer": "organisation",
                "owner": auditor,
                "status": "verified",
                "last_verified_on": TOMORROW,
            },
            risks=[foreign_risk],
        )
    found = refused.value.message_dict
    assert set(found) >= {"owner", "last_verified_on", "risks", "title"}
    assert found["last_verified_on"] == ["A verification cannot be in the future."]
    assert not Mitigation.objects.exists()


def test_editing_reports_them_together_and_changes_nothing(mitigation, contributor, foreign_risk):
    versions = mitigation.history.count()
    with pytest.raises(ValidationError) as refused:
        services.update_mitigation(
            mitigation=mitigation,
            by=contributor,
            data={"title": "", "last_verified_on": TOMORROW},
            risks=[foreign_risk],
        )
    assert set(refused.value.message_dict) == {"title", "last_verified_on", "risks"}
    mitigation.refresh_from_db()
    assert mitigation.title
    assert mitigation.history.count() == versions


def test_the_api_answers_the_services_problems_in_one_400(system, contributor, auditor):
    response = token_client(contributor).post(
        reverse("api:mitigation-list"),
        {
            "system": system.reference,
            "title": "Weekly audit",
            "kind": "detection_response",
            "layer": "organisation",
            "owner": auditor.email,
            "status": "verified",
            "last_verified_on": TOMORROW.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["last_verified_on"] == ["A verification cannot be in the future."]
    assert "auditors own no record" in errors["owner"][0]
    assert not Mitigation.objects.exists()


def test_the_form_shows_a_future_verification_with_the_fields_errors(
    system, contributor, client_for
):
    response = client_for(contributor).post(
        reverse("mitigations:create") + f"?system={system.pk}",
        valid_form(contributor, title="", status="verified", last_verified_on=TOMORROW.isoformat()),
    )
    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["title"] == ["This field is required."]
    assert errors["last_verified_on"] == ["A verification cannot be in the future."]
    assert not Mitigation.objects.exists()


def test_the_edit_form_shows_them_together_too(mitigation, contributor, client_for):
    response = client_for(contributor).post(
        reverse("mitigations:edit", args=[mitigation.pk]),
        valid_form(
            contributor,
            title="",
            status="verified",
            last_verified_on=TOMORROW.isoformat(),
            version=mitigation.version,
        ),
    )
    assert set(response.context["form"].errors) == {"title", "last_verified_on"}
