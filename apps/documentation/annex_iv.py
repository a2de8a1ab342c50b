"""The Annex IV technical documentation as data: assembled from the register, frozen, hashed,
compared.

:func:`assemble_document` reads a system's record (and its risks, mitigations, metrics,
evaluations, versions, reviews and incidents) and the document's own free-text answers into one
plain, JSON-ready ``dict`` in the order of Annex IV, points 1 to 9. Each section holds
*blocks* — facts (label, value), tables and the document's texts — and its *gaps*: what the
record does not supply yet, each with the page where it is filled. The document's page renders
the live assembly; generating a version stores it, and the version page, the PDF, the DOCX and
the comparison read only that stored copy.

Everything in it is text or a whole number, and nothing depends on the day it is assembled, so
that assembling an unchanged record twice gives the same content and the same SHA-256
(:func:`content_sha256`: of the canonical JSON).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Level
from apps.evaluations.models import TestCaseKind
from apps.evaluations.plan import latest_evaluations
from apps.incidents.models import Incident
from apps.mitigations.models import Mitigation
from apps.monitoring.models import Measure, Metric
from apps.reviews.models import ChecklistKey
from apps.reviews.selectors import checklist_of
from apps.risks.models import Risk, RiskAcceptance, RiskStatus
from apps.risks.treatment import MitigationKind, MitigationStatus
from apps.systems.models import AISystem, EUAIActTier, OversightMode, SystemVersion

SCHEMA_VERSION = 1
# The most recent incidents listed in section 9 (all of them are counted).
INCIDENTS_LISTED = 25


@dataclass(frozen=True)
class SectionSpec:
    """One section of Annex IV: its number, title, the Annex point it answers and the free-text
    fields of :class:`~apps.documentation.models.TechnicalDocument` it shows."""

    key: str
    number: int
    title: str
    annex: str
    fields: tuple[str, ...] = ()
    required: tuple[str, ...] = ()  # texts whose absence is a gap


SECTIONS = (
    SectionSpec(
        "general",
        1,
        "General description of the AI system",
        "Annex IV, point 1",
        (
            "provider",
            "interactions",
            "market_forms",
            "hardware",
            "user_interface",
            "instructions_for_use",
        ),
        (
            "provider",
            "interactions",
            "market_forms",
            "hardware",
            "user_interface",
            "instructions_for_use",
        ),
    ),
    SectionSpec(
        "development",
        2,
        "Elements of the system and its development",
        "Annex IV, point 2",
        (
            "development_methods",
            "design_choices",
            "architecture",
            "data_governance",
            "predetermined_changes",
            "cybersecurity",
        ),
        ("development_methods", "design_choices", "architecture", "data_governance"),
    ),
    SectionSpec(
        "functioning",
        3,
        "Monitoring, functioning and control",
        "Annex IV, point 3",
        ("capabilities_limitations", "input_specifications"),
        ("capabilities_limitations", "input_specifications"),
    ),
    SectionSpec(
        "metrics",
        4,
        "Performance metrics",
        "Annex IV, point 4",
        ("metrics_appropriateness",),
        ("metrics_appropriateness",),
    ),
    SectionSpec("risk-management", 5, "Risk management system", "Annex IV, point 5; Art. 9"),
    SectionSpec("changes", 6, "Changes over the lifecycle", "Annex IV, point 6"),
    SectionSpec(
        "standards",
        7,
        "Harmonised standards applied",
        "Annex IV, point 7",
        ("harmonised_standards",),
        ("harmonised_standards",),
    ),
    SectionSpec(
        "conformity",
        8,
        "EU declaration of conformity",
        "Annex IV, point 8; Art. 47",
        ("declaration_of_conformity", "notified_body_certificate"),
        ("declaration_of_conformity",),
    ),
    SectionSpec(
        "post-market",
        9,
        "Post-market monitoring plan",
        "Annex IV, point 9; Art. 72",
        ("post_market_plan",),
        ("post_market_plan",),
    ),
)
SECTIONS_BY_KEY = {spec.key: spec for spec in SECTIONS}

# The Annex VIII fields the document keeps that no Annex IV section shows: edited on their own.
REGISTRATION_FIELDS = (
    "trade_name",
    "registrant",
    "authorised_representative",
    "member_states",
    "information_url",
)
EDITABLE_GROUPS = {
    **{spec.key: spec.fields for spec in SECTIONS if spec.fields},
    "registration": REGISTRATION_FIELDS,
}

# What each missing text is called in its gap (“No data-governance description”).
MISSING_TEXT = {
    "provider": "No provider named (name, address, contact)",
    "interactions": "No description of how it interacts with other hardware and software",
    "market_forms": "No description of the forms it is placed on the market in",
    "hardware": "No description of the hardware it runs on",
    "user_interface": "No description of the deployer's user interface",
    "instructions_for_use": "No instructions for use",
    "development_methods": "No description of the development methods",
    "design_choices": "No design specifications or key design choices",
    "architecture": "No description of the system architecture",
    "data_governance": "No data-governance description",
    "capabilities_limitations": "No description of its capabilities and limitations",
    "input_specifications": "No input data specifications",
    "metrics_appropriateness": "No explanation of why the metrics are appropriate",
    "harmonised_standards": "No harmonised standard (or other solution) listed",
    "declaration_of_conformity": "No EU declaration of conformity referenced",
    "post_market_plan": "No post-market monitoring plan written",
}


# --- Small helpers --------------------------------------------------------------------------------
def _person(user) -> str:
    return (user.full_name or user.email) if user else ""


def _date(value) -> str:
    return value.isoformat() if value else ""


def _day(moment) -> str:
    return timezone.localdate(moment).isoformat() if moment else ""


def _number(value) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def _level(value) -> str:
    return Level(value).label if value else ""


def _field_label(name: str) -> str:
    from apps.documentation.models import TechnicalDocument

    return str(TechnicalDocument._meta.get_field(name).verbose_name).capitalize()


def canonical_json(content: dict) -> bytes:
    """The content as canonical JSON: keys sorted, no spaces, UTF-8; what the SHA-256 covers."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def content_sha256(content: dict) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


@dataclass
class Section:
    """A section being assembled: its blocks and its gaps."""

    spec: SectionSpec
    blocks: list[dict] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)

    def facts(self, rows: list[tuple[str, str]]) -> None:
        self.blocks.append(
            {"kind": "facts", "rows": [{"label": label, "value": value} for label, value in rows]}
        )

    def table(self, title: str, columns: list[str], rows: list[list[str]], empty: str) -> None:
        self.blocks.append(
            {"kind": "table", "title": title, "columns": columns, "rows": rows, "empty": empty}
        )

    def text(self, document, name: str) -> None:
        self.blocks.append(
            {
                "kind": "text",
                "field": name,
                "label": _field_label(name),
                "text": getattr(document, name).strip(),
                "required": name in self.spec.required,
            }
        )

    def gap(self, text: str, url: str, action: str) -> None:
        self.gaps.append({"text": text, "url": url, "action": action})

    def as_dict(self) -> dict:
        return {
            "key": self.spec.key,
            "number": self.spec.number,
            "title": self.spec.title,
            "annex": self.spec.annex,
            "blocks": self.blocks,
            "gaps": self.gaps,
        }


class Links:
    """The pages where the record's gaps are filled."""

    def __init__(self, document, system: AISystem):
        self.document, self.system = document, system

    def edit_document(self, group: str, name: str = "") -> str:
        url = reverse("documentation:edit", args=[self.document.pk, group])
        return f"{url}#id_{name}" if name else url

    def edit_system(self, name: str = "") -> str:
        url = reverse("systems:edit", args=[self.system.pk])
        return f"{url}#id_{name}" if name else url

    def under_system(self, url_name: str) -> str:
        return f"{reverse(url_name)}?system={self.system.pk}"

    def checklist(self) -> str:
        return reverse("reviews:checklist", args=[self.system.pk])


# --- Reading the record ---------------------------------------------------------------------------
@dataclass
class Record:
    """What the register holds about the system, read in a fixed number of queries."""

    system: AISystem
    risks: list[Risk]
    mitigations: list[Mitigation]
    metrics: list[Metric]
    evaluations: dict | None
    versions: list[SystemVersion]
    reviews: list
    incidents: list[Incident]
    incident_count: int
    incidents_by_severity: dict[str, int]
    checklist: list[dict]


def read_record(system: AISystem) -> Record:
    system = AISystem.objects.select_related("team", "business_owner", "technical_owner").get(
        pk=system.pk
    )
    risks = list(
        system.risks.filter(archived_at__isnull=True)
        .select_related("category__parent", "owner")
        .prefetch_related(
            Prefetch(
                "acceptances",
                queryset=RiskAcceptance.objects.select_related("decided_by").order_by(
                    "-requested_at", "-pk"
                ),
            )
        )
        .order_by("-residual_score", "-inherent_score", "title", "pk")
    )
    mitigations = list(
        Mitigation.objects.filter(system=system)
        .exclude(status=MitigationStatus.RETIRED)
        .prefetch_related(
            Prefetch("risks", queryset=Risk.objects.filter(archived_at__isnull=True).order_by("pk"))
        )
        .order_by("title", "pk")
    )
    metrics = list(
        Metric.objects.filter(system=system, archived_at__isnull=True).order_by("name", "pk")
    )
    incidents = Incident.objects.filter(system=system)
    by_severity = Counter(incidents.values_list("severity", flat=True))
    return Record(
        system=system,
        risks=risks,
        mitigations=mitigations,
        metrics=metrics,
        evaluations=latest_evaluations(system),
        versions=list(
            SystemVersion.objects.filter(system=system)
            .select_related("recorded_by")
            .order_by("recorded_at", "pk")
        ),
        reviews=list(system.reviews.select_related("submitted_by").order_by("submitted_at", "pk")),
        incidents=list(incidents.order_by("-detected_at", "-pk")[:INCIDENTS_LISTED]),
        incident_count=sum(by_severity.values()),
        incidents_by_severity={f"SEV{k}": v for k, v in sorted(by_severity.items())},
        checklist=checklist_of(system),
    )


def _category(risk: Risk) -> str:
    category = risk.category
    return f"{category.parent.name}: {category.name}" if category.parent_id else category.name


def _is_security(risk: Risk) -> bool:
    category = risk.category
    top = category.parent if category.parent_id else category
    return top.slug == "security"


def _risk_mitigations(record: Record) -> dict[int, list[Mitigation]]:
    treated: dict[int, list[Mitigation]] = {}
    for mitigation in record.mitigations:
        for risk in mitigation.risks.all():
            treated.setdefault(risk.pk, []).append(mitigation)
    return treated


# --- The sections ---------------------------------------------------------------------------------
def _general(section: Section, document, record: Record, links: Links) -> None:
    system = record.system
    section.facts(
        [
            ("Name and reference", f"{system.name} ({system.reference})"),
            ("Intended purpose", system.purpose),
            ("Business process it serves", system.business_process),
            ("How it works", system.description),
            ("Our role under the EU AI Act", system.get_eu_ai_act_role_display()),
            ("Risk tier", _tier(system)),
            ("Kind of AI", system.get_ai_kind_display()),
            ("Third-party model or vendor", system.vendor or "Built in-house"),
            ("Lifecycle stage", system.get_lifecycle_stage_display()),
            ("Owning team", system.team.name),
            ("Business owner", _person(system.business_owner)),
            ("Technical owner", _person(system.technical_owner)),
            ("Model version", system.model_version),
            ("Training data version", system.training_data_version),
            ("Code version", system.code_version),
            ("Configuration version", system.configuration_version),
        ]
    )
    if not system.description.strip():
        section.gap(
            "No description of how the system works",
            links.edit_system("description"),
            "Edit the system",
        )
    for name, label in (
        ("model_version", "model version"),
        ("training_data_version", "training data version"),
        ("code_version", "code version"),
        ("configuration_version", "configuration version"),
    ):
        if not getattr(system, name).strip():
            section.gap(f"No {label} recorded", links.edit_system(name), "Edit the system")


def _tier(system: AISystem) -> str:
    tier = system.get_eu_ai_act_tier_display()
    if system.eu_ai_act_area:
        tier += f" — {system.get_eu_ai_act_area_display()}"
        if system.annex_iii_point:
            tier += f", point {system.get_annex_iii_point_display()}"
    return tier


def _development(section: Section, document, record: Record, links: Links) -> None:
    system = record.system
    oversight = [m for m in record.mitigations if m.kind == MitigationKind.HUMAN_REVIEW]
    section.facts(
        [
            ("Data it processes", ", ".join(system.data_categories).capitalize()),
            ("Training data version", system.training_data_version),
            ("Customer data for training", system.get_customer_data_training_display()),
            ("Human oversight", system.get_oversight_mode_display()),
            ("Decides or advises", system.get_decision_role_display()),
        ]
    )
    section.table(
        "Human oversight measures (Art. 14)",
        ["Ref.", "Measure", "Status"],
        [[m.reference, m.title, m.get_status_display()] for m in oversight],
        "No mitigation of kind “human review” is recorded.",
    )
    _evaluations(section, record)
    treated = _risk_mitigations(record)
    security = [r for r in record.risks if _is_security(r)]
    security_rows = [
        [
            risk.reference,
            risk.title,
            ", ".join(
                f"{m.reference} {m.title} ({m.get_status_display().lower()})"
                for m in treated.get(risk.pk, [])
            ),
        ]
        for risk in security
    ]
    section.table(
        "Security risks and their mitigations (cybersecurity)",
        ["Risk", "Title", "Mitigations"],
        security_rows,
        "No security risk is catalogued.",
    )
    if not oversight:
        section.gap(
            "No human oversight measure recorded (a mitigation of kind “human review”)",
            links.under_system("mitigations:create"),
            "Plan a mitigation",
        )
    if not record.evaluations or not record.evaluations["latest_runs"]:
        section.gap(
            "No evaluation run recorded (validation and testing)",
            links.under_system("evaluations:run_upload"),
            "Upload a run",
        )
    if not record.evaluations or not record.evaluations["test_case_total"]:
        section.gap(
            "No test case recorded (validation and testing)",
            links.under_system("evaluations:test_case_create"),
            "Add a test case",
        )
    secured = any(treated.get(risk.pk) for risk in security)
    if not secured and not document.cybersecurity.strip():
        section.gap(
            "No cybersecurity measure recorded: no mitigation treats a security risk and none "
            "is described",
            links.edit_document(section.spec.key, "cybersecurity"),
            "Describe them",
        )


def _evaluations(section: Section, record: Record) -> None:
    evaluations = record.evaluations or {}
    counts = ", ".join(
        f"{row['label']}: {row['count']}" for row in evaluations.get("test_cases", [])
    )
    section.facts([("Test cases (validation and testing)", counts)])
    section.table(
        "Latest evaluation run of each suite",
        ["Run", "Suite", "Version evaluated", "Date", "Outcome", "Pass rate"],
        [
            [
                run["reference"],
                run["suite"],
                run["model_version"],
                run["started_on"],
                run["outcome_label"],
                f"{_number(run['pass_rate'])} %" if run["pass_rate"] is not None else "",
            ]
            for run in evaluations.get("latest_runs", [])
        ],
        "No evaluation run is recorded.",
    )


def _functioning(section: Section, document, record: Record, links: Links) -> None:
    system = record.system
    accuracy = [m for m in record.metrics if m.measures == Measure.ACCURACY]
    fairness = [m for m in record.metrics if m.measures == Measure.FAIRNESS_GAP]
    slices = 0
    for row in (record.evaluations or {}).get("test_cases", []):
        if row["kind"] == TestCaseKind.FAIRNESS_SLICE:
            slices = row["count"]
    section.facts(
        [
            ("Who is affected", ", ".join(system.affected_parties).capitalize()),
            (
                "Accuracy metrics",
                "\n".join(
                    f"{m.name}: rollback at {m.with_unit(m.rollback_threshold)}" for m in accuracy
                ),
            ),
            (
                "Accuracy for the groups it is meant for",
                "\n".join(
                    [f"{m.name}: rollback at {m.with_unit(m.rollback_threshold)}" for m in fairness]
                    + ([f"{slices} fairness-slice test cases"] if slices else [])
                ),
            ),
            ("Human oversight", system.get_oversight_mode_display()),
            ("Decides or advises", system.get_decision_role_display()),
        ]
    )
    section.table(
        "Foreseeable unintended outcomes and sources of risk",
        ["Risk", "Title", "Category", "Residual level", "Status"],
        [
            [r.reference, r.title, _category(r), _level(r.residual_level), r.get_status_display()]
            for r in record.risks
        ],
        "No risk is catalogued.",
    )
    if not accuracy:
        section.gap(
            "No accuracy metric declared",
            links.under_system("monitoring:create"),
            "Declare a metric",
        )
    if not fairness and not slices:
        section.gap(
            "No accuracy figure for the groups it is meant for: no fairness-gap metric and no "
            "fairness-slice test case",
            links.under_system("evaluations:test_case_create"),
            "Add a test case",
        )
    if system.oversight_mode == OversightMode.NONE:
        section.gap(
            "No human oversight: the system runs with nobody able to intervene",
            links.edit_system("oversight_mode"),
            "Edit the system",
        )


def _metrics(section: Section, document, record: Record, links: Links) -> None:
    section.table(
        "Declared performance metrics",
        ["Metric", "Name", "Measures", "Worse when", "Warning", "Rollback", "Window"],
        [
            [
                m.reference,
                m.name,
                m.get_measures_display(),
                "higher" if m.higher_is_worse else "lower",
                m.with_unit(m.warning_threshold) if m.warning_threshold is not None else "",
                m.with_unit(m.rollback_threshold),
                f"{m.window_minutes} min",
            ]
            for m in record.metrics
        ],
        "No performance metric is declared.",
    )
    section.facts(
        [
            (
                "Rollback thresholds (the system's notes)",
                "\n".join(record.system.rollback_threshold_lines),
            )
        ]
    )
    if not record.metrics:
        section.gap(
            "No performance metric declared",
            links.under_system("monitoring:create"),
            "Declare a metric",
        )


def _risk_management(section: Section, document, record: Record, links: Links) -> None:
    treated = _risk_mitigations(record)
    live_acceptance = {}
    acceptances = []
    for risk in record.risks:
        for acceptance in risk.acceptances.all():
            acceptances.append((risk, acceptance))
            if acceptance.is_live and risk.pk not in live_acceptance:
                live_acceptance[risk.pk] = acceptance
    section.table(
        "Risks",
        ["Risk", "Title", "Category", "Inherent", "Residual", "Treatment", "Status", "Mitigations"],
        [
            [
                r.reference,
                r.title,
                _category(r),
                f"{r.inherent_score} {_level(r.inherent_level)}",
                f"{r.residual_score} {_level(r.residual_level)}",
                r.get_treatment_display(),
                r.get_status_display(),
                ", ".join(m.reference for m in treated.get(r.pk, [])),
            ]
            for r in record.risks
        ],
        "No risk is catalogued.",
    )
    section.table(
        "Mitigations",
        ["Mitigation", "Title", "Kind", "Status", "Risks treated"],
        [
            [
                m.reference,
                m.title,
                m.get_kind_display(),
                m.get_status_display(),
                ", ".join(r.reference for r in m.risks.all()),
            ]
            for m in record.mitigations
        ],
        "No mitigation is planned.",
    )
    section.table(
        "Risk acceptances",
        ["Acceptance", "Risk", "Status", "Expires", "Decided by"],
        [
            [
                a.reference,
                r.reference,
                a.get_status_display(),
                _date(a.expires_on),
                _person(a.decided_by),
            ]
            for r, a in acceptances
        ],
        "No risk acceptance is requested.",
    )
    section.table(
        "Committee reviews",
        ["Review", "Kind", "Submitted", "Submitted by", "Status"],
        [
            [
                rv.reference,
                rv.get_kind_display(),
                _day(rv.submitted_at),
                _person(rv.submitted_by),
                rv.get_status_display(),
            ]
            for rv in record.reviews
        ],
        "No review is submitted yet.",
    )
    if not record.risks:
        section.gap("No risk catalogued", links.under_system("risks:create"), "Add a risk")
    untreated = [
        r
        for r in record.risks
        if r.status != RiskStatus.CLOSED and not treated.get(r.pk) and r.pk not in live_acceptance
    ]
    if untreated:
        names = ", ".join(r.reference for r in untreated)
        section.gap(
            f"{len(untreated)} risk{'s' if len(untreated) > 1 else ''} with neither a mitigation "
            f"nor an acceptance: {names}",
            links.under_system("mitigations:create"),
            "Plan a mitigation",
        )


def _changes(section: Section, document, record: Record, links: Links) -> None:
    section.table(
        "Versions recorded (material changes)",
        ["Version", "Kind", "New", "Previous", "Recorded", "By", "Status", "What changed"],
        [
            [
                v.reference,
                v.get_kind_display(),
                v.value,
                v.previous_value,
                _day(v.recorded_at),
                _person(v.recorded_by),
                v.get_status_display(),
                v.note,
            ]
            for v in record.versions
        ],
        "No new version has been recorded since the system was registered.",
    )


def _texts_only(section: Section, document, record: Record, links: Links) -> None:
    """A section the record supplies nothing to: only its texts."""


def _post_market(section: Section, document, record: Record, links: Links) -> None:
    incident_item = next(
        (row for row in record.checklist if row["key"] == ChecklistKey.INCIDENT_RESPONSE), None
    )
    documented = bool(incident_item and incident_item["complete"])
    section.facts(
        [
            ("Metrics monitored", "\n".join(f"{m.reference} {m.name}" for m in record.metrics)),
            (
                "Incidents logged",
                str(record.incident_count)
                + (
                    " ("
                    + ", ".join(f"{k}: {v}" for k, v in record.incidents_by_severity.items())
                    + ")"
                    if record.incident_count
                    else ""
                ),
            ),
            ("Incident response procedure", "Documented" if documented else "Not documented"),
        ]
    )
    section.table(
        "Incidents (most recent first)",
        ["Incident", "Title", "Severity", "Detected", "Phase", "Serious incident (Art. 73)"],
        [
            [
                i.reference,
                i.title,
                i.get_severity_display(),
                _day(i.detected_at),
                i.get_phase_display(),
                i.get_serious_incident_display() if i.serious_incident else "",
            ]
            for i in record.incidents
        ],
        "No incident is logged.",
    )
    if not documented:
        section.gap(
            "Incident response procedure not documented (deployment checklist)",
            links.checklist(),
            "Open the checklist",
        )


BUILDERS = {
    "general": _general,
    "development": _development,
    "functioning": _functioning,
    "metrics": _metrics,
    "risk-management": _risk_management,
    "changes": _changes,
    "standards": _texts_only,
    "conformity": _texts_only,
    "post-market": _post_market,
}


def assemble_document(document, record: Record | None = None) -> dict[str, Any]:
    """The live Annex IV document of ``document``'s system as JSON-ready data. Its dates are
    days in the organisation's time zone (``TIME_ZONE``), whoever assembles it: the content, and
    so its SHA-256, never depend on the person's own time zone."""
    with timezone.override(timezone.get_default_timezone()):
        return _assemble(document, record or read_record(document.system))


def _assemble(document, record: Record) -> dict[str, Any]:
    system = record.system
    links = Links(document, system)
    sections = []
    for spec in SECTIONS:
        section = Section(spec)
        BUILDERS[spec.key](section, document, record, links)
        for name in spec.fields:
            section.text(document, name)
        for name in spec.required:
            if not getattr(document, name).strip():
                section.gap(MISSING_TEXT[name], links.edit_document(spec.key, name), "Write it")
        sections.append(section.as_dict())
    return {
        "schema": SCHEMA_VERSION,
        "document": {"reference": document.reference},
        "system": {
            "id": system.pk,
            "reference": system.reference,
            "name": system.name,
            "team": system.team.name,
            "tier": _tier(system),
            "is_high_risk": system.eu_ai_act_tier == EUAIActTier.HIGH_RISK,
            "role": system.get_eu_ai_act_role_display(),
        },
        "sections": sections,
        "gap_count": sum(len(section["gaps"]) for section in sections),
    }


def all_gaps(content: dict) -> list[dict]:
    """Every gap of a document, with its section: ``[{section, number, text, url, action}]``."""
    return [
        {"section": s["title"], "section_key": s["key"], "number": s["number"], **gap}
        for s in content["sections"]
        for gap in s["gaps"]
    ]


# --- Comparing two versions -----------------------------------------------------------------------
def _row_text(columns: list[str], row: list[str]) -> str:
    return "; ".join(f"{c}: {v}" for c, v in zip(columns[1:], row[1:], strict=False) if v)


def _compare_blocks(old: list[dict], new: list[dict]) -> dict:
    changes, added, removed = [], [], []
    old_facts = {r["label"]: r["value"] for b in old if b["kind"] == "facts" for r in b["rows"]}
    new_facts = {r["label"]: r["value"] for b in new if b["kind"] == "facts" for r in b["rows"]}
    for label in [*new_facts, *(k for k in old_facts if k not in new_facts)]:
        before, after = old_facts.get(label, ""), new_facts.get(label, "")
        if before != after:
            changes.append({"label": label, "old": before, "new": after})
    old_texts = {b["field"]: b for b in old if b["kind"] == "text"}
    for block in (b for b in new if b["kind"] == "text"):
        before = old_texts.get(block["field"], {}).get("text", "")
        if before != block["text"]:
            changes.append({"label": block["label"], "old": before, "new": block["text"]})
    old_tables = {b["title"]: b for b in old if b["kind"] == "table"}
    for table in (b for b in new if b["kind"] == "table"):
        before = {row[0]: row for row in old_tables.get(table["title"], {}).get("rows", [])}
        after = {row[0]: row for row in table["rows"]}
        columns = table["columns"]
        for key, row in after.items():
            if key not in before:
                added.append(f"{table['title']}: {key} {_row_text(columns, row)}")
            elif before[key] != row:
                changes.append(
                    {
                        "label": f"{table['title']}: {key}",
                        "old": _row_text(columns, before[key]),
                        "new": _row_text(columns, row),
                    }
                )
        removed += [
            f"{table['title']}: {key} {_row_text(columns, row)}"
            for key, row in before.items()
            if key not in after
        ]
    return {"changes": changes, "rows_added": added, "rows_removed": removed}


def compare_documents(old: dict, new: dict) -> dict[str, Any]:
    """What changed from version ``old`` to version ``new``, section by section: changed facts
    and texts (before and after), table rows added or removed, gaps filled or new."""
    old_sections = {s["key"]: s for s in old["sections"]}
    sections = []
    for section in new["sections"]:
        before = old_sections.get(section["key"], {"blocks": [], "gaps": []})
        diff = _compare_blocks(before["blocks"], section["blocks"])
        old_gaps = [g["text"] for g in before["gaps"]]
        new_gaps = [g["text"] for g in section["gaps"]]
        diff["gaps_filled"] = [g for g in old_gaps if g not in new_gaps]
        diff["gaps_new"] = [g for g in new_gaps if g not in old_gaps]
        diff["is_empty"] = not any(diff.values())
        sections.append({"number": section["number"], "title": section["title"], **diff})
    return {"sections": sections, "is_empty": all(s["is_empty"] for s in sections)}
