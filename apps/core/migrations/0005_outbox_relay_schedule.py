"""The outbox relay's schedule, stored by django-celery-beat so that administrators see and change
it under Administration → Periodic tasks: ``core.relay_outbox`` every minute.

Created only when missing (an administrator's changes survive re-running migrations); reversing
the migration removes the task.
"""

from django.db import migrations
from django.utils import timezone

NAME = "Relay the outbox"


def create_task(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if not PeriodicTask.objects.filter(name=NAME).exists():
        every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
        PeriodicTask.objects.create(
            name=NAME,
            task="core.relay_outbox",
            interval=every_minute,
            description="Delivers the outbox's pending messages (notification e-mails, export "
            "jobs), with retries and backoff; see Administration → Outbox messages.",
            enabled=True,
        )
    # Tell a running beat (DatabaseScheduler) that its schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_task(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_task, remove_task)]
