"""Login throttling (django-axes): lockout per e-mail address and IP address, its message,
its end, an administrator's unlock, and API tokens that are not affected."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.accounts.services import create_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"  # the factories' password
LOCKED = "Too many failed sign-ins for this e-mail address"


@pytest.fixture
def person(login_throttling):
    return UserFactory(email="alice@example.org")


def sign_in(client, email, password, **extra):
    return client.post(
        reverse("login"), {"username": email, "password": password}, follow=False, **extra
    )


def fail(client, email, times, **extra):
    """``times`` wrong passwords; the fifth is answered with the lockout (429)."""
    for _ in range(times):
        response = sign_in(client, email, "not-the-password", **extra)
        assert response.status_code in (200, 429)


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_signing_in_works_with_throttling_on(client, person):
    response = sign_in(client, person.email, PASSWORD)
    assert response.status_code == 302
    assert is_signed_in(client)


def test_the_fifth_failure_locks_the_address_out_with_a_clear_message(client, person):
    fail(client, person.email, 4)
    response = sign_in(client, person.email, "not-the-password")
    assert response.status_code == 429
    assertContains(response, LOCKED, status_code=429)
    assertContains(response, "15 minutes", status_code=429)


def test_a_locked_out_address_cannot_sign_in_even_with_the_right_password(client, person):
    fail(client, person.email, 5)
    response = sign_in(client, person.email, PASSWORD)
    assert response.status_code == 429
    assertContains(response, LOCKED, status_code=429)
    assertContains(response, 'name="username"', status_code=429)  # the form, to try later
    assert not is_signed_in(client)


def test_four_failures_do_not_lock_out(client, person):
    for _ in range(4):
        assertContains(sign_in(client, person.email, "wrong-password"), "correct e-mail")
    assert sign_in(client, person.email, PASSWORD).status_code == 302


def test_the_count_ignores_the_case_of_the_email_address(client, person):
    fail(client, "Alice@Example.org", 3)
    fail(client, " ALICE@example.ORG ", 2)
    assert sign_in(client, person.email, PASSWORD).status_code == 429


def test_a_success_clears_the_count(client, person):
    fail(client, person.email, 4)
    assert sign_in(client, person.email, PASSWORD).status_code == 302
    client.logout()
    fail(client, person.email, 4)
    assert sign_in(client, person.email, PASSWORD).status_code == 302


def test_lockout_is_per_email_and_ip_address(client, person):
    fail(client, person.email, 5, REMOTE_ADDR="203.0.113.7")
    other_user = UserFactory(email="bob@example.org")
    # The same person from another address, and another person from the same address.
    assert sign_in(Client(), person.email, PASSWORD, REMOTE_ADDR="198.51.100.9").status_code == 302
    assert sign_in(Client(), other_user.email, PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == (
        302
    )


def test_lockout_ends_after_the_cool_off_time(client, person):
    fail(client, person.email, 5)
    later = timezone.now() + datetime.timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        assert sign_in(Client(), person.email, PASSWORD).status_code == 302


def test_administrator_unlocks_a_locked_out_person(client, person, administrator):
    fail(client, person.email, 5)
    admin = Client()
    admin.force_login(administrator)
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [person.pk]},
        follow=True,
    )
    assertContains(response, "Sign-in unlocked for 1 user(s)")
    assert sign_in(Client(), person.email, PASSWORD).status_code == 302


def test_the_admin_sign_in_page_is_throttled_too(client, login_throttling, administrator):
    for _ in range(5):
        client.post(
            reverse("admin:login"),
            {"username": administrator.email, "password": "not-the-password"},
        )
    response = client.post(
        reverse("admin:login"), {"username": administrator.email, "password": PASSWORD}
    )
    assertContains(response, LOCKED, status_code=429)
    assert not is_signed_in(client)


def test_api_tokens_still_work_for_a_locked_out_person(client, person):
    fail(client, person.email, 5)
    _, secret = create_token(user=person, name="monitoring")
    response = Client().get(reverse("api:root"), HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200


def test_the_sign_in_page_shows_no_lockout_message_before_any_failure(client, person):
    assertNotContains(client.get(reverse("login")), LOCKED)
