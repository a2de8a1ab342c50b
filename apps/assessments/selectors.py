"""Reads of impact assessments that the pages, the API, the panels and the services share.

Whether a system owes an assessment is its EU AI Act Art. 27 obligation, as the compliance rules
derived it from the system's facts (:mod:`apps.compliance.applicability`): an assessment is
offered while that obligation applies, never from a rule of this app's own.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery

from apps.assessments.models import AssessmentVersion, FundamentalRightsAssessment, VersionOutcome
from apps.compliance.models import Applicability, Obligation
from apps.core.models import AuditEvent
from apps.systems.models import AISystem

ART_27 = ("eu-ai-act", "Art. 27")


def _art27_obligations(system: AISystem) -> QuerySet[Obligation]:
    framework, identifier = ART_27
    return Obligation.objects.filter(
        system=system,
        requirement__catalogue__framework=framework,
        requirement__identifier=identifier,
    ).select_related("requirement", "requirement__catalogue", "system")


def art27_obligation(system: AISystem) -> Obligation | None:
    """The system's Art. 27 obligation while the compliance rules say it applies, else None."""
    return _art27_obligations(system).filter(applicability=Applicability.APPLIES).first()


def is_art27(obligation: Obligation) -> bool:
    requirement = obligation.requirement
    return (requirement.catalogue.framework, requirement.identifier) == ART_27


def why_not_required(system: AISystem) -> str:
    """Why the system owes no fundamental rights impact assessment, in words; "" if it does."""
    if art27_obligation(system) is not None:
        return ""
    lapsed = _art27_obligations(system).order_by("-applicability_changed_at", "-pk").first()
    scope = (
        "Art. 27 asks a fundamental rights impact assessment of a high-risk system's deployer "
        "that is a public body or provides a public service, or that uses it for credit "
        "scoring (Annex III 5(b)) or life and health insurance pricing (Annex III 5(c))"
    )
    if lapsed is not None:
        return (
            f"Art. 27 no longer applies to {system.reference} {system.name}: "
            f"{lapsed.applicability_reason} {scope}."
        )
    return (
        f"Art. 27 does not apply to {system.reference} {system.name}, by the compliance rules "
        f"and its facts (see its compliance obligations). {scope}."
    )


def assessment_of(system: AISystem) -> FundamentalRightsAssessment | None:
    return FundamentalRightsAssessment.objects.filter(system=system).first()


def _latest(field: str) -> Subquery:
    versions = AssessmentVersion.objects.filter(assessment=OuterRef("pk")).order_by("-number")
    return Subquery(versions.values(field)[:1])


def _approved_number() -> Subquery:
    versions = AssessmentVersion.objects.filter(
        assessment=OuterRef("pk"), outcome=VersionOutcome.APPROVED
    ).order_by("-number")
    return Subquery(versions.values("number")[:1], output_field=IntegerField())


def assessment_list(user) -> QuerySet[FundamentalRightsAssessment]:
    """The assessments a person may read, with their last and last approved version numbers
    (no per-row query)."""
    return (
        FundamentalRightsAssessment.objects.visible_to(user)
        .select_related("system__team")
        .annotate(
            last_version=_latest("number"),
            last_outcome=_latest("outcome"),
            last_review_status=_latest("review__status"),
            approved_version=_approved_number(),
        )
    )


def assessment_detail(user) -> QuerySet[FundamentalRightsAssessment]:
    return FundamentalRightsAssessment.objects.visible_to(user).select_related(
        "system__team", "system__business_owner", "system__technical_owner", "created_by"
    )


def versions_of(assessment: FundamentalRightsAssessment) -> list[AssessmentVersion]:
    """Its versions, newest first, with their reviews (no content: the list does not show it)."""
    return list(
        assessment.versions.defer("content")
        .select_related("submitted_by", "review")
        .order_by("-number")
    )


def version_of(assessment: FundamentalRightsAssessment, number: int) -> AssessmentVersion:
    return assessment.versions.select_related("submitted_by", "review", "assessment").get(
        number=number
    )


def previous_version(version: AssessmentVersion) -> AssessmentVersion | None:
    return (
        AssessmentVersion.objects.filter(
            assessment_id=version.assessment_id, number__lt=version.number
        )
        .select_related("review")
        .order_by("-number")
        .first()
    )


def other_versions(version: AssessmentVersion) -> QuerySet[AssessmentVersion]:
    """The assessment's other versions, newest first (what a version may be compared with)."""
    return (
        AssessmentVersion.objects.filter(assessment_id=version.assessment_id)
        .exclude(pk=version.pk)
        .defer("content")
        .order_by("-number")
    )


def latest_version(assessment: FundamentalRightsAssessment) -> AssessmentVersion | None:
    return assessment.versions.select_related("review").order_by("-number").first()


def approved_version(assessment: FundamentalRightsAssessment) -> AssessmentVersion | None:
    """The last version the committee approved: the assessment in force."""
    return (
        assessment.versions.filter(outcome=VersionOutcome.APPROVED)
        .select_related("review")
        .order_by("-number")
        .first()
    )


def linkable_risks(assessment: FundamentalRightsAssessment):
    """The system's live risks, which the assessment may link, and those it links already
    (archived since, they may stay)."""
    system = assessment.system
    risks = system.risks.filter(
        Q(pk__in=system.risks.live().values("pk")) | Q(rights_assessments=assessment)
    )
    return risks.distinct().select_related("category").order_by("title", "pk")


def linked_risks(assessment: FundamentalRightsAssessment):
    return assessment.risks.select_related("category").order_by("title", "pk")


def history_of_assessment(assessment: FundamentalRightsAssessment) -> QuerySet[AuditEvent]:
    """The draft's changes and its versions' (submitted, sent to the committee, decided),
    newest first."""
    types = ContentType.objects.get_for_models(FundamentalRightsAssessment, AssessmentVersion)
    return AuditEvent.objects.filter(
        Q(content_type=types[FundamentalRightsAssessment], object_id=assessment.pk)
        | Q(
            content_type=types[AssessmentVersion],
            object_id__in=assessment.versions.values("pk"),
        )
    ).select_related("content_type")
