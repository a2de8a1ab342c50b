"""Readings' time, indexed for volume on PostgreSQL: a BRIN index.

Readings arrive roughly in time order, so a block range index on ``timestamp`` is a few pages
for millions of rows and costs the intake almost nothing; the retention's deletes
(``timestamp < cutoff``) and any scan by time use it. The unique (metric, timestamp, source)
index serves a metric's own reads. Other databases keep just that one.
"""

from django.db import migrations

CREATE = [
    'CREATE INDEX IF NOT EXISTS "reading_timestamp_brin" ON "monitoring_reading" '
    'USING brin ("timestamp") WITH (pages_per_range = 32)',
]
DROP = ['DROP INDEX IF EXISTS "reading_timestamp_brin"']


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
