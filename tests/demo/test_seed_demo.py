"""The demo organisation the run command loads."""

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import Membership, Team, User
from apps.core.models import AuditEvent
from apps.demo.management.commands.seed_demo import DEMO_PASSWORD, PEOPLE, SYSTEMS
from apps.systems.models import AISystem

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_to_run_in_production_without_force(settings):
    # First in the module: the other tests share one seeded organisation (demo_organisation).
    settings.DEBUG = False
    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()


def test_seed_demo_builds_one_account_per_role_and_the_systems(demo_organisation):
    assert User.objects.filter(is_superuser=True).exists()
    assert User.objects.filter(is_committee_member=True).count() >= 2
    assert User.objects.filter(is_auditor=True).exists()
    assert Membership.objects.filter(role="contributor").exists()
    assert Membership.objects.filter(role="viewer").exists()
    assert AISystem.objects.count() == len(SYSTEMS) >= 10
    assert User.objects.get(email="auditor@example.com").check_password(DEMO_PASSWORD)


def test_seed_demo_is_idempotent(demo_organisation):
    counts = (User.objects.count(), Team.objects.count(), AISystem.objects.count())
    events = AuditEvent.objects.count()
    call_command("seed_demo", "--force", verbosity=0)
    assert (User.objects.count(), Team.objects.count(), AISystem.objects.count()) == counts
    assert AuditEvent.objects.count() == events
    assert User.objects.count() == len(PEOPLE)


def test_seed_demo_systems_have_history_by_their_team(demo_organisation):
    system = AISystem.objects.get(name="Consumer credit scoring model")
    assert system.criticality >= 3  # high-risk tier ⇒ at least High
    assert {h.history_user.email for h in system.history.all()} == {"credit@example.com"}
    reasons = set(system.history.values_list("history_change_reason", flat=True))
    assert "Annual recalibration on 2025 applications" in reasons
