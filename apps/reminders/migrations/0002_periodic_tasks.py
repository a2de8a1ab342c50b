"""The reminders app's schedules, stored by django-celery-beat so that administrators see and
change them under Administration → Periodic tasks:

* the daily reminder sweep, every day at 06:00 UTC;
* the deletion of expired export files, every hour at minute 15.

Created only when missing (an administrator's changes survive re-running migrations); reversing
the migration removes the two tasks.
"""

from django.db import migrations
from django.utils import timezone

TASKS = [
    {
        "name": "Daily reminder sweep",
        "task": "reminders.daily_sweep",
        "crontab": {"minute": "0", "hour": "6"},
        "description": "Reminders of reviews, mitigations, acceptances and incidents; "
        "escalations to the committee; in-app notifications and e-mail digests.",
    },
    {
        "name": "Delete expired exports",
        "task": "reminders.delete_expired_exports",
        "crontab": {"minute": "15", "hour": "*"},
        "description": "Deletes export files a day after they were made.",
    },
]


def create_tasks(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for spec in TASKS:
        if PeriodicTask.objects.filter(name=spec["name"]).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
            **spec["crontab"],
        )
        PeriodicTask.objects.create(
            name=spec["name"],
            task=spec["task"],
            crontab=crontab,
            description=spec["description"],
            enabled=True,
        )
    # Tell a running beat (DatabaseScheduler) that its schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_tasks(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[spec["name"] for spec in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_tasks, remove_tasks)]
