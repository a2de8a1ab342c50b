"""The demo organisation that the run command loads (``seed_demo``): what each part of it holds
and that seeding it again adds nothing. One module, so that the organisation is seeded once for
all of them (``demo_organisation``: seeding takes seconds); each test's changes are rolled back."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import Membership, Team, User
from apps.compliance import soa
from apps.compliance.models import (
    AcceptanceStatus,
    Applicability,
    Obligation,
    ObligationException,
    ObligationStatus,
)
from apps.compliance.models_soa import SoAVersionStatus
from apps.core.models import AuditEvent, Evidence
from apps.demo.management.commands.seed_demo import DEMO_PASSWORD, PEOPLE, SYSTEMS
from apps.evaluations.models import EvaluationRun, MitigationEvaluation, TestCase
from apps.incidents.models import Incident
from apps.monitoring.models import Breach, BreachLevel, HourlyRollup, Metric
from apps.reviews import selectors, services
from apps.reviews.models import (
    PLAN_KINDS,
    ChecklistKey,
    ChecklistStatus,
    Review,
    ReviewKind,
    ReviewSettings,
    ReviewStatus,
)
from apps.risks import services as risk_services
from apps.risks.models import RiskStatus
from apps.systems import gate
from apps.systems.models import AISystem, SystemVersion, VersionStatus

pytestmark = pytest.mark.django_db

ARIA = "Aria customer-support assistant"


# --- Accounts, systems and their history ----------------------------------------------------------
def test_seed_demo_builds_one_account_per_role_and_the_systems(demo_organisation):
    assert User.objects.filter(is_superuser=True).exists()
    assert User.objects.filter(is_committee_member=True).count() >= 2
    assert User.objects.filter(is_auditor=True).exists()
    assert Membership.objects.filter(role="contributor").exists()
    assert Membership.objects.filter(role="viewer").exists()
    assert AISystem.objects.count() == len(SYSTEMS) >= 10
    assert User.objects.get(email="auditor@example.com").check_password(DEMO_PASSWORD)


def test_seed_demo_is_idempotent(demo_organisation):
    counts = (User.objects.count(), Team.objects.count(), AISystem.objects.count())
    events = AuditEvent.objects.count()
    call_command("seed_demo", "--force", verbosity=0)
    assert (User.objects.count(), Team.objects.count(), AISystem.objects.count()) == counts
    assert AuditEvent.objects.count() == events
    assert User.objects.count() == len(PEOPLE)


def test_seed_demo_systems_have_history_by_their_team(demo_organisation):
    system = AISystem.objects.get(name="Consumer credit scoring model")
    assert system.criticality >= 3  # high-risk tier ⇒ at least High
    assert {h.history_user.email for h in system.history.all()} == {"credit@example.com"}
    reasons = set(system.history.values_list("history_change_reason", flat=True))
    assert "Annual recalibration on 2025 applications" in reasons


# --- Governance: the committee, approvals, ungoverned systems -------------------------------------
def test_the_demo_has_three_committee_members(demo_organisation):
    members = [email for email, *_, roles, _ in PEOPLE if "committee" in roles]
    assert members == [
        "committee@example.com",
        "committee2@example.com",
        "committee3@example.com",
    ]
    assert User.objects.filter(is_committee_member=True, is_active=True).count() == 3


def test_every_demo_plan_can_get_the_approvals_it_needs(demo_organisation):
    settings = ReviewSettings.load()
    for system in AISystem.objects.select_related("business_owner"):
        available = selectors.eligible_reviewers(system, {system.business_owner_id}).count()
        assert available >= settings.approvals_required(system.criticality), system.name


def test_the_fraud_detector_goes_to_three_reviewers_once_its_team_has_done_its_part(
    demo_organisation,
):
    system = AISystem.objects.get(name="Card fraud detector")
    team = User.objects.get(email="fincrime@example.com")
    assert system.get_criticality_display() == "Critical"
    reviewers = list(selectors.eligible_reviewers(system, {team.pk}))

    with pytest.raises(ValidationError) as refused:
        services.submit_safety_plan(
            system=system, by=team, kind=ReviewKind.INITIAL, reviewers=reviewers
        )
    # What is left is the team's own work, not a missing committee member.
    assert "reviewers" not in getattr(refused.value, "error_dict", {})
    assert not any("approval" in message for message in refused.value.messages)

    for key in ChecklistKey.values:
        services.add_checklist_evidence(
            system=system, key=key, by=team, kind=Evidence.Kind.NOTE, note="Report filed."
        )
        services.update_checklist_item(
            system=system, key=key, by=team, status=ChecklistStatus.DONE, note="Done."
        )
    for risk in system.risks.filter(residual_level=4, status=RiskStatus.OPEN):
        risk_services.update_risk(risk=risk, by=team, data={"status": RiskStatus.TREATED})

    review = services.submit_safety_plan(
        system=system, by=team, kind=ReviewKind.INITIAL, reviewers=reviewers
    )
    assert (review.required_approvals, review.assignments.count()) == (3, 3)


def test_a_critical_demo_plan_needs_the_legal_ethics_and_technical_seats(demo_organisation):
    from apps.reviews.models import Seat

    system = AISystem.objects.get(name="Card fraud detector")
    required = {seat.slug for seat in selectors.required_seats(system.criticality)}
    assert required == {"legal-counsel", "ethics-representative", "technical-lead"}
    for slug in required:
        holders = selectors.holders_of(Seat.objects.get(slug=slug))
        assert holders.filter(is_committee_member=True).exists(), slug


def test_the_demo_shows_ungoverned_systems_in_service(demo_organisation):
    ungoverned = set(AISystem.objects.ungoverned().values_list("name", flat=True))
    assert "Card fraud detector" in ungoverned
    assert "Aria customer-support assistant" not in ungoverned  # its plan was approved
    assert "Loan arrears forecaster" not in ungoverned  # in development


# --- Checklists and reviews -----------------------------------------------------------------------
def test_the_demo_has_an_approved_plan_and_one_waiting_in_the_committees_queue(demo_organisation):
    aria = AISystem.objects.get(name="Aria customer-support assistant")
    approved, pending = aria.reviews.order_by("pk")
    assert (approved.status, approved.current_version.number) == (ReviewStatus.APPROVED, 1)
    assert (pending.status, pending.kind) == (ReviewStatus.PENDING, ReviewKind.CHANGE)
    assert pending.current_version.number == 2
    assert aria.last_approved is not None and aria.next_review_due is not None
    assert aria.mitigations.filter(title__startswith="Re-run the 200-conversation").exists()
    for email in ("committee@example.com", "committee2@example.com"):
        assert list(selectors.review_queue(User.objects.get(email=email))) == [pending]
    assert selectors.checklist_of(aria)[0]["complete"]


def test_seeding_the_reviews_twice_adds_nothing(demo_organisation):
    count = Review.objects.count()
    call_command("seed_demo", "--force", verbosity=0)
    assert Review.objects.count() == count
    # Aria's two plan reviews; the reviews of documents (an impact assessment…) are their apps'.
    assert Review.objects.filter(kind__in=PLAN_KINDS).count() == 2


# --- Incidents ------------------------------------------------------------------------------------
def test_seed_demo_logs_the_demo_incidents_once(demo_organisation):
    incidents = Incident.objects.select_related("system")
    assert incidents.filter(severity=2, uncatalogued=True, closed_at__isnull=True).exists()
    assert incidents.filter(severity=3, closed_at__isnull=False).exists()
    cv = incidents.get(system__name="CV screening assistant")
    assert cv.system.eu_ai_act_tier == "high_risk"
    assert cv.regulator_deadline == cv.detected_at + datetime.timedelta(days=15)
    assert cv.regulator_notified_at is None
    assert not cv.uncatalogued
    assert {h.history_user.email for h in cv.history.all()} == {"people@example.com"}
    assert incidents.filter(post_incident_review_due=True).exists()
    count = incidents.count()
    call_command("seed_demo", "--force", verbosity=0)
    assert Incident.objects.count() == count


# --- Compliance: worked obligations, an exception, the Statement of Applicability -----------------
def test_the_demo_has_worked_obligations_and_an_exception(demo_organisation):
    credit = AISystem.objects.get(name="Consumer credit scoring model")
    obligations = Obligation.objects.filter(system=credit, applicability=Applicability.APPLIES)
    assert "Art. 27" in set(obligations.values_list("requirement__identifier", flat=True))
    assert obligations.exclude(status=ObligationStatus.NOT_STARTED).exists()
    assert Evidence.objects.filter(obligation__isnull=False).exists()
    [exception] = ObligationException.objects.all()
    assert exception.status == AcceptanceStatus.APPROVED


def test_the_demo_has_an_approved_statement_and_a_draft_moving_on(demo_organisation):
    in_force = soa.current_soa_version()
    assert in_force.status == SoAVersionStatus.APPROVED
    assert in_force.entries.count() == 38
    changed = [row for row in soa.soa_draft() if row.changed_since_approved]
    assert len(changed) == 1


# --- Evaluations and the one material change ------------------------------------------------------
def test_the_demo_systems_have_the_librarys_starter_test_cases(demo_organisation):
    aria = AISystem.objects.get(name=ARIA)

    keys = set(TestCase.objects.filter(system=aria).values_list("key", flat=True))

    assert {"prompt-injection-in-retrieved-document", "leak-canary-record"} <= keys


def test_the_demo_has_runs_one_of_them_failing(demo_organisation):
    aria = AISystem.objects.get(name=ARIA)

    passed, failed = EvaluationRun.objects.filter(system=aria).order_by("started_at")

    assert (passed.outcome, passed.model_version) == ("passed", "llm-2026-06 + prompt v14")
    assert (failed.outcome, failed.model_version) == ("failed", "llm-2026-10 + prompt v15")
    assert failed.unknown_count == 1
    assert MitigationEvaluation.objects.flagged().filter(latest_run=failed).exists()
    assert EvaluationRun.objects.exclude(system=aria).filter(outcome="passed").exists()


def test_the_demo_has_one_material_change_waiting_for_its_review(demo_organisation):
    aria = AISystem.objects.get(name=ARIA)

    change = SystemVersion.objects.get()
    assert (change.system, change.value, change.status) == (
        aria,
        "llm-2026-10 + prompt v15",
        VersionStatus.PENDING,
    )
    assert list(change.reviews.values_list("kind", flat=True)) == ["change"]
    new = {r["check"] for r in gate.evaluate_gate(aria, "llm-2026-10 + prompt v15").reasons}
    approved = {r["check"] for r in gate.evaluate_gate(aria, "llm-2026-06 + prompt v14").reasons}
    assert {"approved_plan", "evaluations"} <= new
    assert not {"approved_plan", "evaluations"} & approved


def test_seeding_the_evaluations_twice_adds_nothing(demo_organisation):
    count = EvaluationRun.objects.count()

    call_command("seed_demo", "--force", verbosity=0)

    assert EvaluationRun.objects.count() == count == 3


# --- Monitored metrics: 90 days of history, one breach with its incident --------------------------
def test_the_demo_metrics_have_90_days_of_history(demo_organisation):
    metrics = Metric.objects.all()
    # Three with 90 days of readings, and the credit model's two weekly figures (its Annex IV
    # accuracy metrics: apps/demo/documentation.py).
    assert metrics.count() == 5
    oldest = HourlyRollup.objects.order_by("hour").first().hour
    assert timezone.now() - oldest > datetime.timedelta(days=89)


def test_the_demo_has_one_rollback_breach_that_opened_an_incident(demo_organisation):
    breach = Breach.objects.get(level=BreachLevel.ROLLBACK)
    assert breach.incident is not None
    assert breach.ended_at is not None  # it recovered
    assert breach.incident.detected_at == breach.detected_at


# --- Technical documentation (Annex IV): one version per high-risk system -------------------------
def test_every_high_risk_demo_system_has_its_annex_iv_document_with_one_version(
    demo_organisation,
):
    from apps.documentation.annex_iv import content_sha256
    from apps.documentation.models import TechnicalDocument

    high_risk = AISystem.objects.filter(eu_ai_act_tier="high_risk")
    assert high_risk.count() >= 2
    for system in high_risk:
        document = TechnicalDocument.objects.get(system=system)
        [version] = document.versions.all()
        assert version.sha256 == document.latest_sha256 == content_sha256(version.content)


def test_the_best_documented_demo_system_has_no_gap_in_its_annex_iv_document(demo_organisation):
    from apps.demo.documentation import CREDIT
    from apps.documentation.annex_iv import all_gaps, assemble_document
    from apps.documentation.models import TechnicalDocument

    document = TechnicalDocument.objects.get(system__name=CREDIT)

    assert all_gaps(assemble_document(document)) == []
    assert document.versions.get().gap_count == 0
    assert {h.history_user.email for h in document.history.all()} == {"credit@example.com"}


def test_the_cv_screening_annex_iv_version_lists_its_gaps(demo_organisation):
    from apps.demo.documentation import CV
    from apps.documentation.annex_iv import all_gaps
    from apps.documentation.models import TechnicalDocumentVersion

    version = TechnicalDocumentVersion.objects.get(document__system__name=CV)
    gaps = [gap["text"] for gap in all_gaps(version.content)]

    assert version.gap_count == len(gaps) > 5
    assert {"No data-governance description", "No accuracy metric declared"} <= set(gaps)
    assert "No provider named (name, address, contact)" not in gaps  # the team wrote it
    count = TechnicalDocumentVersion.objects.count()
    call_command("seed_demo", "--force", verbosity=0)
    assert TechnicalDocumentVersion.objects.count() == count


# --- The fundamental rights impact assessment (Art. 27) of the credit model -----------------------
def test_the_credit_model_has_an_approved_impact_assessment_as_its_art_27_evidence(
    demo_organisation,
):
    from apps.assessments import selectors as assessment_selectors
    from apps.demo.assessments import CREDIT

    system = AISystem.objects.get(name=CREDIT)
    assessment = assessment_selectors.assessment_of(system)
    [version] = assessment.versions.all()
    assert version.is_approved and version.review.kind == ReviewKind.FRIA
    assert assessment.authority_notified_on is not None  # told after the approval
    obligation = assessment_selectors.art27_obligation(system)
    live = obligation.evidence.filter(removed_at__isnull=True)
    assert live.filter(url__endswith=version.get_absolute_url()).exists()
    call_command("seed_demo", "--force", verbosity=0)
    assert assessment.versions.count() == 1


# --- EU AI Act classification: every system's tier, with its rationale ----------------------------
def test_every_demo_system_carries_a_classification_consistent_with_its_tier(demo_organisation):
    from apps.classification.models import SystemClassification

    for system in AISystem.objects.active():
        state = SystemClassification.objects.select_related("latest").get(pk=system.pk)
        assert state.latest.tier == system.eu_ai_act_tier, system.name
        assert state.latest.is_applied and "Art. 3(1)" in state.latest.rationale
        assert not state.to_confirm


def test_the_committee_did_not_confirm_the_cv_screening_exemption(demo_organisation):
    from apps.classification.models import ClassificationRecord, RecordStatus
    from apps.demo.classification import CV

    first, second = ClassificationRecord.objects.filter(system__name=CV).order_by("number")
    assert (first.exemption_claimed, first.status) == (True, RecordStatus.NOT_CONFIRMED)
    assert first.review.status == "rejected"
    assert (second.tier, second.annex_iii_area, second.annex_iii_point) == ("high_risk", "4", "a")
    assert second.system.annex_iii_point == "a"  # applied
    count = ClassificationRecord.objects.count()
    call_command("seed_demo", "--force", verbosity=0)
    assert ClassificationRecord.objects.count() == count
