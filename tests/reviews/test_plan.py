"""The safety plan as data: what it holds, frozen versions that never change, comparisons."""

import pytest

from apps.mitigations import services as mitigation_services
from apps.reviews import services
from apps.reviews.models import ImmutableRecordError, PlanVersion
from apps.reviews.plan import assemble_plan, compare_plans, heat_map
from apps.risks import services as risk_services
from apps.risks.models import RiskCategory
from tests.factories import MitigationFactory, RiskAcceptanceFactory, RiskFactory
from tests.reviews.conftest import submit

pytestmark = pytest.mark.django_db


def test_the_plan_holds_the_record_risks_mitigations_acceptances_and_checklist(
    system, risk, contributor
):
    mitigation = MitigationFactory(system=system, title="Ground answers in the policy corpus")
    mitigation.risks.add(risk)
    RiskAcceptanceFactory(risk=risk, requested_by=contributor)
    plan = assemble_plan(system)
    assert plan["system"]["reference"] == system.reference
    assert plan["system"]["business_owner"] == contributor.full_name
    [row] = plan["risks"]
    assert row["title"] == "Invented refund policy"
    assert row["inherent"] == {
        "likelihood": 4,
        "impact": 4,
        "score": 16,
        "level": 4,
        "level_label": "Critical",
    }
    assert row["residual"]["score"] == 8
    assert row["mitigations"] == [mitigation.reference]
    assert row["acceptance"]["status"] == "pending"
    assert [m["title"] for m in plan["mitigations"]] == ["Ground answers in the policy corpus"]
    assert len(plan["checklist"]) == 8
    assert {item["status"] for item in plan["checklist"]} == {"open"}


def test_assembling_a_plan_takes_a_fixed_number_of_queries(
    system, contributor, django_assert_max_num_queries
):
    for n in range(30):
        risk = RiskFactory(system=system, title=f"Risk {n}")
        MitigationFactory(system=system).risks.add(risk)
    with django_assert_max_num_queries(15):
        assemble_plan(system)


def test_editing_a_risk_after_submission_changes_the_live_plan_not_the_version(
    review, risk, submitter
):
    risk_services.update_risk(
        risk=risk,
        by=submitter,
        data={"title": "Invents refund and fee policies", "residual_likelihood": 1},
    )
    RiskFactory(system=review.system, title="Added after submission")
    version = PlanVersion.objects.get(pk=review.current_version.pk)
    assert [r["title"] for r in version.content["risks"]] == ["Invented refund policy"]
    assert version.content["risks"][0]["residual"]["likelihood"] == 2
    live_titles = {r["title"] for r in assemble_plan(review.system)["risks"]}
    assert live_titles == {"Invents refund and fee policies", "Added after submission"}


def test_a_version_can_be_neither_changed_nor_deleted(review):
    version = review.current_version
    version.content = {"tampered": True}
    with pytest.raises(ImmutableRecordError):
        version.save()
    with pytest.raises(ImmutableRecordError):
        PlanVersion.objects.filter(pk=version.pk).update(content={})
    with pytest.raises(ImmutableRecordError):
        version.delete()
    with pytest.raises(ImmutableRecordError):
        PlanVersion.objects.all().delete()
    assert PlanVersion.objects.get(pk=version.pk).content["system"]["name"]


def test_comparison_lists_risks_added_removed_and_rescored(
    review, risk, submitter, committee_member
):
    services.decide_review(
        review=review, reviewer=committee_member, decision="request_changes", comment="More."
    )
    old_risk = RiskFactory(system=review.system, title="Will be archived")
    # v1 has only ``risk``; make v2 differ: archive nothing in v1, add and re-score.
    risk_services.update_risk(risk=risk, by=submitter, data={"residual_impact": 2})
    new_risk = risk_services.create_risk(
        system=review.system,
        by=submitter,
        data={
            "title": "Prompt injection through e-mails",
            "scenario": "An e-mail tells the assistant to reveal account data.",
            "category": RiskCategory.objects.get(slug="hallucination", parent__slug="model-error"),
            "owner": submitter,
            "inherent_likelihood": 3,
            "inherent_impact": 4,
            "residual_likelihood": 2,
            "residual_impact": 3,
            "treatment": "mitigate",
            "status": "open",
        },
    )
    risk_services.archive_risk(risk=old_risk, by=submitter)
    mitigation = mitigation_services.create_mitigation(
        system=review.system,
        by=submitter,
        data={
            "title": "Strip instructions from e-mails",
            "kind": "input_validation",
            "layer": "input",
            "owner": submitter,
        },
        risks=[new_risk],
    )
    review = services.resubmit_safety_plan(review=review, by=submitter)
    v1 = PlanVersion.objects.get(system=review.system, number=1)
    diff = compare_plans(v1.content, review.current_version.content)
    assert [r["title"] for r in diff["risks_added"]] == ["Prompt injection through e-mails"]
    assert diff["risks_removed"] == []  # "Will be archived" was added and archived between them
    [rescored] = diff["risks_rescored"]
    assert rescored["risk"]["title"] == "Invented refund policy"
    assert rescored["changes"] == [
        {"label": "Residual", "old": "2×4 = 8 (Medium)", "new": "2×2 = 4 (Low)", "worse": False}
    ]
    assert [m["title"] for m in diff["mitigations_added"]] == [mitigation.title]
    assert not diff["is_empty"]


def test_comparison_lists_checklist_and_mitigation_changes():
    base = {
        "system": {"name": "A"},
        "risks": [],
        "mitigations": [{"id": 1, "title": "Filter", "status_label": "Planned"}],
        "checklist": [
            {
                "key": "rollback_tested",
                "label": "Rollback tested",
                "status": "open",
                "status_label": "Open",
                "note": "",
                "evidence": [],
            }
        ],
    }
    new = {
        "system": {"name": "A"},
        "risks": [],
        "mitigations": [{"id": 1, "title": "Filter", "status_label": "Implemented"}],
        "checklist": [
            {
                "key": "rollback_tested",
                "label": "Rollback tested",
                "status": "done",
                "status_label": "Done",
                "note": "Drill on 3 Nov",
                "evidence": [{"kind": "note", "text": "Drill log"}],
            }
        ],
    }
    diff = compare_plans(base, new)
    assert diff["mitigations_changed"][0]["changes"] == [
        {"label": "Status", "old": "Planned", "new": "Implemented"}
    ]
    [change] = diff["checklist_changes"]
    assert (change["old_status"], change["new_status"]) == ("Open", "Done")
    assert change["evidence_added"] == ["Drill log"]
    assert compare_plans(base, base)["is_empty"]


def test_heat_map_counts_risks_in_their_cells(system):
    RiskFactory(system=system, title="A", residual_likelihood=2, residual_impact=4)
    RiskFactory(system=system, title="B", residual_likelihood=2, residual_impact=4)
    RiskFactory(system=system, title="C", residual_likelihood=1, residual_impact=1)
    grid = heat_map(assemble_plan(system), "residual")
    cells = {(c["likelihood"], c["impact"]): c for row in grid for c in row["cells"]}
    assert cells[(2, 4)]["count"] == 2
    assert cells[(1, 1)]["count"] == 1
    assert cells[(5, 5)]["level"] == 4 and cells[(5, 5)]["count"] == 0
    assert [row["impact"] for row in grid] == [5, 4, 3, 2, 1]


def test_submitting_uses_the_plan_as_it_is_at_that_moment(ready_system, submitter, reviewer2):
    review = submit(ready_system, submitter, [reviewer2])
    assert review.current_version.content["checklist"][0]["status"] == "done"
