"""Every write to fundamental rights impact assessments: starting one, editing its draft, adding
a new risk from it, submitting a version to the committee, and what the committee's decision
makes of that version (the review calls back :func:`version_approved` / :func:`version_closed`
through :mod:`apps.reviews.subjects`).

Each function checks its rules, writes in one transaction with its history (who and why), and
raises ``PermissionDenied`` / ``ValidationError`` with a message a person can act on, every
problem at once.

    start ──► draft ──submit_assessment──► version n (with the committee)
                ▲                               │ approved: the Art. 27 obligation's evidence
                └── changes requested: edit, submit again (the same review decides on n+1)
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.assessments import permissions, selectors
from apps.assessments.models import (
    CONTENT_FIELDS,
    REQUIRED_TEXT_FIELDS,
    AssessmentVersion,
    FundamentalRightsAssessment,
    VersionOutcome,
)
from apps.core import services as core_services
from apps.core.audit import save_with_history
from apps.core.concurrency import StateConflict, check_version
from apps.core.models import Evidence, Level
from apps.core.validation import ErrorCollector
from apps.reviews import services as review_services
from apps.reviews.models import ReviewStatus
from apps.risks import services as risk_services
from apps.risks.models import Risk
from apps.systems.models import AISystem

REVIEW_KIND = "fria"  # apps.reviews.models.ReviewKind.FRIA
EDITABLE_FIELDS = (*CONTENT_FIELDS, "risks")
# Bump when the frozen content's shape changes (the pages read every shape they ever froze).
CONTENT_SCHEMA = 1


def _locked(assessment: FundamentalRightsAssessment) -> FundamentalRightsAssessment:
    return (
        FundamentalRightsAssessment.objects.select_for_update(of=("self",))
        .select_related("system", "system__team")
        .get(pk=assessment.pk)
    )


def _check_can_edit(assessment: FundamentalRightsAssessment, by) -> None:
    refusal = permissions.why_cannot_edit_assessment(by, assessment)
    if refusal:
        raise PermissionDenied(refusal)


# --- The draft ------------------------------------------------------------------------------------
@transaction.atomic
def start_assessment(*, system: AISystem, by, reason: str = "") -> FundamentalRightsAssessment:
    """Start the system's assessment (an empty draft), where Art. 27 applies to it."""
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    refusal = permissions.why_cannot_start_assessment(by, system)
    if refusal:
        raise PermissionDenied(refusal)
    assessment = FundamentalRightsAssessment(system=system, created_by=by)
    save_with_history(assessment, by=by, reason=reason or "Started")
    return assessment


def _risks_of_system(assessment: FundamentalRightsAssessment, risks) -> list[Risk]:
    risks = list(risks)
    foreign = [r for r in risks if r.system_id != assessment.system_id]
    linked = set(assessment.risks.values_list("pk", flat=True))
    # A linked risk archived since may stay linked; an archived one is not linked anew.
    archived = [r for r in risks if r.archived_at is not None and r.pk not in linked]
    errors = ErrorCollector()
    if foreign:
        errors.add(
            f"An assessment links risks of its own system only; "
            f"{', '.join(r.reference for r in foreign)} belong to another system.",
            "risks",
        )
    if archived:
        errors.add(
            f"{', '.join(r.reference for r in archived)} {'is' if len(archived) == 1 else 'are'} "
            "archived: restore it first, or leave it out.",
            "risks",
        )
    errors.raise_if_any()
    return risks


@transaction.atomic
def update_assessment(
    *,
    assessment: FundamentalRightsAssessment,
    by,
    data: dict[str, Any],
    reason: str = "",
    expected_version: int | None = None,
) -> FundamentalRightsAssessment:
    """Edit the draft's sections and (``data["risks"]``) the system's risks it links.
    ``expected_version``: the version the editor read (:mod:`apps.core.concurrency`)."""
    assessment = _locked(assessment)
    _check_can_edit(assessment, by)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable fields of an assessment: {', '.join(sorted(unknown))}")
    data = check_version(assessment, expected_version, data)
    risks = data.pop("risks", None)
    errors = ErrorCollector()
    if risks is not None:
        with errors.check():
            risks = _risks_of_system(assessment, risks)
    for name, value in data.items():
        setattr(assessment, name, value.strip() if isinstance(value, str) else value)
    notified_on = assessment.authority_notified_on
    if notified_on is not None and notified_on > timezone.localdate():
        errors.add("The notification date cannot be in the future.", "authority_notified_on")
    with errors.check():
        assessment.full_clean(exclude=["system", "created_by", "risks"])
    errors.raise_if_any()
    save_with_history(assessment, by=by, reason=reason or "Edited")
    if risks is not None and {r.pk for r in risks} != set(
        assessment.risks.values_list("pk", flat=True)
    ):
        assessment.risks.set(risks)  # one more history row, by the same person, same reason
    return assessment


@transaction.atomic
def add_new_risk(
    *, assessment: FundamentalRightsAssessment, by, data: dict[str, Any], reason: str = ""
) -> Risk:
    """Add a new risk to the system (as the risk pages do) and link it to the assessment."""
    assessment = _locked(assessment)
    _check_can_edit(assessment, by)
    risk = risk_services.create_risk(
        system=assessment.system,
        by=by,
        data=data,
        reason=reason or f"Added from {assessment.reference}",
    )
    # The draft's version moves on, so that an edit form opened before does not unlink it.
    save_with_history(assessment, by=by, reason=f"Linked the new risk {risk.reference}")
    assessment.risks.add(risk)
    return risk


# --- Versions -------------------------------------------------------------------------------------
def _risk_entry(risk: Risk) -> dict:
    category = risk.category
    return {
        "id": risk.pk,
        "reference": risk.reference,
        "title": risk.title,
        "category": f"{category.parent.name} · {category.name}"
        if category.parent_id
        else category.name,
        "inherent_score": risk.inherent_score,
        "inherent_level": risk.inherent_level,
        "inherent_level_label": Level(risk.inherent_level).label,
        "residual_score": risk.residual_score,
        "residual_level": risk.residual_level,
        "residual_level_label": Level(risk.residual_level).label,
        "status": risk.get_status_display(),
    }


def frozen_content(assessment: FundamentalRightsAssessment) -> dict:
    """What a version freezes: every section's text, the linked risks with their titles and
    levels now, the Art. 27(3) notification and the system's facts that made Art. 27 apply."""
    system = assessment.system
    obligation = selectors.art27_obligation(system)
    risks = assessment.risks.select_related("category__parent").order_by(
        "-residual_score", "title", "pk"
    )
    notified_on = assessment.authority_notified_on
    return {
        "schema": CONTENT_SCHEMA,
        "assessment": {"id": assessment.pk, "reference": assessment.reference},
        "system": {
            "id": system.pk,
            "reference": system.reference,
            "name": system.name,
            "team": system.team.name,
            "purpose": system.purpose,
            "tier": system.get_eu_ai_act_tier_display(),
            "area": system.get_eu_ai_act_area_display() if system.eu_ai_act_area else "",
            "annex_iii_point": system.annex_iii_point,
            "role": system.get_eu_ai_act_role_display(),
            "serves_public": system.serves_public,
        },
        "obligation": (
            {"id": obligation.pk, "reference": obligation.reference, "why": obligation.why}
            if obligation
            else None
        ),
        "sections": {
            name: getattr(assessment, name)
            for name in CONTENT_FIELDS
            if name != "authority_notified_on"
        },
        "authority_notified_on": notified_on.isoformat() if notified_on else None,
        "risks": [_risk_entry(risk) for risk in risks],
    }


def _what_is_compared(content: dict) -> tuple:
    """The part of a version that the team writes: two versions alike in it say the same."""
    return (
        content["sections"],
        content["authority_notified_on"],
        [(r["id"], r["title"], r["inherent_score"], r["residual_score"]) for r in content["risks"]],
    )


def submission_problems(
    assessment: FundamentalRightsAssessment,
    content: dict,
    latest: AssessmentVersion | None,
) -> list[str]:
    """Why the draft cannot be submitted now (empty when it can), every problem at once."""
    problems = []
    field = FundamentalRightsAssessment._meta.get_field
    empty = [
        str(field(name).verbose_name)
        for name in REQUIRED_TEXT_FIELDS
        if not content["sections"][name]
    ]
    if empty:
        problems.append(
            f"Fill in every section before submitting; still empty: {', '.join(empty)}."
        )
    if not content["sections"]["risks_of_harm"] and not content["risks"]:
        problems.append(
            "Say which harms you foresee to people's fundamental rights: describe them, link the "
            "system's risks, or both."
        )
    if latest is not None and latest.review_id is not None:
        review = latest.review
        if review.status == ReviewStatus.PENDING and not latest.outcome:
            problems.append(
                f"Version {latest.number} is with the committee ({review.reference}): wait for "
                "its decision, or withdraw that review, before submitting another version."
            )
        unchanged = _what_is_compared(latest.content) == _what_is_compared(content)
        if unchanged and (latest.is_approved or review.status == ReviewStatus.CHANGES_REQUESTED):
            problems.append(
                f"Nothing changed since version {latest.number}: "
                + (
                    "it is approved already."
                    if latest.is_approved
                    else "make the changes the committee asked for first."
                )
            )
    return problems


def check_submission(*, assessment: FundamentalRightsAssessment, by) -> None:
    """The checks of a submission that need no write, raised together (the submit page asks it
    while its form has other errors)."""
    _check_can_edit(assessment, by)
    problems = submission_problems(
        assessment, frozen_content(assessment), selectors.latest_version(assessment)
    )
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def submit_assessment(
    *, assessment: FundamentalRightsAssessment, by, reviewers=(), note: str = ""
) -> AssessmentVersion:
    """Freeze the draft as the next version and ask the committee to review it: a new review,
    or, when the committee asked for changes to the previous version, the same review again."""
    assessment = _locked(assessment)
    _check_can_edit(assessment, by)
    latest = selectors.latest_version(assessment)
    content = frozen_content(assessment)
    problems = submission_problems(assessment, content, latest)
    if problems:
        raise ValidationError(problems)
    version = AssessmentVersion(
        assessment=assessment,
        number=latest.number + 1 if latest else 1,
        content=content,
        submitted_by=by,
    )
    save_with_history(version, by=by, reason=f"Version {version.number} submitted for review")
    review = latest.review if latest is not None else None
    if review is not None and review.status == ReviewStatus.CHANGES_REQUESTED:
        reason = f"Version {latest.number} superseded by version {version.number}"
        _decide(latest, VersionOutcome.SUPERSEDED, by=by, reason=reason)
        review_services.resubmit_document(review=review, subject=version, by=by, note=note)
    else:
        review = review_services.submit_document_for_review(
            system=assessment.system,
            kind=REVIEW_KIND,
            subject=version,
            by=by,
            reviewers=reviewers,
            note=note,
        )
    version.review = review
    save_with_history(
        version,
        by=by,
        reason=f"Version {version.number} sent to the committee ({review.reference})",
        update_fields=["review"],
    )
    return version


# --- What the committee's decision makes of a version (apps.reviews.subjects) ------------------
def _decide(version: AssessmentVersion, outcome: str, *, by, reason: str) -> None:
    """Write what became of a version: its only change after submission."""
    version.outcome, version.decided_at = outcome, timezone.now()
    save_with_history(version, by=by, reason=reason, update_fields=["outcome", "decided_at"])


def _version_url(version: AssessmentVersion) -> str:
    return settings.SITE_URL.rstrip("/") + version.get_absolute_url()


def _attach_as_evidence(version: AssessmentVersion, *, by) -> None:
    """The approved version becomes the evidence of the system's Art. 27 obligation: a link to
    its page, once; a link to an earlier version of the same assessment is taken off (kept in
    the obligation's history), so that the evidence names the assessment in force."""
    obligation = selectors.art27_obligation(version.assessment.system)
    if obligation is None:
        return
    url = _version_url(version)
    earlier_urls = {
        _version_url(other)
        for other in version.assessment.versions.exclude(pk=version.pk).only("number")
    }
    evidence = list(core_services.evidence_of(obligation).filter(kind=Evidence.Kind.LINK))
    for earlier in evidence:
        if earlier.url in earlier_urls:
            core_services.remove_evidence(evidence=earlier, by=by)
    if not any(item.url == url for item in evidence):
        core_services.add_evidence(record=obligation, by=by, kind=Evidence.Kind.LINK, url=url)


def version_approved(*, review, subject: AssessmentVersion, by) -> None:
    """The committee approved the version (called in the deciding transaction)."""
    version = (
        AssessmentVersion.objects.select_for_update()
        .select_related("assessment__system")
        .get(pk=subject.pk)
    )
    if version.is_approved:
        return
    if version.outcome:
        raise StateConflict(f"{version.reference} is {version.get_outcome_display().lower()}.")
    reason = f"Version {version.number} approved in {review.reference}"
    _decide(version, VersionOutcome.APPROVED, by=by, reason=reason)
    _attach_as_evidence(version, by=by)


def version_closed(*, review, subject: AssessmentVersion, by, status: str) -> None:
    """The review ended without approval: the version is rejected or withdrawn."""
    outcome = {
        ReviewStatus.REJECTED: VersionOutcome.REJECTED,
        ReviewStatus.WITHDRAWN: VersionOutcome.WITHDRAWN,
    }.get(status)
    version = AssessmentVersion.objects.select_for_update().get(pk=subject.pk)
    if outcome is None or version.outcome:
        return
    reason = f"Version {version.number} {outcome.label.lower()} in {review.reference}"
    _decide(version, outcome, by=by, reason=reason)


def describe(version: AssessmentVersion) -> str:
    """The version in a line, for the committee's lists and the review page."""
    content = version.content
    risks = len(content["risks"])
    notified = content["authority_notified_on"]
    return (
        f"{content['assessment']['reference']} version {version.number}: "
        f"{risks} linked risk{'' if risks == 1 else 's'}, "
        + (f"authority notified on {notified}" if notified else "authority not notified yet")
    )
