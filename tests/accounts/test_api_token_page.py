"""The one-time API token on the profile page comes with a Copy button (shown by app.js)."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

pytestmark = pytest.mark.django_db


def test_a_new_token_has_a_copy_button_for_its_secret(client_for):
    response = client_for("auditor").post(
        reverse("accounts:token_create"), {"name": "Audit export", "expires_in_days": "30"}
    )
    secret = response.context["new_token_secret"]
    assertContains(response, f'id="new-token-secret" data-testid="new-token-secret">{secret}<')
    assertContains(response, 'data-copy-target="#new-token-secret" hidden')
    assertContains(response, "data-copy-status")
    assert response["Cache-Control"] == "no-store"


def test_no_copy_button_without_a_new_token(client_for):
    assertNotContains(client_for("auditor").get(reverse("accounts:profile")), "data-copy-target")
