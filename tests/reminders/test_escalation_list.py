"""The committee's list of escalated items (/notifications/escalations/): where the daily
reminder of escalations leads."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from apps.mitigations.models import Mitigation
from apps.reminders.models import Escalation, ReminderReason
from apps.systems.models import AISystem

pytestmark = pytest.mark.django_db

URL = reverse("reminders:escalations")
DAY = datetime.date(2026, 3, 2)


def escalate(n: int, *, on=DAY, model=Mitigation, reason=ReminderReason.MITIGATION_OVERDUE):
    content_type = ContentType.objects.get_for_model(model)
    first = Escalation.objects.count()
    return Escalation.objects.bulk_create(
        Escalation(
            content_type=content_type,
            object_id=first + index + 1,
            due_date=on - datetime.timedelta(days=8 + index),
            reason=reason,
            title=f"Mitigation “Output filter {first + index}” of SYS-0001 is overdue",
            url=f"/mitigations/{first + index + 1}/",
            responsible="Olivia Owner",
            escalated_on=on,
        )
        for index in range(n)
    )


@pytest.mark.parametrize("role", ["committee_member", "auditor", "administrator"])
def test_those_who_read_every_team_see_the_escalated_items(role, client_for):
    escalate(1)

    response = client_for(role).get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Output filter 0" in page
    assert 'href="/mitigations/1/"' in page
    assert "Olivia Owner" in page
    assert "8 days late when escalated" in page
    assert "Mitigation overdue" in page


@pytest.mark.parametrize("role", ["contributor", "viewer"])
def test_team_members_may_not_see_the_committees_escalations(role, client_for):
    escalate(1)

    response = client_for(role).get(URL)

    assert response.status_code == 403
    assert b"Your own reminders are in your notifications" in response.content


def test_the_day_of_the_reminder_selects_that_days_escalations(client_for):
    escalate(1, on=DAY)
    escalate(1, on=DAY - datetime.timedelta(days=1))

    response = client_for("committee_member").get(URL, {"escalated_on": DAY.isoformat()})

    assert [e.escalated_on for e in response.context["page_obj"].object_list] == [DAY]


def test_the_kind_filter_keeps_one_reason(client_for):
    escalate(2)
    escalate(1, model=AISystem, reason=ReminderReason.REVIEW_OVERDUE)

    response = client_for("committee_member").get(URL, {"reason": "review_overdue"})

    assert [e.reason for e in response.context["page_obj"].object_list] == ["review_overdue"]


def test_a_bad_date_is_an_error_on_the_form_not_a_crash(client_for):
    escalate(1)

    response = client_for("committee_member").get(URL, {"escalated_on": "yesterday-ish"})

    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_nothing_escalated_says_so(client_for):
    response = client_for("committee_member").get(URL)

    assert "Nothing has been escalated to the committee" in response.content.decode()


def test_the_newest_day_comes_first_then_the_longest_overdue(client_for):
    escalate(2, on=DAY - datetime.timedelta(days=1))
    escalate(2, on=DAY)

    response = client_for("committee_member").get(URL)

    rows = [(e.escalated_on, e.due_date) for e in response.context["page_obj"].object_list]
    assert rows == sorted(rows, key=lambda row: (-row[0].toordinal(), row[1]))


def test_the_list_is_paginated_with_the_same_queries_for_5_or_120_items(
    client_for, django_assert_max_num_queries
):
    client = client_for("committee_member")
    escalate(5)
    client.get(URL)  # warm the caches of the navigation bar
    with django_assert_max_num_queries(100) as few:
        client.get(URL)
    escalate(115)

    with django_assert_max_num_queries(len(few)):
        response = client.get(URL)

    assert len(response.context["page_obj"].object_list) == 50
    assert response.context["page_obj"].paginator.num_pages == 3


def test_the_notifications_page_links_to_the_escalations_for_the_committee_only(client_for):
    link = f'href="{URL}"'

    assert (
        link
        in client_for("committee_member").get(reverse("reminders:notifications")).content.decode()
    )
    assert (
        link
        not in client_for("contributor").get(reverse("reminders:notifications")).content.decode()
    )
