"""Concurrency and the real worker: two sweeps at once, and the sweep through Redis.

These need the real services: PostgreSQL for row locks between connections
(``@pytest.mark.postgres``), and ``REDIS_URL`` for a Celery worker that consumes from Redis. CI
sets both; without them the tests are skipped with the reason.
"""

import contextlib
import datetime
import re
import threading
import time
import uuid

import pytest
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import connections
from django.utils import timezone

from apps.reminders.models import Escalation, Notification, Reminder
from apps.reminders.services import run_sweep
from tests.factories import AISystemFactory, MitigationFactory, UserFactory

COUNT = re.compile(r"has (\d+) reminders? for you")
needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL, reason="needs REDIS_URL: a real Celery worker consumes from Redis"
)


@contextlib.contextmanager
def real_worker(concurrency=1):
    """A Celery worker in threads of this process, consuming from Redis on a queue of its own
    (so that no other worker takes the test's tasks); yields the queue's name."""
    from celery.contrib.testing.worker import start_worker

    from config import celery_app

    assert not celery_app.conf.task_always_eager
    queue = f"test-reminders-{uuid.uuid4().hex}"

    def close_connections(**kwargs):
        connections.close_all()  # the worker's threads end with the test

    task_postrun.connect(close_connections, weak=False)
    try:
        with start_worker(
            celery_app,
            pool="threads",
            concurrency=concurrency,
            queues=[queue],
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=30,
        ):
            yield queue
    finally:
        task_postrun.disconnect(close_connections)


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


def make_work(today, owners=8):
    """Each owner: a review coming due and two overdue mitigations (one escalated)."""
    committee = [UserFactory(is_committee_member=True) for _ in range(2)]
    people = [UserFactory() for _ in range(owners)]
    for person in people:
        AISystemFactory(business_owner=person, next_review_due=today + datetime.timedelta(days=7))
        MitigationFactory(owner=person, due_date=today - datetime.timedelta(days=2))
        MitigationFactory(owner=person, due_date=today - datetime.timedelta(days=9))
    return people + committee


def assert_everything_told_exactly_once(recipients, owners=8, committee=2):
    reminders = Reminder.objects.count()
    assert Escalation.objects.count() == owners  # one mitigation each, overdue past the delay
    assert reminders == owners * 3 + committee  # the committee: one of the day's escalations
    assert Notification.objects.count() == reminders
    assert not Reminder.objects.filter(notified_at__isnull=True).exists()
    assert not Reminder.objects.filter(emailed_at__isnull=True).exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in recipients)
    assert sum(int(COUNT.search(m.body).group(1)) for m in mail.outbox) == reminders


@pytest.mark.postgres
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_tell_nobody_anything_twice():
    today = timezone.localdate()
    recipients = make_work(today)
    start = threading.Barrier(2)
    errors = []

    def sweep():
        try:
            start.wait(timeout=10)
            run_sweep(today)  # no task lock: the database alone must keep it exactly-once
        except Exception as error:  # reported to the test thread below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert_everything_told_exactly_once(recipients)


@contextlib.contextmanager
def held_by_another_sweep(person):
    """``person``'s row locked, as a sweep delivering to them locks it, by another connection
    until the block ends."""
    from django.db import transaction

    from apps.accounts.models import User

    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                list(User.objects.select_for_update(no_key=True).filter(pk=person.pk))
                locked.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(timeout=10)
        yield
    finally:
        release.set()
        thread.join(timeout=60)


@pytest.mark.postgres
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_person_another_sweep_is_emailing_is_skipped_and_emailed_by_the_next_sweep():
    today = timezone.localdate()
    owner = UserFactory()
    MitigationFactory(owner=owner, due_date=today - datetime.timedelta(days=2))

    with held_by_another_sweep(owner):
        skipped = run_sweep(today)
    assert (skipped.notified, skipped.digests) == (1, 0)  # in-app at once, no e-mail…
    assert Notification.objects.filter(recipient=owner).count() == 1
    assert Reminder.objects.get().emailed_at is None

    later = run_sweep(today)

    assert (later.notified, later.digests) == (0, 1)  # …which the next sweep sends
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert Reminder.objects.get().emailed_at is not None


@pytest.mark.postgres
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reminder_not_yet_notified_of_a_person_another_sweep_holds_waits_for_the_next_sweep():
    from django.contrib.contenttypes.models import ContentType

    from apps.mitigations.models import Mitigation

    today = timezone.localdate()
    owner = UserFactory()
    reminder = Reminder.objects.create(
        recipient=owner,
        content_type=ContentType.objects.get_for_model(Mitigation),
        object_id=1,
        reason="mitigation_overdue",
        due_date=today,
        title="Not yet notified",
        url="/mitigations/1/",
    )

    with held_by_another_sweep(owner):
        assert run_sweep(today).notified == 0
    assert not Notification.objects.exists()

    assert run_sweep(today).notified == 1
    assert Notification.objects.get().reminder == reminder


@needs_redis
# serialized_rollback: the flush after the test would take the risk catalogues with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sweep_runs_on_a_real_worker_and_two_at_once_send_nothing_twice():
    from apps.reminders.tasks import daily_sweep

    today = timezone.localdate()
    recipients = make_work(today)
    finished = []

    def on_postrun(sender=None, task_id=None, **kwargs):
        if sender is not None and sender.name == daily_sweep.name:
            finished.append(task_id)

    task_postrun.connect(on_postrun, weak=False)
    try:
        with real_worker(concurrency=2) as queue:
            sent = [
                daily_sweep.apply_async(args=[today.isoformat()], queue=queue) for _ in range(2)
            ]
            wait_for(lambda: len(finished) == len(sent))
    finally:
        task_postrun.disconnect(on_postrun)

    assert sorted(finished) == sorted(result.id for result in sent)
    assert_everything_told_exactly_once(recipients)
