"""The bell, the notifications page and the digest preference on the profile page."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.reminders.models import DigestFrequency, Notification, NotificationPreference
from apps.reminders.selectors import unread_count
from tests.factories import NotificationFactory, NotificationPreferenceFactory

pytestmark = pytest.mark.django_db


# --- The bell -------------------------------------------------------------------------------------
def test_the_bell_shows_my_unread_count(client_for, contributor, viewer):
    NotificationFactory.create_batch(3, recipient=contributor)
    NotificationFactory(recipient=contributor, read_at="2026-03-01T10:00:00Z")
    NotificationFactory(recipient=viewer)

    response = client_for(contributor).get(reverse("dashboard:home"))

    assertContains(response, 'aria-label="Notifications: 3 unread"')
    assertContains(
        response,
        '<span class="badge rounded-pill text-bg-danger" data-testid="unread-count">3</span>',
        html=True,
    )


def test_the_bell_has_no_badge_when_everything_is_read(client_for, contributor):
    response = client_for(contributor).get(reverse("dashboard:home"))

    assertContains(response, 'aria-label="Notifications: none unread"')
    assertNotContains(response, 'data-testid="unread-count"')


def test_the_unread_count_is_one_query(contributor, django_assert_num_queries):
    NotificationFactory.create_batch(5, recipient=contributor)
    with django_assert_num_queries(1):
        assert unread_count(contributor) == 5


def test_anonymous_visitors_have_no_bell(client):
    response = client.get(reverse("login"))
    assertNotContains(response, "notification-bell")


# --- The notifications page -----------------------------------------------------------------------
def test_i_see_only_my_own_notifications(client_for, contributor, viewer):
    NotificationFactory(recipient=contributor, title="Mine: review due")
    NotificationFactory(recipient=viewer, title="Theirs: mitigation overdue")

    response = client_for(contributor).get(reverse("reminders:notifications"))

    assertContains(response, "Mine: review due")
    assertNotContains(response, "Theirs: mitigation overdue")


def test_the_notifications_page_has_an_empty_state(client_for):
    response = client_for("contributor").get(reverse("reminders:notifications"))
    assertContains(response, "Nothing to tell you yet.")


def test_the_notifications_page_needs_a_sign_in(client):
    response = client.get(reverse("reminders:notifications"))
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_unread_only_filter(client_for, contributor):
    NotificationFactory(recipient=contributor, title="Still unread")
    NotificationFactory(recipient=contributor, title="Already read", read_at="2026-03-01T10:00Z")

    response = client_for(contributor).get(reverse("reminders:notifications"), {"unread": "1"})

    assertContains(response, "Still unread")
    assertNotContains(response, "Already read")


def test_i_mark_one_of_my_notifications_as_read(client_for, contributor):
    notification = NotificationFactory(recipient=contributor)

    response = client_for(contributor).post(
        reverse("reminders:notification_read", args=[notification.pk])
    )

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.is_read


def test_marking_as_read_with_htmx_returns_the_row_and_the_updated_bell(client_for, contributor):
    notification = NotificationFactory(recipient=contributor)
    NotificationFactory(recipient=contributor)

    response = client_for(contributor).post(
        reverse("reminders:notification_read", args=[notification.pk]), HTTP_HX_REQUEST="true"
    )

    assertContains(response, f'id="notification-{notification.pk}"')
    assertNotContains(response, "Mark as read")
    assertContains(response, 'hx-swap-oob="true"')
    assertContains(response, 'aria-label="Notifications: 1 unread"')


def test_i_cannot_mark_someone_elses_notification_as_read(client_for, contributor, viewer):
    theirs = NotificationFactory(recipient=viewer)

    response = client_for(contributor).post(
        reverse("reminders:notification_read", args=[theirs.pk])
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_marking_as_read_needs_a_post(client_for, contributor):
    notification = NotificationFactory(recipient=contributor)
    response = client_for(contributor).get(
        reverse("reminders:notification_read", args=[notification.pk])
    )
    assert response.status_code == 405


def test_marking_as_read_needs_the_csrf_token(contributor):
    from django.test import Client

    notification = NotificationFactory(recipient=contributor)
    client = Client(enforce_csrf_checks=True)
    client.force_login(contributor)

    response = client.post(reverse("reminders:notification_read", args=[notification.pk]))

    assert response.status_code == 403
    notification.refresh_from_db()
    assert not notification.is_read


def test_mark_all_as_read_touches_only_mine(client_for, contributor, viewer):
    NotificationFactory.create_batch(3, recipient=contributor)
    theirs = NotificationFactory(recipient=viewer)

    response = client_for(contributor).post(reverse("reminders:notifications_read_all"))

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=contributor, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert not theirs.is_read


# --- Digest preference ----------------------------------------------------------------------------
def radio(value, index, checked=False):
    return (
        f'<input type="radio" name="digest" value="{value}" class="form-check-input" '
        f'id="id_digest_{index}" required{" checked" if checked else ""}>'
    )


def test_the_profile_page_offers_the_digest_preference_with_daily_by_default(client_for):
    response = client_for("contributor").get(reverse("accounts:profile"))

    assertContains(response, "E-mail digest")
    assertContains(response, radio("daily", 0, checked=True), html=True)


def test_i_choose_a_weekly_digest(client_for, contributor):
    response = client_for(contributor).post(
        reverse("reminders:digest_preference"), {"digest": "weekly"}
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")
    preference = NotificationPreference.objects.get(user=contributor)
    assert preference.digest == DigestFrequency.WEEKLY
    assert preference.history.first().history_user == contributor
    page = client_for(contributor).get(reverse("accounts:profile"))
    assertContains(page, radio("weekly", 1, checked=True), html=True)


def test_a_bad_digest_choice_is_refused(client_for, contributor):
    NotificationPreferenceFactory(user=contributor, digest=DigestFrequency.OFF)

    client_for(contributor).post(reverse("reminders:digest_preference"), {"digest": "hourly"})

    assert NotificationPreference.objects.get(user=contributor).digest == DigestFrequency.OFF
