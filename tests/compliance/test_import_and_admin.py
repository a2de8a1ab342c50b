"""An administrator's own catalogue, from YAML or CSV, all or nothing with every row's problem;
retiring a version after a confirmation; key dates changed in the administration."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains

from apps.compliance import imports, services
from apps.compliance.applicability import recompute_obligations
from apps.compliance.models import Catalogue, KeyDate, Obligation
from tests.factories import AISystemFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:compliance_catalogue_import")
META = {"framework": "internal-ai-policy", "name": "Internal AI policy", "version": "2026.1"}
GOOD_CSV = "\n".join(
    [
        "identifier,title,summary,kind,parent,binds,blocking,applies_when",
        "POL-1,AI use policy,Teams follow the AI use policy.,section,,,no,",
        "POL-1.1,Privacy review,A privacy review before launch.,requirement,POL-1,deployer,yes,"
        "processes_personal_data=yes",
        "POL-1.2,Bias test,Every scoring system is tested for bias.,requirement,POL-1,,no,"
        "ai_kind=classification|forecasting",
        "POL-1.3,Register,Every system is in the register.,requirement,POL-1,,,all",
        "",
    ]
)


def upload(text, name="policy.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_a_csv_catalogue_is_read_with_its_rules():
    document = imports.read_upload(upload(GOOD_CSV), **META)
    assert [r["id"] for r in document["requirements"]] == ["POL-1", "POL-1.1", "POL-1.2", "POL-1.3"]
    assert document["scope"] == "system"
    assert [rule["when"] for rule in document["rules"]] == [
        {"processes_personal_data": True},
        {"ai_kind": ["classification", "forecasting"]},
        {},
    ]
    assert document["rules"][1]["description"] == (
        "kind of AI: Classification or scoring or Forecasting"
    )


def test_an_imported_catalogue_derives_obligations_from_its_rules(administrator):
    personal = AISystemFactory(ai_kind="vision", processes_personal_data=True)
    other = AISystemFactory(ai_kind="vision")
    document = imports.read_upload(upload(GOOD_CSV), **META)
    result = services.import_catalogue(document=document, by=administrator)
    assert result.catalogue.framework == "internal-ai-policy" and not result.catalogue.is_builtin
    assert result.catalogue.loaded_by == administrator
    mine = Obligation.objects.filter(requirement__catalogue=result.catalogue)
    assert set(mine.filter(system=personal).values_list("requirement__identifier", flat=True)) == {
        "POL-1.1",
        "POL-1.3",
    }
    assert set(mine.filter(system=other).values_list("requirement__identifier", flat=True)) == {
        "POL-1.3"
    }


def test_every_row_problem_is_listed_with_its_row_number():
    bad = """identifier,title,kind,parent,blocking,applies_when
POL-1,AI use policy,section,,,
POL-1,Duplicate,requirement,,maybe,
POL-2,,chapter,POL-9,,colour=blue
POL-3,Scoring,requirement,,,eu_ai_act_tier=banned; serves_public=perhaps
"""
    with pytest.raises(ValidationError) as error:
        imports.read_upload(upload(bad), **META)
    problems = error.value.messages
    assert "Row 3: blocking is yes or no, not “maybe”." in problems
    assert "Row 4: applies_when: “colour” is not a fact of a system." in problems
    assert (
        "Row 5: applies_when: serves_public is a yes/no fact: write serves_public=yes or "
        "serves_public=no." in problems
    )
    assert any(
        p.startswith("Row 5: applies_when: eu_ai_act_tier has no value “banned”") for p in problems
    )
    assert "Row 3: id “POL-1” appears twice (first at row 2)." in problems
    assert "Row 4: title is required." in problems
    assert any(p.startswith("Row 4: kind “chapter” is not one of") for p in problems)
    assert "Row 4: parent “POL-9” is not a requirement of this catalogue." in problems


def test_a_csv_needs_its_columns_and_the_catalogues_name():
    with pytest.raises(ValidationError) as error:
        imports.read_upload(upload("title,summary\nA,B\n"), framework="", name="", version="")
    problems = error.value.messages
    assert "Framework key: required for a CSV file (the file has only requirements)." in problems
    assert "Row 1: the column(s) identifier are missing." in problems


def test_a_file_that_is_not_utf8_or_not_yaml_is_refused():
    with pytest.raises(ValidationError, match="UTF-8"):
        imports.read_upload(SimpleUploadedFile("p.csv", "é".encode("latin-1")), **META)
    with pytest.raises(ValidationError, match="not valid YAML"):
        imports.read_upload(upload("a: [b\n", name="p.yaml"))
    with pytest.raises(ValidationError, match=r"\.yaml, \.yml or \.csv"):
        imports.read_upload(upload("x", name="p.xlsx"))


def test_a_yaml_catalogue_is_imported_like_the_shipped_ones(administrator):
    text = """framework: sector-rule
name: Sector rule
version: "1"
source: Our regulator's guidance.
requirements:
  - id: S-1
    title: Explain decisions
    summary: Customers get an explanation of automated decisions.
rules:
  - key: decides
    description: A system that decides on its own
    when: {decision_role: [decides]}
    requirements: [S-1]
"""
    deciding = AISystemFactory(decision_role="decides")
    result = services.import_catalogue(
        document=imports.read_upload(upload(text, name="rule.yaml")), by=administrator
    )
    assert deciding.obligations.get(
        requirement__catalogue=result.catalogue
    ).requirement.identifier == ("S-1")


def test_importing_is_all_or_nothing(administrator):
    document = imports.read_upload(upload(GOOD_CSV), **META)
    document["rules"][0]["requirements"] = ["POL-404"]
    with pytest.raises(ValidationError):
        services.import_catalogue(document=document, by=administrator)
    assert not Catalogue.objects.filter(framework="internal-ai-policy").exists()


@pytest.mark.parametrize("role", ["contributor", "committee_member", "auditor"])
def test_only_administrators_import(role, user_for):
    document = imports.read_upload(upload(GOOD_CSV), **META)
    with pytest.raises(services.PermissionDenied):
        services.import_catalogue(document=document, by=user_for(role))


# --- The administration's pages -------------------------------------------------------------------
def test_the_import_page_lists_every_problem_and_imports_nothing(client_for):
    client = client_for("administrator")
    response = client.post(IMPORT, {"file": upload("identifier,title\nA,\n"), **META}, follow=True)
    assertContains(response, "Nothing was imported")
    assertContains(response, "Row 2: title is required.")
    assert not Catalogue.objects.filter(framework="internal-ai-policy").exists()


def test_the_import_page_imports_a_valid_file(client_for):
    response = client_for("administrator").post(IMPORT, {"file": upload(GOOD_CSV), **META})
    assert response.status_code == 302
    assert Catalogue.objects.current().filter(framework="internal-ai-policy").exists()


def test_the_csv_template_is_a_valid_catalogue():
    document = imports.read_upload(upload(imports.csv_template()), **META)
    assert [r["id"] for r in document["requirements"]] == ["POL-1", "POL-1.1"]


def test_staff_who_are_not_administrators_cannot_open_the_import(committee_member, client):
    committee_member.is_staff = True
    committee_member.save()
    client.force_login(committee_member)
    assert client.get(IMPORT).status_code == 403


def test_retiring_asks_for_confirmation_then_keeps_history(client_for, administrator):
    system = AISystemFactory(ai_kind="vision")
    recompute_obligations(systems=[system], reason="Test")
    catalogue = Catalogue.objects.current().get(framework="eu-ai-act")
    client = client_for("administrator")
    changelist = reverse("admin:compliance_catalogue_changelist")
    selected = {"action": "retire_catalogues", "_selected_action": [catalogue.pk]}
    response = client.post(changelist, selected)
    assertContains(response, "Retire these catalogue versions?")
    assertContains(response, "1 obligation of systems will no longer apply")
    catalogue.refresh_from_db()
    assert not catalogue.is_retired
    response = client.post(changelist, {**selected, "confirm": "yes", "reason": "Superseded"})
    assert response.status_code == 302
    catalogue.refresh_from_db()
    assert catalogue.is_retired and catalogue.retired_by == administrator
    assert system.obligations.get().applicability == "no_longer_applies"


def test_a_key_date_is_changed_in_the_administration_with_history(client_for, administrator):
    key_date = KeyDate.objects.get(key="eu-ai-act-transparency")
    url = reverse("admin:compliance_keydate_change", args=[key_date.pk])
    client = client_for("administrator")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "label": key_date.label,
            "date": "2026-10-01",
            "source_note": "Checked in the OJ.",
            "requirements": list(key_date.requirements.values_list("pk", flat=True)),
            "conditions": "{}",
            "supersedes": "",
            "change_reason": "Checked",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    key_date.refresh_from_db()
    assert key_date.date == datetime.date(2026, 10, 1)
    assert key_date.history.first().history_change_reason == "Checked"
    assert key_date.history.first().history_user == administrator


def test_a_key_date_with_an_unknown_fact_shows_the_error(client_for):
    key_date = KeyDate.objects.get(key="eu-ai-act-transparency")
    url = reverse("admin:compliance_keydate_change", args=[key_date.pk])
    response = client_for("administrator").post(
        url,
        {
            "label": key_date.label,
            "date": "2026-08-02",
            "source_note": "x",
            "conditions": '{"tier": ["high"]}',
        },
    )
    assertContains(response, "“tier” is not a fact of a system")
