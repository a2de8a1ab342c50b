"""Each person reads and types times in their own time zone: a profile setting, taken from the
browser at first, stored as an IANA name; the register keeps every moment in UTC."""

import datetime
import json

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.accounts import services
from apps.accounts.models import User
from apps.core.models import AuditEvent
from apps.incidents.models import Incident
from tests.incidents.test_views import form_data

pytestmark = pytest.mark.django_db

TIME_ZONE_URL = reverse("accounts:time_zone")
PROFILE_URL = reverse("accounts:profile")


def zone_of(user) -> str:
    return User.objects.get(pk=user.pk).time_zone


def in_zone(user, name="Europe/Paris"):
    User.objects.filter(pk=user.pk).update(time_zone=name)
    user.time_zone = name
    return user


# --- The setting ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "role", ["viewer", "contributor", "committee_member", "auditor", "administrator", "nobody"]
)
def test_everyone_chooses_their_own_time_zone_on_the_profile(role, client_for, user_for):
    client = client_for(role)
    assertContains(client.get(PROFILE_URL), 'id="time-zone"')
    response = client.post(TIME_ZONE_URL, {"time_zone": "America/New_York"})
    assert response.status_code == 302
    assert response.url == PROFILE_URL + "#time-zone"
    assert zone_of(user_for(role)) == "America/New_York"


def test_the_change_is_in_the_persons_history(contributor, client_for):
    client_for(contributor).post(TIME_ZONE_URL, {"time_zone": "Asia/Tokyo"})
    event = AuditEvent.objects.filter(object_id=contributor.pk, action="~").latest("pk")
    assert event.user == contributor
    assert event.change_reason == "Time zone changed"
    assert [(c["field"], c["old"], c["new"]) for c in event.changes] == [
        ("time_zone", "", "Asia/Tokyo")
    ]


def test_an_unknown_zone_is_refused_and_nothing_changes(contributor, client_for):
    in_zone(contributor, "Europe/Paris")
    response = client_for(contributor).post(TIME_ZONE_URL, {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    assertContains(response, "is not a time zone", status_code=400)
    assert zone_of(contributor) == "Europe/Paris"


def test_the_sites_zone_can_be_chosen_back(contributor, client_for, settings):
    in_zone(contributor)
    client_for(contributor).post(TIME_ZONE_URL, {"time_zone": ""})
    assert zone_of(contributor) == ""
    assertContains(client_for(contributor).get(PROFILE_URL), f"({settings.TIME_ZONE})")


def test_the_form_lists_the_zones_with_the_persons_chosen(contributor, client_for):
    in_zone(contributor, "America/Sao_Paulo")
    response = client_for(contributor).get(PROFILE_URL)
    assertContains(response, '<option value="America/Sao_Paulo" selected>America/Sao Paulo')
    assertContains(response, '<option value="Pacific/Auckland">')


# --- From the browser -----------------------------------------------------------------------------
def test_pages_ask_the_browser_while_the_person_has_no_zone(contributor, client_for):
    response = client_for(contributor).get(reverse("dashboard:home"))
    assertContains(response, f'data-time-zone-url="{TIME_ZONE_URL}"')
    in_zone(contributor)
    response = client_for(contributor).get(reverse("dashboard:home"))
    assertNotContains(response, "data-time-zone-url")


def test_the_browsers_zone_is_taken_once(contributor, client_for):
    client = client_for(contributor)
    response = client.post(TIME_ZONE_URL, {"time_zone": "Europe/Paris", "from_browser": "1"})
    assert response.status_code == 204
    assert zone_of(contributor) == "Europe/Paris"
    event = AuditEvent.objects.filter(object_id=contributor.pk, action="~").latest("pk")
    assert event.change_reason == "Time zone taken from the browser"


def test_the_browser_never_replaces_a_chosen_zone(contributor, client_for):
    in_zone(contributor, "Asia/Tokyo")
    response = client_for(contributor).post(
        TIME_ZONE_URL, {"time_zone": "Europe/Paris", "from_browser": "1"}
    )
    assert response.status_code == 204
    assert zone_of(contributor) == "Asia/Tokyo"


@pytest.mark.parametrize("sent", ["", "Not/A_Zone"])
def test_a_browser_zone_that_is_no_zone_is_a_clear_400(sent, contributor, client_for):
    response = client_for(contributor).post(TIME_ZONE_URL, {"time_zone": sent, "from_browser": "1"})
    assert response.status_code == 400
    assert "time_zone" in json.loads(response.content)["errors"]
    assert zone_of(contributor) == ""


def test_the_service_refuses_an_unknown_zone_on_its_field(contributor):
    with pytest.raises(Exception) as caught:
        services.set_time_zone(user=contributor, time_zone="Europe/Atlantis")
    assert "time_zone" in caught.value.message_dict


# --- Times on the pages and in the forms ----------------------------------------------------------
def test_incident_times_are_typed_in_the_persons_zone_and_stored_in_utc(
    system, contributor, client_for
):
    in_zone(contributor, "Europe/Paris")
    url = reverse("incidents:create") + f"?system={system.pk}"
    response = client_for(contributor).post(
        url, form_data(occurred_at="2026-11-02T10:00", detected_at="2026-11-02T10:45")
    )
    assert response.status_code == 302
    incident = Incident.objects.get(system=system)
    assert incident.occurred_at == datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
    assert incident.detected_at == datetime.datetime(2026, 11, 2, 9, 45, tzinfo=datetime.UTC)


def test_the_edit_form_shows_stored_times_in_the_persons_zone(system, contributor, client_for):
    in_zone(contributor, "America/New_York")
    client_for(contributor).post(
        reverse("incidents:create") + f"?system={system.pk}",
        form_data(occurred_at="2026-11-02T10:00", detected_at="2026-11-02T10:45"),
    )
    incident = Incident.objects.get(system=system)
    response = client_for(contributor).get(reverse("incidents:edit", args=[incident.pk]))
    assertContains(response, 'value="2026-11-02T10:00"')
    assertContains(response, "Times are in America/New_York.")


def test_someone_without_a_zone_types_in_the_sites(system, contributor, client_for, settings):
    response = client_for(contributor).get(reverse("incidents:create"), {"system": system.pk})
    assertContains(response, f"Times are in {settings.TIME_ZONE}.")


def test_an_impossible_date_comes_back_as_typed_with_its_error(system, contributor, client_for):
    response = client_for(contributor).post(
        reverse("incidents:create") + f"?system={system.pk}",
        form_data(occurred_at="2026-02-31T10:00"),
    )
    assert response.status_code == 200
    assertContains(response, 'type="text" name="occurred_at" value="2026-02-31T10:00"')
    assert response.context["form"].errors["occurred_at"]
    assert not Incident.objects.exists()


def test_the_api_keeps_the_sites_zone_whoever_asks(system, contributor, client_for):
    client_for(contributor).post(reverse("incidents:create") + f"?system={system.pk}", form_data())
    incident = Incident.objects.get(system=system)
    url = reverse("api:incident-detail", args=[incident.reference])
    plain = client_for(contributor).get(url).json()["occurred_at"]
    in_zone(contributor, "Asia/Tokyo")
    assert client_for(contributor).get(url).json()["occurred_at"] == plain


# --- At sign-in -----------------------------------------------------------------------------------
LOGIN_URL = reverse("login")


def sign_in(client, user, **extra):
    user.set_password("a-long-password-1")
    user.save()
    return client.post(
        LOGIN_URL, {"username": user.email, "password": "a-long-password-1", **extra}
    )


def test_the_sign_in_form_carries_the_browsers_zone(client):
    assertContains(client.get(LOGIN_URL), 'name="time_zone" data-browser-time-zone-field')


def test_the_first_sign_in_takes_the_browsers_zone(client, contributor):
    response = sign_in(client, contributor, time_zone="Europe/Paris")
    assert response.status_code == 302
    assert zone_of(contributor) == "Europe/Paris"
    assertNotContains(client.get(reverse("dashboard:home")), "data-time-zone-url")


def test_signing_in_never_replaces_a_chosen_zone(client, contributor):
    in_zone(contributor, "Asia/Tokyo")
    sign_in(client, contributor, time_zone="Europe/Paris")
    assert zone_of(contributor) == "Asia/Tokyo"


@pytest.mark.parametrize("sent", ["", "Atlantis/Capital"])
def test_a_browser_without_a_known_zone_signs_in_all_the_same(sent, client, contributor):
    response = sign_in(client, contributor, time_zone=sent)
    assert response.status_code == 302
    assert zone_of(contributor) == ""


def test_a_failed_sign_in_takes_nothing(client, contributor):
    contributor.set_password("a-long-password-1")
    contributor.save()
    client.post(
        LOGIN_URL, {"username": contributor.email, "password": "wrong", "time_zone": "Asia/Tokyo"}
    )
    assert zone_of(contributor) == ""
