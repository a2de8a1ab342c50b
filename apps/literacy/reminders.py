"""Reminders of required trainings: a person is told when a training their roles require is
missing, has expired, or expires within 30 days.

Collected by the daily sweep (:mod:`apps.reminders.registry`), one reminder per person,
training and date — the expiry of their latest completion, or, while they never completed it,
the day it was first required — so that running the sweep again tells nobody twice, and a
renewed training that lapses again is a new reminder.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.literacy import selectors
from apps.literacy.models import Training
from apps.reminders.models import ReminderReason
from apps.reminders.registry import Candidate, collector, keyset_batches, when


@collector
def trainings_due(today: datetime.date):
    """Required trainings missing, expired or expiring within 30 days → the person."""
    required = selectors.required_trainings()
    if not required:
        return
    people = selectors.with_training_state(
        get_user_model().objects.filter(is_active=True), required, today
    ).filter(selectors.any_flag("due", required))
    fields = ["full_name"]
    for entry in required:
        pk = entry.training.pk
        fields += [f"req_{pk}", f"due_{pk}", f"done_{pk}", f"until_{pk}"]
    url = reverse("literacy:mine")
    for rows in keyset_batches(people, fields):
        batch = []
        for row in rows:
            for entry in required:
                pk = entry.training.pk
                if not row[f"due_{pk}"]:
                    continue
                name = entry.training.name
                until = row[f"until_{pk}"]
                if not row[f"done_{pk}"] or until is None:
                    due = entry.required_since or today
                    title = f"Required training “{name}” is not recorded for you yet"
                elif until < today:
                    due = until
                    title = f"Your training “{name}” expired on {until:%d %b %Y}"
                else:
                    due = until
                    title = (
                        f"Your training “{name}” expires {when(until, today)} ({until:%d %b %Y})"
                    )
                batch.append(
                    Candidate(
                        recipient_id=row["pk"],
                        model=Training,
                        object_id=pk,
                        reason=ReminderReason.TRAINING_DUE,
                        due_date=due,
                        title=title,
                        url=url,
                        responsible=row["full_name"],
                    )
                )
        yield batch
