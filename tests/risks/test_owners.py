"""A risk's owner can read the risk: the chooser offers only such people, and the service refuses
anyone else as a new owner, from the page, the API and a spreadsheet import alike."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.risks import imports, services
from apps.risks.imports import RowError
from apps.risks.models import Risk
from tests.api.conftest import token_client
from tests.risks.test_import import csv_file, row
from tests.risks.test_views import valid_form

pytestmark = pytest.mark.django_db


def test_the_owner_chooser_lists_only_people_who_can_read_the_risk(
    client_for, system, contributor, viewer, outsider, auditor, committee_member, nobody
):
    response = client_for(contributor).get(reverse("risks:create"), {"system": system.pk})
    offered = set(response.context["form"].fields["owner"].queryset)
    assert offered == {contributor, viewer, committee_member}
    for hidden in (outsider, auditor, nobody):
        assert hidden.email not in response.content.decode()


def test_the_edit_form_offers_the_same_people_and_the_current_owner(
    client_for, risk, contributor, viewer, outsider
):
    Risk.objects.filter(pk=risk.pk).update(owner=outsider)  # someone who since left the team
    response = client_for(contributor).get(reverse("risks:edit", args=[risk.pk]))
    assert set(response.context["form"].fields["owner"].queryset) == {
        contributor,
        viewer,
        outsider,
    }


def test_the_page_refuses_an_owner_from_another_team_and_keeps_what_was_typed(
    client_for, system, contributor, outsider, hallucination
):
    data = valid_form(hallucination, outsider, title="Typed title")
    response = client_for(contributor).post(f"{reverse('risks:create')}?system={system.pk}", data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"owner"}
    assert response.context["form"]["title"].value() == "Typed title"
    assert not Risk.objects.exists()


def test_the_service_refuses_a_new_owner_who_cannot_read_the_risk(
    system, contributor, outsider, hallucination
):
    data = {
        "title": "Invented refund policy",
        "scenario": "The assistant states refund terms that do not exist.",
        "category": hallucination,
        "owner": outsider,
        "inherent_likelihood": 4,
        "inherent_impact": 4,
        "residual_likelihood": 2,
        "residual_impact": 3,
        "treatment": "mitigate",
        "status": "open",
    }
    with pytest.raises(ValidationError) as refused:
        services.create_risk(system=system, by=contributor, data=data)
    assert refused.value.message_dict["owner"] == [
        f"{outsider} cannot read Customer Experience's records: choose a member of Customer "
        "Experience, a committee member or an administrator."
    ]
    assert not Risk.objects.exists()


def test_a_committee_member_may_own_a_risk(risk, contributor, committee_member):
    updated = services.update_risk(risk=risk, by=contributor, data={"owner": committee_member})
    assert updated.owner == committee_member
    assert updated.history.first().history_user == contributor


def test_changing_the_owner_to_an_auditor_is_refused_and_nothing_changes(
    risk, contributor, auditor
):
    with pytest.raises(ValidationError, match="auditors own no record"):
        services.update_risk(risk=risk, by=contributor, data={"owner": auditor})
    risk.refresh_from_db()
    assert risk.owner == contributor
    assert risk.history.count() == 1


def test_an_owner_who_since_left_stays_while_other_fields_change(risk, contributor, outsider):
    Risk.objects.filter(pk=risk.pk).update(owner=outsider)
    updated = services.update_risk(risk=risk, by=contributor, data={"title": "Renamed"})
    assert (updated.title, updated.owner) == ("Renamed", outsider)


def test_the_api_refuses_an_owner_who_cannot_read_the_risk(system, contributor, outsider):
    payload = {
        "system": system.reference,
        "title": "Leaks account numbers in answers",
        "scenario": "A customer asks about another account and gets its number.",
        "category": "privacy/data-leakage",
        "owner": outsider.email,
        "inherent_likelihood": 3,
        "inherent_impact": 5,
        "residual_likelihood": 2,
        "residual_impact": 4,
    }
    response = token_client(contributor).post(reverse("api:risk-list"), payload, format="json")
    assert response.status_code == 400
    assert "cannot read Customer Experience's records" in response.json()["errors"]["owner"][0]
    assert not Risk.objects.exists()


def test_an_import_row_owned_by_an_outsider_is_refused_and_nothing_is_written(
    system, contributor, outsider
):
    result = imports.import_risks(
        system=system, by=contributor, upload=csv_file([row(contributor), row(outsider, title="B")])
    )
    assert [(error.row, error.column) for error in result.errors] == [(3, "owner")]
    assert isinstance(result.errors[0], RowError)
    assert "cannot read" in result.errors[0].message
    assert not Risk.objects.exists()
