"""A second factor for the roles that need one (administrators and committee members by default):
enforced on every page and the API until the session has one, for API token creation too, and
asked at each password sign-in of a person who has one."""

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from apps.accounts.models import SignInSettings
from apps.accounts.services import configure_sign_in
from tests.factories import PASSWORD, UserFactory, enrol_totp, totp_code

pytestmark = pytest.mark.django_db


def sign_in_with_password(client, user):
    return client.post(reverse("login"), {"username": user.email, "password": PASSWORD})


def test_an_administrator_without_a_second_factor_is_sent_to_set_one_up(
    client_for, second_factor_required
):
    response = client_for("administrator").get(reverse("systems:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:second_factor") + "?next=%2Fsystems%2F"


def test_a_committee_member_without_a_second_factor_is_sent_to_set_one_up(
    client_for, second_factor_required
):
    response = client_for("committee_member").get(reverse("dashboard:home"))
    assert response["Location"].startswith(reverse("accounts:second_factor"))


def test_a_contributor_needs_no_second_factor_by_default(client_for, second_factor_required):
    assert client_for("contributor").get(reverse("dashboard:home")).status_code == 200


def test_the_requirement_is_set_per_role(client_for, administrator):
    configure_sign_in(by=administrator, reason="Contributors too", mfa_contributors=True)
    response = client_for("contributor").get(reverse("dashboard:home"))
    assert response["Location"].startswith(reverse("accounts:second_factor"))


def test_turned_off_for_administrators_it_asks_them_nothing(client_for, administrator):
    configure_sign_in(by=administrator, reason="Demo", mfa_administrators=False)
    assert client_for("administrator").get(reverse("dashboard:home")).status_code == 200


def test_the_api_refuses_a_session_that_owes_a_second_factor(client_for, second_factor_required):
    response = client_for("administrator").get("/api/v1/")
    assert response.status_code == 403
    assert "second factor" in response.json()["detail"]


def test_the_set_up_page_names_the_role_and_offers_an_app_and_a_passkey(
    client_for, second_factor_required
):
    response = client_for("committee_member").get(reverse("accounts:second_factor"))
    assert response.status_code == 200
    assert b"As committee members, you need a second factor" in response.content
    assert reverse("mfa_activate_totp").encode() in response.content
    assert reverse("mfa_add_webauthn").encode() in response.content


def test_setting_up_an_authenticator_app_opens_the_register(
    client, administrator, second_factor_required, django_capture_on_commit_callbacks
):
    sign_in_with_password(client, administrator)
    assert client.get(reverse("dashboard:home"))["Location"].startswith(
        reverse("accounts:second_factor")
    )
    confirm = client.get(reverse("mfa_activate_totp"))
    assert confirm["Location"].startswith(reverse("account_reauthenticate"))
    client.post(confirm["Location"], {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):  # allauth tells on commit
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=administrator, type="totp").exists()
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_an_old_session_confirms_who_it_is_before_setting_up_an_app(
    client_for, second_factor_required
):
    response = client_for("administrator").get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_a_person_with_an_app_is_asked_its_code_at_password_sign_in(client, administrator):
    secret = enrol_totp(administrator)
    response = sign_in_with_password(client, administrator)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("dashboard:home"))["Location"].startswith(reverse("login"))
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_the_code_at_sign_in_satisfies_the_requirement(client, second_factor_required):
    person = UserFactory(is_superuser=True, is_staff=True)
    secret = enrol_totp(person)
    sign_in_with_password(client, person)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get(reverse("systems:list")).status_code == 200


def test_a_session_opened_without_the_code_is_asked_to_confirm_it(
    client_for, administrator, second_factor_required
):
    enrol_totp(administrator)
    client = client_for("administrator")  # as the admin site's own sign-in page would
    response = client.get(reverse("accounts:second_factor"))
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_a_wrong_code_keeps_the_person_out(client, administrator):
    enrol_totp(administrator)
    sign_in_with_password(client, administrator)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert client.get(reverse("dashboard:home")).status_code == 302


# --- API tokens -----------------------------------------------------------------------------------
def test_a_token_is_refused_on_the_page_without_a_second_factor(
    client_for, administrator, second_factor_required
):
    response = client_for("administrator").post(
        reverse("accounts:token_create"), {"name": "export", "expires_in_days": "30"}
    )
    # The middleware sends the person to set one up before the page is even reached.
    assert response["Location"] == reverse("accounts:second_factor")
    assert not administrator.api_tokens.exists()


def test_the_token_service_refuses_a_role_that_needs_a_second_factor_without_one(
    administrator, second_factor_required
):
    from django.core.exceptions import PermissionDenied

    from apps.accounts.services import create_token

    with pytest.raises(PermissionDenied, match="second factor"):
        create_token(user=administrator, name="export", second_factor=False)


def test_the_token_service_gives_a_token_with_the_second_factor(
    administrator, second_factor_required
):
    from apps.accounts.services import create_token

    token, _ = create_token(user=administrator, name="export", second_factor=True)
    assert token.pk


def test_a_token_is_created_through_the_api_once_the_code_was_given(client, administrator):
    configure_sign_in(by=administrator, reason="Policy", mfa_administrators=True)
    secret = enrol_totp(administrator)
    sign_in_with_password(client, administrator)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    response = client.post("/api/v1/tokens/", {"name": "export"}, content_type="application/json")
    assert response.status_code == 201


def test_a_token_is_refused_through_the_api_without_the_second_factor(
    client_for, second_factor_required
):
    response = client_for("committee_member").post(
        "/api/v1/tokens/", {"name": "export"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_a_contributor_creates_a_token_without_a_second_factor(client_for, second_factor_required):
    response = client_for("contributor").post(
        reverse("accounts:token_create"), {"name": "export", "expires_in_days": "30"}
    )
    assert response.status_code == 200
    assert b"new-token-secret" in response.content


# --- Policy and settings --------------------------------------------------------------------------
def test_the_default_asks_administrators_and_committee_members(second_factor_required):
    assert SignInSettings.load().roles_needing_mfa == ["administrator", "committee_member"]


def test_a_change_of_the_settings_is_in_their_history(administrator):
    configure_sign_in(by=administrator, reason="Auditors too", mfa_auditors=True)
    record = SignInSettings.objects.get().history.latest()
    assert record.history_change_reason == "Auditors too"
    assert record.history_user == administrator


def test_the_profile_says_whether_a_second_factor_is_on(client_for, administrator):
    enrol_totp(administrator)
    response = client_for("administrator").get(reverse("accounts:profile"))
    assert b'id="second-factor-status"><span class="badge text-bg-success">On' in response.content
    assert Authenticator.objects.filter(user=administrator).exists()


def test_logging_out_is_possible_while_a_second_factor_is_owed(client_for, second_factor_required):
    client = client_for("administrator")
    assert client.post(reverse("logout")).status_code == 302
    assert Client().get(reverse("dashboard:home")).status_code == 302
