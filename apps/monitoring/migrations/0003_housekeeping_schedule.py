"""The monitoring app's schedule, stored by django-celery-beat so that administrators see and
change it under Administration → Periodic tasks: ``monitoring.expire_readings`` every hour at
minute 40 (hourly roll-ups are brought up to date from the raw readings older than
``MONITORING_RAW_RETENTION_DAYS``, which are then deleted; the roll-ups stay).

Created only when missing (an administrator's changes survive re-running migrations); reversing
the migration removes the task.
"""

from django.db import migrations
from django.utils import timezone

NAME = "Expire raw metric readings"


def create_task(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if not PeriodicTask.objects.filter(name=NAME).exists():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute="40",
            hour="*",
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
        )
        PeriodicTask.objects.create(
            name=NAME,
            task="monitoring.expire_readings",
            crontab=crontab,
            description="Rolls up and deletes metric readings older than the retention "
            "(MONITORING_RAW_RETENTION_DAYS); the hourly roll-ups are kept for the charts.",
            enabled=True,
        )
    # Tell a running beat (DatabaseScheduler) that its schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_task(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_reading_time_brin"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_task, remove_task)]
