"""The register's search on PostgreSQL reads its indexes (migration risks.0004)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict

from apps.risks.filters import RiskFilterSet
from apps.risks.models import Risk
from tests.factories import AISystemFactory, RiskFactory, insert_copies

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes"),
]


class Request:
    def __init__(self, user, query):
        self.user = user
        self.GET = QueryDict(query)


def search_plan(user, query: str) -> str:
    request = Request(user, query)
    # The risks alone, archived too (the register also joins their systems, teams and owners,
    # and keeps live risks, which the planner may start from instead): the search alone.
    filterset = RiskFilterSet(request.GET, queryset=Risk._base_manager.all(), request=request)
    queryset = filterset.filter_search(Risk._base_manager.all(), "q", request.GET["q"])
    with connection.cursor() as cursor:
        # Whether the search conditions can be answered from their indexes (bitmap scans), not
        # whether the planner prefers them here: it walks the order's index instead when many
        # risks match, as they do in this small, uniform table.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    return queryset.explain()


def many_risks(count: int) -> None:
    """``count`` copies of one risk (titles numbered), analysed: a register large enough that
    PostgreSQL plans as it would for a real one, written in one statement."""
    risk = RiskFactory(system=AISystemFactory(), title="Model drift", scenario="Seasonal shifts.")
    insert_copies(risk, count)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE risks_risk")


def test_search_uses_the_stored_text_vector_and_the_title_trigram_index(committee_member):
    many_risks(2000)
    plan = search_plan(committee_member, "q=prompt+injection")
    assert "risk_search_document_idx" in plan, plan
    assert "risk_title_trgm_idx" in plan
    assert "to_tsvector" not in plan  # read from the stored column, never computed per row


def test_the_stored_text_vector_follows_a_changed_scenario(team):
    risk = RiskFactory(
        system=AISystemFactory(team=team), title="Drift", scenario="Seasonal shifts in queries."
    )
    risk.scenario = "Prompt injection through uploaded files."
    risk.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_document @@ websearch_to_tsquery('english', 'uploaded file'), "
            "search_document @@ websearch_to_tsquery('english', 'seasonal') "
            "FROM risks_risk WHERE id = %s",
            [risk.pk],
        )
        assert cursor.fetchone() == (True, False)
