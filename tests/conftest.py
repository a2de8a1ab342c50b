"""Fixtures shared by every test: one person per role, and clients signed in as them."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from apps.accounts.models import Membership
from tests.factories import MembershipFactory, TeamFactory, UserFactory


@pytest.fixture(scope="session", autouse=True)
def _static_manifest():
    """Tests use production's hashed static storage, which needs collectstatic once."""
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", "--no-input", verbosity=0)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team(db):
    return TeamFactory(name="Customer Experience", slug="customer-experience")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Credit Risk", slug="credit-risk")


@pytest.fixture
def contributor(team):
    """A contributor of ``team``."""
    return MembershipFactory(team=team, role=Membership.Role.CONTRIBUTOR).user


@pytest.fixture
def viewer(team):
    """A viewer of ``team``."""
    return MembershipFactory(team=team, role=Membership.Role.VIEWER).user


@pytest.fixture
def outsider(other_team):
    """A contributor of another team."""
    return MembershipFactory(team=other_team, role=Membership.Role.CONTRIBUTOR).user


@pytest.fixture
def committee_member(db):
    return UserFactory(is_committee_member=True)


@pytest.fixture
def auditor(db):
    return UserFactory(is_auditor=True)


@pytest.fixture
def administrator(db):
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def nobody(db):
    """Signed in, but in no team and with no global role."""
    return UserFactory()


ROLES = [
    "contributor",
    "viewer",
    "outsider",
    "committee_member",
    "auditor",
    "administrator",
    "nobody",
    "anonymous",
]


@pytest.fixture
def user_for(request):
    """``user_for("auditor")`` → that fixture's user; ``"anonymous"`` → None."""

    def get(role):
        return None if role == "anonymous" else request.getfixturevalue(role)

    return get


@pytest.fixture
def client_for(user_for):
    """``client_for("viewer")`` → a test client signed in as that role."""

    def make(role_or_user):
        user = user_for(role_or_user) if isinstance(role_or_user, str) else role_or_user
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make
