"""The mitigation pages: access by role, forms, status, the risk panel, history, query counts."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.core.models import AuditEvent
from apps.mitigations import services
from apps.mitigations.models import Mitigation
from apps.mitigations.views.pages import MitigationCreateView
from apps.systems import services as system_services
from tests.conftest import ROLES
from tests.factories import MembershipFactory, MitigationFactory, RiskFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def valid_form(owner, risks=(), **overrides):
    data = {
        "title": "Answer only from retrieved policy passages",
        "description": "Retrieval-augmented generation with citations.",
        "kind": "architecture",
        "layer": "application",
        "owner": owner.pk,
        "due_date": "2030-06-30",
        "status": "planned",
        "last_verified_on": "",
        "risks": [r.pk for r in risks],
        "change_reason": "",
    }
    data.update(overrides)
    return data


def mitigation_events(mitigation):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Mitigation), object_id=mitigation.pk
    )


# --- Access by role -----------------------------------------------------------------------------
# Expected status of each page for a mitigation of ``team`` (the contributor's and viewer's team).
PAGE_ACCESS = {
    #                  list detail create edit history panel
    "contributor": (200, 200, 200, 200, 200, 200),
    "viewer": (200, 200, 403, 403, 200, 200),
    "outsider": (200, 404, 404, 404, 404, 404),
    "committee_member": (200, 200, 403, 403, 200, 200),
    "auditor": (200, 200, 403, 403, 200, 200),
    "administrator": (200, 200, 200, 200, 200, 200),
    "nobody": (200, 404, 403, 404, 404, 404),
    "anonymous": (302, 302, 302, 302, 302, 302),
}

# The same pages for a mitigation of ``other_team``.
FOREIGN_PAGE_ACCESS = {
    #                  detail create edit history panel
    "contributor": (404, 404, 404, 404, 404),
    "viewer": (404, 403, 404, 404, 404),
    "outsider": (200, 200, 200, 200, 200),
    "committee_member": (200, 403, 403, 200, 200),
    "auditor": (200, 403, 403, 200, 200),
    "administrator": (200, 200, 200, 200, 200),
    "nobody": (404, 403, 404, 404, 404),
    "anonymous": (302, 302, 302, 302, 302),
}


def page_urls(mitigation, risk):
    return [
        reverse("mitigations:list"),
        reverse("mitigations:detail", args=[mitigation.pk]),
        f"{reverse('mitigations:create')}?system={mitigation.system_id}",
        reverse("mitigations:edit", args=[mitigation.pk]),
        reverse("mitigations:history", args=[mitigation.pk]),
        reverse("mitigations:risk_panel", args=[risk.pk]),
    ]


def test_access_tables_cover_every_role():
    assert set(PAGE_ACCESS) == set(ROLES) == set(FOREIGN_PAGE_ACCESS)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_status_on_every_page(role, client_for, mitigation, risk):
    client = client_for(role)
    statuses = tuple(client.get(url).status_code for url in page_urls(mitigation, risk))
    assert statuses == PAGE_ACCESS[role]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_status_on_another_teams_mitigation(
    role, client_for, foreign_mitigation, foreign_risk
):
    client = client_for(role)
    urls = page_urls(foreign_mitigation, foreign_risk)[1:]
    statuses = tuple(client.get(url).status_code for url in urls)
    assert statuses == FOREIGN_PAGE_ACCESS[role]


def test_anonymous_is_sent_to_the_login_page(client, mitigation):
    response = client.get(mitigation.get_absolute_url())
    assert response.url.startswith(reverse("login"))


def post_endpoints(mitigation, risk):
    """Every write endpoint, with data that would succeed for a contributor."""
    return [
        (reverse("mitigations:set_status", args=[mitigation.pk]), {"status": "implemented"}),
        (
            reverse("mitigations:add_evidence", args=[mitigation.pk]),
            {"kind": "note", "note": "Checked on 40 sample conversations."},
        ),
        (
            reverse("mitigations:risk_panel_add", args=[risk.pk]),
            {"title": "Human review of refunds", "kind": "human_review", "layer": "organisation"},
        ),
        (
            reverse("mitigations:risk_panel_unlink", args=[risk.pk, mitigation.pk]),
            {},
        ),
    ]


REFUSED_WRITERS = {
    "viewer": 403,
    "outsider": 404,
    "committee_member": 403,
    "auditor": 403,
    "nobody": 404,
    "anonymous": 302,
}


@pytest.mark.parametrize("role", REFUSED_WRITERS)
def test_refused_roles_change_nothing_through_any_write_endpoint(
    role, client_for, mitigation, risk
):
    client = client_for(role)
    for url, data in post_endpoints(mitigation, risk):
        response = client.post(url, data)
        assert response.status_code == REFUSED_WRITERS[role], url
    mitigation.refresh_from_db()
    assert mitigation.status == "planned"
    assert list(mitigation.risks.all()) == [risk]
    assert not mitigation.evidence.exists()
    assert Mitigation.objects.count() == 1


@pytest.mark.parametrize("role", REFUSED_WRITERS)
def test_refused_roles_cannot_edit_by_post(role, client_for, mitigation, contributor, risk):
    response = client_for(role).post(
        reverse("mitigations:edit", args=[mitigation.pk]),
        valid_form(contributor, [risk], title="Hacked"),
    )
    assert response.status_code == REFUSED_WRITERS[role]
    mitigation.refresh_from_db()
    assert mitigation.title == "Ground answers in the policy corpus"


def test_viewer_is_told_why_editing_is_refused(client_for, mitigation):
    response = client_for("viewer").get(reverse("mitigations:edit", args=[mitigation.pk]))
    assertContains(response, "Only contributors of the system", status_code=403)


@pytest.mark.parametrize(
    "url_name", ["set_status", "add_evidence", "risk_panel_add", "risk_panel_link"]
)
def test_write_endpoints_refuse_get(url_name, client_for, mitigation, risk):
    pk = risk.pk if url_name.startswith("risk_panel") else mitigation.pk
    response = client_for("contributor").get(reverse(f"mitigations:{url_name}", args=[pk]))
    assert response.status_code == 405


def test_list_does_not_leak_other_teams_mitigations(client_for, mitigation, foreign_mitigation):
    response = client_for("contributor").get(reverse("mitigations:list"))
    assertContains(response, "Ground answers in the policy corpus")
    assertNotContains(response, "Fairness slice evaluation")


def test_auditor_lists_every_teams_mitigations(client_for, mitigation, foreign_mitigation):
    response = client_for("auditor").get(reverse("mitigations:list"))
    assertContains(response, "Ground answers in the policy corpus")
    assertContains(response, "Fairness slice evaluation")


def test_detail_shows_edit_and_status_buttons_only_to_editors(client_for, mitigation):
    edit_url = reverse("mitigations:edit", args=[mitigation.pk])
    status_url = reverse("mitigations:set_status", args=[mitigation.pk])
    contributor_page = client_for("contributor").get(mitigation.get_absolute_url())
    assertContains(contributor_page, edit_url)
    assertContains(contributor_page, status_url)
    for role in ("viewer", "auditor", "committee_member"):
        page = client_for(role).get(mitigation.get_absolute_url())
        assertNotContains(page, edit_url)
        assertNotContains(page, status_url)


# --- Archived systems are read-only --------------------------------------------------------------
@pytest.fixture
def archived(system, administrator):
    system_services.archive_system(system=system, by=administrator, reason="Replaced")
    system.refresh_from_db()
    return system


def test_mitigation_of_an_archived_system_cannot_be_edited(client_for, mitigation, archived):
    response = client_for("contributor").get(reverse("mitigations:edit", args=[mitigation.pk]))
    assertContains(response, "is archived", status_code=403)


def test_status_of_a_mitigation_of_an_archived_system_cannot_change(
    client_for, mitigation, archived
):
    response = client_for("contributor").post(
        reverse("mitigations:set_status", args=[mitigation.pk]), {"status": "implemented"}
    )
    assert response.status_code == 403
    mitigation.refresh_from_db()
    assert mitigation.status == "planned"


def test_archived_systems_mitigation_page_is_read_only(client_for, mitigation, archived):
    response = client_for("contributor").get(mitigation.get_absolute_url())
    assertContains(response, "this mitigation is read-only")
    assertNotContains(response, reverse("mitigations:edit", args=[mitigation.pk]))
    assertNotContains(response, reverse("mitigations:add_evidence", args=[mitigation.pk]))


def test_no_mitigation_can_be_planned_for_an_archived_system(client_for, system, archived):
    response = client_for("contributor").get(reverse("mitigations:create"), {"system": system.pk})
    assert response.status_code == 403


# --- Detail ---------------------------------------------------------------------------------------
def test_detail_shows_every_field_and_links_the_risks_it_treats(client_for, mitigation, risk):
    mitigation.due_date = datetime.date(2030, 1, 31)
    mitigation.last_verified_on = datetime.date(2025, 5, 4)
    mitigation.save()
    response = client_for("viewer").get(mitigation.get_absolute_url())
    assertContains(response, mitigation.reference)
    assertContains(response, "Ground answers in the policy corpus")
    assertContains(response, "Architecture change")
    assertContains(response, "Application")
    assertContains(response, "31 Jan 2030")
    assertContains(response, "4 May 2025")
    assertContains(response, reverse("risks:detail", args=[risk.pk]))
    assertContains(response, risk.reference)


def test_detail_marks_an_overdue_mitigation(client_for, mitigation):
    mitigation.due_date = timezone.localdate() - datetime.timedelta(days=1)
    mitigation.save()
    response = client_for("viewer").get(mitigation.get_absolute_url())
    assertContains(response, "Overdue")


def test_detail_shows_the_history(client_for, mitigation, contributor):
    services.update_mitigation(
        mitigation=mitigation, by=contributor, data={"title": "Cite the policy"}, reason="Clearer"
    )
    response = client_for("auditor").get(mitigation.get_absolute_url())
    assertContains(response, "Clearer")
    assertContains(response, "Cite the policy")


def test_history_page_lists_changes(client_for, mitigation, contributor):
    services.set_status(mitigation=mitigation, by=contributor, status="in_progress")
    response = client_for("viewer").get(reverse("mitigations:history", args=[mitigation.pk]))
    assertContains(response, "Marked in progress")


# --- Create ---------------------------------------------------------------------------------------
def test_contributor_plans_a_mitigation_through_the_form(client_for, system, risk, contributor):
    response = client_for(contributor).post(
        f"{reverse('mitigations:create')}?system={system.pk}", valid_form(contributor, [risk])
    )
    mitigation = Mitigation.objects.get(title="Answer only from retrieved policy passages")
    assert response.status_code == 302
    assert response.url == mitigation.get_absolute_url()
    assert mitigation.system == system
    assert mitigation.created_by == contributor
    assert mitigation.due_date == datetime.date(2030, 6, 30)
    assert list(mitigation.risks.all()) == [risk]


def test_create_without_a_system_asks_which_system(client_for, system, foreign_system):
    response = client_for("contributor").get(reverse("mitigations:create"))
    assert response.status_code == 200
    assertContains(response, "Which system is it for?")
    assertContains(response, "Support chatbot")
    assertNotContains(response, "Credit scoring model")


def test_create_from_a_risk_pre_selects_that_risk(client_for, system, risk):
    response = client_for("contributor").get(
        reverse("mitigations:create"), {"system": system.pk, "risk": risk.pk}
    )
    assert response.context["form"].initial["risks"] == [risk.pk]


def test_create_ignores_a_risk_of_another_system_in_the_address(client_for, system, foreign_risk):
    response = client_for("administrator").get(
        reverse("mitigations:create"), {"system": system.pk, "risk": foreign_risk.pk}
    )
    assert "risks" not in response.context["form"].initial


def test_form_offers_only_the_systems_active_risks(client_for, system, risk, foreign_risk):
    other = RiskFactory(system=system, title="Prompt injection")
    other.archived_at = timezone.now()
    other.save()
    response = client_for("contributor").get(reverse("mitigations:create"), {"system": system.pk})
    assert list(response.context["form"].fields["risks"].queryset) == [risk]


def test_form_offers_active_people_of_the_team_as_owners(
    client_for, system, team, contributor, viewer, outsider
):
    gone = MembershipFactory(team=team).user
    gone.is_active = False
    gone.save()
    response = client_for(contributor).get(reverse("mitigations:create"), {"system": system.pk})
    owners = set(response.context["form"].fields["owner"].queryset)
    assert owners == {contributor, viewer}


def test_missing_fields_show_errors_and_keep_what_was_typed(client_for, system, contributor):
    data = valid_form(contributor, title="", kind="", description="Typed text is kept")
    response = client_for(contributor).post(
        f"{reverse('mitigations:create')}?system={system.pk}", data
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "kind"}
    assertContains(response, "Typed text is kept")
    assertContains(response, "nothing you typed is lost")
    assert not Mitigation.objects.exists()


def test_invalid_choice_is_refused(client_for, system, contributor):
    data = valid_form(contributor, layer="telepathy")
    response = client_for(contributor).post(
        f"{reverse('mitigations:create')}?system={system.pk}", data
    )
    assert "layer" in response.context["form"].errors


def test_future_verification_date_is_refused(client_for, system, contributor):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = valid_form(contributor, status="implemented", last_verified_on=tomorrow.isoformat())
    response = client_for(contributor).post(
        f"{reverse('mitigations:create')}?system={system.pk}", data
    )
    assert "last_verified_on" in response.context["form"].errors


def test_verified_without_a_date_is_verified_today(client_for, system, contributor):
    data = valid_form(contributor, status="verified")
    client_for(contributor).post(f"{reverse('mitigations:create')}?system={system.pk}", data)
    assert Mitigation.objects.get().last_verified_on == timezone.localdate()


def test_linking_a_risk_of_another_system_in_the_form_is_refused_with_a_clear_message(
    client_for, system, contributor, foreign_risk
):
    data = valid_form(contributor, [foreign_risk])
    response = client_for("administrator").post(
        f"{reverse('mitigations:create')}?system={system.pk}", data
    )
    errors = response.context["form"].errors["risks"]
    assert "treats risks of its own system" in errors[0]
    assert system.reference in errors[0]
    assert not Mitigation.objects.exists()


def test_service_errors_are_shown_on_their_field(client_for, system, contributor, monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError({"due_date": "Not on a public holiday."})

    monkeypatch.setattr(MitigationCreateView, "service", staticmethod(refuse))
    response = client_for(contributor).post(
        f"{reverse('mitigations:create')}?system={system.pk}", valid_form(contributor)
    )
    assert response.context["form"].errors["due_date"] == ["Not on a public holiday."]
    assertContains(response, "Answer only from retrieved policy passages")


def test_creating_records_history(client_for, system, contributor):
    client_for(contributor).post(
        f"{reverse('mitigations:create')}?system={system.pk}", valid_form(contributor)
    )
    event = mitigation_events(Mitigation.objects.get()).get()
    assert event.action == AuditEvent.Action.CREATED
    assert event.user == contributor


# --- Edit -----------------------------------------------------------------------------------------
def test_editing_saves_and_records_the_diff_with_the_reason(
    client_for, mitigation, risk, contributor
):
    data = valid_form(contributor, [risk], title="Cite the policy", change_reason="Clearer")
    response = client_for(contributor).post(reverse("mitigations:edit", args=[mitigation.pk]), data)
    assert response.status_code == 302
    event = mitigation_events(mitigation).filter(action="~").first()
    assert event.change_reason == "Clearer"
    assert {
        "field": "title",
        "label": "title",
        "old": "Ground answers in the policy corpus",
        "new": "Cite the policy",
    } in event.changes


def test_edit_form_starts_with_the_risks_it_treats(client_for, mitigation, risk):
    response = client_for("contributor").get(reverse("mitigations:edit", args=[mitigation.pk]))
    assert response.context["form"].initial["risks"] == [risk.pk]


def test_editing_keeps_an_archived_risk_it_treats(client_for, mitigation, risk, contributor):
    risk.archived_at = timezone.now()
    risk.save()
    data = valid_form(contributor, [risk], title="Cite the policy")
    client_for(contributor).post(reverse("mitigations:edit", args=[mitigation.pk]), data)
    assert list(mitigation.risks.all()) == [risk]


def test_editing_can_unlink_every_risk(client_for, mitigation, contributor):
    data = valid_form(contributor, [])
    client_for(contributor).post(reverse("mitigations:edit", args=[mitigation.pk]), data)
    assert not mitigation.risks.exists()


def test_invalid_edit_keeps_the_page_title_unchanged(client_for, mitigation, contributor):
    data = valid_form(contributor, title="Typed but invalid", kind="")
    response = client_for(contributor).post(reverse("mitigations:edit", args=[mitigation.pk]), data)
    assert response.status_code == 200
    assertContains(response, "Edit Ground answers in the policy corpus")
    assertContains(response, "Typed but invalid")


# --- Status ---------------------------------------------------------------------------------------
def test_marking_verified_sets_the_verification_date_to_today(client_for, mitigation):
    response = client_for("contributor").post(
        reverse("mitigations:set_status", args=[mitigation.pk]), {"status": "verified"}
    )
    assert response.status_code == 302
    assert response.url == mitigation.get_absolute_url()
    mitigation.refresh_from_db()
    assert mitigation.status == "verified"
    assert mitigation.last_verified_on == timezone.localdate()


def test_status_change_records_history_with_its_reason(client_for, mitigation):
    client_for("contributor").post(
        reverse("mitigations:set_status", args=[mitigation.pk]), {"status": "implemented"}
    )
    event = mitigation_events(mitigation).filter(action="~").first()
    assert event.change_reason == "Marked implemented"


def test_unknown_status_is_a_bad_request(client_for, mitigation):
    response = client_for("contributor").post(
        reverse("mitigations:set_status", args=[mitigation.pk]), {"status": "done-ish"}
    )
    assert response.status_code == 400
    mitigation.refresh_from_db()
    assert mitigation.status == "planned"


def test_detail_offers_the_next_statuses(client_for, mitigation):
    response = client_for("contributor").get(mitigation.get_absolute_url())
    assertContains(response, "Mark in progress")
    assertContains(response, "Mark implemented")
    assertNotContains(response, "Mark verified")


# --- The panel on a risk's page ------------------------------------------------------------------
def panel_url(name, risk, *args):
    return reverse(f"mitigations:{name}", args=[risk.pk, *args])


def test_risk_page_includes_the_panel(client_for, mitigation, risk):
    response = client_for("viewer").get(risk.get_absolute_url())
    assertContains(response, 'id="mitigations-panel"')
    assertContains(response, mitigation.get_absolute_url())


def test_panel_fragment_via_htmx_is_only_the_fragment(client_for, mitigation, risk):
    response = client_for("contributor").get(panel_url("risk_panel", risk), headers=HTMX)
    assert b"<html" not in response.content
    assert response.content.decode().lstrip().startswith('<section id="mitigations-panel"')
    assertContains(response, 'hx-target="#mitigations-panel"')
    assertContains(response, "Ground answers in the policy corpus")


def test_panel_offers_no_forms_to_readers(client_for, mitigation, risk):
    response = client_for("auditor").get(panel_url("risk_panel", risk), headers=HTMX)
    assertContains(response, "Ground answers in the policy corpus")
    assertNotContains(response, "<form")


def test_panel_shows_an_empty_state(client_for, risk):
    response = client_for("viewer").get(panel_url("risk_panel", risk), headers=HTMX)
    assertContains(response, "No mitigation treats this risk yet")


def test_panel_marks_overdue_mitigations(client_for, mitigation, risk):
    mitigation.due_date = timezone.localdate() - datetime.timedelta(days=3)
    mitigation.save()
    response = client_for("viewer").get(panel_url("risk_panel", risk), headers=HTMX)
    assertContains(response, "Overdue")


def test_panel_adds_a_new_mitigation_to_the_risk_via_htmx(client_for, risk, contributor):
    response = client_for(contributor).post(
        panel_url("risk_panel_add", risk),
        {
            "title": "Human review of refunds",
            "kind": "human_review",
            "layer": "organisation",
            "owner": contributor.pk,
            "due_date": "2030-01-15",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assertContains(response, "Human review of refunds")
    created = Mitigation.objects.get(title="Human review of refunds")
    assert list(created.risks.all()) == [risk]
    assert created.system == risk.system
    assert created.created_by == contributor


def test_panel_add_without_javascript_goes_back_to_the_risk(client_for, risk, contributor):
    response = client_for(contributor).post(
        panel_url("risk_panel_add", risk),
        {"title": "Human review", "kind": "human_review", "layer": "organisation",
         "owner": contributor.pk},
    )  # fmt: skip
    assert response.status_code == 302
    assert response.url == f"{risk.get_absolute_url()}#mitigations-panel"
    assert Mitigation.objects.filter(title="Human review", risks=risk).exists()


def test_panel_add_with_errors_shows_them_in_the_fragment(client_for, risk, contributor):
    response = client_for(contributor).post(
        panel_url("risk_panel_add", risk),
        {"title": "Typed title", "kind": "", "layer": "organisation", "owner": contributor.pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    assertContains(response, "Typed title")
    assertContains(response, "This field is required")
    assertContains(response, "<details open>")
    assert not Mitigation.objects.exists()


def test_panel_add_with_errors_without_javascript_shows_a_page(client_for, risk, contributor):
    response = client_for(contributor).post(
        panel_url("risk_panel_add", risk),
        {"title": "", "kind": "human_review", "layer": "organisation", "owner": contributor.pk},
    )
    assert response.status_code == 200
    assertContains(response, "<html")
    assertContains(response, "This field is required")


def test_panel_links_an_existing_mitigation_of_the_same_system(client_for, system, risk):
    existing = MitigationFactory(system=system, title="Output filter")
    response = client_for("contributor").post(
        panel_url("risk_panel_link", risk), {"mitigation": existing.pk}, headers=HTMX
    )
    assert response.status_code == 200
    assertContains(response, "Output filter")
    assert list(existing.risks.all()) == [risk]


def test_panel_offers_only_unlinked_mitigations_of_the_same_system(
    client_for, system, risk, mitigation, foreign_mitigation
):
    existing = MitigationFactory(system=system, title="Output filter")
    response = client_for("administrator").get(panel_url("risk_panel", risk), headers=HTMX)
    choices = response.context["mitigation_panel"]["link_form"].fields["mitigation"].queryset
    assert list(choices) == [existing]


def test_panel_refuses_to_link_a_mitigation_of_another_system_with_a_clear_message(
    client_for, risk, foreign_mitigation
):
    response = client_for("administrator").post(
        panel_url("risk_panel_link", risk), {"mitigation": foreign_mitigation.pk}, headers=HTMX
    )
    assertContains(response, "Choose a mitigation of this risk&#x27;s system")
    assert list(foreign_mitigation.risks.all()) != [risk]
    assert not foreign_mitigation.risks.filter(pk=risk.pk).exists()


def test_linking_records_history(client_for, system, risk):
    existing = MitigationFactory(system=system)
    client_for("contributor").post(
        panel_url("risk_panel_link", risk), {"mitigation": existing.pk}, headers=HTMX
    )
    event = mitigation_events(existing).filter(change_reason=f"Linked to {risk.reference}").get()
    assert any(change["field"] == "risks" for change in event.changes)


def test_panel_unlinks_a_mitigation_but_keeps_it(client_for, mitigation, risk):
    response = client_for("contributor").post(
        panel_url("risk_panel_unlink", risk, mitigation.pk), headers=HTMX
    )
    assert response.status_code == 200
    assertContains(response, "No mitigation treats this risk yet")
    assert Mitigation.objects.filter(pk=mitigation.pk).exists()
    assert not mitigation.risks.exists()


def test_panel_unlink_of_an_unlinked_mitigation_is_404(client_for, system, risk):
    unrelated = MitigationFactory(system=system)
    response = client_for("contributor").post(panel_url("risk_panel_unlink", risk, unrelated.pk))
    assert response.status_code == 404


def test_status_from_the_panel_via_htmx_returns_the_refreshed_panel(client_for, mitigation, risk):
    response = client_for("contributor").post(
        reverse("mitigations:set_status", args=[mitigation.pk]),
        {"status": "implemented", "risk": risk.pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assertContains(response, 'id="mitigations-panel"')
    assertContains(response, "is now implemented")
    assertContains(response, "Mark verified")


def test_status_from_the_panel_without_javascript_goes_back_to_the_risk(
    client_for, mitigation, risk
):
    response = client_for("contributor").post(
        reverse("mitigations:set_status", args=[mitigation.pk]),
        {"status": "implemented", "risk": risk.pk},
    )
    assert response.status_code == 302
    assert response.url == f"{risk.get_absolute_url()}#mitigations-panel"


def test_status_from_the_panel_refuses_a_risk_of_another_system(
    client_for, mitigation, foreign_risk
):
    response = client_for("administrator").post(
        reverse("mitigations:set_status", args=[mitigation.pk]),
        {"status": "implemented", "risk": foreign_risk.pk},
    )
    assert response.status_code == 404
    mitigation.refresh_from_db()
    assert mitigation.status == "planned"


def test_panel_of_an_archived_risk_is_read_only(client_for, mitigation, risk):
    risk.archived_at = timezone.now()
    risk.save()
    client = client_for("contributor")
    assertNotContains(client.get(panel_url("risk_panel", risk), headers=HTMX), "<form")
    response = client.post(
        panel_url("risk_panel_add", risk),
        {"title": "Late", "kind": "training", "layer": "organisation"},
    )
    assertContains(response, "is archived", status_code=403)


# --- Filters, search, sort, pagination ------------------------------------------------------------
@pytest.fixture
def plan(system, contributor):
    today = timezone.localdate()
    return [
        MitigationFactory(
            system=system, title="Alpha filter", kind="input_validation", layer="input",
            due_date=today - datetime.timedelta(days=5), status="planned",
        ),
        MitigationFactory(
            system=system, title="Bravo review", kind="human_review", layer="organisation",
            due_date=today + datetime.timedelta(days=5), status="implemented",
        ),
        MitigationFactory(
            system=system, title="Charlie monitor", kind="detection_response", layer="model",
            due_date=today + datetime.timedelta(days=50), status="in_progress",
        ),
    ]  # fmt: skip


def titles(response):
    return [m.title for m in response.context["page_obj"].object_list]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Alpha filter", "Bravo review", "Charlie monitor"]),
        ({"status": "implemented"}, ["Bravo review"]),
        ({"kind": "human_review"}, ["Bravo review"]),
        ({"layer": "model"}, ["Charlie monitor"]),
        ({"overdue": "true"}, ["Alpha filter"]),
        ({"q": "monit"}, ["Charlie monitor"]),
        ({"ordering": "-title"}, ["Charlie monitor", "Bravo review", "Alpha filter"]),
        ({"ordering": "-due_date"}, ["Charlie monitor", "Bravo review", "Alpha filter"]),
    ],
)
def test_list_filters_searches_and_sorts(params, expected, client_for, plan):
    response = client_for("contributor").get(reverse("mitigations:list"), params)
    assert titles(response) == expected


def test_search_finds_a_mitigation_by_its_reference(client_for, plan):
    response = client_for("viewer").get(reverse("mitigations:list"), {"q": plan[1].reference})
    assert titles(response) == ["Bravo review"]


def test_list_shows_sort_headers(client_for, plan):
    response = client_for("viewer").get(reverse("mitigations:list"))
    assertContains(response, "ordering=due_date")
    assertContains(response, 'aria-sort="none"')


def test_list_paginates(client_for, system):
    for i in range(12):
        MitigationFactory(system=system, title=f"Measure {i:02d}")
    response = client_for("viewer").get(reverse("mitigations:list"), {"per_page": 5, "page": 3})
    assert titles(response) == ["Measure 10", "Measure 11"]


def test_bad_filter_values_show_an_error_not_a_crash(client_for, plan):
    response = client_for("contributor").get(
        reverse("mitigations:list"), {"status": "nope", "system": "abc", "ordering": "secret"}
    )
    assert response.status_code == 200
    assert response.context["filter_form"].errors


def test_htmx_list_request_gets_only_the_results(client_for, plan):
    response = client_for("contributor").get(
        reverse("mitigations:list"), {"layer": "input"}, headers=HTMX
    )
    assert b"<html" not in response.content
    assertContains(response, "Alpha filter")
    assertNotContains(response, "Bravo review")


def test_empty_list_shows_a_helpful_empty_state(client_for, system):
    response = client_for("contributor").get(reverse("mitigations:list"))
    assertContains(response, "No mitigation is planned yet")
    assertContains(response, reverse("mitigations:create"))


def test_navbar_links_to_the_mitigations(client_for):
    response = client_for("viewer").get(reverse("dashboard:home"))
    assertContains(response, f'href="{reverse("mitigations:list")}"')


@pytest.mark.parametrize("role", ["contributor", "auditor"])
def test_list_runs_a_constant_number_of_queries(
    role, client_for, system, team, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(role)
    owners = [MembershipFactory(team=team).user for _ in range(3)]

    def add(count):
        for i in range(count):
            mitigation = MitigationFactory(system=system, owner=owners[i % 3])
            mitigation.risks.add(RiskFactory(system=system))

    add(3)
    client.get(reverse("mitigations:list"))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("mitigations:list"))
    add(27)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("mitigations:list"), {"per_page": 50})
    assert len(response.context["page_obj"].object_list) == 30
    assert len(few) <= 10


# --- Administration -------------------------------------------------------------------------------
def test_administrator_opens_the_mitigation_admin(client_for, mitigation):
    client = client_for("administrator")
    assert client.get(reverse("admin:mitigations_mitigation_changelist")).status_code == 200
    change = reverse("admin:mitigations_mitigation_change", args=[mitigation.pk])
    assert client.get(change).status_code == 200
    history = reverse("admin:mitigations_mitigation_history", args=[mitigation.pk])
    assert client.get(history).status_code == 200


def test_risk_panel_runs_a_constant_number_of_queries(
    client_for, system, risk, team, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("contributor")
    owners = [MembershipFactory(team=team).user for _ in range(3)]

    def add(count):
        for i in range(count):
            MitigationFactory(system=system, owner=owners[i % 3]).risks.add(risk)
            MitigationFactory(system=system, owner=owners[i % 3])  # linkable

    add(2)
    url = reverse("mitigations:risk_panel", args=[risk.pk])
    client.get(url, headers=HTMX)
    with CaptureQueriesContext(connection) as few:
        client.get(url, headers=HTMX)
    add(10)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url, headers=HTMX)
    assert len(response.context["mitigation_panel"]["rows"]) == 12
