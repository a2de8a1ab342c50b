"""My sessions: each sign-in is recorded (browser, address, when), listed on its page, and can be
signed out one by one or everywhere else at once; it stops working at once."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import SignedInSession
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def browser(user, agent="Firefox on Linux", address="192.0.2.10"):
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def is_signed_in(client) -> bool:
    return client.get(reverse("accounts:profile")).status_code == 200


def test_a_sign_in_records_its_browser_address_and_way(contributor):
    browser(contributor)
    record = SignedInSession.objects.get(user=contributor)
    assert record.user_agent == "Firefox on Linux"
    assert record.ip_address == "192.0.2.10"
    assert record.method == "password"


def test_the_page_lists_my_sessions_and_marks_this_one(contributor):
    browser(contributor, agent="Safari on iPhone")
    mine = browser(contributor, agent="Firefox on Linux")
    response = mine.get(reverse("accounts:sessions"))
    assert response.status_code == 200
    assert b"Safari on iPhone" in response.content
    assert b"this browser" in response.content
    assert len(response.context["sessions"]) == 2


def test_the_page_lists_no_one_elses_session(contributor, viewer):
    browser(viewer, agent="Their browser")
    response = browser(contributor).get(reverse("accounts:sessions"))
    assert b"Their browser" not in response.content


def test_sign_out_everywhere_else_ends_the_other_sessions_at_once(contributor):
    phone = browser(contributor, agent="Safari on iPhone")
    laptop = browser(contributor)
    response = laptop.post(reverse("accounts:sessions"), follow=True)
    assert b"1 other session(s) ended" in response.content
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)


def test_one_other_session_is_signed_out(contributor):
    phone = browser(contributor, agent="Safari on iPhone")
    laptop = browser(contributor)
    record = SignedInSession.objects.get(user=contributor, user_agent="Safari on iPhone")
    laptop.post(reverse("accounts:session_end", args=[record.pk]))
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)


def test_someone_elses_session_is_not_found(contributor, viewer):
    browser(viewer)
    theirs = SignedInSession.objects.get(user=viewer)
    response = browser(contributor).post(reverse("accounts:session_end", args=[theirs.pk]))
    assert response.status_code == 404


def test_last_seen_moves_on_after_five_minutes_not_at_every_request(contributor):
    laptop = browser(contributor)
    record = SignedInSession.objects.get(user=contributor)
    first_seen = record.last_seen_at
    laptop.get(reverse("dashboard:home"))
    record.refresh_from_db()
    assert record.last_seen_at == first_seen
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        laptop.get(reverse("dashboard:home"))
    record.refresh_from_db()
    assert record.last_seen_at > first_seen


def test_ended_sessions_are_not_listed(contributor):
    phone = browser(contributor, agent="Safari on iPhone")
    phone.post(reverse("logout"))
    response = browser(contributor).get(reverse("accounts:sessions"))
    assert b"Safari on iPhone" not in response.content


def test_the_sessions_page_asks_a_fixed_number_of_queries(
    contributor, django_assert_max_num_queries
):
    for number in range(5):
        browser(contributor, agent=f"Browser {number}")
    laptop = browser(contributor)
    with django_assert_max_num_queries(8):
        assert laptop.get(reverse("accounts:sessions")).status_code == 200
