"""API tokens: created on the profile page and shown once, stored hashed, revoked, expired."""

import datetime
import hashlib
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import APIToken
from apps.accounts.services import create_token, revoke_token
from apps.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def bearer(secret, keyword="Bearer"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {secret}")
    return client


def test_a_token_is_created_on_the_profile_page_and_shown_once(client_for, auditor):
    browser = client_for("auditor")
    response = browser.post(
        reverse("accounts:token_create"), {"name": "Quarterly export", "expires_in_days": "30"}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = re.search(r"(arr_[A-Za-z0-9_-]{20,})", response.content.decode()).group(1)
    token = APIToken.objects.get(user=auditor)
    assert token.name == "Quarterly export"
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(APIToken.objects.filter(pk=token.pk).values().get())
    assert abs(token.expires_at - (timezone.now() + datetime.timedelta(days=30))) < (
        datetime.timedelta(minutes=1)
    )
    # Listed afterwards by name and hint, never with the secret.
    profile = browser.get(reverse("accounts:profile")).content.decode()
    assert "Quarterly export" in profile
    assert token.hint in profile
    assert secret not in profile
    # And it works.
    assert bearer(secret).get(reverse("api:risk-list")).status_code == 200


def test_a_token_needs_a_name(client_for):
    response = client_for("viewer").post(reverse("accounts:token_create"), {"name": " "})
    assert response.status_code == 200
    assert not APIToken.objects.exists()
    assert "This field is required." in response.content.decode()


def test_token_and_bearer_keywords_both_work(viewer, records):
    _, secret = create_token(user=viewer, name="script")
    for keyword in ("Token", "Bearer", "bearer"):
        response = bearer(secret, keyword).get(reverse("api:risk-list"))
        assert response.status_code == 200
        assert response.json()["count"] == 1


def test_revoking_on_the_profile_page_stops_the_token_and_keeps_the_record(client_for, viewer):
    token, secret = create_token(user=viewer, name="script")
    response = client_for("viewer").post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_revoked
    refused = bearer(secret).get(reverse("api:risk-list"))
    assert refused.status_code == 401
    assert refused.json() == {
        "detail": "This token has been revoked.",
        "code": "authentication_failed",
    }
    reasons = list(
        AuditEvent.objects.filter(content_type__model="apitoken", object_id=token.pk)
        .order_by("timestamp", "pk")
        .values_list("change_reason", flat=True)
    )
    assert reasons == ["Created", "Revoked"]


def test_nobody_revokes_another_persons_token(client_for, viewer, contributor):
    token, _ = create_token(user=viewer, name="script")
    assert (
        client_for("contributor")
        .post(reverse("accounts:token_revoke", args=[token.pk]))
        .status_code
        == 404
    )
    with pytest.raises(Exception, match="own tokens"):
        revoke_token(token=token, by=contributor)


def test_an_expired_token_is_refused(viewer):
    _, secret = create_token(user=viewer, name="script", expires_in_days=1)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        response = bearer(secret).get(reverse("api:risk-list"))
    assert response.status_code == 401
    assert response.json()["detail"] == "This token has expired."


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer nonsense", "Token a b", "Bearer arr_" + "x" * 43, "Token \u00e9\u00e9"],
)
def test_bad_credentials_are_a_clear_401(header, db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(reverse("api:risk-list"))
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_inactive_persons_token_is_refused(viewer):
    _, secret = create_token(user=viewer, name="script")
    viewer.is_active = False
    viewer.save()
    assert bearer(secret).get(reverse("api:risk-list")).status_code == 401


def test_last_used_is_recorded_without_a_write_on_every_request(viewer, django_assert_num_queries):
    token, secret = create_token(user=viewer, name="script")
    client = bearer(secret)
    client.get(reverse("api:root"))
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    client.get(reverse("api:root"))
    token.refresh_from_db()
    assert token.last_used_at == first_use  # within a minute: no second write


# --- The tokens endpoint --------------------------------------------------------------------------
def test_the_tokens_endpoint_lists_only_my_tokens(api_for, viewer, contributor):
    create_token(user=contributor, name="theirs")
    client = api_for(viewer)  # makes a token named "tests"
    names = [t["name"] for t in client.get(reverse("api:token-list")).json()["results"]]
    assert names == ["tests"]


def test_a_token_cannot_mint_another_but_a_browser_session_can(api_for, client_for, viewer):
    refused = api_for(viewer).post(reverse("api:token-list"), {"name": "more"}, format="json")
    assert refused.status_code == 403
    browser = APIClient()
    browser.force_login(viewer)
    created = browser.post(reverse("api:token-list"), {"name": "from the browser"}, format="json")
    assert created.status_code == 201
    secret = created.json()["token"]
    assert bearer(secret).get(reverse("api:root")).status_code == 200
    again = browser.get(reverse("api:token-detail", args=[created.json()["id"]])).json()
    assert "token" not in again


def test_deleting_a_token_revokes_it(api_for, viewer):
    token, secret = create_token(user=viewer, name="old script")
    client = api_for(viewer)
    assert client.delete(reverse("api:token-detail", args=[token.pk])).status_code == 204
    token.refresh_from_db()
    assert token.state == "revoked"
    assert bearer(secret).get(reverse("api:root")).status_code == 401
