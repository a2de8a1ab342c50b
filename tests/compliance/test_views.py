"""The compliance pages: a system's obligations (panel and page, bulk status change), an
obligation's page (edit, evidence, links, exceptions, history), the organisation's list, the
catalogues, and the cross-walk on the mitigation, risk and library template pages."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.compliance import services
from apps.compliance.models import (
    AcceptanceStatus,
    Applicability,
    Obligation,
    ObligationException,
    ObligationStatus,
)
from apps.core import services as core_services
from apps.core.models import AuditEvent, Evidence
from apps.risks.models import FrameworkReference, RiskTemplate
from tests.factories import (
    AISystemFactory,
    MitigationFactory,
    ObligationExceptionFactory,
    ObligationFactory,
    RiskFactory,
    current_requirement,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def client_for(client, user_for):
    def sign_in(role):
        user = user_for(role)
        client.force_login(user)
        return client

    return sign_in


def obligation_events(obligation):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Obligation), object_id=obligation.pk
    )


def no_longer_applying(system, identifier="Art. 26"):
    return ObligationFactory(
        system=system,
        requirement=current_requirement(identifier),
        applicability=Applicability.NO_LONGER_APPLIES,
        applicability_reason="The system is no longer high-risk.",
        applicability_changed_at=timezone.now(),
    )


# --- A system's obligations -----------------------------------------------------------------------
def test_the_system_page_shows_its_obligations_in_a_compliance_panel(client_for, obligation):
    response = client_for("viewer").get(obligation.system.get_absolute_url())
    assertContains(response, 'id="compliance-heading"')
    assertContains(response, "Art. 9 · Risk management system")
    assertContains(response, reverse("compliance:system", args=[obligation.system_id]))


def test_the_compliance_page_groups_obligations_by_framework_with_why_they_apply(
    client_for, obligation
):
    response = client_for("viewer").get(reverse("compliance:system", args=[obligation.system_id]))
    assertContains(response, "EU AI Act")
    assertContains(response, "A high-risk system that the organisation provides")
    assertContains(response, obligation.get_absolute_url())


def test_obligations_that_no_longer_apply_are_shown_apart_with_the_reason(client_for, system):
    ObligationFactory(system=system)
    retired = no_longer_applying(system)
    response = client_for("viewer").get(reverse("compliance:system", args=[system.pk]))
    page = response.content.decode()
    apart = page[page.index('id="no-longer-applicable"') :]
    assert retired.get_absolute_url() in apart
    assert "The system is no longer high-risk." in apart


def test_a_system_without_obligations_says_so(client_for, system):
    response = client_for("viewer").get(reverse("compliance:system", args=[system.pk]))
    assertContains(response, "No obligation applies to Support chatbot given its facts.")


def test_only_those_who_may_work_on_the_obligations_get_the_bulk_form(client_for, obligation):
    url = reverse("compliance:system", args=[obligation.system_id])
    assertNotContains(client_for("viewer").get(url), 'id="bulk-form"')
    assertContains(client_for("contributor").get(url), 'id="bulk-form"')


# --- Bulk status change ---------------------------------------------------------------------------
@pytest.fixture
def two_obligations(system):
    return [
        ObligationFactory(system=system),
        ObligationFactory(system=system, requirement=current_requirement("Art. 10")),
    ]


def bulk_url(system):
    return reverse("compliance:bulk_status", args=[system.pk])


def test_a_bulk_change_is_confirmed_before_anything_changes(client_for, system, two_obligations):
    data = {
        "obligations": [o.pk for o in two_obligations],
        "status": "in_progress",
        "reason": "Kick-off of the conformity work",
    }
    response = client_for("contributor").post(bulk_url(system), data)
    assert response.status_code == 200
    assertContains(response, "Mark 2 obligations in progress?")
    assertContains(response, 'name="confirmed" value="yes"')
    assert not Obligation.objects.filter(status=ObligationStatus.IN_PROGRESS).exists()


def test_a_confirmed_bulk_change_moves_every_selected_obligation_with_the_reason(
    client_for, system, two_obligations
):
    data = {
        "obligations": [o.pk for o in two_obligations],
        "status": "in_progress",
        "reason": "Kick-off of the conformity work",
        "confirmed": "yes",
    }
    response = client_for("contributor").post(bulk_url(system), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("compliance:system", args=[system.pk])
    for obligation in two_obligations:
        obligation.refresh_from_db()
        assert obligation.status == ObligationStatus.IN_PROGRESS
        latest = obligation_events(obligation).order_by("-timestamp", "-pk").first()
        assert latest.change_reason == "Kick-off of the conformity work"


def test_a_bulk_change_without_selection_or_reason_shows_every_problem(
    client_for, system, two_obligations
):
    response = client_for("contributor").post(bulk_url(system), {"status": "not_applicable"})
    assert response.status_code == 400
    assertContains(response, "Select the obligations to change.", status_code=400)
    assertContains(response, "Say why these obligations change status.", status_code=400)
    assertContains(response, "Say why these obligations do not apply.", status_code=400)


def test_going_back_from_the_confirmation_keeps_the_selection(client_for, system, two_obligations):
    first = two_obligations[0]
    data = {
        "obligations": [first.pk],
        "status": "implemented",
        "reason": "Done",
        "confirmed": "no",
    }
    response = client_for("contributor").post(bulk_url(system), data)
    assert response.status_code == 200
    assertContains(response, f'value="{first.pk}"')
    assert response.context["form"]["obligations"].value() == [str(first.pk)]
    assertContains(response, 'value="Done"')


def test_a_bulk_change_refuses_another_systems_obligation(
    client_for, system, two_obligations, foreign_obligation
):
    data = {
        "obligations": [foreign_obligation.pk],
        "status": "implemented",
        "reason": "Sneaky",
        "confirmed": "yes",
    }
    response = client_for("contributor").post(bulk_url(system), data)
    assertContains(response, "Choose obligations of this system only.", status_code=400)
    foreign_obligation.refresh_from_db()
    assert foreign_obligation.status == ObligationStatus.NOT_STARTED


def test_a_viewer_cannot_change_statuses_in_bulk(client_for, system, two_obligations):
    data = {"obligations": [two_obligations[0].pk], "status": "verified", "reason": "x"}
    assert client_for("viewer").post(bulk_url(system), data).status_code == 403


# --- One obligation -------------------------------------------------------------------------------
def test_the_obligation_page_shows_the_requirement_why_and_where_it_stands(client_for, obligation):
    response = client_for("auditor").get(obligation.get_absolute_url())
    assertContains(response, "Risk management system")
    assertContains(response, obligation.requirement.summary[:40])
    assertContains(response, "A high-risk system that the organisation provides")
    assertContains(response, "Blocking")
    assertNotContains(response, reverse("compliance:obligation_edit", args=[obligation.pk]))


def test_an_obligation_that_no_longer_applies_says_why_on_its_page(client_for, system):
    retired = no_longer_applying(system)
    response = client_for("viewer").get(retired.get_absolute_url())
    assertContains(response, 'id="no-longer-applies"')
    assertContains(response, "The system is no longer high-risk.")


def edit_data(obligation, **overrides):
    data = {
        "status": obligation.status,
        "justification": obligation.justification,
        "owner": obligation.owner_id or "",
        "custom_due_date": "",
        "notes": obligation.notes,
        "change_reason": "",
        "version": obligation.version,
    }
    data.update(overrides)
    return data


def test_the_team_works_on_an_obligation_through_its_form(client_for, obligation, contributor):
    url = reverse("compliance:obligation_edit", args=[obligation.pk])
    data = edit_data(
        obligation,
        status="in_progress",
        owner=contributor.pk,
        custom_due_date="2026-12-31",
        notes="Risk process drafted.",
        change_reason="Started",
    )
    response = client_for("contributor").post(url, data)
    assert response.status_code == 302
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.IN_PROGRESS
    assert obligation.owner == contributor
    assert obligation.due_date == datetime.date(2026, 12, 31)
    assert obligation_events(obligation).filter(change_reason="Started").exists()


def test_not_applicable_without_justification_is_refused_on_the_field(client_for, obligation):
    url = reverse("compliance:obligation_edit", args=[obligation.pk])
    response = client_for("contributor").post(
        url, edit_data(obligation, status="not_applicable", custom_due_date="not a date")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "justification" in form.errors
    assert "custom_due_date" in form.errors  # every problem at once
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.NOT_STARTED


def test_an_edit_over_someone_elses_change_is_a_conflict(client_for, obligation, administrator):
    read = edit_data(obligation)
    services.update_obligation(
        obligation=obligation, by=administrator, data={"notes": "Theirs"}, reason="Theirs"
    )
    response = client_for("contributor").post(
        reverse("compliance:obligation_edit", args=[obligation.pk]), {**read, "notes": "Mine"}
    )
    assert response.status_code == 409
    obligation.refresh_from_db()
    assert obligation.notes == "Theirs"


def test_evidence_added_to_an_obligation_shows_on_its_page(client_for, obligation, media_root):
    client = client_for("contributor")
    response = client.post(
        reverse("compliance:add_evidence", args=[obligation.pk]),
        {"kind": "note", "note": "Risk process approved by the board on 3 March."},
    )
    assert response.status_code == 302
    assertContains(client.get(obligation.get_absolute_url()), "Risk process approved by the board")


def test_evidence_without_its_content_shows_the_error_on_the_page(client_for, obligation):
    response = client_for("contributor").post(
        reverse("compliance:add_evidence", args=[obligation.pk]), {"kind": "link", "url": "nope"}
    )
    assertContains(response, "Enter a full http:// or https:// address.", status_code=400)


def test_removing_evidence_asks_first_then_keeps_its_trace(
    client_for, obligation, contributor, media_root
):
    evidence = core_services.add_evidence(
        record=obligation,
        by=contributor,
        kind=Evidence.Kind.FILE,
        file=SimpleUploadedFile("plan.txt", b"Risk plan", content_type="text/plain"),
    )
    client = client_for("contributor")
    url = reverse("compliance:remove_evidence", args=[obligation.pk, evidence.pk])
    assertContains(client.get(url), "Remove this evidence from")
    download = reverse("compliance:evidence_download", args=[obligation.pk, evidence.pk])
    assert client.get(download).status_code == 200
    assert client.post(url).status_code == 302
    evidence.refresh_from_db()
    assert evidence.is_removed
    assert client.get(download).status_code == 404


def test_the_obligation_history_includes_its_evidence(client_for, obligation, contributor):
    core_services.add_evidence(record=obligation, by=contributor, kind="note", note="Done")
    response = client_for("auditor").get(
        reverse("compliance:obligation_history", args=[obligation.pk])
    )
    assertContains(response, "Evidence added to")


# --- Links (htmx) ---------------------------------------------------------------------------------
def test_linking_a_mitigation_with_htmx_answers_with_the_links_panel(
    client_for, obligation, mitigation
):
    response = client_for("contributor").post(
        reverse("compliance:link_mitigation", args=[obligation.pk]),
        {"mitigation": mitigation.pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    assertContains(response, 'id="links"')
    assertContains(response, f"{mitigation.reference} now addresses {obligation.reference}.")
    assert list(obligation.mitigations.all()) == [mitigation]


def test_unlinking_a_mitigation_without_javascript_goes_back_to_the_obligation(
    client_for, obligation, mitigation
):
    obligation.mitigations.add(mitigation)
    response = client_for("contributor").post(
        reverse("compliance:unlink_mitigation", args=[obligation.pk, mitigation.pk])
    )
    assert response["Location"] == f"{obligation.get_absolute_url()}#links"
    assert not obligation.mitigations.exists()


def test_a_risk_of_another_system_cannot_be_linked(client_for, obligation, foreign_risk):
    response = client_for("administrator").post(
        reverse("compliance:link_risk", args=[obligation.pk]),
        {"risk": foreign_risk.pk},
        headers=HTMX,
    )
    assertContains(response, "Choose a live risk of this system")
    assert not obligation.risks.exists()


def test_linking_and_unlinking_a_risk_leaves_history(client_for, obligation, risk):
    client = client_for("contributor")
    client.post(reverse("compliance:link_risk", args=[obligation.pk]), {"risk": risk.pk})
    client.post(reverse("compliance:unlink_risk", args=[obligation.pk, risk.pk]))
    reasons = set(obligation_events(obligation).values_list("change_reason", flat=True))
    assert {f"Linked to {risk.reference}", f"Unlinked from {risk.reference}"} <= reasons


# --- Exceptions -----------------------------------------------------------------------------------
def test_the_team_asks_the_committee_for_an_exception(client_for, obligation):
    until = timezone.localdate() + datetime.timedelta(days=60)
    response = client_for("contributor").post(
        reverse("compliance:request_exception", args=[obligation.pk]),
        {"reason": "Assessment booked; closed pilot meanwhile.", "expires_on": until.isoformat()},
    )
    exception = ObligationException.objects.get()
    assert response["Location"] == exception.get_absolute_url()
    assert exception.status == AcceptanceStatus.PENDING


def test_an_exception_request_shows_every_problem(client_for, obligation):
    response = client_for("contributor").post(
        reverse("compliance:request_exception", args=[obligation.pk]),
        {"reason": "", "expires_on": "2000-01-01"},
    )
    assertContains(response, "Explain why the system may go ahead before it is met.")
    assertContains(response, "The expiry date must be in the future.")
    assert not ObligationException.objects.exists()


def test_an_obligation_that_blocks_nothing_needs_no_exception(client_for, system):
    literacy = ObligationFactory(system=system, requirement=current_requirement("Art. 4"))
    url = reverse("compliance:request_exception", args=[literacy.pk])
    assertContains(client_for("contributor").get(url), "does not block a deployment")
    page = client_for("contributor").get(literacy.get_absolute_url())
    assertNotContains(page, url)


def test_a_committee_member_approves_an_exception(client_for, obligation, contributor):
    exception = ObligationExceptionFactory(obligation=obligation, requested_by=contributor)
    response = client_for("committee_member").post(
        exception.get_absolute_url(), {"decision": "approve", "comment": ""}
    )
    assert response.status_code == 302
    exception.refresh_from_db()
    assert exception.status == AcceptanceStatus.APPROVED
    page = client_for("viewer").get(obligation.get_absolute_url())
    assertContains(page, "Exception until")


def test_a_rejection_needs_a_comment(client_for, obligation, contributor):
    exception = ObligationExceptionFactory(obligation=obligation, requested_by=contributor)
    response = client_for("committee_member").post(
        exception.get_absolute_url(), {"decision": "reject", "comment": ""}
    )
    assertContains(response, "Say why the exception is rejected.", status_code=400)


def test_the_requester_cannot_decide_and_may_withdraw(client_for, obligation, contributor):
    exception = ObligationExceptionFactory(obligation=obligation, requested_by=contributor)
    client = client_for("contributor")
    assert client.post(exception.get_absolute_url(), {"decision": "approve"}).status_code == 403
    client.post(reverse("compliance:exception_withdraw", args=[exception.pk]))
    exception.refresh_from_db()
    assert exception.status == AcceptanceStatus.WITHDRAWN


def test_the_exception_queue_lists_pending_requests_first(client_for, system, contributor):
    old = ObligationExceptionFactory(
        obligation=ObligationFactory(system=system),
        requested_by=contributor,
        status=AcceptanceStatus.REJECTED,
        decided_at=timezone.now(),
    )
    pending = ObligationExceptionFactory(
        obligation=ObligationFactory(system=system, requirement=current_requirement("Art. 10")),
        requested_by=contributor,
    )
    rows = list(
        client_for("committee_member").get(reverse("compliance:exception_list")).context["page_obj"]
    )
    assert rows == [pending, old]


# --- The organisation's list ----------------------------------------------------------------------
def test_the_list_shows_only_the_obligations_one_may_see(
    client_for, obligation, foreign_obligation
):
    response = client_for("contributor").get(reverse("compliance:list"))
    assert list(response.context["page_obj"]) == [obligation]


def test_the_list_shows_applying_obligations_unless_asked(client_for, system):
    applying = ObligationFactory(system=system)
    retired = no_longer_applying(system)
    client = client_for("viewer")
    assert list(client.get(reverse("compliance:list")).context["page_obj"]) == [applying]
    everything = client.get(reverse("compliance:list"), {"applicability": "all"})
    assert set(everything.context["page_obj"]) == {applying, retired}


def test_the_list_filters_by_status_and_finds_a_reference(client_for, system):
    started = ObligationFactory(system=system, status=ObligationStatus.IN_PROGRESS)
    other = ObligationFactory(system=system, requirement=current_requirement("Art. 10"))
    client = client_for("viewer")
    by_status = client.get(reverse("compliance:list"), {"status": "in_progress"})
    assert list(by_status.context["page_obj"]) == [started]
    by_reference = client.get(reverse("compliance:list"), {"q": other.reference})
    assert list(by_reference.context["page_obj"]) == [other]


def test_the_list_says_when_nothing_matches(client_for, obligation):
    response = client_for("viewer").get(reverse("compliance:list"), {"status": "verified"})
    assertContains(response, "No obligation matches these filters.")


def test_the_list_with_htmx_renders_only_the_results(client_for, obligation):
    response = client_for("viewer").get(reverse("compliance:list"), headers=HTMX)
    assertNotContains(response, "<html")
    assertContains(response, obligation.reference)


ARTICLES = ["Art. 9", "Art. 10", "Art. 11", "Art. 12", "Art. 13", "Art. 14", "Art. 15"]


def test_the_list_query_count_does_not_grow_with_its_rows(
    client_for, team, contributor, django_assert_max_num_queries
):
    client = client_for("viewer")
    system = AISystemFactory(team=team, business_owner=contributor)
    ObligationFactory(system=system, owner=contributor)
    client.get(reverse("compliance:list"))  # warm the content-type cache
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("compliance:list"))
    for identifier in ARTICLES[1:]:
        other = AISystemFactory(team=team)
        ObligationFactory(system=other, requirement=current_requirement(identifier))
        ObligationFactory(system=system, requirement=current_requirement(identifier))
    with django_assert_max_num_queries(12) as many:
        response = client.get(reverse("compliance:list"))
    assert response.context["paginator"].count == 13
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_system_page_query_count_does_not_grow_with_its_obligations(
    client_for, system, django_assert_max_num_queries
):
    client = client_for("contributor")
    url = reverse("compliance:system", args=[system.pk])
    ObligationFactory(system=system)
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for identifier in ARTICLES[1:]:
        ObligationFactory(system=system, requirement=current_requirement(identifier))
    no_longer_applying(system)
    with django_assert_max_num_queries(12) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_exception_queue_query_count_does_not_grow_with_its_rows(
    client_for, system, contributor, django_assert_max_num_queries
):
    client = client_for("committee_member")
    url = reverse("compliance:exception_list")
    ObligationExceptionFactory(
        obligation=ObligationFactory(system=system), requested_by=contributor
    )
    client.get(url)
    with django_assert_max_num_queries(10) as few:
        client.get(url)
    for identifier in ARTICLES[1:]:
        obligation = ObligationFactory(system=system, requirement=current_requirement(identifier))
        ObligationExceptionFactory(obligation=obligation, requested_by=contributor)
    with django_assert_max_num_queries(10) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_exceptions_history_shows_the_decision(client_for, obligation, contributor):
    exception = ObligationExceptionFactory(obligation=obligation, requested_by=contributor)
    client_for("committee_member").post(
        exception.get_absolute_url(), {"decision": "reject", "comment": "Book the audit first."}
    )
    response = client_for("viewer").get(
        reverse("compliance:exception_history", args=[exception.pk])
    )
    assertContains(response, "Rejected")


# --- The catalogues -------------------------------------------------------------------------------
def test_every_signed_in_person_reads_the_catalogues(client_for):
    response = client_for("viewer").get(reverse("compliance:catalogue_list"))
    assertContains(response, "EU AI Act")
    assertContains(response, "ISO/IEC 42001 Annex A")
    assertContains(response, "NIST AI RMF")


def test_a_catalogue_page_lists_its_requirements_and_rules(client_for):
    catalogue = current_requirement("Art. 9").catalogue
    response = client_for("viewer").get(reverse("compliance:catalogue_detail", args=[catalogue.pk]))
    assertContains(response, "Art. 50")
    assertContains(response, "A high-risk system that the organisation provides")
    assertContains(response, "Key dates")


def test_a_requirement_page_counts_only_the_obligations_one_may_see(
    client_for, obligation, foreign_obligation
):
    response = client_for("viewer").get(obligation.requirement.get_absolute_url())
    assert response.context["obligation_total"] == 1
    assertContains(response, "List the 1 obligation")


# --- The cross-walk -------------------------------------------------------------------------------
def test_a_mitigation_page_shows_the_obligations_it_helps_meet(client_for, obligation, mitigation):
    obligation.mitigations.add(mitigation)
    response = client_for("viewer").get(mitigation.get_absolute_url())
    assertContains(response, "Obligations it helps meet")
    assertContains(response, obligation.get_absolute_url())


def test_a_mitigation_is_linked_to_an_obligation_from_its_page(client_for, obligation, mitigation):
    response = client_for("contributor").post(
        reverse("compliance:mitigation_link", args=[mitigation.pk]), {"obligation": obligation.pk}
    )
    assert response["Location"] == f"{mitigation.get_absolute_url()}#obligations"
    assert list(mitigation.obligations.all()) == [obligation]
    client_for("contributor").post(
        reverse("compliance:mitigation_unlink", args=[mitigation.pk, obligation.pk])
    )
    assert not mitigation.obligations.exists()


def test_a_risk_page_suggests_the_obligations_its_references_name(client_for, obligation, risk):
    risk.framework_references.add(
        FrameworkReference.objects.get(code="Art. 9"),
        FrameworkReference.objects.get(code="MEASURE 2.7"),
    )
    response = client_for("contributor").get(risk.get_absolute_url())
    suggestions = response.context["risk_obligation_panel"]["suggestions"]
    assert [(s.requirement.identifier, s.obligation) for s in suggestions] == [
        ("Art. 9", obligation),
        ("MEASURE 2.7", None),
    ]
    assertContains(response, "Organisation-wide: answered once, not per system.")
    assertContains(response, reverse("compliance:link_risk", args=[obligation.pk]))


def test_linking_a_suggestion_goes_back_to_the_risk(client_for, obligation, risk):
    risk.framework_references.add(FrameworkReference.objects.get(code="Art. 9"))
    response = client_for("contributor").post(
        reverse("compliance:link_risk", args=[obligation.pk]), {"risk": risk.pk, "back": "risk"}
    )
    assert response["Location"] == f"{risk.get_absolute_url()}#obligations"
    assert list(obligation.risks.all()) == [risk]
    panel = client_for("contributor").get(risk.get_absolute_url()).context
    assert panel["risk_obligation_panel"]["suggestions"] == []  # now linked, no longer suggested


def test_a_viewer_sees_suggestions_without_a_link_button(client_for, obligation, risk):
    risk.framework_references.add(FrameworkReference.objects.get(code="Art. 9"))
    response = client_for("viewer").get(risk.get_absolute_url())
    assertContains(response, "Suggested by its framework references")
    assertNotContains(response, reverse("compliance:link_risk", args=[obligation.pk]))


def test_a_library_template_page_shows_the_requirements_its_references_name(client_for):
    template = (
        RiskTemplate.objects.filter(is_active=True, framework_references__framework="eu_ai_act")
        .distinct()
        .first()
    )
    response = client_for("viewer").get(reverse("library:template_detail", args=[template.key]))
    assertContains(response, "Requirements it concerns")
    assert response.context["template_requirements"]


def test_a_risk_added_from_the_library_suggests_its_templates_requirements(client_for, system):
    art_14 = ObligationFactory(system=system, requirement=current_requirement("Art. 14"))
    template = RiskTemplate.objects.filter(
        is_active=True, framework_references__code="Art. 14"
    ).first()
    client = client_for("contributor")
    client.post(reverse("library:add", args=[template.key]), {"system": system.pk})
    risk = system.risks.get(template=template)
    panel = client.get(risk.get_absolute_url()).context["risk_obligation_panel"]
    assert art_14 in [s.obligation for s in panel["suggestions"]]


def test_an_archived_risk_offers_no_link(client_for, obligation, system):
    risk = RiskFactory(system=system, archived_at=timezone.now())
    risk.framework_references.add(FrameworkReference.objects.get(code="Art. 9"))
    response = client_for("contributor").get(risk.get_absolute_url())
    assert response.context["risk_obligation_panel"]["can_link"] is False


def test_one_mitigation_addresses_several_obligations(
    client_for, system, mitigation, administrator
):
    art_9 = ObligationFactory(system=system)
    art_15 = ObligationFactory(system=system, requirement=current_requirement("Art. 15"))
    for obligation in (art_9, art_15):
        services.link_mitigation(obligation=obligation, mitigation=mitigation, by=administrator)
    response = client_for("viewer").get(mitigation.get_absolute_url())
    assert response.context["obligation_panel"]["obligations"] == [art_9, art_15]


def test_a_mitigation_of_another_system_is_not_offered(client_for, obligation, system):
    other = MitigationFactory(system=AISystemFactory(team=system.team))
    response = client_for("contributor").get(obligation.get_absolute_url())
    choices = response.context["links_panel"]["mitigation_form"].fields["mitigation"].queryset
    assert other not in choices
