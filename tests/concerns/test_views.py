"""Concern pages: raising (viewers included), the viewer's concern that becomes a risk, who
sees an anonymous raiser on the page, in the history and in the export, the list."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.concerns.models import ANONYMOUS_RAISER, Concern, ConcernStatus
from apps.reminders.models import Notification
from apps.risks.models import Risk
from tests.export_files import csv_rows
from tests.factories import ConcernFactory, RiskFactory

pytestmark = pytest.mark.django_db


def raise_url(system):
    return f"{reverse('concerns:create')}?system={system.pk}"


# --- Raising --------------------------------------------------------------------------------------
def test_system_page_offers_a_viewer_to_raise_a_concern(client_for, system):
    response = client_for("viewer").get(system.get_absolute_url())
    assertContains(response, raise_url(system).replace("&", "&amp;"))


def test_system_page_offers_auditors_no_raise_button(client_for, system):
    response = client_for("auditor").get(system.get_absolute_url())
    assertNotContains(response, 'id="raise-concern"')


def test_viewer_raises_a_concern_from_the_page(client_for, viewer, system):
    response = client_for("viewer").post(
        raise_url(system),
        {"summary": "Rude answer", "description": "It called a customer lazy."},
    )
    concern = Concern.objects.get()
    assert response.status_code == 302
    assert response["Location"] == concern.get_absolute_url()
    assert concern.raised_by == viewer


def test_raising_without_a_summary_shows_the_form_again(client_for, system):
    response = client_for("viewer").post(raise_url(system), {"summary": "", "description": ""})
    assert response.status_code == 200
    assert not Concern.objects.exists()


def test_auditor_cannot_open_the_raise_form(client_for, system):
    assert client_for("auditor").get(raise_url(system)).status_code == 403


def test_raise_without_a_system_offers_the_systems_a_viewer_sees(
    client_for, system, foreign_system
):
    response = client_for("viewer").get(reverse("concerns:create"))
    assertContains(response, system.name)
    assertNotContains(response, foreign_system.name)


# --- Done when: a viewer's concern becomes a risk -------------------------------------------------
def test_a_viewers_concern_becomes_a_risk(client_for, viewer, contributor, system):
    viewer_client, team_client = client_for("viewer"), client_for("contributor")
    viewer_client.post(
        raise_url(system),
        {
            "summary": "Answers in the wrong language",
            "description": "A customer was answered in German twice.",
            "is_anonymous": "on",
        },
    )
    concern = Concern.objects.get()
    # The team is told, and opens the form prefilled from the concern.
    assert Notification.objects.filter(recipient=contributor).exists()
    form = team_client.get(reverse("concerns:to_risk", args=[concern.pk]))
    assertContains(form, "Answers in the wrong language")
    risk = RiskFactory.build(system=system)
    response = team_client.post(
        reverse("concerns:to_risk", args=[concern.pk]),
        {
            "title": "Answers in the wrong language",
            "scenario": "The assistant answers in a language the customer does not speak.",
            "category": risk.category.pk,
            "owner": contributor.pk,
            "inherent_likelihood": 3,
            "inherent_impact": 3,
            "residual_likelihood": 2,
            "residual_impact": 3,
            "treatment": risk.treatment,
            "status": risk.status,
            "answer": "Thank you, we are on it.",
        },
    )
    created = Risk.objects.get(system=system, title="Answers in the wrong language")
    assert response.status_code == 302
    concern.refresh_from_db()
    assert (concern.status, concern.risk) == (ConcernStatus.RISK, created)
    # The raiser reads the answer and is told.
    page = viewer_client.get(concern.get_absolute_url())
    assertContains(page, "Thank you, we are on it.")
    assertContains(page, created.reference)
    assert Notification.objects.filter(recipient=viewer).exists()


def test_closing_from_the_page_shows_the_answer_to_the_raiser(client_for, concern):
    client_for("contributor").post(
        reverse("concerns:close", args=[concern.pk]), {"answer": "It is a known test account."}
    )
    assertContains(
        client_for("viewer").get(concern.get_absolute_url()), "It is a known test account."
    )


def test_closing_without_an_answer_keeps_the_concern_open(client_for, concern):
    client_for("contributor").post(reverse("concerns:close", args=[concern.pk]), {"answer": ""})
    concern.refresh_from_db()
    assert concern.is_open


def test_linking_from_the_page_links_an_existing_risk(client_for, concern, risk):
    client_for("contributor").post(reverse("concerns:link", args=[concern.pk]), {"risk": risk.pk})
    concern.refresh_from_db()
    assert concern.risk == risk


# --- Anonymity ------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["contributor", "committee_member"])
def test_the_team_and_the_committee_do_not_see_an_anonymous_raiser(
    client_for, anonymous_concern, viewer, role
):
    response = client_for(role).get(anonymous_concern.get_absolute_url())
    assertNotContains(response, viewer.full_name)
    assertContains(response, ANONYMOUS_RAISER)


@pytest.mark.parametrize("role", ["administrator", "auditor", "viewer"])
def test_administrators_auditors_and_the_raiser_see_who_raised_it(
    client_for, anonymous_concern, viewer, role
):
    assertContains(client_for(role).get(anonymous_concern.get_absolute_url()), viewer.full_name)


@pytest.mark.parametrize("role", ["contributor", "committee_member", "administrator", "auditor"])
def test_the_history_page_never_names_an_anonymous_raiser(
    client_for, anonymous_concern, viewer, role
):
    response = client_for(role).get(reverse("concerns:history", args=[anonymous_concern.pk]))
    assertNotContains(response, viewer.full_name)


def test_the_audit_log_does_not_name_an_anonymous_raiser(client_for, anonymous_concern, viewer):
    concerns = ContentType.objects.get_for_model(Concern)
    response = client_for("committee_member").get(reverse("core:audit_log"), {"model": concerns.pk})
    # (The filter's people picker lists everyone, on purpose: the entries are what matters.)
    assertContains(response, f"<td>{ANONYMOUS_RAISER}</td>")
    assertNotContains(response, f"<td>{viewer.full_name}</td>")
    by_viewer = client_for("committee_member").get(reverse("core:audit_log"), {"user": viewer.pk})
    assertNotContains(by_viewer, ANONYMOUS_RAISER)  # nor found through the log's user filter


@pytest.mark.parametrize("role", ["contributor", "committee_member", "administrator"])
def test_the_export_never_names_a_raiser(client_for, anonymous_concern, viewer, role):
    rows = csv_rows(b"".join(client_for(role).get(reverse("concerns:export")).streaming_content))
    assert len(rows) == 2
    assert viewer.full_name not in str(rows)
    assert viewer.email not in str(rows)


# --- Who reads what -------------------------------------------------------------------------------
def test_a_viewer_sees_their_own_concern_and_not_others(
    client_for, raise_as, viewer, contributor, system
):
    mine = raise_as(viewer, system, summary="Mine")
    theirs = raise_as(contributor, system, summary="Someone else's")
    client = client_for("viewer")
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 404
    response = client.get(reverse("concerns:list"))
    assertContains(response, mine.reference)
    assertNotContains(response, theirs.reference)


def test_an_outsider_cannot_read_another_teams_concern(client_for, concern):
    assert client_for("outsider").get(concern.get_absolute_url()).status_code == 404


def test_the_system_panel_lists_its_concerns_to_the_team(client_for, concern, system):
    assertContains(client_for("contributor").get(system.get_absolute_url()), concern.summary)


def test_viewer_cannot_triage_their_own_concern(client_for, concern):
    response = client_for("viewer").post(
        reverse("concerns:close", args=[concern.pk]), {"answer": "Fine."}
    )
    assert response.status_code == 403


# --- The list -------------------------------------------------------------------------------------
def test_the_list_filters_by_status(client_for, system, contributor):
    ConcernFactory(system=system, summary="Still open")
    closed = ConcernFactory(system=system, summary="Long closed")
    Concern.objects.filter(pk=closed.pk).update(
        status=ConcernStatus.CLOSED, answer="Done.", triaged_at=closed.created_at
    )
    response = client_for("contributor").get(reverse("concerns:list"), {"status": "open"})
    assertContains(response, "Still open")
    assertNotContains(response, "Long closed")


def test_the_list_says_when_there_is_no_concern_yet(client_for):
    assertContains(client_for("viewer").get(reverse("concerns:list")), "No concern is raised yet")


def test_the_list_makes_a_constant_number_of_queries(
    client_for, system, risk, django_assert_max_num_queries
):
    client = client_for("committee_member")
    ConcernFactory(system=system)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("concerns:list"))
    for _ in range(15):
        ConcernFactory(system=system, risk=risk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("concerns:list")).status_code == 200
