"""Export jobs moved to their own app (``apps.exports``, its ``0001_initial``).

Only Django's idea of the models changes: the table ``reminders_exportjob`` stays where it is,
with its rows, and the exports app's model uses it under that name.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0003_drop_reminder_record_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ExportJob")],
            database_operations=[],
        ),
    ]
