"""Live risks counted per heat-map cell: from the tally on PostgreSQL, from the risks elsewhere.

The dashboard's heat maps, counts by level and coverage need, for the live risks of some teams,
how many sit in each (inherent cell, residual cell, mitigation in place) group. Counting the
risks themselves reads every live risk (~290 ms at a million, even from a covering index); on
PostgreSQL the database keeps :class:`~apps.risks.models.RiskTally` up to date with triggers
(migration 0008) and the same figures are a sum over a few thousand rows.
"""

from __future__ import annotations

from django.db import connections, router, transaction
from django.db.models import Count, F, Sum

from apps.risks.models import CELL_FIELDS, Risk, RiskTally


def is_kept(using: str) -> bool:
    """Whether the database behind ``using`` keeps the tally (its triggers are PostgreSQL's)."""
    return connections[using].vendor == "postgresql"


def cells(team_ids: list[int] | None) -> list[dict]:
    """The live risks of ``team_ids`` (every team for None) per group: dicts of the six
    :data:`CELL_FIELDS`, ``covered`` and ``n``; groups without a risk are left out."""
    using = router.db_for_read(Risk)
    if is_kept(using):
        tally = RiskTally.objects.using(using)
        if team_ids is not None:
            tally = tally.filter(team_id__in=team_ids)
        rows = tally.values(*CELL_FIELDS, "covered").annotate(n=Sum("n")).filter(n__gt=0).order_by()
    else:
        risks = Risk.objects.using(using).filter(archived_at__isnull=True)
        if team_ids is not None:
            risks = risks.filter(system__team_id__in=team_ids)
        rows = (
            risks.order_by()
            .values(*CELL_FIELDS, covered=F("has_mitigation_in_place"))
            .annotate(n=Count("pk"))
        )
    return list(rows)


def compact() -> int:
    """Fold the tally's rows into one per group (dropping the groups that came to nothing);
    returns how many rows fewer there are. One statement: rows appended meanwhile by other
    transactions are not seen by its delete and stay as they are, so nothing is lost."""
    using = router.db_for_write(RiskTally)
    if not is_kept(using):
        return 0
    connection = connections[using]
    table = connection.ops.quote_name(RiskTally._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(RiskTally._meta.get_field(name).column)
        for name in ["team", *CELL_FIELDS, "covered"]
    )
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH gone AS (DELETE FROM {table} RETURNING {columns}, "n"),
            kept AS (
                INSERT INTO {table} ({columns}, "n")
                SELECT {columns}, sum("n") FROM gone GROUP BY {columns} HAVING sum("n") <> 0
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM kept)
            """  # noqa: S608 — names from the model; no value in the statement
        )
        return cursor.fetchone()[0]
