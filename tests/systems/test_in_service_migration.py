"""The data migration that fills in the day each system in service went into service, from its
history (systems.0003_in_service_since)."""

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps

from apps.systems import services
from apps.systems.models import AISystem
from tests.factories import AISystemFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("apps.systems.migrations.0003_in_service_since")


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, 12, tzinfo=datetime.UTC)


def test_the_day_is_the_start_of_the_current_spell_in_service(team, contributor):
    with time_machine.travel(at(1)):
        system = AISystemFactory(
            team=team, lifecycle_stage="development", business_owner=contributor
        )
    for day, stage in ((5, "pilot"), (9, "production"), (12, "development"), (20, "pilot")):
        with time_machine.travel(at(day)):
            system = services.update_system(
                system=system, by=contributor, data={"lifecycle_stage": stage}
            )
    with time_machine.travel(at(25)):
        services.update_system(
            system=system, by=contributor, data={"lifecycle_stage": "production"}
        )
    AISystem.objects.update(in_service_since=None)

    migration.fill_in_service_since(apps, None)

    system.refresh_from_db()
    assert system.in_service_since == datetime.date(2026, 3, 20)


def test_without_history_the_day_it_was_registered_is_taken(team):
    with time_machine.travel(at(3)):
        system = AISystemFactory(team=team, lifecycle_stage="production", in_service_since=None)
    system.history.all().delete()
    out_of_service = AISystemFactory(team=team, lifecycle_stage="concept")

    migration.fill_in_service_since(apps, None)

    system.refresh_from_db()
    out_of_service.refresh_from_db()
    assert system.in_service_since == datetime.date(2026, 3, 3)
    assert out_of_service.in_service_since is None
