"""The reviews app's check of the deployment gate (:mod:`apps.systems.gate`): a current
approved safety plan covers the version about to be deployed.

A version is covered when the committee's latest approved plan was frozen with it (one of the
system's model, training data, code or configuration versions in that plan), or when it was
recorded as a new version (a material change) that a later approved review, or the committee's
waiver, settled. A version recorded and still waiting for its change review is refused: the
approved plan is stale for it.
"""

from __future__ import annotations

from django.utils import timezone

from apps.reviews import selectors
from apps.reviews.models import OPEN_STATUSES, PLAN_KINDS
from apps.systems.models import VERSION_FIELDS, AISystem, SystemVersion


def _plan_versions(system: AISystem) -> tuple[dict[str, str], str]:
    """The versions the latest approved plan was frozen with, by field, and how to name it."""
    approved = selectors.last_approved_version(system)
    if approved is None:  # approved before plans were frozen: the system's record says
        return {field: getattr(system, field) for field in VERSION_FIELDS.values()}, (
            "the approved plan"
        )
    frozen = approved.content.get("system", {})
    name = f"the approved plan ({approved.review.reference}, version {approved.number})"
    return {field: frozen.get(field, "") for field in VERSION_FIELDS.values()}, name


def _describe(versions: dict[str, str]) -> str:
    labels = {"model_version": "model", "training_data_version": "training data"}
    labels |= {"code_version": "code", "configuration_version": "configuration"}
    parts = [f"{labels[field]} “{value}”" for field, value in versions.items() if value]
    return ", ".join(parts) or "no version at all"


def approved_plan(system: AISystem, version: str) -> list[str]:
    """Refuse unless a current approved plan covers ``version`` (see the module)."""
    ref = system.reference
    if system.last_approved is None:
        return [
            f"{ref} has no approved safety plan: submit it for an initial deployment review "
            "and have the committee approve it."
        ]
    if system.next_review_due is not None and system.next_review_due < timezone.localdate():
        return [
            f"The approved safety plan of {ref} lapsed when its review fell due on "
            f"{system.next_review_due:%d %b %Y}: have a periodic review approved."
        ]
    record = (
        SystemVersion.objects.filter(system=system, value=version)
        .order_by("-recorded_at", "-pk")
        .first()
    )
    if record is not None:
        if not record.is_pending:
            return []
        review = (
            system.reviews.filter(status__in=OPEN_STATUSES, kind__in=PLAN_KINDS)
            .select_related("current_version")
            .first()
        )
        then = (
            f"{review.reference} is in progress: the committee's approval settles it"
            if review is not None
            and review.current_version is not None
            and review.current_version.submitted_at >= record.recorded_at
            else "submit a change review of the safety plan"
        )
        return [
            f"The approved safety plan of {ref} is stale for {record.get_kind_display().lower()} "
            f"version “{version}”, recorded on {timezone.localtime(record.recorded_at):%d %b %Y} "
            f"({record.reference}): {then}, or have the committee waive the review."
        ]
    covered, name = _plan_versions(system)
    if version in covered.values():
        return []
    return [
        f"No approved safety plan of {ref} covers version “{version}”: {name} is for "
        f"{_describe(covered)}. Record “{version}” as a new version of {ref} and have its "
        "change review approved."
    ]
