"""The export tasks are the exports app's now: ``exports.run_export`` and
``exports.delete_expired_exports`` (they were ``reminders.…``).

Beat's schedules name a task by its name, so the periodic tasks that point at an old name
(the hourly "Delete expired exports" of the reminders app's ``0002_periodic_tasks``, and any an
administrator made) are pointed at the new one; a running beat is told its schedule changed.
"""

from django.db import migrations
from django.utils import timezone

RENAMED = {
    "reminders.run_export": "exports.run_export",
    "reminders.delete_expired_exports": "exports.delete_expired_exports",
}


def rename(apps, schema_editor, names=RENAMED):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    changed = 0
    for old, new in names.items():
        changed += PeriodicTask.objects.filter(task=old).update(task=new)
    if changed:
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, names={new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0001_initial"),
        ("reminders", "0002_periodic_tasks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
