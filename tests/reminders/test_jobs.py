"""How the jobs run: beat's schedule, the Celery tasks, the command, the administration site."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from apps.reminders import services, tasks
from apps.reminders.models import Reminder, ReminderSettings
from config import celery_app
from tests.factories import MitigationFactory
from tests.reminders.conftest import TODAY, days

pytestmark = pytest.mark.django_db


def test_beat_runs_the_sweep_every_day_at_six_utc():
    task = PeriodicTask.objects.get(name="Daily reminder sweep")

    assert task.enabled
    assert task.task == tasks.daily_sweep.name == "reminders.daily_sweep"
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("0", "6", "*")
    assert str(crontab.timezone) == "UTC"


@pytest.mark.parametrize("name", ["reminders.daily_sweep"])
def test_the_worker_knows_every_scheduled_task(name):
    celery_app.loader.import_default_modules()
    assert name in celery_app.tasks
    task = celery_app.tasks[name]
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True


def test_the_sweep_task_runs_the_sweep(clock):
    MitigationFactory(due_date=days(-2))

    result = tasks.daily_sweep.apply(args=[TODAY.isoformat()]).get()

    assert result["candidates"] == 1
    assert result["notified"] == 1
    assert Reminder.objects.count() == 1


def test_the_sweep_task_stands_aside_while_another_sweep_runs(clock):
    lock = services.SweepLock()
    assert lock.acquire()
    try:
        assert tasks.daily_sweep.apply(args=[TODAY.isoformat()]).get() == {
            "skipped": "another sweep is running"
        }
    finally:
        lock.release()


def test_run_reminders_runs_the_sweep_without_a_worker(clock, mailoutbox):
    MitigationFactory(due_date=days(-2))
    out = io.StringIO()

    call_command("run_reminders", stdout=out)

    assert "1 reminders found (0 escalations), 1 new notifications, 1 digests e-mailed" in (
        out.getvalue()
    )
    assert len(mailoutbox) == 1


def test_run_reminders_takes_a_date(clock):
    MitigationFactory(due_date=days(5))
    out = io.StringIO()

    call_command("run_reminders", "--date", days(6).isoformat(), stdout=out)

    assert f"Sweep of {days(6)}" in out.getvalue()
    assert Reminder.objects.count() == 1


def test_run_reminders_refuses_a_bad_date():
    with pytest.raises(CommandError, match="--date"):
        call_command("run_reminders", "--date", "yesterday")


def test_run_reminders_refuses_to_run_beside_another_sweep():
    lock = services.SweepLock()
    assert lock.acquire()
    try:
        with pytest.raises(CommandError, match="Another reminder sweep is running"):
            call_command("run_reminders")
    finally:
        lock.release()


# --- Administration -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url_name",
    [
        "admin:reminders_remindersettings_changelist",
        "admin:reminders_reminder_changelist",
        "admin:reminders_notification_changelist",
        "admin:reminders_notificationpreference_changelist",
        "admin:django_celery_beat_periodictask_changelist",
    ],
)
def test_administrator_opens_the_reminder_admin_pages(url_name, client_for):
    assert client_for("administrator").get(reverse(url_name)).status_code == 200


def test_administrator_changes_the_escalation_delay(client_for):
    ReminderSettings.load()

    response = client_for("administrator").post(
        reverse("admin:reminders_remindersettings_change", args=[1]),
        {"escalate_after_days": 14, "weekly_digest_day": 4},
    )

    assert response.status_code == 302
    config = ReminderSettings.load()
    assert (config.escalate_after_days, config.weekly_digest_day) == (14, 4)
    assert config.history.count() == 2


def test_the_escalation_delay_is_at_least_one_day(client_for):
    ReminderSettings.load()

    response = client_for("administrator").post(
        reverse("admin:reminders_remindersettings_change", args=[1]),
        {"escalate_after_days": 0, "weekly_digest_day": 0},
    )

    assert response.status_code == 200
    assert ReminderSettings.load().escalate_after_days == 7
