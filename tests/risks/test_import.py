"""Importing risks from CSV and XLSX: all or nothing, every problem reported by row and column."""

import csv
import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from pytest_django.asserts import assertContains

from apps.risks import imports, services
from apps.risks.imports import COLUMN_NAMES, RowError
from apps.risks.models import Risk, RiskStatus, Treatment
from tests.conftest import ROLES
from tests.factories import RiskFactory, UserFactory

pytestmark = pytest.mark.django_db


def row(owner, /, **overrides):
    values = {
        "title": "Invented refund policy",
        "scenario": "The assistant states refund terms that do not exist.",
        "category": "Model error / Hallucination (false positive: unsupported output)",
        "owner": owner.email,
        "inherent_likelihood": "4",
        "inherent_impact": "4",
        "residual_likelihood": "2",
        "residual_impact": "3",
        "treatment": "Mitigate",
        "status": "Open",
        "framework_references": "",
    }
    values.update(overrides)
    return values


def csv_file(rows, *, header=None, name="risks.csv", encoding="utf-8", delimiter=","):
    header = header or COLUMN_NAMES
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(column, "") for column in header])
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), "text/csv")


def xlsx_file(rows, *, header=None, name="risks.xlsx"):
    header = header or COLUMN_NAMES
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append([values.get(column, "") for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def run(system, by, upload):
    return imports.import_risks(system=system, by=by, upload=upload)


def assert_nothing_written(result):
    assert not result.ok
    assert result.created == []
    assert Risk.objects.count() == 0
    assert Risk.history.count() == 0


# --- Valid files --------------------------------------------------------------------------------
def test_valid_csv_creates_every_risk_with_its_history(system, contributor):
    upload = csv_file([row(contributor), row(contributor, title="Omitted allergy warning")])

    result = run(system, contributor, upload)

    assert result.ok, result.errors
    assert sorted(risk.title for risk in system.risks.all()) == [
        "Invented refund policy",
        "Omitted allergy warning",
    ]
    risk = Risk.objects.get(title="Invented refund policy")
    assert (risk.inherent_score, risk.residual_score) == (16, 6)
    assert risk.created_by == contributor
    created = risk.history.earliest("history_date")
    assert created.history_type == "+"
    assert created.history_user == contributor
    assert created.history_change_reason == "Imported from risks.csv"


def test_valid_xlsx_creates_every_risk(system, contributor):
    upload = xlsx_file([row(contributor), row(contributor, title="Omitted allergy warning")])

    result = run(system, contributor, upload)

    assert result.ok, result.errors
    assert system.risks.count() == 2


def test_xlsx_numbers_stored_as_numbers_are_read(system, contributor):
    upload = xlsx_file(
        [row(contributor, inherent_likelihood=4, inherent_impact=4.0, residual_impact=3)]
    )

    assert run(system, contributor, upload).ok


def test_header_names_are_case_and_space_insensitive_and_in_any_order(system, contributor):
    header = ["Owner", "Title", "Scenario", "Category", "Inherent likelihood", "Inherent impact"]
    header += ["Residual Likelihood", "residual-impact", "TREATMENT"]
    values = row(contributor)
    normalised = [imports._header_key(name) for name in header]
    upload = csv_file(
        [dict(zip(header, [values[n] for n in normalised], strict=True))], header=header
    )

    assert run(system, contributor, upload).ok


def test_category_may_be_a_slug_path_or_a_subcategory_name(system, contributor):
    upload = csv_file(
        [
            row(contributor, title="A", category="security/prompt-injection"),
            row(contributor, title="B", category="PROMPT INJECTION"),
            row(contributor, title="C", category="Security › Prompt injection"),
        ]
    )

    result = run(system, contributor, upload)

    assert result.ok, result.errors
    assert {risk.category.path for risk in result.created} == {"security/prompt-injection"}


def test_treatment_and_status_accept_values_or_labels_in_any_case(system, contributor):
    upload = csv_file([row(contributor, treatment="TRANSFER", status="treated")])

    (risk,) = run(system, contributor, upload).created

    assert (risk.treatment, risk.status) == (Treatment.TRANSFER, RiskStatus.TREATED)


def test_status_defaults_to_open(system, contributor):
    header = [column for column in COLUMN_NAMES if column != "status"]
    upload = csv_file([row(contributor, treatment="avoid")], header=header)

    (risk,) = run(system, contributor, upload).created

    assert risk.status == RiskStatus.OPEN


def test_framework_references_are_linked_by_code(system, contributor):
    upload = csv_file([row(contributor, framework_references="LLM01; aml.t0051 ;MEASURE 2.5")])

    (risk,) = run(system, contributor, upload).created

    codes = set(risk.framework_references.values_list("code", flat=True))
    assert codes == {"LLM01:2025", "AML.T0051", "MEASURE 2.5"}


def test_semicolon_separated_csv_is_read(system, contributor):
    upload = csv_file([row(contributor)], delimiter=";")

    assert run(system, contributor, upload).ok


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(system, contributor):
    upload = csv_file([row(contributor), {}, row(contributor, title="", scenario="x")])

    result = run(system, contributor, upload)

    assert result.errors == [RowError(4, "title", "This field is required.")]


def test_xlsx_rows_keep_their_sheet_numbers_across_empty_rows(system, contributor):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMN_NAMES)
    sheet.append([row(contributor)[column] for column in COLUMN_NAMES])
    sheet["A6"] = "Orphan title"
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = run(system, contributor, SimpleUploadedFile("risks.xlsx", buffer.getvalue()))

    assert {error.row for error in result.errors} == {6}
    assert_nothing_written(result)


# --- Invalid rows: every problem reported, nothing written --------------------------------------
def test_missing_required_column_is_reported(system, contributor):
    header = [column for column in COLUMN_NAMES if column != "owner"]
    upload = csv_file([row(contributor)], header=header)

    result = run(system, contributor, upload)

    assert result.errors == [RowError(1, "owner", "Required column missing.")]
    assert_nothing_written(result)


def test_unknown_column_is_reported(system, contributor):
    upload = csv_file([row(contributor)], header=[*COLUMN_NAMES, "notes"])

    result = run(system, contributor, upload)

    assert result.errors == [RowError(1, "notes", "Unknown column: remove or rename it.")]
    assert_nothing_written(result)


def test_word_instead_of_number_is_reported(system, contributor):
    upload = csv_file([row(contributor, inherent_likelihood="high")])

    result = run(system, contributor, upload)

    assert result.errors == [
        RowError(2, "inherent_likelihood", "Enter a whole number from 1 to 5.")
    ]
    assert_nothing_written(result)


def test_number_outside_the_scale_is_reported(system, contributor):
    upload = csv_file([row(contributor, inherent_impact="7")])

    result = run(system, contributor, upload)

    assert result.errors == [RowError(2, "inherent_impact", "Enter a whole number from 1 to 5.")]
    assert_nothing_written(result)


def test_unknown_category_is_reported(system, contributor):
    upload = csv_file([row(contributor, category="Weather / Rain")])

    result = run(system, contributor, upload)

    (error,) = result.errors
    assert (error.row, error.column) == (2, "category")
    assert "Unknown category “Weather / Rain”" in error.message
    assert_nothing_written(result)


def test_unknown_owner_is_reported(system, contributor):
    upload = csv_file([row(contributor, owner="nobody@example.com")])

    result = run(system, contributor, upload)

    assert result.errors == [
        RowError(2, "owner", "No active user has the e-mail address nobody@example.com.")
    ]
    assert_nothing_written(result)


def test_inactive_owner_is_reported(system, contributor):
    former = UserFactory(is_active=False)
    upload = csv_file([row(former)])

    result = run(system, contributor, upload)

    assert [(error.row, error.column) for error in result.errors] == [(2, "owner")]
    assert_nothing_written(result)


def test_owner_email_is_case_insensitive(system, contributor):
    upload = csv_file([row(contributor, owner=contributor.email.upper())])

    (risk,) = run(system, contributor, upload).created

    assert risk.owner == contributor


def test_duplicate_title_within_the_file_is_reported(system, contributor):
    upload = csv_file([row(contributor), row(contributor, title="  INVENTED refund policy")])

    result = run(system, contributor, upload)

    assert result.errors == [RowError(3, "title", "Same title as row 2: each risk needs its own.")]
    assert_nothing_written(result)


def test_duplicate_of_an_existing_risk_is_reported(system, contributor):
    RiskFactory(system=system, title="Invented Refund Policy")
    upload = csv_file([row(contributor, title="Omitted allergy warning"), row(contributor)])

    result = run(system, contributor, upload)

    assert result.errors == [
        RowError(3, "title", f"{system.reference} already has a risk with this title.")
    ]
    assert system.risks.count() == 1


def test_title_of_an_archived_risk_may_be_reused(system, contributor):
    RiskFactory(system=system, title="Invented refund policy", archived_at=timezone.now())

    result = run(system, contributor, csv_file([row(contributor)]))

    assert result.ok, result.errors


def test_residual_above_inherent_is_reported(system, contributor):
    upload = csv_file([row(contributor, residual_likelihood="5", residual_impact="5")])

    result = run(system, contributor, upload)

    (error,) = result.errors
    assert (error.row, error.column) == (2, "residual_impact")
    assert "residual score (5 × 5 = 25) is above the inherent score (4 × 4 = 16)" in error.message
    assert_nothing_written(result)


def test_unknown_treatment_is_reported(system, contributor):
    upload = csv_file([row(contributor, treatment="ignore")])

    result = run(system, contributor, upload)

    (error,) = result.errors
    assert (error.row, error.column) == (2, "treatment")
    assert "Mitigate, Accept, Transfer, Avoid" in error.message
    assert_nothing_written(result)


def test_unknown_framework_reference_is_reported(system, contributor):
    upload = csv_file([row(contributor, framework_references="LLM01; LLM99; XYZ")])

    result = run(system, contributor, upload)

    (error,) = result.errors
    assert (error.row, error.column) == (2, "framework_references")
    assert "Unknown framework references: LLM99, XYZ." in error.message
    assert_nothing_written(result)


def test_every_problem_of_every_row_is_reported_at_once(system, contributor):
    upload = csv_file(
        [
            row(contributor, inherent_likelihood="high", owner="ghost@example.com"),
            row(contributor, title="Valid one"),
            row(contributor, title="Third", category="Weather"),
        ]
    )

    result = run(system, contributor, upload)

    assert [(error.row, error.column) for error in result.errors] == [
        (2, "owner"),
        (2, "inherent_likelihood"),
        (4, "category"),
    ]
    assert_nothing_written(result)


def test_service_error_rolls_back_the_risks_already_created(system, contributor, monkeypatch):
    create_risk = services.create_risk

    def fail_on_second(**kwargs):
        if kwargs["data"]["title"] == "Second":
            raise ValidationError({"title": "Refused by the service."})
        return create_risk(**kwargs)

    monkeypatch.setattr(services, "create_risk", fail_on_second)
    upload = csv_file([row(contributor, title="First"), row(contributor, title="Second")])

    result = run(system, contributor, upload)

    assert result.errors == [RowError(3, "title", "Refused by the service.")]
    assert_nothing_written(result)


def test_user_who_cannot_add_risks_is_refused(system, viewer):
    with pytest.raises(PermissionDenied):
        run(system, viewer, csv_file([row(viewer)]))


# --- Unreadable files ---------------------------------------------------------------------------
def file_error(result) -> str:
    (error,) = result.errors
    assert (error.row, error.column) == (None, "")
    return error.message


def test_non_utf8_csv_asks_for_csv_utf8(system, contributor):
    upload = csv_file(
        [row(contributor, scenario="Le client reçoit un remboursement")], encoding="latin-1"
    )

    result = run(system, contributor, upload)

    assert "save the file as “CSV UTF-8" in file_error(result)
    assert_nothing_written(result)


def test_utf8_csv_with_byte_order_mark_is_read(system, contributor):
    upload = csv_file([row(contributor, scenario="Le client reçoit…")], encoding="utf-8-sig")

    assert run(system, contributor, upload).ok


def test_pdf_is_refused(system, contributor):
    upload = SimpleUploadedFile("risks.pdf", b"%PDF-1.7 ...", "application/pdf")

    result = run(system, contributor, upload)

    assert "upload a .csv or .xlsx file" in file_error(result)
    assert_nothing_written(result)


def test_png_renamed_csv_is_refused(system, contributor):
    upload = SimpleUploadedFile("risks.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/csv")

    result = run(system, contributor, upload)

    assert "not a CSV text file" in file_error(result)
    assert_nothing_written(result)


def test_csv_renamed_xlsx_is_refused(system, contributor):
    upload = SimpleUploadedFile("risks.xlsx", ",".join(COLUMN_NAMES).encode())

    result = run(system, contributor, upload)

    assert "not an Excel workbook" in file_error(result)
    assert_nothing_written(result)


def test_zip_that_is_not_a_workbook_is_refused(system, contributor):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    upload = SimpleUploadedFile("risks.xlsx", buffer.getvalue())

    result = run(system, contributor, upload)

    assert "cannot be read" in file_error(result)
    assert_nothing_written(result)


def test_file_over_the_size_limit_is_refused(system, contributor, settings):
    assert settings.IMPORT_MAX_BYTES == 5 * 1024 * 1024
    header = ",".join(COLUMN_NAMES).encode() + b"\n"
    upload = SimpleUploadedFile("risks.csv", header + b"x" * (10 * 1024 * 1024), "text/csv")

    result = run(system, contributor, upload)

    assert "too large (10.0" in file_error(result)
    assert "the limit is 5.0" in file_error(result)
    assert_nothing_written(result)


def test_empty_file_is_refused(system, contributor):
    result = run(system, contributor, SimpleUploadedFile("risks.csv", b"", "text/csv"))

    assert file_error(result) == "The file is empty."
    assert_nothing_written(result)


def test_file_with_only_a_header_is_refused(system, contributor):
    result = run(system, contributor, csv_file([]))

    assert "The file has no risks" in file_error(result)
    assert_nothing_written(result)


def test_file_with_too_many_rows_is_refused(system, contributor, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    rows = [row(contributor, title=f"Risk {n}") for n in range(3)]

    result = run(system, contributor, csv_file(rows))

    assert "more than 2 risks" in file_error(result)
    assert_nothing_written(result)


# --- The template -------------------------------------------------------------------------------
def download_template(client, fmt):
    response = client.get(reverse("risks:import_template", args=[fmt]))
    assert response.status_code == 200
    assert f'filename="risk-import-template.{fmt}"' in response["Content-Disposition"]
    return response.content


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_imports_back_as_one_risk(fmt, system, contributor, client_for):
    content = download_template(client_for("contributor"), fmt)

    result = run(system, contributor, SimpleUploadedFile(f"template.{fmt}", content))

    assert result.ok, result.errors
    (risk,) = result.created
    assert risk.owner == contributor
    assert risk.category.path == "security/prompt-injection"
    assert risk.framework_references.count() == 3


def test_xlsx_template_has_a_help_sheet_listing_columns_categories_and_treatments(client_for):
    content = download_template(client_for("contributor"), "xlsx")

    workbook = load_workbook(io.BytesIO(content), read_only=True)
    assert workbook.sheetnames == ["Risks", "Help"]
    first_cells = [cells[0] for cells in workbook["Help"].iter_rows(values_only=True)]
    assert set(COLUMN_NAMES) <= set(first_cells)
    assert "Security / Prompt injection" in first_cells
    assert {label for _, label in Treatment.choices} <= set(first_cells)


def test_unknown_template_format_is_not_found(client_for):
    response = client_for("contributor").get(reverse("risks:import_template", args=["pdf"]))

    assert response.status_code == 404


def test_template_needs_a_signed_in_user(client):
    response = client.get(reverse("risks:import_template", args=["csv"]))

    assert response.status_code == 302


# --- The page -----------------------------------------------------------------------------------
PAGE_ACCESS = {
    "contributor": 200,
    "viewer": 403,
    "outsider": 404,
    "committee_member": 403,
    "auditor": 403,
    "administrator": 200,
    "nobody": 404,
    "anonymous": 302,
}


def test_access_table_covers_every_role():
    assert set(PAGE_ACCESS) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_status_on_the_import_page(role, client_for, system):
    response = client_for(role).get(reverse("risks:import", args=[system.pk]))

    assert response.status_code == PAGE_ACCESS[role]


def test_anonymous_is_sent_to_the_login_page(client, system):
    response = client.get(reverse("risks:import", args=[system.pk]))

    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["viewer", "outsider", "committee_member", "auditor", "nobody"])
def test_refused_roles_cannot_import_by_post(role, client_for, system, contributor):
    response = client_for(role).post(
        reverse("risks:import", args=[system.pk]), {"file": csv_file([row(contributor)])}
    )

    assert response.status_code in (403, 404)
    assert Risk.objects.count() == 0


def test_archived_system_refuses_imports(client_for, system):
    system.archived_at = timezone.now()
    system.save()

    response = client_for("contributor").get(reverse("risks:import", args=[system.pk]))

    assert response.status_code == 403


def test_page_documents_the_columns_and_links_the_templates(client_for, system):
    response = client_for("contributor").get(reverse("risks:import", args=[system.pk]))

    assertContains(response, 'accept=".csv,.xlsx"')
    assertContains(response, "<code>framework_references</code>", html=False)
    assertContains(response, reverse("risks:import_template", args=["xlsx"]))
    assertContains(response, reverse("risks:import_template", args=["csv"]))


def test_administrator_imports_into_any_team(client_for, system, contributor):
    response = client_for("administrator").post(
        reverse("risks:import", args=[system.pk]), {"file": csv_file([row(contributor)])}
    )

    assert response.status_code == 302
    assert system.risks.count() == 1


def test_valid_upload_redirects_to_the_system_with_a_count(client_for, system, contributor):
    upload = csv_file([row(contributor), row(contributor, title="Omitted allergy warning")])

    response = client_for("contributor").post(
        reverse("risks:import", args=[system.pk]), {"file": upload}
    )

    assert response.status_code == 302
    assert response.url == system.get_absolute_url()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"2 risks imported into {system.reference}."
    ]
    assert system.risks.count() == 2


def test_invalid_upload_shows_the_row_errors_and_imports_nothing(client_for, system, contributor):
    upload = csv_file([row(contributor), row(contributor, inherent_impact="7")])

    response = client_for("contributor").post(
        reverse("risks:import", args=[system.pk]), {"file": upload}
    )

    assert response.status_code == 200
    assertContains(response, "Nothing was imported")
    assertContains(response, '<td class="text-nowrap">3</td>', html=False)
    assertContains(response, "<code>inherent_impact</code>", html=False)
    assertContains(response, "Enter a whole number from 1 to 5.")
    assert Risk.objects.count() == 0


def test_upload_without_a_file_is_refused(client_for, system):
    response = client_for("contributor").post(reverse("risks:import", args=[system.pk]), {})

    assert response.status_code == 200
    assertContains(response, "This field is required.")
    assert Risk.objects.count() == 0
