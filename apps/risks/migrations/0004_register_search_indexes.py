"""The register's search, indexed on PostgreSQL (other databases search without an index).

The register searches a risk's title and scenario with full-text search (stemmed words), and its
title by substring (``RiskFilterSet.filter_search``). Without help PostgreSQL computes every
risk's text vector on each search: about a second at 100,000 risks. Here:

* ``search_document``: the title and scenario as a text vector, a column PostgreSQL computes and
  stores itself (``GENERATED ALWAYS … STORED``), so nothing in the application maintains it and
  the ORM never sees it (the filter reads it by name), with a GIN index;
* a trigram index (pg_trgm) for the case-insensitive substring match on the title
  (``UPPER(title) LIKE UPPER('%…%')``).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

CREATE = [
    'ALTER TABLE "risks_risk" ADD COLUMN "search_document" tsvector GENERATED ALWAYS AS '
    "(to_tsvector('english'::regconfig, "
    "COALESCE(\"title\", '') || ' ' || COALESCE(\"scenario\", ''))) STORED",
    'CREATE INDEX "risk_search_document_idx" ON "risks_risk" USING gin ("search_document")',
    'CREATE INDEX "risk_title_trgm_idx" ON "risks_risk" '
    'USING gin ((UPPER("title"::text)) gin_trgm_ops)',
]
DROP = [
    'DROP INDEX IF EXISTS "risk_title_trgm_idx"',
    'DROP INDEX IF EXISTS "risk_search_document_idx"',
    'ALTER TABLE "risks_risk" DROP COLUMN IF EXISTS "search_document"',
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("risks", "0003_version"),
    ]

    operations = [
        TrigramExtension(),  # CREATE EXTENSION IF NOT EXISTS pg_trgm, on PostgreSQL only
        migrations.RunPython(run(CREATE), run(DROP)),
    ]
