"""Mean time to detect and to resolve, computed in the database, on hand-computed data.

The incidents (times in UTC):

====  ====  ================  ================  ================  =========  =========
ref   sev   occurred          detected          recovered         to detect  to resolve
====  ====  ================  ================  ================  =========  =========
A     SEV1  1 Nov 10:00       1 Nov 10:30       1 Nov 12:30       30 min     2 h
B     SEV1  3 Nov 08:00       3 Nov 09:30       3 Nov 13:30       90 min     4 h
C     SEV2  (unknown)         10 Oct 00:00      11 Oct 00:00      —          24 h
D     SEV3  5 Oct 00:00       5 Oct 06:00       (not yet)         6 h        —
E     SEV4  1 Sep 00:00       1 Sep 01:00       1 Sep 03:00       1 h        2 h
====  ====  ================  ================  ================  =========  =========

Overall: MTTD = (30 + 90 + 360 + 60) / 4 = 135 min; MTTR = (120 + 240 + 1440 + 120) / 4 = 8 h.
"""

import datetime

import pytest
import time_machine

from apps.incidents import selectors
from apps.incidents.models import Incident
from tests.factories import AISystemFactory, IncidentFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 15, 12, 0, tzinfo=datetime.UTC)
minutes = lambda n: datetime.timedelta(minutes=n)  # noqa: E731
hours = lambda n: datetime.timedelta(hours=n)  # noqa: E731


def utc(month, day, hour=0, minute=0, year=2026):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=datetime.UTC)


def make(system, severity, occurred, detected, recovered=None):
    steps = {}
    if recovered is not None:
        steps = {"assessed_at": detected, "contained_at": detected, "recovered_at": recovered}
    return IncidentFactory(
        system=system, severity=severity, occurred_at=occurred, detected_at=detected, **steps
    )


@pytest.fixture
def known_incidents(db):
    system = AISystemFactory()
    make(system, 1, utc(11, 1, 10), utc(11, 1, 10, 30), utc(11, 1, 12, 30))
    make(system, 1, utc(11, 3, 8), utc(11, 3, 9, 30), utc(11, 3, 13, 30))
    make(system, 2, None, utc(10, 10), utc(10, 11))
    make(system, 3, utc(10, 5), utc(10, 5, 6))
    make(system, 4, utc(9, 1), utc(9, 1, 1), utc(9, 1, 3))
    return Incident.objects.all()


def test_overall_means_over_known_incidents(known_incidents, django_assert_num_queries):
    with django_assert_num_queries(1):
        figures = selectors.response_times(known_incidents)
    assert figures == {
        "incidents": 5,
        "mttd": minutes(135),
        "detect_samples": 4,
        "mttr": hours(8),
        "resolve_samples": 4,
    }


def test_means_by_severity(known_incidents, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = selectors.response_times_by_severity(known_incidents)
    table = {row["label"]: (row["incidents"], row["mttd"], row["mttr"]) for row in rows}
    assert table == {
        "SEV1": (2, minutes(60), hours(3)),
        "SEV2": (1, None, hours(24)),
        "SEV3": (1, hours(6), None),
        "SEV4": (1, hours(1), hours(2)),
    }


def test_a_severity_without_incidents_is_still_listed(db):
    rows = selectors.response_times_by_severity(Incident.objects.all())
    assert [(row["label"], row["incidents"], row["mttd"]) for row in rows] == [
        ("SEV1", 0, None),
        ("SEV2", 0, None),
        ("SEV3", 0, None),
        ("SEV4", 0, None),
    ]


@time_machine.travel(NOW, tick=False)
def test_means_by_month_of_detection(known_incidents, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = selectors.response_times_by_month(known_incidents, months=12)
    assert rows[0]["month"] == datetime.date(2025, 12, 1)
    assert rows[-1]["month"] == datetime.date(2026, 11, 1)
    by_month = {row["month"]: (row["incidents"], row["mttd"], row["mttr"]) for row in rows}
    assert by_month[datetime.date(2026, 11, 1)] == (2, minutes(60), hours(3))
    assert by_month[datetime.date(2026, 10, 1)] == (2, hours(6), hours(24))
    assert by_month[datetime.date(2026, 9, 1)] == (1, hours(1), hours(2))
    assert by_month[datetime.date(2026, 8, 1)] == (0, None, None)


@time_machine.travel(NOW, tick=False)
def test_months_before_the_window_are_left_out(known_incidents):
    rows = selectors.response_times_by_month(known_incidents, months=2)
    assert [(row["month"], row["incidents"]) for row in rows] == [
        (datetime.date(2026, 10, 1), 2),
        (datetime.date(2026, 11, 1), 2),
    ]


def test_month_starts_cross_the_year_boundary():
    assert selectors.month_starts(3, utc(1, 20, year=2027)) == [
        datetime.date(2026, 11, 1),
        datetime.date(2026, 12, 1),
        datetime.date(2027, 1, 1),
    ]
