"""The safety plan as data: assembled live from the register, frozen as JSON, compared.

:func:`assemble_plan` reads a system's record, risks (both assessments), mitigations,
acceptances and deployment checklist into one plain, JSON-ready ``dict``. The live plan page
renders it directly; submitting stores it in a :class:`~apps.reviews.models.PlanVersion`, and the
version page, the PDF and the comparison read only that stored copy. Choice values are stored
with their labels, and people with their names, so that a version reads the same years later.

:func:`live_document_context` and :func:`version_document_context` are what the one document
template (``reviews/_plan_document.html``) shows: on the plan pages, in the PDF and in the export
jobs' archives.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.utils import timezone

from apps.core.models import Evidence, Level
from apps.mitigations.models import Mitigation
from apps.reviews import selectors
from apps.reviews.models import (
    CHECKLIST_ORDER,
    ChecklistKey,
    ChecklistStatus,
    PlanVersion,
)
from apps.reviews.plan_sections import FIRST_NUMBER, collect_sections, document_sections
from apps.risks import scoring
from apps.risks.models import (
    AcceptanceStatus,
    FrameworkReference,
    Risk,
    RiskAcceptance,
    RiskMatrix,
    RiskStatus,
)
from apps.risks.treatment import MitigationKind, MitigationStatus

SCHEMA_VERSION = 1
MONITORING_KINDS = {MitigationKind.DETECTION_RESPONSE, MitigationKind.ACCEPT_MONITOR}
INCIDENT_KINDS = {MitigationKind.DETECTION_RESPONSE, MitigationKind.FALLBACK}
MONITORING_ITEMS = (ChecklistKey.MONITORING, ChecklistKey.ROLLBACK_TESTED)
INCIDENT_ITEMS = (ChecklistKey.INCIDENT_RESPONSE,)
SYSTEM_FIELDS_COMPARED = [
    ("name", "Name"),
    ("purpose", "Purpose"),
    ("business_process", "Business process"),
    ("description", "Description"),
    ("lifecycle_stage", "Lifecycle stage"),
    ("ai_kind", "Kind of AI"),
    ("vendor", "Third-party model or vendor"),
    ("decision_role", "Decides or advises"),
    ("oversight_mode", "Human oversight"),
    ("eu_ai_act_tier", "EU AI Act tier"),
    ("business_owner", "Business owner"),
    ("technical_owner", "Technical owner"),
    ("criticality_label", "Criticality"),
    ("customer_data_training", "Customer data for training"),
]


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _person(user) -> str:
    return (user.full_name or user.email) if user else ""


def _assessment(risk: Risk, prefix: str) -> dict:
    level = getattr(risk, f"{prefix}_level")
    return {
        "likelihood": getattr(risk, f"{prefix}_likelihood"),
        "impact": getattr(risk, f"{prefix}_impact"),
        "score": getattr(risk, f"{prefix}_score"),
        "level": level,
        "level_label": Level(level).label,
    }


def _evidence_text(evidence: Evidence) -> str:
    if evidence.kind == Evidence.Kind.FILE:
        return evidence.original_name or "file"
    if evidence.kind == Evidence.Kind.LINK:
        return evidence.url
    return evidence.note


def _acceptance(acceptance: RiskAcceptance | None) -> dict | None:
    if acceptance is None:
        return None
    return {
        "reference": acceptance.reference,
        "status": acceptance.status,
        "status_label": acceptance.get_status_display(),
        "rationale": acceptance.rationale,
        "expires_on": _date(acceptance.expires_on),
        "requested_by": _person(acceptance.requested_by),
        "decided_by": _person(acceptance.decided_by),
        "decided_at": _date(acceptance.decided_at and timezone.localdate(acceptance.decided_at)),
    }


def _checklist(system) -> list[dict]:
    rows = []
    for row in selectors.checklist_of(system):
        item = row["item"]
        rows.append(
            {
                "key": row["key"],
                "label": row["label"],
                "status": row["status"],
                "status_label": ChecklistStatus(row["status"]).label,
                "note": item.note if item else "",
                "updated_by": _person(item.updated_by) if item else "",
                "updated_at": _date(item.updated_at.date()) if item else None,
                "evidence": [
                    {
                        "kind": e.kind,
                        "kind_label": e.get_kind_display(),
                        "text": _evidence_text(e),
                        "added_by": _person(e.added_by),
                        "added_at": _date(timezone.localdate(e.added_at)),
                    }
                    for e in row["evidence"]
                ],
                "complete": row["complete"],
            }
        )
    return rows


def assemble_plan(system) -> dict[str, Any]:
    """The live safety plan of ``system`` as JSON-ready data (a fixed number of queries)."""
    matrix = RiskMatrix.load()
    system = (
        type(system)
        .objects.select_related("team", "business_owner", "technical_owner")
        .get(pk=system.pk)
    )
    risks = list(
        system.risks.filter(archived_at__isnull=True)
        .select_related("category__parent", "owner")
        .prefetch_related(
            Prefetch(
                "framework_references",
                queryset=FrameworkReference.objects.order_by("framework", "code"),
            ),
            Prefetch(
                "acceptances",
                queryset=RiskAcceptance.objects.select_related(
                    "requested_by", "decided_by"
                ).order_by("-requested_at", "-pk"),
            ),
        )
        .order_by("-residual_score", "-inherent_score", "title")
    )
    mitigations = list(
        Mitigation.objects.filter(system=system)
        .exclude(status=MitigationStatus.RETIRED)
        .select_related("owner")
        .prefetch_related(Prefetch("risks", queryset=Risk.objects.filter(archived_at__isnull=True)))
        .order_by("due_date", "title", "pk")
    )
    evidence_counts: dict[int, int] = defaultdict(int)
    for object_id in Evidence.objects.filter(
        content_type=ContentType.objects.get_for_model(Mitigation),
        object_id__in=[m.pk for m in mitigations],
        removed_at__isnull=True,
    ).values_list("object_id", flat=True):
        evidence_counts[object_id] += 1
    mitigations_by_risk: dict[int, list[str]] = defaultdict(list)
    in_place_by_risk: dict[int, int] = defaultdict(int)
    for mitigation in mitigations:
        for risk in mitigation.risks.all():
            mitigations_by_risk[risk.pk].append(mitigation.reference)
            if mitigation.is_in_place:
                in_place_by_risk[risk.pk] += 1

    risk_rows = []
    for risk in risks:
        acceptances = list(risk.acceptances.all())
        live = next((a for a in acceptances if a.is_live), None)
        latest = live or (acceptances[0] if acceptances else None)
        category = risk.category
        risk_rows.append(
            {
                "id": risk.pk,
                "reference": risk.reference,
                "title": risk.title,
                "scenario": risk.scenario,
                "category": category.parent.name if category.parent_id else category.name,
                "subcategory": category.name if category.parent_id else "",
                "owner": _person(risk.owner),
                "inherent": _assessment(risk, "inherent"),
                "residual": _assessment(risk, "residual"),
                "treatment": risk.treatment,
                "treatment_label": risk.get_treatment_display(),
                "status": risk.status,
                "status_label": risk.get_status_display(),
                "treatment_due": _date(risk.treatment_due),
                "framework_references": [ref.code for ref in risk.framework_references.all()],
                "mitigations": mitigations_by_risk.get(risk.pk, []),
                "mitigations_in_place": in_place_by_risk.get(risk.pk, 0),
                "acceptance": _acceptance(latest),
            }
        )

    mitigation_rows = [
        {
            "id": m.pk,
            "reference": m.reference,
            "title": m.title,
            "description": m.description,
            "kind": m.kind,
            "kind_label": m.get_kind_display(),
            "layer_label": m.get_layer_display(),
            "owner": _person(m.owner),
            "status": m.status,
            "status_label": m.get_status_display(),
            "due_date": _date(m.due_date),
            "last_verified_on": _date(m.last_verified_on),
            "risks": [r.reference for r in m.risks.all()],
            "evidence_count": evidence_counts.get(m.pk, 0),
        }
        for m in mitigations
    ]

    return {
        "schema": SCHEMA_VERSION,
        "assembled_at": timezone.now().isoformat(),
        "system": {
            "id": system.pk,
            "reference": system.reference,
            "name": system.name,
            "team": system.team.name,
            "purpose": system.purpose,
            "business_process": system.business_process,
            "description": system.description,
            "business_owner": _person(system.business_owner),
            "technical_owner": _person(system.technical_owner),
            "lifecycle_stage": system.get_lifecycle_stage_display(),
            "ai_kind": system.get_ai_kind_display(),
            "vendor": system.vendor,
            "data_categories": system.data_categories,
            "affected_parties": system.affected_parties,
            "decision_role": system.get_decision_role_display(),
            "oversight_mode": system.get_oversight_mode_display(),
            "eu_ai_act_tier": system.get_eu_ai_act_tier_display(),
            "eu_ai_act_area": system.get_eu_ai_act_area_display() if system.eu_ai_act_area else "",
            "model_version": system.model_version,
            "training_data_version": system.training_data_version,
            "code_version": system.code_version,
            "configuration_version": system.configuration_version,
            "rollback_thresholds": system.rollback_threshold_lines,
            "customer_data_training": system.get_customer_data_training_display(),
            "criticality": system.criticality,
            "criticality_label": Level(system.criticality).label,
            "review_cadence_days": system.review_cadence_days,
            "last_approved": _date(system.last_approved),
            "next_review_due": _date(system.next_review_due),
        },
        "matrix": {
            "critical_min_score": matrix.critical_min_score,
            "high_min_score": matrix.high_min_score,
            "medium_min_score": matrix.medium_min_score,
        },
        "risks": risk_rows,
        "mitigations": mitigation_rows,
        "checklist": _checklist(system),
        # What other apps add to the plan (evaluations, …): apps.reviews.plan_sections.
        "extra_sections": collect_sections(system),
    }


# --- Problems that block a submission -------------------------------------------------------------
def open_checklist_items(plan: dict) -> list[dict]:
    return [item for item in plan["checklist"] if not item["complete"]]


def untreated_critical_risks(plan: dict) -> list[dict]:
    """Live risks whose residual level is Critical and that nobody has treated yet."""
    return [
        risk
        for risk in plan["risks"]
        if risk["residual"]["level"] == Level.CRITICAL and risk["status"] == RiskStatus.OPEN
    ]


# --- Reading a plan -------------------------------------------------------------------------------
def heat_map(plan: dict, assessment: str) -> list[dict]:
    """The 5×5 grid (impact rows 5→1, likelihood columns 1→5) with the number of risks in each
    cell, on the matrix bands frozen with the plan."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for risk in plan["risks"]:
        if risk["status"] == RiskStatus.CLOSED:
            continue
        counts[(risk[assessment]["likelihood"], risk[assessment]["impact"])] += 1
    return [
        {
            "impact": impact,
            "cells": [
                {
                    "likelihood": likelihood,
                    "impact": impact,
                    "score": likelihood * impact,
                    "level": scoring.level_for(
                        likelihood * impact, **scoring.bands(plan["matrix"])
                    ),
                    "count": counts.get((likelihood, impact), 0),
                }
                for likelihood in range(1, 6)
            ],
        }
        for impact in range(5, 0, -1)
    ]


def risks_by_category(plan: dict) -> list[dict]:
    """``[{category, risks}]`` in the order categories first appear (worst risk first)."""
    groups: dict[str, list[dict]] = {}
    for risk in plan["risks"]:
        groups.setdefault(risk["category"], []).append(risk)
    return [{"category": name, "risks": risks} for name, risks in groups.items()]


def plan_sections(plan: dict) -> dict[str, Any]:
    """What the document template shows besides the plan itself: derived groupings."""
    mitigations = plan["mitigations"]
    checklist = sorted(plan["checklist"], key=lambda item: CHECKLIST_ORDER[item["key"]])
    extra = document_sections(plan)
    residual = sorted(
        (r for r in plan["risks"] if r["status"] != RiskStatus.CLOSED),
        key=lambda r: (-r["residual"]["score"], r["title"]),
    )
    return {
        "heat_map_inherent": heat_map(plan, "inherent"),
        "heat_map_residual": heat_map(plan, "residual"),
        "categories": risks_by_category(plan),
        "residual_risks": residual,
        "acceptances": [r for r in plan["risks"] if r["acceptance"]],
        "untreated_risks": [r for r in plan["risks"] if not r["mitigations"]],
        "monitoring_mitigations": [m for m in mitigations if m["kind"] in MONITORING_KINDS],
        "incident_mitigations": [m for m in mitigations if m["kind"] in INCIDENT_KINDS],
        "monitoring_items": [i for i in checklist if i["key"] in MONITORING_ITEMS],
        "incident_items": [i for i in checklist if i["key"] in INCIDENT_ITEMS],
        "checklist": checklist,
        "checklist_complete": sum(1 for item in checklist if item["complete"]),
        "level_counts": {
            level.label: sum(1 for r in residual if r["residual"]["level"] == level)
            for level in sorted(Level, reverse=True)
        },
        "extra": extra,
        "approvals_number": FIRST_NUMBER + len(extra),
    }


# --- The plan document ----------------------------------------------------------------------------
def document_context(
    plan: dict, *, version=None, review=None, decisions=None, system_reviews=None
) -> dict:
    """What ``reviews/_plan_document.html`` needs, on screen and in the PDF."""
    return {
        "plan": plan,
        "sections": plan_sections(plan),
        "version": version,
        "review": review,
        "decisions": decisions,
        "system_reviews": system_reviews,
        "is_live": version is None,
        "generated_at": timezone.now(),
    }


def live_document_context(system) -> dict:
    """The live plan as a document: what would be frozen if it were submitted now, with the
    system's past reviews (the plan page, its PDF and the export jobs show it)."""
    reviews = list(
        selectors.reviews_of_system(system).prefetch_related(selectors.decision_prefetch())
    )
    return document_context(assemble_plan(system), system_reviews=reviews)


def version_document_context(version: PlanVersion) -> dict:
    """A frozen version as a document, with the decisions made on it."""
    context = document_context(
        version.content,
        version=version,
        review=version.review,
        decisions=selectors.decisions_on(version),
    )
    if version.review.is_document_review:
        context["subject_description"] = selectors.document_of_version(version)
    return context


# --- Comparing two versions -----------------------------------------------------------------------
def _assessment_text(assessment: dict) -> str:
    return (
        f"{assessment['likelihood']}×{assessment['impact']} = {assessment['score']} "
        f"({assessment['level_label']})"
    )


RISK_FIELDS_COMPARED = [
    ("title", "Title"),
    ("scenario", "Scenario"),
    ("category", "Category"),
    ("subcategory", "Subcategory"),
    ("owner", "Owner"),
    ("treatment_label", "Treatment"),
    ("status_label", "Status"),
]
MITIGATION_FIELDS_COMPARED = [
    ("title", "Title"),
    ("description", "Description"),
    ("kind_label", "Kind"),
    ("layer_label", "Defence layer"),
    ("owner", "Owner"),
    ("status_label", "Status"),
    ("due_date", "Due"),
    ("last_verified_on", "Last verified"),
]


def _field_changes(old: dict, new: dict, fields) -> list[dict]:
    changes = []
    for name, label in fields:
        before, after = old.get(name), new.get(name)
        if isinstance(before, list) or isinstance(after, list):
            before = ", ".join(before or [])
            after = ", ".join(after or [])
        if (before or "") != (after or ""):
            changes.append({"label": label, "old": before or "", "new": after or ""})
    return changes


def compare_plans(old: dict, new: dict) -> dict[str, Any]:
    """What changed from plan ``old`` to plan ``new``: risks added, removed, re-scored or
    otherwise changed; mitigations added, removed or changed; checklist and system changes."""
    old_risks = {r["id"]: r for r in old["risks"]}
    new_risks = {r["id"]: r for r in new["risks"]}
    rescored, risks_changed = [], []
    for risk_id in old_risks.keys() & new_risks.keys():
        before, after = old_risks[risk_id], new_risks[risk_id]
        assessments = [
            {
                "label": label,
                "old": _assessment_text(before[name]),
                "new": _assessment_text(after[name]),
                "worse": after[name]["score"] > before[name]["score"],
            }
            for name, label in (("inherent", "Inherent"), ("residual", "Residual"))
            if (before[name]["likelihood"], before[name]["impact"])
            != (after[name]["likelihood"], after[name]["impact"])
        ]
        if assessments:
            rescored.append({"risk": after, "changes": assessments})
        fields = _field_changes(
            before,
            after,
            [*RISK_FIELDS_COMPARED, ("mitigations", "Mitigations")],
        )
        before_acceptance = (before.get("acceptance") or {}).get("status_label", "")
        after_acceptance = (after.get("acceptance") or {}).get("status_label", "")
        if before_acceptance != after_acceptance:
            fields.append(
                {"label": "Acceptance", "old": before_acceptance, "new": after_acceptance}
            )
        if fields:
            risks_changed.append({"risk": after, "changes": fields})

    old_mitigations = {m["id"]: m for m in old["mitigations"]}
    new_mitigations = {m["id"]: m for m in new["mitigations"]}
    mitigations_changed = []
    for mitigation_id in old_mitigations.keys() & new_mitigations.keys():
        fields = _field_changes(
            old_mitigations[mitigation_id],
            new_mitigations[mitigation_id],
            [*MITIGATION_FIELDS_COMPARED, ("risks", "Risks treated")],
        )
        if fields:
            mitigations_changed.append(
                {"mitigation": new_mitigations[mitigation_id], "changes": fields}
            )

    old_items = {i["key"]: i for i in old["checklist"]}
    checklist_changes = []
    for item in new["checklist"]:
        before = old_items.get(item["key"])
        if before is None:
            continue
        before_evidence = {(e["kind"], e["text"]) for e in before["evidence"]}
        after_evidence = {(e["kind"], e["text"]) for e in item["evidence"]}
        if (
            before["status"] != item["status"]
            or before["note"] != item["note"]
            or before_evidence != after_evidence
        ):
            checklist_changes.append(
                {
                    "label": item["label"],
                    "old_status": before["status_label"],
                    "new_status": item["status_label"],
                    "note_changed": before["note"] != item["note"],
                    "evidence_added": sorted(t for _, t in after_evidence - before_evidence),
                    "evidence_removed": sorted(t for _, t in before_evidence - after_evidence),
                }
            )

    system_changes = _field_changes(old["system"], new["system"], SYSTEM_FIELDS_COMPARED)
    for name, label in (
        ("model_version", "Model version"),
        ("training_data_version", "Training data version"),
        ("code_version", "Code version"),
        ("configuration_version", "Configuration version"),
        ("rollback_thresholds", "Rollback thresholds"),
        ("data_categories", "Data it processes"),
        ("affected_parties", "Who is affected"),
    ):
        system_changes += _field_changes(old["system"], new["system"], [(name, label)])

    def by_title(rows, key):
        return sorted(rows, key=lambda row: row[key]["title"].lower())

    result = {
        "risks_added": sorted(
            (new_risks[i] for i in new_risks.keys() - old_risks.keys()),
            key=lambda r: r["title"].lower(),
        ),
        "risks_removed": sorted(
            (old_risks[i] for i in old_risks.keys() - new_risks.keys()),
            key=lambda r: r["title"].lower(),
        ),
        "risks_rescored": by_title(rescored, "risk"),
        "risks_changed": by_title(risks_changed, "risk"),
        "mitigations_added": sorted(
            (new_mitigations[i] for i in new_mitigations.keys() - old_mitigations.keys()),
            key=lambda m: m["title"].lower(),
        ),
        "mitigations_removed": sorted(
            (old_mitigations[i] for i in old_mitigations.keys() - new_mitigations.keys()),
            key=lambda m: m["title"].lower(),
        ),
        "mitigations_changed": by_title(mitigations_changed, "mitigation"),
        "checklist_changes": checklist_changes,
        "system_changes": system_changes,
    }
    result["is_empty"] = not any(result.values())
    return result


def acceptance_is_in_force(acceptance: dict | None) -> bool:
    return bool(acceptance and acceptance["status"] == AcceptanceStatus.APPROVED)
