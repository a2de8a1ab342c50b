"""Fixtures shared by every test: one person per role, and clients signed in as them."""

import copy
import os
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings

from apps.accounts.models import Membership
from apps.core import static_files
from tests import fuzzing
from tests.api.conftest import token_client
from tests.db import module_rows
from tests.factories import (
    AISystemFactory,
    MembershipFactory,
    MitigationFactory,
    ObligationFactory,
    RiskFactory,
    TeamFactory,
    UserFactory,
)

FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_addoption(parser):
    parser.addoption(
        "--deep",
        action="store_true",
        default=False,
        help="fuzz in depth: many more examples for the property-based tests (CI's nightly run;"
        " see tests/fuzzing.py)",
    )


def pytest_configure(config):
    fuzzing.configure(deep=config.getoption("--deep"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """With several processes (``--dist loadgroup``, as ``dev.py test`` runs them), the tests of
    a module that shares an expensive module fixture (the demo organisation, every page
    rendered, a cluster started) all go to one process, which sets the fixture up once."""
    for item in items:
        definitions = getattr(item, "_fixtureinfo", None)
        if definitions and any(
            fixture.scope == "module"
            for fixtures in definitions.name2fixturedefs.values()
            for fixture in fixtures
        ):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Each test run gets test databases of its own (``test_<name>[_gw0]_p<pid>``), so that two
    runs on one PostgreSQL server at once — two checkouts, two people — never drop each other's."""
    from pytest_django.fixtures import _set_suffix_to_test_databases

    _set_suffix_to_test_databases(suffix=f"p{os.getpid()}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the rows its migrations wrote kept aside (as pytest-django does
    only when a collected test asks for ``serialized_rollback``): modules whose rows are
    committed (``tests/deployment``) start from them, whatever flushed the tables before."""
    if not hasattr(connection, "_test_serialized_contents"):
        with django_db_blocker.unblock():
            connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    yield
    # Servers that tests started in threads (live servers, identity providers) may still hold a
    # connection: closed here, so that the test database is dropped rather than left behind.
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(scope="session", autouse=True)
def _migrated_rows_reload_without_history():
    """Reloading the migrations' rows (``serialized_rollback``, :func:`tests.db.reset_to_migrated`)
    sets their many-to-many links, which simple-history records as changes: a "~" version and an
    audit entry for each risk template, rule and key date, committed, which later tests would
    find in their audit log and chain. Nobody changed anything: history is off while they load."""
    creation = type(connection.creation)
    original = creation.deserialize_db_from_string

    def without_history(self, data):
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            original(self, data)

    creation.deserialize_db_from_string = without_history
    yield
    creation.deserialize_db_from_string = original


@pytest.fixture(scope="session", autouse=True)
def _static_manifest():
    """Tests use production's hashed static storage, which needs collectstatic: done once, and
    again only when the static sources' content changed (``python3 dev.py test`` does it before
    starting pytest, saying so; the workers then find it up to date)."""
    static_files.collect_if_changed(say=lambda message: None)


@pytest.fixture(autouse=True)
def _postgres_only(request):
    """Tests marked ``postgres`` need PostgreSQL (row locks, real concurrency, its indexes):
    skipped, with the reason, on SQLite."""
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… to run it")


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files (evidence, export files) go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _waiting_counted_on_every_page(settings):
    """Tests read the navigation bar's counts and the dashboard's figures of the moment
    (tests/dashboard/test_waiting.py and test_drawn.py test production's caches)."""
    settings.WAITING_COUNTS_CACHE_SECONDS = 0
    settings.DASHBOARD_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _cache_of_its_own(settings):
    """Each test reads and writes its own keys of the shared cache (Redis in CI): cached PDFs are
    keyed by ids that tests reuse, throttles by user and address, and tests of two xdist workers
    run at once (flushing the cache would empty the other worker's keys)."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    if "LocMemCache" in caches["default"]["BACKEND"]:
        caches["default"]["LOCATION"] = caches["default"]["KEY_PREFIX"]
    settings.CACHES = caches


@pytest.fixture(scope="module")
def demo_organisation(django_db_setup, django_db_blocker):
    """The demo organisation (``seed_demo``), seeded once for a module's tests: seeding takes
    seconds. Each test's own changes are rolled back after it (its ``db`` transaction is a
    savepoint inside this one), and the seed after the module's last test."""
    fast_hashing = override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS)
    with module_rows(django_db_blocker):
        with fast_hashing:
            call_command("seed_demo", "--force", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _login_throttling_off(settings):
    """django-axes needs the request in ``authenticate``, which ``Client.login`` does not pass,
    and would lock out tests that sign in often: off here, on in tests that ask for
    ``login_throttling`` (tests/security/test_login_throttling.py)."""
    settings.AXES_ENABLED = False


@pytest.fixture(scope="session", autouse=True)
def _second_factor_not_required():
    """Production asks administrators and committee members for a second factor (the sign-in
    settings' defaults, ``MFA_REQUIRED_ROLES``); tests that sign them in with ``force_login``
    would all be sent to set one up. Off here, for every test and module-wide fixture; on in the
    tests that ask for ``second_factor_required`` (tests/accounts/test_second_factor.py)."""
    no_requirement = override_settings(MFA_REQUIRED_ROLES=[])
    no_requirement.enable()
    yield
    no_requirement.disable()


@pytest.fixture
def second_factor_required(settings):
    """The production default: administrators and committee members need a second factor."""
    settings.MFA_REQUIRED_ROLES = ["administrator", "committee_member"]
    return settings


@pytest.fixture
def login_throttling(settings):
    """django-axes as in production: 5 failures per e-mail address and IP address."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    return settings


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


# --- Records of ``team`` (and of ``other_team``), shared by every app's tests ---------------------
@pytest.fixture
def system(team, contributor):
    """An AI system of ``team`` that ``contributor`` owns (business and technical owner)."""
    return AISystemFactory(
        team=team, name="Support chatbot", business_owner=contributor, technical_owner=contributor
    )


@pytest.fixture
def foreign_system(other_team):
    """A system of another team: ``contributor`` and ``viewer`` may not see it."""
    return AISystemFactory(team=other_team, name="Credit scoring model")


@pytest.fixture
def risk(system):
    return RiskFactory(system=system, title="Invented refund policy")


@pytest.fixture
def foreign_risk(foreign_system):
    return RiskFactory(system=foreign_system, title="Biased credit decisions")


@pytest.fixture
def mitigation(system, risk, contributor):
    """A mitigation of ``system`` that treats ``risk``, owned by ``contributor``."""
    return MitigationFactory(
        system=system, title="Ground answers in the policy corpus", owner=contributor, risks=[risk]
    )


@pytest.fixture
def foreign_mitigation(foreign_system, foreign_risk):
    return MitigationFactory(
        system=foreign_system, title="Fairness slice evaluation", risks=[foreign_risk]
    )


@pytest.fixture
def obligation(system):
    """``system``'s obligation to Art. 9 of the EU AI Act (see ``ObligationFactory``)."""
    return ObligationFactory(system=system)


@pytest.fixture
def foreign_obligation(foreign_system):
    return ObligationFactory(system=foreign_system)


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
def api_for(user_for):
    """``api_for("auditor")`` → an API client with a token of that role's person, as a script
    has (none for anonymous); a user may be passed instead of a role."""

    def make(role_or_user):
        user = user_for(role_or_user) if isinstance(role_or_user, str) else role_or_user
        return token_client(user)

    return make


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
