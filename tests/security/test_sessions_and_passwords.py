"""Production settings: secure cookies, HSTS behind its flag, session lifetime, password rules."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django.asserts import assertContains

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 20 + "-production-like-secret-key-for-the-check-0123456789",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "register.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}
SETTINGS_SHOWN = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "SESSION_COOKIE_AGE",
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "AXES_ENABLED",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_TIME",
    "CACHES",
]


def production_settings(**extra_env) -> dict:
    """The settings a production process computes from its environment (a fresh interpreter)."""
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SETTINGS_SHOWN!r}}}))"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **PRODUCTION_ENV,
            **extra_env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production():
    return production_settings()


# --- Cookies, HSTS, sessions ----------------------------------------------------------------------
def test_production_cookies_are_secure_and_hidden_from_scripts(production):
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["CSRF_COOKIE_HTTPONLY"] is True


def test_production_sessions_end_with_the_browser_or_after_eight_hours(production):
    assert production["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert production["SESSION_COOKIE_AGE"] == 8 * 60 * 60


def test_hsts_is_off_until_its_flag_is_set(production):
    assert production["SECURE_HSTS_SECONDS"] == 0
    assert production_settings(SECURE_HSTS_SECONDS="31536000")["SECURE_HSTS_SECONDS"] == 31536000


def test_login_throttling_is_on_in_production_with_its_defaults(production):
    assert production["AXES_ENABLED"] is True
    assert production["AXES_FAILURE_LIMIT"] == 5
    assert production["AXES_COOLOFF_TIME"] == pytest.approx(0.25)  # hours: 15 minutes


def test_login_throttling_limits_come_from_the_environment():
    shown = production_settings(LOGIN_FAILURE_LIMIT="10", LOGIN_LOCKOUT_MINUTES="60")
    assert (shown["AXES_FAILURE_LIMIT"], shown["AXES_COOLOFF_TIME"]) == (10, 1.0)


@pytest.mark.django_db
def test_hsts_header_is_sent_over_https_when_its_flag_is_set(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_no_hsts_header_without_its_flag(client, settings):
    settings.SECURE_HSTS_SECONDS = 0
    assert "Strict-Transport-Security" not in client.get(reverse("login"), secure=True)


@pytest.mark.django_db
def test_pages_refuse_framing_and_sniffing(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_session_cookie_lasts_only_as_long_as_the_browser(client, contributor):
    response = client.post(
        reverse("login"),
        {"username": contributor.email, "password": "correct-horse-battery-staple"},
    )
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # a browser-session cookie
    assert cookie["httponly"] is True
    assert client.session.get_expiry_age() == 8 * 60 * 60  # and the server ends it then


# --- Passwords ------------------------------------------------------------------------------------
def test_passwords_shorter_than_twelve_characters_are_refused():
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("Vq7#lmK2pz!")  # 11 characters


def test_a_twelve_character_password_is_accepted():
    validate_password("Vq7#lmK2pz!x")


@pytest.mark.parametrize("password", ["password1234", "123456789012345"], ids=["common", "numeric"])
def test_common_and_numeric_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.django_db
def test_changing_to_a_short_password_is_refused_on_the_page(client, contributor):
    client.force_login(contributor)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct-horse-battery-staple",
            "new_password1": "Vq7#lmK2pz!",
            "new_password2": "Vq7#lmK2pz!",
        },
    )
    assertContains(response, "at least 12 characters")
    contributor.refresh_from_db()
    assert contributor.check_password("correct-horse-battery-staple")


def test_deployments_sharing_one_redis_keep_their_cache_keys_apart_by_database_name():
    caches = production_settings(
        REDIS_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="postgres://register@db.example.org:5432/register_eu",
    )["CACHES"]
    assert caches["default"]["KEY_PREFIX"] == "register_eu"


def test_a_deployment_can_name_its_cache_key_prefix():
    caches = production_settings(REDIS_URL="redis://127.0.0.1:6379/0", CACHE_KEY_PREFIX="emea")[
        "CACHES"
    ]
    assert caches["default"]["KEY_PREFIX"] == "emea"
