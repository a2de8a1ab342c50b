"""The inventory's *Download CSV*: exactly the rows of the filtered list, the API export's
columns, only what the person may see."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from apps.systems.api.exports import SystemExporter
from tests.conftest import ROLES
from tests.export_files import csv_dicts
from tests.factories import AISystemFactory

pytestmark = pytest.mark.django_db

# Whose systems each role finds in the download: the own team's (``system``), the other team's.
SEES = {
    "contributor": (True, False),
    "viewer": (True, False),
    "outsider": (False, True),
    "committee_member": (True, True),
    "auditor": (True, True),
    "administrator": (True, True),
    "nobody": (False, False),
}


def download(client, **query) -> list[dict]:
    response = client.get(reverse("systems:export"), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return csv_dicts(b"".join(response.streaming_content))


def test_the_list_offers_the_download_with_its_filters(client_for, system):
    response = client_for("viewer").get(reverse("systems:list"), {"lifecycle_stage": "pilot"})
    assertContains(response, f'{reverse("systems:export")}?lifecycle_stage=pilot"')
    assertContains(response, "Download CSV (filtered)")


def test_the_download_has_exactly_the_filtered_rows(client_for, system, team):
    AISystemFactory(team=team, name="Fraud scoring", lifecycle_stage="pilot")
    rows = download(client_for("viewer"), lifecycle_stage="pilot")
    assert [row["name"] for row in rows] == ["Fraud scoring"]
    assert rows[0]["lifecycle_stage"] == "Pilot"


def test_the_download_follows_the_lists_search_and_order(client_for, system, team):
    AISystemFactory(team=team, name="Alpha chatbot")
    AISystemFactory(team=team, name="Beta chatbot")
    rows = download(client_for("viewer"), q="chatbot", ordering="-name")
    assert [row["name"] for row in rows] == ["Support chatbot", "Beta chatbot", "Alpha chatbot"]


def test_the_download_has_the_api_exports_columns(client_for, system):
    [row] = download(client_for("viewer"))
    assert list(row) == SystemExporter.header()
    assert row["reference"] == system.reference


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_each_role_downloads_only_the_systems_it_may_see(role, client_for, system, foreign_system):
    references = {row["reference"] for row in download(client_for(role), archived="all")}
    assert (system.reference in references, foreign_system.reference in references) == SEES[role]


def test_an_anonymous_visitor_is_asked_to_sign_in(client):
    response = client.get(reverse("systems:export"))
    assert response.status_code == 302
    assert "login" in response.url


def test_archived_systems_only_when_asked(client_for, system, team, contributor):
    archived = AISystemFactory(team=team, name="Retired bot")
    archived.archived_at = archived.created_at
    archived.save()
    assert [row["name"] for row in download(client_for(contributor))] == [system.name]
    everything = download(client_for(contributor), archived="all")
    assert {row["name"]: row["archived"] for row in everything} == {
        system.name: "no",
        "Retired bot": "yes",
    }


def test_the_download_makes_as_many_queries_for_many_systems_as_for_one(
    client_for, system, team, django_assert_max_num_queries
):
    client = client_for("auditor")
    with django_assert_max_num_queries(20) as few:
        download(client)
    for _ in range(15):
        AISystemFactory(team=team)
    with django_assert_max_num_queries(len(few)):
        assert len(download(client)) == 16
