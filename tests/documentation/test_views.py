"""Pages of technical documentation: the live document and its gaps, writing its texts (409 on
a conflict), generating a version, a version and its SHA-256, the comparison, the Annex VIII
sheet, the list and the system's panel; who may see and do what."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pytest_django.asserts import assertContains, assertNotContains

from apps.documentation import outputs, services
from apps.documentation.models import TechnicalDocument, TechnicalDocumentVersion
from tests.documentation.factories import start
from tests.factories import AISystemFactory, RiskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(document, contributor):
    return services.generate_version(document=document, by=contributor)


@pytest.fixture
def high_risk_system(team, contributor):
    return AISystemFactory(
        team=team,
        name="CV screening",
        business_owner=contributor,
        eu_ai_act_tier="high_risk",
        eu_ai_act_area="4",
    )


def edit_url(document, group="development"):
    return reverse("documentation:edit", args=[document.pk, group])


# --- The document's page --------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["viewer", "contributor", "committee_member", "auditor"])
def test_readers_of_the_system_read_its_document_and_its_gaps(client_for, document, role):
    response = client_for(role).get(document.get_absolute_url())

    assertContains(response, "1. General description of the AI system")
    assertContains(response, "9. Post-market monitoring plan")
    assertContains(response, "No data-governance description")
    assertContains(response, 'id="gap-count"')


def test_another_teams_document_is_not_found(client_for, foreign_document):
    assert client_for("contributor").get(foreign_document.get_absolute_url()).status_code == 404


def test_writers_get_links_to_fill_each_gap_and_the_generate_button(client_for, document):
    response = client_for("contributor").get(document.get_absolute_url())

    assertContains(response, f'href="{edit_url(document)}#id_data_governance"')
    assertContains(response, 'id="generate-form"')


@pytest.mark.parametrize("role", ["viewer", "committee_member", "auditor"])
def test_readers_get_neither_fill_links_nor_the_generate_button(client_for, document, role):
    response = client_for(role).get(document.get_absolute_url())

    assertNotContains(response, edit_url(document))
    assertNotContains(response, 'id="generate-form"')


def test_the_page_says_when_nothing_changed_since_the_latest_version(client_for, version):
    response = client_for("contributor").get(version.document.get_absolute_url())

    assertContains(response, 'id="unchanged"')
    assertNotContains(response, 'id="generate-form"')
    assertContains(response, version.sha256)  # in the versions table (its title)


# --- Writing texts --------------------------------------------------------------------------------
def test_a_contributor_writes_a_sections_texts(client_for, document):
    response = client_for("contributor").post(
        edit_url(document),
        {
            "data_governance": "Applications 2021–2025.",
            "change_reason": "From the model document",
            "version": document.version,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url() + "#sec-development"
    document.refresh_from_db()
    assert document.data_governance == "Applications 2021–2025."
    assert document.history.first().history_change_reason == "From the model document"


def test_the_edit_page_shows_only_its_sections_texts(client_for, document):
    response = client_for("contributor").get(edit_url(document, "standards"))

    assertContains(response, 'name="harmonised_standards"')
    assertNotContains(response, 'name="provider"')


def test_a_conflicting_edit_is_a_409_with_both_versions(client_for, document, administrator):
    read = document.version
    services.update_document(
        document=document, by=administrator, data={"hardware": "x86"}, expected_version=read
    )

    response = client_for("contributor").post(
        edit_url(document, "general"), {"hardware": "ARM", "version": read}
    )

    assert response.status_code == 409
    assertContains(response, "x86", status_code=409)
    assertContains(response, 'id="edit-conflict-title"', status_code=409)
    document.refresh_from_db()
    assert document.hardware == "x86"


def test_a_bad_address_is_shown_on_its_field(client_for, document):
    response = client_for("contributor").post(
        edit_url(document, "registration"),
        {"information_url": "not an address", "version": document.version},
    )

    assert response.status_code == 200
    assert "information_url" in response.context["form"].errors


def test_an_unknown_part_is_not_found(client_for, document):
    assert client_for("contributor").get(edit_url(document, "nothing")).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "committee_member", "auditor"])
def test_readers_cannot_open_the_edit_page(client_for, document, role):
    assert client_for(role).get(edit_url(document)).status_code == 403


# --- Generating and reading versions --------------------------------------------------------------
def test_generating_a_version_freezes_it_and_shows_its_sha256(client_for, document):
    response = client_for("contributor").post(
        reverse("documentation:generate", args=[document.pk]), {"note": "For legal"}
    )

    version = TechnicalDocumentVersion.objects.get()
    assert response["Location"] == version.get_absolute_url()
    page = client_for("viewer").get(version.get_absolute_url())
    assertContains(page, f'<code class="text-break" id="sha256">{version.sha256}</code>')
    assertContains(page, "Checked: the stored content still has this hash")
    assertContains(page, "For legal")


def test_generating_twice_without_a_change_says_so(client_for, version):
    client = client_for("contributor")
    response = client.post(
        reverse("documentation:generate", args=[version.document_id]), follow=True
    )

    assertContains(response, "Nothing changed since version 1")
    assert TechnicalDocumentVersion.objects.count() == 1


@pytest.mark.parametrize("role", ["viewer", "committee_member", "auditor"])
def test_readers_cannot_generate_a_version(client_for, document, role):
    response = client_for(role).post(reverse("documentation:generate", args=[document.pk]))

    assert response.status_code == 403
    assert not TechnicalDocumentVersion.objects.exists()


def test_a_version_shows_what_it_said_not_the_live_record(client_for, version, system):
    RiskFactory(system=system, title="Added after the version")

    response = client_for("viewer").get(version.get_absolute_url())

    assertNotContains(response, "Added after the version")


def test_an_unknown_version_is_not_found(client_for, document):
    url = reverse("documentation:version", args=[document.pk, 9])
    assert client_for("viewer").get(url).status_code == 404


def test_the_comparison_shows_changes_section_by_section(client_for, version, system, contributor):
    services.update_document(
        document=version.document, by=contributor, data={"hardware": "Two x86 servers"}
    )
    services.generate_version(document=version.document, by=contributor)

    response = client_for("committee_member").get(
        reverse("documentation:compare", args=[version.document_id, 2])
    )

    assertContains(response, "What changed in version 2 since version 1")
    assertContains(response, '<ins class="diff-new">Two x86 servers</ins>', html=False)
    assertContains(response, "No longer missing")


def test_the_first_version_has_nothing_to_compare_with(client_for, version):
    url = reverse("documentation:compare", args=[version.document_id, 1])
    assertContains(client_for("viewer").get(url), "there is nothing to compare it with")


def test_the_files_are_made_from_the_frozen_version(client_for, version, monkeypatch):
    monkeypatch.setattr(outputs, "build_pdf", lambda v: b"%PDF-" + v.sha256.encode())
    monkeypatch.setattr(outputs, "build_docx", lambda v: b"PK" + v.sha256.encode())
    client = client_for("auditor")
    args = [version.document_id, 1]

    pdf = client.get(reverse("documentation:version_pdf", args=args))
    docx = client.get(reverse("documentation:version_docx", args=args))

    assert (pdf["Content-Type"], pdf.content) == (
        "application/pdf",
        b"%PDF-" + version.sha256.encode(),
    )
    assert docx["Content-Type"] == outputs.DOCX_TYPE
    assert docx["Content-Disposition"] == (
        f'attachment; filename="{version.document.system.reference}-annex-iv-v1.docx"'
    )


def test_the_audit_logs_link_leads_to_the_version(client_for, version):
    response = client_for("auditor").get(reverse("documentation:version_link", args=[version.pk]))
    assert response["Location"] == version.get_absolute_url()


# --- Annex VIII -----------------------------------------------------------------------------------
def sheet_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(response.getvalue()), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def test_the_annex_viii_sheet_is_filled_from_the_record_with_blanks_marked(
    client_for, high_risk_system, contributor
):
    document = start(
        high_risk_system,
        contributor,
        provider="Example Bank plc, Brussels",
        member_states="Belgium",
    )

    response = client_for("committee_member").get(
        reverse("documentation:registration_sheet", args=[document.pk])
    )

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = {
        row[0]: row for row in sheet_rows(response) if row and row[0] and row[0].startswith("A.")
    }
    assert list(rows) == [f"A.{n}" for n in range(1, 14)]
    assert rows["A.1"][2:] == ("Example Bank plc, Brussels", "filled")
    assert rows["A.4"][2].startswith(f"CV screening — {high_risk_system.reference}")
    assert rows["A.10"][2:] == ("Belgium", "filled")
    assert rows["A.11"][3] == "MISSING"  # no declaration of conformity yet
    assert rows["A.3"][3] == "where applicable"


def test_the_annex_viii_page_card_counts_the_missing_points(client_for, document):
    response = client_for("viewer").get(document.get_absolute_url())
    assertContains(response, "EU database registration (Annex VIII)")
    assertContains(response, "points missing")


# --- The list, starting a document, the system's panel --------------------------------------------
def test_the_list_offers_to_start_the_undocumented_high_risk_systems(client_for, high_risk_system):
    response = client_for("contributor").get(reverse("documentation:list"))

    assertContains(response, "High-risk systems without technical documentation (1)")
    assertContains(response, f"{reverse('documentation:create')}?system={high_risk_system.pk}")


def test_the_list_shows_only_the_documents_one_may_read(client_for, document, foreign_document):
    response = client_for("viewer").get(reverse("documentation:list"))

    assertContains(response, document.reference)
    assertNotContains(response, foreign_document.reference)


def test_the_chooser_offers_high_risk_systems_first(client_for, system, high_risk_system):
    response = client_for("contributor").get(reverse("documentation:create"))

    content = response.content.decode()
    assert content.index("High-risk systems") < content.index(high_risk_system.name)
    assert content.index(high_risk_system.name) < content.index("Other systems")
    assert content.index("Other systems") < content.index(system.name)


def test_a_contributor_starts_a_document_from_the_form(client_for, high_risk_system):
    response = client_for("contributor").post(
        f"{reverse('documentation:create')}?system={high_risk_system.pk}",
        {"provider": "Example Bank plc", "change_reason": ""},
    )

    document = TechnicalDocument.objects.get()
    assert response["Location"] == document.get_absolute_url()
    assert document.provider == "Example Bank plc"


def test_starting_a_document_that_exists_leads_to_it(client_for, document, system):
    response = client_for("viewer").get(f"{reverse('documentation:create')}?system={system.pk}")
    assert response["Location"] == document.get_absolute_url()


@pytest.mark.parametrize("role", ["viewer", "committee_member", "auditor"])
def test_readers_cannot_start_a_document(client_for, high_risk_system, role):
    url = f"{reverse('documentation:create')}?system={high_risk_system.pk}"
    assert client_for(role).post(url, {"provider": "x"}).status_code == 403


def test_a_high_risk_systems_page_offers_to_start_its_documentation(client_for, high_risk_system):
    response = client_for("contributor").get(high_risk_system.get_absolute_url())
    assertContains(response, 'id="start-technical-document"')


def test_a_systems_page_shows_its_latest_versions_gaps(client_for, version, system):
    response = client_for("viewer").get(system.get_absolute_url())

    assertContains(response, f"Open {version.document.reference}")
    assertContains(response, f"{version.gap_count} missing")
    assertNotContains(response, 'id="start-technical-document"')


def test_a_save_without_the_version_read_is_refused(client_for, document):
    response = client_for("contributor").post(edit_url(document, "general"), {"hardware": "x86"})

    assert response.status_code == 200
    assertContains(response, "reload the page")
    document.refresh_from_db()
    assert document.hardware == ""


def test_the_art_11_obligation_shows_the_systems_documentation(client_for, version, system):
    from tests.factories import ObligationFactory, current_requirement

    obligation = ObligationFactory(system=system, requirement=current_requirement("Art. 11"))
    other = ObligationFactory(system=system, requirement=current_requirement("Art. 9"))

    response = client_for("auditor").get(obligation.get_absolute_url())

    assertContains(response, "Its Annex IV technical documentation answers this obligation.")
    assertContains(response, version.document.get_absolute_url())
    assertNotContains(
        client_for("auditor").get(other.get_absolute_url()), 'id="documentation-heading"'
    )
