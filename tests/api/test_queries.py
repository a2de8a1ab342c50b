"""List endpoints make a fixed number of queries, whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.models import AuditEvent
from tests.factories import (
    AISystemFactory,
    IncidentFactory,
    MitigationFactory,
    ReviewFactory,
    RiskAcceptanceFactory,
    RiskFactory,
)

pytestmark = pytest.mark.django_db

# Token lookup (1) + the list's COUNT and SELECT + what each resource prefetches; a team
# member's client adds one query for their memberships (the scope of what they see).
PINNED = {
    "team-list": 4,  # + memberships with people
    "system-list": 3,
    "risk-list": 5,  # + framework references, mitigations
    "mitigation-list": 4,  # + risks
    "risk-template-list": 5,  # + framework references, suggested mitigations
    "acceptance-list": 3,
    "audit-event-list": 3,
    "incident-list": 5,  # + materialised risks, follow-up mitigations
    "review-list": 7,  # + versions, reviewers, decisions, required seats
}


def add_rows(team, n):
    for _ in range(n):
        system = AISystemFactory(team=team)
        risk = RiskFactory(system=system)
        RiskFactory(system=system)
        mitigation = MitigationFactory(system=system)
        mitigation.risks.add(risk)
        RiskAcceptanceFactory(risk=risk)
        IncidentFactory(system=system, materialised_risks=[risk])
        ReviewFactory(system=system)


def count_queries(client, url):
    client.get(url)  # warm caches that are per process, not per request (content types…)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200, response.content
    return len(queries), response.json()["count"]


@pytest.mark.parametrize("basename", sorted(PINNED))
def test_list_query_counts_are_pinned_and_constant(basename, api_for, team, auditor):
    client = api_for(auditor)
    url = reverse(f"api:{basename}")
    add_rows(team, 2)
    few, few_rows = count_queries(client, url)
    add_rows(team, 8)
    many, many_rows = count_queries(client, url)
    if basename not in ("risk-template-list", "team-list"):
        assert many_rows > few_rows
    assert few == many == PINNED[basename]


def test_a_team_member_pays_one_query_for_their_scope(api_for, team, contributor):
    add_rows(team, 3)
    queries, rows = count_queries(api_for(contributor), reverse("api:risk-list"))
    assert rows == 6
    assert queries == PINNED["risk-list"] + 1


def test_history_is_one_page_query(api_for, team, auditor):
    add_rows(team, 1)
    risk = RiskFactory(system=AISystemFactory(team=team))
    for n in range(5):
        risk.title = f"Renamed {n}"
        risk.save()
    assert AuditEvent.objects.filter(object_id=risk.pk, content_type__model="risk").count() == 6
    url = reverse("api:risk-history", args=[risk.pk])
    queries, rows = count_queries(api_for(auditor), url)
    assert rows == 6
    assert queries == 4  # token, the risk, COUNT, SELECT
