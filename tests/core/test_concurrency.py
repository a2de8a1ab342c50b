"""Optimistic concurrency: a form or an API client never overwrites a change it did not see."""

import datetime

import pytest
from django.urls import reverse

from apps.core.concurrency import EditConflict
from apps.incidents import services as incident_services
from apps.mitigations import services as mitigation_services
from apps.risks import services as risk_services
from apps.risks.models import Risk
from apps.systems import services as system_services
from tests.factories import IncidentFactory, MitigationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(team):
    from apps.accounts.models import Membership
    from tests.factories import MembershipFactory

    return MembershipFactory(team=team, role=Membership.Role.CONTRIBUTOR).user


def post_data_of(form) -> dict:
    """What a browser would post for ``form`` as rendered, unchanged."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        elif isinstance(value, datetime.datetime):
            data[bound.html_name] = value.strftime("%Y-%m-%dT%H:%M")
        else:
            data[bound.html_name] = str(value)
    return data


# --- The version --------------------------------------------------------------------------------
def test_a_record_starts_at_version_1_and_each_save_adds_one(risk, contributor):
    assert risk.version == 1
    risk_services.update_risk(risk=risk, by=contributor, data={"title": "Renamed"})
    risk_services.update_risk(risk=risk, by=contributor, data={"title": "Renamed again"})
    assert Risk.objects.get(pk=risk.pk).version == 3


def test_a_save_of_some_fields_also_stores_the_new_version(risk):
    risk.title = "Partly saved"
    risk.save(update_fields=["title"])
    assert Risk.objects.get(pk=risk.pk).version == 2


def test_history_keeps_the_version_of_each_change(risk, contributor):
    risk_services.update_risk(risk=risk, by=contributor, data={"title": "Renamed"})
    assert sorted(risk.history.values_list("version", flat=True)) == [1, 2]


# --- The services -------------------------------------------------------------------------------
def test_an_edit_from_a_stale_version_of_the_same_field_is_refused_and_writes_nothing(
    risk, contributor, colleague
):
    risk_services.update_risk(risk=risk, by=colleague, data={"title": "Their title"})
    with pytest.raises(EditConflict) as raised:
        risk_services.update_risk(
            risk=risk, by=contributor, data={"title": "My title"}, expected_version=1
        )
    conflict = raised.value
    assert [(c.label, c.theirs, c.yours) for c in conflict.conflicts] == [
        ("Title", "Their title", "My title")
    ]
    assert conflict.by == colleague and conflict.version == 2
    assert colleague.full_name in str(conflict)
    assert Risk.objects.get(pk=risk.pk).title == "Their title"
    assert risk.history.count() == 2


def test_an_edit_from_a_stale_version_of_other_fields_keeps_both_changes(
    risk, contributor, colleague
):
    risk_services.update_risk(risk=risk, by=colleague, data={"scenario": "Their text"})
    risk_services.update_risk(
        risk=risk, by=contributor, data={"title": "My title"}, expected_version=1
    )
    saved = Risk.objects.get(pk=risk.pk)
    assert (saved.title, saved.scenario, saved.version) == ("My title", "Their text", 3)


def test_saving_what_the_other_person_saved_is_no_conflict(risk, contributor, colleague):
    risk_services.update_risk(risk=risk, by=colleague, data={"title": "Same title"})
    risk_services.update_risk(
        risk=risk, by=contributor, data={"title": "Same title"}, expected_version=1
    )
    assert Risk.objects.get(pk=risk.pk).version == 3


def test_each_edit_service_refuses_a_stale_version(system, risk, contributor, colleague):
    mitigation = MitigationFactory(system=system, title="Grounding")
    incident = IncidentFactory(system=system, title="Refund invented")
    cases = [
        (system_services.update_system, "system", system, "name"),
        (mitigation_services.update_mitigation, "mitigation", mitigation, "title"),
        (incident_services.update_incident, "incident", incident, "title"),
    ]
    for update, keyword, record, field in cases:
        update(**{keyword: record}, by=colleague, data={field: "Theirs"})
        stale = type(record).objects.get(pk=record.pk).version - 1
        with pytest.raises(EditConflict):
            update(
                **{keyword: record}, by=contributor, data={field: "Mine"}, expected_version=stale
            )
        assert getattr(type(record).objects.get(pk=record.pk), field) == "Theirs"


# --- The forms ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kind, field",
    [("risk", "title"), ("system", "name"), ("mitigation", "title"), ("incident", "title")],
)
def test_a_form_saved_after_someone_else_saved_shows_both_versions_and_loses_nothing(
    kind, field, client_for, system, risk, colleague
):
    records = {
        "risk": risk,
        "system": system,
        "mitigation": MitigationFactory(system=system, title="Grounding"),
        "incident": IncidentFactory(system=system, title="Refund invented"),
    }
    record = records[kind]
    url = reverse(f"{kind}s:edit", args=[record.pk])
    client = client_for("contributor")
    data = post_data_of(client.get(url).context["form"])
    assert data["version"] == str(record.version)

    update = {
        "risk": risk_services.update_risk,
        "system": system_services.update_system,
        "mitigation": mitigation_services.update_mitigation,
        "incident": incident_services.update_incident,
    }[kind]
    update(**{kind: record}, by=colleague, data={field: "Saved by a colleague"})

    data[field] = "Typed in the open form"
    response = client.post(url, data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Saved by a colleague" in page and "Typed in the open form" in page
    assert colleague.full_name in page
    assert getattr(type(record).objects.get(pk=record.pk), field) == "Saved by a colleague"

    data["version"] = response.context["form"].data["version"]  # as re-rendered in the page
    assert client.post(url, data).status_code == 302
    assert getattr(type(record).objects.get(pk=record.pk), field) == "Typed in the open form"


def test_a_create_form_has_no_version(client_for, system):
    response = client_for("contributor").get(reverse("risks:create"), {"system": system.pk})
    assert "version" not in response.context["form"].fields


# --- The merge: only the fields a person changed are theirs --------------------------------------
EDITS = {  # per kind: the field one person changes, and the field the other changes
    "risk": ("title", "scenario"),
    "system": ("name", "purpose"),
    "mitigation": ("title", "description"),
    "incident": ("title", "description"),
}


def _record_of(kind, system, risk):
    return {
        "risk": lambda: risk,
        "system": lambda: system,
        "mitigation": lambda: MitigationFactory(system=system, title="Grounding"),
        "incident": lambda: IncidentFactory(system=system, title="Refund invented"),
    }[kind]()


@pytest.mark.parametrize("kind", list(EDITS))
def test_two_people_editing_different_fields_through_the_form_both_keep_their_change(
    kind, client_for, system, risk, colleague
):
    record = _record_of(kind, system, risk)
    url = reverse(f"{kind}s:edit", args=[record.pk])
    mine, theirs = client_for("contributor"), client_for(colleague)
    my_form = post_data_of(mine.get(url).context["form"])
    their_form = post_data_of(theirs.get(url).context["form"])
    my_field, their_field = EDITS[kind]

    their_form[their_field] = "Changed by the colleague"
    assert theirs.post(url, their_form).status_code == 302
    my_form[my_field] = "Changed by me"
    response = mine.post(url, my_form)  # every field posted, from the version first read

    assert response.status_code == 302, response.context["form"].errors
    saved = type(record).objects.get(pk=record.pk)
    assert getattr(saved, my_field) == "Changed by me"
    assert getattr(saved, their_field) == "Changed by the colleague"
    assert saved.version == record.version + 2


def test_a_conflict_page_carries_their_other_changes_so_saving_again_loses_none(
    client_for, risk, colleague
):
    url = reverse("risks:edit", args=[risk.pk])
    client = client_for("contributor")
    data = post_data_of(client.get(url).context["form"])
    risk_services.update_risk(
        risk=risk, by=colleague, data={"title": "Their title", "scenario": "Their scenario"}
    )

    data["title"] = "My title"
    conflict = client.post(url, data)
    assert conflict.status_code == 409
    form = conflict.context["form"]
    assert form["scenario"].value() == "Their scenario"  # not theirs to lose on the next save
    assert form["title"].value() == "My title"
    assert "Scenario, which you had not changed, are now in the form" in conflict.text

    again = dict(data, version=form.data["version"], scenario=form.data["scenario"])
    assert client.post(url, again).status_code == 302
    saved = Risk.objects.get(pk=risk.pk)
    assert (saved.title, saved.scenario) == ("My title", "Their scenario")


def test_a_stale_edit_sending_unchanged_values_keeps_what_others_saved(
    risk, contributor, colleague
):
    read = {"title": risk.title, "scenario": risk.scenario, "status": risk.status}
    risk_services.update_risk(risk=risk, by=colleague, data={"scenario": "Their scenario"})
    risk_services.update_risk(
        risk=risk, by=contributor, data=read | {"status": "treated"}, expected_version=1
    )
    saved = Risk.objects.get(pk=risk.pk)
    assert (saved.scenario, saved.status) == ("Their scenario", "treated")


def test_a_related_record_counts_by_its_key(risk, contributor, colleague):
    """A form posts the owner as a record; the history keeps its key: unchanged is unchanged."""
    risk_services.update_risk(risk=risk, by=colleague, data={"owner": colleague})
    risk_services.update_risk(
        risk=risk,
        by=contributor,
        data={"owner": risk.owner, "title": "Renamed"},
        expected_version=1,
    )
    saved = Risk.objects.get(pk=risk.pk)
    assert (saved.owner, saved.title) == (colleague, "Renamed")


def test_links_changed_on_both_sides_are_a_conflict_and_links_left_alone_are_kept(
    risk, contributor, colleague
):
    from apps.risks.models import FrameworkReference

    first, second, third = FrameworkReference.objects.order_by("pk")[:3]
    risk_services.update_risk(risk=risk, by=colleague, data={"framework_references": [first]})
    read = risk.history.order_by("-history_id").first().version
    risk_services.update_risk(
        risk=risk, by=colleague, data={"framework_references": [first, second]}
    )

    risk_services.update_risk(
        risk=risk,
        by=contributor,
        data={"framework_references": [first], "title": "Renamed"},
        expected_version=read,
    )
    assert set(risk.framework_references.all()) == {first, second}
    with pytest.raises(EditConflict) as raised:
        risk_services.update_risk(
            risk=risk,
            by=contributor,
            data={"framework_references": [third]},
            expected_version=read,
        )
    assert [c.name for c in raised.value.conflicts] == ["framework_references"]
    assert set(risk.framework_references.all()) == {first, second}
