"""insert_rows: many rows in a few statements, values stored as the ORM would store them."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType

from apps.core.bulk import insert_rows
from apps.reminders.models import Reminder
from apps.systems.models import AISystem

pytestmark = pytest.mark.django_db

FIELDS = ["recipient", "content_type", "object_id", "reason", "due_date", "title", "url"]
WHEN = datetime.datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC)


def rows_for(user, count):
    content_type = ContentType.objects.get_for_model(AISystem)
    return [
        (user.pk, content_type.pk, n, "review_overdue", datetime.date(2026, 5, 1), f"R{n}", "/")
        for n in range(count)
    ]


def test_rows_are_inserted_with_their_values(contributor):
    inserted = insert_rows(
        Reminder, [*FIELDS, "created_at"], [(*row, WHEN) for row in rows_for(contributor, 3)]
    )
    assert inserted == 3
    reminder = Reminder.objects.get(object_id=2)
    assert (reminder.title, reminder.due_date, reminder.created_at) == (
        "R2",
        datetime.date(2026, 5, 1),
        WHEN,
    )
    assert Reminder.objects.filter(created_at__gte=WHEN).count() == 3


def test_conflicting_rows_are_skipped_when_asked(contributor):
    insert_rows(Reminder, [*FIELDS, "created_at"], [(*r, WHEN) for r in rows_for(contributor, 2)])
    inserted = insert_rows(
        Reminder,
        [*FIELDS, "created_at"],
        [(*row, WHEN) for row in rows_for(contributor, 5)],
        ignore_conflicts=True,
    )
    assert inserted == 3
    assert Reminder.objects.count() == 5


def test_many_rows_take_a_few_statements(contributor, django_assert_max_num_queries):
    rows = [(*row, WHEN) for row in rows_for(contributor, 2500)]
    with django_assert_max_num_queries(30):  # SQLite: 999 parameters a statement
        insert_rows(Reminder, [*FIELDS, "created_at"], rows)
    assert Reminder.objects.count() == 2500


def test_nothing_to_insert_makes_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert insert_rows(Reminder, FIELDS, []) == 0
