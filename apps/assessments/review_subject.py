"""How the committee reviews an assessment: a review of kind “fria” whose subject is the version
submitted (:mod:`apps.reviews.subjects`). Its decision comes back here: approval marks the version
approved and makes it the Art. 27 obligation's evidence; rejection or withdrawal closes it."""

from __future__ import annotations

from apps.assessments import services
from apps.reviews.subjects import ReviewSubject, register_review_subject


def register() -> None:
    register_review_subject(
        ReviewSubject(
            kind=services.REVIEW_KIND,
            template="assessments/_review_subject.html",
            on_approved=services.version_approved,
            on_closed=services.version_closed,
            describe=services.describe,
        )
    )
