"""The assessment's pages: offered on the system's and the Art. 27 obligation's pages where the
compliance rules say it applies, the draft edited, versions submitted, read and compared."""

import pytest
from django.urls import reverse

from apps.assessments import services
from apps.assessments.models import AssessmentVersion, FundamentalRightsAssessment
from apps.core.models import AuditEvent
from tests.factories import ObligationFactory, RiskFactory

pytestmark = pytest.mark.django_db


def _edit_data(assessment, **changes):
    data = {
        name: getattr(assessment, name) or ""
        for name in (
            "deployer_process",
            "period_of_use",
            "affected_groups",
            "risks_of_harm",
            "human_oversight",
            "measures_if_materialised",
            "internal_governance",
            "complaint_mechanisms",
            "authority_name",
        )
    }
    data["authority_notified_on"] = ""
    data["risks"] = [r.pk for r in assessment.risks.all()]
    data["version"] = assessment.version
    data.update(changes)
    return data


# --- Offered where Art. 27 applies ----------------------------------------------------------------
def test_the_system_page_offers_to_start_it_where_art_27_applies(client_for, art27_system):
    page = client_for("contributor").get(art27_system.get_absolute_url())
    assert reverse("assessments:start", args=[art27_system.pk]).encode() in page.content
    assert b"Start the fundamental rights impact assessment" in page.content


def test_the_system_page_says_nothing_of_it_elsewhere(client_for, system):
    page = client_for("contributor").get(system.get_absolute_url())
    assert b'id="fria"' not in page.content


def test_a_reader_of_the_system_sees_no_start_button(client_for, art27_system):
    page = client_for("viewer").get(art27_system.get_absolute_url())
    assert b'id="fria"' in page.content and b'id="start-fria"' not in page.content


def test_the_art_27_obligations_page_shows_the_current_assessment(
    client_for, assessment, art27_obligation
):
    page = client_for("auditor").get(art27_obligation.get_absolute_url())
    assert assessment.reference.encode() in page.content


def test_another_obligations_page_does_not(client_for, art27_system):
    other = ObligationFactory(system=art27_system)  # Art. 9
    page = client_for("contributor").get(other.get_absolute_url())
    assert b'id="fria"' not in page.content


def test_a_direct_url_says_why_it_is_not_offered(client_for, system):
    page = client_for("contributor").get(reverse("assessments:start", args=[system.pk]))
    assert page.status_code == 403
    assert b"Art. 27 does not apply to" in page.content


def test_starting_it_opens_the_draft(client_for, art27_system):
    response = client_for("contributor").post(reverse("assessments:start", args=[art27_system.pk]))
    assessment = FundamentalRightsAssessment.objects.get(system=art27_system)
    assert response["Location"] == reverse("assessments:edit", args=[assessment.pk])


# --- Who reads and who writes ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("contributor", 200, 200),
        ("viewer", 200, 403),
        ("committee_member", 200, 403),
        ("auditor", 200, 403),
        ("administrator", 200, 200),
        ("outsider", 404, 404),
        ("nobody", 404, 404),
    ],
)
def test_each_role_reads_and_writes_as_the_rules_say(client_for, assessment, role, read, write):
    client = client_for(role)
    assert client.get(assessment.get_absolute_url()).status_code == read
    assert client.get(reverse("assessments:edit", args=[assessment.pk])).status_code == write
    assert client.get(reverse("assessments:submit", args=[assessment.pk])).status_code == write


def test_an_anonymous_visitor_is_asked_to_sign_in(client, assessment):
    response = client.get(assessment.get_absolute_url())
    assert response.status_code == 302 and "login" in response["Location"]


# --- The draft ------------------------------------------------------------------------------------
def test_the_edit_page_saves_the_sections_and_the_links(client_for, assessment, system):
    other = RiskFactory(system=system, title="Postcode bias")
    response = client_for("contributor").post(
        reverse("assessments:edit", args=[assessment.pk]),
        _edit_data(assessment, period_of_use="Weekly", risks=[other.pk], change_reason="Pilot"),
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.period_of_use == "Weekly"
    assert list(assessment.risks.all()) == [other]


def test_the_edit_page_shows_both_versions_on_a_conflict(client_for, assessment, contributor):
    read = _edit_data(assessment, period_of_use="Mine")
    services.update_assessment(
        assessment=assessment, by=contributor, data={"period_of_use": "Theirs"}
    )
    response = client_for("contributor").post(
        reverse("assessments:edit", args=[assessment.pk]), read
    )
    assert response.status_code == 409
    assert b"Theirs" in response.content


def test_a_bad_date_is_shown_next_to_its_field(client_for, assessment):
    response = client_for("contributor").post(
        reverse("assessments:edit", args=[assessment.pk]),
        _edit_data(assessment, authority_notified_on="2027-02-30"),
    )
    assert response.status_code == 200
    assert "authority_notified_on" in response.context["form"].errors


def test_a_new_risk_is_added_from_the_assessment(client_for, assessment, risk_data):
    data = {
        **risk_data,
        "category": risk_data["category"].pk,
        "owner": risk_data["owner"].pk,
        "treatment": "mitigate",
        "status": "open",
    }
    response = client_for("contributor").post(
        reverse("assessments:add_risk", args=[assessment.pk]), data
    )
    assert response["Location"] == assessment.get_absolute_url()
    assert assessment.risks.filter(title=risk_data["title"]).exists()


# --- Versions -------------------------------------------------------------------------------------
def test_the_submit_page_lists_what_is_missing(client_for, art27_system, contributor):
    draft = services.start_assessment(system=art27_system, by=contributor)
    page = client_for("contributor").get(reverse("assessments:submit", args=[draft.pk]))
    assert b"still empty" in page.content


def test_submitting_from_the_page_sends_it_to_the_committee(
    client_for, assessment, committee_member
):
    response = client_for("contributor").post(
        reverse("assessments:submit", args=[assessment.pk]),
        {"reviewers": [committee_member.pk], "note": "Please read section (d)."},
    )
    version = AssessmentVersion.objects.get(assessment=assessment)
    assert response["Location"] == version.get_absolute_url()
    assert version.review.note == "Please read section (d)."


def test_a_refused_submission_keeps_the_form_with_the_reason(
    client_for, art27_system, contributor, committee_member
):
    draft = services.start_assessment(system=art27_system, by=contributor)
    response = client_for("contributor").post(
        reverse("assessments:submit", args=[draft.pk]), {"reviewers": [committee_member.pk]}
    )
    assert response.status_code == 200
    assert b"Fill in every section" in response.content


def test_the_version_page_shows_the_frozen_sections(
    client_for, assessment, contributor, submit, risk
):
    version = submit(assessment, contributor)
    page = client_for("viewer").get(version.get_absolute_url())
    assert b"Specific risks of harm to them" in page.content
    assert risk.title.encode() in page.content
    assert b"Waiting for the committee" in page.content


def test_an_unknown_version_is_a_404(client_for, assessment):
    page = client_for("contributor").get(reverse("assessments:version", args=[assessment.pk, 9]))
    assert page.status_code == 404


def test_the_compare_page_marks_the_changed_sections(
    client_for, assessment, contributor, committee_member, submit, decide
):
    first = submit(assessment, contributor)
    decide(first, committee_member, "request_changes", comment="Oversight?")
    services.update_assessment(
        assessment=assessment, by=contributor, data={"human_oversight": "Two people decide."}
    )
    second = submit(assessment, contributor)
    page = client_for("committee_member").get(
        reverse("assessments:compare", args=[assessment.pk, second.number])
    )
    assert page.context["changed"] == 1
    assert b"Two people decide." in page.content


def test_the_review_page_shows_the_version_under_review(
    client_for, assessment, contributor, submit
):
    version = submit(assessment, contributor)
    page = client_for("committee_member").get(reverse("reviews:detail", args=[version.review_id]))
    assert b'id="fria-subject"' in page.content
    assert version.get_absolute_url().encode() in page.content


def test_the_audit_log_links_a_version_to_its_page(client_for, assessment, contributor, submit):
    version = submit(assessment, contributor)
    link = reverse("assessments:version_link", args=[version.pk])
    response = client_for("auditor").get(link)
    assert response["Location"] == version.get_absolute_url()
    assert AuditEvent.objects.filter(object_id=version.pk).exists()


def test_the_list_shows_the_assessments_one_may_read(client_for, assessment):
    assert (
        assessment.reference.encode()
        in client_for("viewer").get(reverse("assessments:list")).content
    )
    assert (
        assessment.reference.encode()
        not in client_for("outsider").get(reverse("assessments:list")).content
    )
