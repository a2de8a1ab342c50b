"""The Annex IV document as data: what the record supplies, what is missing (and where it is
filled), its SHA-256, and the comparison of two versions."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Evidence
from apps.documentation import services
from apps.documentation.annex_iv import (
    SECTIONS,
    all_gaps,
    assemble_document,
    canonical_json,
    compare_documents,
    content_sha256,
)
from apps.reviews import services as review_services
from apps.risks.models import RiskCategory
from tests.documentation.factories import ALL_TEXTS, complete_system, run, start
from tests.factories import (
    IncidentFactory,
    MetricFactory,
    MitigationFactory,
    RiskFactory,
    TestCaseFactory,
)

pytestmark = pytest.mark.django_db

BARE_SYSTEM_GAPS = [
    # 1. General description
    "No description of how the system works",
    "No model version recorded",
    "No training data version recorded",
    "No code version recorded",
    "No configuration version recorded",
    "No provider named (name, address, contact)",
    "No description of how it interacts with other hardware and software",
    "No description of the forms it is placed on the market in",
    "No description of the hardware it runs on",
    "No description of the deployer's user interface",
    "No instructions for use",
    # 2. Elements and development
    "No human oversight measure recorded (a mitigation of kind “human review”)",
    "No evaluation run recorded (validation and testing)",
    "No test case recorded (validation and testing)",
    "No cybersecurity measure recorded: no mitigation treats a security risk and none is described",
    "No description of the development methods",
    "No design specifications or key design choices",
    "No description of the system architecture",
    "No data-governance description",
    # 3. Monitoring, functioning and control
    "No accuracy metric declared",
    "No accuracy figure for the groups it is meant for: no fairness-gap metric and no "
    "fairness-slice test case",
    "No description of its capabilities and limitations",
    "No input data specifications",
    # 4. Performance metrics
    "No performance metric declared",
    "No explanation of why the metrics are appropriate",
    # 5. Risk management
    "No risk catalogued",
    # 7., 8., 9.
    "No harmonised standard (or other solution) listed",
    "No EU declaration of conformity referenced",
    "Incident response procedure not documented (deployment checklist)",
    "No post-market monitoring plan written",
]


def gap_texts(content):
    return [gap["text"] for gap in all_gaps(content)]


def documented(system, contributor):
    """``system`` with everything Annex IV asks of the record, and every text written."""
    complete_system(system)
    risk = RiskFactory(system=system, title="Invented refund policy")
    security = RiskFactory(
        system=system,
        title="Prompt injection from a help-centre article",
        category=RiskCategory.objects.get(slug="prompt-injection"),
    )
    MitigationFactory(
        system=system, title="Agent approves refunds", kind="human_review", risks=[risk]
    )
    MitigationFactory(system=system, title="Strip instructions from articles", risks=[security])
    MetricFactory(
        system=system,
        name="Answer accuracy",
        measures="accuracy",
        direction="lower",
        warning_threshold=95,
        rollback_threshold=90,
    )
    MetricFactory(system=system, name="Accuracy gap between languages", measures="fairness_gap")
    TestCaseFactory(risk=risk, key="refund-policy")
    run(system, contributor, "refund-policy")
    review_services.add_checklist_evidence(
        system=system,
        key="incident_response",
        by=contributor,
        kind=Evidence.Kind.NOTE,
        note="Runbook IR-1",
    )
    review_services.update_checklist_item(
        system=system, key="incident_response", by=contributor, status="done"
    )
    return start(system, contributor, **ALL_TEXTS)


# --- Gaps -----------------------------------------------------------------------------------------
def test_a_bare_systems_document_lists_every_gap_in_annex_iv_order(document):
    content = assemble_document(document)

    assert gap_texts(content) == BARE_SYSTEM_GAPS
    assert content["gap_count"] == len(BARE_SYSTEM_GAPS)
    assert [s["number"] for s in content["sections"]] == list(range(1, 10))


def test_each_gap_links_to_the_page_where_it_is_filled(document, system):
    gaps = {gap["text"]: gap["url"] for gap in all_gaps(assemble_document(document))}

    assert gaps["No accuracy metric declared"] == (
        f"{reverse('monitoring:create')}?system={system.pk}"
    )
    assert gaps["No model version recorded"] == (
        reverse("systems:edit", args=[system.pk]) + "#id_model_version"
    )
    assert gaps["No data-governance description"] == (
        reverse("documentation:edit", args=[document.pk, "development"]) + "#id_data_governance"
    )
    assert gaps["Incident response procedure not documented (deployment checklist)"] == (
        reverse("reviews:checklist", args=[system.pk])
    )


def test_a_fully_documented_system_has_no_gap(system, contributor):
    document = documented(system, contributor)

    assert gap_texts(assemble_document(document)) == []


def test_a_declared_accuracy_metric_fills_its_gap(document, system):
    MetricFactory(
        system=system,
        measures="accuracy",
        direction="lower",
        warning_threshold=95,
        rollback_threshold=90,
    )

    gaps = gap_texts(assemble_document(document))

    assert "No accuracy metric declared" not in gaps
    assert "No performance metric declared" not in gaps


def test_a_risk_without_mitigation_or_acceptance_is_a_gap_of_the_risk_management_section(
    document, system
):
    risk = RiskFactory(system=system, title="Invented refund policy")

    section = assemble_document(document)["sections"][4]

    assert [gap["text"] for gap in section["gaps"]] == [
        f"1 risk with neither a mitigation nor an acceptance: {risk.reference}"
    ]


def test_a_mitigated_security_risk_covers_cybersecurity_without_a_text(document, system):
    security = RiskFactory(system=system, category=RiskCategory.objects.get(slug="data-poisoning"))
    MitigationFactory(system=system, risks=[security])

    gaps = gap_texts(assemble_document(document))

    assert not any(gap.startswith("No cybersecurity measure") for gap in gaps)


def test_no_human_oversight_is_a_gap(document, system):
    system.oversight_mode = "none"
    system.save()

    assert "No human oversight: the system runs with nobody able to intervene" in gap_texts(
        assemble_document(document)
    )


# --- What the record supplies ---------------------------------------------------------------------
def test_the_document_shows_the_records_risks_metrics_and_incidents(document, system):
    risk = RiskFactory(system=system, title="Invented refund policy")
    metric = MetricFactory(system=system, name="Ungrounded answers")
    incident = IncidentFactory(system=system, title="A refund policy invented", severity=2)

    text = canonical_json(assemble_document(document)).decode()

    for expected in (
        risk.reference,
        "Invented refund policy",
        metric.reference,
        "Ungrounded answers",
        incident.reference,
        "SEV2: 1",
    ):
        assert expected in text


def test_the_texts_written_are_in_their_sections(system, contributor):
    document = start(system, contributor, harmonised_standards="ISO/IEC 42001:2023")

    standards = next(s for s in assemble_document(document)["sections"] if s["key"] == "standards")

    assert standards["blocks"] == [
        {
            "kind": "text",
            "field": "harmonised_standards",
            "label": "Harmonised standards applied",
            "text": "ISO/IEC 42001:2023",
            "required": True,
        }
    ]
    assert standards["gaps"] == []


def test_assembling_takes_a_fixed_number_of_queries(
    document, system, django_assert_max_num_queries
):
    for n in range(8):
        risk = RiskFactory(system=system, title=f"Risk {n}")
        MitigationFactory(system=system, risks=[risk])
        MetricFactory(system=system)
        IncidentFactory(system=system)
    with django_assert_max_num_queries(25):
        assemble_document(document)


# --- SHA-256 --------------------------------------------------------------------------------------
def test_an_unchanged_record_assembles_to_the_same_sha256(document):
    assert content_sha256(assemble_document(document)) == content_sha256(
        assemble_document(document)
    )


def test_the_content_does_not_depend_on_the_persons_time_zone(document, system):
    detected = datetime.datetime(2026, 1, 1, 23, 30, tzinfo=datetime.UTC)
    IncidentFactory(
        system=system, occurred_at=detected - datetime.timedelta(hours=1), detected_at=detected
    )
    expected = content_sha256(assemble_document(document))

    with timezone.override("Pacific/Kiritimati"):  # UTC+14: already 2 January there
        assert content_sha256(assemble_document(document)) == expected


def test_any_change_to_the_record_changes_the_sha256(document, system):
    before = content_sha256(assemble_document(document))
    RiskFactory(system=system)

    assert content_sha256(assemble_document(document)) != before


def test_the_sha256_is_of_the_canonical_json():
    content = {"b": "é", "a": [1, {"d": None, "c": True}]}

    assert canonical_json(content) == '{"a":[1,{"c":true,"d":null}],"b":"é"}'.encode()
    assert content_sha256(content) == (
        "a4954033daaadb28c1e7a331e5884d410c060e959a6445a41507f88902ea7008"
    )


# --- Comparing versions ---------------------------------------------------------------------------
def test_compare_lists_what_changed_section_by_section(document, system, contributor):
    first = services.generate_version(document=document, by=contributor)
    risk = RiskFactory(system=system, title="Invented refund policy")
    services.update_document(
        document=document, by=contributor, data={"harmonised_standards": "ISO/IEC 42001:2023"}
    )
    second = services.generate_version(document=document, by=contributor)

    diff = compare_documents(first.content, second.content)
    by_title = {s["title"]: s for s in diff["sections"]}

    standards = by_title["Harmonised standards applied"]
    assert standards["changes"] == [
        {"label": "Harmonised standards applied", "old": "", "new": "ISO/IEC 42001:2023"}
    ]
    assert standards["gaps_filled"] == ["No harmonised standard (or other solution) listed"]
    risk_management = by_title["Risk management system"]
    assert any(row.startswith(f"Risks: {risk.reference}") for row in risk_management["rows_added"])
    assert risk_management["gaps_new"] == [
        f"1 risk with neither a mitigation nor an acceptance: {risk.reference}"
    ]
    assert by_title["Changes over the lifecycle"]["is_empty"]
    assert not diff["is_empty"]


def test_comparing_a_version_with_itself_finds_nothing(document, contributor):
    version = services.generate_version(document=document, by=contributor)

    assert compare_documents(version.content, version.content)["is_empty"]


def test_the_sections_are_annex_ivs_nine_points():
    assert [spec.title for spec in SECTIONS] == [
        "General description of the AI system",
        "Elements of the system and its development",
        "Monitoring, functioning and control",
        "Performance metrics",
        "Risk management system",
        "Changes over the lifecycle",
        "Harmonised standards applied",
        "EU declaration of conformity",
        "Post-market monitoring plan",
    ]
