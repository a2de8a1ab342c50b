"""Throttling: per signed-in user and per anonymous address, with a clear 429."""

import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/minute", "anon": "2/minute"},
    }


def test_a_user_beyond_the_rate_gets_a_429_with_retry_after(strict_rates, api_for, viewer):
    cache.delete(f"throttle_user_{viewer.pk}")
    client = api_for(viewer)
    statuses = [client.get(reverse("api:root")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(reverse("api:risk-list"))
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_other_users_are_not_slowed_by_one_user(strict_rates, api_for, viewer, contributor):
    for user in (viewer, contributor):
        cache.delete(f"throttle_user_{user.pk}")
    busy = api_for(viewer)
    for _ in range(4):
        busy.get(reverse("api:root"))
    assert api_for(contributor).get(reverse("api:root")).status_code == 200


def test_anonymous_clients_are_throttled_per_address(strict_rates, client):
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    statuses = [
        client.get(reverse("api:schema"), REMOTE_ADDR=address).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    other = f"10.251.{uuid.uuid4().int % 250}.8"
    assert client.get(reverse("api:schema"), REMOTE_ADDR=other).status_code == 200
