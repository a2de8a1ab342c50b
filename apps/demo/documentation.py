"""Demo technical documentation (``manage.py seed_demo``, after the other demo data): every
high-risk demo system gets its Annex IV document, started and generated once by its team, as a
version whose gaps are listed.

The consumer credit scoring model is the best-documented: its team has written every text and
the record supplies the rest, once the team has declared the two figures Annex IV asks of it
(its accuracy, and its accuracy across age bands, with a few weekly readings) and documented its
incident response in the deployment checklist; its document has no gap. The CV screening
assistant's team has only started: its version lists what is missing. No PDF is made here (the
files are made on demand). Idempotent: a system that already has its document is left alone.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from apps.accounts.models import Membership
from apps.core.models import Evidence
from apps.documentation import services
from apps.documentation.models import TechnicalDocument
from apps.monitoring import services as monitoring_services
from apps.monitoring.models import Metric
from apps.reviews import services as review_services
from apps.reviews.models import ChecklistKey, ChecklistStatus
from apps.systems.models import AISystem, EUAIActTier

CREDIT = "Consumer credit scoring model"
CV = "CV screening assistant"

TEXTS = {
    CREDIT: {
        "provider": "Example Bank plc, Credit Risk team — 1 Demo Square, 1000 Brussels, "
        "Belgium — credit-models@example.com",
        "interactions": "Called by the loan origination system through an internal REST API "
        "for each application; reads the credit bureau feed and the bank's own account data; "
        "writes the score, the decision band and the reason codes back to origination. No "
        "other AI system consumes its output.",
        "market_forms": "Put into service internally only: a containerised service behind the "
        "origination system. Not sold or made available to third parties.",
        "hardware": "Standard x86 servers in the bank's private cloud (4 vCPU, 8 GB per "
        "instance, two instances); no GPU.",
        "user_interface": "Underwriters see the score, its band and the top four reason codes "
        "in the origination workbench, with a button to override the decision and a mandatory "
        "override reason.",
        "instructions_for_use": "Underwriting manual, chapter 7 “Automated scoring” (intranet "
        "UW-7, version 2026.2): intended use, cut-offs, the grey zone, reason codes, when to "
        "override, known limitations (thin-file applicants), and how to report a suspected "
        "error.",
        "development_methods": "Logistic scorecard developed in-house on 2021–2025 applications "
        "with monotonic constraints; a gradient-boosted challenger trained on the same data is "
        "used for monitoring only. No pre-trained model or third-party AI tool is used.",
        "design_choices": "An interpretable scorecard was chosen over the more accurate "
        "challenger so that every decline has reason codes an applicant can understand. The "
        "grey zone between the two cut-offs is referred to an underwriter rather than decided "
        "automatically.",
        "architecture": "Feature service (bureau and account data) → scorecard service → "
        "decision rules → origination. Trained and validated on the model-risk team's analytics "
        "cluster; versions tracked in the model registry.",
        "data_governance": "Training data: all personal-loan and card applications 2021-01 to "
        "2025-12 with 12-month performance, snapshot 2026-02-01. Protected characteristics are "
        "not features; age and sex are kept apart for fairness testing only. Data quality checks "
        "and label definitions are in the model development document MDD-CS-2026.",
        "predetermined_changes": "Annual recalibration of the cut-offs on the latest year of "
        "applications, within ±5 points of score, validated by model risk before release.",
        "cybersecurity": "Service reachable only from the origination system (mutual TLS); "
        "model artefacts signed in the registry; inputs validated against their schema; "
        "quarterly penetration test of the decisioning platform.",
        "capabilities_limitations": "Gini 0.61 on the 2025 out-of-time sample. Less reliable "
        "for thin-file applicants (under 12 months of history), who are always referred to an "
        "underwriter. Not designed for business lending.",
        "input_specifications": "One application: applicant's declared income and expenses, "
        "bureau record, and the bank's account history where the applicant is a customer. "
        "Applications with missing bureau data are not scored.",
        "metrics_appropriateness": "Gini on an out-of-time sample measures ranking power, which "
        "is what the cut-offs rely on; the approval-rate ratio between age bands watches the "
        "disparate-impact risk the fairness review identified.",
        "harmonised_standards": "No harmonised standard under the AI Act is published yet. "
        "Applied: ISO/IEC 42001:2023 (AI management system), ISO/IEC 23894:2023 (AI risk "
        "management) and the bank's model risk policy (EBA guidelines on loan origination).",
        "declaration_of_conformity": "EU declaration of conformity DoC-CS-2026-01, signed 15 "
        "March 2026 by the Chief Risk Officer; signed copy in the compliance archive.",
        "notified_body_certificate": "",
        "post_market_plan": "Monthly: Gini and population stability on the latest cohort, "
        "approval-rate ratios by age band and sex, override rates. Quarterly: review by the "
        "model risk committee. A rollback threshold breach opens an incident and reverts to the "
        "previous scorecard; serious incidents are reported under Art. 73.",
        "member_states": "Belgium, the Netherlands, Luxembourg",
        "information_url": "https://example.com/ai/credit-scoring",
    },
    CV: {
        "provider": "HR Tech Vendor B.V. (the vendor), Amsterdam — we are its deployer; "
        "vendor contact to be confirmed.",
        "instructions_for_use": "The vendor's user guide, version 3.1 (received 2026-04).",
    },
}

CREDIT_METRICS = [
    {
        "name": "Gini on the out-of-time sample",
        "measures": "accuracy",
        "description": "Ranking power of the scorecard on the latest month of applications "
        "with known outcome, computed weekly by the model-risk team's batch job.",
        "unit": "",
        "direction": "lower",
        "warning_threshold": 0.58,
        "rollback_threshold": 0.55,
        "window_minutes": 7 * 24 * 60,
        "incident_severity": 2,
        "values": (0.61, 0.005),
    },
    {
        "name": "Approval-rate ratio between age bands",
        "measures": "fairness_gap",
        "description": "Lowest approval rate of an age band divided by the highest, on the "
        "week's decisions.",
        "unit": "",
        "direction": "lower",
        "warning_threshold": 0.85,
        "rollback_threshold": 0.8,
        "window_minutes": 7 * 24 * 60,
        "incident_severity": 2,
        "values": (0.9, 0.01),
    },
]
WEEKS = 13


def _writer(system: AISystem, people: dict):
    """Who writes the team's documentation: its business owner if they contribute to the team,
    else a contributor of the team, else an administrator."""
    memberships = Membership.objects.filter(team=system.team, role=Membership.Role.CONTRIBUTOR)
    if memberships.filter(user=system.business_owner_id).exists():
        return system.business_owner
    membership = memberships.select_related("user").order_by("pk").first()
    if membership is not None:
        return membership.user
    return next(person for person in people.values() if person.is_superuser)


def _credit_metrics(system: AISystem, by, now) -> None:
    declared = set(Metric.objects.filter(system=system).values_list("name", flat=True))
    for spec in CREDIT_METRICS:
        if spec["name"] in declared:
            continue
        data = {k: v for k, v in spec.items() if k != "values"}
        metric = monitoring_services.create_metric(
            system=system, by=by, data=data, reason="Demo data: a figure Annex IV asks for"
        )
        base, step = spec["values"]
        start = monitoring_services.window_start(metric, now - datetime.timedelta(weeks=WEEKS))
        rows = [
            {
                "metric": metric.pk,
                "timestamp": (start + datetime.timedelta(weeks=week, days=1)).isoformat(),
                "value": round(base + step * ((week % 3) - 1), 4),
                "source": "demo",
            }
            for week in range(WEEKS)
        ]
        monitoring_services.ingest_readings(rows=rows, by=by)
        monitoring_services.evaluate_metrics([metric.pk], by_id=by.pk, now=now)


def _incident_response_documented(system: AISystem, by) -> None:
    key = ChecklistKey.INCIDENT_RESPONSE
    item = system.checklist_items.filter(key=key).first()
    if item is not None and item.status == ChecklistStatus.DONE:
        return
    review_services.add_checklist_evidence(
        system=system,
        key=key,
        by=by,
        kind=Evidence.Kind.NOTE,
        note="Runbook CS-IR-3: scorecard rollback, underwriter-only mode, Art. 73 reporting.",
    )
    review_services.update_checklist_item(
        system=system, key=key, by=by, status=ChecklistStatus.DONE, note="Drilled in May."
    )


def seed_demo_documentation(people: dict, now: datetime.datetime | None = None) -> int:
    """Start and generate the documents of the high-risk demo systems that have none; returns
    how many were made."""
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    made = 0
    systems = AISystem.objects.filter(
        eu_ai_act_tier=EUAIActTier.HIGH_RISK, archived_at__isnull=True
    ).order_by("name")
    for system in systems:
        if TechnicalDocument.objects.filter(system=system).exists():
            continue
        writer = _writer(system, people)
        if system.name == CREDIT:
            _credit_metrics(system, writer, now)
            _incident_response_documented(system, writer)
        document = services.start_document(
            system=system, by=writer, data=TEXTS.get(system.name, {}), reason="Demo data"
        )
        services.generate_version(
            document=document, by=writer, note="Demo data: the first draft for the legal team"
        )
        made += 1
    return made
