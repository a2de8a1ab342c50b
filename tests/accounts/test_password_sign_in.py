"""Password sign-in can be turned off for everyone but the break-glass administrators: on the
sign-in page, the admin site's, and any other page that checks a password."""

import pytest
from django.urls import reverse

from apps.accounts.services import configure_sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def break_glass(administrator):
    configure_sign_in(
        by=administrator,
        reason="Single sign-on only",
        password_sign_in=False,
        break_glass_users=[administrator],
    )
    return administrator


def sign_in(client, user, path="login"):
    return client.post(reverse(path), {"username": user.email, "password": PASSWORD})


def test_with_password_sign_in_off_a_person_is_refused_with_the_reason(client, break_glass):
    person = UserFactory()
    response = sign_in(client, person)
    assert response.status_code == 200
    assert b"Signing in with a password is turned off here" in response.content


def test_the_break_glass_administrator_still_signs_in_with_a_password(client, break_glass):
    response = sign_in(client, break_glass)
    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_another_administrator_is_refused_a_password_sign_in(client, break_glass):
    other = UserFactory(is_superuser=True, is_staff=True)
    assert sign_in(client, other).status_code == 200
    assert client.get(reverse("dashboard:home")).status_code == 302


def test_the_admin_sites_sign_in_page_refuses_the_password_too(client, break_glass):
    other = UserFactory(is_superuser=True, is_staff=True)
    response = sign_in(client, other, "admin:login")
    assert response.status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_sign_in_page_hides_the_password_form_behind_break_glass(client, break_glass):
    response = client.get(reverse("login"))
    assert b'<details id="break-glass">' in response.content


def test_with_password_sign_in_on_everyone_signs_in_with_a_password(client):
    person = UserFactory()
    assert sign_in(client, person).status_code == 302


def test_only_administrators_can_be_break_glass(administrator):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        configure_sign_in(by=administrator, reason="No", break_glass_users=[UserFactory()])
