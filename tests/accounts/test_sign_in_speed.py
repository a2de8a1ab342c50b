"""Signing in is quick without storing passwords more weakly: the time of a sign-in is the
password hasher's (everything else takes about 10 ms), so production hashes with scrypt at
Django's own default cost, and hashes made by the other hashers still sign in and are upgraded.

The tests elsewhere hash with MD5 for speed (``tests/conftest.py``); these use the production
list of hashers, read from the settings module itself."""

import pytest
from django.contrib.auth.hashers import (
    PBKDF2PasswordHasher,
    ScryptPasswordHasher,
    get_hasher,
    identify_hasher,
    make_password,
)
from django.urls import reverse

from config import settings as production_settings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    return settings


@pytest.fixture
def counted_hashing(monkeypatch):
    """How many times each hasher computed a hash during the test."""
    calls = {"scrypt": 0, "pbkdf2_sha256": 0}
    for hasher in (ScryptPasswordHasher, PBKDF2PasswordHasher):
        real = hasher.encode

        def encode(self, *args, _real=real, **kwargs):
            calls[self.algorithm] += 1
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(hasher, "encode", encode)
    return calls


def sign_in(client, user):
    return client.post(reverse("login"), {"username": user.email, "password": PASSWORD})


def test_new_passwords_are_stored_with_scrypt_at_djangos_default_cost(production_hashers):
    hasher = identify_hasher(make_password(PASSWORD))
    assert isinstance(hasher, ScryptPasswordHasher)
    decoded = hasher.decode(make_password(PASSWORD))
    defaults = ScryptPasswordHasher()
    assert decoded["work_factor"] >= defaults.work_factor == 2**14
    assert decoded["block_size"] >= defaults.block_size == 8
    assert decoded["parallelism"] >= defaults.parallelism == 5


def test_pbkdf2_stays_at_djangos_default_iterations_for_the_passwords_hashed_with_it(
    production_hashers,
):
    assert get_hasher("pbkdf2_sha256").iterations >= 1_000_000


def test_a_sign_in_computes_one_hash(production_hashers, counted_hashing, client):
    user = UserFactory(password=PASSWORD)
    counted_hashing["scrypt"] = 0
    assert sign_in(client, user).status_code == 302
    assert counted_hashing == {"scrypt": 1, "pbkdf2_sha256": 0}


def test_a_password_hashed_with_pbkdf2_still_signs_in_and_is_upgraded_to_scrypt(
    production_hashers, client
):
    user = UserFactory()
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    assert sign_in(client, user).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("scrypt$")
    assert user.check_password(PASSWORD)


def test_a_wrong_password_is_refused_with_scrypt(production_hashers, client):
    user = UserFactory(password=PASSWORD)
    response = client.post(reverse("login"), {"username": user.email, "password": "wrong" * 3})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
