"""The mitigations list's *Download CSV*: exactly the rows of the filtered list, the API export's
columns, only what the person may see."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from apps.mitigations.api.exports import MitigationExporter
from tests.conftest import ROLES
from tests.export_files import csv_dicts
from tests.factories import MitigationFactory, RiskFactory

pytestmark = pytest.mark.django_db

# Whose mitigations each role finds in the download: the own team's, the other team's.
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
    response = client.get(reverse("mitigations:export"), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return csv_dicts(b"".join(response.streaming_content))


def test_the_list_offers_the_download_with_its_filters(client_for, mitigation):
    response = client_for("viewer").get(reverse("mitigations:list"), {"status": "planned"})
    assertContains(response, f'{reverse("mitigations:export")}?status=planned"')
    assertContains(response, "Download CSV (filtered)")


def test_the_download_has_exactly_the_filtered_rows(client_for, mitigation, system):
    MitigationFactory(system=system, title="Access control", status="implemented")
    rows = download(client_for("viewer"), status="implemented")
    assert [row["title"] for row in rows] == ["Access control"]
    assert rows[0]["status"] == "Implemented"


def test_the_download_keeps_the_risk_filter_of_a_risks_page(client_for, system):
    risk = RiskFactory(system=system)
    linked = MitigationFactory(system=system, title="Linked", risks=[risk])
    MitigationFactory(system=system, title="Not linked")
    rows = download(client_for("viewer"), risk=risk.pk)
    assert [row["reference"] for row in rows] == [linked.reference]
    assert rows[0]["risks"] == risk.reference


def test_the_download_has_the_api_exports_columns(client_for, mitigation):
    [row] = download(client_for("viewer"))
    assert list(row) == MitigationExporter.header()


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_each_role_downloads_only_the_mitigations_it_may_see(
    role, client_for, mitigation, foreign_mitigation
):
    references = {row["reference"] for row in download(client_for(role))}
    seen = (mitigation.reference in references, foreign_mitigation.reference in references)
    assert seen == SEES[role]


def test_an_anonymous_visitor_is_asked_to_sign_in(client):
    response = client.get(reverse("mitigations:export"))
    assert response.status_code == 302
    assert "login" in response.url


def test_the_download_makes_as_many_queries_for_many_mitigations_as_for_one(
    client_for, mitigation, system, django_assert_max_num_queries
):
    client = client_for("auditor")
    with django_assert_max_num_queries(20) as few:
        download(client)
    for n in range(15):
        MitigationFactory(system=system, risks=[RiskFactory(system=system, title=f"Risk {n}")])
    with django_assert_max_num_queries(len(few)):
        assert len(download(client)) == 16
