"""Demo incidents for the demo organisation (``manage.py seed_demo``).

An uncatalogued SEV2 of the support assistant still being handled, a closed SEV3 of the code
assistant, a SEV1 of the high-risk CV screening system with its EU AI Act Art. 73 deadline
running, and two older closed incidents so that the dashboard's trend has a history. Everything
goes through the services, by each system's team, so the history reads like real use.
Idempotent: a system that already has incidents is left alone.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from apps.incidents import services
from apps.incidents.models import Incident, SeriousIncident
from apps.systems.models import AISystem


def _ago(now: datetime.datetime, **delta) -> datetime.datetime:
    return (now - datetime.timedelta(**delta)).replace(second=0, microsecond=0)


def _specs(now: datetime.datetime) -> list[dict]:
    return [
        {
            "system": "Aria customer-support assistant",
            "by": "contributor@example.com",
            "data": {
                "title": "Aria told customers that freezing a card cancels their direct debits",
                "description": "Over a weekend Aria answered 140 conversations about frozen "
                "cards by saying that direct debits stop too; several customers missed "
                "payments. Noticed by an agent reading a hand-over summary on Monday.",
                "severity": 2,
                "occurred_at": _ago(now, days=6, hours=3),
                "detected_at": _ago(now, days=4, hours=2),
                "assessed_at": _ago(now, days=4),
                "contained_at": _ago(now, days=3, hours=20),
                "people_affected": 140,
            },
            "risks": [],
            "reason": "Reported by the support agents' team lead",
        },
        {
            "system": "Code assistant",
            "by": "platform@example.com",
            "data": {
                "title": "Suggested import of a package that does not exist",
                "description": "The assistant suggested installing ‘fastjson-utils’, a name "
                "nobody had published; an engineer ran the install in a sandbox. A squatter "
                "could have published it.",
                "severity": 3,
                "occurred_at": _ago(now, days=20, hours=5),
                "detected_at": _ago(now, days=20, hours=4),
                "assessed_at": _ago(now, days=20, hours=3),
                "contained_at": _ago(now, days=20, hours=3),
                "recovered_at": _ago(now, days=20, hours=1),
                "closed_at": _ago(now, days=18),
                "root_cause": "The model invents plausible package names when the prompt "
                "names a task but no library.",
                "lessons_learned": "The dependency allow-list in CI caught it; the IDE should "
                "warn before installs too.",
                "people_affected": 1,
            },
            "risk_templates": ["hallucinated-package-dependency"],
            "reason": "Found by the engineer in the sandbox",
        },
        {
            "system": "CV screening assistant",
            "by": "people@example.com",
            "data": {
                "title": "Applicants with career breaks ranked at the bottom",
                "description": "A recruiter noticed that every applicant with a career break "
                "of more than a year was ranked in the bottom decile for three vacancies; most "
                "were women returning from parental leave.",
                "severity": 1,
                "occurred_at": _ago(now, days=5, hours=6),
                "detected_at": _ago(now, days=3, hours=6),
                "assessed_at": _ago(now, days=3),
                "contained_at": _ago(now, days=2, hours=20),
                "people_affected": 212,
                "serious_incident": SeriousIncident.GENERAL,
            },
            "risk_templates": ["cv-screening-discriminates"],
            "reason": "Raised by a recruiter",
        },
        {
            "system": "Card fraud detector",
            "by": "fincrime@example.com",
            "data": {
                "title": "Legitimate contactless payments blocked after a threshold change",
                "description": "A new threshold blocked 1.2% of contactless payments in "
                "supermarkets for four hours.",
                "severity": 2,
                "occurred_at": _ago(now, days=62, hours=8),
                "detected_at": _ago(now, days=62, hours=7),
                "assessed_at": _ago(now, days=62, hours=6),
                "contained_at": _ago(now, days=62, hours=5),
                "recovered_at": _ago(now, days=62, hours=4),
                "review_done_at": _ago(now, days=58),
                "closed_at": _ago(now, days=57),
                "root_cause": "The threshold was tuned on a sample without weekend grocery "
                "traffic.",
                "lessons_learned": "Threshold changes go through a shadow run over a full week.",
                "people_affected": 9300,
            },
            "risk_templates": ["fraud-model-false-positives-block-customers"],
            "reason": "Alert from the authorisation-rate monitor",
        },
        {
            "system": "ID document and selfie verification",
            "by": "fincrime@example.com",
            "data": {
                "title": "Manual review queue above 48 hours",
                "description": "A vendor outage sent every onboarding to manual review.",
                "severity": 4,
                "occurred_at": _ago(now, days=130, hours=12),
                "detected_at": _ago(now, days=130, hours=2),
                "assessed_at": _ago(now, days=130, hours=1),
                "contained_at": _ago(now, days=130, hours=1),
                "recovered_at": _ago(now, days=129, hours=20),
                "closed_at": _ago(now, days=128),
            },
            "risk_templates": [],
            "reason": "Noticed by the onboarding team",
        },
    ]


def seed_demo_incidents(people: dict, now: datetime.datetime | None = None) -> int:
    """Log the demo incidents of demo systems that have none; returns how many were logged."""
    now = now or timezone.now()
    logged = 0
    systems = {s.name: s for s in AISystem.objects.select_related("team")}
    with_incidents = set(Incident.objects.values_list("system_id", flat=True))
    for spec in _specs(now):
        system = systems.get(spec["system"])
        author = people.get(spec["by"])
        if system is None or author is None or system.pk in with_incidents:
            continue
        risks = list(
            system.risks.filter(
                template__key__in=spec.get("risk_templates", []), archived_at__isnull=True
            )
        )
        services.open_incident(
            system=system, by=author, data=spec["data"], risks=risks, reason=spec["reason"]
        )
        logged += 1
    return logged
