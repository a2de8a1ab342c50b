"""Seeding the demo organisation is refused where its published password would be a hole (what
it holds: test_demo_organisation.py)."""

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_to_run_in_production_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()
