"""The compliance section of the safety plan (:mod:`apps.reviews.plan_sections`): the system's
obligations that apply, by framework, with their status, owner, due date, evidence and why they
apply; the blocking ones still unmet; the exceptions in force. Frozen with a submitted plan, so
that a version shows what its reviewers read."""

from __future__ import annotations

from django.utils import timezone

from apps.compliance import selectors
from apps.compliance.models import ObligationException


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _person(user) -> str:
    return (user.full_name or user.email) if user else ""


def compliance_of(system) -> dict | None:
    """JSON-ready: the system's compliance as the plan shows it (``None``: no obligation applies).
    Four queries, whatever the number of obligations."""
    groups = selectors.obligations_by_framework(system, applying_only=True)
    if not groups:
        return None
    today = timezone.localdate()
    unmet = list(selectors.unmet_blocking_obligations(system, today=today))
    exceptions = (
        ObligationException.objects.in_force(today)
        .filter(obligation__system=system)
        .select_related("obligation__requirement", "decided_by")
        .order_by("expires_on", "pk")
    )
    return {
        "frameworks": [
            {
                "name": group.catalogue.name,
                "version": group.catalogue.version,
                "applying": group.applying,
                "met": group.met,
                "obligations": [
                    {
                        "reference": o.reference,
                        "identifier": o.requirement.identifier,
                        "title": o.requirement.title,
                        "blocking": o.requirement.is_blocking,
                        "status": o.status,
                        "status_label": o.get_status_display(),
                        "justification": o.justification,
                        "owner": _person(o.owner),
                        "due_date": _date(o.due_date),
                        "overdue": o.is_overdue,
                        "why": o.why,
                        "evidence_count": o.evidence_count,
                        "mitigation_count": o.mitigation_count,
                        "risk_count": o.risk_count,
                    }
                    for o in group.obligations
                ],
            }
            for group in groups
        ],
        "unmet_blocking": [
            {
                "reference": o.reference,
                "identifier": o.requirement.identifier,
                "title": o.requirement.title,
                "status_label": o.get_status_display(),
            }
            for o in unmet
        ],
        "exceptions": [
            {
                "reference": e.reference,
                "identifier": e.obligation.requirement.identifier,
                "reason": e.reason,
                "expires_on": _date(e.expires_on),
                "approver": _person(e.decided_by),
            }
            for e in exceptions
        ],
    }
