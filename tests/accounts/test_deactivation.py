"""An administrator deactivates a person at once: their sessions and API tokens stop working at
their very next request, and the history says who did it and why."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from apps.accounts.services import create_token, deactivate_person
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(contributor):
    client = Client()
    client.post(reverse("login"), {"username": contributor.email, "password": PASSWORD})
    assert client.get(reverse("accounts:profile")).status_code == 200
    return client


def test_deactivating_stops_the_persons_session_at_once(signed_in, contributor, administrator):
    deactivate_person(user=contributor, by=administrator, reason="Left the company")
    assert signed_in.get(reverse("accounts:profile"))["Location"].startswith(reverse("login"))


def test_deactivating_stops_the_persons_tokens_at_once(contributor, administrator):
    _, secret = create_token(user=contributor, name="script")
    deactivate_person(user=contributor, by=administrator)
    response = Client().get("/api/v1/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 401


def test_deactivating_is_in_the_history_with_who_and_why(contributor, administrator):
    deactivate_person(user=contributor, by=administrator, reason="Left the company")
    record = contributor.history.latest()
    assert (record.is_active, record.history_user, record.history_change_reason) == (
        False,
        administrator,
        "Left the company",
    )


def test_only_an_administrator_deactivates(contributor, committee_member):
    with pytest.raises(PermissionDenied):
        deactivate_person(user=contributor, by=committee_member)


def test_the_admin_action_deactivates_and_ends_the_sessions(signed_in, contributor, client_for):
    admin = client_for("administrator")
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_now", "_selected_action": [contributor.pk]},
        follow=True,
    )
    assert b"1 person(s) deactivated" in response.content
    contributor.refresh_from_db()
    assert not contributor.is_active
    assert signed_in.get(reverse("accounts:profile")).status_code == 302


def test_unticking_active_in_the_admin_ends_the_sessions(signed_in, contributor, administrator):
    from django.contrib.admin.sites import site
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    from apps.accounts.admin import UserAdmin
    from apps.accounts.models import SignedInSession

    request = RequestFactory().post("/")
    request.user, request.session = administrator, SessionStore()
    request._messages = FallbackStorage(request)
    contributor.is_active = False
    UserAdmin(type(contributor), site).save_model(request, contributor, form=None, change=True)
    assert not SignedInSession.objects.filter(user=contributor).exists()
    assert signed_in.get(reverse("accounts:profile")).status_code == 302
