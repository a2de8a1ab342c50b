"""Fixtures of the reminder tests: a fixed clock, people and a sweep to run."""

import datetime

import pytest
import time_machine

# Monday 2 March 2026, 06:00 UTC: the daily sweep's hour, and the default weekly digest day.
NOW = datetime.datetime(2026, 3, 2, 6, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def clock():
    """The fixed clock (time stands still at NOW unless a test moves it)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
