"""The audit log's export: the filtered log with each entry's sequence and hash, as CSV and JSON,
from the audit log page and the API, and the README's recipe that re-verifies it offline."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from pytest_django.asserts import assertContains

from apps.core.api.audit_export import AuditLogExporter
from apps.core.models import AuditEvent
from apps.mitigations import services as mitigation_services
from apps.risks import services as risk_services
from apps.risks.models import Risk, RiskCategory
from apps.systems import services as system_services
from tests.export_files import csv_dicts
from tests.factories import AISystemFactory, RiskFactory

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
GLOBAL_READERS = ("committee_member", "auditor", "administrator")
OTHERS = ("viewer", "contributor", "outsider", "nobody")


def body_of(response) -> bytes:
    assert response.status_code == 200, getattr(response, "content", b"")
    return b"".join(response.streaming_content)


@pytest.fixture
def trail(team, contributor):
    """Work through the services: a system edited, a risk added and edited (with an awkward
    name), a mitigation planned for it (a many-to-many history)."""
    system = AISystemFactory(team=team, name="Support chatbot 🤖")
    system_services.update_system(
        system=system, by=contributor, data={"vendor": "Acme"}, reason="New vendor"
    )
    risk = risk_services.create_risk(
        system=system,
        by=contributor,
        data={
            "title": '=HYPERLINK("x") — “quoted”, with\na new line',
            "scenario": "The assistant states refund terms that do not exist.",
            "category": RiskCategory.objects.get(slug="hallucination"),
            "owner": contributor,
            "inherent_likelihood": 4,
            "inherent_impact": 4,
            "residual_likelihood": 2,
            "residual_impact": 3,
            "treatment": "mitigate",
            "status": "open",
        },
    )
    risk_services.update_risk(
        risk=risk, by=contributor, data={"residual_likelihood": 1}, reason="-5 % after tests"
    )
    mitigation_services.create_mitigation(
        system=system,
        by=contributor,
        data={
            "title": "Ground answers in the policy corpus",
            "description": "Retrieval from the published policies only.",
            "kind": "architecture",
            "layer": "application",
            "owner": contributor,
        },
        risks=[risk],
    )
    return system, risk


def readme_python(marker: str) -> str:
    """The README's ``python`` code block that contains ``marker``."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    return next(block for block in blocks if marker in block)


def run_recipe(tmp_path, marker: str, content: bytes) -> subprocess.CompletedProcess:
    script = tmp_path / "recipe.py"
    script.write_text(readme_python(marker))
    data = tmp_path / "export"
    data.write_bytes(content)
    return subprocess.run(  # noqa: S603 — the README's own snippet, run by this Python
        [sys.executable, str(script), str(data)], capture_output=True, text=True, timeout=60
    )


def verify_offline(tmp_path, content: bytes) -> subprocess.CompletedProcess:
    return run_recipe(tmp_path, "verify_audit_export.py", content)


# --- What the export holds ----------------------------------------------------------------------
def test_the_json_export_holds_every_entry_in_chain_order_with_its_hash(api_for, trail):
    entries = json.loads(body_of(api_for("auditor").get(reverse("api:export-audit-log-json"))))
    stored = list(AuditEvent.objects.order_by("sequence"))
    assert [e["sequence"] for e in entries] == [event.sequence for event in stored]
    assert [e["entry_hash"] for e in entries] == [event.entry_hash for event in stored]
    assert entries[0]["previous_hash"] == "0" * 64
    assert all(e["previous_hash"] == p["entry_hash"] for p, e in itertools.pairwise(entries))
    assert list(entries[0]) == AuditLogExporter.header()


def test_an_entry_names_its_record_change_and_reason(api_for, trail):
    _system, risk = trail
    entries = json.loads(body_of(api_for("auditor").get(reverse("api:export-audit-log-json"))))
    edit = next(e for e in entries if e["model"] == "risks.risk" and e["action"] == "~")
    assert edit["reference"] == risk.reference
    assert edit["change_reason"] == "-5 % after tests"
    assert edit["user_repr"] and isinstance(edit["user_id"], int)
    assert {change["field"] for change in edit["changes"]} >= {"residual_likelihood"}
    assert edit["record"]["model"] == "risks.historicalrisk"
    assert edit["record"]["row"]["residual_likelihood"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", edit["timestamp"])


def test_a_many_to_many_change_carries_its_rows(api_for, trail):
    _system, risk = trail
    entries = json.loads(body_of(api_for("auditor").get(reverse("api:export-audit-log-json"))))
    linked = [e for e in entries if e["model"] == "mitigations.mitigation"][-1]
    [(label, rows)] = linked["record"]["m2m"].items()
    assert label == "mitigations.historicalmitigation_risks"
    assert [row["risk_id"] for row in rows] == [risk.pk]


def test_the_csv_export_has_the_same_entries_made_safe_for_spreadsheets(api_for, trail):
    rows = csv_dicts(body_of(api_for("auditor").get(reverse("api:export-audit-log-csv"))))
    stored = list(AuditEvent.objects.order_by("sequence"))
    assert [row["sequence"] for row in rows] == [str(event.sequence) for event in stored]
    assert [row["entry_hash"] for row in rows] == [event.entry_hash for event in stored]
    created = next(row for row in rows if row["model"] == "risks.risk" and row["action"] == "+")
    assert created["object_repr"].startswith("'=HYPERLINK")  # no formula in a spreadsheet
    assert json.loads(created["record"])["row"]["title"].startswith("=HYPERLINK")
    assert isinstance(json.loads(created["changes"]), list)
    edited = next(row for row in rows if row["change_reason"].startswith("'-5"))
    assert edited["action"] == "~"  # one character is no formula: written as it is


def test_an_entry_not_chained_yet_comes_last_without_a_hash(api_for, trail):
    last = AuditEvent.objects.order_by("-sequence").first()
    AuditEvent.objects.filter(pk=last.pk).update(sequence=None, entry_hash="")
    entries = json.loads(body_of(api_for("auditor").get(reverse("api:export-audit-log-json"))))
    assert entries[-1]["object_repr"] == last.object_repr
    assert (entries[-1]["sequence"], entries[-1]["entry_hash"]) == (None, None)
    assert entries[-1]["previous_hash"] is None


# --- Filters: the API's and the page's ------------------------------------------------------------
def test_the_api_export_keeps_the_audit_logs_filters(api_for, trail):
    response = api_for("auditor").get(
        reverse("api:export-audit-log-json"), {"model": "risks.risk", "action": "~"}
    )
    entries = json.loads(body_of(response))
    expected = AuditEvent.objects.filter(content_type__model="risk", action="~")
    assert [e["sequence"] for e in entries] == sorted(event.sequence for event in expected)
    assert {(e["model"], e["action"]) for e in entries} == {("risks.risk", "~")}


def test_an_invalid_filter_is_a_400_not_a_file(api_for, trail):
    response = api_for("auditor").get(
        reverse("api:export-audit-log-csv"), {"date_after": "last tuesday"}
    )
    assert response.status_code == 400
    assert "date_after" in response.json()["errors"]


def test_the_page_export_keeps_the_pages_filters(client_for, trail, contributor):
    _system, risk = trail
    model = ContentType.objects.get_for_model(Risk).pk
    query = {"user": contributor.pk, "model": model, "object_id": risk.pk, "action": "~"}
    rows = csv_dicts(body_of(client_for("auditor").get(reverse("core:audit_log_export"), query)))
    assert [row["reference"] for row in rows] == [risk.reference]
    assert rows[0]["user_id"] == str(contributor.pk)


def test_the_audit_log_page_offers_both_downloads_with_its_filters(client_for, trail):
    response = client_for("auditor").get(reverse("core:audit_log"), {"action": "~"})
    assertContains(response, f'{reverse("core:audit_log_export")}?action=~"')
    assertContains(response, f'{reverse("core:audit_log_export_json")}?action=~"')
    assertContains(response, "Download JSON (filtered)")


def test_the_page_json_export_is_the_apis(client_for, api_for, trail):
    page, api = client_for("auditor"), api_for("auditor")  # the token is in the log too
    from_page = body_of(page.get(reverse("core:audit_log_export_json")))
    from_api = body_of(api.get(reverse("api:export-audit-log-json")))
    assert json.loads(from_page) == json.loads(from_api)


# --- Who may export it: the audit log's readers -----------------------------------------------
@pytest.mark.parametrize("role", GLOBAL_READERS)
@pytest.mark.parametrize("url_name", ["core:audit_log_export", "core:audit_log_export_json"])
def test_global_readers_download_the_audit_log(role, url_name, client_for, trail):
    assert client_for(role).get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize("role", OTHERS)
@pytest.mark.parametrize("url_name", ["core:audit_log_export", "core:audit_log_export_json"])
def test_team_members_cannot_download_the_audit_log(role, url_name, client_for, trail):
    response = client_for(role).get(reverse(url_name))
    assert response.status_code == 403
    assert not response.streaming


@pytest.mark.parametrize("role", OTHERS)
@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_team_members_cannot_export_the_audit_log_through_the_api(
    role, file_format, api_for, trail
):
    response = api_for(role).get(reverse(f"api:export-audit-log-{file_format}"))
    assert response.status_code == 403
    assert "auditors" in response.json()["detail"]


def test_an_anonymous_visitor_is_asked_to_sign_in(client, api_for):
    assert client.get(reverse("core:audit_log_export")).status_code == 302
    assert api_for("anonymous").get(reverse("api:export-audit-log-json")).status_code == 401


def test_the_audit_log_has_no_xlsx_export(api_for):
    response = api_for("auditor").get("/api/v1/exports/audit-log.xlsx")
    assert response.status_code == 404


def test_the_exporter_gives_nobody_else_a_row(trail, contributor):
    assert not AuditLogExporter.get_queryset(contributor).exists()


def test_the_api_root_lists_the_audit_log_exports(api_for):
    exports = api_for("auditor").get(reverse("api:root")).json()["exports"]
    assert {"audit-log.csv", "audit-log.json"} <= set(exports)
    assert "audit-log.xlsx" not in exports


# --- Queries: per chunk, never per entry ----------------------------------------------------------
def export_queries(client, django_assert_max_num_queries, budget: int) -> int:
    with django_assert_max_num_queries(budget) as captured:
        body_of(client.get(reverse("core:audit_log_export_json")))
    return len(captured)


def test_the_export_makes_as_many_queries_for_many_entries_as_for_few(
    client_for, trail, system, django_assert_max_num_queries
):
    client = client_for("auditor")
    # Once first: what a process reads once and keeps (a cached content type, the session)
    # depends on the tests that ran before in it, and is not the export's cost.
    export_queries(client, django_assert_max_num_queries, 30)
    few = export_queries(client, django_assert_max_num_queries, 30)
    for n in range(20):
        RiskFactory(system=system, title=f"Risk {n}")
    assert AuditEvent.objects.count() > 25
    assert export_queries(client, django_assert_max_num_queries, few) == few


# --- The README's recipe, run on real exports -----------------------------------------------------
def test_the_readmes_recipe_verifies_a_whole_export(client_for, trail, tmp_path):
    content = body_of(client_for("auditor").get(reverse("core:audit_log_export_json")))
    ran = verify_offline(tmp_path, content)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    head = AuditEvent.objects.order_by("-sequence").first()
    assert f"last: sequence {head.sequence} hash {head.entry_hash}" in ran.stdout
    assert "Not in this file" not in ran.stdout


def test_the_readmes_recipe_verifies_a_filtered_export_and_lists_what_it_left_out(
    client_for, trail, tmp_path
):
    response = client_for("auditor").get(reverse("core:audit_log_export_json"), {"action": "~"})
    ran = verify_offline(tmp_path, body_of(response))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Not in this file (filtered out, or removed):" in ran.stdout


def test_the_readmes_recipe_finds_an_entry_changed_in_the_file(client_for, trail, tmp_path):
    entries = json.loads(body_of(client_for("auditor").get(reverse("core:audit_log_export_json"))))
    entries[2]["object_repr"] = "Nothing to see"
    ran = verify_offline(tmp_path, json.dumps(entries).encode())
    assert ran.returncode == 1
    assert f"BROKEN at {entries[2]['sequence']}: the hash differs" in ran.stdout


def test_the_readmes_recipe_finds_a_record_changed_in_the_database(client_for, trail, tmp_path):
    _system, risk = trail
    version = risk.history.order_by("history_id").first()
    type(version).objects.filter(history_id=version.history_id).update(title="Nothing to see")
    entries = json.loads(body_of(client_for("auditor").get(reverse("core:audit_log_export_json"))))
    ran = verify_offline(tmp_path, json.dumps(entries).encode())
    assert ran.returncode == 1
    entry = AuditEvent.objects.get(content_type__model="risk", history_id=version.history_id)
    assert f"BROKEN at {entry.sequence}: the hash differs" in ran.stdout


def test_the_readmes_recipe_finds_an_entry_removed_from_the_database(client_for, trail, tmp_path):
    removed = AuditEvent.objects.get(sequence=3)
    AuditEvent.objects.filter(pk=removed.pk).delete()
    content = body_of(client_for("auditor").get(reverse("core:audit_log_export_json")))
    ran = verify_offline(tmp_path, content)
    assert ran.returncode == 1
    assert "BROKEN at 4: the entry before it is no longer in the log" in ran.stdout
    assert "Not in this file (filtered out, or removed): 3–3" in ran.stdout


def test_the_readmes_recipe_finds_entries_out_of_order(client_for, trail, tmp_path):
    entries = json.loads(body_of(client_for("auditor").get(reverse("core:audit_log_export_json"))))
    entries[1], entries[2] = entries[2], entries[1]
    ran = verify_offline(tmp_path, json.dumps(entries).encode())
    assert ran.returncode == 1
    assert "out of order" in ran.stdout


def test_the_readmes_recipe_refuses_a_cut_file(client_for, trail, tmp_path):
    content = body_of(client_for("auditor").get(reverse("core:audit_log_export_json")))
    cut = content[: content.rindex(b"},") + 1]  # ends on a whole entry
    ran = verify_offline(tmp_path, cut)
    assert ran.returncode != 0
    assert "JSONDecodeError" in ran.stderr


def test_the_readme_lists_the_columns_of_the_audit_log_export():
    text = README.read_text()
    section = text[text.index("**The audit log's export**") :]
    section = section[: section.index("```python")]
    for name in AuditLogExporter.header():
        assert f"`{name}`" in section, name


def test_the_exported_entries_recompute_for_every_kind_of_record(api_for, trail, tmp_path):
    """The recipe's hash is the app's: the same check, through verify_audit_trail's code."""
    from apps.core import audit_chain

    entries = json.loads(body_of(api_for("auditor").get(reverse("api:export-audit-log-json"))))
    assert {e["model"] for e in entries} >= {"systems.aisystem", "risks.risk"}
    for entry in entries:
        content = {name: entry[name] for name in audit_chain.ENTRY_FIELDS}
        computed = audit_chain.link_hash(entry["previous_hash"], content, entry["record"])
        assert computed == entry["entry_hash"], entry["model"]
    assert Risk.objects.exists()
