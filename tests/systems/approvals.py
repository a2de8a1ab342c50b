"""A system whose safety plan the committee approved, through the services (for the tests of
material changes and of the deployment gate)."""

from apps.core.models import Evidence
from apps.reviews import services as review_services
from apps.reviews.models import ChecklistKey, ChecklistStatus, ReviewKind


def complete_checklist(system, by):
    for key in ChecklistKey.values:
        review_services.add_checklist_evidence(
            system=system, key=key, by=by, kind=Evidence.Kind.NOTE, note=f"Evidence for {key}"
        )
        review_services.update_checklist_item(
            system=system, key=key, by=by, status=ChecklistStatus.DONE, note="Checked."
        )


def submit(system, by, reviewer, kind=ReviewKind.INITIAL):
    return review_services.submit_safety_plan(system=system, by=by, kind=kind, reviewers=[reviewer])


def approve(review, reviewer):
    return review_services.decide_review(
        review=review, reviewer=reviewer, decision="approve", version=review.current_version.number
    )


def approved(system, *, submitter, reviewer):
    """``system`` (with at least one risk) with its initial deployment review approved."""
    complete_checklist(system, submitter)
    review = submit(system, submitter, reviewer)
    approve(review, reviewer)
    system.refresh_from_db()
    return review


# The deployment gate's checks of the apps below evaluations; the monitoring and compliance apps
# register theirs too, and test them in their own suites.
CHECKS_BELOW = ("system_in_service", "approved_plan", "critical_risks", "evaluations")


def only_gate_checks_below(monkeypatch):
    """Ask only :data:`CHECKS_BELOW` of the gate (for the length of a test)."""
    from apps.systems import gate

    kept = {name: check for name, check in gate._CHECKS.items() if name in CHECKS_BELOW}
    monkeypatch.setattr(gate, "_CHECKS", kept)
