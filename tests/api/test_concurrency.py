"""Optimistic concurrency in the API: the ETag is the version; a stale If-Match is a 409."""

import pytest
from django.urls import reverse

from apps.accounts.models import Membership
from apps.risks import services as risk_services
from apps.risks.models import Risk
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(team):
    return MembershipFactory(team=team, role=Membership.Role.CONTRIBUTOR).user


def test_the_api_etag_follows_the_version(api_for, risk, contributor):
    url = reverse("api:risk-detail", args=[risk.pk])
    assert api_for("auditor").get(url)["ETag"] == f'"{risk.pk}-v1"'
    risk_services.update_risk(risk=risk, by=contributor, data={"title": "Renamed"})
    assert api_for("auditor").get(url)["ETag"] == f'"{risk.pk}-v2"'


def test_an_api_update_with_the_etag_of_an_older_version_is_a_409(api_for, risk, colleague):
    url = reverse("api:risk-detail", args=[risk.pk])
    client = api_for("contributor")
    etag = client.get(url)["ETag"]
    risk_services.update_risk(risk=risk, by=colleague, data={"title": "Theirs"})
    response = client.patch(url, {"title": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 409
    assert Risk.objects.get(pk=risk.pk).title == "Theirs"
