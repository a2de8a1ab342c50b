"""A mitigation's owner can read it: members of the system's team, committee members and
administrators; the chooser lists only them and the service refuses anyone else as a new owner
(the pages and the API alike)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.mitigations import services
from apps.mitigations.models import Mitigation
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def test_the_owner_chooser_lists_only_people_who_can_read_the_mitigation(
    client_for, system, contributor, viewer, outsider, auditor, committee_member, administrator
):
    response = client_for(contributor).get(reverse("mitigations:create"), {"system": system.pk})
    offered = set(response.context["form"].fields["owner"].queryset)
    assert offered == {contributor, viewer, committee_member, administrator}
    assert outsider.email not in response.content.decode()


def test_a_committee_member_may_own_a_mitigation(system, contributor, committee_member):
    mitigation = services.create_mitigation(
        system=system,
        by=contributor,
        data={
            "title": "Weekly groundedness audit",
            "kind": "detection_response",
            "layer": "organisation",
            "owner": committee_member,
        },
    )
    assert mitigation.owner == committee_member


def test_the_service_refuses_a_new_owner_who_cannot_read_it(mitigation, contributor, auditor):
    versions = mitigation.history.count()
    with pytest.raises(ValidationError) as refused:
        services.update_mitigation(mitigation=mitigation, by=contributor, data={"owner": auditor})
    assert "auditors own no record" in refused.value.message_dict["owner"][0]
    mitigation.refresh_from_db()
    assert mitigation.owner == contributor
    assert mitigation.history.count() == versions


def test_an_owner_who_since_left_stays_while_other_fields_change(mitigation, contributor, outsider):
    Mitigation.objects.filter(pk=mitigation.pk).update(owner=outsider)
    updated = services.update_mitigation(
        mitigation=mitigation, by=contributor, data={"title": "Ground answers, reviewed weekly"}
    )
    assert updated.owner == outsider


def test_the_api_refuses_an_owner_who_cannot_read_it(system, contributor, outsider):
    response = token_client(contributor).post(
        reverse("api:mitigation-list"),
        {
            "system": system.reference,
            "title": "Rate limiting",
            "kind": "access_control",
            "layer": "application",
            "owner": outsider.email,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "cannot read Customer Experience's records" in response.json()["errors"]["owner"][0]
    assert not Mitigation.objects.exists()


def test_the_page_refuses_an_owner_it_did_not_offer(client_for, system, contributor, outsider):
    response = client_for(contributor).post(
        f"{reverse('mitigations:create')}?system={system.pk}",
        {
            "title": "Typed title",
            "kind": "access_control",
            "layer": "application",
            "owner": outsider.pk,
            "status": "planned",
            "change_reason": "",
        },
    )
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert response.context["form"]["title"].value() == "Typed title"
    assert not Mitigation.objects.exists()
