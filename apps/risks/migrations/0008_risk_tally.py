"""The risk tally (``RiskTally``): live risks per team and heat-map cell, kept by PostgreSQL.

Statement-level ``AFTER`` triggers with transition tables append, per statement, one row per
(team, cell, covered) whose count the statement changed, with the signed difference: inserting
10,000 risks in one statement costs one aggregate over them, not 10,000 trigger calls. A risk
counts while it is not archived; its team is its system's, so a system moving to another team
moves its risks' counts too (the trigger on the systems). The rows already there are counted
here once. Other databases have no tally: the dashboard counts the risks there.
"""

import django.db.models.deletion
from django.db import migrations, models

CELLS = (
    '"inherent_likelihood", "inherent_impact", "inherent_level", '
    '"residual_likelihood", "residual_impact", "residual_level"'
)
TALLY_COLUMNS = f'"team_id", {CELLS}, "covered", "n"'
RISK_CELLS = ", ".join(f"r.{column.strip()}" for column in CELLS.split(","))


# The live risks among ``rows`` (a transition table or the table itself), signed by ``sign``,
# as (team, cell, covered, difference) rows.
def signed(rows: str, sign: str) -> str:
    return (
        f'SELECT system."team_id", {RISK_CELLS}, '
        f'r."has_mitigation_in_place", {sign} AS d FROM {rows} AS r '
        'JOIN "systems_aisystem" AS system ON system."id" = r."system_id" '
        'WHERE r."archived_at" IS NULL'
    )


def append(changes: str) -> str:
    return (
        f'INSERT INTO "risks_risktally" ({TALLY_COLUMNS}) '
        f'SELECT "team_id", {CELLS}, "has_mitigation_in_place", sum(d) FROM ({changes}) AS change '
        f"GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(d) <> 0"
    )


CREATE = [
    f"""
    CREATE FUNCTION "risks_tally_risks"() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {append(signed("new_rows", "1"))};
        ELSIF TG_OP = 'DELETE' THEN
            {append(signed("old_rows", "-1"))};
        ELSE
            {append(signed("new_rows", "1") + " UNION ALL " + signed("old_rows", "-1"))};
        END IF;
        RETURN NULL;
    END
    $$
    """,
    'CREATE TRIGGER "risks_tally_insert" AFTER INSERT ON "risks_risk" '
    "REFERENCING NEW TABLE AS new_rows "
    'FOR EACH STATEMENT EXECUTE FUNCTION "risks_tally_risks"()',
    'CREATE TRIGGER "risks_tally_update" AFTER UPDATE ON "risks_risk" '
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    'FOR EACH STATEMENT EXECUTE FUNCTION "risks_tally_risks"()',
    'CREATE TRIGGER "risks_tally_delete" AFTER DELETE ON "risks_risk" '
    "REFERENCING OLD TABLE AS old_rows "
    'FOR EACH STATEMENT EXECUTE FUNCTION "risks_tally_risks"()',
    # A system given to another team takes its live risks' counts along.
    f"""
    CREATE FUNCTION "risks_tally_system_team"() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO "risks_risktally" ({TALLY_COLUMNS})
        SELECT moved."team_id", {RISK_CELLS},
            r."has_mitigation_in_place", sum(moved.d)
        FROM (
            SELECT new_rows."id", new_rows."team_id", 1 AS d
            FROM new_rows JOIN old_rows ON old_rows."id" = new_rows."id"
            WHERE new_rows."team_id" <> old_rows."team_id"
            UNION ALL
            SELECT old_rows."id", old_rows."team_id", -1
            FROM new_rows JOIN old_rows ON old_rows."id" = new_rows."id"
            WHERE new_rows."team_id" <> old_rows."team_id"
        ) AS moved
        JOIN "risks_risk" AS r ON r."system_id" = moved."id" AND r."archived_at" IS NULL
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(moved.d) <> 0;
        RETURN NULL;
    END
    $$
    """,
    'CREATE TRIGGER "risks_tally_system_team" AFTER UPDATE ON "systems_aisystem" '
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    'FOR EACH STATEMENT EXECUTE FUNCTION "risks_tally_system_team"()',
    # The risks already there, counted once.
    append(signed('"risks_risk"', "1")),
]
DROP = [
    'DROP TRIGGER IF EXISTS "risks_tally_system_team" ON "systems_aisystem"',
    'DROP FUNCTION IF EXISTS "risks_tally_system_team"()',
    'DROP TRIGGER IF EXISTS "risks_tally_delete" ON "risks_risk"',
    'DROP TRIGGER IF EXISTS "risks_tally_update" ON "risks_risk"',
    'DROP TRIGGER IF EXISTS "risks_tally_insert" ON "risks_risk"',
    'DROP FUNCTION IF EXISTS "risks_tally_risks"()',
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_sign_in"),
        ("risks", "0007_pending_acceptance_index"),
        ("systems", "0006_name_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="RiskTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("inherent_likelihood", models.PositiveSmallIntegerField()),
                ("inherent_impact", models.PositiveSmallIntegerField()),
                ("inherent_level", models.PositiveSmallIntegerField()),
                ("residual_likelihood", models.PositiveSmallIntegerField()),
                ("residual_impact", models.PositiveSmallIntegerField()),
                ("residual_level", models.PositiveSmallIntegerField()),
                ("covered", models.BooleanField(help_text="The risks have a mitigation in place.")),
                (
                    "n",
                    models.BigIntegerField(
                        help_text="How many risks: a signed difference until compacted."
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["team"], name="risk_tally_team_idx")],
            },
        ),
        migrations.AddIndex(
            model_name="risk",
            index=models.Index(
                condition=models.Q(("archived_at__isnull", True), ("status", "open")),
                fields=["treatment_due"],
                include=("system",),
                name="risk_open_due_idx",
            ),
        ),
        migrations.RunPython(run(CREATE), run(DROP)),
    ]
