"""Ungoverned systems: in pilot or production without a current approved safety plan.

The rule (``apps.systems.models.ungoverned_condition``), the day a system went into service that
the services keep, and where it shows: the inventory (badge, filter), the system's page, the
API (field, filter) and the export (column), each in a fixed number of queries.
"""

import csv
import datetime
import io
import json

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.core.models import AuditEvent
from apps.systems import services
from apps.systems.models import AISystem, LifecycleStage
from tests.api.conftest import token_client
from tests.factories import AISystemFactory, MembershipFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 15)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(datetime.datetime(2026, 11, 15, 12, tzinfo=datetime.UTC)):
        yield


def days(n):
    return TODAY + datetime.timedelta(days=n)


def is_ungoverned(system, today=TODAY) -> bool:
    return AISystem.objects.ungoverned(today).filter(pk=system.pk).exists()


def approved(**fields):
    """Fields of a system whose plan was approved 30 days ago, next review in ``due`` days."""
    due = fields.pop("due", 60)
    return {"last_approved": days(-30), "next_review_due": days(due), **fields}


# --- The rule -------------------------------------------------------------------------------------
@pytest.mark.parametrize("stage", [LifecycleStage.PILOT, LifecycleStage.PRODUCTION])
def test_a_system_in_service_that_was_never_approved_is_ungoverned(team, stage):
    assert is_ungoverned(AISystemFactory(team=team, lifecycle_stage=stage))


@pytest.mark.parametrize(
    "stage", [LifecycleStage.CONCEPT, LifecycleStage.DEVELOPMENT, LifecycleStage.RETIRED]
)
def test_a_system_not_in_service_is_not_ungoverned(team, stage):
    assert not is_ungoverned(AISystemFactory(team=team, lifecycle_stage=stage))


def test_an_archived_system_is_not_ungoverned(team):
    system = AISystemFactory(team=team, lifecycle_stage="production", archived_at=timezone.now())
    assert not is_ungoverned(system)


def test_an_approved_plan_governs_the_system_until_its_next_review_day_inclusive(team):
    system = AISystemFactory(team=team, lifecycle_stage="production", **approved(due=0))
    assert not is_ungoverned(system, today=TODAY)
    assert is_ungoverned(system, today=days(1))  # the plan lapsed: its review is overdue


def test_the_annotation_and_the_filter_agree(team):
    systems = [
        AISystemFactory(team=team, lifecycle_stage="production"),
        AISystemFactory(team=team, lifecycle_stage="pilot", **approved()),
        AISystemFactory(team=team, lifecycle_stage="pilot", **approved(due=-1)),
        AISystemFactory(team=team, lifecycle_stage="development"),
    ]
    annotated = dict(AISystem.objects.with_governance(TODAY).values_list("pk", "ungoverned"))
    assert annotated == {s.pk: is_ungoverned(s) for s in systems}
    assert [annotated[s.pk] for s in systems] == [True, False, True, False]


# --- The day it went into service, kept by the services -------------------------------------------
def test_registering_a_system_in_production_records_the_day_it_went_into_service(team, contributor):
    from tests.systems.test_services import system_data

    system = services.create_system(
        by=contributor, data=system_data(team, contributor, lifecycle_stage="production")
    )
    assert system.in_service_since == timezone.localdate()


def test_the_day_in_service_is_kept_from_pilot_to_production_and_cleared_on_retirement(
    team, contributor
):
    system = AISystemFactory(team=team, lifecycle_stage="development", business_owner=contributor)
    system = services.update_system(
        system=system, by=contributor, data={"lifecycle_stage": "pilot"}
    )
    assert system.in_service_since == timezone.localdate()
    AISystem.objects.filter(pk=system.pk).update(in_service_since=days(-100))
    system = services.update_system(
        system=system, by=contributor, data={"lifecycle_stage": "production"}
    )
    assert system.in_service_since == days(-100)
    system = services.update_system(
        system=system, by=contributor, data={"lifecycle_stage": "retired"}
    )
    assert system.in_service_since is None


def test_going_into_service_leaves_history_with_who_did_it(team, contributor):
    system = AISystemFactory(team=team, lifecycle_stage="development", business_owner=contributor)
    services.update_system(
        system=system, by=contributor, data={"lifecycle_stage": "pilot"}, reason="Pilot starts"
    )
    event = AuditEvent.objects.get(
        content_type=ContentType.objects.get_for_model(AISystem), object_id=system.pk, action="~"
    )
    assert event.user == contributor
    assert event.change_reason == "Pilot starts"
    assert {change["field"] for change in event.changes} == {"lifecycle_stage", "in_service_since"}


# --- The inventory --------------------------------------------------------------------------------
@pytest.fixture
def inventory(team):
    return {
        "never": AISystemFactory(team=team, name="Never approved", lifecycle_stage="production"),
        "lapsed": AISystemFactory(
            team=team, name="Lapsed plan", lifecycle_stage="pilot", **approved(due=-3)
        ),
        "governed": AISystemFactory(
            team=team, name="Governed", lifecycle_stage="production", **approved()
        ),
        "building": AISystemFactory(team=team, name="In development"),
    }


def names(response):
    return [system.name for system in response.context["page_obj"].object_list]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", ["Lapsed plan", "Never approved"]),
        ("false", ["Governed", "In development"]),
        ("", ["Governed", "In development", "Lapsed plan", "Never approved"]),
    ],
)
def test_the_inventory_filters_ungoverned_systems(value, expected, client_for, inventory):
    response = client_for("contributor").get(reverse("systems:list"), {"ungoverned": value})
    assert names(response) == expected


def test_each_ungoverned_row_has_a_badge_that_says_why(client_for, inventory):
    response = client_for("viewer").get(reverse("systems:list"))
    content = response.content.decode()
    assert content.count("Ungoverned<span") == 2
    assert "it was never approved" in content
    assert f"lapsed when its review fell due on {days(-3):%-d %b %Y}" in content


def test_the_filter_offers_the_governance_choice(client_for, inventory):
    response = client_for("contributor").get(reverse("systems:list"))
    assertContains(response, '<option value="true">Ungoverned</option>')


def test_the_inventory_makes_the_same_queries_for_few_or_many_ungoverned_systems(
    client_for, team, django_assert_max_num_queries
):
    client = client_for("contributor")
    for _ in range(3):
        AISystemFactory(team=team, lifecycle_stage="production")
    client.get(reverse("systems:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("systems:list"), {"ungoverned": "true"})
    for i in range(30):
        owner = MembershipFactory(team=team).user
        stage = "pilot" if i % 2 else "production"
        AISystemFactory(team=team, lifecycle_stage=stage, business_owner=owner)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("systems:list"), {"ungoverned": "true", "per_page": 50})
    assert len(names(response)) == 33


def test_the_systems_page_shows_the_badge_and_what_to_do(client_for, inventory):
    response = client_for("viewer").get(inventory["never"].get_absolute_url())
    assertContains(response, 'id="ungoverned-alert"')
    assertContains(response, "is in production without a current approved safety plan")
    assertContains(response, "it was never approved")
    assertContains(response, "In service since")


def test_a_governed_systems_page_has_no_badge(client_for, inventory):
    response = client_for("viewer").get(inventory["governed"].get_absolute_url())
    assertNotContains(response, 'id="ungoverned-alert"')
    assertNotContains(response, "Ungoverned<span")


# --- The API and the export -----------------------------------------------------------------------
def test_the_api_says_whether_each_system_is_ungoverned(team, auditor, inventory):
    response = token_client(auditor).get(reverse("api:system-list"), {"page_size": 100})
    flags = {row["name"]: row["ungoverned"] for row in response.json()["results"]}
    assert flags == {
        "Never approved": True,
        "Lapsed plan": True,
        "Governed": False,
        "In development": False,
    }
    detail = token_client(auditor).get(reverse("api:system-detail", args=[inventory["never"].pk]))
    assert detail.json()["ungoverned"] is True
    assert detail.json()["in_service_since"] == inventory["never"].in_service_since.isoformat()


def test_the_api_filters_ungoverned_systems(auditor, inventory):
    client = token_client(auditor)
    ungoverned = client.get(reverse("api:system-list"), {"ungoverned": "true"}).json()
    assert sorted(row["name"] for row in ungoverned["results"]) == ["Lapsed plan", "Never approved"]


def test_the_api_list_makes_the_same_queries_for_few_or_many_ungoverned_systems(
    team, auditor, inventory
):
    client = token_client(auditor)
    url = reverse("api:system-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"page_size": 100})
    for _ in range(20):
        AISystemFactory(team=team, lifecycle_stage="pilot")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"page_size": 100})
    assert response.json()["count"] == 24
    assert len(many) == len(few)


def test_the_systems_export_has_an_ungoverned_column(auditor, inventory):
    client = token_client(auditor)
    response = client.get(reverse("api:export-systems-csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["Never approved"]["ungoverned"] == "yes"
    assert rows["Governed"]["ungoverned"] == "no"
    assert rows["In development"]["in_service_since"] == ""
    filtered = client.get(reverse("api:export-systems-json"), {"ungoverned": "true"})
    data = json.loads(b"".join(filtered.streaming_content))
    assert {row["name"]: row["ungoverned"] for row in data} == {
        "Never approved": True,
        "Lapsed plan": True,
    }
