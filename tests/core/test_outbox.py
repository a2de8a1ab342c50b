"""The transactional outbox: written with the change, delivered by the relay once, retried with
backoff, failed after its last attempt, retried by an administrator, counted by /metrics."""

import datetime
import io
import threading
import time

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connections, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.core import outbox, tasks
from apps.core.models import OutboxMessage, OutboxStatus
from config import celery_app
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

KIND = "tests.record"


@pytest.fixture
def delivered(monkeypatch):
    """A handler of its own kind for the test: it records each payload it delivers."""
    seen = []
    monkeypatch.setitem(outbox._handlers, KIND, seen.append)
    return seen


@pytest.fixture
def failing(monkeypatch):
    def handler(payload):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setitem(outbox._handlers, "tests.failing", handler)
    return "tests.failing"


@pytest.fixture
def eager():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def write(key="one", kind=KIND, **payload):
    outbox.enqueue(kind, payload or {"n": 1}, dedupe_key=key)
    return OutboxMessage.objects.get(dedupe_key=key)


# --- Writing --------------------------------------------------------------------------------------
def test_a_message_is_written_in_the_changes_transaction_and_goes_with_its_rollback(delivered):
    with pytest.raises(RuntimeError), transaction.atomic():
        TeamFactory(name="Rolled back")
        outbox.enqueue(KIND, {"n": 1}, dedupe_key="rolled-back")
        raise RuntimeError("the change fails")

    assert not OutboxMessage.objects.filter(dedupe_key="rolled-back").exists()


def test_the_same_dedupe_key_writes_one_message(delivered):
    write("same", n=1)
    write("same", n=2)

    assert OutboxMessage.objects.filter(dedupe_key="same").count() == 1
    assert OutboxMessage.objects.get(dedupe_key="same").payload == {"n": 1}


def test_a_kind_without_a_handler_is_refused_when_written():
    with pytest.raises(ValueError, match=r"No outbox handler registered for: tests\.nobody"):
        outbox.enqueue("tests.nobody", {}, dedupe_key="x")


def test_one_relay_request_for_the_messages_written_together(
    delivered, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        outbox.enqueue_many(outbox.Message(KIND, {"n": n}, f"m{n}") for n in range(3))

    assert len(callbacks) == 1
    assert sorted(callbacks[0].keys) == ["m0", "m1", "m2"]
    assert len(delivered) == 3  # eager tasks: relayed in the request, after the commit
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}


def test_the_after_commit_relay_delivers_only_that_transactions_messages(
    delivered, eager, django_capture_on_commit_callbacks
):
    write("earlier", n=0)  # pending, from before (its relay request was never run)
    with django_capture_on_commit_callbacks(execute=True):
        write("now", n=1)

    assert delivered == [{"n": 1}]
    assert OutboxMessage.objects.get(dedupe_key="earlier").status == OutboxStatus.PENDING


# --- Relaying -------------------------------------------------------------------------------------
def test_the_relay_delivers_pending_messages_oldest_first_and_marks_them_sent(delivered):
    write("first", n=1)
    write("second", n=2)

    result = outbox.relay()

    assert (result.sent, result.retried, result.failed) == (2, 0, 0)
    assert delivered == [{"n": 1}, {"n": 2}]
    message = OutboxMessage.objects.get(dedupe_key="first")
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.SENT, 1, "")
    assert message.sent_at is not None


def test_a_sent_message_is_never_delivered_again(delivered):
    write()
    outbox.relay()
    outbox.relay()

    assert len(delivered) == 1


def test_a_failing_handler_leaves_its_message_pending_with_the_error_and_a_backoff(failing):
    message = write(kind=failing)
    before = timezone.now()

    result = outbox.relay()

    message.refresh_from_db()
    assert (result.sent, result.retried) == (0, 1)
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert "ConnectionRefusedError: mail server down" in message.last_error
    assert message.next_attempt_at >= before + datetime.timedelta(seconds=30)


def test_a_message_waiting_for_its_backoff_is_not_tried_before_its_time(failing):
    message = write(kind=failing)
    outbox.relay()

    assert outbox.relay().retried == 0  # not due yet
    message.refresh_from_db()
    assert message.attempts == 1


def test_the_backoff_doubles_up_to_an_hour():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert outbox.backoff(20) == datetime.timedelta(hours=1)


def test_after_its_last_attempt_a_message_is_failed(failing):
    message = write(kind=failing)
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)

    result = outbox.relay()

    message.refresh_from_db()
    assert result.failed == 1
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, outbox.MAX_ATTEMPTS)
    assert outbox.relay().failed == 0  # a failed message waits for an administrator


def test_a_failing_handlers_writes_are_undone_but_its_error_is_kept(monkeypatch):
    def handler(payload):
        TeamFactory(name="Half-written by a handler")
        raise ValueError("then it fails")

    monkeypatch.setitem(outbox._handlers, "tests.half", handler)
    message = write(kind="tests.half")

    outbox.relay()

    message.refresh_from_db()
    assert "ValueError: then it fails" in message.last_error
    assert not TeamFactory._meta.model.objects.filter(name="Half-written by a handler").exists()


def test_a_message_whose_handler_was_removed_stays_pending_with_the_reason(delivered, monkeypatch):
    message = write()
    monkeypatch.delitem(outbox._handlers, KIND)

    outbox.relay()

    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert "No outbox handler registered for 'tests.record'" in message.last_error


def test_the_relay_stops_at_its_limit(delivered):
    for n in range(3):
        write(f"m{n}", n=n)

    assert outbox.relay(limit=2).sent == 2
    assert outbox.relay(limit=2).sent == 1


def test_retry_puts_failed_messages_back_in_line_and_leaves_sent_ones_alone(delivered, failing):
    failed = write("failed", kind=failing)
    sent = write("sent")
    OutboxMessage.objects.filter(pk=failed.pk).update(
        status=OutboxStatus.FAILED, attempts=outbox.MAX_ATTEMPTS
    )
    OutboxMessage.objects.filter(pk=sent.pk).update(status=OutboxStatus.SENT)

    assert outbox.retry(OutboxMessage.objects.all()) == 1

    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxStatus.PENDING, 0)
    assert failed.next_attempt_at <= timezone.now()
    assert OutboxMessage.objects.get(pk=sent.pk).status == OutboxStatus.SENT


def test_the_backlog_counts_pending_and_failed_and_the_oldest_pending_age(delivered):
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=5), tick=False):
        write("old")
    write("new")
    failed = write("failed")
    OutboxMessage.objects.filter(pk=failed.pk).update(status=OutboxStatus.FAILED)

    figures = outbox.backlog()

    assert (figures["pending"], figures["failed"]) == (2, 1)
    assert 299 <= figures["oldest_pending_age_seconds"] <= 330


def test_an_empty_backlog_has_no_age():
    assert outbox.backlog() == {"pending": 0, "failed": 0, "oldest_pending_age_seconds": 0.0}


# --- Beat's task and the command ------------------------------------------------------------------
def test_beat_relays_the_outbox_every_minute():
    task = PeriodicTask.objects.get(name="Relay the outbox")

    assert task.task == tasks.relay_outbox.name == "core.relay_outbox"
    assert (task.interval.every, task.interval.period) == (1, "minutes")
    assert task.enabled


def test_the_worker_knows_the_relay_task_and_runs_it_late_acked():
    celery_app.loader.import_default_modules()
    task = celery_app.tasks["core.relay_outbox"]
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True


def test_the_relay_task_delivers_and_reports(delivered):
    write()
    assert tasks.relay_outbox() == {"sent": 1, "retried": 0, "failed": 0}


def test_the_command_relays_and_reports_the_backlog(delivered, failing):
    write("ok")
    write("bad", kind=failing)
    out = io.StringIO()

    call_command("relay_outbox", stdout=out)

    assert "1 sent, 1 to retry, 0 failed" in out.getvalue()
    assert "Pending: 1, failed: 0." in out.getvalue()


def test_the_command_retries_failed_messages_first_when_asked(delivered):
    message = write()
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.FAILED)
    out = io.StringIO()

    call_command("relay_outbox", "--retry-failed", stdout=out)

    assert "1 failed message back in line." in out.getvalue()
    assert len(delivered) == 1


@pytest.mark.parametrize(
    ("option", "error"),
    [(["--limit", "0"], "--limit must be at least 1."), (["--watch", "0"], "--watch takes")],
)
def test_the_command_refuses_bad_options(option, error):
    with pytest.raises(CommandError, match=error):
        call_command("relay_outbox", *option)


# --- Two relays at once ---------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_relays_at_once_deliver_each_message_exactly_once(monkeypatch):
    """Each relay locks the row it delivers (FOR UPDATE SKIP LOCKED): the other takes the next
    one instead of waiting, and no row is delivered twice."""
    deliveries = []
    lock = threading.Lock()

    def slow(payload):
        time.sleep(0.02)  # long enough for the two relays to overlap on every row
        with lock:
            deliveries.append((threading.current_thread().name, payload["n"]))

    monkeypatch.setitem(outbox._handlers, "tests.slow", slow)
    for n in range(40):
        outbox.enqueue("tests.slow", {"n": n}, dedupe_key=f"slow:{n}")
    start = threading.Barrier(2)
    errors = []

    def run():
        try:
            start.wait(timeout=10)
            outbox.relay()
        except Exception as error:  # reported to the test thread below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, name=f"relay-{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(n for _, n in deliveries) == list(range(40))  # each once
    assert {name for name, _ in deliveries} == {"relay-0", "relay-1"}  # both worked
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 40
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
