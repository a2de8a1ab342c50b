"""Dates and times in histories and diffs read like the rest of the page: a day as “4 Dec 2026”,
a moment as “4 Dec 2026, 16:33” in the person's time zone — never the stored ISO string (which
the audit log keeps, for exports and its hash chain)."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.core.templatetags.register import readable_changes, readable_when
from tests.factories import IncidentFactory, RiskFactory

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2026, 12, 4, 15, 33, 47, 466144, tzinfo=datetime.UTC)
ISO = "2026-12-04T15:33:47.466144+00:00"


@pytest.fixture
def incident(system):
    return IncidentFactory(
        system=system,
        title="Refund policy invented",
        occurred_at=MOMENT - datetime.timedelta(hours=1),
        detected_at=MOMENT,
    )


def in_paris(user):
    user.time_zone = "Europe/Paris"
    user.save(update_fields=["time_zone"])
    return user


def test_the_stored_change_stays_iso_8601(incident):
    event = AuditEvent.objects.filter(object_id=incident.pk, action="+").latest("pk")
    detected = next(c for c in event.changes if c["field"] == "detected_at")
    assert detected["new"] == ISO


def test_history_shows_a_moment_in_the_persons_time_zone(incident, contributor, client_for):
    in_paris(contributor)
    response = client_for(contributor).get(reverse("incidents:history", args=[incident.pk]))
    content = response.content.decode()
    assert "4 Dec 2026, 16:33" in content  # 15:33 UTC is 16:33 in Paris in December
    assert ISO not in content


def test_history_shows_a_moment_in_the_sites_zone_for_someone_without_one(
    incident, contributor, client_for
):
    response = client_for(contributor).get(reverse("incidents:history", args=[incident.pk]))
    assert "4 Dec 2026, 15:33" in response.content.decode()


def test_the_record_pages_history_card_formats_them_too(incident, contributor, client_for):
    in_paris(contributor)
    response = client_for(contributor).get(incident.get_absolute_url())
    content = response.content.decode()
    assert "4 Dec 2026, 16:33" in content
    assert ISO not in content


def test_a_date_field_shows_as_a_date(system, contributor, client_for):
    risk = RiskFactory(system=system, title="Dated risk")
    response = client_for(contributor).get(reverse("risks:history", args=[risk.pk]))
    content = response.content.decode()
    due = risk.treatment_due
    assert f"{due:%-d %b %Y}" in content
    assert due.isoformat() not in content


def test_the_audit_log_formats_them_too(incident, auditor, client_for):
    in_paris(auditor)
    response = client_for(auditor).get(reverse("core:audit_log"))
    content = response.content.decode()
    assert "4 Dec 2026, 16:33" in content
    assert ISO not in content


def test_a_text_field_that_looks_like_a_date_is_left_as_typed(system):
    risk = RiskFactory(system=system, title="2026-12-04")
    event = AuditEvent.objects.filter(object_id=risk.pk, action="+").latest("pk")
    title = next(c for c in readable_changes(event) if c["field"] == "title")
    assert title["new"] == "2026-12-04"


def test_a_changed_moment_shows_before_and_after(incident, contributor):
    incident.assessed_at = MOMENT + datetime.timedelta(hours=1)
    incident.contained_at = MOMENT + datetime.timedelta(hours=2)
    incident._history_user = contributor
    incident.save()
    event = AuditEvent.objects.filter(object_id=incident.pk, action="~").latest("pk")
    with timezone.override("America/New_York"):
        contained = next(c for c in readable_changes(event) if c["field"] == "contained_at")
    assert (contained["old"], contained["new"]) == ("", "4 Dec 2026, 12:33")


def test_plan_diffs_show_their_dates_as_dates():
    html = render_to_string(
        "reviews/_field_changes.html",
        {"title": "", "changes": [{"label": "Due", "old": "2026-11-02", "new": "2027-01-15"}]},
    )
    assert "2 Nov 2026" in html
    assert "15 Jan 2027" in html
    assert "2026-11-02" not in html


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (ISO, "", "4 Dec 2026, 15:33"),
        ("2026-12-04T15:33:47Z", "datetime", "4 Dec 2026, 15:33"),
        ("2026-12-04 15:33:47+01:00", "", "4 Dec 2026, 14:33"),
        ("2026-12-04T15:33", "", "4 Dec 2026, 15:33"),  # naive: UTC, as stored
        ("2026-12-04", "date", "4 Dec 2026"),
        ("2026-12-04", "datetime", "2026-12-04"),  # not what the field holds: as it is
        ("2026-02-31", "date", "2026-02-31"),  # no such day: as it is
        ("version 2026-12-04", "", "version 2026-12-04"),
        ("", "date", ""),
    ],
)
def test_readable_when(value, kind, expected):
    with timezone.override("UTC"):
        assert readable_when(value, kind) == expected
